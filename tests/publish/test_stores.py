"""Publishing into the stores linked-data platforms run, each started here on loopback in a temporary folder:
Virtuoso (Debian's virtuoso-opensource) by the Graph Store Protocol with Digest authentication, by the SPARQL
Update fallback and by its bulk loader; Apache Jena (Debian's libapache-jena-java) by TDB2's bulk loader; Oxigraph
(tests/publish/test_publish.py covers its routes). After publishing, each store answers the project's named
questions (every one, with its example parameters bound as graph/query/named.py binds them for a store reached
by text) with the same rows as the local graph.ttl does, but for the ones named below with what was measured."""
from __future__ import annotations

import subprocess

import pytest

from graph.outputs.export import load_dataset
from graph.publish import jena, virtuoso
from graph.publish.bulk import bulk_publish
from graph.publish.gsp import PublishError, Target, default_graph_name, plan, publish
from graph.query.answers import answer, json_rows, ox_rows
from graph.query.named import all_queries, bind_params, bound_query
from graph.rdf.namespaces import DEFAULT_BASE

pytestmark = pytest.mark.slow
GRAPH_COUNTS = (f"SELECT ?g (COUNT(*) AS ?n) WHERE {{ GRAPH ?g {{ ?s ?p ?o }} "
                f"FILTER(STRSTARTS(STR(?g), \"{DEFAULT_BASE}\")) }} GROUP BY ?g")
QUESTIONS = [q for q in all_queries() if not q.is_check]
# Virtuoso 7.2.5 (Debian bookworm) answers the others alike since they were reshaped where it evaluates SPARQL
# wrongly (docs/publishing.md); its geometry literals compare by their numbers at the precision it keeps. These it
# still answers wrongly, measured on the seed build: it drops rows when a transitive path is joined with another
# one, and each of these joins the regions inside or above a region (a `*` path over hq:parentRegion) with a class
# test (`rdfs:subClassOf*`). region-profile: 5 rows of 23, the same with the name written into the text as a
# literal; its region walk joined with the kinds' class tests gives 2 rows of 14, and either path alone agrees
# (with the walk's end computed, IRI(STR(?inner)), 14 of 14, but joined with the annotations 5 or 6 of 23).
# projects-between: no row of 1, the same with the names as literals. region-pairs: no row of 10 (23 of 25 for
# every level, unbound); with the block in one group only, 1 to 8. Where a store differs, the test says how.
VIRTUOSO_DIFFERS = {"region-pairs", "region-profile", "projects-between"}


def rows(rows_read_out: list[tuple]) -> list[tuple[str, ...]]:
    """An engine's rows in the project's one compared form (graph/query/answers.py), sorted."""
    return sorted(answer(rows_read_out))


def differences(answers: dict[str, list | str], local: dict[str, list]) -> dict[str, object]:
    """Per question that differs: the store's error, or the rows only the store and only graph.ttl give."""
    out = {}
    for name, got in answers.items():
        if isinstance(got, str):
            out[name] = got
        elif got != local[name]:
            out[name] = {"store only": sorted(set(got) - set(local[name]))[:5],
                         "local only": sorted(set(local[name]) - set(got))[:5], "rows": (len(got), len(local[name]))}
    return out


@pytest.fixture(scope="module")
def local(built):
    """Each named question answered locally on graph.ttl with its example parameters (what `hqkg query` does)."""
    import pyoxigraph as ox

    store = ox.Store()
    store.load(path=str(built.staging / "graph.ttl"), format=ox.RdfFormat.TURTLE)
    return {q.name: rows(ox_rows(store.query(q.sparql, substitutions={
        ox.Variable(name): term for name, term in bind_params(q, q.example_params()).items()})))
        for q in QUESTIONS}


def text(query) -> str:
    """The question's text as a store reached by text gets it, its example parameters bound."""
    return bound_query(query, query.example_params())


def expected_counts(built, true_default_graph: bool) -> dict[str, int]:
    graphs = plan(load_dataset(built.staging), default_graph="merged", true_default_graph=true_default_graph)
    return {("" if g is None else str(g)): len(t) for g, t in graphs}


# --- Virtuoso --------------------------------------------------------------------------------------------------------

needs_virtuoso = pytest.mark.skipif(not virtuoso.available(), reason="apt-get install virtuoso-opensource")


@pytest.fixture(scope="module")
def vos(tmp_path_factory):
    folder = tmp_path_factory.mktemp("virtuoso")
    instance = virtuoso.Instance(folder / "db", password="hq-secret", dirs_allowed=(folder / "load",))
    (folder / "load").mkdir()
    instance.start()
    yield instance, folder / "load"
    instance.stop()


def _vos_query(instance, query: str, default_graph: str | None = None) -> dict:
    return instance.select(query, [default_graph] if default_graph else [], timeout=120)


def _vos_rows(instance, query: str, default_graph: str | None = None) -> list[tuple] | str:
    """The rows of Virtuoso's answer, or the error it answers with (`Virtuoso SPARQL: HTTP 500: …`)."""
    try:
        return rows(json_rows(_vos_query(instance, query, default_graph)))
    except PublishError as error:
        return str(error)[:300]


def _vos_counts(instance) -> dict[str, int]:
    return {b["g"]["value"]: int(b["n"]["value"]) for b in _vos_query(instance, GRAPH_COUNTS)["results"]["bindings"]}


@needs_virtuoso
def test_virtuoso_graph_store_protocol_with_digest_twice(built, vos):
    instance, _ = vos
    target = Target(f"{instance.http}/sparql-graph-crud-auth", user="dba", password="hq-secret", store="virtuoso")
    expected = expected_counts(built, true_default_graph=False)
    for _ in range(3):  # the broken pipe of urllib's handler came in about half the runs: three in a row here
        report = publish(built.staging, target)
        assert report.method == "gsp"
        assert _vos_counts(instance) == expected


@needs_virtuoso
def test_virtuoso_wrong_password_is_a_clear_error(built, vos):
    instance, _ = vos
    target = Target(f"{instance.http}/sparql-graph-crud-auth", user="dba", password="wrong", store="virtuoso")
    with pytest.raises(PublishError, match="HTTP 401"):
        publish(built.staging, target, method="gsp")


@needs_virtuoso
def test_virtuoso_update_fallback_with_skolemised_blank_nodes(built, vos):
    instance, _ = vos
    target = Target(f"{instance.http}/sparql-auth", user="dba", password="hq-secret", store="virtuoso")
    for _ in range(2):
        report = publish(built.staging, target, method="update")
        assert report.method == "update"
        assert _vos_counts(instance) == expected_counts(built, true_default_graph=False)


@needs_virtuoso
def test_virtuoso_bulk_loader_and_the_named_questions(built, vos, local):
    instance, load_dir = vos
    for _ in range(2):
        bulk_publish(built.staging, "virtuoso", load_dir, isql_address=instance.isql_address, user="dba",
                     password="hq-secret")
        assert _vos_counts(instance) == expected_counts(built, true_default_graph=False)
    default = str(default_graph_name(DEFAULT_BASE))
    answers = {q.name: _vos_rows(instance, text(q), default) for q in QUESTIONS}
    assert len(answers) >= 19 and all(local.values()), "every question, each answering something locally"
    assert sum(bool(q.params) for q in QUESTIONS) >= 5
    differing = differences(answers, local)
    assert set(differing) == VIRTUOSO_DIFFERS, f"Virtuoso answers differently from graph.ttl: {differing}"


# --- Jena (TDB2) -----------------------------------------------------------------------------------------------------

# A question over the limit is reported, not waited for (TDB2 took more than ten minutes on belt-measures while it
# walked the reach rule's paths in an OPTIONAL; Oxigraph 10 ms).
JENA_QUESTION_SECONDS = 60
# measures-using-instrument, its instrument bound by the VALUES block: 168 s for 2 rows on the seed build (the name
# written into the text as a literal: 5 s, JVM start included); it is reported as over the limit, not waited for.
JENA_TOO_SLOW = {"measures-using-instrument"}
needs_jena = pytest.mark.skipif(not jena.available(), reason="apt-get install libapache-jena-java default-jre")


@needs_jena
def test_jena_tdb2_bulk_loader_twice_and_the_named_questions(built, tmp_path, local):
    database = tmp_path / "tdb2"
    expected = expected_counts(built, true_default_graph=True)
    for _ in range(2):
        bulk_publish(built.staging, "jena", tmp_path / "load", tdb2=database)
    counts = {b["g"]["value"]: int(b["n"]["value"])
              for b in jena.query(database, GRAPH_COUNTS)["results"]["bindings"]}
    default = jena.query(database, "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")
    counts[""] = int(default["results"]["bindings"][0]["n"]["value"])
    assert counts == expected
    answers, slow = {}, []
    for q in QUESTIONS:
        try:
            answers[q.name] = rows(json_rows(jena.query(database, text(q), timeout=JENA_QUESTION_SECONDS)))
        except subprocess.TimeoutExpired:
            slow.append(q.name)
    differing = differences(answers, local)
    assert not differing, f"Jena answers differently from graph.ttl: {differing}"
    assert set(slow) <= JENA_TOO_SLOW, f"Jena takes over {JENA_QUESTION_SECONDS} s for {sorted(slow)}"
