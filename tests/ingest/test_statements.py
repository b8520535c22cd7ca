"""graph/ingest/statements.py: statements, IG-Core components with offsets, and roles, on the real seed text."""
from __future__ import annotations

from pathlib import Path

import pytest

from graph.ingest.link import Matcher, link_document
from graph.ingest.linkages import LinkageFinder, provision_statements
from graph.ingest.statements import load_schemes, split_statements
from graph.ingest.yamlfile import DataError

ROOT = Path(__file__).resolve().parents[2]
SCHEMES = ROOT / "data" / "schemes" / "statements.yaml"


@pytest.fixture(scope="module")
def schemes():
    return load_schemes(SCHEMES)


@pytest.fixture(scope="module")
def measures(document, gazetteer, schemes):
    linked = link_document(document, Matcher(gazetteer))
    finder = LinkageFinder(gazetteer, schemes["linkage-kind"])
    return {int(lp.provision.key): provision_statements(lp, schemes, finder)
            for lp in linked.provisions if lp.provision.kind == "measure"}


def test_measure_13_holds_three_statements(measures):
    texts = [s.text for s in measures[13].statements]
    assert len(texts) == 3, texts
    assert texts[1].startswith("支持嘉兴综合保税区") and texts[2] == "支持虹桥国际开放枢纽内综合保税区联动发展"


def test_components_are_spans_of_the_source(measures, document):
    for ps in measures.values():
        for st in ps.statements:
            assert document.clean(st.start, st.end) == st.text
            for c in st.components:
                assert document.clean(c.start, c.end) == c.text, (c, st.text)
                assert st.start <= c.start < c.end <= st.end


def test_deontic_attribute_and_conditions(measures):
    first = measures[13].statements[0]
    assert first.deontic == "support"
    assert [c.text for c in first.component("attribute")] == ["上海"]
    assert [c.text for c in first.component("activation-condition")] == ["确有需求且符合条件时"]
    permit = measures[5].statements[0]  # …医疗机构可按照《…》相关规定申请
    assert permit.deontic == "permit" and permit.component("attribute")[0].text == "虹桥商务区内符合条件的医疗机构"
    assert [c.text for c in permit.component("execution-constraint")] == ["按照《临床急需药品临时进口工作方案》相关规定"]
    explore = measures[11].statements[0]  # the leading condition stays with the statement it introduces
    assert explore.deontic == "explore" and explore.text.startswith("在不直接涉及")
    assert measures[15].statements[0].deontic == "implied"  # 扩容升级…: no modal word


def test_roles(measures):
    def roles(n):
        return {(r.mention.entity_id, r.role) for s in measures[n].statements for r in s.roles}

    assert {("shanghai", "actor"), ("suzhou", "actor")} <= roles(12)
    assert ("hongqiao-hub", "location") in roles(7)  # 在虹桥国际开放枢纽区域内
    assert ("yangtze-river-delta", "beneficiary") in roles(21)  # 为长三角…提供
    assert ("pudong", "name-part") in roles(17) and ("taicang", "name-part") in roles(18)
    assert ("germany", "partner") in roles(14) and ("singapore", "partner") in roles(14)
    assert ("hefei", "name-part") in roles(22)  # 合肥国际金融后台服务基地


def test_instrument_words_inside_names_are_no_cue(measures):
    """协同 inside 嘉昆太协同创新圈 (measure 8) makes no joint action."""
    assert "joint-action" not in {lk.kind for lk in measures[8].linkages}


def test_split_keeps_a_clause_without_a_deontic(schemes):
    import re

    cues = re.compile("支持|允许")
    text = "支持甲开展乙，拓展丙。允许丁做戊，允许己做庚"
    assert [text[a:b] for a, b, _ in split_statements(text, cues)] == ["支持甲开展乙，拓展丙", "允许丁做戊", "允许己做庚"]


def test_a_bad_cue_is_a_clear_error(tmp_path):
    bad = tmp_path / "schemes.yaml"
    bad.write_text(SCHEMES.read_text(encoding="utf-8").replace("'鼓励'", "'鼓励('"), encoding="utf-8")
    with pytest.raises(DataError, match=r"schemes.yaml:\d+: cue '鼓励\('"):
        load_schemes(bad)
