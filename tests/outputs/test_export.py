"""Exports and the dataset description: every format reads back as the same graph, bytes never vary, the base
IRI moves everywhere, and the VoID/DCAT/PROV counts are the graph's own."""
from __future__ import annotations

import gzip
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pyoxigraph as ox
import pytest
from click.testing import CliRunner
from rdflib import BNode, Dataset as RdfDataset, Graph, Literal, URIRef
from rdflib.compare import graph_diff, isomorphic, to_isomorphic
# The vocabularies as a module: pytest warns when it inspects closed rdflib namespaces held as globals.
from rdflib import namespace as ns

import graph
from graph.cli import main
from graph.outputs.describe import BaseIriError, count, load_metadata, site_root
from graph.outputs.export import (
    CONTEXT_FILE, FORMATS, VOID_FILE, ExportError, canonical, data_turtle, dataset_counts, export, load_dataset,
    rebase, serialize,
)
from graph.ingest.gazetteer import DataError
from graph.rdf.namespaces import DEFAULT_BASE, HQ, PREFIXES, graph_iri
from graph.rdf.store import StoreError, to_ox
from graph.rdf.terms import quad_from_rdflib

ROOT = Path(__file__).resolve().parents[2]
RDFLIB_FORMAT = {"ttl": "turtle", "nt": "nt", "jsonld": "json-ld", "rdfxml": "xml"}
NEW_BASE = "http://example.org/kg/id/"


def _asserted(built) -> set:
    """What graph.ttl holds, from the store: every graph but the inferred one."""
    return {(s, p, o) for s, p, o, g in built.store.quads() if g != graph_iri("inferred")}


def _diff(expected: Graph, actual: Graph) -> str:
    _, only_expected, only_actual = graph_diff(to_isomorphic(expected), to_isomorphic(actual))
    return (f"only expected: {sorted(only_expected)[:5]}\nonly actual: {sorted(only_actual)[:5]}")


@pytest.fixture(scope="module")
def reference(built) -> Graph:
    return Graph().parse(built.staging / "graph.ttl", format="turtle")


@pytest.mark.parametrize("fmt", ["nt", "jsonld", "rdfxml"])
def test_every_format_reads_back_as_graph_ttl(built, reference, fmt):
    parsed = Graph().parse(built.staging / FORMATS[fmt].filename, format=RDFLIB_FORMAT[fmt])
    assert len(parsed) == len(reference) == len(_asserted(built))
    assert isomorphic(parsed, reference), _diff(reference, parsed)


def test_trig_holds_every_named_graph_of_the_store(built):
    dataset = RdfDataset()
    dataset.parse(built.staging / "graph.trig", format="trig")
    parsed = {str(g.identifier): len(g) for g in dataset.graphs() if len(g)}
    expected: dict[str, set] = {}
    for s, p, o, g in built.store.quads():
        expected.setdefault(str(g), set()).add((s, p, o))
    description = Graph().parse(built.staging / VOID_FILE, format="turtle")
    expected[f"{DEFAULT_BASE}graph/dataset"] = set(description)
    assert parsed == {g: len(triples) for g, triples in expected.items()}
    ontology = dataset.graph(graph_iri("ontology"))
    assert isomorphic(ontology, built.ontology), "the ontology graph (blank nodes and all) did not survive TriG"


def test_gzip_dumps_are_the_dumps_with_no_timestamp(built):
    for fmt in FORMATS.values():
        packed = (built.staging / f"{fmt.filename}.gz").read_bytes()
        assert packed[4:8] == b"\0\0\0\0", f"{fmt.filename}.gz has a modification time"
        assert gzip.decompress(packed) == (built.staging / fmt.filename).read_bytes()


def test_a_streamed_gzip_is_gzipped_of_the_whole_file(built, tmp_path):
    """gzip_file compresses a file a piece at a time; its bytes are gzipped()'s of the whole, whatever the piece."""
    from graph.outputs.export import gzip_file, gzipped

    source = built.staging / "graph.nt"
    assert gzipped(source.read_bytes()) == gzip.compress(source.read_bytes(), compresslevel=6, mtime=0)
    for piece in (1 << 20, 4096, 7):
        gzip_file(source, tmp_path / "graph.nt.gz", piece=piece)
        assert (tmp_path / "graph.nt.gz").read_bytes() == gzipped(source.read_bytes()), piece


def _data_lines(built) -> list[str]:
    """graph.ttl's data from the store: the lines of every asserted graph but the ontology, distinct, sorted."""
    skip = {str(graph_iri(name)) for name in ("ontology", "inferred", "dataset")}
    return sorted({str(q.triple) for q in built.store.raw().quads_for_pattern(None, None, None, None)
                   if not (isinstance(q.graph_name, ox.NamedNode) and q.graph_name.value in skip)})


def test_graph_ttl_and_nt_in_pieces_are_the_whole_files(built, tmp_path):
    """The build writes graph.ttl's data from graph.nt in pieces of whole subjects (graph/outputs/ntwriters.py) and
    the in-memory writers in pieces of lines; cut small, the pieces still join to the bytes written at once, and
    the build's graph.ttl is what the in-memory writer makes of the same lines."""
    from graph.outputs import ntwriters
    from graph.outputs.export import HEADER, _graph_turtle, _graph_turtle_pieces, _nt, _nt_chunks, ontology_turtle
    from graph.rdf.turtle import TurtleWriter

    lines = _data_lines(built)
    whole = _graph_turtle(built.ontology, lines, DEFAULT_BASE)
    assert whole == (built.staging / "graph.ttl").read_bytes()
    nt = built.staging / "graph.nt"
    asserted = [line[:-2] for line in nt.read_text(encoding="utf-8").splitlines()]
    assert _nt(asserted) == nt.read_bytes()
    skip = tmp_path / "skip.txt"
    skip.write_text("".join(f"{line}\n" for line in sorted(set(asserted) - set(lines))), encoding="utf-8")
    writer = TurtleWriter(ntwriters.turtle_prefixes(), DEFAULT_BASE)
    head = b"".join((HEADER.encode(), b"\n# --- ontology ---\n", ontology_turtle(built.ontology),
                     b"\n# --- data ---\n", writer.header.encode()))
    for size in (1, 7, 1000):
        assert b"".join(_graph_turtle_pieces(built.ontology, lines, DEFAULT_BASE, size=size)) == whole, size
        assert b"".join(_nt_chunks(asserted, size=size)) == _nt(asserted), size
        out = tmp_path / f"graph-{size}.ttl"
        out.write_bytes(head)
        ntwriters.turtle_from_nt(nt, out, DEFAULT_BASE, skip, size=size)
        assert out.read_bytes() == whole, size


def test_nt_lines_are_sorted_and_absolute(built):
    lines = (built.staging / "graph.nt").read_text(encoding="utf-8").splitlines()
    assert lines == sorted(lines) and len(lines) == len(set(lines))
    assert all(line.startswith(("<http", "_:")) for line in lines)


@pytest.mark.slow
def test_another_process_writes_the_same_bytes(built, tmp_path):
    """Blank-node labels, set orders and gzip headers would differ between processes if anything depended on them."""
    out, moved = tmp_path / "again", tmp_path / "moved"
    env = {"PYTHONHASHSEED": "12345", "PATH": "/usr/bin:/bin"}
    subprocess.run([sys.executable, str(ROOT / "build_graph.py"), "--out", str(out)], check=True, cwd=ROOT,
                   capture_output=True, env=env)
    subprocess.run([sys.executable, "-m", "graph.cli", "export", "--format", "all", "--graph", str(built.staging),
                    "--out", str(moved), "--base-iri", NEW_BASE], check=True, cwd=ROOT, capture_output=True, env=env)
    names = [f.filename for f in FORMATS.values()] + [f"{f.filename}.gz" for f in FORMATS.values()]
    for name in names + [CONTEXT_FILE, VOID_FILE]:
        assert (out / name).read_bytes() == (built.staging / name).read_bytes(), f"{name} differs between builds"
    # The Turtle export writes the ontology's blank nodes itself (graph.ttl of the build keeps rdflib's order).
    here = load_dataset(built.staging)
    assert (moved / "graph.ttl").read_bytes() == serialize(rebase(here, NEW_BASE), "ttl")


def test_blank_node_labels_do_not_depend_on_the_parser():
    first, second = Graph().parse(ROOT / "ontology" / "hongqiao.ttl"), Graph().parse(ROOT / "ontology" / "hongqiao.ttl")
    assert {b for t in first for b in t if isinstance(b, BNode)} != {b for t in second for b in t if isinstance(b, BNode)}
    g = URIRef(graph_iri("ontology"))
    assert canonical(quad_from_rdflib(s, p, o, g) for s, p, o in first) == \
        canonical(quad_from_rdflib(s, p, o, g) for s, p, o in second)  # the dataset holds Oxigraph quads


def test_export_of_the_build_gives_the_build_files(built, reference):
    ttl = Graph().parse(data=export(built.staging, "ttl"), format="turtle")
    assert isomorphic(ttl, reference), _diff(reference, ttl)
    assert export(built.staging, "trig") == (built.staging / "graph.trig").read_bytes()
    assert export(built.staging / "graph.trig", "nt") == (built.staging / "graph.nt").read_bytes()


def test_jsonld_is_compacted_with_the_context_file(built):
    context = json.loads((built.staging / CONTEXT_FILE).read_text(encoding="utf-8"))
    document = json.loads((built.staging / "graph.jsonld").read_text(encoding="utf-8"))
    assert context == {"@context": PREFIXES}
    assert document["@context"] == context["@context"]
    nodes = {node["@id"]: node for node in document["@graph"]}
    kunshan = nodes["hqr:region/kunshan"]
    assert {"@value": "昆山市", "@language": "zh"} in kunshan["rdfs:label"]
    assert kunshan["hq:parentRegion"] == [{"@id": "hqr:region/suzhou"}]
    long_keys = {key for node in document["@graph"] for key in node if key.startswith("http")}
    assert not long_keys, f"properties left uncompacted: {sorted(long_keys)[:5]}"


@pytest.mark.slow
def test_base_iri_moves_every_resource_and_the_description(built, tmp_path):
    nt = export(built.staging, "nt", tmp_path / "moved.nt.gz", NEW_BASE)
    assert gzip.decompress((tmp_path / "moved.nt.gz").read_bytes()) == nt
    text = nt.decode()
    assert DEFAULT_BASE not in text
    assert f"<{NEW_BASE}region/kunshan> <{HQ.parentRegion}> <{NEW_BASE}region/suzhou> ." in text
    assert len(text.splitlines()) == len(_asserted(built))
    assert json.loads(export(built.staging, "jsonld", base=NEW_BASE))["@context"]["hqr"] == NEW_BASE

    trig = export(built.staging, "trig", tmp_path / "moved.trig", NEW_BASE)
    dataset = RdfDataset()
    dataset.parse(data=trig, format="trig")
    description = dataset.graph(URIRef(f"{NEW_BASE}graph/dataset"))
    me = URIRef(f"{NEW_BASE}dataset")
    assert description.value(me, ns.VOID.uriSpace) == Literal(NEW_BASE)
    assert URIRef("http://example.org/kg/graph.nt") in set(description.objects(me, ns.VOID.dataDump))
    assert description.value(me, ns.VOID.sparqlEndpoint) == URIRef("http://example.org/kg/sparql")
    # The moved TriG knows its base: exporting it again keeps it, byte for byte.
    assert load_dataset(tmp_path / "moved.trig").base == NEW_BASE
    assert export(tmp_path / "moved.trig", "trig") == trig


@pytest.mark.parametrize("bad", ["example.org/id/", "http://example.org/id", "ftp://example.org/id/",
                                 "http://example.org/a b/", "http://example.org/id/#"])
def test_bad_base_iri_is_refused(built, bad):
    with pytest.raises(BaseIriError, match="base IRI"):
        export(built.staging, "nt", base=bad)


def test_cli_export(built, tmp_path):
    runner = CliRunner()
    result = runner.invoke(main, ["export", "--format", "nt", "--graph", str(built.staging)])
    assert result.exit_code == 0, result.output
    assert result.stdout_bytes == (built.staging / "graph.nt").read_bytes()
    out = tmp_path / "all"
    result = runner.invoke(main, ["export", "--format", "all", "--graph", str(built.staging), "--out", str(out),
                                  "--base-iri", NEW_BASE])
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.iterdir()) == sorted(
        [f.filename for f in FORMATS.values()] + [f"{f.filename}.gz" for f in FORMATS.values()]
        + [CONTEXT_FILE, VOID_FILE])
    assert DEFAULT_BASE not in (out / "graph.ttl").read_text(encoding="utf-8").split("# --- data ---")[1]


def test_cli_export_errors_name_the_input(tmp_path):
    runner = CliRunner()
    result = runner.invoke(main, ["export", "--format", "nt", "--graph", str(tmp_path / "missing")])
    assert result.exit_code == 1 and f"{tmp_path / 'missing'}: no such graph file or build folder" in result.output
    result = runner.invoke(main, ["export", "--format", "nt", "--graph", str(tmp_path)])
    assert result.exit_code == 1 and "no graph.trig or graph.ttl" in result.output
    broken = tmp_path / "broken.ttl"
    broken.write_text("<a:b> <a:c> .\n", encoding="utf-8")
    result = runner.invoke(main, ["export", "--format", "nt", "--graph", str(broken), "--out", str(tmp_path / "x.nt")])
    assert result.exit_code == 1 and str(broken) in result.output
    assert not (tmp_path / "x.nt").exists(), "a failed export left a file behind"
    with pytest.raises(StoreError, match="broken.ttl"):
        load_dataset(broken)
    with pytest.raises(ExportError, match="unknown format"):
        serialize(load_dataset(ROOT / "ontology" / "hongqiao.ttl"), "yaml")


# --- one sorted pass: the lines every format and count reads ------------------------------------------------------

OX_FORMAT = {"ttl": ox.RdfFormat.TURTLE, "nt": ox.RdfFormat.N_TRIPLES, "jsonld": ox.RdfFormat.JSON_LD,
             "rdfxml": ox.RdfFormat.RDF_XML, "trig": ox.RdfFormat.TRIG}


def _canonical_set(quads) -> set[str]:
    dataset = ox.Dataset(quads)
    dataset.canonicalize(ox.CanonicalizationAlgorithm.RDFC_1_0)
    return {str(q) for q in dataset}


def test_a_triples_line_is_what_oxigraphs_writer_writes(built):
    """graph.nt is the dataset's lines: the same bytes as Oxigraph's N-Triples writer on the asserted triples."""
    dataset = load_dataset(built.staging)
    skip = {str(graph_iri(name)) for name in ("inferred", "dataset")}
    triples = [q.triple for q in dataset.quads if q.graph_name.value not in skip]
    written = ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES).splitlines(keepends=True)
    assert b"".join(sorted(set(written))) == (built.staging / "graph.nt").read_bytes()
    assert list(dataset.lines) == [str(q.triple) for q in dataset.quads]


@pytest.mark.parametrize("fmt", list(FORMATS))
def test_pyoxigraph_reads_every_export_as_the_store(built, fmt):
    """Each file, read by Oxigraph and canonicalised, is exactly the store's asserted graph (TriG: every graph)."""
    parsed = ox.parse(path=str(built.staging / FORMATS[fmt].filename), format=OX_FORMAT[fmt])
    raw = list(built.store.raw().quads_for_pattern(None, None, None, None))
    if fmt == "trig":
        description = ox.parse(path=str(built.staging / VOID_FILE), format=ox.RdfFormat.TURTLE)
        own = ox.NamedNode(f"{DEFAULT_BASE}graph/dataset")
        expected = raw + [ox.Quad(t.subject, t.predicate, t.object, own) for t in description]
    else:
        skip = {ox.NamedNode(str(graph_iri(name))) for name in ("inferred", "dataset")}
        expected = [ox.Quad(q.subject, q.predicate, q.object) for q in raw if q.graph_name not in skip]
        parsed = (ox.Quad(t.subject, t.predicate, t.object) for t in parsed)
    assert _canonical_set(parsed) == _canonical_set(expected)


@pytest.mark.skipif(shutil.which("rapper") is None, reason="needs rapper (raptor2-utils)")
@pytest.mark.parametrize("fmt, syntax", [("ttl", "turtle"), ("nt", "ntriples"), ("rdfxml", "rdfxml"), ("trig", "trig")])
def test_rapper_reads_every_export(built, fmt, syntax):
    run = subprocess.run(["rapper", "-i", syntax, "-c", str(built.staging / FORMATS[fmt].filename)],
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr[-2000:]
    found = int(re.search(r"returned (\d+) triples", run.stderr).group(1))
    if fmt == "trig":
        assert found == sum(1 for _ in built.store.raw()) + len(Graph().parse(built.staging / VOID_FILE))
    else:
        assert found == len(_asserted(built))


def _jsonld_by_dicts(triples) -> bytes:
    """The compacted JSON-LD the writer wrote before it was put together from strings: each node a dict of
    Oxigraph terms' values, keys "@id", "@type", then properties sorted, written by json.dumps."""
    from graph.rdf.namespaces import curie

    def compact(value):
        return curie(value, local=r"(?!//).+") or value

    def node_id(term):
        return f"_:{term.value}" if isinstance(term, ox.BlankNode) else compact(term.value)

    def value(term):
        if isinstance(term, ox.Literal):
            if term.language:
                return {"@value": term.value, "@language": term.language}
            if term.datatype.value == str(ns.XSD.string):
                return term.value
            return {"@value": term.value, "@type": compact(term.datatype.value)}
        return {"@id": node_id(term)}

    nodes, subject = [], None
    for s, p, o in sorted(set(triples), key=lambda t: str(ox.Triple(*t))):
        if s != subject:
            subject = s
            nodes.append({"@id": node_id(s)})
        if p.value == str(ns.RDF.type) and not isinstance(o, ox.Literal):
            nodes[-1].setdefault("@type", []).append(node_id(o))
        else:
            nodes[-1].setdefault(compact(p.value), []).append(value(o))
    lines = [json.dumps({k: n[k] for k in sorted(n, key=lambda k: (not k.startswith("@"), k))}, ensure_ascii=False)
             for n in nodes]
    head = json.dumps({"@context": PREFIXES}, ensure_ascii=False, indent=1)[:-2]
    return (head + ',\n "@graph": [\n' + ",\n".join(lines) + "\n ]\n}\n").encode()


def test_jsonld_is_what_json_dumps_writes_of_each_node():
    """The JSON-LD writer puts each node together from strings (graph/outputs/export.py `_jsonld`): its bytes are
    json.dumps's of the node as a dict, for escapes, language tags, datatypes, blank nodes, types given as
    literals, IRIs no prefix covers, and properties in any order."""
    from graph.outputs.export import jsonld_bytes

    xsd = "http://www.w3.org/2001/XMLSchema#"
    kunshan, suzhou = ox.NamedNode(f"{DEFAULT_BASE}region/kunshan"), ox.NamedNode(f"{DEFAULT_BASE}region/suzhou")
    text, label = ox.NamedNode(str(HQ.text)), ox.NamedNode(str(ns.RDFS.label))
    rdf_type, see_also = ox.NamedNode(str(ns.RDF.type)), ox.NamedNode(str(ns.RDFS.seeAlso))
    blank = ox.BlankNode("c14n0")
    triples = [
        (kunshan, text, ox.Literal('tab\there "quoted" back\\slash\nnew line\r\x07 bell \u2028 </script>')),
        (kunshan, label, ox.Literal("昆山市", language="zh")), (kunshan, label, ox.Literal("Kunshan", language="en")),
        (kunshan, ox.NamedNode(str(HQ.number)), ox.Literal("12", datatype=ox.NamedNode(xsd + "integer"))),
        (kunshan, ox.NamedNode("http://example.org/p"), ox.Literal("a", datatype=ox.NamedNode("http://example.org/t"))),
        (kunshan, ox.NamedNode(str(HQ.parentRegion)), suzhou), (kunshan, rdf_type, ox.NamedNode(str(HQ.Region))),
        (kunshan, rdf_type, ox.NamedNode(str(HQ.Town))), (kunshan, rdf_type, ox.Literal("a literal type")),
        (kunshan, see_also, ox.NamedNode("https://www.shine.cn/news/a.html")),
        (kunshan, see_also, ox.NamedNode(f"{DEFAULT_BASE}/double")), (kunshan, see_also, ox.NamedNode("http:x")),
        (kunshan, ox.NamedNode(str(ns.OWL.sameAs)), blank), (blank, label, ox.Literal("空白", language="zh")),
        (suzhou, label, ox.Literal("苏州市")), (suzhou, label, ox.Literal("x", datatype=ox.NamedNode(xsd + "string"))),
    ]
    written = jsonld_bytes(triples)
    assert written == _jsonld_by_dicts(triples)
    assert written == jsonld_bytes(reversed(triples))
    node = next(n for n in json.loads(written)["@graph"] if n["@id"] == "hqr:region/kunshan")
    assert node["@type"] == ["hq:Region", "hq:Town"] and node["rdf:type"] == ["a literal type"]
    assert {"@id": "https://www.shine.cn/news/a.html"} in node["rdfs:seeAlso"], "no prefix: the full IRI"


def test_graph_jsonld_lines_are_json_dumps_of_their_nodes(built):
    """Every node line of the build's graph.jsonld is json.dumps's of what it reads as."""
    lines = (built.staging / "graph.jsonld").read_text(encoding="utf-8").split("\n")
    start = lines.index(' "@graph": [') + 1
    nodes = [line.removesuffix(",") for line in lines[start:lines.index(" ]")]]
    assert len(nodes) > 1000
    for line in nodes:
        assert json.dumps(json.loads(line), ensure_ascii=False) == line


def test_turtle_from_lines_keeps_every_literal():
    """graph.ttl's data part is written from N-Triples lines: escapes, language tags, datatypes and integers must
    come back as the same terms, in both Oxigraph's and rdflib's readers."""
    s, p = ox.NamedNode(f"{DEFAULT_BASE}region/kunshan"), ox.NamedNode(str(HQ.text))
    xsd = "http://www.w3.org/2001/XMLSchema#"
    objects = [ox.Literal('tab\there "quoted" back\\slash\nnew line\r\x07 bell'), ox.Literal("昆山", language="zh"),
               ox.Literal("12", datatype=ox.NamedNode(xsd + "integer")),
               ox.Literal("+05", datatype=ox.NamedNode(xsd + "integer")),
               ox.Literal("x1", datatype=ox.NamedNode(xsd + "integer")),
               ox.Literal("1.50", datatype=ox.NamedNode(xsd + "decimal")),
               ox.Literal("2023-02-01", datatype=ox.NamedNode(xsd + "date")),
               ox.Literal("a", datatype=ox.NamedNode("http://example.org/type#x")),
               ox.NamedNode("https://www.shine.cn/news/a.html"), ox.NamedNode(f"{DEFAULT_BASE}region/suzhou")]
    triples = [(s, p, o) for o in objects] + [(objects[-1], ox.NamedNode(str(ns.RDF.type)), ox.NamedNode(str(HQ.Region)))]
    text = data_turtle(triples)
    assert b"<region/kunshan> hq:text " in text and b"a hq:Region" in text
    read = {(t.subject, t.predicate, t.object) for t in ox.parse(text, format=ox.RdfFormat.TURTLE)}
    assert read == set(triples)
    assert len(Graph().parse(data=text, format="turtle")) == len(triples)
    assert data_turtle(reversed(triples)) == text


def test_counts_of_the_lines_are_the_counts_of_the_terms(built):
    """The build's counts (from the dataset's lines) are count() of its rdflib quads: one way of counting."""
    dataset = load_dataset(built.staging)
    from_terms = count(built.store.quads(), DEFAULT_BASE)
    from_lines = dataset_counts(dataset)
    assert (from_lines.triples, from_lines.asserted, from_lines.inferred) == \
        (from_terms.triples, from_terms.asserted, from_terms.inferred)
    assert {g: n for g, n in from_lines.graphs if not g.endswith("graph/dataset")} == \
        {g: n for g, n in from_terms.graphs if not g.endswith("graph/dataset")}
    assert from_lines.description == len(Graph().parse(built.staging / VOID_FILE))


# --- the dataset description ---------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def void(built) -> Graph:
    return Graph().parse(built.staging / VOID_FILE, format="turtle")


def test_void_counts_are_the_graphs_own(built, void):
    me = URIRef(f"{DEFAULT_BASE}dataset")
    triples = {(s, p, o) for s, p, o, _ in built.store.quads()}
    assert void.value(me, ns.VOID.triples).toPython() == len(triples)
    subjects = {s for s, _, _ in triples}
    assert void.value(me, ns.VOID.distinctSubjects).toPython() == len(subjects)
    assert void.value(me, ns.VOID.entities).toPython() == len({s for s in subjects if str(s).startswith(DEFAULT_BASE)})
    measures = len(built.documents[0].linked.document.measures)
    partitions = {void.value(p, ns.VOID["class"]): void.value(p, ns.VOID.entities).toPython()
                  for p in void.objects(me, ns.VOID.classPartition)}
    assert partitions[HQ.Measure] == measures
    assert partitions[HQ.PolicyDocument] == sum(1 for _ in built.gazetteer.of_kind("document"))
    for name in ("entities", "documents", "provenance", "ontology"):
        in_store = sum(1 for q in built.store.quads(graph_iri(name)))
        assert void.value(graph_iri(name), ns.VOID.triples).toPython() == in_store, name


def test_void_vocabularies_sources_and_examples(built, void):
    me = URIRef(f"{DEFAULT_BASE}dataset")
    vocabularies = {str(v) for v in void.objects(me, ns.VOID.vocabulary)}
    assert {PREFIXES[p] for p in ("hq", "eli", "oa", "skos", "dcterms", "geo", "rdfs")} <= vocabularies
    assert PREFIXES["hqr"] not in vocabularies and PREFIXES["wd"] not in vocabularies
    document = URIRef(f"{DEFAULT_BASE}document/{built.documents[0].doc_id}")
    assert document in set(void.objects(me, ns.PROV.wasDerivedFrom))
    assert not set(void.objects(me, ns.DCTERMS.source)), "DCAT-AP 3.0: dcterms:source is for datasets"
    examples = set(void.objects(me, ns.VOID.exampleResource))
    assert {document, URIRef(f"{document}/measure/1")} <= examples
    for example in examples:
        assert list(built.store.raw().quads_for_pattern(to_ox(example), None, None)), f"{example} not in the graph"


def test_dcat_dates_licence_and_dumps_come_from_the_data(built, void):
    me = URIRef(f"{DEFAULT_BASE}dataset")
    metadata = load_metadata()
    assert void.value(me, ns.DCTERMS.issued) == Literal(metadata.issued, datatype=ns.XSD.date)
    assert void.value(me, ns.DCTERMS.modified) == Literal(metadata.modified, datatype=ns.XSD.date)
    assert void.value(me, ns.DCTERMS.license) == URIRef("https://creativecommons.org/licenses/by/4.0/")
    assert {t.language for t in void.objects(me, ns.DCTERMS.title)} == {"zh", "en"}
    assert {t.language for t in void.objects(me, ns.DCTERMS.description)} == {"zh", "en"}
    site = site_root(DEFAULT_BASE)
    for distribution in void.objects(me, ns.DCAT.distribution):
        url = void.value(distribution, ns.DCAT.downloadURL)
        if url is None:  # the SPARQL endpoint
            assert void.value(distribution, ns.DCAT.accessURL) == URIRef(f"{site}sparql")
            continue
        assert str(url).startswith(site) and (built.staging / str(url)[len(site):]).is_file(), url
        assert void.value(distribution, ns.DCTERMS.license) is not None
    assert void.value(me, ns.VOID.sparqlEndpoint) == URIRef(f"{site}sparql")


def test_prov_build_names_the_source_texts_and_the_software(built, void):
    me = URIRef(f"{DEFAULT_BASE}dataset")
    build = void.value(me, ns.PROV.wasGeneratedBy)
    assert (build, ns.RDF.type, ns.PROV.Activity) in void
    used = set(void.objects(build, ns.PROV.used))
    assert URIRef(f"{DEFAULT_BASE}document/{built.documents[0].doc_id}/source-text") in used
    software = void.value(build, ns.PROV.wasAssociatedWith)
    assert void.value(software, ns.OWL.versionInfo) == Literal(graph.__version__)


@pytest.mark.parametrize("text, message", [
    ("title_zh: x\n", "missing field"),
    ("title_zh: x\nnonsense: 1\n", "2: unknown field 'nonsense'"),
    ("issued: 2026-02-30\n", "1: 'issued' must be a date"),
    ("license: CC-BY\n", "1: 'license' must be an http(s) IRI"),
    ("title_zh: [a\n", "YAML syntax error"),
])
def test_dataset_yaml_errors_name_file_and_line(tmp_path, text, message):
    path = tmp_path / "dataset.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(DataError, match=re.escape(message)) as error:
        load_metadata(path)
    assert str(error.value).startswith(f"{path}:")


def test_dataset_yaml_modified_before_issued(tmp_path):
    text = (ROOT / "data" / "dataset.yaml").read_text(encoding="utf-8")
    path = tmp_path / "dataset.yaml"
    path.write_text(text.replace('modified: "', 'modified: "1999-01-01" #'), encoding="utf-8")
    line = next(i for i, l in enumerate(path.read_text().splitlines(), 1) if l.startswith("modified"))
    with pytest.raises(DataError, match=f"{line}: modified 1999-01-01 is before issued"):
        load_metadata(path)
