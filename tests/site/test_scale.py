"""Corpus scale: a synthetic corpus of the genre (bench/corpus.py) built by the project's own stages; every page
opens in headless chromium without an error, with physics off and the whole graph drawn by document. How fast they
open is the benchmark's to measure (`python -m bench.browser measure --corpus 80`, docs/pages.md), not a test's."""
from __future__ import annotations

import json
import re

import pytest

from bench.browser import CHROMIUM, corpus_build, measure
from graph.site.pages import PAGE_FILES

TEXTS = 80  # ~2,000 provisions: above the whole graph's aggregation threshold


@pytest.mark.slow
def test_every_page_opens_at_corpus_scale_drawn_by_document(tmp_path):
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is not installed (CI installs it: make browser)")
    out = corpus_build(TEXTS, tmp_path / "site")
    graph = json.loads(re.search(r'id="hq-data">(.*?)</script>', (out / "graph.html").read_text(encoding="utf-8"),
                                 re.S).group(1))
    assert graph["physics"] is False
    assert not any("/measure/" in n["iri"] for n in graph["nodes"]), "the corpus's whole graph is not by document"
    rows = {row["page"]: row for row in measure(out)}
    assert set(rows) == {"index.html", *PAGE_FILES}
    assert all(row["problems"] == [] for row in rows.values()), rows
