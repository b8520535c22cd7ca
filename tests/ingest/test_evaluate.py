"""graph/ingest/evaluate.py: precision and recall against a gold file, on a tiny text whose answer is known."""
from pathlib import Path

import pytest

from graph.ingest.evaluate import evaluate, table
from graph.ingest.gazetteer import load_gazetteer

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "tests" / "data" / "evaluate"


@pytest.fixture(scope="module")
def results():
    return evaluate(DATA / "gold", DATA / "corpus", load_gazetteer(ROOT / "data" / "entities"))


def test_scores_count_hits_misses_and_extra_links(results):
    (result,) = results
    region, country = result.scores["region"], result.scores["country"]
    # gold: 上海市, 江苏省, 浙江省 (not in the text); linked: 上海市, 江苏省 and 苏州 (not in the gold)
    assert (region.gold, region.predicted, region.tp) == (3, 3, 2)
    assert (country.gold, country.predicted, country.tp) == (1, 1, 1), "德国 is a country of the national gazetteer"
    assert result.misses == [("一、支持上海市与江苏省", "region", "浙江省")]
    assert result.wrong == [("二、支持德国企业在苏州", "region", "苏州")]
    assert result.structure_exact


def test_table_prints_per_kind_and_per_document(results):
    text = table(results)
    assert "| region | 3 | 3 | 2 | 66.7 | 66.7 |" in text
    assert "| **all** | 4 | 4 | 3 | 75.0 | 75.0 |" in text
    assert "| tiny.html | 2 (2) | 75.0 | 75.0 | exact |" in text


def test_nested_names_are_scored_as_the_gold_writes_them():
    from graph.ingest.evaluate import outermost
    from graph.ingest.link import Mention

    def m(entity, kind, quote, start, origin="package", name=""):
        return Mention(entity, kind, quote, start, start + len(quote), "", "", None, origin, name or quote)

    port = m("x-port", "project", "宁波舟山港", 0, "extracted")
    ningbo, zhoushan = m("ningbo", "region", "宁波", 0), m("zhoushan", "region", "舟山", 2)
    conjunct = m("x-rail", "project", "沪乍杭", 10, "extracted", "沪乍杭铁路")
    places = m("hzh", "region", "沪乍杭", 10, "curated")
    inner = m("doc-inner", "document", "某某条例", 20, "extracted")
    outer = Mention("doc-outer", "document", "关于修改〈某某条例〉的决定", 16, 31, "", "", None, "extracted", "")
    kept = outermost([ningbo, port, zhoushan, places, conjunct, outer, inner])
    assert kept == [port, conjunct, outer, inner], "a title inside a title is the gold's exception"
