"""Property-based tests (hypothesis) of every door bad input comes in by: any input gives a result or a clear
`file:line: message` error, never a traceback, and a failed build never touches the previous output.

The default suite runs a bounded number of examples; `pytest -m slow tests/test_fuzz.py` runs ten times more.
"""
from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings, strategies as st

from graph import pipeline
from graph.ingest.gazetteer import COMMON_FIELDS, KIND_FIELDS, KIND_FILES, load_gazetteer
from graph.ingest.link import Matcher, link_document
from graph.ingest.parse import ParseError, parse_file
from graph.ingest.yamlfile import DataError
from graph.outputs.buildfolder import OutFolderError

ROOT = Path(__file__).resolve().parent.parent
TINY = ROOT / "tests" / "data" / "validate"
FAST, LONG = 150, 1500  # examples per property: default suite, slow run
QUICK = settings(max_examples=FAST, deadline=None, suppress_health_check=list(HealthCheck))
THOROUGH = settings(max_examples=LONG, deadline=None, suppress_health_check=list(HealthCheck))

# --- texts of the genre, well and badly formed --------------------------------------------------------------------

NUMERALS = ["一", "二", "三", "四", "十", "十一", "二十四", "百", "零"]
WORDS = ["支持", "推动", "嘉昆太", "昆山", "虹桥", "上海", "湖州", "铁路", "港", "协同创新圈", "互认", "。", "，", "；",
         " ", "\u3000", "\t", "沪乍杭", "国际开放枢纽", "（", "）"]
ODD = ["\x00", "\x01", "\x1b", "\x7f", "\x85", "\u2028", "\u2029", "\x0b", "\x0c", "\x1c", "\ufeff", "\ufffe",
       "\U0001F600", "\u200b", "\r"]
BREAKS = ["\n", "\n", "\n\n", "\r\n", "\r", "\u2028", "\x0c\n"]

words = st.lists(st.sampled_from(WORDS) | st.sampled_from(ODD) | st.text(max_size=3), max_size=12).map("".join)
lines = st.one_of(
    words,
    st.builds(lambda n, w: f"{n}、{w}", st.sampled_from(NUMERALS), words),
    st.builds(lambda n, w: f"（{n}）{w}", st.sampled_from(NUMERALS), words),
    st.sampled_from(["关于推动某事的若干措施", "— 2 —", "第 3 页", "", "一、部分", "（一）支持嘉昆太发展。"]),
)


@st.composite
def texts(draw) -> str:
    body = draw(st.lists(st.tuples(lines, st.sampled_from(BREAKS)), max_size=25))
    head = draw(st.sampled_from(["关于某事的意见\n\n", "关于推动虹桥的若干政策措施\n", ""]))
    return head + "".join(line + brk for line, brk in body)


def _check_text(raw: bytes, matcher: Matcher) -> None:
    with tempfile.TemporaryDirectory() as work:
        path = Path(work) / "fuzz.txt"
        path.write_bytes(raw)
        try:
            document = parse_file(path)
        except ParseError as error:
            assert str(error).startswith(f"{path}:{error.line}: ") and error.line >= 1
            return
        linked = link_document(document, matcher)
        for provision in linked.provisions:
            for mention in provision.mentions:
                assert document.clean(mention.start, mention.end) == mention.quote, mention


@pytest.fixture(scope="module")
def matcher():
    return Matcher(load_gazetteer(pipeline.DEFAULT_ENTITIES_DIR))


@QUICK
@given(text=texts())
def test_any_text_parses_or_fails_clearly(matcher, text):
    _check_text(text.encode("utf-8", "surrogatepass"), matcher)


@QUICK
@given(raw=st.binary(max_size=300))
def test_any_bytes_parse_or_fail_clearly(matcher, raw):
    _check_text(b"\xef\xbb\xbf" + raw if raw[:1] == b"\x00" else raw, matcher)


@pytest.mark.slow
@THOROUGH
@given(text=texts())
def test_any_text_parses_or_fails_clearly_long(matcher, text):
    _check_text(text.encode("utf-8", "surrogatepass"), matcher)


# --- curated data -------------------------------------------------------------------------------------------------

scalars = st.one_of(st.none(), st.booleans(), st.integers(-5, 10**12), st.floats(allow_nan=False),
                    st.sampled_from(["verified", "unverified", "2023-08-16", "2023-02-30", "2023-13-45", "prc",
                                     "shanghai", "Country", "PrefectureLevelCity", "320583", "Q8686", "", " "]),
                    st.text(max_size=8))
values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4),
                                                                                           inner, max_size=2),
                      max_leaves=6)
FIELDS = sorted(set(COMMON_FIELDS).union(*KIND_FIELDS.values()) | {"form", "expands_to", "colour"})
entries = st.dictionaries(st.sampled_from(FIELDS), values, max_size=8)
files = st.dictionaries(st.sampled_from([*KIND_FILES.values(), "composites.yaml"]),
                        st.lists(entries, max_size=4) | values, max_size=6)


def _base_files() -> dict[str, str]:
    return {p.name: p.read_text(encoding="utf-8") for p in sorted((TINY / "entities").glob("*.yaml"))}


def _check_entities(contents: dict[str, bytes]) -> None:
    with tempfile.TemporaryDirectory() as work:
        folder = Path(work)
        for name, data in contents.items():
            (folder / name).write_bytes(data)
        try:
            load_gazetteer(folder, with_places=False)
        except DataError as error:
            assert str(error) == f"{error.file}:{error.line}: {error.message}" and error.line >= 1
            assert Path(error.file).parent == folder, "the error names one of the files"
        except FileNotFoundError as error:  # the folder holds no entity file at all
            assert "holds none of" in str(error)


@QUICK
@given(generated=files)
def test_any_curated_data_loads_or_fails_clearly(generated):
    contents = {name: text.encode("utf-8") for name, text in _base_files().items()}
    for name, data in generated.items():
        contents[name] = yaml.safe_dump(data, allow_unicode=True).encode("utf-8")
    _check_entities(contents)


@QUICK
@given(name=st.sampled_from(sorted(_base_files())), cut=st.integers(0, 10**6), insert=st.binary(max_size=6))
def test_any_damage_to_a_curated_file_fails_clearly(name, cut, insert):
    contents = {n: t.encode("utf-8") for n, t in _base_files().items()}
    data = contents[name]
    at = cut % (len(data) + 1)
    contents[name] = data[:at] + insert + data[at + len(insert):]
    _check_entities(contents)


@pytest.mark.slow
@THOROUGH
@given(generated=files)
def test_any_curated_data_loads_or_fails_clearly_long(generated):
    test_any_curated_data_loads_or_fails_clearly.hypothesis.inner_test(generated)


# --- the whole build never touches the previous output -----------------------------------------------------------

@pytest.fixture(scope="module")
def previous(tmp_path_factory):
    out = tmp_path_factory.mktemp("fuzz-build") / "out"
    pipeline.build(pipeline.BuildOptions(sources=[TINY / "sources" / "tiny-measures.txt"], out=out,
                                         entities_dir=TINY / "entities"),
                   steps=pipeline.select_steps(only=["candidates", "report"]))
    return out


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@settings(max_examples=12, deadline=None, suppress_health_check=list(HealthCheck))
@given(text=texts())
def test_a_failed_build_never_touches_the_previous_output(previous, text):
    before = _snapshot(previous)
    with tempfile.TemporaryDirectory() as work:
        out = Path(work) / "out"
        shutil.copytree(previous, out)
        source = Path(work) / "fuzz.txt"
        source.write_bytes(text.encode("utf-8", "surrogatepass"))
        try:
            pipeline.build(pipeline.BuildOptions(sources=[source], out=out, entities_dir=TINY / "entities"),
                           steps=pipeline.select_steps(only=["candidates", "report"]))
        except (ParseError, DataError, OutFolderError, pipeline.BuildError) as error:
            assert ": " in str(error)
            assert _snapshot(out) == before, "a failed build changed the previous output"
        else:
            assert (out / "build-report.json").is_file()
        assert sorted(os.listdir(work)) == ["fuzz.txt", "out"], "a staging folder was left behind"
