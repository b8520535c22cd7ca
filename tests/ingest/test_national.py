"""Tests of the national gazetteer prototype (pytest test_national.py)."""
from __future__ import annotations

import pytest

from graph.ingest import national
from graph.ingest.national import build, entries, match, normalise


def linked(text, **kw):
    """{surface: span} of the accepted, linked spans."""
    return {s.text: s for s in match(text, **kw) if s.id}


def ids(text, **kw):
    return [(s.text, s.id) for s in match(text, **kw)]


# --- building -------------------------------------------------------------------------------------------------

def test_entries_are_six_field_tuples():
    first = next(entries())
    assert first._fields == ("surface", "kind", "id", "code", "parent", "level")


def test_divisions_come_from_jionlp_with_codes_and_parents():
    g = build()
    jiaxing = g.records["cn:330400"]
    assert (jiaxing.name, jiaxing.level, jiaxing.parent) == ("嘉兴市", "prefecture", "cn:330000")
    assert g.records["cn:330000"].name == "浙江省"
    assert g.records["cn:310115"].name == "浦东新区"
    assert jiaxing.lat and jiaxing.lng  # coordinates joined from cpca by code
    towns = [r for r in g.records.values() if r.level == "town"]
    assert len(towns) > 30000
    assert any(r.name == "乍浦镇" and g.records[r.parent].name == "平湖市" for r in towns)


def test_short_forms_in_entries():
    by_surface = {}
    for e in entries():
        by_surface.setdefault(e.surface, set()).add(e.id)
    assert "cn:330400" in by_surface["嘉兴"]
    assert "cn:320500" in by_surface["苏州"]
    assert "cn:310115" in by_surface["浦东"]
    assert "合作" not in by_surface  # 合作市: stop list
    assert "通道" not in by_surface


def test_normalise_is_one_to_one():
    text = "虹桥－昆山—相城–嘉定‐太仓‑a‒b―c-d“引号”‘单’「角」\"x\"（括号）"
    out = normalise(text)
    assert len(out) == len(text)
    assert set(out) & set("－—–‐‑‒―“”‘’「」（）") == set()


def test_offsets_index_the_original_text():
    text = "支持“虹桥—昆山—相城”与嘉兴、宁波合作。"
    for s in match(text):
        assert text[s.start:s.end] == s.text


# --- the cases ----------------------------------------------------------------------------------------

def test_prefecture_short_forms():
    found = linked("长三角城市群包括江苏省南京、南通，浙江省杭州、宁波等。")
    assert found["宁波"].id == "cn:330200"
    assert found["杭州"].id == "cn:330100"
    assert found["南通"].id == "cn:320600"
    assert found["宁波"].level == "prefecture" and found["宁波"].parent == "cn:330000"


def test_countries_with_iso_codes():
    found = linked("加强与德国、新加坡的合作。")
    assert (found["德国"].kind, found["德国"].code) == ("country", "DE")
    assert (found["新加坡"].kind, found["新加坡"].code) == ("country", "SG")


def test_country_long_names_and_short_names():
    found = linked("德意志联邦共和国、大韩民国、韩国、俄罗斯、沙特")
    assert found["德意志联邦共和国"].code == "DE"
    assert found["大韩民国"].code == "KR" and found["韩国"].code == "KR"
    assert found["俄罗斯"].code == "RU"
    assert found["沙特"].code == "SA"


def test_haikou_not_in_chuhaikou():
    assert all(s.text != "海口" for s in match("建设出海口基地。"))
    assert linked("海南省海口市")["海口市"].id == "cn:460100"


def test_nanshan_not_in_zhenan_shanqu():
    assert all("南山" not in s.text for s in match("以皖南－浙西－浙南山区为重点"))


def test_jinshan_yinshan_is_not_a_place():
    assert all(s.kind not in ("division", "local_body") for s in match("绿水青山就是金山银山"))
    assert linked("上海市金山区")["金山区"].id == "cn:310116"


def test_university_is_not_a_region_mention():
    assert "浙江" not in linked("打造浙江大学国际联合学院")
    assert "中山" not in linked("中山大学")
    assert "浙江" in linked("浙江、江苏")


def test_central_bodies():
    text = "人社部、人力资源社会保障部、海关总署、商务部会同发展改革委、国家发改委"
    found = linked(text)
    assert found["人社部"].id == found["人力资源社会保障部"].id == "cgov:mohrss"
    assert found["海关总署"].id == "cgov:gac"
    assert found["商务部"].id == "cgov:mofcom"
    assert found["发展改革委"].id == found["国家发改委"].id == "cgov:ndrc"
    assert all(found[k].kind == "central_body" for k in found)


def test_departments_are_not_the_ministry():
    assert "商务部" not in linked("各级商务部门")
    assert "发展改革委" not in linked("省发展改革委")  # a provincial body, not the NDRC


def test_local_body_with_parent():
    spans = match("河北省人民政府、国家发展改革委：")
    body = spans[0]
    assert (body.text, body.kind) == ("河北省人民政府", "local_body")
    assert body.parent == "cn:130000" and build().name(body.parent) == "河北省"
    assert spans[1].id == "cgov:ndrc"
    assert linked("浙江省发展改革委")["浙江省发展改革委"].parent == "cn:330000"
    assert linked("广西壮族自治区人民政府")["广西壮族自治区人民政府"].parent == "cn:450000"


def test_ambiguous_gulou_not_linked_without_context():
    spans = [s for s in match("鼓楼区") if s.text == "鼓楼区"]
    assert spans and all(s.id is None for s in spans)
    assert len(spans[0].candidates) >= 4
    assert linked("江苏省南京市鼓楼区")["鼓楼区"].id == "cn:320106"
    assert linked("福建省福州市鼓楼区")["鼓楼区"].id == "cn:350102"


def test_level_preference_for_shared_short_forms():
    # 朝阳: 朝阳市 (Liaoning, prefecture) over the 朝阳区 districts, unless Beijing is named nearby
    assert linked("朝阳")["朝阳"].id == "cn:211300"
    assert linked("北京市朝阳区")["朝阳区"].id == "cn:110105"


def test_county_short_forms_need_support():
    assert "和政" not in linked("政府债券发行和政府融资平台")  # 和政县 inside 和政府
    assert "安新" not in linked("河北雄安新区")
    assert linked("上海青浦、江苏吴江、浙江嘉善")["吴江"].id == "cn:320509"
    assert linked("嘉定－昆山－太仓")["嘉定"].id == "cn:310114"  # a list of places
    assert linked("浦东")["浦东"].id == "cn:310115"  # allow-listed
    assert linked("德清")["德清"].id == "cn:330521"
    assert "东湖" not in linked("湖北省武汉东湖新技术开发区")  # 东湖区 is in Nanchang


def test_segmentation_check_for_countries():
    assert "海地" not in linked("江苏沿海地区发展")
    assert linked("日本政府已允诺")["日本"].code == "JP"


def test_year_picks_the_body_of_the_time():
    assert linked("国家计委、财政部", year=1996)["国家计委"].id == "cgov:spc"
    assert linked("国家计委、财政部", year=2001)["国家计委"].id == "cgov:sdpc"
    assert linked("广电总局", year=2005)["广电总局"].id == "cgov:sarft"
    assert linked("广电总局")["广电总局"].id == "cgov:nrta"  # no year: the body that exists now


def test_historical_divisions():
    g = build()
    old = [r for r in g.records.values() if r.name == "襄樊市"]
    assert old and old[0].status == "historical"


def test_towns_need_their_county():
    assert linked("湖北省巴东县官渡口镇")["官渡口镇"].parent == "cn:422823"
    assert "小城镇" not in linked("分类打造特色小城镇")


@pytest.mark.parametrize("text", ["", "abc", "。。", "国"])
def test_degenerate_inputs(text):
    assert isinstance(match(text), list)


def test_central_bodies_yaml_is_consistent():
    import yaml

    data = yaml.safe_load(open(national.CENTRAL_FILE, encoding="utf-8"))
    seen = set()
    for item in data["bodies"]:
        assert item["id"] not in seen
        seen.add(item["id"])
        for key in ("id", "name", "en", "category", "source", "status"):
            assert item.get(key), (item["id"], key)
        assert item["status"] in ("verified-secondary", "unverified")
    categories = [b["category"] for b in data["bodies"] if (b.get("years") or [None, None])[1] is None]
    assert categories.count("组成部门") == 26
    assert categories.count("直属特设机构") == 1
    assert categories.count("直属机构") == 14
    assert categories.count("部委管理的国家局") == 17


# --- named areas, local bodies of the 2000s, 2004 short forms ---------------------------------------------------

def test_named_areas_that_are_no_division():
    found = linked("推动雄安新区建设，加强苏北、皖北、浙西南与长江、太湖的保护，支持大别山革命老区。")
    assert found["雄安新区"].id == "area:xiongan" and found["雄安新区"].kind == "area"
    assert {found[s].id for s in ("苏北", "皖北", "浙西南")} == {
        "area:320000-north", "area:340000-north", "area:330000-southwest"}
    assert {found[s].id for s in ("长江", "太湖", "大别山")} == {"area:yangtze", "area:taihu", "area:dabie-mountains"}
    assert "安新" not in linked("河北雄安新区"), "a new area is one name, not 安新县 inside it"


def test_generated_areas_never_shadow_a_division():
    g = build()
    assert {g.records[f.record_id].kind for f in g.forms["晋中"]} == {"division"}, "晋中市, not 'central Shanxi'"
    assert all(g.records[r].parent or g.records[r].members for r in g.records if r.startswith("area:"))


def test_local_bodies_of_the_2000s_and_the_party_committee():
    found = linked("同意广东省气象局的请示，大同市煤炭工业局、河北省委和省政府负责。")
    assert found["广东省气象局"].kind == "local_body" and found["广东省气象局"].id == "local:440000:meteorology"
    assert found["大同市煤炭工业局"].kind == "local_body"
    assert found["河北省委"].id == "local:130000:party-committee"
    assert "河北省委托" not in linked("由河北省委托有关单位办理。"), "委托 is 'entrust'"


def test_short_forms_of_2004_bodies():
    found = linked("西部开发办、振兴东北办会同林业局、扶贫办研究。", year=2004)
    assert {found[s].id for s in ("西部开发办", "振兴东北办", "林业局", "扶贫办")} == {
        "cgov:wdo", "cgov:neo", "cgov:sfa", "cgov:lgop"}
    assert "林业局" not in linked("省林业局负责。"), "a province's bureau, not the central one"
