"""The linker: on the real text every provision links to exactly what it names; on tiny gazetteers, each rule."""
from __future__ import annotations


import pytest

from graph.ingest.gazetteer import load_gazetteer
from graph.ingest.link import Matcher, link_document
from graph.ingest.parse import parse_text

# What each provision of the real text names, read off the text by hand (kind -> entity ids).
# Composite names count: 嘉昆太 names 嘉定, 昆山 and 太仓; 沪乍杭 names 上海, 乍浦 and 杭州; a project or
# institution whose name contains a place name ('芜湖数据中心集群') names that place as well.
EXPECTED = {
    "preamble": {"document": {"hongqiao-hub-master-plan-2021"},
                 "institution": {"cpc-20th-national-congress", "cpc-central-committee", "state-council"},
                 "region": {"hongqiao-cbd", "hongqiao-hub", "north-expansion-belt", "south-expansion-belt",
                            "yangtze-river-delta"}},
    "section 1": {"region": {"hongqiao-cbd"}},
    "section 2": {"region": {"hongqiao-cbd", "jiaxing", "north-expansion-belt", "south-expansion-belt", "suzhou",
                             "yangtze-river-delta"}},
    "section 3": {"region": {"hefei", "hongqiao-hub", "wuhu", "yangtze-river-delta"}},
    "measure 1": {"instrument": {"high-standard-rules-alignment", "pilot"},
                  "region": {"hongqiao-cbd", "silk-road-ecommerce-pilot-zone"}},
    "measure 2": {"institution": {"chambers-and-associations", "functional-institutions", "global-digital-trade-port",
                                  "international-economic-trade-organisations", "trade-promotion-agencies"},
                  "instrument": {"investment-promotion", "trade-in-services-development"},
                  "region": {"hongqiao-cbd"}},
    "measure 3": {"institution": {"multinational-companies"}, "instrument": {"cash-pool", "pilot"},
                  "region": {"hongqiao-cbd"}},
    "measure 4": {"institution": {"private-medical-institutions"},
                  "instrument": {"large-medical-equipment-licensing"}, "region": {"hongqiao-cbd"}},
    "measure 5": {"document": {"urgent-clinical-drug-import-plan-2022"}, "institution": {"medical-institutions"},
                  "instrument": {"urgent-drug-temporary-import"}, "region": {"hongqiao-cbd"}},
    "measure 6": {"institution": {"state-key-laboratories"}, "instrument": {"collaborative-innovation"},
                  "region": {"hongqiao-cbd", "north-expansion-belt", "south-expansion-belt"}},
    "measure 7": {"document": {"high-tech-enterprise-recognition-measures-2016"},
                  "institution": {"high-tech-enterprises"}, "instrument": {"mutual-recognition"},
                  "region": {"hongqiao-hub"}},
    # 协同创新 of 嘉昆太协同创新圈 is the circle's name, not a use of collaborative innovation
    "measure 8": {"instrument": {"icv-road-testing", "mutual-recognition", "pilot"},
                  "region": {"hongqiao-cbd", "hongqiao-hub", "jiading", "jiading-kunshan-taicang-circle", "kunshan",
                             "taicang", "xiangcheng"}},
    "measure 9": {"instrument": {"international-talent-reform-pilot", "policy-replication"},
                  "region": {"hongqiao-cbd", "hongqiao-hub"}},
    "measure 10": {"instrument": {"talent-attraction", "visa-facilitation"}, "region": {"hongqiao-hub"}},
    "measure 11": {"institution": {"international-professional-organisations"},
                   "instrument": {"professional-qualification-recognition"}, "region": {"hongqiao-hub"}},
    "measure 12": {"instrument": {"digital-rmb-pilot"}, "region": {"shanghai", "suzhou"}},
    "measure 13": {"instrument": {"comprehensive-bonded-zone-policy", "pilot"},
                   "region": {"hongqiao-cbd", "hongqiao-hub", "jiaxing-comprehensive-bonded-zone", "shanghai"}},
    "measure 14": {"institution": {"china-singapore-internationalisation-corridor", "sino-german-taicang-industrial-base"},
                   "instrument": {"international-industrial-cooperation"},
                   # 中德, 对德 and 中新 name Germany and Singapore (and 中, the country) through composites
                   "region": {"suzhou-industrial-park", "taicang", "germany", "prc", "singapore"}},
    "measure 15": {"instrument": {"data-channel-upgrade", "trade-in-services-development"},
                   "project": {"fumaotong-data-line", "international-internet-data-channel"}},
    "measure 16": {"instrument": {"medical-results-recognition"}, "region": {"hongqiao-hub"}},
    "measure 17": {"instrument": {"air-service-improvement"},
                   "project": {"hongqiao-airport", "intercity-air-shuttle", "jiaxing-air-intermodal-centre",
                               "pudong-airport", "wuhu-air-cargo-hub"},
                   "region": {"hongqiao-hub", "jiaxing", "pudong", "wuhu", "yangtze-river-delta"}},
    "measure 18": {"instrument": {"multimodal-transport"},
                   "project": {"china-europe-railway-express-hefei", "hongqiao-transport-hub",
                               "taicang-ocean-container-transhipment-channel", "taicang-port"},
                   "region": {"hefei", "taicang"}},
    "measure 19": {"instrument": {"transport-infrastructure"},
                   "project": {"jinshan-pinghu-suburban-railway", "nantong-suzhou-jiaxing-ningbo-railway",
                               "shanghai-suzhou-nantong-railway-phase-2", "shanghai-zhapu-hangzhou-railway"},
                   "region": {"hangzhou", "jiaxing", "jinshan", "nantong", "ningbo", "pinghu", "shanghai", "suzhou",
                              "zhapu"}},
    "measure 20": {"institution": {"ciie", "city-exhibition-centres", "foreign-affairs-liaison-offices",
                                   "functional-institutions", "marketing-companies", "rd-centres"},
                   "instrument": {"exhibition-matchmaking", "investment-promotion", "talent-attraction"},
                   "region": {"anhui", "hongqiao-cbd", "jiangsu", "yangtze-river-delta", "zhejiang"}},
    "measure 21": {"instrument": {"collaborative-innovation", "sci-tech-finance", "sci-tech-services"},
                   "region": {"yangtze-river-delta"}},
    "measure 22": {"institution": {"hefei-international-financial-back-office-base", "high-tech-enterprises",
                                   "multinational-companies", "rd-centres"},
                   "instrument": {"sci-tech-finance"}, "region": {"hefei"}},
    "measure 23": {"institution": {"national-supercomputing-center-kunshan"},
                   "instrument": {"computing-power-layout", "data-governance-rules", "pilot"},
                   "project": {"wuhu-data-centre-cluster", "yrd-demonstration-zone-data-centre-cluster"},
                   "region": {"kunshan", "wuhu", "yangtze-river-delta", "yrd-demonstration-zone"}},
    "measure 24": {"institution": {"overseas-ip-dispute-expert-pool", "overseas-ip-dispute-guidance-agency"},
                   "instrument": {"ip-protection", "ip-valuation"}},
}


@pytest.fixture(scope="module")
def linked(document, gazetteer):
    return link_document(document, Matcher(gazetteer))


def _names(linked_provision) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for mention in linked_provision.mentions:
        found.setdefault(mention.kind, set()).add(mention.entity_id)
    return found


def test_every_provision_links_exactly_what_the_text_names(linked):
    from graph.ingest.link import provision_name

    got = {provision_name(lp.provision): _names(lp) for lp in linked.provisions}
    assert set(got) == set(EXPECTED)
    for name, expected in EXPECTED.items():
        for kind in sorted(set(expected) | set(got[name])):
            missing = expected.get(kind, set()) - got[name].get(kind, set())
            extra = got[name].get(kind, set()) - expected.get(kind, set())
            assert not missing and not extra, f"{name} {kind}: missing {sorted(missing)}, unexpected {sorted(extra)}"


def test_every_quote_is_the_text_at_its_offsets(linked, document):
    for lp in linked.provisions:
        for m in lp.mentions:
            assert document.clean(m.start, m.end) == m.quote, f"{m.entity_id} at {m.start}: {m.quote!r}"
            assert lp.provision.body.start <= m.start or lp.provision.heading.start <= m.start


def test_no_instrument_mention_lies_inside_a_name_or_a_cited_title(linked, document):
    """协同创新 of 嘉昆太协同创新圈 (measure 8) and 临床急需药品临时进口 of 《临床急需药品临时进口工作方案》 (5) are
    words of names; the same instruments' words standing alone stay, and so does 综合保税区 ending 嘉兴综合保税区
    (13): the name's head, so the zone is one of the instrument's kind."""
    import re

    titles = [match.span() for match in re.finditer(r"《[^《》]*》", document.raw)]
    kept = []
    for lp in linked.provisions:
        names = [(m.start, m.end) for m in lp.mentions if m.kind != "instrument"]
        for m in lp.mentions:
            if m.kind == "instrument":
                assert not any(a <= m.start and m.end < b for a, b in names + titles), m
                kept.append((lp.provision.key, m.quote))
    assert ("8", "协同创新") not in kept and ("5", "临时进口") in kept and kept.count(("13", "综合保税区")) == 4


def test_composites_keep_their_own_quote(linked):
    m8 = next(lp for lp in linked.provisions if lp.provision.key == "8" and lp.provision.kind == "measure")
    via = {(m.entity_id, m.quote) for m in m8.mentions if m.via}
    assert {("jiading", "嘉昆太"), ("kunshan", "嘉昆太"), ("taicang", "嘉昆太"),
            ("hongqiao-cbd", "虹桥—昆山—相城")} <= via
    m19 = next(lp for lp in linked.provisions if lp.provision.key == "19" and lp.provision.kind == "measure")
    assert {m.entity_id for m in m19.mentions if m.quote == "沪乍杭"} == {"shanghai", "zhapu", "hangzhou"}


def test_real_text_candidates_are_only_unmatched_names(linked):
    texts = {c.text for c in linked.candidates}
    assert "专用通道" in texts  # named elliptically, not curated
    assert not any(c.rule == "place" for c in linked.candidates), "a curated place was reported as uncurated"


# --- tiny gazetteers, one rule each ---------------------------------------------------------------

TINY = {
    "regions.yaml": """
- {id: prc, type: Country, zh: 中华人民共和国, en: China, status: verified}
- {id: jiangsu, type: ProvinceLevelRegion, zh: 江苏省, en: Jiangsu, aliases: [江苏], parent: prc, status: verified}
- {id: suzhou, type: PrefectureLevelCity, zh: 苏州市, en: Suzhou, aliases: [苏州], parent: jiangsu, status: verified}
- {id: sip, type: PolicyArea, zh: 苏州工业园区, en: SIP, parent: suzhou, status: verified}
- {id: kunshan, type: CountyLevelCity, zh: 昆山市, en: Kunshan, aliases: [昆山], parent: suzhou, status: verified}
- {id: taicang, type: CountyLevelCity, zh: 太仓市, en: Taicang, aliases: [太仓], parent: suzhou, status: verified}
- {id: circle, type: PolicyArea, zh: 昆太协同创新圈, en: Kunshan-Taicang Circle, parent: suzhou, status: verified}
""",
    "projects.yaml": """
- {id: taicang-port, type: Port, zh: 太仓港区, en: Taicang Port, located_in: [taicang], status: verified}
""",
    "institutions.yaml": "[]\n",
    "instruments.yaml": """
- {id: supply, type: InstrumentType, zh: 供给型, en: Supply-side, top_of_scheme: true, definition_zh: 供给, definition_en: supply, status: unverified}
- {id: pilot, type: PolicyInstrument, zh: 试点, en: Pilot, aliases: [先行先试], broader: [supply], definition_zh: 试点, definition_en: pilot, status: unverified}
- {id: innovation, type: PolicyInstrument, zh: 协同创新, en: Collaborative innovation, broader: [supply], definition_zh: 协同创新, definition_en: innovation, status: unverified}
""",
    "documents.yaml": "[]\n",
    "composites.yaml": """
- {form: 昆太, expands_to: [kunshan, taicang], status: verified}
""",
}


@pytest.fixture
def tiny_matcher(tmp_path):
    for name, text in TINY.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    return Matcher(load_gazetteer(tmp_path))


def _link(text: str, matcher):
    doc = parse_text(f"关于某事的意见\n\n一、部分\n\n（一）{text}\n", "tiny.txt")
    return link_document(doc, matcher)


def test_longest_match_wins_inside_a_layer(tiny_matcher):
    linked = _link("支持苏州工业园区发展。", tiny_matcher)
    assert {m.entity_id for m in linked.provisions[-1].mentions} == {"sip"}


def test_layers_overlap_and_composites_expand(tiny_matcher):
    linked = _link("推进太仓港区与昆太先行先试。", tiny_matcher)
    mentions = {(m.entity_id, m.quote) for m in linked.provisions[-1].mentions}
    assert mentions == {("taicang-port", "太仓港区"), ("taicang", "太仓"), ("kunshan", "昆太"),
                        ("taicang", "昆太"), ("pilot", "先行先试")}


def test_instrument_types_are_not_linked(tiny_matcher):
    linked = _link("坚持供给型政策。", tiny_matcher)
    assert linked.provisions[-1].mentions == ()


def _instruments(linked) -> list[tuple[str, str, int]]:
    return [(m.entity_id, m.quote, m.start) for m in linked.provisions[-1].mentions if m.kind == "instrument"]


def test_an_instrument_word_inside_a_name_is_part_of_the_name(tiny_matcher):
    text = "支持昆太协同创新圈深化协同创新。"
    linked = _link(text, tiny_matcher)
    mentions = linked.provisions[-1].mentions
    alone = linked.document.raw.index("协同创新。")
    assert _instruments(linked) == [("innovation", "协同创新", alone)]
    assert {(m.entity_id, m.quote) for m in mentions if m.kind == "region"} == {
        ("circle", "昆太协同创新圈"), ("kunshan", "昆太"), ("taicang", "昆太")}  # the composite inside stays


def test_an_instrument_word_inside_a_cited_title_is_part_of_the_title(tiny_matcher, real_matcher):
    text = "按照《协同创新先行先试工作方案》和《先行先试》要求，开展先行先试。"
    alone = text.rindex("先行先试")
    for linked in (_link(text, tiny_matcher), link_document(
            parse_text(f"关于某事的意见\n\n一、部分\n\n（一）{text}\n", "tiny.txt"), real_matcher, national=True)):
        found = [(m.entity_id, m.quote) for m in linked.provisions[-1].mentions if m.kind == "instrument"]
        start = linked.document.raw.index(text) + alone
        assert found == [("pilot", "先行先试")], found
        assert [m.start for m in linked.provisions[-1].mentions if m.kind == "instrument"] == [start]


def test_an_instrument_word_inside_a_name_found_by_its_ending_is_part_of_the_name(real_matcher):
    text = "加快建设舟山江海联运服务中心，发展江海联运。"
    doc = parse_text(f"关于某事的意见\n\n一、部分\n\n（一）{text}\n", "tiny.txt")
    mentions = link_document(doc, real_matcher, national=True).provisions[-1].mentions
    assert ("舟山江海联运服务中心", "extracted") in {(m.quote, m.origin) for m in mentions}
    assert [(m.entity_id, m.start) for m in mentions if m.kind == "instrument"] == [
        ("multimodal-transport", doc.raw.index("江海联运。"))]


def test_an_instrument_word_that_ends_a_name_is_its_head_and_stays(real_matcher):
    """The end of a Chinese name is its head: a pilot named by its ending is a use of the pilot instrument, while the
    same word at the start of a name is not."""
    text = "在全国开展“无废城市”建设试点，支持试点城市群建设。"
    doc = parse_text(f"关于某事的意见\n\n一、部分\n\n（一）{text}\n", "tiny.txt")
    mentions = link_document(doc, real_matcher, national=True).provisions[-1].mentions
    names = [(m.start, m.end) for m in mentions if m.kind != "instrument"]
    pilots = [m for m in mentions if m.kind == "instrument" and m.quote == "试点"]
    assert doc.raw.index("试点，") in [m.start for m in pilots]
    assert all(any(a <= m.start and m.end == b for a, b in names) or
               not any(a <= m.start and m.end <= b for a, b in names) for m in pilots)


def test_uncurated_names_become_candidates(tiny_matcher):
    linked = _link("支持湖州建设德清物流枢纽和宁波舟山港。", tiny_matcher)
    found = {(c.text, c.rule) for c in linked.candidates}
    assert ("湖州", "place") in found
    assert ("湖州建设德清物流枢纽", "ending:枢纽") not in found  # the verb '建设' ends a name on its left
    assert ("德清物流枢纽", "ending:枢纽") in found
    assert ("宁波舟山港", "ending:港") in found
    huzhou = next(c for c in linked.candidates if c.text == "湖州")
    assert "330500000000" in huzhou.suggestion
    assert linked.document.clean(huzhou.start, huzhou.end) == "湖州"


# --- the national path: provisional names, lists, areas, short forms and cited numbers (real gazetteers) ---------

@pytest.fixture(scope="module")
def real_matcher(gazetteer):
    return Matcher(gazetteer)


def _national(text: str, matcher, year: int | None = None):
    doc = parse_text(f"关于某事的意见\n\n一、部分\n\n（一）{text}\n", "tiny.txt")
    return [m for p in link_document(doc, matcher, national=True, year=year).provisions for m in p.mentions
            if m.kind != "instrument"]


def _extracted(mentions, kind=None):
    return {(m.quote, m.name) for m in mentions if m.origin == "extracted" and (kind is None or m.kind == kind)}


def test_a_name_holds_the_places_in_it(real_matcher):
    found = _national("加快推进宁波舟山港现代化综合性港口建设。", real_matcher)
    assert ("宁波舟山港", "宁波舟山港") in _extracted(found, "project")
    assert {"宁波", "舟山"} <= {m.quote for m in found if m.kind == "region"}, "the places stay linked inside it"


def test_conjuncts_share_the_head_and_the_province_first_is_its_own_place(real_matcher):
    found = _national("加快推进浙江宁海、长龙山和安徽绩溪、金寨抽水蓄能电站建设。", real_matcher)
    assert _extracted(found, "project") == {("宁海", "宁海抽水蓄能电站"), ("长龙山", "长龙山抽水蓄能电站"),
                                            ("绩溪", "绩溪抽水蓄能电站"), ("金寨抽水蓄能电站", "金寨抽水蓄能电站")}
    assert {"浙江", "安徽"} <= {m.quote for m in found if m.kind == "region"}


def test_a_list_before_deng_and_its_head(real_matcher):
    found = _national("加快推进宁马、合宁、京沪等高速公路改扩建。", real_matcher)
    assert _extracted(found, "project") == {("宁马", "宁马高速公路"), ("合宁", "合宁高速公路"), ("京沪", "京沪高速公路")}
    found = _national("加强内河高等级航道网建设。", real_matcher)
    assert not any(m.quote in ("内河高", "级航道网") for m in found), "高等 is no 等 of a list"


def test_a_list_chain_stops_at_an_item_that_names_nothing(real_matcher):
    found = _national("加快建立连接雄安新区与京津及周边其他城市、北京大兴国际机场之间的交通网络。", real_matcher)
    assert _extracted(found, "project") == {("北京大兴国际机场", "北京大兴国际机场")}


def test_categories_and_generic_heads_are_no_names(real_matcher):
    found = _national("支持符合条件的地区建设国家高新技术产业开发区和科技创新重大平台，推动港口航道建设。",
                      real_matcher)
    assert _extracted(found) == set()


def test_enterprises_split_from_the_places_and_the_enterprise_before_them(real_matcher):
    found = _national("2003年5月13日，安徽省淮北矿业（集团）公司芦岭煤矿发生特大瓦斯爆炸事故；"
                      "山西左权县河南村煤矿发生事故。", real_matcher)
    assert {q for q, _ in _extracted(found, "institution")} == {"淮北矿业（集团）公司", "芦岭煤矿", "河南村煤矿"}


def test_bodies_keep_the_verbs_of_their_names(real_matcher):
    found = _national("在京津冀协同发展领导小组统筹指导下推进工作，应征得广州军区同意。", real_matcher)
    assert {q for q, _ in _extracted(found, "institution")} == {"京津冀协同发展领导小组", "广州军区"}


def test_a_quoted_pilot_is_a_name_and_a_bare_pilot_is_not(real_matcher):
    found = _national("在全国开展“无废城市”建设试点，推动试点工作。", real_matcher)
    assert _extracted(found, "project") == {("“无废城市”建设试点", "“无废城市”建设试点")}


def test_reaches_and_surroundings_of_a_water_body(real_matcher):
    found = _national("加强长江上游和环太湖生态治理，统筹长江上下游区域。", real_matcher)
    regions = {m.quote for m in found if m.kind == "region"}
    assert {"长江上游", "环太湖"} <= regions and "长江上下游" not in regions


def test_provinces_named_together_by_abbreviations(real_matcher):
    found = _national("发挥苏浙皖比较优势，深化沪苏长江口港航合作，推进沪苏湖铁路建设，关心港澳同胞。", real_matcher)
    runs = {q for q, _ in _extracted(found, "region")}
    assert {"苏浙皖", "沪苏"} <= runs
    assert not runs & {"港澳"}, "港澳 is mostly an adjective"
    assert not any(m.quote == "沪苏" and m.start == found[0].start for m in found)
    assert ("沪苏湖铁路", "沪苏湖铁路") in _extracted(found, "project"), "沪苏湖: cities, one railway"


def test_a_short_form_in_title_marks_holds_from_its_definition_in_title_marks(real_matcher):
    found = _national("已上报发展规划。按照《某某流域水污染防治规划》（以下简称《规划》）实施，将项目纳入《规划》，"
                      "编制发展规划。", real_matcher)
    documents = [m for m in found if m.kind == "document"]
    assert [m.quote for m in documents] == ["某某流域水污染防治规划", "规划"]
    assert len({m.entity_id for m in documents}) == 1


def test_documents_cited_by_number(real_matcher):
    found = _national("你们关于支持建设示范区的请示（国科发高〔2018〕235号）收悉。按照《国务院关于投资体制改革的决定》"
                      "（国发〔2004〕20号）精神办理。", real_matcher)
    documents = {m.quote: m.entity_id for m in found if m.kind == "document"}
    assert set(documents) == {"国科发高〔2018〕235号", "国务院关于投资体制改革的决定", "国发〔2004〕20号"}
    assert documents["国发〔2004〕20号"] == documents["国务院关于投资体制改革的决定"], "a title's number is that title"


def test_a_division_wins_over_a_composite_it_crosses(real_matcher):
    found = _national("国家对德阳重大技术装备项目已给予支持。", real_matcher)
    assert "germany" not in {m.entity_id for m in found}
    assert "德阳" in {m.quote for m in found if m.kind == "region"}
