"""The instrument scheme: one Rothwell & Zegveld sub-type per concrete instrument, so no use counts twice; other
typologies as their own scheme; the seed's uses per type counted by hand from the text."""
from __future__ import annotations

from collections import Counter

import pytest

from graph.ingest.statements import load_schemes
from graph.ingest.yamlfile import DataError
from graph.rdf.namespaces import HQR
from graph.rdf.statements import SCHEMES_FILE, scheme_quads

SUPPLY = ("人才培养", "资金投入", "技术支持", "基础设施建设", "公共服务")
ENVIRONMENTAL = ("目标规划", "金融支持", "税收优惠", "法规管制", "策略性措施")
DEMAND = ("政府采购", "服务外包", "贸易管制", "海外机构", "示范工程", "市场准入")

# Measure–instrument uses on the seed per sub-type, read off the text (the measures' signal words): 人才培养 9
# (国际人才管理改革试点), 10 and 20 (人才引进); 技术支持 6 and 21 (技术攻关, 协同创新) and 21 (科研服务体系), not 8
# (协同创新 there is the name 嘉昆太协同创新圈); 基础设施建设 15 (数据专用通道扩容升级), 18 (铁水联运), 19
# (轨道交通网), 23 (算力布局); 公共服务 10 (签证…便利服务), 17 (公务机, 航空货运保障), 24 (公允市场价格评估体系);
# 金融支持 3 (资金池), 12 (数字人民币), 21 and 22 (科技金融, 多元化融资); 税收优惠 13 (保税研发); 法规管制 1
# (电子商务规则), 4 (甲类大型医用设备), 7 and 8 (互认), 16 (检查检验结果互认), 23 (数据基础制度), 24 (纠纷应对机制);
# 策略性措施 2 and 20 (引进, 招商引资), 20 (供需对接), 14 (中德合作); 贸易管制 2 and 15 (服务贸易), 5 (临时进口);
# 示范工程 1, 3, 8, 13, 23 (试点, 率先, 先行先试), 8 (道路测试), 9 (推广); 市场准入 11 (职业资格…上岗).
SEED_USES = {"人才培养": 3, "技术支持": 3, "基础设施建设": 4, "公共服务": 3, "金融支持": 4, "税收优惠": 1,
             "法规管制": 7, "策略性措施": 4, "贸易管制": 3, "示范工程": 7, "市场准入": 1}
SEED_TOP = {"供给型政策工具": 13, "环境型政策工具": 16, "需求型政策工具": 11}

SUBTYPE_OF = """
PREFIX hq: <https://w3id.org/hongqiao-kg/ontology#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
SELECT ?i ?sub ?top WHERE {
  ?i a hq:PolicyInstrument ; skos:broader+ ?sub .
  ?sub a hq:InstrumentType ; skos:broader ?top .
  ?top skos:topConceptOf ?scheme .
}"""
USES = """
PREFIX hq: <https://w3id.org/hongqiao-kg/ontology#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
SELECT ?m ?i ?subZh ?topZh WHERE {
  ?m a hq:Measure ; hq:usesInstrument ?i .
  ?i skos:broader ?sub . ?sub skos:broader ?top . ?top skos:topConceptOf ?scheme .
  ?sub skos:prefLabel ?subZh . FILTER(LANG(?subZh) = "zh")
  ?top skos:prefLabel ?topZh . FILTER(LANG(?topZh) = "zh")
}"""


def _rows(store, query):
    return [tuple(term.value for term in row) for row in store.query(query)]


def test_the_sub_types_are_the_standard_adaptation(store):
    rows = _rows(store, """
        PREFIX hq: <https://w3id.org/hongqiao-kg/ontology#>
        PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
        SELECT ?subZh ?topZh WHERE {
          ?sub a hq:InstrumentType ; skos:broader ?top ; skos:prefLabel ?subZh . FILTER(LANG(?subZh) = "zh")
          ?top skos:topConceptOf ?s ; skos:prefLabel ?topZh . FILTER(LANG(?topZh) = "zh")
        }""")
    by_top: dict[str, set[str]] = {}
    for sub, top in rows:
        by_top.setdefault(top, set()).add(sub)
    assert by_top == {"供给型政策工具": set(SUPPLY), "环境型政策工具": set(ENVIRONMENTAL), "需求型政策工具": set(DEMAND)}


def test_no_concrete_instrument_falls_under_two_types(store):
    rows = set(_rows(store, SUBTYPE_OF))
    subs = Counter(i for i, _, _ in rows)
    tops = Counter(i for i, _ in {(i, top) for i, _, top in rows})
    concrete = {r[0] for r in _rows(store, "PREFIX hq: <https://w3id.org/hongqiao-kg/ontology#> "
                                          "SELECT ?i WHERE { ?i a hq:PolicyInstrument }")}
    assert len(concrete) == 30 and set(subs) == concrete
    assert {i: n for i, n in subs.items() if n != 1} == {}
    assert {i: n for i, n in tops.items() if n != 1} == {}


def test_seed_uses_per_type_equal_the_hand_count(store):
    rows = set(_rows(store, USES))
    uses = Counter(sub for _, _, sub, _ in rows)
    assert dict(uses) == SEED_USES
    assert dict(Counter(top for _, _, _, top in rows)) == SEED_TOP
    assert sum(uses.values()) == 40  # every measure–instrument use counted once


def test_facets_are_a_scheme_of_their_own_and_no_type(store):
    rows = _rows(store, f"""
        PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
        SELECT ?i ?f WHERE {{ ?i skos:relatedMatch ?f . ?f skos:inScheme <{HQR['instrument-facet']}> }}""")
    facets = Counter(f.rsplit("/", 1)[1] for _, f in rows)
    assert facets == {"pilot-demonstration": 5, "information-support": 3, "international-cooperation": 4}
    assert not bool(store.query(f"""
        PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
        ASK {{ ?i skos:broader+ ?f . ?f skos:inScheme <{HQR['instrument-facet']}> }}"""))


def test_a_facet_member_that_is_no_instrument_is_a_located_error(gazetteer, tmp_path):
    text = SCHEMES_FILE.read_text(encoding="utf-8").replace("members: [pilot,", "members: [shanghai,")
    bad = tmp_path / "statements.yaml"
    bad.write_text(text, encoding="utf-8")
    with pytest.raises(DataError) as error:
        list(scheme_quads(load_schemes(bad), gazetteer))
    line = next(n for n, ln in enumerate(text.splitlines(), 1) if "members: [shanghai," in ln)
    assert str(error.value).startswith(f"{bad}:{line}:") and "shanghai" in str(error.value)
