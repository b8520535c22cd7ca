"""Load and check the curated entity files (data/entities/*.yaml) into a Gazetteer.

Input: a folder with regions.yaml, projects.yaml, institutions.yaml, instruments.yaml, documents.yaml and
composites.yaml (fields in docs/architecture.md). Output: a Gazetteer of entities (sorted by id), composites (by
form) and the uncurated place names of cpca's adcodes.csv. Every problem in the data raises DataError naming the
file and line. This module knows nothing of the texts or of RDF.
"""
from __future__ import annotations

import csv
import importlib.util
import re
from dataclasses import dataclass, field, replace
from datetime import date
from functools import lru_cache
from pathlib import Path

from graph.ingest.yamlfile import DataError, LineMapping, read_yaml


KIND_FILES = {
    "region": "regions.yaml",
    "project": "projects.yaml",
    "institution": "institutions.yaml",
    "instrument": "instruments.yaml",
    "document": "documents.yaml",
}
COMPOSITES_FILE = "composites.yaml"

TYPES = {
    "region": frozenset({"Country", "ProvinceLevelRegion", "PrefectureLevelCity", "CountyLevelRegion",
                         "CountyLevelCity", "MunicipalDistrict", "County", "Town", "PolicyArea", "BondedZone"}),
    "project": frozenset({"InfrastructureProject", "Railway", "Airport", "Port", "DataCentreCluster", "DataChannel",
                          "LogisticsHub", "RailFreightService", "TransportHub"}),
    "institution": frozenset({"Institution", "GovernmentBody", "ResearchFacility", "PlatformOrBase", "Event",
                              "OrganisationKind"}),
    "instrument": frozenset({"InstrumentType", "PolicyInstrument"}),
    "document": frozenset({"PolicyDocument"}),
}
POLICY_AREA_TYPES = frozenset({"PolicyArea", "BondedZone"})

COMMON_FIELDS = ("id", "type", "zh", "en", "aliases", "sources", "status", "note")
KIND_FIELDS = {
    "region": ("parent", "members", "located_in", "connects", "code", "stats_code", "wikidata"),
    "project": ("located_in", "connects"),
    "institution": ("located_in", "connects"),
    "instrument": ("broader", "top_of_scheme", "definition_zh", "definition_en"),
    "document": ("publisher", "date_public", "cites", "source_file", "title_en"),
}
REQUIRED = ("id", "type", "zh", "en", "status")
COMPOSITE_FIELDS = ("id", "form", "expands_to", "sources", "status", "note")
COMPOSITE_REQUIRED = ("form", "expands_to", "status")

# Reference fields and the kind of entity they must point to.
REFERENCES = {"parent": "region", "members": "region", "located_in": "region", "connects": "region",
              "broader": "instrument", "publisher": "institution", "cites": "document"}

STATUSES = frozenset({"verified", "verified-secondary", "unverified"})
ID_RE = re.compile(r"[a-z0-9-]+")
CODE_RE = re.compile(r"[0-9]{6}")
STATS_CODE_RE = re.compile(r"[0-9]{6}|[0-9]{9}|[0-9]{12}")
WIKIDATA_RE = re.compile(r"Q[0-9]+")
DATE_RE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")

COORDINATE_SOURCE = "cpca adcodes.csv"
# Rows of adcodes.csv left out of `places`: placeholders that name no place, and district names that are
# also common nouns (城区 'urban area', 郊区 'suburbs', 矿区 'mining area'), which would flood the candidates.
PLACE_PLACEHOLDERS = frozenset({"市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划", "城区", "郊区", "矿区"})
# Endings stripped to make a short name, tried in order; the first that leaves ≥ 2 characters wins.
PLACE_SUFFIXES = ("特别行政区", "自治区", "自治州", "自治县", "自治旗", "新区", "地区", "林区", "省", "市", "区", "县",
                  "盟", "旗")


def _a(word: str) -> str:
    """'a region', 'an institution'."""
    return f"{'an' if word[:1].lower() in 'aeiou' else 'a'} {word}"


@dataclass(frozen=True)
class Entity:
    id: str
    kind: str  # 'region' | 'project' | 'institution' | 'instrument' | 'document'
    type: str  # ontology class local name
    zh: str
    en: str
    aliases: tuple[str, ...] = ()
    parent: str | None = None
    members: tuple[str, ...] = ()
    located_in: tuple[str, ...] = ()
    connects: tuple[str, ...] = ()
    broader: tuple[str, ...] = ()
    top_of_scheme: bool = False
    definition_zh: str | None = None
    definition_en: str | None = None
    code: str | None = None
    stats_code: str | None = None
    wikidata: str | None = None
    lon: float | None = None
    lat: float | None = None
    coordinate_source: str | None = None
    publisher: tuple[str, ...] = ()
    date_public: str | None = None
    cites: tuple[str, ...] = ()
    source_file: str | None = None
    title_en: str | None = None
    sources: tuple[str, ...] = ()
    status: str = "unverified"
    note: str | None = None
    file: str = ""
    line: int = 0

    def surface_forms(self) -> tuple[str, ...]:
        """The zh label and the aliases, deduplicated, in order."""
        return tuple(dict.fromkeys((self.zh, *self.aliases)))


@dataclass(frozen=True)
class Composite:
    form: str
    expands_to: tuple[str, ...]
    sources: tuple[str, ...] = ()
    status: str = "unverified"
    note: str | None = None
    file: str = ""
    line: int = 0
    id: str | None = None  # a slug for the composite's IRI (graph.rdf.assemble)


@dataclass(frozen=True)
class Place:
    code: str  # 12-digit cpca adcode
    name: str  # e.g. 湖州市
    short: str  # e.g. 湖州
    lon: float | None
    lat: float | None


@dataclass
class Gazetteer:
    entities: dict[str, Entity]  # sorted by id
    composites: dict[str, Composite]  # by form
    places: dict[str, tuple[Place, ...]] = field(default_factory=dict)  # cpca names and short names

    def of_kind(self, kind: str) -> list[Entity]:
        return [e for e in self.entities.values() if e.kind == kind]

    def home_country(self) -> str | None:
        """The country the curated provinces lie in; any other curated country is a foreign partner."""
        return next((e.parent for e in self.of_kind("region") if e.type == "ProvinceLevelRegion" and e.parent), None)

    def ancestors(self, entity_id: str) -> list[str]:
        """The parent chain of a region, nearest first."""
        chain = []
        parent = self.entities[entity_id].parent
        while parent is not None:
            chain.append(parent)
            parent = self.entities[parent].parent
        return chain

    def document_for_source(self, filename: str) -> Entity | None:
        name = Path(filename).name
        for entity in self.of_kind("document"):
            if entity.source_file == name:
                return entity
        return None


def _real_date(value: object) -> bool:
    if not (isinstance(value, str) and DATE_RE.fullmatch(value)):
        return False
    try:
        date.fromisoformat(value)
    except ValueError:
        return False
    return True


# --- YAML files ----------------------------------------------------------------------------------------------

def _read_yaml(path: Path, label: str) -> list[LineMapping]:
    data = read_yaml(path, label, allow_empty=True)
    if data is None:
        return []
    if not isinstance(data, list):
        raise DataError(label, 1, "the file must be a YAML list of mappings")
    for index, item in enumerate(data):
        if not isinstance(item, LineMapping):
            raise DataError(label, data.line_of(index), "each list item must be a mapping")
    return data


# --- field checks ---------------------------------------------------------------------------------------------

def _string(item: LineMapping, key: str, label: str) -> str | None:
    value = item.get(key)
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        raise DataError(label, item.line_of(key), f"{key!r} must be a non-empty string")
    return value.strip()


def _strings(item: LineMapping, key: str, label: str) -> tuple[str, ...]:
    value = item.get(key)
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise DataError(label, item.line_of(key), f"{key!r} must be a list of non-empty strings")
    values = tuple(v.strip() for v in value)
    if len(set(values)) != len(values):
        raise DataError(label, item.line_of(key), f"{key!r} lists a value twice")
    return values


def _digits(item: LineMapping, key: str, label: str, pattern: re.Pattern, what: str) -> str | None:
    value = item.get(key)
    if value is None:
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str) or not pattern.fullmatch(value):
        raise DataError(label, item.line_of(key), f"{key!r} must be {what}, got {value!r}")
    return value


def _check_fields(item: LineMapping, allowed: tuple[str, ...], required: tuple[str, ...], label: str,
                  what: str) -> None:
    for key in item:
        if key not in allowed:
            raise DataError(label, item.line_of(key), f"unknown field {key!r} for {_a(what)}")
    for key in required:
        if item.get(key) is None:
            raise DataError(label, item.line, f"missing required field {key!r}")


def _status(item: LineMapping, label: str) -> str:
    status = item.get("status")
    if not isinstance(status, str) or status not in STATUSES:
        raise DataError(label, item.line_of("status"),
                        f"status must be one of {', '.join(sorted(STATUSES))}, got {status!r}")
    return status


def _entity(item: LineMapping, kind: str, label: str) -> Entity:
    allowed = COMMON_FIELDS + KIND_FIELDS[kind]
    _check_fields(item, allowed, REQUIRED, label, kind)
    entity_id = _string(item, "id", label)
    if not ID_RE.fullmatch(entity_id):
        raise DataError(label, item.line_of("id"), f"id {entity_id!r} is not a slug [a-z0-9-]+")
    type_ = _string(item, "type", label)
    if type_ not in TYPES[kind]:
        raise DataError(label, item.line_of("type"),
                        f"type {type_!r} is not allowed for {_a(kind)} (one of {', '.join(sorted(TYPES[kind]))})")
    top = item.get("top_of_scheme", False)
    if not isinstance(top, bool):
        raise DataError(label, item.line_of("top_of_scheme"), "'top_of_scheme' must be true or false")
    if top and type_ != "InstrumentType":
        raise DataError(label, item.line_of("top_of_scheme"), "only an InstrumentType can be top_of_scheme")
    members = _strings(item, "members", label)
    if members and type_ not in POLICY_AREA_TYPES:
        raise DataError(label, item.line_of("members"), f"only a policy area has members, not {_a(type_)}")
    if kind == "instrument":
        for key in ("definition_zh", "definition_en"):
            if item.get(key) is None:
                raise DataError(label, item.line, f"missing required field {key!r} for an instrument")
        if not top and not item.get("broader"):
            raise DataError(label, item.line, "an instrument that is not top_of_scheme needs 'broader'")
    if kind == "region" and type_ != "Country" and not item.get("parent") and not members:
        raise DataError(label, item.line, f"{_a(type_)} needs a 'parent' (or, for a policy area, 'members')")
    date_public = item.get("date_public")
    if date_public is not None and not _real_date(date_public):
        raise DataError(label, item.line_of("date_public"),
                        f"'date_public' must be a real date YYYY-MM-DD, got {date_public!r}")
    return Entity(
        id=entity_id, kind=kind, type=type_, zh=_string(item, "zh", label), en=_string(item, "en", label),
        aliases=_strings(item, "aliases", label), parent=_string(item, "parent", label), members=members,
        located_in=_strings(item, "located_in", label), connects=_strings(item, "connects", label),
        broader=_strings(item, "broader", label), top_of_scheme=top,
        definition_zh=_string(item, "definition_zh", label), definition_en=_string(item, "definition_en", label),
        code=_digits(item, "code", label, CODE_RE, "a 6-digit GB/T 2260 code"),
        stats_code=_digits(item, "stats_code", label, STATS_CODE_RE, "a 6-, 9- or 12-digit NBS code"),
        wikidata=_digits(item, "wikidata", label, WIKIDATA_RE, "a Wikidata id Q<digits>"),
        publisher=_strings(item, "publisher", label), date_public=date_public,
        cites=_strings(item, "cites", label), source_file=_string(item, "source_file", label),
        title_en=_string(item, "title_en", label), sources=_strings(item, "sources", label),
        status=_status(item, label), note=_string(item, "note", label), file=label, line=item.line,
    )


def _composite(item: LineMapping, label: str) -> Composite:
    _check_fields(item, COMPOSITE_FIELDS, COMPOSITE_REQUIRED, label, "composite")
    expands_to = _strings(item, "expands_to", label)
    if not expands_to:
        raise DataError(label, item.line_of("expands_to"), "'expands_to' must name at least one entity")
    return Composite(form=_string(item, "form", label), expands_to=expands_to,
                     sources=_strings(item, "sources", label), status=_status(item, label),
                     note=_string(item, "note", label), file=label, line=item.line, id=_string(item, "id", label))


# --- cross-file checks ----------------------------------------------------------------------------------------

def _blame_absent(absent: dict[str, tuple[str, str]], kind: str, where: str, what: str) -> None:
    """An unknown reference into a kind whose file is missing or empty is that file's fault: say so there."""
    for absent_kind, (label, why) in absent.items():
        if absent_kind == kind:
            raise DataError(label, 1, f"{why}, but {where} refers to {what}")


def _check_references(entities: dict[str, Entity], items: dict[str, LineMapping],
                      absent: dict[str, tuple[str, str]] | None = None) -> None:
    for entity in entities.values():
        item = items[entity.id]
        for key, target_kind in REFERENCES.items():
            value = getattr(entity, key)
            targets = (value,) if isinstance(value, str) else value
            for target in targets or ():
                if target not in entities:
                    _blame_absent(absent or {}, target_kind, f"{entity.file}:{item.line_of(key)}",
                                  f"the {target_kind} {target!r}")
                    raise DataError(entity.file, item.line_of(key), f"{key} {target!r} of {entity.id!r} is unknown")
                if entities[target].kind != target_kind:
                    raise DataError(entity.file, item.line_of(key),
                                    f"{key} {target!r} of {entity.id!r} is {_a(entities[target].kind)}, "
                                    f"not {_a(target_kind)}")
                if target == entity.id:
                    raise DataError(entity.file, item.line_of(key), f"{entity.id!r} refers to itself in {key}")
        if entity.type == "InstrumentType":
            for target in entity.broader:
                if entities[target].type != "InstrumentType":
                    raise DataError(entity.file, item.line_of("broader"),
                                    f"the broader concept {target!r} of the type {entity.id!r} "
                                    "is not an InstrumentType")
    _check_acyclic(entities, items, "parent")
    _check_acyclic(entities, items, "broader")


def _check_acyclic(entities: dict[str, Entity], items: dict[str, LineMapping], key: str) -> None:
    """No entity reaches itself through `key` (depth-first search with a path stack)."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    for start in entities:
        if state.get(start):
            continue
        path = [start]
        stack = [iter(_refs(entities[start], key))]
        state[start] = 1
        while stack:
            child = next(stack[-1], None)
            if child is None:
                state[path.pop()] = 2
                stack.pop()
            elif state.get(child) == 1:
                node = path[-1]
                cycle = path[path.index(child):] + [child]
                raise DataError(entities[node].file, items[node].line_of(key), f"{key} cycle: {' -> '.join(cycle)}")
            elif not state.get(child):
                state[child] = 1
                path.append(child)
                stack.append(iter(_refs(entities[child], key)))


def _refs(entity: Entity, key: str) -> tuple[str, ...]:
    value = getattr(entity, key)
    if value is None:
        return ()
    return (value,) if isinstance(value, str) else tuple(value)


def _check_surface_forms(entities: dict[str, Entity], items: dict[str, LineMapping]) -> dict[str, str]:
    """Each surface form belongs to one entity of a kind; returns form -> entity id over all kinds (first)."""
    owner: dict[tuple[str, str], str] = {}
    any_owner: dict[str, str] = {}
    for entity in sorted(entities.values(), key=lambda e: (e.file, e.line)):
        for form in entity.surface_forms():
            other = owner.get((entity.kind, form))
            if other is not None and other != entity.id:
                item = items[entity.id]
                line = item.line_of("zh") if form == entity.zh else item.line_of("aliases")
                raise DataError(entity.file, line, f"surface form {form!r} of {entity.id!r} is already claimed by "
                                                   f"the {entity.kind} {other!r} (ambiguous)")
            owner[(entity.kind, form)] = entity.id
            any_owner.setdefault(form, entity.id)
    return any_owner


def _check_composites(composites: list[tuple[Composite, LineMapping]], entities: dict[str, Entity],
                      forms: dict[str, str]) -> dict[str, Composite]:
    result: dict[str, Composite] = {}
    for composite, item in composites:
        if composite.form in result:
            raise DataError(composite.file, item.line_of("form"), f"composite form {composite.form!r} is listed twice")
        if composite.form in forms:
            raise DataError(composite.file, item.line_of("form"),
                            f"composite form {composite.form!r} is also a surface form of {forms[composite.form]!r}")
        for target in composite.expands_to:
            if target not in entities:
                raise DataError(composite.file, item.line_of("expands_to"),
                                f"composite {composite.form!r} expands to unknown id {target!r}")
        result[composite.form] = composite
    return result


# --- cpca -----------------------------------------------------------------------------------------------------

def _adcodes_path() -> Path:
    """cpca's adcodes.csv, found without importing cpca (its import loads a large model)."""
    spec = importlib.util.find_spec("cpca")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("the package 'cpca' is required for region coordinates and place names "
                           "(pip install cpca); it was not found")
    path = Path(list(spec.submodule_search_locations)[0]) / "resources" / "adcodes.csv"
    if not path.is_file():
        raise RuntimeError(f"cpca is installed but its table {path} is missing")
    return path


@lru_cache(maxsize=1)
def _adcodes() -> tuple[Place, ...]:
    ethnic = _ethnic_names()
    places = []
    with _adcodes_path().open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            name = row["name"].strip()
            places.append(Place(code=row["adcode"].strip(), name=name, short=_short_name(name, ethnic),
                                lon=_float(row.get("longitude")), lat=_float(row.get("latitude"))))
    return tuple(places)


def _ethnic_names() -> tuple[str, ...]:
    """Ethnic group names (with and, for names of ≥ 2 characters, without 族), longest first."""
    path = _adcodes_path().parent / "56_nations.csv"
    names = {"各族"}
    if path.is_file():
        for line in path.read_text(encoding="utf-8").split():
            line = line.strip()
            if line.endswith("族"):
                names.add(line)
                if len(line) >= 3:
                    names.add(line[:-1])
    return tuple(sorted(names, key=lambda n: (-len(n), n)))


def _short_name(name: str, ethnic: tuple[str, ...]) -> str:
    """湖州市 -> 湖州, 浦东新区 -> 浦东, 延边朝鲜族自治州 -> 延边; keep at least 2 characters."""
    short = name
    for suffix in PLACE_SUFFIXES:
        if short.endswith(suffix) and len(short) - len(suffix) >= 2:
            short = short[: -len(suffix)]
            break
    if short != name and name[len(short):].startswith("自治"):
        stripped = True
        while stripped:
            stripped = False
            for group in ethnic:
                if short.endswith(group) and len(short) - len(group) >= 2:
                    short = short[: -len(group)]
                    stripped = True
                    break
    return short


def _float(value: str | None) -> float | None:
    try:
        return float(value) if value not in (None, "") else None
    except ValueError:
        return None


def _add_coordinates(entities: dict[str, Entity]) -> dict[str, Entity]:
    by_code = {p.code: p for p in _adcodes()}
    result = {}
    for entity_id, entity in entities.items():
        place = by_code.get(entity.code + "000000") if entity.kind == "region" and entity.code else None
        if place is not None and place.lon is not None and place.lat is not None:
            entity = replace(entity, lon=place.lon, lat=place.lat, coordinate_source=COORDINATE_SOURCE)
        result[entity_id] = entity
    return result


def _places(entities: dict[str, Entity], composites: dict[str, Composite]) -> dict[str, tuple[Place, ...]]:
    """Every adcodes.csv row under its name and short name, except rows a curated entry already covers."""
    curated = {form for e in entities.values() for form in e.surface_forms()} | set(composites)
    curated_codes = {e.code for e in entities.values() if e.kind == "region" and e.code}
    index: dict[str, list[Place]] = {}
    for place in _adcodes():
        if place.name in PLACE_PLACEHOLDERS or place.name in curated or place.short in curated:
            continue
        if place.code.endswith("000000") and place.code[:6] in curated_codes:
            continue
        for key in dict.fromkeys((place.name, place.short)):
            index.setdefault(key, []).append(place)
    return {key: tuple(sorted(values, key=lambda p: p.code)) for key, values in sorted(index.items())}


# --- entry point ----------------------------------------------------------------------------------------------

def load_gazetteer(entities_dir: Path, *, with_places: bool = True) -> Gazetteer:
    """Load and check every entity file in entities_dir; raise DataError (file:line: message) on bad data."""
    entities_dir = Path(entities_dir)
    names = (*KIND_FILES.values(), COMPOSITES_FILE)
    if not entities_dir.is_dir():
        raise FileNotFoundError(f"entities folder {entities_dir} does not exist")
    if not any((entities_dir / name).is_file() for name in names):
        raise FileNotFoundError(f"entities folder {entities_dir} holds none of {', '.join(names)}")
    entities: dict[str, Entity] = {}
    items: dict[str, LineMapping] = {}
    absent: dict[str, tuple[str, str]] = {}  # kind -> (its file, why it holds nothing)
    for kind, name in KIND_FILES.items():
        path = entities_dir / name
        label = str(path)
        # A folder may leave a kind out; a file that is missing or empty is blamed if anything refers to its kind.
        if not path.exists() and not path.is_symlink():
            absent[kind] = (label, "no such file")
            continue
        data = _read_yaml(path, label)  # a folder or broken link by this name is an error of its own
        if not data:
            absent[kind] = (label, "the file is empty")
        for item in data:
            entity = _entity(item, kind, label)
            if entity.id in entities:
                first = entities[entity.id]
                raise DataError(label, item.line_of("id"),
                                f"duplicate id {entity.id!r} (first at {first.file}:{first.line})")
            entities[entity.id] = entity
            items[entity.id] = item
    _check_references(entities, items, absent)
    forms = _check_surface_forms(entities, items)
    composites: list[tuple[Composite, LineMapping]] = []
    path = entities_dir / COMPOSITES_FILE
    if path.exists() or path.is_symlink():
        label = str(path)
        composites = [(_composite(item, label), item) for item in _read_yaml(path, label)]
    composite_map = _check_composites(composites, entities, forms)
    entities = _add_coordinates(dict(sorted(entities.items())))
    places = _places(entities, composite_map) if with_places else {}
    return Gazetteer(entities=entities, composites=composite_map, places=places)
