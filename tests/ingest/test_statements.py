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


def test_measure_13_holds_five_statements(measures):
    """Three sentences; the first two each list two actions (…设立综合保税区，拓展…; …申请扩区，并开展…)."""
    texts = [s.text for s in measures[13].statements]
    assert len(texts) == 5, texts
    assert texts[1] == "拓展保税研发、保税维修、加工贸易等业务" and texts[3] == "并开展综合保税区高质量发展综合改革试点"
    assert texts[2].startswith("支持嘉兴综合保税区") and texts[4] == "支持虹桥国际开放枢纽内综合保税区联动发展"
    assert [s.sentence for s in measures[13].statements] == [1, 1, 2, 2, 3]


def test_a_list_of_actions_splits_and_a_purpose_clause_stays(measures):
    # 18: 推进…建设，用好…。鼓励发展…，打造…。支持合肥…开行中欧班列，强化…，发展…。 — seven actions
    assert [s.text[:4] for s in measures[18].statements] == ["推进太仓", "用好联动", "鼓励发展", "打造虹桥", "支持合肥",
                                                             "强化与沿", "发展海铁"]
    # 17: 加快嘉兴航空联运中心建设，提升航空货运保障能力 — 提升 says what the building is for
    assert "加快嘉兴航空联运中心建设，提升航空货运保障能力" in [s.text for s in measures[17].statements]


def test_a_comma_inside_quotes_does_not_split(schemes):
    import re

    from graph.ingest.statements import split_statements

    cue = re.compile("|".join(f"(?:{q})" for c in schemes["deontic"].concepts for q in c.cues))
    text = "把援藏工作作为长期任务，根据“中央关心西藏，建立完善援藏机制”的方针，建立制度，理顺关系"  # after sc-052 (7), (9)
    assert [text[a:b] for a, b, _ in split_statements(text, cue)] == [
        "把援藏工作作为长期任务，根据“中央关心西藏，建立完善援藏机制”的方针", "建立制度", "理顺关系"]


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


def test_split_at_a_new_action_not_at_a_purpose(schemes):
    import re

    cues = re.compile("支持|允许")
    text = "支持甲开展乙，拓展丙。允许丁做戊，允许己做庚。建设辛，提升壬"
    assert [text[a:b] for a, b, _ in split_statements(text, cues)] == [
        "支持甲开展乙", "拓展丙", "允许丁做戊", "允许己做庚", "建设辛，提升壬"]


def test_a_bad_cue_is_a_clear_error(tmp_path):
    bad = tmp_path / "schemes.yaml"
    bad.write_text(SCHEMES.read_text(encoding="utf-8").replace("'鼓励'", "'鼓励('"), encoding="utf-8")
    with pytest.raises(DataError, match=r"schemes.yaml:\d+: cue '鼓励\('"):
        load_schemes(bad)
