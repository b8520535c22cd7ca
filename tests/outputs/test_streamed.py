"""The exports through sorted files (graph/outputs/streamed.py, export.write_store_exports): GNU sort's order is
Python's, the canonical labels are the in-memory dataset's, the merged pass counts what the in-memory counts count,
and a failure leaves no half-written output and no temporary folder."""
from __future__ import annotations

import random

import pyoxigraph as ox
import pytest

from graph.outputs import export, gnusort, streamed
from graph.outputs.describe import description_graph
from graph.outputs.gnusort import DistinctCount
from graph.outputs.export import (
    FORMATS, ExportError, dataset_counts, dataset_from_store, store_counts, void_bytes, write_store_exports,
)
from graph.rdf.namespaces import DEFAULT_BASE
from graph.rdf.store import Store

B = DEFAULT_BASE
XSD = "http://www.w3.org/2001/XMLSchema#"


def _n(local: str) -> ox.NamedNode:
    return ox.NamedNode(B + local)


def _graph(name: str) -> ox.NamedNode:
    return _n(f"graph/{name}")


def tiny_store() -> Store:
    """Quads that try the order and the merge: literals one the prefix of another, IRIs that differ where a space
    would, escapes, Chinese, a triple in two graphs, one in the inferred graph only, blank nodes in two graphs,
    the default graph, and a description graph to be left out."""
    s, p, q = _n("measure/1"), _n("p"), _n("q")
    docs, onto, inferred = _graph("documents"), _graph("ontology"), _graph("inferred")
    shared = ox.Quad(_n("region/a"), p, _n("region/b"), docs)
    blank, other = ox.BlankNode(), ox.BlankNode()
    quads = [
        ox.Quad(s, p, ox.Literal("x"), docs),
        ox.Quad(s, p, ox.Literal("x", language="en"), docs),
        ox.Quad(s, p, ox.Literal("x", datatype=ox.NamedNode(XSD + "token")), docs),
        ox.Quad(s, p, ox.Literal("x y"), docs),
        ox.Quad(s, q, ox.Literal("虹桥\t国际\n\"开放\"枢纽\\"), docs),
        ox.Quad(s, q, ox.Literal("24", datatype=ox.NamedNode(XSD + "integer")), docs),
        ox.Quad(_n("region/a-b"), p, _n("region/a"), docs),
        ox.Quad(_n("region/a/b"), p, _n("region/a"), docs),
        ox.Quad(_n("region/a"), p, _n("region/a"), docs),
        shared,
        ox.Quad(shared.subject, shared.predicate, shared.object, inferred),
        ox.Quad(_n("region/b"), p, _n("region/a"), inferred),
        ox.Quad(_n("Class"), p, blank, onto),
        ox.Quad(blank, q, ox.Literal("restriction"), onto),
        ox.Quad(blank, p, other, onto),
        ox.Quad(other, q, ox.Literal("inner"), inferred),  # graph.ttl's data holds no blank node: the inferred graph may
        ox.Quad(_n("region/a"), q, ox.Literal("in the default graph")),
        ox.Quad(_n("dataset"), q, ox.Literal("an old description"), ox.NamedNode(str(description_graph(B)))),
    ]
    store = Store()
    store.add(quads)
    return store


def test_sorted_graphs_are_the_datasets_sorted_canonical_lines(tmp_path):
    store = tiny_store()
    graphs = streamed.sorted_graphs(store, tmp_path, B)
    expected = dataset_from_store(store, B).graph_lines()
    assert [g.key for g in graphs] == sorted(expected) == ["", *sorted(
        f"{B}graph/{n}" for n in ("documents", "inferred", "ontology"))]
    for g in graphs:
        assert g.path.read_text(encoding="utf-8") == "".join(f"{line} .\n" for line in expected[g.key]), g.key
        assert g.size == len(expected[g.key])
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(g.path.name for g in graphs)  # dumps removed


def test_merged_lines_carry_the_graphs_that_hold_them(tmp_path):
    store = tiny_store()
    graphs = streamed.sorted_graphs(store, tmp_path, B)
    held = dataset_from_store(store, B).graph_lines()
    merged = list(streamed.merged(graphs))
    lines = [line for line, _ in merged]
    assert lines == sorted(set(lines)) == sorted({f"{line} .\n" for found in held.values() for line in found})
    for line, mask in merged:
        assert {g.key for i, g in enumerate(graphs) if mask >> i & 1} == \
            {key for key, found in held.items() if line[:-3] in found}, line


def test_the_exports_counts_and_description_are_the_in_memory_ones(tmp_path):
    store = tiny_store()
    dataset = dataset_from_store(store, B)
    names, counts = write_store_exports(tmp_path, store, B)
    assert counts == dataset_counts(dataset) == store_counts(store, B)
    assert counts.inferred == 2 and counts.asserted == len({line for key, found in dataset.graph_lines().items()
                                                             if not key.endswith("/inferred") for line in found})
    assert (tmp_path / "void.ttl").read_bytes() == void_bytes(dataset)
    assert sorted(names) == sorted(p.name for p in tmp_path.iterdir())  # and no temporary folder left


@pytest.mark.parametrize("fmt", list(FORMATS))
def test_each_export_reads_back_as_the_store(tmp_path, fmt):
    """Canonicalised, each file is the store's asserted graph (TriG: every graph and the description)."""
    store = tiny_store()
    write_store_exports(tmp_path, store, B)
    parsed = ox.Dataset(ox.parse(path=tmp_path / FORMATS[fmt].filename, format={
        "ttl": ox.RdfFormat.TURTLE, "nt": ox.RdfFormat.N_TRIPLES, "jsonld": ox.RdfFormat.JSON_LD,
        "rdfxml": ox.RdfFormat.RDF_XML, "trig": ox.RdfFormat.TRIG}[fmt]))
    own = ox.NamedNode(str(description_graph(B)))
    raw = [q for q in store.raw() if q.graph_name != own]
    if fmt == "trig":
        expected = ox.Dataset(raw)
        parsed = ox.Dataset(q for q in parsed if q.graph_name != own)
    else:
        expected = ox.Dataset({ox.Quad(q.subject, q.predicate, q.object) for q in raw
                               if q.graph_name != _graph("inferred")})
    for d in (expected, parsed):
        d.canonicalize(ox.CanonicalizationAlgorithm.RDFC_1_0)
    assert sorted(map(str, parsed)) == sorted(map(str, expected))


def test_writers_in_processes_write_what_one_process_writes(tmp_path):
    store = tiny_store()
    apart, here = tmp_path / "apart", tmp_path / "here"
    apart.mkdir(), here.mkdir()
    write_store_exports(apart, store, B)
    write_store_exports(here, store, B, processes=1)
    assert sorted(p.name for p in apart.iterdir()) == sorted(p.name for p in here.iterdir())
    for path in apart.iterdir():
        assert path.read_bytes() == (here / path.name).read_bytes(), path.name


def test_a_failing_writer_leaves_the_folder_as_it_was(tmp_path, monkeypatch):
    (tmp_path / "graph.ttl").write_text("kept")
    monkeypatch.setattr(export.sys, "executable", "/bin/false")  # each writer's process exits 1
    with pytest.raises(ExportError, match="writer failed"):
        write_store_exports(tmp_path, tiny_store(), B)
    assert [p.name for p in tmp_path.iterdir()] == ["graph.ttl"]
    assert (tmp_path / "graph.ttl").read_text() == "kept"


def test_gnu_sort_is_found_without_path(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path / "nowhere"))
    assert gnusort.sort_program() in gnusort.SORT_PLACES
    names, _ = write_store_exports(tmp_path, tiny_store(), B)
    assert (tmp_path / "graph.nt").stat().st_size > 0


def test_without_gnu_sort_the_error_says_so(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path / "nowhere"))
    monkeypatch.setattr(gnusort, "SORT_PLACES", (str(tmp_path / "nowhere" / "sort"),))
    with pytest.raises(gnusort.SortError, match="GNU sort"):
        write_store_exports(tmp_path, tiny_store(), B)
    assert list(tmp_path.iterdir()) == []


def test_distinct_count_is_the_size_of_the_set():
    rng = random.Random(7)
    values = [rng.choice(["<http://a>", '"虹桥"@zh', '"x\\ty"', '"x"', '"x"@en', "_:c14n0"]) + str(rng.randrange(500))
              for _ in range(50_000)]
    counter = DistinctCount(memory="1M")  # small, so sort spills to files
    for value in values:
        counter.add(value)
    assert counter.count() == len(set(values))
