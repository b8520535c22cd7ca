"""Shared fixtures: the real source text, parsed once, and one real build of the default sources."""
from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data"
SOURCE = ROOT / "data" / "sources" / "hongqiao-open-hub-measures-2023.txt"


@pytest.fixture(scope="session")
def source_path() -> Path:
    return SOURCE


@pytest.fixture(scope="session")
def document():
    from graph.ingest.parse import parse_file

    return parse_file(SOURCE)


@pytest.fixture(scope="session")
def gazetteer():
    from graph.ingest.gazetteer import load_gazetteer

    return load_gazetteer(ROOT / "data" / "entities")


@pytest.fixture(scope="session")
def built(tmp_path_factory):
    """One real build of the default sources into a temporary folder (BuildContext, its output folder)."""
    from graph import pipeline

    out = tmp_path_factory.mktemp("build") / "out"
    ctx = pipeline.build(pipeline.BuildOptions(out=out))
    return ctx


@pytest.fixture(scope="session")
def corpus_store(tmp_path_factory):
    """Four texts (the seed, the two of tests/data/cache and an unseen one) whose measure numbers repeat (measure 3
    of one text is not measure 3 of another), reasoned over as the build's network and pages steps see them."""
    from graph import pipeline

    root = Path(__file__).resolve().parents[1]
    sources = [root / "data" / "sources" / "hongqiao-open-hub-measures-2023.txt",
               *sorted((root / "tests" / "data" / "cache").glob("*.txt")),
               root / "tests" / "data" / "pipeline" / "unseen-huzhou-measures.txt"]
    out = tmp_path_factory.mktemp("corpus") / "out"
    steps = pipeline.select_steps(only=["reason"])
    return pipeline.build(pipeline.BuildOptions(sources=sources, out=out), steps=steps).store


@pytest.fixture(scope="session")
def graph_file(built) -> Path:
    """The Turtle file of the real build."""
    return built.staging / "graph.ttl"


@pytest.fixture(scope="session")
def store(graph_file):
    """The real build's graph.ttl loaded as the query path loads it, reasoned over (read-only use)."""
    from graph.query.named import open_graph

    return open_graph(graph_file)
