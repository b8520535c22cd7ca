"""graph.ingest.gazetteer: the real entity files load and agree with facts.md and the source text; bad data is refused
with the right file and line (fixtures written in tmp_path, one small folder per case)."""
from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest

from graph.ingest import gazetteer as gz
from graph.ingest.gazetteer import DataError, load_gazetteer

ROOT = Path(__file__).resolve().parents[2]
ENTITIES = ROOT / "data" / "entities"
SOURCE = ROOT / "data" / "sources" / "hongqiao-open-hub-measures-2023.txt"
FACTS = ROOT.parent / "shared" / "reference" / "facts.md"


@pytest.fixture(scope="module")
def gaz():
    return load_gazetteer(ENTITIES)


@pytest.fixture(scope="module")
def clean_text() -> str:
    """The source with PDF line breaks and page-break spaces removed."""
    return re.sub(r"\s+", "", SOURCE.read_text(encoding="utf-8"))


# --- the real data ------------------------------------------------------------------------------------------------

def test_counts_per_kind(gaz):
    kinds = Counter(e.kind for e in gaz.entities.values())
    assert kinds == {"region": 47, "project": 17, "institution": 28, "instrument": 49, "document": 4}, kinds
    assert len(gaz.composites) == 11
    assert list(gaz.entities) == sorted(gaz.entities), "entities must be sorted by id"


def test_counts_per_type(gaz):
    types = Counter(e.type for e in gaz.entities.values())
    assert types["Country"] == 3  # China, and Germany and Singapore as partners
    assert types["ProvinceLevelRegion"] == 4
    assert types["PrefectureLevelCity"] == 7
    assert types["Town"] == 1
    assert types["BondedZone"] == 1
    assert types["PolicyArea"] == 9
    assert types["Railway"] == 4
    assert types["InstrumentType"] == 19
    assert types["PolicyInstrument"] == 30
    assert sum(1 for e in gaz.of_kind("instrument") if e.top_of_scheme) == 3


def test_every_region_reaches_prc(gaz):
    def reaches(region_id: str, seen: frozenset = frozenset()) -> bool:
        region = gaz.entities[region_id]
        if region_id == "prc" or "prc" in gaz.ancestors(region_id):
            return True
        return bool(region.members) and all(reaches(m, seen | {region_id}) for m in region.members
                                            if m not in seen)

    stray = [e.id for e in gaz.of_kind("region") if e.type != "Country" and not reaches(e.id)]
    assert not stray, f"regions that reach PRC neither through parents nor members: {stray}"


def test_ancestors_nearest_first(gaz):
    assert gaz.ancestors("zhapu") == ["pinghu", "jiaxing", "zhejiang", "prc"]
    assert gaz.ancestors("kunshan") == ["suzhou", "jiangsu", "prc"]
    assert gaz.ancestors("prc") == []


def test_hand_checked_codes_and_qids(gaz):
    e = gaz.entities
    assert (e["suzhou"].code, e["suzhou"].wikidata) == ("320500", "Q42622")
    assert (e["kunshan"].code, e["kunshan"].wikidata) == ("320583", None)
    assert (e["shanghai"].code, e["shanghai"].wikidata) == ("310000", "Q8686")
    assert e["prc"].wikidata == "Q148" and e["prc"].code is None
    assert (e["suzhou-industrial-park"].code, e["suzhou-industrial-park"].stats_code) == (None, "320576")
    assert (e["zhapu"].code, e["zhapu"].stats_code) == (None, "330482101")


def _facts_rows() -> list[dict[str, str]]:
    """The table of facts.md §3 ("Places named in the source") as dicts."""
    text = FACTS.read_text(encoding="utf-8")
    section = text.split("## 3.", 1)[1].split("\n### 3a", 1)[0]
    lines = [line for line in section.splitlines() if line.startswith("|")]
    header = [cell.strip() for cell in lines[0].strip("|").split("|")]
    rows = []
    for line in lines[2:]:
        cells = [cell.strip() for cell in line.strip("|").split("|")]
        rows.append(dict(zip(header, cells)))
    return rows


@pytest.mark.skipif(not FACTS.is_file(), reason="facts.md is not beside the repository")
def test_codes_and_qids_equal_facts(gaz):
    by_zh = {e.zh: e for e in gaz.of_kind("region")}
    checked: set[str] = set()
    for row in _facts_rows():
        names = [n.strip() for n in row["Standard name"].split(" / ")]
        codes_cell = row["Code (GB/T 2260)"]
        codes = codes_cell.split(" / ") if re.fullmatch(r"\d{6}( / \d{6})*", codes_cell) else [None] * len(names)
        qid = row["Wikidata"] if re.fullmatch(r"Q\d+", row["Wikidata"]) else None
        for name, code in zip(names, codes):
            entity = by_zh.get(name)
            if entity is None:
                continue
            checked.add(entity.id)
            # facts.md's code column also holds NBS statistical codes where its status says so ("VERIFIED (NBS
            # 2023; only 340207 is also in the 2019 GB/T list)"): those are stats_code, not GB/T 2260 codes.
            nbs_only = code is not None and "NBS" in row.get("Status", "") and entity.code is None
            stored = entity.stats_code if nbs_only else entity.code
            assert stored == code, f"{entity.id}: code {entity.code} / stats_code {entity.stats_code} but facts.md says {code}"
            assert entity.wikidata == qid, f"{entity.id}: wikidata {entity.wikidata} but facts.md says {qid}"
    with_ids = {e.id for e in gaz.of_kind("region") if e.code or e.stats_code or e.wikidata}
    assert with_ids <= checked, f"codes or QIDs not backed by a facts.md row: {sorted(with_ids - checked)}"
    assert len(checked) >= 35


# Entities none of whose surface forms occurs in the source text, and why.
NOT_IN_TEXT = {
    "prc": "the root of the region tree; the text never names the country",
    "germany": "named only through the composites 中德 and 对德 (measure 14)",
    "singapore": "named only through the composite 中新 (measure 14)",
    "ndrc": "document metadata only (issuer)",
    "nhc": "document metadata only (issuer of a cited document)",
    "nmpa": "document metadata only (issuer of a cited document)",
    "hangzhou": "reached only through the composite 沪乍杭 and railway `connects`",
    "ningbo": "reached only through the composite 通苏嘉甬 and railway `connects`",
    "nantong": "reached only through the composites 通苏嘉甬 and 沪苏通 and railway `connects`",
    "zhapu": "reached only through the composite 沪乍杭 and railway `connects`",
    "jiading": "reached only through the composite 嘉昆太; a hub and belt member",
    "fengxian": "a station district of 沪苏通铁路二期 (`connects`)",
    "changning": "a hub and belt member (master plan) and a district of 虹桥商务区",
    "minhang": "a hub and belt member (master plan) and a district of 虹桥商务区",
    "qingpu": "a district of 虹桥商务区 and of the demonstration zone",
    "songjiang": "a hub and belt member (master plan)",
    "nanhu": "a hub and belt member (master plan)",
    "haiyan": "a hub and belt member (master plan); on 金山至平湖市域铁路",
    "haining": "a hub and belt member (master plan)",
    "north-expansion-belt": "named only in the composites 北向、南向拓展带 and 两带",
    "wujiang": "a member of the demonstration zone and its data-centre cluster",
    "jiashan": "a member of the demonstration zone and its data-centre cluster",
    "xiuzhou": "location of 嘉兴航空联运中心",
    "wanzhi": "location of 芜湖航空货运枢纽",
    "jiujiang-wuhu": "location of 芜湖数据中心集群",
    "yijiang": "location of 芜湖数据中心集群",
    "wuwei-wuhu": "location of 芜湖数据中心集群",
}


def test_aliases_occur_in_source(gaz, clean_text):
    missing = [(e.id, alias) for e in gaz.entities.values() if e.id not in NOT_IN_TEXT
               for alias in e.aliases if alias not in clean_text]
    assert not missing, f"aliases that the source text does not use: {missing}"


def test_every_entity_named_in_source_or_allowed(gaz, clean_text):
    """Each entity has a surface form in the text (its zh label may be a standard name the text shortens),
    except InstrumentType concepts (the analytical scheme) and the allowed list above."""
    unnamed = [e.id for e in gaz.entities.values()
               if e.type != "InstrumentType" and e.id not in NOT_IN_TEXT
               and not any(form in clean_text for form in e.surface_forms())]
    assert not unnamed, f"entities the source never names (add to NOT_IN_TEXT with a reason?): {unnamed}"
    stale = [i for i in NOT_IN_TEXT if any(f in clean_text for f in gaz.entities[i].surface_forms())]
    assert not stale, f"allowed as absent but named in the text: {stale}"


def test_composite_forms_occur_in_source(gaz, clean_text):
    missing = [form for form in gaz.composites if form not in clean_text]
    assert not missing, f"composite forms not in the source text: {missing}"


def test_every_measure_reached_by_an_instrument(gaz, clean_text):
    numerals = ("一 二 三 四 五 六 七 八 九 十 十一 十二 十三 十四 十五 十六 十七 十八 十九 二十 "
                "二十一 二十二 二十三 二十四").split()
    starts = [clean_text.index(f"（{n}）") for n in numerals] + [len(clean_text)]
    forms = [f for e in gaz.of_kind("instrument") if e.type == "PolicyInstrument" for f in e.surface_forms()]
    bare = [i + 1 for i in range(24) if not any(f in clean_text[starts[i]:starts[i + 1]] for f in forms)]
    assert not bare, f"measures no PolicyInstrument surface form reaches: {bare}"


def test_instruments_are_complete(gaz):
    for e in gaz.of_kind("instrument"):
        assert e.definition_zh and e.definition_en, e.id
        if e.type == "PolicyInstrument":
            assert e.broader and all(gaz.entities[b].type == "InstrumentType" for b in e.broader), e.id
    tops = {e.id for e in gaz.of_kind("instrument") if e.top_of_scheme}
    assert tops == {"supply-side", "environmental", "demand-side"}


def test_no_surface_form_shared_across_kinds(gaz):
    owners: dict[str, set[str]] = {}
    for e in gaz.entities.values():
        for form in e.surface_forms():
            owners.setdefault(form, set()).add(e.id)
    shared = {form: ids for form, ids in owners.items() if len(ids) > 1}
    assert not shared, shared


def test_no_bare_hongqiao_alias(gaz):
    assert "虹桥" not in {f for e in gaz.entities.values() for f in e.surface_forms()}


def test_composites(gaz):
    assert gaz.composites["嘉昆太"].expands_to == ("jiading", "kunshan", "taicang")
    assert gaz.composites["通苏嘉甬"].expands_to == ("nantong", "suzhou", "jiaxing", "ningbo")
    assert gaz.composites["沪苏通"].status == "unverified"
    assert "沪平盐" not in gaz.composites  # verified, but not in the source


def test_documents(gaz):
    doc = gaz.document_for_source("hongqiao-open-hub-measures-2023.txt")
    assert doc is not None and doc.id == "hongqiao-open-hub-measures-2023"
    assert doc.publisher == ("ndrc",) and doc.date_public == "2023-08-16"
    assert len(doc.cites) == 3
    assert gaz.document_for_source("data/sources/hongqiao-open-hub-measures-2023.txt") is doc
    assert gaz.document_for_source("other.txt") is None
    assert gaz.entities["high-tech-enterprise-recognition-measures-2016"].publisher == ()  # issuers unverified


def test_coordinates_from_cpca(gaz):
    kunshan = gaz.entities["kunshan"]
    assert kunshan.coordinate_source == "cpca adcodes.csv"
    assert 120 < kunshan.lon < 121.5 and 31 < kunshan.lat < 31.6
    assert gaz.entities["yijiang"].lon is None  # 340209 is newer than cpca's table
    assert gaz.entities["hongqiao-cbd"].lon is None


def test_surface_forms_dedup_in_order(gaz):
    assert gaz.entities["suzhou"].surface_forms() == ("苏州市", "苏州")


def test_places(gaz):
    assert [p.code for p in gaz.places["湖州"]] == ["330500000000"]
    assert gaz.places["湖州市"][0].short == "湖州"
    assert "苏州" not in gaz.places and "苏州市" not in gaz.places  # curated
    assert "吴江" not in gaz.places  # the row of a curated region is skipped under both names
    assert {p.name for p in gaz.places["吉林"]} == {"吉林省", "吉林市"}
    assert [p.name for p in gaz.places["延边"]] == ["延边朝鲜族自治州"]
    assert "市辖区" not in gaz.places
    assert load_gazetteer(ENTITIES, with_places=False).places == {}


def test_cpca_missing_is_a_clear_error(monkeypatch):
    gz._adcodes.cache_clear()
    monkeypatch.setattr(gz.importlib.util, "find_spec", lambda name: None)
    try:
        with pytest.raises(RuntimeError, match="cpca"):
            load_gazetteer(ENTITIES)
    finally:
        monkeypatch.undo()
        gz._adcodes.cache_clear()


# --- bad data: each case is a tiny folder; the line marked '#!' is where the error must point ---------------------

BASE = {
    "regions.yaml": """\
- id: prc
  type: Country
  zh: 中华人民共和国
  en: People's Republic of China
  status: verified
- id: shanghai
  type: ProvinceLevelRegion
  zh: 上海市
  en: Shanghai
  aliases: [上海]
  parent: prc
  code: "310000"
  status: verified
- id: hub
  type: PolicyArea
  zh: 枢纽
  en: Hub
  members: [shanghai]
  status: verified
""",
    "institutions.yaml": """\
- id: ndrc
  type: GovernmentBody
  zh: 国家发展和改革委员会
  en: NDRC
  status: verified
""",
    "instruments.yaml": """\
- id: supply-side
  type: InstrumentType
  zh: 供给型政策工具
  en: Supply-side
  top_of_scheme: true
  definition_zh: 供给。
  definition_en: Supply.
  status: unverified
- id: pilot
  type: PolicyInstrument
  zh: 试点
  en: Pilot
  broader: [supply-side]
  definition_zh: 试点。
  definition_en: Pilot.
  status: verified
""",
    "documents.yaml": """\
- id: doc
  type: PolicyDocument
  zh: 文件
  en: Document
  publisher: [ndrc]
  date_public: 2023-08-16
  source_file: doc.txt
  status: verified
""",
    "composites.yaml": """\
- form: 沪沪
  expands_to: [shanghai, hub]
  status: unverified
""",
}

# case name -> (file, text appended to that file's base text, or a full replacement when it starts with '!')
CASES = {
    "unknown-field": ("regions.yaml", "- id: x\n  type: Town\n  zh: 乙\n  en: X\n  parent: prc\n"
                                      "  colour: red  #!\n  status: verified\n"),
    "missing-required": ("regions.yaml", "- id: x  #!\n  type: Town\n  zh: 乙\n  parent: prc\n  status: verified\n"),
    "bad-id": ("regions.yaml", "- id: Bad_Id  #!\n  type: Town\n  zh: 乙\n  en: X\n  parent: prc\n"
                               "  status: verified\n"),
    "duplicate-id-across-files": ("projects.yaml", "!- id: shanghai  #!\n  type: Railway\n  zh: 铁路\n  en: R\n"
                                                   "  status: verified\n"),
    "type-not-allowed": ("regions.yaml", "- id: x\n  type: Railway  #!\n  zh: 乙\n  en: X\n  status: verified\n"),
    "unknown-parent": ("regions.yaml", "- id: x\n  type: Town\n  zh: 乙\n  en: X\n  parent: atlantis  #!\n"
                                       "  status: verified\n"),
    "wrong-kind-reference": ("projects.yaml", "!- id: r\n  type: Railway\n  zh: 铁路\n  en: R\n"
                                              "  connects: [shanghai]\n  located_in: [ndrc]  #!\n"
                                              "  status: verified\n"),
    "parent-cycle": ("regions.yaml", "- id: a\n  type: Town\n  zh: 甲\n  en: A\n  parent: b\n  status: verified\n"
                                     "- id: b\n  type: Town\n  zh: 乙\n  en: B\n  parent: a  #!\n"
                                     "  status: verified\n"),
    "code-not-6-digits": ("regions.yaml", "- id: x\n  type: Town\n  zh: 乙\n  en: X\n  parent: prc\n"
                                          "  code: \"31000\"  #!\n  status: verified\n"),
    "bad-stats-code": ("regions.yaml", "- id: x\n  type: Town\n  zh: 乙\n  en: X\n  parent: prc\n"
                                       "  stats_code: \"1234567\"  #!\n  status: verified\n"),
    "bad-wikidata": ("regions.yaml", "- id: x\n  type: Town\n  zh: 乙\n  en: X\n  parent: prc\n"
                                     "  wikidata: P31  #!\n  status: verified\n"),
    "bad-status": ("regions.yaml", "- id: x\n  type: Town\n  zh: 乙\n  en: X\n  parent: prc\n"
                                   "  status: maybe  #!\n"),
    "ambiguous-surface-form": ("regions.yaml", "- id: x\n  type: Town\n  zh: 乙\n  en: X\n  aliases: [上海]  #!\n"
                                               "  parent: prc\n  status: verified\n"),
    "yaml-syntax-error": ("regions.yaml", "- id: x\n  type: Town\n  zh: 乙\n    en: X  #!\n"),
    "duplicate-field": ("regions.yaml", "- id: x\n  type: Town\n  zh: 乙\n  en: X\n  zh: 丙  #!\n  parent: prc\n"
                                        "  status: verified\n"),
    "members-of-non-policy-area": ("regions.yaml", "- id: x\n  type: Town\n  zh: 乙\n  en: X\n  parent: prc\n"
                                                   "  members: [shanghai]  #!\n  status: verified\n"),
    "unknown-broader": ("instruments.yaml", "- id: x\n  type: PolicyInstrument\n  zh: 乙\n  en: X\n"
                                            "  broader: [shanghai]  #!\n  definition_zh: 乙。\n"
                                            "  definition_en: X.\n  status: verified\n"),
    "unknown-publisher": ("documents.yaml", "- id: d2\n  type: PolicyDocument\n  zh: 乙\n  en: X\n"
                                            "  publisher: [nobody]  #!\n  status: verified\n"),
    "cites-a-region": ("documents.yaml", "- id: d2\n  type: PolicyDocument\n  zh: 乙\n  en: X\n"
                                         "  cites: [shanghai]  #!\n  status: verified\n"),
    "field-of-another-kind": ("institutions.yaml", "- id: x\n  type: Event\n  zh: 乙\n  en: X\n"
                                                   "  code: \"310000\"  #!\n  status: verified\n"),
    "composite-unknown-id": ("composites.yaml", "- form: 沪乙\n  expands_to: [shanghai, atlantis]  #!\n"
                                                "  status: verified\n"),
    "composite-duplicate-form": ("composites.yaml", "- form: 沪沪  #!\n  expands_to: [shanghai]\n"
                                                    "  status: verified\n"),
    "composite-form-is-an-alias": ("composites.yaml", "- form: 上海  #!\n  expands_to: [shanghai]\n"
                                                      "  status: verified\n"),
    "not-a-list": ("institutions.yaml", "!id: x  #!\ntype: Event\n"),
}


def _write_case(folder: Path, case: str) -> Path:
    """Write BASE plus the case into folder; return the path of the file that holds the error."""
    folder.mkdir()
    files = dict(BASE)
    name, text = CASES[case]
    files[name] = text[1:] if text.startswith("!") else files.get(name, "") + text
    for filename, content in files.items():
        (folder / filename).write_text(content, encoding="utf-8")
    return folder / name


def test_base_fixture_loads(tmp_path):
    folder = tmp_path / "base"
    folder.mkdir()
    for filename, content in BASE.items():
        (folder / filename).write_text(content, encoding="utf-8")
    g = load_gazetteer(folder, with_places=False)
    assert set(g.entities) == {"prc", "shanghai", "hub", "ndrc", "supply-side", "pilot", "doc"}
    assert g.entities["doc"].date_public == "2023-08-16"
    assert g.entities["shanghai"].lon is not None
    assert g.entities["shanghai"].file == str(folder / "regions.yaml") and g.entities["shanghai"].line == 6


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_data_names_file_and_line(tmp_path, case):
    path = _write_case(tmp_path / case, case)
    expected_line = next(i for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
                         if "#!" in line)
    with pytest.raises(DataError) as info:
        load_gazetteer(path.parent, with_places=False)
    error = info.value
    assert (error.file, error.line) == (str(path), expected_line), f"{case}: {error}"
    assert str(error) == f"{error.file}:{error.line}: {error.message}"


def test_error_messages_say_what_is_wrong(tmp_path):
    expectations = {"unknown-field": "unknown field 'colour'", "parent-cycle": "cycle",
                    "ambiguous-surface-form": "ambiguous", "wrong-kind-reference": "not a region",
                    "yaml-syntax-error": "YAML syntax error", "missing-required": "'en'"}
    for case, words in expectations.items():
        path = _write_case(tmp_path / case, case)
        with pytest.raises(DataError, match=re.escape(words)):
            load_gazetteer(path.parent, with_places=False)


def test_missing_folder(tmp_path):
    with pytest.raises(FileNotFoundError):
        load_gazetteer(tmp_path / "nowhere")
    with pytest.raises(FileNotFoundError):
        load_gazetteer(tmp_path)


FIELD_ORDER = ("id", "type", "zh", "en", "aliases", "parent", "members", "located_in", "connects", "broader",
               "top_of_scheme", "definition_zh", "definition_en", "code", "stats_code", "wikidata", "publisher",
               "date_public", "cites", "source_file", "title_en", "sources", "status", "note")
COMPOSITE_ORDER = ("id", "form", "expands_to", "sources", "status", "note")


@pytest.mark.parametrize("name", [*gz.KIND_FILES.values(), gz.COMPOSITES_FILE])
def test_files_have_a_heading_and_keys_in_one_order(name):
    import yaml

    path = ENTITIES / name
    text = path.read_text(encoding="utf-8")
    assert text.startswith("# "), f"{name} should open with a short comment"
    order = COMPOSITE_ORDER if name == gz.COMPOSITES_FILE else FIELD_ORDER
    for item in yaml.safe_load(text):
        keys = list(item)
        assert keys == sorted(keys, key=order.index), f"{name}: {item.get('id') or item.get('form')}: {keys}"
