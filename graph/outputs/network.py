"""The region linkage network: regions tied together by the typed linkages the measures state.

API (stable; the pages draw their region map from it):

    region_network(store, level=None) -> networkx.Graph

Nodes are administrative regions, keyed by IRI (str). With `level` ('province', 'prefecture' or 'county') only
the regions of that level; a municipality such as 上海市 stands at prefecture level too (queries/region-pairs.rq).
With level None, every province-, prefecture-, county- and town-level region, and no edge between a region and one
inside it (上海市–闵行区 says nothing). A region is a node when a measure reaches it (hq:reachesRegion, the one
reach of graph/reason/reach.py, read through queries/measure-regions.rq) or a linkage binds it.

Node attributes
    iri, zh, en      the region's IRI and labels
    class            local name of its most specific class ('PrefectureLevelCity')
    level            its own level: province, prefecture, county or town
    lon, lat         floats from its geo:asWKT point; absent when the graph has no point for it
    measures         how many measures reach it (int)
    degree, weighted_degree, betweenness
                     centrality: neighbours, summed edge weights, betweenness (unweighted, normalised)
Edge attributes (from the hq:Linkage resources of measures: graph/ingest/linkages.py)
    weight           2 × typed + co_mention: a stated linkage weighs twice a mere co-mention
    typed            how many measures state a typed linkage between the two ends
    co_mention       how many measures only name both ends together
    kinds            every kind that links them, co-mention included ('joint action, transport connection')
    kind             the kind to colour the edge by: the typed kind of most measures, else 'co-mention'
    measure_count, measures        how many measures link them / their numbers ('12, 19'; a number once, though
                     it names a measure in each document of a corpus: the pages find which reach both ends)
Each linked region is lifted through hq:parentRegion to the level asked (level None: to itself, or to its nearest
administrative ancestor for a policy area). The edges at one level are the rows of queries/region-pairs.rq.
"""
from __future__ import annotations

import csv
import re
from collections import Counter
from itertools import combinations
from pathlib import Path

import networkx as nx

from graph.outputs.files import replacing
from graph.query.named import run_named
from graph.rdf.namespaces import HQ, SKOS, scheme_iri
from graph.query.named import open_graph
from graph.rdf.store import Store
from graph.rdf.terms import text


LEVELS = ("province", "prefecture", "county")
NODE_LEVELS = ("province", "prefecture", "county", "town")
GRAPHML = "region-network.graphml"
NODES_CSV = "nodes.csv"
EDGES_CSV = "edges.csv"
NODE_COLUMNS = ("iri", "zh", "en", "class", "level", "lon", "lat", "measures", "degree", "weighted_degree",
                "betweenness")
EDGE_COLUMNS = ("source", "target", "source_zh", "target_zh", "weight", "typed", "co_mention", "kind", "kinds",
                "measure_count", "measures")
CO_MENTION = str(scheme_iri("linkage-kind", "co-mention"))
_POINT = re.compile(r"\s*(?:<[^>]*>\s*)?POINT\s*\(\s*([-+0-9.eE]+)\s+([-+0-9.eE]+)\s*\)\s*", re.I)
# The linked regions of every measure's linkages (what queries/region-pairs.rq reads too).
LINKAGE_REGIONS = f"""
PREFIX hq: <{HQ}>
PREFIX skos: <{SKOS}>
SELECT ?linkage ?m ?n ?kind ?label ?region WHERE {{
  ?linkage a hq:Linkage ; hq:linkageKind ?kind ; hq:inStatement/hq:statementOf ?m ; hq:linkedRegion ?region .
  ?m a hq:Measure ; hq:number ?n .
  ?kind skos:prefLabel ?label . FILTER(LANG(?label) = "en")
}}"""


def region_network(store: Store, level: str | None = None) -> nx.Graph:
    """The region linkage network of the graph in `store` (see the module docstring)."""
    if level is not None and level not in LEVELS:
        raise ValueError(f"unknown level {level!r}; expected one of {', '.join(LEVELS)} or None")
    regions = {text(r["region"]): r for r in run_named(store, "regions").records()}
    at_level: dict[str, set[str]] = {}  # region IRI -> the levels it stands at (上海市: province and prefecture)
    # region IRI -> the measures (IRIs: numbers restart in every document of a corpus) that reach it
    reached: dict[str, set[str]] = {}
    for row in run_named(store, "measure-regions").records():
        at_level.setdefault(text(row["region"]), set()).add(text(row["level"]))
        if level is None or text(row["level"]) == level:
            reached.setdefault(text(row["region"]), set()).add(text(row["provision"]))
    for iri, region in regions.items():
        if text(region.get("level")) in NODE_LEVELS:
            at_level.setdefault(iri, set()).add(text(region["level"]))
    for iri in list(at_level):  # a municipality with county-level regions under it stands at prefecture level
        if "province" in at_level[iri] and any(text(r.get("parent")) == iri and
                                               text(r.get("level")) == "county" for r in regions.values()):
            at_level[iri].add("prefecture")
    ancestors = {iri: _ancestors(iri, regions) for iri in regions}

    def lift(iri: str) -> str | None:
        for candidate in [iri, *_ancestors_nearest_first(iri, regions)]:
            levels = at_level.get(candidate, set())
            if (level is None and levels & set(NODE_LEVELS)) or level in levels:
                return candidate
        return None

    linkages: dict[str, dict] = {}
    for row in store.query(LINKAGE_REGIONS):
        key = row["linkage"].value
        entry = linkages.setdefault(key, {"m": row["m"].value, "n": int(row["n"].value), "kind": row["kind"].value,
                                          "label": row["label"].value, "regions": set()})
        lifted = lift(row["region"].value)
        if lifted is not None:
            entry["regions"].add(lifted)
    pairs: dict[tuple[str, str], dict[str, set]] = {}
    for entry in linkages.values():
        for a, b in combinations(sorted(entry["regions"]), 2):
            if level is None and (a in ancestors.get(b, ()) or b in ancestors.get(a, ())):
                continue  # a region and one inside it
            pair = pairs.setdefault((a, b), {"typed": set(), "co": set(), "kinds": set(), "by_kind": Counter(),
                                             "numbers": set()})
            pair["numbers"].add(entry["n"])
            if entry["kind"] == CO_MENTION:
                pair["co"].add(entry["m"])
                pair["kinds"].add(entry["label"])
            else:
                pair["typed"].add(entry["m"])
                pair["kinds"].add(entry["label"])
                pair["by_kind"][(entry["label"], entry["m"])] += 1
    graph = nx.Graph(level=level or "all")
    nodes = sorted(set(reached) | {r for pair in pairs for r in pair})
    for iri in nodes:
        graph.add_node(iri, **_node_attributes(iri, regions.get(iri, {}), reached))
    for (a, b), found in sorted(pairs.items()):
        measures = found["typed"] | found["co"]
        per_kind = Counter(label for label, _n in found["by_kind"])
        kind = min(per_kind, key=lambda k: (-per_kind[k], k)) if per_kind else "co-mention"
        graph.add_edge(a, b, weight=2 * len(found["typed"]) + len(found["co"]), typed=len(found["typed"]),
                       co_mention=len(found["co"]), kind=kind, kinds=", ".join(sorted(found["kinds"])),
                       measure_count=len(measures), measures=", ".join(map(str, sorted(found["numbers"]))))
    _add_centrality(graph)
    return graph


def _ancestors_nearest_first(iri: str, regions: dict[str, dict]) -> list[str]:
    found: list[str] = []
    parent = regions.get(iri, {}).get("parent")
    while parent is not None and text(parent) not in found:
        found.append(text(parent))
        parent = regions.get(text(parent), {}).get("parent")
    return found


def _ancestors(iri: str, regions: dict[str, dict]) -> set[str]:
    return set(_ancestors_nearest_first(iri, regions))


def _node_attributes(iri: str, region: dict, reached: dict[str, set[str]]) -> dict:
    cls = text(region.get("class"))
    attributes = {"iri": iri, "zh": text(region.get("zh")), "en": text(region.get("en")),
                  "class": re.split(r"[#/]", cls)[-1], "level": text(region.get("level")),
                  "measures": len(reached.get(iri, ()))}
    point = _POINT.fullmatch(text(region.get("wkt")))
    if point:
        attributes["lon"], attributes["lat"] = float(point.group(1)), float(point.group(2))
    return attributes


def _add_centrality(graph: nx.Graph) -> None:
    betweenness = nx.betweenness_centrality(graph, normalized=True)
    for node in graph.nodes:
        graph.nodes[node]["degree"] = graph.degree(node)
        graph.nodes[node]["weighted_degree"] = graph.degree(node, weight="weight")
        graph.nodes[node]["betweenness"] = round(betweenness[node], 6)


# --- files --------------------------------------------------------------------------------------------------------

def export_network(graph: nx.Graph, out: Path) -> list[Path]:
    """region-network.graphml, nodes.csv and edges.csv in `out`; each file appears whole or not at all."""
    out.mkdir(parents=True, exist_ok=True)
    writers = {GRAPHML: _write_graphml, NODES_CSV: _write_nodes, EDGES_CSV: _write_edges}
    for name, write in writers.items():
        with replacing(out / name) as temp:
            write(graph, temp)
    return [out / name for name in writers]


def _write_graphml(graph: nx.Graph, path: Path) -> None:
    nx.write_graphml(graph, path, encoding="utf-8", prettyprint=True)


def _write_nodes(graph: nx.Graph, path: Path) -> None:
    with open(path, "w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(NODE_COLUMNS)
        for node in sorted(graph.nodes):
            data = graph.nodes[node]
            writer.writerow([data.get(column, "") for column in NODE_COLUMNS])


def _write_edges(graph: nx.Graph, path: Path) -> None:
    with open(path, "w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(EDGE_COLUMNS)
        for a, b in sorted(tuple(sorted(edge)) for edge in graph.edges):
            data = graph.edges[a, b]
            writer.writerow([a, b, graph.nodes[a]["zh"], graph.nodes[b]["zh"], *(data[c] for c in EDGE_COLUMNS[4:])])


def summary(graph: nx.Graph, files: list[Path]) -> str:
    level = "all levels" if graph.graph["level"] == "all" else f"{graph.graph['level']} level"
    return (f"region network ({level}): {graph.number_of_nodes()} regions, "
            f"{graph.number_of_edges()} links -> " + ", ".join(str(f) for f in files))


def export_from_file(graph_path: Path, out: Path, level: str | None = None) -> str:
    """`hqkg network`: load the graph file, build the network, write the three files; returns a summary line."""
    graph = region_network(open_graph(graph_path), level)
    return summary(graph, export_network(graph, out))
