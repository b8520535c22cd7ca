"""graph/ingest/linkages.py: typed linkages on the real seed text, with evidence at their offsets."""
from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from graph.ingest.link import Matcher, link_document
from graph.ingest.linkages import document_statements
from graph.ingest.statements import load_schemes

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def by_measure(document, gazetteer):
    schemes = load_schemes(ROOT / "data" / "schemes" / "statements.yaml")
    found = {}
    for ps in document_statements(link_document(document, Matcher(gazetteer)), schemes, gazetteer):
        if ps.provision.kind == "measure":
            found[int(ps.provision.key)] = ps.linkages
    return found


def kinds(linkages):
    return {(lk.kind, lk.regions) for lk in linkages}


def test_stated_linkages(by_measure):
    assert ("joint-action", ("shanghai", "suzhou")) in kinds(by_measure[12])  # 上海、苏州联动开展
    assert ("policy-extension", ("hongqiao-cbd", "hongqiao-hub")) in kinds(by_measure[9])  # 推广到…全域
    assert ("mutual-recognition", ("hongqiao-hub",)) in kinds(by_measure[7])  # within the hub: no pair
    assert ("foreign-cooperation", ("singapore", "suzhou-industrial-park")) in kinds(by_measure[14])
    assert ("service", ("hongqiao-cbd", "yangtze-river-delta")) in kinds(by_measure[20])  # 为长三角地区开展
    railways = {lk.project: lk.regions for lk in by_measure[19] if lk.kind == "transport-connection"}
    assert railways["shanghai-suzhou-nantong-railway-phase-2"] == ("fengxian", "jiading", "pudong", "taicang")


def test_no_typed_pair_where_the_text_names_one_place_or_none(by_measure):
    for number in (2, 3, 4, 5, 10, 11, 15, 21, 22, 24):
        assert not [lk for lk in by_measure[number] if len(lk.regions) >= 2], number
    for linkages in by_measure.values():
        for lk in linkages:
            assert len(lk.regions) >= 2 or lk.kind in ("mutual-recognition", "joint-action"), lk


def test_evidence_is_the_text_at_its_offsets(by_measure, document):
    for linkages in by_measure.values():
        for lk in linkages:
            assert document.clean(lk.start, lk.end) == lk.quote
            assert lk.statement.start <= lk.start < lk.end <= lk.statement.end


def test_co_mention_is_the_fallback_only(by_measure):
    counts = Counter(lk.kind for linkages in by_measure.values() for lk in linkages)
    assert counts["co-mention"] < sum(n for k, n in counts.items() if k != "co-mention")
    for linkages in by_measure.values():
        statements_with_typed = {id(lk.statement) for lk in linkages if lk.kind != "co-mention" and len(lk.regions) > 1}
        assert not [lk for lk in linkages if lk.kind == "co-mention" and id(lk.statement) in statements_with_typed]


def test_the_straddled_districts_are_not_linked(by_measure):
    """虹桥商务区 lies in parts of 闵行, 长宁, 青浦 and 嘉定; no linkage pairs them for it."""
    for linkages in by_measure.values():
        for lk in linkages:
            assert not {"qingpu", "minhang"} <= set(lk.regions)


def test_the_evaluation_table_runs():
    from bench.evaluate_statements import evaluate

    scores = {s.name: s for s in evaluate()}
    assert scores["statements"].gold == 70 and scores["linkages"].gold == 21  # bench/gold-statements/seed.yaml
    assert scores["linkages"].precision >= 0.9 and scores["roles"].recall >= 0.9


def test_the_corpus_gold_fits_its_texts_and_is_scored_apart():
    """Every corpus gold statement is words of its measure and every component words of its statement (else a
    GoldError); the corpus gold covers at least 40 measures of at least two texts."""
    from bench.evaluate_statements import CORPUS_GOLD, GOLD, evaluate_files, measures_in

    assert len(CORPUS_GOLD) >= 2 and measures_in(CORPUS_GOLD) >= 40
    corpus = {s.name: s for s in evaluate_files(CORPUS_GOLD)}
    seed = {s.name: s for s in evaluate_files([GOLD])}
    every = {s.name: s for s in evaluate_files([GOLD, *CORPUS_GOLD])}
    for name in ("statements", "roles", "linkages", "component: aim"):
        assert every[name].gold == seed[name].gold + corpus[name].gold
        assert every[name].correct == seed[name].correct + corpus[name].correct
    assert corpus["statements"].gold > seed["statements"].gold  # the corpus gold is the larger part


def test_a_gold_statement_not_in_its_text_is_an_error(tmp_path):
    from bench.evaluate_statements import CORPUS_GOLD, GoldError, evaluate

    path = next(p for p in CORPUS_GOLD if p.stem == "sc-043")
    bad = tmp_path / "sc-043.yaml"
    bad.write_text(path.read_text(encoding="utf-8").replace("合建3个自动气象站, deontic", "合建4个自动气象站, deontic"),
                   encoding="utf-8")
    with pytest.raises(GoldError, match=r"sc-043.yaml: measure 1: statement"):
        evaluate(bad)
