"""A national gazetteer for linking places, countries and central government bodies in Chinese policy texts.

Prototype (scratch). Everything is built in memory, at first use, from maintained data packages plus three small
curated YAML files beside this module:

  divisions     jionlp's location dictionary (china_location.zip: province / prefecture / county with 6-digit
                codes and short names; towns by name only), read straight from the zip without importing jionlp;
                its change list (china_location_change.txt) for renamed and abolished divisions; cpca's
                adcodes.csv for coordinates, and for the older codes that jionlp no longer lists.
  countries     babel's CLDR territory names for zh (the common short names: 德国, 韩国), the zh_CN gettext
                translations that pycountry ships for ISO 3166-1 (names, official names: 德意志联邦共和国), and
                jionlp's world_location.txt (沙特, 阿联酋); ISO 3166-1 alpha-2 codes from pycountry.
  central_bodies.yaml      the State Council's bodies, current and historical, with their short forms (curated).
  local_bodies.yaml        the endings that make a local body from a division's name (X省人民政府, X市发展改革委).
  short_form_stoplist.yaml short forms never used, blocker strings and the context guards (curated).

Public API: entries() yields Entry(surface, kind, id, code, parent, level); match(text) returns Span objects
with code-point offsets into the text as given. normalise() maps dash and quote variants one code point to one
code point, so that offsets found in the normalised text are offsets into the original.
"""
from __future__ import annotations

import csv
import gettext
import importlib.util
import re
import zipfile
from collections import defaultdict
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Iterator, NamedTuple

import ahocorasick
import yaml

from graph import resources

HERE = resources.ENTITIES / "national"
CENTRAL_FILE = HERE / "central-bodies.yaml"
LOCAL_FILE = HERE / "local-bodies.yaml"
STOPLIST_FILE = HERE / "short-form-stoplist.yaml"
AREAS_FILE = HERE / "areas.yaml"
DIRECTIONS_EN = {"东": "east", "南": "south", "西": "west", "北": "north", "中": "central", "东北": "northeast",
                 "东南": "southeast", "西北": "northwest", "西南": "southwest"}

LEVEL_RANK = {"country": 0, "province": 1, "prefecture": 2, "county": 3, "town": 4}
# Endings stripped to make a short form, longest first (used to check jionlp's own short names and to make
# short forms of the older divisions that only cpca or the change list have).
SUFFIXES = ("特别行政区", "自治区", "自治州", "自治县", "自治旗", "新区", "地区", "林区", "省", "市", "区", "县", "盟",
            "旗")
# Town-level names kept: those ending in one of these (jionlp also lists farms, prisons, parks…).
TOWN_ENDINGS = ("镇", "乡", "街道", "苏木")
CONTEXT_WINDOW = 80  # characters either side in which a named parent disambiguates a division
LEXICON_MAX = 6  # longest general word used by the segmentation check
SEGMENT_REACH = 6  # characters either side of a candidate looked at by the segmentation check
SEGMENT_MARGIN = 0.5  # how much worse (in idf units) keeping the name as a word may be than the best split
UNKNOWN_CHAR_COST = 15.0  # a character the lexicon does not have
PLACE_COST = 9.0  # a name the lexicon does not have (about the idf of 嘉兴, 8.7)
ENUMERATION = "、-,，和与及"  # a division next to another one across one of these is in a list of places

# --- normalisation ------------------------------------------------------------------------------------------

_DASHES = "－—–‐‑‒―"
_QUOTES = "“”‘’「」『』＂"
_NORMAL = str.maketrans({**{c: "-" for c in _DASHES}, **{c: '"' for c in _QUOTES}, "（": "(", "）": ")"})


def normalise(text: str) -> str:
    """Dash variants to '-', quote variants to '"', full-width parentheses to ASCII; same length as the input."""
    out = text.translate(_NORMAL)
    assert len(out) == len(text)
    return out


# --- records --------------------------------------------------------------------------------------------------

class Entry(NamedTuple):
    surface: str
    kind: str  # division | country | world_region | central_body
    id: str
    code: str | None
    parent: str | None
    level: str


@dataclass
class Record:
    id: str
    kind: str
    name: str
    code: str | None
    parent: str | None
    level: str
    en: str | None = None
    lat: float | None = None
    lng: float | None = None
    years: tuple[int | None, int | None] = (None, None)  # first and last year it existed, where known
    status: str = "current"  # current | historical | unverified | verified-secondary…
    source: str = ""
    note: str | None = None
    successor: str | None = None
    members: tuple[str, ...] = ()  # for an area of several provinces: their record ids


@dataclass(frozen=True)
class Form:
    record_id: str
    form: str  # full | short | alias | historical


@dataclass
class Span:
    start: int
    end: int
    text: str  # the original text's characters
    kind: str  # division | country | world_region | central_body | local_body
    id: str | None  # None when ambiguous
    code: str | None
    parent: str | None
    level: str | None
    candidates: tuple[str, ...] = ()
    rule: str = ""  # how it was linked: full, short, alias, context:<parent id>, rank, local:<ending>…
    accepted: bool = True
    reason: str = ""  # why a rejected span was rejected (with explain=True)
    local_ending: str | None = None  # for a local body: the id of its ending in local_bodies.yaml


@dataclass
class Gazetteer:
    records: dict[str, Record] = field(default_factory=dict)
    forms: dict[str, list[Form]] = field(default_factory=lambda: defaultdict(list))
    blockers: dict[str, str] = field(default_factory=dict)  # surface -> reason
    continuations: list[dict] = field(default_factory=list)
    central_left_local: str = ""
    local_endings: list[tuple[str, str, str]] = field(default_factory=list)  # (ending, slug, en)
    local_unless: dict[str, str] = field(default_factory=dict)  # ending -> characters after it that undo it
    automaton: ahocorasick.Automaton | None = None
    lexicon: dict[str, float] = field(default_factory=dict)
    needs_parent: dict[str, str] = field(default_factory=dict)  # surface -> reason
    standalone: dict[str, str] = field(default_factory=dict)  # county-level short forms safe on their own
    stats: dict = field(default_factory=dict)

    def name(self, record_id: str | None) -> str | None:
        return self.records[record_id].name if record_id in self.records else None

    def ancestors(self, record_id: str) -> list[str]:
        chain, seen = [], set()
        parent = self.records[record_id].parent
        while parent and parent in self.records and parent not in seen:
            chain.append(parent)
            seen.add(parent)
            parent = self.records[parent].parent
        return chain


# --- package data ---------------------------------------------------------------------------------------------

def _package_dir(name: str) -> Path:
    """Where an installed package lives, found without importing it (jionlp's import loads a segmenter and
    unzips 57 MB of dictionaries into its own folder)."""
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError(f"the package {name!r} is required (pip install {name})")
    return Path(list(spec.submodule_search_locations)[0])


def _jionlp_location_lines() -> list[str]:
    folder = _package_dir("jionlp") / "dictionary"
    with zipfile.ZipFile(folder / "china_location.zip") as archive:
        return archive.read("china_location.txt").decode("utf-8").splitlines()


def _jionlp_changes() -> list[str]:
    path = _package_dir("jionlp") / "dictionary" / "china_location_change.txt"
    return path.read_text(encoding="utf-8").splitlines()


def _jionlp_world() -> list[list[str]]:
    path = _package_dir("jionlp") / "dictionary" / "world_location.txt"
    return [line.split("\t") for line in path.read_text(encoding="utf-8").splitlines() if "\t" in line]


def _jionlp_idf() -> dict[str, float]:
    """jionlp's idf.txt (270k words with an inverse document frequency): the general lexicon for the
    segmentation check. Lower = more frequent."""
    with zipfile.ZipFile(_package_dir("jionlp") / "dictionary" / "idf.zip") as archive:
        text = archive.read("idf.txt").decode("utf-8")
    lexicon = {}
    for line in text.splitlines():
        word, _, value = line.partition("\t")
        if word and len(word) <= LEXICON_MAX and value:
            lexicon[word] = float(value)
    return lexicon


def _cpca_rows() -> list[dict]:
    path = _package_dir("cpca") / "resources" / "adcodes.csv"
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _level_of_code(code: str) -> str:
    if code.endswith("0000"):
        return "province"
    if code.endswith("00"):
        return "prefecture"
    return "county"


def short_form(name: str) -> str | None:
    """浦东新区 -> 浦东, 嘉兴市 -> 嘉兴; None when the remainder would be shorter than 2 characters."""
    for suffix in SUFFIXES:
        if name.endswith(suffix):
            rest = name[: -len(suffix)]
            return rest if len(rest) >= 2 else None
    return None


def _load_yaml(path: Path):
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    return yaml.load(path.read_text(encoding="utf-8"), Loader=loader)


# --- building -------------------------------------------------------------------------------------------------

def _add(g: Gazetteer, surface: str, record_id: str, form: str) -> None:
    surface = normalise(surface.strip())
    if len(surface) < 2:
        return
    if all(f.record_id != record_id for f in g.forms[surface]):
        g.forms[surface].append(Form(record_id, form))


def _build_divisions(g: Gazetteer, stop: dict) -> None:
    stop_short = stop["short"]
    stop_full = stop["full"]
    province = prefecture = county = None
    placeholder = ("省直辖行政区划", "市直辖行政区划", "自治区直辖县级行政区划")
    functional = 0
    towns: dict[str, str] = {}
    jionlp_short_differs = 0
    for line in _jionlp_location_lines():
        if line.startswith("\t\t\t\t"):  # villages and communities (660k lines): not used
            continue
        depth = len(line) - len(line.lstrip("\t"))
        fields = line.strip().split("\t")
        if depth <= 2:
            if len(fields) == 3:
                name, code, alias = fields
            else:  # Taiwan's districts have no code
                name, code, alias = fields[0], None, None
            if depth == 0:
                rid = f"cn:{code}"
                g.records[rid] = Record(rid, "division", name, code, None, "province", source="jionlp")
                province, prefecture, county = rid, None, None
            elif depth == 1:
                if name in placeholder:
                    prefecture = province  # 省直辖县级行政区划: its counties hang on the province
                    continue
                rid = f"cn:{code}"
                if rid in g.records:  # a municipality (上海市 310000) repeated as its own prefecture
                    prefecture = rid
                    continue
                g.records[rid] = Record(rid, "division", name, code, province, "prefecture", source="jionlp")
                prefecture = rid
            else:
                parent = prefecture or province
                parent_code = g.records[parent].code
                if code is None or code == parent_code:  # Taiwan, Hong Kong, Macao districts
                    rid, code = f"cn:{parent_code}:{name}", None
                else:
                    rid = f"cn:{code}"
                note = None
                if code and code[4] == "7":  # NBS statistical code of a development zone, not GB/T 2260
                    note = "NBS statistical unit (development or management zone), not a GB/T 2260 division"
                    functional += 1
                    alias = None  # their short names (高新区, 经开区) are generic
                if rid in g.records:
                    county = rid
                    continue
                g.records[rid] = Record(rid, "division", name, code, parent, "county", source="jionlp", note=note)
                county = rid
            if name not in stop_full:
                _add(g, name, rid, "full")
            for a in (alias or "").split("/"):
                if a and a != name:
                    if a != short_form(name):
                        jionlp_short_differs += 1
                    if a not in stop_short:
                        _add(g, a, rid, "short")
        elif depth == 3:  # town-level: names only
            name = fields[0]
            if county is None or len(name) < 3 or not name.endswith(TOWN_ENDINGS):
                continue
            parent_code = g.records[county].code or county.split(":", 1)[1]
            rid = f"cn:{parent_code}:{name}"
            if rid not in g.records:
                g.records[rid] = Record(rid, "division", name, None, county, "town", source="jionlp (name only)")
                if name not in stop_full:
                    _add(g, name, rid, "full")
                towns[rid] = name
    g.stats["functional_zones"] = functional
    g.stats["jionlp_short_not_suffix_rule"] = jionlp_short_differs

    # cpca: coordinates by code, and codes that jionlp no longer has (older divisions, cpca ≈ 2016 data).
    by_code = {r.code: r for r in g.records.values() if r.code}
    with_coords = historical = 0
    for row in _cpca_rows():
        code6, name = row["adcode"][:6], row["name"].strip()
        if name in ("市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划"):
            continue
        lat = float(row["latitude"]) if row.get("latitude") else None
        lng = float(row["longitude"]) if row.get("longitude") else None
        record = by_code.get(code6)
        if record is not None:
            if lat is not None:
                record.lat, record.lng = lat, lng
                with_coords += 1
            if record.name != name and name not in stop_full:  # an older name under the same code
                _add(g, name, record.id, "historical")
            continue
        rid = f"cn:{code6}"
        level = _level_of_code(code6)
        parent_code = code6[:2] + "0000" if level == "prefecture" else code6[:4] + "00"
        parent = f"cn:{parent_code}" if f"cn:{parent_code}" in g.records else f"cn:{code6[:2]}0000"
        if level == "province":
            parent = None
        g.records[rid] = Record(rid, "division", name, code6, parent, level, lat=lat, lng=lng,
                                status="historical", source="cpca adcodes.csv (code not in jionlp)")
        historical += 1
        if name not in stop_full:
            _add(g, name, rid, "full")
        short = short_form(name)
        if short and short not in stop_short:
            _add(g, short, rid, "short")
    g.stats["cpca_coordinates"] = with_coords
    g.stats["cpca_only_codes"] = historical

    # jionlp's change list: old name (with its old parents) -> the division that replaced it.
    by_name_parent: dict[tuple[str, str], str] = {}
    for r in g.records.values():
        if r.kind == "division" and r.parent:
            by_name_parent[(r.name, g.records[r.parent].name)] = r.id
    renamed = 0
    for line in _jionlp_changes():
        if "=>" not in line:
            continue
        old, new = line.split("=>")
        old_f, new_f = old.split("\t"), new.split("\t")
        date = old_f[0]
        old_names = old_f[2::2]  # full names at each level (province, prefecture, county)
        new_names = new_f
        successor = by_name_parent.get((new_names[-1], new_names[-2])) if len(new_names) >= 2 else None
        if successor is None:
            continue
        old_name = old_names[-1]
        if any(g.records[f.record_id].name == old_name for f in g.forms.get(old_name, [])):
            continue  # cpca already has the old division with its code
        rid = f"cn-old:{old_name}@{date}"
        record = g.records[successor]
        g.records[rid] = Record(rid, "division", old_name, None, record.parent, record.level,
                                status="historical", source="jionlp china_location_change.txt",
                                years=(None, int(date[:4])), successor=successor,
                                note=f"changed {date} to {record.name}")
        renamed += 1
        if old_name not in stop_full:
            _add(g, old_name, rid, "full")
        short = short_form(old_name)
        if short and short not in stop_short and short != short_form(record.name):
            _add(g, short, rid, "short")
    g.stats["renamed_from_change_list"] = renamed


def _build_countries(g: Gazetteer, stop: dict) -> None:
    import babel
    import pycountry

    territories = babel.Locale("zh").territories
    translation = gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=["zh_CN"])
    china_parts = {"TW": "cn:710000", "HK": "cn:810000", "MO": "cn:820000"}
    stop_country = stop["country"]
    names_by_code: dict[str, list[tuple[str, str]]] = {}
    for country in pycountry.countries:
        a2 = country.alpha_2
        forms = []
        if a2 in territories:
            forms.append((territories[a2], "full"))
        for attr in ("name", "common_name", "official_name"):
            value = getattr(country, attr, None)
            if value:
                zh = translation.gettext(value)
                if zh != value:
                    forms.append((zh, "alias"))
        names_by_code[a2] = forms
        if a2 in china_parts:  # Chinese divisions, not foreign countries: their names become division aliases
            for zh, _ in forms:
                if zh not in stop_country:
                    _add(g, zh, china_parts[a2], "alias")
            continue
        rid = f"iso:{a2}"
        name = forms[0][0] if forms else country.name
        g.records[rid] = Record(rid, "country", name, a2, None, "country", en=country.name,
                                source="babel CLDR zh territories; pycountry zh_CN iso3166-1.mo")
        for zh, how in forms:
            if zh not in stop_country:
                _add(g, zh, rid, how)
    # jionlp's world list: short and full names of the same country; join on any name already known.
    for fields in _jionlp_world():
        short, full = fields[0].strip(), fields[1].strip()
        known = {f.record_id for s in (short, full) for f in g.forms.get(s, []) if f.record_id.startswith("iso:")}
        if len(known) == 1:
            rid = known.pop()
            for s in (short, full):
                if s not in stop_country:
                    _add(g, s, rid, "alias")
    # UN M49 world regions and the EU from CLDR.
    for code, zh in territories.items():
        if code.isdigit() or code in ("EU", "EZ"):
            rid = f"m49:{code}" if code.isdigit() else f"iso:{code}"
            g.records[rid] = Record(rid, "world_region", zh, code, None, "world-region",
                                    source="babel CLDR zh territories")
            if zh not in stop_country:
                _add(g, zh, rid, "full")


def _years(value) -> tuple[int | None, int | None]:
    if not value:
        return (None, None)
    start, end = (list(value) + [None, None])[:2]
    return (start, end)


def _build_central(g: Gazetteer) -> None:
    data = _load_yaml(CENTRAL_FILE)
    for item in data["bodies"]:
        rid = f"cgov:{item['id']}"
        if rid in g.records:
            raise ValueError(f"{CENTRAL_FILE.name}: duplicate id {item['id']}")
        parent = item.get("supervisor")
        g.records[rid] = Record(rid, "central_body", item["name"], None,
                                f"cgov:{parent}" if parent else ("cgov:state-council" if item["id"] != "state-council"
                                                                 else None),
                                item["category"], en=item.get("en"), years=_years(item.get("years")),
                                status=item.get("status", "unverified"), source=item.get("source", ""),
                                note=item.get("note"), successor=item.get("successor"))
    for item in data["bodies"]:
        rid = f"cgov:{item['id']}"
        if item.get("successor") and f"cgov:{item['successor']}" not in g.records:
            raise ValueError(f"{CENTRAL_FILE.name}: successor {item['successor']!r} of {item['id']} is unknown")
        _add(g, item["name"], rid, "full")
        if not item["name"].startswith(("中华人民共和国", "中国", "国务院")) and item["category"] != "国务院":
            _add(g, "中华人民共和国" + item["name"], rid, "full")
        for short in item.get("short_forms") or ():
            _add(g, short, rid, "short")
    local = _load_yaml(LOCAL_FILE)
    g.local_endings = sorted(((e["ending"], e["id"], e.get("en", "")) for e in local["endings"]),
                             key=lambda t: -len(t[0]))
    g.local_unless = {e["ending"]: e["unless_next"] for e in local["endings"] if e.get("unless_next")}


def _build_areas(g: Gazetteer) -> None:
    """Named areas that are no division (areas.yaml): new areas, macro-regions, rivers, lakes, mountains, and the
    parts of a province named by abbreviation and direction (苏北, 浙西南), generated where the form is no other
    name of the gazetteer already (晋中 and 陇南 are divisions)."""
    data = _load_yaml(AREAS_FILE)
    status, source = data.get("status", "unverified"), data.get("source", "areas.yaml")
    for group in ("new_areas", "macro_regions", "water", "mountains"):
        for item in data.get(group) or ():
            rid = f"area:{item['id']}"
            if rid in g.records:
                raise ValueError(f"{AREAS_FILE.name}: duplicate id {item['id']}")
            parent = f"cn:{item['parent']}" if item.get("parent") else None
            members = tuple(f"cn:{code}" for code in item.get("members") or ())
            if (parent is None) == (not members) or any(m not in g.records for m in members + ((parent,) if parent
                                                                                                 else ())):
                raise ValueError(f"{AREAS_FILE.name}: {item['id']} needs a known parent or members, not both")
            g.records[rid] = Record(rid, "area", item["name"], None, parent, "area", status=status,
                                    source=source, note=group.replace("_", " "), members=members)
            _add(g, item["name"], rid, "full")
            for short in item.get("short_forms") or ():
                _add(g, short, rid, "alias")
    generated = 0
    for code, abbreviation in (data.get("abbreviations") or {}).items():
        for direction in data.get("directions") or ():
            form = normalise(abbreviation + direction)
            if form in g.forms:
                continue
            rid = f"area:{code}-{DIRECTIONS_EN[direction]}"
            g.records[rid] = Record(rid, "area", form, None, f"cn:{code}", "area", status=status,
                                    source=f"{source} (abbreviation and direction)", note="part of a province")
            _add(g, form, rid, "full")
            generated += 1
    g.stats["areas_generated"] = generated


def _load_stoplist() -> dict:
    data = _load_yaml(STOPLIST_FILE)
    return {
        "short": {e["form"] for e in data.get("short_forms") or ()},
        "full": {e["form"] for e in data.get("full_names") or ()},
        "country": {e["form"] for e in data.get("country_forms") or ()},
        "blockers": {e["form"]: e.get("reason", "") for e in data.get("blockers") or ()},
        "continuations": data.get("continuations") or [],
        "central_left_local": data.get("central_body_local_prefixes", ""),
        "needs_parent": {e["form"]: e.get("reason", "") for e in data.get("needs_parent") or ()},
        "standalone": {e["form"]: e.get("reason", "") for e in data.get("standalone_short_forms") or ()},
    }


def _jionlp_idioms() -> list[str]:
    with zipfile.ZipFile(_package_dir("jionlp") / "dictionary" / "chinese_idiom.zip") as archive:
        text = archive.read("chinese_idiom.txt").decode("utf-8")
    return [line.split("\t", 1)[0].strip() for line in text.splitlines() if line.strip()]


def _add_idiom_blockers(g: Gazetteer) -> None:
    """Idioms from jionlp's idiom dictionary that contain a place name become blockers (长治久安, 金山银山)."""
    probe = ahocorasick.Automaton()
    for surface in g.forms:
        probe.add_word(surface, surface)
    probe.make_automaton()
    added = 0
    for idiom in _jionlp_idioms():
        idiom = normalise(idiom)
        if len(idiom) < 4 or idiom in g.forms or idiom in g.blockers:
            continue
        if any(True for _ in probe.iter(idiom)):
            g.blockers[idiom] = "idiom (jionlp chinese_idiom)"
            added += 1
    g.stats["idiom_blockers"] = added


@lru_cache(maxsize=1)
def build() -> Gazetteer:
    """The gazetteer, built once per process."""
    import time

    t0 = time.perf_counter()
    stop = _load_stoplist()
    g = Gazetteer()
    _build_divisions(g, stop)
    _build_countries(g, stop)
    _build_central(g)
    _build_areas(g)
    g.blockers = {normalise(k): v for k, v in stop["blockers"].items()}
    g.continuations = stop["continuations"]
    g.central_left_local = stop["central_left_local"]
    g.needs_parent = {normalise(k): v for k, v in stop["needs_parent"].items()}
    g.standalone = {normalise(k): v for k, v in stop["standalone"].items()}
    g.lexicon = _jionlp_idf()
    _add_idiom_blockers(g)
    t1 = time.perf_counter()
    automaton = ahocorasick.Automaton()
    for surface in set(g.forms) | set(g.blockers):
        automaton.add_word(surface, surface)
    automaton.make_automaton()
    g.automaton = automaton
    g.forms = dict(g.forms)
    t2 = time.perf_counter()
    g.stats.update(load_seconds=round(t1 - t0, 3), automaton_seconds=round(t2 - t1, 3),
                   surfaces=len(g.forms), blockers=len(g.blockers))
    return g


def entries() -> Iterator[Entry]:
    """(surface, kind, id, code, parent, level) for every surface form of every record (sorted by surface)."""
    g = build()
    for surface in sorted(g.forms):
        for f in g.forms[surface]:
            r = g.records[f.record_id]
            yield Entry(surface, r.kind, r.id, r.code, r.parent, r.level)


# --- matching -------------------------------------------------------------------------------------------------

def _valid_in(record: Record, year: int | None) -> bool:
    if year is None:
        return True
    start, end = record.years
    return (start is None or start <= year) and (end is None or year <= end)


def _continuation(g: Gazetteer, kind: str, form: str, norm: str, end: int, surface: str) -> str | None:
    """Why the name goes on past `end` ('浙江' + '大学'), or None."""
    for rule in g.continuations:
        if kind not in rule.get("kinds", ()):
            continue
        if rule.get("forms") and form not in rule["forms"]:
            continue
        if rule.get("surface_ends") and not surface.endswith(tuple(rule["surface_ends"])):
            continue
        for follow in rule["follow"]:
            if norm.startswith(follow, end):
                after = norm[end + len(follow): end + len(follow) + 1]
                if after and after in rule.get("unless_next", ""):
                    continue
                return f"followed by {follow}"
    return None


_CJK = re.compile(r"[\u3400-\u9fff]")


def _best_split(g: Gazetteer, text: str, i: int, j: int, forced: tuple[int, int, float] | None = None,
                extra: tuple[int, int, float] | None = None) -> tuple[float, list[str]]:
    """Cheapest split of text[i:j] into lexicon words (cost = idf) and single characters; `forced` makes
    (start, end, cost) a word that must be used, `extra` adds one candidate word."""
    inf = float("inf")
    best = [inf] * (j - i + 1)
    back = [0] * (j - i + 1)
    best[0] = 0.0
    for a in range(i, j):
        if best[a - i] == inf:
            continue
        if forced and forced[0] < a < forced[1]:
            continue
        if forced and a == forced[0]:
            options = [(forced[1], forced[2])]
        else:
            options = []
            for b in range(a + 1, min(j, a + LEXICON_MAX) + 1):
                if forced and a < forced[0] < b:
                    break
                word = text[a:b]
                if word in g.lexicon:
                    options.append((b, g.lexicon[word]))
                elif b == a + 1:
                    options.append((b, UNKNOWN_CHAR_COST))
            if extra and a == extra[0] and extra[1] <= j:
                options.append((extra[1], extra[2]))
        for b, cost in options:
            total = best[a - i] + cost
            if total < best[b - i]:
                best[b - i], back[b - i] = total, a
    words, b = [], j
    while b > i and best[b - i] < inf:
        a = back[b - i]
        words.append(text[a:b])
        b = a
    return best[j - i], words[::-1]


def _segmentation(g: Gazetteer, norm: str, start: int, end: int, surface: str,
                  containing_ok: bool = False) -> str | None:
    """None when keeping norm[start:end] as one word is about as good as the best split of its neighbourhood;
    else the better split ('发行|和|政府|融资' for 和政 in 发行和政府融资)."""
    left = start
    while left > 0 and start - left < SEGMENT_REACH and _CJK.match(norm[left - 1]):
        left -= 1
    right = end
    while right < len(norm) and right - end < SEGMENT_REACH and _CJK.match(norm[right]):
        right += 1
    cost = g.lexicon.get(surface, PLACE_COST)
    kept, _ = _best_split(g, norm, left, right, forced=(start, end, cost))
    best, words = _best_split(g, norm, left, right, extra=(start, end, cost))
    if kept - best <= SEGMENT_MARGIN:
        return None
    # The better split must have a culprit: a word of two or more characters that crosses an edge of the name
    # (政府 in 发行和政府融资 for 和政), or one that contains it — for divisions above county level and for
    # countries only in its middle (海地 in 沿海地区), not at its start (深圳湾, 日本政府) and not when it is made
    # of names itself (辽宁沈阳). Splitting an unknown name into single characters (江苏|如|东) is no culprit.
    position = left
    for word in words:
        a, b = position, position + len(word)
        position = b
        if len(word) < 2 or b <= start or a >= end or (a, b) == (start, end):
            continue
        if (a < start < b < end) or (start < a < end < b):
            return "|".join(words)
        if a <= start and end <= b:
            if not containing_ok or (a != start and not _made_of_names(g, word)):
                return "|".join(words)
    return None


def _made_of_names(g: Gazetteer, word: str) -> bool:
    """辽宁沈阳 = 辽宁 + 沈阳: the word splits into gazetteer surfaces."""
    if not word:
        return True
    return any(word[:k] in g.forms and _made_of_names(g, word[k:]) for k in range(len(word), 1, -1))


def match(text: str, *, year: int | None = None, explain: bool = False,
          window: int = CONTEXT_WINDOW) -> list[Span]:
    """Mentions in `text`, leftmost-longest over every dictionary (divisions, countries, central bodies and the
    blocker strings together), with the guards of short_form_stoplist.yaml. Offsets index `text` itself.

    year: the document's year, used to choose among bodies or divisions that shared a name at different times.
    explain: also return the rejected spans (accepted=False) with the reason.
    """
    g = build()
    norm = normalise(text)
    hits = sorted(((end + 1 - len(s), end + 1, s) for end, s in g.automaton.iter(norm)),
                  key=lambda h: (h[0], -(h[1] - h[0])))
    spans: list[Span] = []
    position = 0
    for start, end, surface in hits:
        if start < position:
            continue
        position = end
        original = text[start:end]
        if surface in g.blockers and surface not in g.forms:
            if explain:
                spans.append(Span(start, end, original, "blocker", None, None, None, None, accepted=False,
                                  reason=f"blocker: {g.blockers[surface]}"))
            continue
        forms = g.forms[surface]
        kinds = {g.records[f.record_id].kind for f in forms}
        kind = _pick_kind(g, forms, kinds)
        forms = [f for f in forms if g.records[f.record_id].kind == kind]
        form_types = {f.form for f in forms}
        form = "full" if "full" in form_types else sorted(form_types)[0]
        reason = _continuation(g, kind, form, norm, end, surface)
        if reason is None and kind == "central_body" and start > 0 and norm[start - 1] in g.central_left_local:
            reason = f"preceded by {norm[start - 1]} (a local body)"
        if reason is None and kind in ("division", "country", "area") and (
                form != "full" or len(surface) <= 2
                or any(g.records[f.record_id].level == "town" for f in forms)):
            high = all(LEVEL_RANK.get(g.records[f.record_id].level, 9) <= LEVEL_RANK["prefecture"] for f in forms)
            split = _segmentation(g, norm, start, end, surface,
                                  containing_ok=(high and kind == "division") or kind in ("country", "area"))
            if split:
                reason = f"segmentation: {split}"
        if reason:
            if explain:
                spans.append(Span(start, end, original, kind, None, None, None, None,
                                  tuple(f.record_id for f in forms), accepted=False, reason=reason))
            continue
        span = Span(start, end, original, kind, None, None, None, None, tuple(f.record_id for f in forms),
                    rule=form)
        if kind == "division" and form in ("full", "historical", "alias"):
            for ending, slug, _en in g.local_endings:
                if norm.startswith(ending, end) and not (
                        ending in g.local_unless and norm[end + len(ending):end + len(ending) + 1]
                        and norm[end + len(ending)] in g.local_unless[ending]):
                    span.kind = "local_body"
                    span.end = end + len(ending)
                    span.text = text[start:span.end]
                    span.rule = f"local:{slug}"
                    span.local_ending = slug
                    position = span.end
                    break
        spans.append(span)
    _resolve(g, spans, year, window, norm)
    if not explain:
        spans = [s for s in spans if s.accepted]
    return spans


def _pick_kind(g: Gazetteer, forms: list[Form], kinds: set[str]) -> str:
    """When a surface belongs to records of several kinds: a central body, then a full name, then the higher
    level (country > province > prefecture > county > town)."""
    if len(kinds) == 1:
        return next(iter(kinds))
    if "central_body" in kinds:
        return "central_body"
    full = [f for f in forms if f.form == "full"]
    pool = full or forms
    best = min(pool, key=lambda f: LEVEL_RANK.get(g.records[f.record_id].level, 9))
    return g.records[best.record_id].kind


def _resolve(g: Gazetteer, spans: list[Span], year: int | None, window: int, norm: str) -> None:
    """Choose one record per span, or leave id None (ambiguous) with the candidates."""
    for span in spans:
        if not span.accepted or span.kind == "blocker":
            continue
        candidates = [g.records[c] for c in span.candidates]
        if year is not None and len(candidates) > 1:
            in_year = [c for c in candidates if _valid_in(c, year)]
            candidates = in_year or candidates
        chosen = None
        if len(candidates) == 1:
            chosen = candidates[0]
        elif span.kind in ("division", "local_body"):
            chosen, rule = _disambiguate_division(g, span, candidates, spans, window)
            if chosen is not None:
                span.rule = rule
        elif span.kind == "central_body":
            current = [c for c in candidates if c.years[1] is None]
            if year is None and len(current) == 1:
                chosen = current[0]
                span.rule += "+current"
        if chosen is not None and span.kind == "division" and chosen.level in ("county", "town"):
            before = next((o for o in spans if o.end == span.start and o.accepted and o.kind == "division"), None)
            if before is not None:
                inside = set(g.ancestors(chosen.id)) & (set(before.candidates) | {before.id})
                if not inside:
                    span.accepted = False
                    span.reason = f"directly after {before.text}, which does not contain it"
                    span.candidates = tuple(c.id for c in candidates)
                    continue
        if chosen is not None and span.kind == "division":
            need = _needs_support(g, span, chosen)
            if need and not _supported(g, span, chosen, spans, window, norm):
                span.accepted = False
                span.reason = need
                span.candidates = tuple(c.id for c in candidates)
                continue
        if chosen is None:
            span.candidates = tuple(c.id for c in candidates)
            if span.kind == "division" and span.rule == "short":
                # An ambiguous short form with no parent nearby is not a mention we can stand behind.
                span.accepted = False
                span.reason = "ambiguous short form, no parent named nearby"
            elif span.kind == "division" and all(c.level == "town" for c in candidates):
                span.accepted = False
                span.reason = "ambiguous town name (中心镇, 城关镇…), no county named nearby"
            continue
        span.candidates = tuple(c.id for c in candidates)
        if span.kind == "local_body":
            span.id = f"local:{chosen.id.split(':', 1)[1]}:{span.local_ending}"
            span.parent = chosen.id
            span.level = chosen.level
            span.code = chosen.code
        else:
            span.id, span.code, span.parent, span.level = chosen.id, chosen.code, chosen.parent, chosen.level


def _needs_support(g: Gazetteer, span: Span, chosen: Record) -> str | None:
    """Why this division mention needs a parent named nearby (or a neighbour in a list of places), or None."""
    surface = normalise(span.text)
    if surface in g.needs_parent:
        return f"needs a parent nearby: {g.needs_parent[surface]}"
    if chosen.level == "town":
        return "a town, linked only with its county or prefecture nearby"
    if chosen.level == "county" and span.rule == "short" and len(surface) <= 2 and surface not in g.standalone:
        return "a county-level short form, linked only with a parent nearby or in a list of places"
    return None


def _supported(g: Gazetteer, span: Span, chosen: Record, spans: list[Span], window: int, norm: str) -> bool:
    """A parent (or any ancestor) named within `window` characters, or — not for towns — another division
    right next to it across one list separator (嘉定－昆山－太仓, 江苏南京、无锡)."""
    ancestors = set(g.ancestors(chosen.id))
    listed = False
    for other in spans:
        if other is span or not other.accepted or other.kind not in ("division", "local_body"):
            continue
        if normalise(other.text) == normalise(span.text):
            continue  # two 白银 do not vouch for each other (白银市 is the parent of 白银区)
        if other.end >= span.start - window and other.start <= span.end + window:
            shared = ancestors & (set(other.candidates) | {other.id})
            if shared:
                span.rule = f"context:{sorted(shared)[0]}"
                return True
        if chosen.level != "town":
            if other.end == span.start - 1 and norm[other.end] in ENUMERATION:
                listed = True
            if other.start == span.end + 1 and norm[span.end] in ENUMERATION:
                listed = True
    if listed:
        span.rule = "list"
    return listed


def _disambiguate_division(g: Gazetteer, span: Span, candidates: list[Record], spans: list[Span],
                           window: int) -> tuple[Record | None, str]:
    nearby: set[str] = set()
    for other in spans:
        if other is span or other.kind not in ("division", "local_body") or not other.accepted:
            continue
        if other.end >= span.start - window and other.start <= span.end + window:
            nearby.update(other.candidates)
    supported = [c for c in candidates if nearby & set(g.ancestors(c.id))]
    if len(supported) > 1:
        # the nearest named ancestor decides: 南京市 (parent) beats 江苏省 (grandparent, shared with 徐州's 鼓楼区)
        depth = {c.id: min(i for i, a in enumerate(g.ancestors(c.id)) if a in nearby) for c in supported}
        closest = min(depth.values())
        supported = [c for c in supported if depth[c.id] == closest]
    if len(supported) == 1:
        parent = next(a for a in g.ancestors(supported[0].id) if a in nearby)
        return supported[0], f"context:{parent}"
    pool = supported or candidates
    coded = [c for c in pool if c.code]
    if len(coded) == 1 and len(pool) > 1 and all(c.level == coded[0].level for c in pool):
        # 金山区: Shanghai's (310116) vs 新北市's, which jionlp lists with no code (Taiwan, Hong Kong, Macao
        # districts): take the one in the national code list.
        return coded[0], "coded"
    ranks = sorted(LEVEL_RANK.get(c.level, 9) for c in pool)
    top = [c for c in pool if LEVEL_RANK.get(c.level, 9) == ranks[0]]
    if len(top) == 1 and ranks[0] <= LEVEL_RANK["prefecture"]:
        return top[0], "rank"
    current = [c for c in top if c.status == "current"]
    if len(current) == 1 and len(top) == 2 and ranks[0] <= LEVEL_RANK["prefecture"]:
        return current[0], "rank+current"
    return None, ""


def describe(span: Span) -> str:
    g = build()
    target = g.name(span.id) if span.id else "?" + "/".join(g.name(c) or c for c in span.candidates[:4])
    parent = g.name(span.parent) if span.parent else ""
    return f"{span.text}[{span.start}:{span.end}] {span.kind} {span.id} ({target}; parent {parent}) {span.rule}"


if __name__ == "__main__":
    import sys

    for line in (sys.argv[1:] or ["河北省人民政府、浙江大学、金山银山、出海口、宁波、德国、人社部"]):
        for s in match(line, explain=True):
            print(("  " if s.accepted else "x ") + describe(s), s.reason)
