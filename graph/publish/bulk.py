"""Bulk loading for large dumps: the same graphs the Graph Store Protocol would replace, written as one N-Quads
file and handed to the store's own loader (Virtuoso's ld_add + rdf_loader_run over isql, Jena's tdb2.tdbloader).
Each graph is cleared first, so loading twice leaves the store as loading once."""
from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox

from graph.outputs.export import load_dataset
from graph.publish.gsp import PROFILES, PublishError, PublishReport, plan
from graph.rdf.store import to_ox

NQUADS_FILE = "hongqiao-kg-bulk.nq"


def write_nquads(graphs, path: Path) -> Path:
    quads = (ox.Quad(to_ox(s), to_ox(p), to_ox(o), ox.DefaultGraph() if g is None else to_ox(g))
             for g, triples in graphs for s, p, o in triples)
    path.write_bytes(ox.serialize(quads, format=ox.RdfFormat.N_QUADS))
    return path


def bulk_publish(data: Path, store: str, folder: Path, default_graph: str = "merged", *,
                 isql_address: str | None = None, user: str = "dba", password: str = "dba",
                 tdb2: Path | None = None) -> PublishReport:
    """Load `data` with `store`'s loader. Virtuoso: the N-Quads file goes into `folder`, which must be one of the
    server's DirsAllowed; Jena: into `folder`, then into the TDB2 database `tdb2` (the server, if any, stopped)."""
    if store not in ("virtuoso", "jena"):
        raise PublishError(f"bulk loading is for virtuoso or jena, not {store!r}")
    profile = PROFILES[store]
    graphs = plan(load_dataset(data), None, default_graph, profile.true_default_graph)
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    nquads = write_nquads(graphs, folder / NQUADS_FILE)
    names = [str(g) for g, _ in graphs if g is not None]
    if store == "virtuoso":
        from graph.publish import virtuoso

        if isql_address is None:
            raise PublishError("Virtuoso's bulk loader needs --isql HOST:PORT")
        virtuoso.bulk_load(isql_address, user, password, nquads, names)
    else:
        from graph.publish import jena

        if tdb2 is None:
            raise PublishError("Jena's bulk loader needs --tdb2 FOLDER")
        jena.bulk_load(tdb2, nquads, names, default_graph=any(g is None for g, _ in graphs))
    report = PublishReport(f"bulk-{store}")
    report.graphs = [("(default graph)" if g is None else str(g), len(t)) for g, t in graphs]
    report.requests = 1
    return report
