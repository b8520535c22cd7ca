"""The whole build: deterministic Turtle, atomic output, unseen texts of the genre, clear errors."""
from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import pytest
from rdflib import Graph

from graph import pipeline
from graph.ingest.gazetteer import DataError
from graph.ingest.parse import ParseError

FIXTURES = Path(__file__).resolve().parent / "data" / "pipeline"
CORE_STEPS = [pipeline.Step("graph", "output", pipeline.write_graph_turtle, "graph.ttl"),
              *pipeline.select_steps(only=["candidates", "report"])]


def _build(out: Path, *sources: Path, **options):
    return pipeline.build(pipeline.BuildOptions(sources=list(sources), out=out, **options), steps=CORE_STEPS)


def test_two_builds_are_byte_identical(built, tmp_path):
    first, again = _build(tmp_path / "first"), _build(tmp_path / "again")
    for name in ("graph.ttl", "candidates.csv", "build-report.json"):
        assert (first.staging / name).read_bytes() == (again.staging / name).read_bytes(), f"{name} differs"
    # the full build (reasoning, pages, exports…) writes the same graph.ttl
    assert (built.staging / "graph.ttl").read_bytes() == (first.staging / "graph.ttl").read_bytes()


def test_graph_ttl_round_trips(built):
    parsed = Graph().parse(built.staging / "graph.ttl", format="turtle")
    data = {(s, p, o) for s, p, o, g in built.store.quads()
            if g not in (pipeline.graph_iri("ontology"), pipeline.graph_iri("inferred"))}
    assert len(parsed) == len(built.ontology) + len(data)
    assert data <= set(parsed), "a data triple did not survive the Turtle round trip"
    text = (built.staging / "graph.ttl").read_text(encoding="utf-8")
    assert "@prefix hq: <https://w3id.org/hongqiao-kg/ontology#> ." in text
    assert "<region/kunshan>" in text  # readable IRIs, relative to @base


def test_report_counts(built):
    report = json.loads((built.staging / "build-report.json").read_text(encoding="utf-8"))
    (doc,) = report["documents"]
    assert (doc["sections"], doc["measures"]) == (3, 24)
    assert doc["linked_entities"] > 90
    assert "region/kunshan" not in report["entities_unused"]


def test_unseen_text_of_the_genre_builds_with_candidates(tmp_path):
    ctx = _build(tmp_path / "out", FIXTURES / "unseen-huzhou-measures.txt")
    (doc,) = ctx.documents
    assert doc.doc_id == "unseen-huzhou-measures" and doc.curated is None
    assert [m.text for m in doc.linked.document.measures][1] == "支持嘉昆太协同创新圈与湖州开展高新技术企业互认。"
    m2 = doc.linked.provisions[-2]
    # 湖州 is linked from the national gazetteer (湖州市, code 330500); it is still a candidate for curation
    assert {m.entity_id for m in m2.mentions if m.kind == "region"} == {
        "jiading", "kunshan", "taicang", "jiading-kunshan-taicang-circle", "cn-330500"}
    assert {m.origin for m in m2.mentions if m.entity_id == "cn-330500"} == {"package"}
    with open(ctx.staging / "candidates.csv", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    found = {(r["provision"], r["text"], r["rule"]) for r in rows}
    assert ("measure 1", "沪宁城际铁路", "ending:铁路") in found
    assert ("measure 1", "宁波舟山港", "ending:港") in found
    assert ("measure 2", "湖州", "place") in found
    assert ("measure 3", "德清国际合作基地", "ending:基地") in found
    assert all(r["document"] == "unseen-huzhou-measures" for r in rows)


def test_several_sources_in_one_build(tmp_path, source_path):
    ctx = _build(tmp_path / "out", source_path, FIXTURES / "unseen-huzhou-measures.txt")
    assert [d.doc_id for d in ctx.documents] == ["hongqiao-open-hub-measures-2023", "unseen-huzhou-measures"]
    turtle = (ctx.staging / "graph.ttl").read_text(encoding="utf-8")
    assert "<document/unseen-huzhou-measures/measure/3>" in turtle
    assert "<document/hongqiao-open-hub-measures-2023/measure/24>" in turtle


def test_failed_build_leaves_the_previous_output_intact(tmp_path, source_path):
    out = tmp_path / "out"
    _build(out, source_path)
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    with pytest.raises(ParseError, match=r"broken-numbering.txt:9: measure numbering repeated"):
        _build(out, FIXTURES / "broken-numbering.txt")
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    assert [p.name for p in tmp_path.iterdir()] == ["out"], "a staging folder was left behind"


def test_failing_output_step_leaves_no_half_written_output(tmp_path, source_path):
    out = tmp_path / "out"

    def explode(ctx):
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        pipeline.build(pipeline.BuildOptions(sources=[source_path], out=out), steps=[*CORE_STEPS, pipeline.Step("explode", "output", explode, "fails")])
    assert not out.exists() and list(tmp_path.iterdir()) == []


def test_bad_entity_data_names_file_and_line(tmp_path, source_path):
    entities = tmp_path / "entities"
    shutil.copytree(pipeline.DEFAULT_ENTITIES_DIR, entities)
    regions = entities / "regions.yaml"
    lines = regions.read_text(encoding="utf-8").splitlines()
    number = next(i for i, line in enumerate(lines, start=1) if line.lstrip().startswith("parent: jiangsu"))
    lines[number - 1] = lines[number - 1].replace("parent: jiangsu", "parent: atlantis")
    regions.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(DataError) as caught:
        _build(tmp_path / "out", source_path, entities_dir=entities)
    assert caught.value.file.endswith("regions.yaml") and "atlantis" in str(caught.value)
    assert caught.value.line == number, f"error at line {caught.value.line}, the bad parent is at {number}"
    assert not (tmp_path / "out").exists()


def test_the_same_document_twice_is_refused(tmp_path, source_path):
    with pytest.raises(pipeline.BuildError, match="also the id of"):
        _build(tmp_path / "out", source_path, source_path)


@pytest.mark.slow
def test_the_whole_corpus_builds_into_one_graph(tmp_path):
    """The seed and every corpus text (with the documents they carry) pass every check together."""
    lines = []
    options = pipeline.BuildOptions(sources=pipeline.corpus_sources(), out=tmp_path / "corpus",
                                    only=("validate", "report"), progress=lines.append)
    ctx = pipeline.build(options)
    assert len(lines) == len(options.sources) == 57 and lines[-1].startswith("[57/57] ")
    ids = {d.doc_id for d in ctx.documents}
    assert {"hongqiao-open-hub-measures-2023", "sc-007", "sc-007-annex-1", "yrd-integration-outline-2019"} <= ids
    report = json.loads((tmp_path / "corpus" / "build-report.json").read_text(encoding="utf-8"))
    assert report["validation"]["violations"] == 0


@pytest.mark.parametrize("name", ["sc-014.html", "sc-033.html", "yrd-integration-outline-2019.md"])
def test_a_corpus_file_builds_alone(tmp_path, name):
    path = next(p for p in pipeline.corpus_sources() if p.name == name)
    ctx = pipeline.build(pipeline.BuildOptions(sources=[path], out=tmp_path / "one", only=("validate",)))
    assert ctx.documents[0].filename == name
