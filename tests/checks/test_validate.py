"""graph/validate.py and graph/shacl.py: the real build passes every check; each deliberately broken fixture
(tests/data/validate/broken.yaml) is caught by the check it targets; the two SHACL engines agree; `hqkg validate`
exit codes; a build with a violation fails and leaves the previous output alone."""
from __future__ import annotations

import shutil
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pyoxigraph as ox
import pytest
import yaml
from click.testing import CliRunner
from rdflib import BNode, Graph, URIRef

from graph import pipeline, resources
from graph.cli import main
from graph.ingest.gazetteer import load_gazetteer
from graph.rdf.namespaces import HQR, PREFIXES
from graph.checks.shacl import SH, checks, load_shapes, run_pyshacl, run_sparql_engine, store_graph
from graph.rdf.store import Store
from graph.checks.validate import (
    DEFAULT_SHAPES, REPORT_FILE, FloorsError, SourceFiles, ValidationError, load_floors, validate_store,
)

DATA = Path(__file__).resolve().parents[1] / "data" / "validate"
CASES = yaml.safe_load((DATA / "broken.yaml").read_text(encoding="utf-8"))
SPARQL_PROLOGUE = f"BASE <{HQR}>\n" + "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in PREFIXES.items() if p != "hqr")


@pytest.fixture(scope="module")
def tiny_triples() -> bytes:
    """The tiny fixture build (its text and entities) as N-Triples: all graphs merged, so updates reach them."""
    gazetteer = load_gazetteer(DATA / "entities")
    documents = pipeline.load_documents([DATA / "sources" / "tiny-measures.txt"], gazetteer)
    store = pipeline.assemble_store(gazetteer, documents, pipeline.DEFAULT_ONTOLOGY)
    return ox.serialize((ox.Triple(q.subject, q.predicate, q.object) for q in store.raw()),
                        format=ox.RdfFormat.N_TRIPLES)


def tiny_store(triples: bytes, update: str = "") -> Store:
    store = Store()
    store.raw().load(triples, format=ox.RdfFormat.N_TRIPLES)
    if update.strip():
        store.raw().update(SPARQL_PROLOGUE + update)
    return store


def check(store: Store, floors: str = "floors.yaml", engine: str = "sparql", processes: int | None = None):
    return validate_store(store, SourceFiles(folders=[DATA / "sources"]), queries_dir=DATA / "queries",
                          floors=DATA / floors, engine=engine, processes=processes)


def case_id(case: dict) -> str:
    return case["name"].replace(" ", "-")


# --- the real build and the tiny one pass ------------------------------------------------------------------------

def test_the_real_build_passes_every_check(built):
    summary = built.notes["validation"]
    assert summary["violations"] == 0 and summary["warnings"] == 0, summary
    report = (built.staging / REPORT_FILE).read_text(encoding="utf-8")
    assert report.startswith("validation: 0 violation(s), 0 warning(s)"), report


def test_the_real_build_passes_with_the_sparql_engine_too(built):
    report = validate_store(built.store, SourceFiles(folders=[pipeline.DEFAULT_SOURCES_DIR]), engine="sparql")
    assert report.findings == [], report.text()
    assert any("compiled to SPARQL" in ran for ran in report.ran)


@pytest.mark.parametrize("engine", ["sparql", pytest.param("pyshacl", marks=pytest.mark.qc)])
def test_the_tiny_build_passes_every_check(tiny_triples, engine):
    report = check(tiny_store(tiny_triples), engine=engine)
    assert report.findings == [], report.text()


# --- each broken fixture is caught ---------------------------------------------------------------------------------

@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_the_broken_fixture_is_caught(tiny_triples, case):
    report = check(tiny_store(tiny_triples, case["update"]), case.get("floors", "floors.yaml"))
    focus = case["focus"] if case["focus"].endswith(".txt") else str(HQR[case["focus"]])
    severity = case.get("severity", "violation")
    hits = [f for f in report.findings if f.check == case["expect"] and f.focus == focus and f.severity == severity]
    assert hits, f"{case['name']}: no {severity} of {case['expect']} on {focus}; the report:\n{report.text()}"
    assert all(f.message for f in hits), "every finding needs a message"


def test_every_check_of_the_shapes_has_a_broken_fixture():
    expected = {case["expect"] for case in CASES}
    missing = [f"shacl:{str(c).rsplit('#', 1)[-1]}" for c in checks(load_shapes(DEFAULT_SHAPES))
               if f"shacl:{str(c).rsplit('#', 1)[-1]}" not in expected]
    assert not missing, f"add a case to tests/data/validate/broken.yaml for: {missing}"


def test_every_other_check_has_a_broken_fixture():
    expected = {case["expect"] for case in CASES}
    others = {"offsets:quote", "offsets:text", "offsets:source", "floors:sections", "floors:measures",
              "floors:unused", "floors:document", "floors:metadata-only"}
    queries = {f"query:{p.stem}" for p in (DATA / "queries").glob("*-violation.rq")}
    assert others | queries <= expected, f"no broken fixture for {sorted((others | queries) - expected)}"


# --- the two SHACL engines agree -----------------------------------------------------------------------------------

def _describe(shapes: Graph, node, out: Graph) -> None:
    for p, o in shapes.predicate_objects(node):
        out.add((node, p, o))
        if isinstance(o, BNode):
            _describe(shapes, o, out)


def shapes_of(shapes: Graph, check_name: str) -> Graph:
    """The node shape that owns a check, with all its checks (so pySHACL runs just that shape)."""
    check_iri = URIRef(f"https://w3id.org/hongqiao-kg/shapes#{check_name}")
    owner = next(s for p in (SH.property, SH.sparql) for s in shapes.subjects(p, check_iri))
    out = Graph()
    _describe(shapes, owner, out)
    for child in [*shapes.objects(owner, SH.property), *shapes.objects(owner, SH.sparql)]:
        _describe(shapes, child, out)
    for declaring in shapes.subjects(SH.declare, None):
        _describe(shapes, declaring, out)
    return out


SHACL_CASES = [c for c in CASES if c["expect"].startswith("shacl:")]


@pytest.mark.parametrize("case", SHACL_CASES, ids=case_id)
@pytest.mark.qc
def test_pyshacl_and_the_compiled_queries_agree(tiny_triples, case):
    """pySHACL, SPARQL constraints included, and graph/shacl.py find the same (check, focus) pairs."""
    store = tiny_store(tiny_triples, case["update"])
    shapes = shapes_of(load_shapes(DEFAULT_SHAPES), case["expect"].split(":", 1)[1])
    reference = {(r.shape, r.focus) for r in run_pyshacl(store_graph(store), shapes)}
    compiled = {(r.shape, r.focus) for r in run_sparql_engine(store, shapes)}
    assert reference == compiled, f"only pySHACL: {reference - compiled}; only compiled: {compiled - reference}"
    assert reference, "the case should break this shape"


# --- the checks' queries in forked processes -----------------------------------------------------------------------

def test_forked_and_single_process_validation_find_the_same(tiny_triples, monkeypatch):
    """Every broken fixture at once where they do not undo each other: the report is the same whether the SHACL and
    violation queries run in this process or in two forked ones (graph/rdf/forked.py)."""
    broken = [c for c in CASES if c["expect"].startswith(("shacl:", "query:")) and "floors" not in c]
    store = tiny_store(tiny_triples, ";\n".join(c["update"].strip().rstrip(";") for c in broken))
    pools, pool_map = [], ProcessPoolExecutor.map
    monkeypatch.setattr(ProcessPoolExecutor, "map",
                        lambda pool, *args, **kw: pools.append(pool) or pool_map(pool, *args, **kw))
    single = check(store, processes=1)
    assert not pools
    forked = check(store, processes=2)
    # the SHACL queries over a pool; the fixtures' one violation query stays in this process
    assert len(pools) == 1, pools
    assert forked.findings == single.findings and forked.ran == single.ran
    found = {f.check for f in single.findings}
    assert len(found) >= 10 and any(c.startswith("query:") for c in found), sorted(found)


def test_a_disk_store_is_validated_by_spawned_readers_that_find_the_same(tiny_triples, tmp_path, monkeypatch):
    """On disk the queries go to spawned processes that open a checkpoint of the store read-only (a fork is not
    safe beside RocksDB's threads); the report is the one process's, and the store stays writable here."""
    import gc
    import multiprocessing

    broken = [c for c in CASES if c["expect"].startswith(("shacl:", "query:")) and "floors" not in c]
    memory = tiny_store(tiny_triples, ";\n".join(c["update"].strip().rstrip(";") for c in broken))
    disk = Store(tmp_path / "store")
    disk.add(memory.raw())  # in one transaction, not yet flushed: the readers must still see it
    contexts, pool_init = [], ProcessPoolExecutor.__init__

    def counting(pool, *args, **kw):
        contexts.append(kw.get("mp_context"))
        pool_init(pool, *args, **kw)

    monkeypatch.setattr(ProcessPoolExecutor, "__init__", counting)
    single = check(disk, processes=1)
    assert not contexts
    spawned = check(disk, processes=2)
    assert contexts and all(c.get_start_method() == "spawn" for c in contexts), contexts
    assert spawned.findings == single.findings == check(memory, processes=1).findings
    assert spawned.ran == single.ran
    assert sorted(p.name for p in tmp_path.iterdir()) == ["store"]  # the readers' checkpoint is gone
    disk.add([ox.Quad(ox.NamedNode("http://example.org/still"), ox.NamedNode("http://example.org/writable"),
                      ox.Literal("yes"))])
    del disk
    gc.collect()
    assert multiprocessing.active_children() == []


# --- reports, floors files, queries --------------------------------------------------------------------------------

def test_the_report_names_check_focus_path_and_message(tiny_triples):
    case = next(c for c in CASES if c["expect"] == "shacl:Measure-section")
    text = check(tiny_store(tiny_triples, case["update"])).text()
    assert "VIOLATION [shacl:Measure-section] hqr:document/tiny-measures/measure/1  eli:is_part_of" in text, text
    assert "a measure must be eli:is_part_of a hq:Section" in text, text


def test_floors_file_errors_name_file_and_line(tmp_path):
    bad = tmp_path / "floors.yaml"
    bad.write_text("documents:\n  tiny-measures:\n    measures: many\n", encoding="utf-8")
    with pytest.raises(FloorsError, match=r"floors.yaml:3: documents.tiny-measures.measures must be a whole number"):
        load_floors(bad)
    bad.write_text("every_document:\n  min_sections: 1\nfloor: 3\n", encoding="utf-8")
    with pytest.raises(FloorsError, match=r"floors.yaml:3: unknown key 'floor'"):
        load_floors(bad)
    bad.write_text("metadata_only:\n  - id: region/x\n", encoding="utf-8")
    with pytest.raises(FloorsError, match=r"floors.yaml:2: a metadata_only entry needs exactly `id`"):
        load_floors(bad)
    bad.write_text("documents: [\n", encoding="utf-8")
    with pytest.raises(FloorsError, match=r"floors.yaml"):
        load_floors(bad)


def test_the_project_floors_are_the_policy_s_counts():
    floors = load_floors(resources.FLOORS)
    assert floors.documents["hongqiao-open-hub-measures-2023"] == {"sections": 3, "measures": 24}
    assert (floors.min_sections, floors.min_measures) == (1, 1)


def test_a_query_that_cannot_run_is_a_violation(tiny_triples, tmp_path):
    (tmp_path / "broken-violation.rq").write_text("# title: broken\nSELECT ?x WHERE { ?x ", encoding="utf-8")
    report = validate_store(tiny_store(tiny_triples), SourceFiles(folders=[DATA / "sources"]), queries_dir=tmp_path,
                            floors=DATA / "floors.yaml", engine="sparql")
    assert [f.check for f in report.violations] == ["query:broken-violation"], report.text()
    assert "cannot run" in report.violations[0].message


# --- hqkg validate -------------------------------------------------------------------------------------------------

def _cli(*args: str):
    return CliRunner().invoke(main, ["validate", *args])


def test_hqkg_validate_passes_the_real_build(built):
    result = _cli("--graph", str(built.staging / "graph.ttl"))
    assert result.exit_code == 0, result.output
    assert result.output.startswith("validation: 0 violation(s), 0 warning(s)")


def test_hqkg_validate_reasons_on_request(built):
    result = _cli("--graph", str(built.staging), "--reason", "rules", "--engine", "sparql")
    assert result.exit_code == 0, result.output
    assert "reasoning (rules" in result.output


def test_hqkg_validate_prints_the_same_report_in_one_process(built):
    default = _cli("--graph", str(built.staging), "--engine", "sparql")
    single = _cli("--graph", str(built.staging), "--engine", "sparql", "--processes", "1")
    assert single.exit_code == default.exit_code == 0, single.output
    assert single.output == default.output and "compiled to SPARQL" in single.output
    refused = _cli("--graph", str(built.staging), "--processes", "0")
    assert refused.exit_code == 2 and "--processes" in refused.output


def test_hqkg_validate_exits_1_and_prints_the_report_on_a_violation(tiny_triples, tmp_path):
    case = next(c for c in CASES if c["expect"] == "shacl:Region-gbCode-province")
    graph = tmp_path / "broken.nt"
    graph.write_bytes(tiny_store(tiny_triples, case["update"]).raw().dump(format=ox.RdfFormat.N_QUADS))
    result = _cli("--graph", str(graph), "--sources", str(DATA / "sources"), "--floors", str(DATA / "floors.yaml"),
                  "--queries", str(DATA / "queries"))
    assert result.exit_code == 1, result.output
    assert "[shacl:Region-gbCode-province] hqr:region/kunshan" in result.output, result.output


def test_hqkg_validate_exits_2_when_it_cannot_run(tmp_path):
    result = _cli("--graph", str(tmp_path / "missing.ttl"))
    assert result.exit_code == 2 and "no such graph file" in result.output
    bad = tmp_path / "bad.ttl"
    bad.write_text("<a> <b> .", encoding="utf-8")
    result = _cli("--graph", str(bad))
    assert result.exit_code == 2 and "bad.ttl" in result.output, result.output


# --- the build stops ------------------------------------------------------------------------------------------------

def test_a_build_with_a_violation_fails_and_keeps_the_previous_output(tmp_path):
    entities = tmp_path / "entities"
    shutil.copytree(DATA / "entities", entities)
    regions = entities / "regions.yaml"
    regions.write_text(regions.read_text(encoding="utf-8").replace('code: "320583"', 'code: "310583"'),
                       encoding="utf-8")
    out = tmp_path / "out"
    out.mkdir()
    (out / "marker.txt").write_text("previous build", encoding="utf-8")
    # a previous build's folder carries the build's marker (a folder without it is refused before the build)
    (out / pipeline.buildfolder.MARKER).write_text(pipeline.buildfolder.MARKER_TEXT, encoding="utf-8")
    options = pipeline.BuildOptions(sources=[DATA / "sources" / "tiny-measures.txt"], out=out, entities_dir=entities,
                                    reasoner="rules")
    with pytest.raises(ValidationError) as failure:
        pipeline.build(options)
    assert "[shacl:Region-gbCode-province] hqr:region/kunshan" in str(failure.value)
    assert sorted(p.name for p in out.iterdir()) == [pipeline.buildfolder.MARKER, "marker.txt"], \
        "the previous output must stay as it was"
    assert not any(p.name.startswith(".out.staging") for p in tmp_path.iterdir()), "no staging folder left behind"
