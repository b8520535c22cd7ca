"""The region linkage network: regions tied together by the measures and infrastructure projects that reach them.

API (stable; the pages draw their region map from it):

    region_network(store, level=None) -> networkx.Graph

Nodes are administrative regions, keyed by IRI (str). With `level` ('province', 'prefecture' or 'county') only
the regions of that level; a municipality such as 上海市 stands at prefecture level too (queries/region-pairs.rq).
With level None, every province-, prefecture-, county- and town-level region, and no edge between a region and one
inside it (上海市–闵行区 says nothing). A region is a node when a measure or a project reaches it.

Node attributes
    iri, zh, en      the region's IRI and labels
    class            local name of its most specific class ('PrefectureLevelCity')
    level            its own level: province, prefecture, county or town
    lon, lat         floats from its geo:asWKT point; absent when the graph has no point for it
    measures         how many measures reach it (int)
    degree, weighted_degree, betweenness
                     centrality: neighbours, summed edge weights, betweenness (unweighted, normalised)
Edge attributes
    weight           measure_count + project_count
    measure_count, measures        how many / which measures reach both ends ('6, 7, 19')
    project_count, projects        how many / which projects reach both ends ('沪乍杭铁路, 通苏嘉甬铁路')

Reach is the queries' reach (queries/measure-regions.rq, queries/project-regions.rq): what a measure names, the
regions a named policy area is made of or lies in, the places of named projects and institutions, and all their
parents. The edges at one level are the rows of queries/region-pairs.rq at that level.
"""
from __future__ import annotations

import csv
import re
from itertools import combinations
from pathlib import Path

import networkx as nx

from graph.outputs.files import replacing
from graph.query.named import run_named
from graph.rdf.store import Store, open_store
from graph.rdf.terms import text


LEVELS = ("province", "prefecture", "county")
GRAPHML = "region-network.graphml"
NODES_CSV = "nodes.csv"
EDGES_CSV = "edges.csv"
NODE_COLUMNS = ("iri", "zh", "en", "class", "level", "lon", "lat", "measures", "degree", "weighted_degree",
                "betweenness")
EDGE_COLUMNS = ("source", "target", "source_zh", "target_zh", "weight", "measure_count", "measures",
                "project_count", "projects")
_POINT = re.compile(r"\s*(?:<[^>]*>\s*)?POINT\s*\(\s*([-+0-9.eE]+)\s+([-+0-9.eE]+)\s*\)\s*", re.I)


def region_network(store: Store, level: str | None = None) -> nx.Graph:
    """The region linkage network of the graph in `store` (see the module docstring)."""
    if level is not None and level not in LEVELS:
        raise ValueError(f"unknown level {level!r}; expected one of {', '.join(LEVELS)} or None")
    regions = {text(r["region"]): r for r in run_named(store, "regions").records()}
    ties: dict[tuple[str, str], set[str]] = {}  # (kind, measure IRI or project label) -> region IRIs
    numbers: dict[str, int] = {}
    for row in run_named(store, "measure-regions").records():
        if level is None or text(row["level"]) == level:
            ties.setdefault(("measure", text(row["provision"])), set()).add(text(row["region"]))
            numbers[text(row["provision"])] = int(text(row["measure"]))
    for row in run_named(store, "project-regions").records():
        if level is None or text(row["level"]) == level:
            ties.setdefault(("project", text(row["project_zh"])), set()).add(text(row["region"]))

    ancestors = {iri: _ancestors(iri, regions) for iri in regions}
    graph = nx.Graph(level=level or "all")
    reached = sorted(set().union(*ties.values())) if ties else []
    for iri in reached:
        graph.add_node(iri, **_node_attributes(iri, regions.get(iri, {}), ties))
    pairs: dict[tuple[str, str], dict[str, set]] = {}
    for (kind, tie), members in ties.items():
        for a, b in combinations(sorted(members), 2):
            if level is None and (a in ancestors.get(b, ()) or b in ancestors.get(a, ())):
                continue  # a region and one inside it
            pairs.setdefault((a, b), {"measure": set(), "project": set()})[kind].add(tie)
    for (a, b), by_kind in sorted(pairs.items()):
        measures = sorted(numbers[m] for m in by_kind["measure"])
        projects = sorted(by_kind["project"])
        graph.add_edge(a, b, weight=len(measures) + len(projects), measure_count=len(measures),
                       measures=", ".join(map(str, measures)), project_count=len(projects),
                       projects=", ".join(projects))
    _add_centrality(graph)
    return graph


def _ancestors(iri: str, regions: dict[str, dict]) -> set[str]:
    found: set[str] = set()
    parent = regions.get(iri, {}).get("parent")
    while parent is not None and text(parent) not in found:
        found.add(text(parent))
        parent = regions.get(text(parent), {}).get("parent")
    return found


def _node_attributes(iri: str, region: dict, ties: dict[tuple[str, str], set[str]]) -> dict:
    cls = text(region.get("class"))
    attributes = {"iri": iri, "zh": text(region.get("zh")), "en": text(region.get("en")),
                  "class": re.split(r"[#/]", cls)[-1], "level": text(region.get("level")),
                  "measures": sum(1 for (kind, _), members in ties.items() if kind == "measure" and iri in members)}
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
            writer.writerow([a, b, graph.nodes[a]["zh"], graph.nodes[b]["zh"], data["weight"],
                             data["measure_count"], data["measures"], data["project_count"], data["projects"]])


def summary(graph: nx.Graph, files: list[Path]) -> str:
    level = "all levels" if graph.graph["level"] == "all" else f"{graph.graph['level']} level"
    return (f"region network ({level}): {graph.number_of_nodes()} regions, "
            f"{graph.number_of_edges()} links -> " + ", ".join(str(f) for f in files))


def export_from_file(graph_path: Path, out: Path, level: str | None = None) -> str:
    """`hqkg network`: load the graph file, build the network, write the three files; returns a summary line."""
    graph = region_network(open_store(graph_path), level)
    return summary(graph, export_network(graph, out))
