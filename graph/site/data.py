"""Read what the pages show from a Store with SPARQL (graph/page_queries/*.rq) into plain Python records.

Input: a graph.store.Store (the build's, or one loaded from a file). Output: a GraphFacts holding the drawable
things (regions, projects, institutions, instruments, documents, provisions) with their zh/en labels and most
specific class, the links between them with the quoted words behind each, provision texts, map points and the
facts a reader sees on a click. Knows SPARQL and the vocabulary; nothing of layouts or HTML.
"""
from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from graph.rdf.namespaces import DCTERMS, ELI, HQ, SKOS
from graph.rdf.store import Store

QUERIES_DIR = Path(__file__).resolve().parent / "queries"
# Typed region linkages (hq:RegionLinkage with its kind, participants and evidence); when the file is not there the
# map falls back to the co-mention pairs of the region network.
LINKAGES_QUERY = QUERIES_DIR / "linkages.rq"

# Families, in the order the legend lists them.
FAMILIES = (HQ.Provision, HQ.PolicyDocument, HQ.Region, HQ.InfrastructureProject, HQ.Institution,
            HQ.PolicyInstrument, HQ.InstrumentType)
FAMILY_RANK = {str(f): i for i, f in enumerate(FAMILIES)}

# Properties whose labels the ontology does not give (they come from ELI, SKOS, DCTERMS).
FALLBACK_LABELS = {
    str(SKOS.broader): ("上位概念", "broader"),
    str(ELI.is_part_of): ("属于", "is part of"),
    str(ELI.cites): ("引用", "cites"),
    str(DCTERMS.publisher): ("发布机关", "publisher"),
    str(SKOS.altLabel): ("别名", "alias"),
    str(SKOS.definition): ("定义", "definition"),
    str(SKOS.note): ("注释", "note"),
    str(DCTERMS.source): ("来源", "source"),
    str(SKOS.exactMatch): ("维基数据", "Wikidata item"),
    str(ELI.date_publication): ("发布日期", "publication date"),
    str(ELI.title): ("标题", "title"),
}
# Links that place a thing in a region: a region is "about" itself, its members, the regions a project or
# institution connects or sits in, and every parent of those (the same rule the region filter uses).
REGION_REACH = (str(HQ.hasMember), str(HQ.connects), str(HQ.locatedIn))
PARENT = str(HQ.parentRegion)
MENTION_PROPERTIES = frozenset(str(p) for p in (HQ.mentionsRegion, HQ.mentionsProject, HQ.mentionsInstitution,
                                                HQ.usesInstrument, HQ.citesDocument))
_POINT = re.compile(r"^\s*(?:<[^>]*>\s*)?POINT\s*\(\s*([-+0-9.eE]+)\s+([-+0-9.eE]+)\s*\)\s*$", re.IGNORECASE)


@dataclass(frozen=True)
class Quote:
    """Words of a provision that support a link: `exact` with its context, and its code-point offsets."""

    provision: str
    exact: str
    prefix: str
    suffix: str
    start: int
    end: int


@dataclass
class Thing:
    iri: str
    zh: str
    en: str
    cls: str  # the most specific class
    family: str  # the top class: one of FAMILIES


@dataclass
class Link:
    source: str
    prop: str
    target: str
    quotes: list[Quote] = field(default_factory=list)


@dataclass
class ProvisionText:
    iri: str
    text: str
    title: str
    number: int | None
    start: int | None
    parent: str | None


@dataclass
class GraphFacts:
    things: dict[str, Thing]  # sorted by family, then IRI
    labels: dict[str, tuple[str, str]]  # any IRI -> (zh, en); '' when absent
    class_supers: dict[str, frozenset[str]]  # class IRI -> its direct named superclasses
    links: list[Link]  # sorted; both ends are things
    provisions: dict[str, ProvisionText]
    points: dict[str, tuple[float, float]]  # IRI -> (lon, lat)
    facts: dict[str, list[tuple[str, str, str]]]  # IRI -> [(property IRI, value, language tag or '')]
    reach: dict[str, frozenset[str]] = field(default_factory=dict)  # provision -> hq:reachesRegion regions

    def label(self, iri: str) -> tuple[str, str]:
        zh, en = self.labels.get(iri, ("", ""))
        if not zh and not en:
            zh, en = FALLBACK_LABELS.get(iri, ("", ""))
        if zh and en:  # the usual case: no local name to cut (765,000 regex splits for a corpus's pages)
            return zh, en
        fallback = local_name(iri)
        return zh or en or fallback, en or zh or fallback

    def class_depth(self, cls: str) -> int:
        """Steps below the top-most named superclass (hq:Region 0 … hq:CountyLevelCity 3)."""
        return _depth(self.class_supers, cls)

    def class_family(self, cls: str) -> str | None:
        """The family (one of FAMILIES) a class belongs to, or None."""
        seen, stack = set(), [cls]
        while stack:
            current = stack.pop()
            if current in FAMILY_RANK:
                return current
            if current not in seen:
                seen.add(current)
                stack.extend(sorted(self.class_supers.get(current, ())))
        return None

    def of_family(self, family) -> list[Thing]:
        return [t for t in self.things.values() if t.family == str(family)]

    def quotes_naming(self) -> dict[str, list[Quote]]:
        """Entity IRI -> the quotes of every provision that names it, in provision and text order."""
        found: dict[str, list[Quote]] = defaultdict(list)
        for link in self.links:
            found[link.target].extend(link.quotes)
        return found

    def region_reach(self) -> dict[str, frozenset[str]]:
        """IRI of each thing -> the regions it is about (see REGION_REACH); provisions: hq:reachesRegion (reach.rq)."""
        parents: dict[str, set[str]] = defaultdict(set)
        direct: dict[str, set[str]] = defaultdict(set)
        mentions: dict[str, set[str]] = defaultdict(set)
        for link in self.links:
            if link.prop == PARENT:
                parents[link.source].add(link.target)
            elif link.prop in REGION_REACH:
                direct[link.source].add(link.target)
            elif link.prop in MENTION_PROPERTIES:
                mentions[link.source].add(link.target)
        region = str(HQ.Region)

        @lru_cache(maxsize=None)
        def up(iri: str) -> frozenset[str]:
            found, stack = set(), [iri]
            while stack:  # iterative, and safe on a cycle of parents
                current = stack.pop()
                if current not in found:
                    found.add(current)
                    stack.extend(parents.get(current, ()))
            return frozenset(found)

        def about(iri: str) -> set[str]:
            found: set[str] = set()
            thing = self.things.get(iri)
            if thing is not None and thing.family == region:
                found |= up(iri)
            for target in direct.get(iri, ()):
                found |= up(target)
            return found

        reach = {}
        for iri, thing in self.things.items():
            if iri in self.provisions:  # a provision's reach is the one materialised hq:reachesRegion
                regions = set(self.reach.get(iri, ()))
            else:
                regions = about(iri)
                for target in mentions.get(iri, ()):
                    regions |= about(target)
            reach[iri] = frozenset(r for r in regions if r in self.things and self.things[r].family == region)
        return reach


@dataclass(frozen=True)
class Linkage:
    """One typed linkage between two regions, with the statement and the words behind it (any may be '')."""

    iri: str
    kind: str
    kind_zh: str
    kind_en: str
    a: str
    b: str
    provision: str
    statement: str
    quote: str
    start: int | None
    end: int | None


def read_linkages(store: Store, query: Path | None = None) -> list[Linkage] | None:
    """Rows of the linkages query (?linkage ?kind ?kindLabel ?a ?b ?provision ?statement ?quote ?start ?end),
    sorted; None when the query file does not exist. A kind's zh and en labels come from ?kindLabel's language
    tags (one label serves both when only one is given)."""
    path = query or LINKAGES_QUERY
    if not path.is_file():
        return None
    labels: dict[str, dict[str, str]] = defaultdict(dict)
    rows = []
    for row in store.query(path.read_text(encoding="utf-8")):
        kind = _value(row["kind"]) or ""
        label = row["kindLabel"]
        if label is not None:
            lang = "zh" if (getattr(label, "language", None) or "").lower().startswith("zh") else "en"
            if label.value < labels[kind].get(lang, "\U0010ffff"):
                labels[kind][lang] = label.value
        a, b = sorted((_value(row["a"]) or "", _value(row["b"]) or ""))
        rows.append((_value(row["linkage"]) or "", kind, a, b, _value(row["provision"]) or "",
                     _value(row["statement"]) or "", _value(row["quote"]) or "", _int(row["start"]),
                     _int(row["end"])))
    found = set()
    for iri, kind, a, b, provision, statement, quote, start, end in rows:
        if not a or not b or a == b:
            continue
        names = labels.get(kind, {})
        zh = names.get("zh") or names.get("en") or local_name(kind)
        en = names.get("en") or names.get("zh") or local_name(kind)
        found.add(Linkage(iri, kind, zh, en, a, b, provision, statement, quote, start, end))
    return sorted(found, key=lambda l: (l.kind, l.a, l.b, l.iri, l.provision, l.start or 0, l.quote, l.statement))


def document_of(provision: str) -> str:
    """`hqr:document/<d>` of `hqr:document/<d>/measure/<n>` (and of preambles and sections)."""
    return re.split(r"/(?:preamble$|section/|measure/)", provision, maxsplit=1)[0]


def local_name(iri: str) -> str:
    return re.split(r"[#/]", iri.rstrip("/#"))[-1]


@lru_cache(maxsize=None)
def query_text(name: str) -> str:
    return (QUERIES_DIR / f"{name}.rq").read_text(encoding="utf-8")


def _rows(store: Store, name: str):
    return store.query(query_text(name))


def _value(term) -> str | None:
    return None if term is None else term.value


def _int(term) -> int | None:
    try:
        return int(term.value) if term is not None else None
    except ValueError:
        return None


def read_labels(store: Store) -> dict[str, tuple[str, str]]:
    """Preferred labels win over rdfs:label; among equals the smallest string, so the choice never varies."""
    best: dict[tuple[str, str], tuple[int, str]] = {}
    for row in _rows(store, "labels"):
        label = row["label"]
        lang = "zh" if label.language.lower().startswith("zh") else "en"
        rank = (0 if row["preferred"].value == "true" else 1, label.value)
        key = (row["thing"].value, lang)
        if key not in best or rank < best[key]:
            best[key] = rank
    labels: dict[str, tuple[str, str]] = {}
    for (iri, lang), (_, text) in best.items():
        zh, en = labels.get(iri, ("", ""))
        labels[iri] = (text, en) if lang == "zh" else (zh, text)
    return labels


def read_class_tree(store: Store) -> dict[str, frozenset[str]]:
    supers: dict[str, set[str]] = defaultdict(set)
    for row in _rows(store, "class-tree"):
        supers[row["class"].value].add(row["super"].value)
    return {cls: frozenset(values) for cls, values in supers.items()}


def _depth(supers: dict[str, frozenset[str]], cls: str) -> int:
    """Longest chain of named superclasses above `cls` (a cycle counts once)."""
    best, stack = 0, [(cls, 0, frozenset([cls]))]
    while stack:
        current, steps, seen = stack.pop()
        best = max(best, steps)
        stack.extend((s, steps + 1, seen | {s}) for s in supers.get(current, ()) if s not in seen)
    return best


def read_things(store: Store, labels: dict[str, tuple[str, str]],
                supers: dict[str, frozenset[str]]) -> dict[str, Thing]:
    classes: dict[str, set[str]] = defaultdict(set)
    families: dict[str, set[str]] = defaultdict(set)
    for row in _rows(store, "nodes"):
        iri = row["node"].value
        classes[iri].add(row["class"].value)
        families[iri].add(row["family"].value)
    depths: dict[str, int] = {}
    things = {}
    for iri in classes:
        # A thing in two families (never in good data) is drawn in the first one the legend lists.
        family = min(families[iri], key=lambda f: FAMILY_RANK[f])
        # The most specific class: the deepest, then the first by name (an inferred HubRegion never hides
        # CountyLevelCity).
        for c in classes[iri]:
            if c not in depths:
                depths[c] = _depth(supers, c)
        cls = min(classes[iri], key=lambda c: (-depths[c], c))
        zh, en = labels.get(iri, ("", ""))
        name = local_name(iri)
        things[iri] = Thing(iri, zh or en or name, en or zh or name, cls, family)
    return dict(sorted(things.items(), key=lambda item: (FAMILY_RANK[item[1].family], item[0])))


def read_links(store: Store, things: dict[str, Thing]) -> list[Link]:
    links: dict[tuple[str, str, str], Link] = {}
    for row in _rows(store, "links"):
        source, prop, target = row["source"].value, row["property"].value, row["target"].value
        if source in things and target in things and source != target:
            links[(source, prop, target)] = Link(source, prop, target)
    # An inferred super-property link (eli:cites beside hq:citesDocument) repeats a drawn one: leave it out.
    supers: dict[str, set[str]] = defaultdict(set)
    for row in _rows(store, "property-tree"):
        supers[row["property"].value].add(row["super"].value)
    for source, prop, target in list(links):
        for above in supers.get(prop, ()):
            links.pop((source, above, target), None)
    for row in _rows(store, "quotes"):
        key = (row["provision"].value, row["property"].value, row["entity"].value)
        if key in links:
            links[key].quotes.append(Quote(key[0], row["exact"].value, _value(row["prefix"]) or "",
                                           _value(row["suffix"]) or "", _int(row["start"]) or 0,
                                           _int(row["end"]) or 0))
    for link in links.values():
        link.quotes.sort(key=lambda q: (q.start, q.end, q.exact))
    return [links[key] for key in sorted(links)]


def read_provisions(store: Store) -> dict[str, ProvisionText]:
    found: dict[str, ProvisionText] = {}
    for row in _rows(store, "provisions"):
        iri = row["provision"].value
        record = ProvisionText(iri, _value(row["text"]) or "", _value(row["title"]) or "", _int(row["number"]),
                               _int(row["start"]), _value(row["parent"]))
        # Several values (never in good data): keep the longest text, so the choice never varies.
        if iri not in found or (len(record.text), record.text) > (len(found[iri].text), found[iri].text):
            found[iri] = record
    return found


def parse_point(wkt: str) -> tuple[float, float] | None:
    """'POINT(lon lat)' (optionally with a CRS IRI first) -> (lon, lat); anything else -> None."""
    match = _POINT.match(wkt)
    if not match:
        return None
    lon, lat = float(match.group(1)), float(match.group(2))
    if not (-180 <= lon <= 180 and -90 <= lat <= 90):
        return None
    return lon, lat


def read_points(store: Store) -> dict[str, tuple[float, float]]:
    points = {}
    for row in _rows(store, "geometry"):
        point = parse_point(row["wkt"].value)
        iri = row["thing"].value
        if point is not None and (iri not in points or point < points[iri]):
            points[iri] = point
    return points


def read_facts(store: Store, labels: dict[str, tuple[str, str]]) -> dict[str, list[tuple[str, str, str]]]:
    facts: dict[str, set[tuple[str, str, str]]] = defaultdict(set)
    for row in _rows(store, "facts"):
        value = row["value"]
        text = value.value
        if row["property"].value == str(HQ.verificationStatus):
            text = labels.get(text, ("", local_name(text)))[1] or local_name(text)
        facts[row["thing"].value].add((row["property"].value, text, getattr(value, "language", None) or ""))
    return {iri: sorted(values) for iri, values in facts.items()}


def read_graph(store: Store) -> GraphFacts:
    """Everything the pages draw, read from `store` in a handful of queries."""
    labels = read_labels(store)
    supers = read_class_tree(store)
    things = read_things(store, labels, supers)
    return GraphFacts(things=things, labels=labels, class_supers=supers, links=read_links(store, things),
                      provisions=read_provisions(store), points=read_points(store), facts=read_facts(store, labels),
                      reach=read_reach(store))


def read_reach(store: Store) -> dict[str, frozenset[str]]:
    found: dict[str, set[str]] = defaultdict(set)
    for row in _rows(store, "reach"):
        found[row["provision"].value].add(row["region"].value)
    return {iri: frozenset(regions) for iri, regions in found.items()}
