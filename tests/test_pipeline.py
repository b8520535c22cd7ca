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
from graph.outputs.network import region_network
from graph.rdf.store import StoreError

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
    before = _snapshot(out)  # the build's cache (.cache/) too
    with pytest.raises(ParseError, match=r"broken-numbering.txt:9: measure numbering repeated"):
        _build(out, FIXTURES / "broken-numbering.txt")
    assert _snapshot(out) == before
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


# --- the output folder is the build's own, swapped in whole ------------------------------------------------------

def _snapshot(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_out_holding_a_file_is_refused_before_anything_is_read_or_written(tmp_path, source_path):
    out = tmp_path / "mine"
    out.mkdir()
    (out / "notes.txt").write_text("precious\n", encoding="utf-8")
    with pytest.raises(pipeline.buildfolder.OutFolderError, match="holds notes.txt"):
        _build(out, source_path)
    assert _snapshot(out) == {"notes.txt": b"precious\n"}
    assert [p.name for p in tmp_path.iterdir()] == ["mine"]


@pytest.mark.parametrize("where", ["root", "data", "sources-folder", "parent-of-root"])
def test_out_may_not_be_the_project_or_hold_its_inputs(tmp_path, source_path, where):
    out = {"root": pipeline.resources.CHECKOUT, "data": pipeline.resources.DATA,
           "sources-folder": source_path.parent, "parent-of-root": pipeline.resources.CHECKOUT.parent}[where]
    before = sorted(p.name for p in out.iterdir())
    with pytest.raises(pipeline.buildfolder.OutFolderError, match="refusing to write the build there"):
        _build(out, source_path)
    assert sorted(p.name for p in out.iterdir()) == before


# Points at which a build is killed: after each step, and inside the swap.
KILL_POINTS = [f"after:{step.name}" for step in CORE_STEPS] + ["after-exchange", "fallback-between-renames"]


def _killed_build(out: Path, source: Path, point: str) -> int:
    """Fork a build of `source` into `out` that SIGKILLs itself at `point`; return how the child ended."""
    import os
    import signal

    pid = os.fork()
    if pid == 0:  # the child: never returns
        try:
            def die():
                os.kill(os.getpid(), signal.SIGKILL)

            steps = []
            for step in CORE_STEPS:
                def run(ctx, step=step):
                    step.run(ctx)
                    if point == f"after:{step.name}":
                        die()
                steps.append(pipeline.Step(step.name, step.kind, run, step.summary))
            folder = pipeline.buildfolder
            real_exchange, real_rename = folder.exchange, os.rename
            if point == "after-exchange":
                folder.exchange = lambda a, b: real_exchange(a, b) and die()
            if point == "fallback-between-renames":
                folder.exchange = lambda a, b: False
                calls = []

                def rename(a, b):
                    real_rename(a, b)
                    calls.append(a)
                    if len(calls) == 1:
                        die()
                folder.os.rename = rename
            pipeline.build(pipeline.BuildOptions(sources=[source], out=out), steps=steps)
        finally:
            os._exit(3)  # the build ran to its end: the kill point was never reached
    _, status = os.waitpid(pid, 0)
    return status


@pytest.fixture(scope="module")
def old_and_new(tmp_path_factory, source_path):
    """The output of one build (the old) and of the next (the new, another text)."""
    base = tmp_path_factory.mktemp("kill")
    _build(base / "old", source_path)
    _build(base / "new", FIXTURES / "unseen-huzhou-measures.txt")
    return base / "old", _snapshot(base / "old"), _snapshot(base / "new")


@pytest.mark.parametrize("point", KILL_POINTS)
def test_a_build_killed_at_any_step_leaves_the_old_or_the_new_output(tmp_path, old_and_new, point):
    import os
    import signal

    new_text = FIXTURES / "unseen-huzhou-measures.txt"
    out = tmp_path / "work" / "out"
    old_folder, old, new = old_and_new
    shutil.copytree(old_folder, out)
    assert old != new
    status = _killed_build(out, new_text, point)
    assert os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL, f"not killed at {point}"
    if point == "fallback-between-renames":
        assert not out.exists(), "(the fallback's one gap: the next build puts the old output back first)"
    else:
        assert _snapshot(out) in (old, new), f"killed at {point}: out is neither the old nor the new output"
    _build(out, new_text)  # the next build cleans up after the killed one
    assert _snapshot(out) == new
    assert [p.name for p in out.parent.iterdir()] == ["out"], "leftovers of the killed build remain"


# --- bad inputs: clear errors, nothing touched ---------------------------------------------------------------------

def test_a_malformed_ontology_is_named_with_its_line(tmp_path, source_path):
    text = pipeline.DEFAULT_ONTOLOGY.read_text(encoding="utf-8").splitlines()
    number = next(i for i, line in enumerate(text, 1) if line.startswith("hq:PlatformOrBase"))
    text[number - 1] = "garbage " + text[number - 1]
    bad = tmp_path / "hongqiao.ttl"
    bad.write_text("\n".join(text) + "\n", encoding="utf-8")
    with pytest.raises(StoreError, match=rf"^{bad}:{number}: column \d+: "):
        _build(tmp_path / "out", source_path, ontology=bad)
    assert not (tmp_path / "out").exists()


def test_control_characters_in_a_text_are_refused_and_separators_link(tmp_path, source_path):
    raw = source_path.read_text(encoding="utf-8")
    assert "嘉昆太" in raw
    bad = tmp_path / "bad" / source_path.name
    bad.parent.mkdir()
    bad.write_text(raw.replace("嘉昆太", "嘉昆太\x00\x01\x02", 1), encoding="utf-8", newline="")
    line = raw[: raw.index("嘉昆太")].count("\n") + 1
    with pytest.raises(ParseError, match=rf"{bad.name}:{line}: column \d+: the character U\+0000"):
        _build(tmp_path / "out", bad)
    ok = tmp_path / "ok" / source_path.name
    ok.parent.mkdir()
    ok.write_text(raw.replace("嘉昆太", "嘉\u2028昆\x0c太", 1), encoding="utf-8", newline="")
    plain, separated = _build(tmp_path / "plain", source_path), _build(tmp_path / "sep", ok)
    counts = [len([m for p in c.documents[0].linked.provisions for m in p.mentions]) for c in (plain, separated)]
    assert counts[0] == counts[1], "a separator inside a name drops no mention"


def test_a_text_over_the_limit_is_refused_and_the_limit_can_be_raised(tmp_path, source_path):
    size = source_path.stat().st_size
    with pytest.raises(ParseError, match=rf"is {size:,} bytes, over the source size limit of 1,000 bytes"):
        _build(tmp_path / "out", source_path, max_source_bytes=1000)
    assert not (tmp_path / "out").exists()
    _build(tmp_path / "out", source_path, max_source_bytes=size)


def test_progress_says_each_part_of_the_build(tmp_path, source_path):
    said: list[str] = []
    _build(tmp_path / "out", source_path, progress=said.append)
    assert said[0].startswith("reading the curated data")
    parts = [s for s in said if not s.startswith("[")]  # the per-text lines ("[1/1] …") come in between
    assert [s.split(":")[0] for s in parts[3:]] == [step.name for step in CORE_STEPS]


def test_texts_needing_more_memory_than_is_free_are_refused(tmp_path, source_path, monkeypatch):
    monkeypatch.setattr(pipeline, "memory_available", lambda: 2**20)
    with pytest.raises(pipeline.BuildError, match=r"need about .* GiB of memory to build and 0.0 GiB is free"):
        _build(tmp_path / "out", source_path)
    assert not (tmp_path / "out").exists()


def test_the_store_goes_on_disk_above_the_threshold_or_as_asked():
    limit = pipeline.STORE_ON_DISK_ABOVE
    assert not pipeline.store_on_disk("auto", limit) and pipeline.store_on_disk("auto", limit + 1)
    assert pipeline.store_on_disk("disk", 0) and not pipeline.store_on_disk("memory", 100 * limit)
    with pytest.raises(pipeline.BuildError, match="unknown store 'ram'"):
        pipeline.store_on_disk("ram", 0)


def test_an_unknown_store_is_refused_before_anything_is_written(tmp_path, source_path):
    with pytest.raises(pipeline.BuildError, match="unknown store"):
        _build(tmp_path / "out", source_path, store="ram")
    assert not (tmp_path / "out").exists()


def test_the_region_network_is_made_once_and_drawn_as_made_afresh(tmp_path, monkeypatch):
    from graph.site import pages
    from graph.site.pages import PAGE_FILES, write_site

    made = []
    for module in (pipeline, pages):
        monkeypatch.setattr(module, "region_network", lambda store: made.append(store) or region_network(store))
    ctx = pipeline.build(pipeline.BuildOptions(out=tmp_path / "out", only=("network", "pages")))
    assert len(made) == 1, "the network step and the pages should share one region network"
    write_site(ctx.store, tmp_path / "afresh")  # the pages making their own
    for page in PAGE_FILES:
        assert (ctx.staging / page).read_bytes() == (tmp_path / "afresh" / page).read_bytes(), page


@pytest.mark.slow
def test_a_build_on_the_disk_store_writes_the_bytes_of_the_memory_store_and_removes_its_folder(built, tmp_path):
    import gc
    import tempfile

    said: list[str] = []
    steps = pipeline.select_steps(only=["reason", "validate", "exports", "report", "network"])
    ctx = pipeline.build(pipeline.BuildOptions(out=tmp_path / "out", store="disk", progress=said.append), steps=steps)
    folder = Path(ctx.store_folder.name)
    assert folder.is_dir() and any(folder.iterdir()), "the on-disk store's files are in its folder"
    assert folder.parent == Path(tempfile.gettempdir()) and f"the store is on disk in {folder}" in said
    assert built.store_folder is None  # the seed is far below the threshold: in memory
    assert len(ctx.store) == len(built.store)
    names = sorted(p.relative_to(ctx.staging).as_posix() for p in ctx.staging.rglob("*")
                   if p.is_file() and not p.name.startswith(".") and ".cache" not in p.parts)
    assert {"graph.nt", "graph.trig", "graph.jsonld.gz", "void.ttl", "build-report.json"} <= set(names)
    for name in names:
        assert (ctx.staging / name).read_bytes() == (built.staging / name).read_bytes(), f"{name} differs"
    del ctx
    gc.collect()
    assert not folder.exists(), "the build's temporary store folder outlived the build"


@pytest.mark.slow
def test_the_whole_corpus_builds_into_one_graph(tmp_path):
    """The seed and every corpus text (with the documents they carry) pass every check together."""
    lines = []
    options = pipeline.BuildOptions(sources=pipeline.corpus_sources(), out=tmp_path / "corpus",
                                    only=("validate", "report"), progress=lines.append)
    ctx = pipeline.build(options)
    per_text = [line for line in lines if line.startswith("[")]
    assert len(per_text) == len(options.sources) == 57 and per_text[-1].startswith("[57/57] ")
    ids = {d.doc_id for d in ctx.documents}
    assert {"hongqiao-open-hub-measures-2023", "sc-007", "sc-007-annex-1", "yrd-integration-outline-2019"} <= ids
    report = json.loads((tmp_path / "corpus" / "build-report.json").read_text(encoding="utf-8"))
    assert report["validation"]["violations"] == 0


@pytest.mark.parametrize("name", ["sc-014.html", "sc-033.html", "yrd-integration-outline-2019.md"])
def test_a_corpus_file_builds_alone(tmp_path, name):
    path = next(p for p in pipeline.corpus_sources() if p.name == name)
    ctx = pipeline.build(pipeline.BuildOptions(sources=[path], out=tmp_path / "one", only=("validate",)))
    assert ctx.documents[0].filename == name
