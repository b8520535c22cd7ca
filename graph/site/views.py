"""The pages' contents: which nodes and edges each view draws, where, and what a click on them shows.

Input: GraphFacts (graph/page_data.py) and, for the region view, the region network of graph/network.py.
Output: View records of plain JSON-ready dicts (ids are small integers; every text is data, escaped later by
the renderer). Knows the views; nothing of SPARQL or HTML.
"""
from __future__ import annotations

import json
import math
import re
from collections import defaultdict
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any
from collections.abc import Iterator

from graph.ingest.statements import load_schemes
from graph.rdf.namespaces import ELI, HQ, HQR, SKOS
from graph.rdf.statements import SCHEMES_FILE
from graph.site.data import FAMILY_RANK, MENTION_PROPERTIES, GraphFacts, Link, Linkage, Quote, document_of
from graph.site.layout import anchored, origin, project_shapes, region_positions, relaxed, spread_overlaps

BOUNDARIES = Path(__file__).resolve().parent / "geodata" / "delta.geojson"

# Above this many provisions the whole graph is drawn by document (see whole_graph_view).
AGGREGATE_PROVISIONS = 1500
# At most this many nodes get vis-network's physics (from precomputed positions); above it physics is off.
PHYSICS_MAX_NODES = 150
# A node or edge lists at most this many quotes; the rest are counted.
MAX_QUOTES = 40
# A link of the map quotes at most this many words in all (a corpus's links share thousands of measures; 40 each
# made the map 3.5 MB at 120 texts), and at most QUOTES_PER_MEASURE of each measure the two regions share.
MAP_QUOTES = 24
QUOTES_PER_MEASURE = 3
MAP_FONT = 30
# Colours of linkage kinds on the map (in the order kinds are first met), and of the co-mention fallback.
KIND_PALETTE = ("#d62728", "#1f77b4", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf",
                "#bcbd22", "#7f7f7f")

def _co_mention_label() -> tuple[str, str]:
    """The co-mention kind's zh and en labels, from the linkage-kind scheme the graph's linkages use (one name for
    one notion, whether the map's pairs are typed linkages or the fallback read from the mentions)."""
    concept = load_schemes(SCHEMES_FILE)["linkage-kind"].concept("co-mention")
    return concept.zh, concept.en


CO_MENTION = _co_mention_label()
# Characters of context on each side of a linkage's quote, taken from the provision text.
CONTEXT = 16

# A qualitative palette (Tableau 20 without its greys, dark tones first) and, per family, (vis shape, legend
# glyph, first colour).
PALETTE = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#bcbd22", "#17becf",
           "#aec7e8", "#ffbb78", "#98df8a", "#ff9896", "#c5b0d5", "#c49c94", "#f7b6d2", "#dbdb8d", "#9edae5")
FAMILY_STYLE = {
    str(HQ.Provision): ("star", "★", 3),
    str(HQ.PolicyDocument): ("hexagon", "❖", 6),
    str(HQ.Region): ("dot", "●", 0),
    str(HQ.InfrastructureProject): ("diamond", "◆", 1),
    str(HQ.Institution): ("square", "■", 2),
    str(HQ.PolicyInstrument): ("triangle", "▲", 4),
    str(HQ.InstrumentType): ("triangleDown", "▼", 9),
}
DIRECTED = frozenset(MENTION_PROPERTIES | {str(HQ.parentRegion), str(HQ.hasMember), str(HQ.locatedIn),
                                          str(HQ.connects), str(SKOS.broader), str(ELI.is_part_of),
                                          str(ELI.cites)})
CONTEXT_PROPERTIES = frozenset({str(HQ.parentRegion), str(HQ.hasMember), str(HQ.locatedIn), str(HQ.connects),
                                str(SKOS.broader)})
PROJECT_PLACES = frozenset({str(HQ.connects), str(HQ.locatedIn)})
TEXT_FACT = ("条文", "text")


@dataclass
class View:
    """One page: what it draws and what its selectors offer."""

    name: str  # file stem: graph, regions, infrastructure, measures
    title: tuple[str, str]  # (zh, en)
    intro: tuple[str, str]
    classes: list[dict[str, Any]] = field(default_factory=list)
    regions: list[dict[str, Any]] = field(default_factory=list)
    nodes: list[dict[str, Any]] = field(default_factory=list)
    edges: list[dict[str, Any]] = field(default_factory=list)
    physics: bool = False
    font: int = 14  # label size in canvas units: maps are wide, so their labels are drawn larger
    map: bool = False  # placed by longitude/latitude: labels scale with node size, links drawn lighter
    provisions: list[dict[str, Any]] = field(default_factory=list)  # the measure view's selector
    props: list[dict[str, Any]] = field(default_factory=list)  # link kinds: edges refer to them by index
    sources: list[list[str]] = field(default_factory=list)  # quoted provisions: quotes refer to them by index
    documents: list[list[str]] = field(default_factory=list)  # [zh, en] of each document sources refer to
    shapes: list[dict[str, Any]] = field(default_factory=list)  # map boundaries in canvas units
    provinces: list[int] = field(default_factory=list)  # node ids of the provinces the map filters by
    typed: bool = False  # the map's links are typed linkages (else co-mention pairs)
    # A corpus's measure browser, one page per document: [zh, en, file from the site's root, document key, this
    # page?] of each (see graph/site/pages.py); empty when one page shows every provision.
    measure_pages: list[list] = field(default_factory=list)

    def payload(self) -> dict[str, Any]:
        """The page's JSON, minus nodes and edges (they travel in the pyvis Network, graph/site/networks.py).
        Edge ids are their list index; a quote is [source index, prefix, exact, suffix]; a source is [zh, en,
        document label or '', document index]."""
        return {"name": self.name, "title": list(self.title), "classes": self.classes, "regions": self.regions,
                "props": self.props, "sources": self.sources, "documents": self.documents,
                "physics": self.physics, "font": self.font, "map": self.map,
                "provisions": self.provisions, "shapes": self.shapes, "provinces": self.provinces,
                "typed": self.typed, "measurePages": self.measure_pages}


# ---- styles -------------------------------------------------------------------------------------------------

def class_styles(facts: GraphFacts) -> dict[str, dict[str, Any]]:
    """Every class of every family: the family's shape and a colour of its own from a qualitative palette
    (distinct within a family), chosen from the ontology alone so colours do not change with the data."""
    by_family: dict[str, list[str]] = defaultdict(list)
    known = set(facts.class_supers) | {t.cls for t in facts.things.values()} | set(FAMILY_RANK)
    for cls in known:
        family = facts.class_family(cls)
        if family is not None:
            by_family[family].append(cls)
    abstract = {sup for supers in facts.class_supers.values() for sup in supers}  # classes with subclasses
    styles = {}
    for family, members in by_family.items():
        shape, glyph, offset = FAMILY_STYLE[family]
        # Classes things are drawn with (the leaves) take the strong colours first.
        members.sort(key=lambda c: (c in abstract, facts.class_depth(c), c))
        for i, cls in enumerate(members):
            zh, en = facts.label(cls)
            styles[cls] = {"iri": cls, "zh": zh, "en": en, "family": family, "shape": shape, "glyph": glyph,
                           "color": PALETTE[(offset + i) % len(PALETTE)],
                           "rank": (FAMILY_RANK[family], facts.class_depth(cls), cls)}
    return styles


@dataclass(frozen=True)
class Shared:
    """What the views of one GraphFacts derive alike: each thing's regions, the quotes naming each entity, each
    thing's links out and the drawn provisions of each document in reading order. Made once when a corpus's measure
    pages are drawn one document at a time (each of these walks every link or provision)."""

    reach: dict[str, frozenset[str]]
    naming: dict[str, list[Quote]]
    outgoing: dict[str, list[Link]]
    provisions: dict[str, list]  # document IRI -> its ProvisionTexts that are things, in reading order
    # document IRI -> entity -> the quotes of that document's provisions naming it (a document's page quotes its
    # own words: with the corpus's words every page carried every region's 40 quotes, 0.7 MB a page at 10^6)
    naming_in: dict[str, dict[str, list[Quote]]]
    several_documents: bool  # the graph holds the text of several documents: quotes say which one they are from
    areas: dict[str, bool] = field(default_factory=dict)  # class -> is it a policy area (filled as asked)

    @classmethod
    def of(cls, facts: GraphFacts) -> "Shared":
        outgoing: dict[str, list[Link]] = defaultdict(list)
        naming_in: dict[str, dict[str, list[Quote]]] = defaultdict(lambda: defaultdict(list))
        for link in facts.links:
            outgoing[link.source].append(link)
            for q in link.quotes:
                naming_in[document_of(q.provision)][link.target].append(q)
        provisions: dict[str, list] = defaultdict(list)
        for p in sorted((p for p in facts.provisions.values() if p.iri in facts.things), key=_provision_order):
            provisions[document_of(p.iri)].append(p)
        return cls(facts.region_reach(), facts.quotes_naming(), dict(outgoing), dict(provisions),
                   {d: dict(named) for d, named in naming_in.items()},
                   len({document_of(p) for p in facts.provisions}) > 1)


class _Builder:
    """Collects a view's nodes and edges with small integer ids, classes and region filter options."""

    def __init__(self, facts: GraphFacts, styles: dict[str, dict[str, Any]], shared: "Shared | None" = None):
        self.facts, self.styles = facts, styles
        self.shared = shared = shared or Shared.of(facts)
        self.reach, self.naming = shared.reach, shared.naming
        self.ids: dict[str, int] = {}
        self.nodes: list[dict[str, Any]] = []
        self.edges: list[dict[str, Any]] = []
        self.edge_ids: dict[tuple[str, str, str], int] = {}
        self.class_ids: dict[str, int] = {}
        self.region_ids: dict[str, int] = {}
        self.prop_ids: dict[tuple, int] = {}
        self.source_ids: dict[str, int] = {}
        self.several_documents = shared.several_documents
        self.with_text = True  # the measure page shows the text beside the drawing, not in the details too

    def node(self, iri: str, cls: str | None = None, size: float = 14.0, extra_facts=()) -> int:
        if iri in self.ids:
            return self.ids[iri]
        thing = self.facts.things.get(iri)
        zh, en = (thing.zh, thing.en) if thing is not None else self.facts.label(iri)
        cls = cls or (thing.cls if thing is not None else str(HQ.Region))
        record = {"id": len(self.nodes), "iri": iri, "zh": zh, "en": en, "cls": self._class(cls),
                  "x": 0.0, "y": 0.0, "size": round(size, 1),
                  "regions": sorted(self._region(r) for r in self.reach.get(iri, ())),
                  "facts": list(extra_facts) + self._facts(iri)}
        quotes, more = self._quotes(self.naming.get(iri, ()))
        if quotes:
            record["quotes"] = quotes
        if more:
            record["more"] = more
        self.ids[iri] = record["id"]
        self.nodes.append(record)
        return record["id"]

    def edge(self, source: str, prop: str, target: str, quotes=(), width: float = 1.0, extra_facts=(),
             arrow: bool | None = None, label: tuple[str, str] | None = None, more: int = 0) -> int:
        """The edge's id; a link already drawn (the same source, property and target) is drawn once."""
        key = (source, prop, target)
        if key in self.edge_ids:
            return self.edge_ids[key]
        zh, en = label or self.facts.label(prop)
        kind = (zh, en, prop in DIRECTED if arrow is None else arrow, _tier(prop))
        if kind not in self.prop_ids:
            self.prop_ids[kind] = len(self.prop_ids)
        record: dict[str, Any] = {"from": self.ids[source], "to": self.ids[target], "prop": self.prop_ids[kind]}
        if width != 1.0:
            record["width"] = round(width, 2)
        if extra_facts:
            record["facts"] = list(extra_facts)
        shown, dropped = self._quotes(quotes)
        more += dropped
        if shown:
            record["quotes"] = shown
        if more:
            record["more"] = more
        self.edge_ids[key] = len(self.edges)
        self.edges.append(record)
        return self.edge_ids[key]

    def place(self, positions: dict[str, tuple[float, float]]) -> None:
        for record in self.nodes:
            x, y = positions.get(record["iri"], (0.0, 0.0))
            record["x"], record["y"] = round(x, 1), round(y, 1)

    def view(self, name: str, title: tuple[str, str], intro: tuple[str, str], physics: bool | None = None) -> View:
        classes = sorted(self.class_ids, key=lambda c: self.styles.get(c, {}).get("rank", (99, 0, c)))
        remap = {self.class_ids[c]: i for i, c in enumerate(classes)}
        counts: dict[int, int] = defaultdict(int)
        for record in self.nodes:
            record["cls"] = remap[record["cls"]]
            counts[record["cls"]] += 1
        things: dict[str, int] = {}
        for record in self.edges:  # a corridor stands for a thing: it counts (once) in its class
            thing = record.get("thing")
            if thing is not None and thing["iri"] not in things:
                thing["cls"] = things[thing["iri"]] = remap[thing["cls"]]
                counts[thing["cls"]] += 1
            elif thing is not None:
                thing["cls"] = things[thing["iri"]]
        class_list = []
        for i, cls in enumerate(classes):
            style = self.styles.get(cls) or _unknown_style(self.facts, cls)
            class_list.append({k: style[k] for k in ("iri", "zh", "en", "shape", "glyph", "color")}
                              | {"count": counts[i]})
        regions = sorted(self.region_ids, key=lambda r: self._region_rank(r))
        remap = {self.region_ids[r]: i for i, r in enumerate(regions)}
        for record in self.nodes:
            record["regions"] = sorted(remap[r] for r in record["regions"])
        region_list = [{"iri": r, "zh": self.facts.things[r].zh, "en": self.facts.things[r].en}
                       for r in regions]
        if physics is None:
            physics = len(self.nodes) <= PHYSICS_MAX_NODES
        props = [{"zh": zh, "en": en, "arrow": arrow, "tier": tier} for (zh, en, arrow, tier) in self.prop_ids]
        sources, documents = [], {}
        for iri in self.source_ids:
            zh, en = self.facts.label(iri)
            document = document_of(iri)
            index = documents.setdefault(document, len(documents))
            sources.append([zh, en, self.facts.label(document)[0] if self.several_documents else "", index])
        self._rank()
        return View(name, title, intro, class_list, region_list, self.nodes, self.edges, physics,
                    props=props, sources=sources, documents=[list(self.facts.label(d)) for d in documents])

    def _rank(self) -> None:
        """Each node's label priority (`rank`, higher first): upper levels of a hierarchy first (a province before
        its cities; a region by its chain of parents, a policy area with the level it lies in), then the more
        linked."""
        degree: dict[int, float] = defaultdict(float)
        for e in self.edges:
            weight = e.get("count", 1)
            degree[e["from"]] += weight
            degree[e["to"]] += weight
        for record in self.nodes:
            thing = self.facts.things.get(record["iri"])
            depth = self.facts.class_depth(thing.cls) if thing is not None else 4
            if record["iri"] in self.reach and thing is not None:
                depth = self._region_depth(record["iri"])
            record["rank"] = int((8 - min(depth, 8)) * 100000 + min(degree[record["id"]], 99999))

    def _region_depth(self, iri: str) -> int:
        """A region's level by its chain of parents (a province or a country 0, its cities 1, …; the classes of
        divisions are siblings in the ontology, so their depth cannot tell a province from a town); a foreign country
        ranks with the cities it is drawn beside. A policy area
        ranks one level below the deepest division it lies in (虹桥国际中央商务区 with the cities of 上海), at the
        top when it lies in none."""
        def chain(region: str) -> int:
            return len([r for r in self.reach.get(region, ()) if r != region and not self._is_area(r)])

        thing = self.facts.things.get(iri)
        if thing is not None and _is_a(self.facts, thing.cls, str(HQ.Country)):
            return 2  # a foreign partner is drawn beside its partner in the Delta: labelled with the cities
        if not self._is_area(iri):
            return chain(iri)
        within = [chain(r) for r in self.reach.get(iri, ()) if r != iri and not self._is_area(r)]
        return max(within) + 1 if within else 0

    def _is_area(self, iri: str) -> bool:
        thing = self.facts.things.get(iri)
        if thing is None:
            return False
        areas = self.shared.areas
        if thing.cls not in areas:  # asked ~100,000 times for a corpus's pages, of a few dozen classes
            areas[thing.cls] = _is_policy_area(self.facts, thing.cls)
        return areas[thing.cls]

    def _class(self, cls: str) -> int:
        return self.class_ids.setdefault(cls, len(self.class_ids))

    def _region(self, iri: str) -> int:
        return self.region_ids.setdefault(iri, len(self.region_ids))

    def _region_rank(self, iri: str):
        """Country, provinces, cities, districts, towns (by the length of their parent chain), then policy areas."""
        thing = self.facts.things.get(iri)
        policy_area = thing is not None and _is_policy_area(self.facts, thing.cls)
        return (policy_area, len(self.reach.get(iri, ())), thing.zh if thing is not None else iri, iri)

    def _facts(self, iri: str) -> list[list[str]]:
        found = []
        provision = self.facts.provisions.get(iri)
        if provision is not None and provision.text and self.with_text:
            found.append([*TEXT_FACT, provision.text])
        for prop, value, _ in self.facts.facts.get(iri, ()):
            zh, en = self.facts.label(prop)
            found.append([zh, en, value])
        return found

    def _quotes(self, quotes) -> tuple[list[list], int]:
        shown = []
        for q in list(quotes)[:MAX_QUOTES]:
            source = self.source_ids.setdefault(q.provision, len(self.source_ids))
            shown.append([source, q.prefix, q.exact, q.suffix])
        return shown, max(0, len(quotes) - MAX_QUOTES)


def _tier(prop: str) -> int:
    """Which links a crowded page drops first: mentions (2), then parts of documents (1), never places (0)."""
    return 2 if prop in MENTION_PROPERTIES else 1 if prop == str(ELI.is_part_of) else 0


def _is_policy_area(facts: GraphFacts, cls: str) -> bool:
    seen, stack = set(), [cls]
    while stack:
        current = stack.pop()
        if current == str(HQ.PolicyArea):
            return True
        if current not in seen:
            seen.add(current)
            stack.extend(facts.class_supers.get(current, ()))
    return False


def _unknown_style(facts: GraphFacts, cls: str) -> dict[str, Any]:
    zh, en = facts.label(cls)
    return {"iri": cls, "zh": zh, "en": en, "shape": "dot", "glyph": "●", "color": "#7f7f7f"}


def _degree_size(degree: int) -> float:
    return min(48.0, 10.0 + 3.0 * math.sqrt(degree))


def _region_graph(facts: GraphFacts) -> tuple[dict[str, set[str]], dict[str, set[str]]]:
    parents: dict[str, set[str]] = defaultdict(set)
    members: dict[str, set[str]] = defaultdict(set)
    for link in facts.links:
        if link.prop == str(HQ.parentRegion):
            parents[link.source].add(link.target)
        elif link.prop == str(HQ.hasMember):
            members[link.source].add(link.target)
    return parents, members


def _geo_positions(facts: GraphFacts, regions) -> dict[str, tuple[float, float]]:
    parents, members = _region_graph(facts)
    return region_positions(regions, facts.points, parents, members)


# ---- the views ----------------------------------------------------------------------------------------------

def whole_graph_view(facts: GraphFacts, styles, shared: Shared | None = None) -> View:
    """Every drawable thing and every link between them; regions start from the map, then a spring layout.

    A corpus (more than AGGREGATE_PROVISIONS provisions) is drawn one document at a time instead of one provision
    at a time: each document stands for its provisions, and a link from a document to a thing counts (and quotes)
    the provisions that name it. The measure page still shows every provision."""
    if len(facts.provisions) > AGGREGATE_PROVISIONS:
        return _aggregated_graph_view(facts, styles, shared)
    b = _Builder(facts, styles, shared)
    degree: dict[str, int] = defaultdict(int)
    for link in facts.links:
        degree[link.source] += 1
        degree[link.target] += 1
    for iri in facts.things:
        b.node(iri, size=_degree_size(degree[iri]))
    for link in facts.links:
        b.edge(link.source, link.prop, link.target, link.quotes)
    nodes = list(facts.things)
    pairs = [(link.source, link.target) for link in facts.links]
    regions = [t.iri for t in facts.of_family(HQ.Region)]
    start = anchored(nodes, pairs, _geo_positions(facts, regions))
    b.place(spread_overlaps(relaxed(nodes, pairs, start)))
    return b.view("graph", ("整体知识图谱", "The whole graph"),
                  ("条款、区域、项目、机构、政策工具及其关联；颜色与形状表示类别。",
                   "Provisions, regions, projects, institutions and instruments with their links; colour and shape "
                   "show the class."))


def _aggregated_graph_view(facts: GraphFacts, styles, shared: Shared | None = None) -> View:
    b = _Builder(facts, styles, shared)
    provision_family = str(HQ.Provision)
    kept = [t.iri for t in facts.things.values() if t.family != provision_family]
    keep = set(kept)
    counts: dict[str, int] = defaultdict(int)
    for p in facts.provisions:
        counts[document_of(p)] += 1
    grouped: dict[tuple[str, str, str], list[Link]] = defaultdict(list)
    direct: list[Link] = []
    for link in facts.links:
        if link.source in keep and link.target in keep:
            direct.append(link)
        elif link.source in facts.provisions and link.target in keep:
            document = document_of(link.source)
            if document in keep and document != link.target:
                grouped[(document, link.prop, link.target)].append(link)
    degree: dict[str, int] = defaultdict(int)
    for link in direct:
        degree[link.source] += 1
        degree[link.target] += 1
    for (document, _, target), links in grouped.items():
        degree[document] += len(links)
        degree[target] += len(links)
    for iri in kept:
        extra = [["条款数", "provisions", str(counts[iri])]] if iri in counts else []
        b.node(iri, size=_degree_size(degree[iri]), extra_facts=extra)
    for link in direct:
        b.edge(link.source, link.prop, link.target, link.quotes)
    for (document, prop, target), links in sorted(grouped.items()):
        quotes = [q for link in links for q in link.quotes[:1]]  # the first provisions' words; the rest counted
        edge = b.edge(document, prop, target, quotes[:QUOTES_PER_MEASURE], width=1.0 + math.sqrt(len(links)) / 2,
                      extra_facts=[["条款数", "provisions", str(len(links))]],
                      more=max(0, len(quotes) - QUOTES_PER_MEASURE))
        b.edges[edge]["count"] = len(links)
    pairs = [(b.nodes[e["from"]]["iri"], b.nodes[e["to"]]["iri"]) for e in b.edges]
    regions = [t.iri for t in facts.of_family(HQ.Region)]
    start = anchored(kept, pairs, _geo_positions(facts, regions))
    b.place(spread_overlaps(relaxed(kept, pairs, start)))
    return b.view("graph", ("整体知识图谱", "The whole graph"),
                  (f"语料共 {len(facts.provisions)} 条条款：每份文件代表其条款，连线表示其中提及该实体的条款数。",
                   f"The corpus has {len(facts.provisions)} provisions: each document stands for its provisions, and "
                   "a link counts those that name the thing."))


def infrastructure_view(facts: GraphFacts, styles, shared: Shared | None = None) -> View:
    """Infrastructure as corridors between places: a project that connects several regions (a railway) is a line
    through them, west to east, coloured by its class; a project with one place (a port, an airport, a data-centre
    cluster) is a node beside it. A click on either shows the project."""
    b = _Builder(facts, styles, shared)
    projects = [t.iri for t in facts.of_family(HQ.InfrastructureProject)]
    project_set = set(projects)
    places = [link for link in facts.links if link.source in project_set and link.prop in PROJECT_PLACES]
    regions = sorted({link.target for link in places})
    region_set = set(regions)
    named = facts.quotes_naming()
    of_project: dict[str, list[Link]] = defaultdict(list)
    for link in places:
        of_project[link.source].append(link)
    for iri in regions:
        b.node(iri, size=22.0)
    fixed = _geo_positions(facts, regions)
    corridors = [p for p in projects if len({l.target for l in of_project[p]} & set(fixed)) >= 2]
    stations = [p for p in projects if p not in set(corridors)]
    for iri in stations:
        b.node(iri, size=8.0 + _degree_size(4 * len({q.provision for q in named.get(iri, ())})))
    for link in places:
        if link.source in b.ids:
            b.edge(link.source, link.prop, link.target, link.quotes)
    for link in facts.links:
        if link.prop == str(HQ.parentRegion) and link.source in region_set and link.target in region_set:
            b.edge(link.source, link.prop, link.target)
    for iri in corridors:
        thing = facts.things[iri]
        style = styles.get(thing.cls) or _unknown_style(facts, thing.cls)
        stops = _corridor([l.target for l in of_project[iri] if l.target in fixed], fixed)
        quotes, more = b._quotes(named.get(iri, ()))
        cls = b._class(thing.cls)
        for a, z in zip(stops, stops[1:]):
            edge = b.edge(a, iri, z, (), width=5.0, arrow=False, label=(thing.zh, thing.en))
            record = b.edges[edge]
            record.update({"thing": {"iri": iri, "zh": thing.zh, "en": thing.en, "cls": cls,
                                     "facts": b._facts(iri), "quotes": quotes, "more": more},
                           "color": style["color"], "stops": [b.ids[s] for s in stops]})
    positions = anchored(stations + regions, [(l.source, l.target) for l in places if l.source in b.ids],
                         fixed, gap=70.0)
    b.place(spread_overlaps(positions))
    view = b.view("infrastructure", ("基础设施走廊", "Infrastructure corridors"),
                  ("铁路等连接多地的项目画作穿过其所连区域的走廊（由西向东），港口、机场、数据中心集群等画在所在区域旁。",
                   "Railways and other projects that connect several places are drawn as corridors through them "
                   "(west to east); ports, airports, data-centre clusters and other one-place projects sit beside "
                   "their region."), physics=False)
    # Corridor classes join the legend (b.view renumbered node classes; corridors keep the same order).
    view.font, view.map = MAP_FONT, True
    return view


def _corridor(stops: list[str], at: dict[str, tuple[float, float]]) -> list[str]:
    """A path through the places: from the westernmost, each time to the nearest place not yet visited."""
    left = sorted(set(stops), key=lambda s: (at[s][0], at[s][1], s))
    if not left:
        return []
    path = [left.pop(0)]
    while left:
        x, y = at[path[-1]]
        nearest = min(left, key=lambda s: ((at[s][0] - x) ** 2 + (at[s][1] - y) ** 2, s))
        left.remove(nearest)
        path.append(nearest)
    return path


@lru_cache(maxsize=1)
def boundaries() -> tuple[dict, ...]:
    """The Delta's provinces and prefecture-level cities (graph/site/geodata/delta.geojson, see its README)."""
    return tuple(json.loads(BOUNDARIES.read_text(encoding="utf-8"))["features"])


def region_network_view(facts: GraphFacts, styles, network, linkages: list[Linkage] | None = None,
                        shared: Shared | None = None) -> View:
    """The map of the Delta: boundaries, regions at their places, and the linkages between them as lines coloured
    by kind and as wide as their count. Typed linkages when the graph has them (`linkages`), else the co-mention
    pairs of the region network of graph/outputs/network.py."""
    b = _Builder(facts, styles, shared)
    measures_by_number = _measures_by_number(facts)
    order = sorted(network.nodes, key=str)
    for key in order:
        attrs = network.nodes[key]
        iri = str(attrs.get("iri") or key)
        count = int(attrs.get("measures") or 0)
        extra = [["触及的条款数", "measures reaching it", str(count)]]
        if attrs.get("level"):
            extra.append(["层级", "level", str(attrs["level"])])
        b.node(iri, cls=_class_iri(attrs.get("class"), facts, iri), size=14.0 + 7.0 * math.sqrt(count),
               extra_facts=extra)
    if linkages:
        for iri in sorted({r for l in linkages for r in (l.a, l.b)}):
            b.node(iri, size=16.0)
        _typed_edges(b, facts, linkages)
    else:
        _co_mention_edges(b, facts, network, measures_by_number)
    points = dict(facts.points)
    for key in order:  # a point the network gives, where the graph had none
        attrs = network.nodes[key]
        lon, lat = _number(attrs.get("lon")), _number(attrs.get("lat"))
        if lon is not None and lat is not None:
            points.setdefault(str(attrs.get("iri") or key), (lon, lat))
    iris = [record["iri"] for record in b.nodes]
    parents, members = _region_graph(facts)
    drawn = {iri: points[iri] for iri in iris if iri in points}
    centre = origin(drawn)
    fixed = region_positions(iris, points, parents, members, centre)
    pairs = [(b.nodes[e["from"]]["iri"], b.nodes[e["to"]]["iri"]) for e in b.edges]
    b.place(spread_overlaps(anchored(iris, pairs, fixed)))
    view = b.view("regions", ("长三角区域关联地图", "Region linkage map"),
                  ("省市边界之上，区域位于其所在位置；连线按关联类型着色，粗细表示数量。点击连线查看原文依据，点击区域查看政策所述。",
                   "Regions at their places over the provinces and cities of the Delta; links coloured by kind and "
                   "as wide as their count. Click a link for the words behind it, a region for what the policy "
                   "says about it."), physics=False)
    for i, kind in enumerate(view.props):
        kind["color"] = KIND_PALETTE[i % len(KIND_PALETTE)]
    view.font, view.map, view.typed = MAP_FONT, True, bool(linkages)
    view.shapes = project_shapes(boundaries(), centre) if drawn else []
    province = str(HQ.ProvinceLevelRegion)
    province_ids = [r["id"] for r in b.nodes if facts.things.get(r["iri"]) is not None
                    and _is_a(facts, facts.things[r["iri"]].cls, province)]
    view.provinces = sorted(province_ids, key=lambda i: b.nodes[i]["zh"])
    ids = set(province_ids)
    for record in b.nodes:
        record["prov"] = sorted(ids & ({b.ids[r] for r in b.reach.get(record["iri"], ()) if r in b.ids}
                                       | {record["id"]}))
    return view


def _typed_edges(b: _Builder, facts: GraphFacts, linkages: list[Linkage]) -> None:
    grouped: dict[tuple[str, str, str], list[Linkage]] = defaultdict(list)
    for l in linkages:
        grouped[(l.kind, l.a, l.b)].append(l)
    for (kind, a, c), items in sorted(grouped.items()):
        quotes = sorted({_context_quote(facts, l) for l in items if l.quote},
                        key=lambda q: (q.provision, q.start, q.exact))
        count = len({l.iri for l in items})
        statements = sorted({l.statement for l in items if l.statement})
        extra = [["数量", "count", str(count)]] + [["陈述", "statement", t] for t in statements[:MAX_QUOTES]]
        first = items[0]
        edge = b.edge(a, kind, c, quotes, width=1.0 + 2.0 * math.sqrt(count), extra_facts=extra, arrow=False,
                      label=(first.kind_zh, first.kind_en))
        record = b.edges[edge]
        record["count"] = count
        record["pv"] = sorted({b.source_ids.setdefault(l.provision, len(b.source_ids))
                               for l in items if l.provision})


def _context_quote(facts: GraphFacts, linkage: Linkage) -> Quote:
    """The linkage's quote with a little of its provision's text on each side (found nearest its offset)."""
    provision = facts.provisions.get(linkage.provision)
    prefix = suffix = ""
    if provision is not None and provision.text:
        bare = Quote(linkage.provision, linkage.quote, "", "", linkage.start or 0, linkage.end or 0)
        hint = (linkage.start - provision.start) if linkage.start is not None and provision.start is not None \
            else None
        at = _locate(provision.text, bare, hint)
        if at is not None:
            prefix = provision.text[max(0, at - CONTEXT):at]
            suffix = provision.text[at + len(linkage.quote):at + len(linkage.quote) + CONTEXT]
    return Quote(linkage.provision, linkage.quote, prefix, suffix, linkage.start or 0, linkage.end or 0)


def _co_mention_edges(b: _Builder, facts: GraphFacts, network, measures_by_number) -> None:
    # (measure, region) -> the quotes of that measure naming something that reaches the region
    reaching: dict[tuple[str, str], list[Quote]] = defaultdict(list)
    for link in facts.links:
        for q in link.quotes:
            for region in b.reach.get(link.target, ()):
                reaching[(q.provision, region)].append(q)
    number_label = {number: facts.label(iris[0])[0] for number, iris in measures_by_number.items()}
    for u, v in sorted(network.edges, key=lambda e: (str(e[0]), str(e[1]))):
        attrs = network.edges[u, v]
        iu = str(network.nodes[u].get("iri") or u)
        iv = str(network.nodes[v].get("iri") or v)
        numbers = list(dict.fromkeys(_items(attrs.get("measures"))))  # '6, 6, 7': measure 6 of two documents
        projects = _project_iris(attrs.get("projects"), facts)
        extra = [["权重", "weight", str(attrs.get("weight", ""))],
                 ["共同条款", "shared measures", "、".join(number_label.get(n, n) for n in numbers) or "—"],
                 ["共同项目", "shared projects", "、".join(facts.label(p)[0] for p in projects) or "—"],
                 ["联系类型", "linkage kinds", str(attrs.get("kinds") or "—")]]
        shared, found_by_measure = [], []
        for number in numbers:
            # A number names that measure in every document of the graph: keep those reaching both regions.
            candidates = measures_by_number.get(number, [number] if number in facts.things else [])
            for m in candidates:
                found_u, found_v = reaching.get((m, iu), ()), reaching.get((m, iv), ())
                if not (found_u and found_v) and len(candidates) > 1:
                    continue
                shared.append(m)
                # The words that reach both regions first (沪乍杭铁路 for 上海—浙江), then the rest.
                both = set(found_u) & set(found_v)
                found_by_measure.append(sorted(set(found_u) | set(found_v),
                                               key=lambda q, both=both: (q not in both, q.start, q.end, q.exact)))
        # Every shared measure gets its say (one quote each, in order), then more of each while room is left.
        taken = [0] * len(found_by_measure)
        for depth in range(QUOTES_PER_MEASURE):
            for i, found in enumerate(found_by_measure):
                if sum(taken) < MAP_QUOTES and len(found) > depth:
                    taken[i] = depth + 1
        evidence = [q for found, k in zip(found_by_measure, taken) for q in found[:k]]
        left_out = sum(len(found) - k for found, k in zip(found_by_measure, taken) if k)
        unquoted = sum(1 for k in taken if k == 0)
        if unquoted:
            extra.append(["未引用的共同条款", "shared measures not quoted here", str(unquoted)])
        weight = float(attrs.get("weight") or 1)
        edge = b.edge(iu, "", iv, evidence, width=1.0 + 2.0 * math.sqrt(weight), extra_facts=extra, arrow=False,
                      label=CO_MENTION, more=left_out)
        record = b.edges[edge]
        record["count"] = int(weight)
        record["pv"] = sorted({b.source_ids.setdefault(m, len(b.source_ids)) for m in shared})


def _is_a(facts: GraphFacts, cls: str, wanted: str) -> bool:
    seen, stack = set(), [cls]
    while stack:
        current = stack.pop()
        if current == wanted:
            return True
        if current not in seen:
            seen.add(current)
            stack.extend(facts.class_supers.get(current, ()))
    return False


def measure_documents(facts: GraphFacts, shared: Shared) -> list[str] | None:
    """The documents whose provisions the measure view draws, in order, when a corpus's measure page is one page per
    document (more than AGGREGATE_PROVISIONS provisions, as for the whole graph: one page of every provision was
    8 MB at 120 texts and about 60 MB at 1,250); None when one page shows them all."""
    return None if len(facts.provisions) <= AGGREGATE_PROVISIONS else list(shared.provisions)


def measure_views(facts: GraphFacts, styles, shared: Shared | None = None) -> Iterator[tuple[str | None, View]]:
    """(document, its measure view) for each page of the measure browser, one at a time (a corpus's pages are drawn
    and written one by one, so only one is held); (None, the one view) when one page shows every provision."""
    shared = shared or Shared.of(facts)
    documents = measure_documents(facts, shared)
    if documents is None:
        yield None, measure_view(facts, styles, shared=shared)
        return
    for document in documents:
        yield document, measure_view(facts, styles, document, shared)


def measure_view(facts: GraphFacts, styles, document: str | None = None, shared: Shared | None = None) -> View:
    """Every provision with its text, the things it names highlighted, and its neighbourhood; `document`: only
    that document's provisions (a corpus's page of one document, see measure_documents)."""
    shared = shared or Shared.of(facts)
    b = _Builder(facts, styles, shared)
    b.with_text = False
    if document is not None:
        b.naming = shared.naming_in.get(document, {})
    outgoing = shared.outgoing
    if document is None:
        provisions = [p for found in shared.provisions.values() for p in found]
    else:
        provisions = shared.provisions.get(document, [])
    entries = []
    for p in provisions:
        edges: list[tuple[str, str, str, list[Quote]]] = []
        mentioned: list[str] = []
        for link in outgoing.get(p.iri, ()):
            if link.prop in MENTION_PROPERTIES:
                mentioned.append(link.target)
                edges.append((p.iri, link.prop, link.target, link.quotes))
            elif link.prop == str(ELI.is_part_of):
                edges.append((p.iri, link.prop, link.target, []))
        for iri in sorted(set(mentioned)):
            for link in outgoing.get(iri, ()):
                if link.prop in CONTEXT_PROPERTIES:
                    edges.append((link.source, link.prop, link.target, []))
        members = [p.iri] + sorted({iri for e in edges for iri in (e[0], e[2])} - {p.iri})
        ids = [b.node(iri) for iri in members]
        edge_ids = sorted({b.edge(source, prop, target, quotes) for source, prop, target, quotes in edges})
        mentions: list[tuple[Quote, int]] = []  # one quote may name several things ('嘉昆太')
        for source, prop, target, quotes in edges:
            if source == p.iri:
                for q in quotes:
                    mentions.append((q, b.ids[target]))
        title_segments, text_segments = highlight(p, mentions)
        zh, en = facts.label(p.iri)
        entries.append({"node": b.ids[p.iri], "key": page_key(p.iri), "zh": zh, "en": en,
                        "title": title_segments, "text": text_segments,
                        "nodes": ids, "edges": edge_ids})
    intro = ("选择一条条款：原文中点名的实体以高亮显示，右侧为其关联网络。",
             "Pick a provision: the things its text names are highlighted, and its neighbourhood is drawn beside it.")
    if document is not None:
        intro = ("语料每份文件一页：选择文件和其中一条条款，原文中点名的实体以高亮显示，右侧为其关联网络。",
                 "One page per document of the corpus: pick a document and one of its provisions; the things its "
                 "text names are highlighted, and its neighbourhood is drawn beside it.")
    view = b.view("measures", ("条款浏览", "Measures"), intro, physics=False)
    view.provisions = entries
    return view


# ---- helpers ------------------------------------------------------------------------------------------------

def highlight(provision, mentions: list[tuple[Quote, int]]) -> tuple[list, list]:
    """The provision's title and text cut into segments [text, [node ids named there]].

    Each quote is found by its exact words with their prefix and suffix (oa:TextQuoteSelector); where the words
    occur more than once, the occurrence closest before the quote's offset in the source file wins (the cleaned
    text only ever loses characters, so it is never after it). A quote found in neither keeps no highlight.
    """
    spans: dict[str, list[tuple[int, int, int]]] = {"title": [], "text": []}
    hint = None
    for q, node in sorted(mentions, key=lambda item: (item[0].start, item[0].exact, item[1])):
        if provision.start is not None:
            hint = q.start - provision.start
        for part in ("text", "title"):
            text = getattr(provision, part)
            at = _locate(text, q, hint)
            if at is not None:
                spans[part].append((at, at + len(q.exact), node))
                break
    return _segments(provision.title, spans["title"]), _segments(provision.text, spans["text"])


def _locate(text: str, q: Quote, hint: int | None) -> int | None:
    if not text or not q.exact:
        return None
    for needle, shift in ((q.prefix + q.exact + q.suffix, len(q.prefix)), (q.exact + q.suffix, 0),
                          (q.prefix + q.exact, len(q.prefix)), (q.exact, 0)):
        found, at = [], text.find(needle)
        while at >= 0:
            found.append(at + shift)
            at = text.find(needle, at + 1)
        if found:
            if hint is None:
                return found[0]
            before = [at for at in found if at <= hint]
            return before[-1] if before else found[0]
    return None


def _segments(text: str, spans: list[tuple[int, int, int]]) -> list[list]:
    if not text:
        return []
    cuts = sorted({0, len(text)} | {s for s, _, _ in spans} | {e for _, e, _ in spans})
    segments: list[list] = []
    for a, z in zip(cuts, cuts[1:]):
        covering = sorted({node for s, e, node in spans if s <= a and z <= e})
        if segments and segments[-1][1] == covering:
            segments[-1][0] += text[a:z]
        else:
            segments.append([text[a:z], covering])
    return segments


def _provision_order(p) -> tuple:
    """Reading order: by document, then where the provision starts in the source (preamble, section 1, its
    measures, section 2…); provisions without an offset last, by IRI."""
    return (document_of(p.iri), p.start is None, p.start or 0, p.iri)


def page_key(iri: str) -> str:
    """What a page's address names a thing by after '#': its IRI less the resource base (`document/<d>/measure/<n>`)."""
    base = str(HQR)
    return iri[len(base):] if iri.startswith(base) else iri


def _class_iri(value, facts: GraphFacts, iri: str) -> str:
    """The network's class attribute (an IRI or a local name such as 'PrefectureLevelCity'), else the graph's."""
    if value:
        value = str(value)
        if value.startswith(("http://", "https://")):
            return value
        if str(HQ) + value in facts.class_supers:
            return str(HQ) + value
    thing = facts.things.get(iri)
    return thing.cls if thing is not None else str(HQ.Region)


def _number(value) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def _measures_by_number(facts: GraphFacts) -> dict[str, list[str]]:
    """Measure number ('19', or '2.3' where numbering restarts) -> the measures with it, in reading order."""
    found: dict[str, list[str]] = defaultdict(list)
    for p in sorted(facts.provisions.values(), key=_provision_order):
        thing = facts.things.get(p.iri)
        if thing is not None and thing.cls == str(HQ.Measure):
            found[p.iri.rsplit("/measure/", 1)[-1]].append(p.iri)
    return found


def _items(value) -> list[str]:
    """A network attribute listing measures or projects: a list, or a string ('6, 7, 19', '沪乍杭铁路, 通苏嘉甬铁路')."""
    if value is None:
        return []
    if isinstance(value, (list, tuple, set, frozenset)):
        return [str(v) for v in value]
    return [v for v in re.split(r"\s*[,;|]\s*", str(value).strip()) if v]


def _project_iris(value, facts: GraphFacts) -> list[str]:
    """Project IRIs of the network's project names (zh labels, ids or IRIs)."""
    by_name: dict[str, str] = {}
    for thing in facts.of_family(HQ.InfrastructureProject):
        by_name.setdefault(thing.zh, thing.iri)
        by_name.setdefault(thing.en, thing.iri)
    found = []
    for item in _items(value):
        iri = item if item in facts.things else by_name.get(item) or f"{HQR}project/{item}"
        if iri in facts.things:
            found.append(iri)
    return sorted(set(found))
