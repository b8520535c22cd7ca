"""The build's cache of per-text results (graph/outputs/buildcache.py): an incremental build is the full build."""
from __future__ import annotations

import logging
import pickle
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from graph import pipeline
from graph.cli import main
from graph.outputs import buildcache

FIXTURES = Path(__file__).resolve().parents[1] / "data" / "cache"
ROOT = Path(__file__).resolve().parents[2]
# The steps that write what depends on every document (the graph, the candidates), fast; the slow test below
# compares every file of the whole build.
CORE_STEPS = [pipeline.Step("graph", "output", pipeline.write_graph_turtle, "graph.ttl"),
              *pipeline.select_steps(only=["candidates"])]


@pytest.fixture
def texts(tmp_path) -> list[Path]:
    """The two fixture texts (huzhou cites kunshan's title), copied so that a test may change them."""
    folder = tmp_path / "texts"
    shutil.copytree(FIXTURES, folder)
    return sorted(folder.glob("*.txt"))


def _build(out: Path, sources: list[Path], steps=CORE_STEPS, **options) -> pipeline.BuildContext:
    return pipeline.build(pipeline.BuildOptions(sources=sources, out=out, **options), steps=steps)


def _files(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def _assert_same_folders(a: Path, b: Path) -> None:
    fa, fb = _files(a), _files(b)
    assert sorted(fa) == sorted(fb)
    assert [name for name in fa if fa[name] != fb[name]] == []


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_a_changed_text_is_the_only_one_built_and_the_output_is_the_full_builds(tmp_path, texts):
    huzhou, kunshan = texts
    first = _build(tmp_path / "inc", texts)
    assert (first.reused, first.rebuilt) == (0, 2)
    entries = sorted((tmp_path / "inc" / buildcache.FOLDER).iterdir())
    assert len(entries) == 2
    again = _build(tmp_path / "inc", texts)
    assert (again.reused, again.rebuilt) == (2, 0)

    _edit(huzhou, "支持嘉昆太协同创新圈与湖州开展", "支持嘉昆太协同创新圈与苏州开展")
    incremental = _build(tmp_path / "inc", texts)
    assert (incremental.reused, incremental.rebuilt) == (1, 1)
    full = _build(tmp_path / "full", texts, cache=False)
    assert (full.reused, full.rebuilt) == (0, 2)
    _assert_same_folders(tmp_path / "inc", tmp_path / "full")  # the cache's entries too
    # the change is in the graph: the measure now links 苏州, not 湖州
    assert "与苏州开展" in (tmp_path / "inc" / "graph.ttl").read_text(encoding="utf-8")
    # the unchanged text's entry was carried over, the changed one's replaced; nothing else is kept
    now = sorted((tmp_path / "inc" / buildcache.FOLDER).iterdir())
    assert len(now) == 2 and len(set(p.name for p in now) & set(p.name for p in entries)) == 1


def test_a_changed_title_relinks_the_texts_that_may_cite_it(tmp_path, texts):
    huzhou, kunshan = texts
    _build(tmp_path / "out", texts)
    _edit(kunshan, "关于支持昆山开放合作的若干措施", "关于支持昆山扩大开放合作的若干措施")
    ctx = _build(tmp_path / "out", texts)
    assert (ctx.reused, ctx.rebuilt) == (0, 2)  # huzhou's citation of the old title no longer links
    cited = [m.entity_id for d in ctx.documents if d.doc_id == "huzhou-measures"
             for p in d.linked.provisions for m in p.mentions if m.kind == "document"]
    assert len(cited) == 1 and cited != ["kunshan-measures"]  # an extracted document of the old title now
    _build(tmp_path / "full", texts, cache=False)
    _assert_same_folders(tmp_path / "out", tmp_path / "full")


def test_a_text_under_another_path_is_not_taken_from_the_cache(tmp_path, texts):
    _build(tmp_path / "out", texts)
    moved = tmp_path / "elsewhere"
    moved.mkdir()
    renamed = [shutil.copy(p, moved / p.name) for p in texts]
    ctx = _build(tmp_path / "out", [Path(p) for p in renamed])
    assert (ctx.reused, ctx.rebuilt) == (0, 2)  # the parse records the path it read


@pytest.mark.parametrize("change", ["entities", "ontology"])
def test_a_change_to_the_curated_data_or_the_ontology_invalidates_every_entry(tmp_path, texts, change):
    entities, ontology = tmp_path / "entities", tmp_path / "hongqiao.ttl"
    shutil.copytree(pipeline.DEFAULT_ENTITIES_DIR, entities)
    shutil.copy(pipeline.DEFAULT_ONTOLOGY, ontology)
    first = _build(tmp_path / "out", texts, entities_dir=entities, ontology=ontology)
    assert first.rebuilt == 2
    if change == "entities":
        with open(entities / "regions.yaml", "a", encoding="utf-8") as out:
            out.write("\n# a curator's note\n")
    else:
        with open(ontology, "a", encoding="utf-8") as out:
            out.write("\n# a comment\n")
    ctx = _build(tmp_path / "out", texts, entities_dir=entities, ontology=ontology)
    assert (ctx.reused, ctx.rebuilt) == (0, 2)


def test_a_change_to_the_code_or_the_cache_format_invalidates_every_entry(tmp_path, monkeypatch):
    code = tmp_path / "graph"
    shutil.copytree(ROOT / "graph", code, ignore=shutil.ignore_patterns("__pycache__", "_resources"))
    monkeypatch.setattr(buildcache, "_CODE", code)
    before = buildcache.code_digest()
    assert buildcache.code_digest() == before
    with open(code / "ingest" / "link.py", "a", encoding="utf-8") as out:
        out.write("\n# a change\n")
    changed = buildcache.code_digest()
    assert changed != before
    monkeypatch.setattr(buildcache, "FORMAT", buildcache.FORMAT + 1)
    assert buildcache.code_digest() not in (before, changed)


def test_a_damaged_cache_entry_is_ignored_with_a_warning(tmp_path, texts, caplog):
    first = _build(tmp_path / "out", texts)
    assert first.rebuilt == 2
    full = tmp_path / "full"
    _build(full, texts, cache=False)
    for damage in ("flip", "truncate", "foreign", "other-key"):
        out = tmp_path / damage
        shutil.copytree(tmp_path / "out", out)
        entries = sorted((out / buildcache.FOLDER).iterdir())
        victim = entries[0]
        data = victim.read_bytes()
        if damage == "flip":
            victim.write_bytes(data[:-10] + bytes([data[-10] ^ 0xFF]) + data[-9:])
        elif damage == "truncate":
            victim.write_bytes(data[: len(data) // 2])
        elif damage == "foreign":
            victim.write_bytes(b"not an entry\n")
        else:  # a whole, valid entry, but of the other text
            victim.write_bytes(entries[1].read_bytes())
        caplog.clear()
        with caplog.at_level(logging.WARNING, logger="graph"):
            ctx = _build(out, texts)
        assert (ctx.reused, ctx.rebuilt) == (1, 1), damage
        warned = [r.getMessage() for r in caplog.records if "cache entry ignored" in r.getMessage()]
        assert len(warned) == 1 and victim.name in warned[0], damage
        _assert_same_folders(out, full)


class _Boom:
    def __reduce__(self):
        return (print, ("the unpickler ran code",))


def test_a_pickle_that_would_run_code_is_refused(capsys):
    body = buildcache.zlib.compress(pickle.dumps((buildcache.FORMAT, "k", "", [_Boom()], b""), protocol=5))
    data = (buildcache.MAGIC + f" {buildcache.FORMAT} {buildcache.hashlib.sha256(body).hexdigest()}\n".encode()
            + body)
    with pytest.raises(ValueError, match="unreadable"):
        buildcache.decode(data, "k")
    assert "ran code" not in capsys.readouterr().out


def test_the_cache_is_never_published(tmp_path, texts):
    ctx = _build(tmp_path / "out", texts, steps=pipeline.select_steps(only=["pages"]))
    assert (tmp_path / "out" / buildcache.FOLDER).is_dir()
    index = (ctx.staging / "index.html").read_text(encoding="utf-8")
    assert buildcache.FOLDER not in index and buildcache.SUFFIX not in index


def test_hqkg_build_says_what_it_reused_and_no_cache_builds_every_text(tmp_path, texts):
    runner = CliRunner()
    args = ["build", "--out", str(tmp_path / "out"), "--only", "report",
            *(a for p in texts for a in ("--source", str(p)))]
    first = runner.invoke(main, args)
    assert first.exit_code == 0, first.output
    assert "2 text(s): 0 reused from the cache, 2 built" in first.output
    again = runner.invoke(main, args)
    assert "2 text(s): 2 reused from the cache, 0 built" in again.output
    forced = runner.invoke(main, [*args, "--no-cache"])
    assert "2 text(s): 0 reused from the cache, 2 built" in forced.output


@pytest.mark.slow
def test_every_file_of_an_incremental_build_is_the_full_builds(tmp_path, texts):
    huzhou, _ = texts
    _build(tmp_path / "inc", texts, steps=None)
    _edit(huzhou, "支持湖州融入虹桥国际开放枢纽", "支持湖州全面融入虹桥国际开放枢纽")
    ctx = _build(tmp_path / "inc", texts, steps=None)
    assert (ctx.reused, ctx.rebuilt) == (1, 1)
    _build(tmp_path / "full", texts, steps=None, cache=False)
    _assert_same_folders(tmp_path / "inc", tmp_path / "full")


def test_the_builds_spools_leave_nothing_behind(tmp_path, texts, monkeypatch):
    """Each text's quads (NQuadsSpool) and this build's entries wait in temporary files, gone after the build,
    also after a build that fails."""
    import tempfile

    spools = tmp_path / "tmp"
    spools.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(spools))
    first = _build(tmp_path / "out", texts)
    assert first.rebuilt == len(texts) and len(list((tmp_path / "out" / buildcache.FOLDER).iterdir())) == len(texts)
    assert list(spools.iterdir()) == []

    def fail(ctx):
        raise RuntimeError("a step fails")

    _edit(texts[0], "推进", "推动")
    with pytest.raises(RuntimeError, match="a step fails"):
        _build(tmp_path / "out", texts, steps=[pipeline.Step("fail", "output", fail, "fails")])
    assert list(spools.iterdir()) == []
