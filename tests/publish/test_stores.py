"""Publishing into the stores linked-data platforms run, each started here on loopback in a temporary folder:
Virtuoso (Debian's virtuoso-opensource) by the Graph Store Protocol with Digest authentication, by the SPARQL
Update fallback and by its bulk loader; Apache Jena (Debian's libapache-jena-java) by TDB2's bulk loader; Oxigraph
(tests/publish/test_publish.py covers its routes). After publishing, each store answers the project's named
questions (every one, with its example parameters and more, bound as graph/query/named.py binds them for a store
reached by text) with the same rows as the local graph.ttl does, reasoned over as `hqkg query` reads it."""
from __future__ import annotations

import subprocess

import pytest

from graph.outputs.export import load_dataset
from graph.publish import jena, virtuoso
from graph.publish.bulk import bulk_publish
from graph.publish.gsp import PublishError, Target, default_graph_name, plan, publish
from graph.query.answers import answer, json_rows, ox_rows
from graph.query.named import all_queries, bind_params, bound_query, open_graph
from graph.rdf.namespaces import DEFAULT_BASE

pytestmark = pytest.mark.slow
GRAPH_COUNTS = (f"SELECT ?g (COUNT(*) AS ?n) WHERE {{ GRAPH ?g {{ ?s ?p ?o }} "
                f"FILTER(STRSTARTS(STR(?g), \"{DEFAULT_BASE}\")) }} GROUP BY ?g")
QUESTIONS = [q for q in all_queries() if not q.is_check]
# Beside each question's example, more values of its parameters (names in zh and en, a region with nothing to
# link, a type of instrument): Virtuoso 7.2 answered some shapes right for one value and wrongly for another, and
# with one plan in one instance only.
MORE_PARAMS = {
    "projects-between": [{"from": "上海", "to": "苏州"}, {"from": "嘉兴", "to": "上海"}, {"from": "上海", "to": "上海"},
                         {"from": "Anhui", "to": "Shanghai"}],
    "region-profile": [{"name": n} for n in ("Shanghai", "长三角", "嘉兴", "Anhui", "芜湖", "虹桥")],
    "region-pairs": [{"level": "province"}, {"level": "county"}],
    "measures-using-instrument": [{"instrument": i} for i in ("法规管制", "试点示范", "Regulation")],
}
# Each case: (name, question, parameters), the example first.
CASES = [(q.name, q, q.example_params()) for q in QUESTIONS] + [
    (f"{q.name} {' '.join(f'{k}={v}' for k, v in params.items())}", q, params)
    for q in QUESTIONS for params in MORE_PARAMS.get(q.name, [])]


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
    """Each case answered locally on graph.ttl (what `hqkg query` does: the file with the inferred graph the reasoner
    makes of it)."""
    store = open_graph(built.staging / "graph.ttl")
    return {name: rows(ox_rows(store.query(q.sparql, bind_params(q, params)))) for name, q, params in CASES}


def text(query, params) -> str:
    """The question's text as a store reached by text gets it, its parameters bound."""
    return bound_query(query, params)


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
    answers = {name: _vos_rows(instance, text(q, params), default) for name, q, params in CASES}
    assert len(QUESTIONS) >= 19 and all(local[q.name] for q in QUESTIONS), "every question answers locally"
    assert sum(bool(q.params) for q in QUESTIONS) >= 5 and len(CASES) >= len(QUESTIONS) + 15
    differing = differences(answers, local)
    assert not differing, f"Virtuoso answers differently from graph.ttl: {differing}"


# --- Jena (TDB2) -----------------------------------------------------------------------------------------------------

# A question over the limit fails the test, named, rather than being waited for (TDB2 took more than ten minutes on
# belt-measures while it walked the reach rule's paths in an OPTIONAL, and 168 s on measures-using-instrument
# before its asked concept got a sub-select of its own; each now takes 2-4 s, the JVM's start included).
JENA_QUESTION_SECONDS = 60
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
    for name, q, params in CASES:
        try:
            answers[name] = rows(json_rows(jena.query(database, text(q, params), timeout=JENA_QUESTION_SECONDS)))
        except subprocess.TimeoutExpired:
            slow.append(name)
    differing = differences(answers, local)
    assert not differing, f"Jena answers differently from graph.ttl: {differing}"
    assert not slow, f"Jena takes over {JENA_QUESTION_SECONDS} s for {sorted(slow)}"
