"""Node positions for the pages, computed once in Python so the browser never runs a physics simulation on a
large graph.

Regions with a point go where they are on the map (longitude/latitude, equirectangular, north up); a region
without one goes to the centroid of its members, else of its sub-regions, else to its parent. Other things are
anchored next to what they link to, and small graphs are then relaxed by networkx's spring layout. Everything is
deterministic: same input, same positions.
"""
from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Mapping

import networkx as nx

# Pixels per degree of latitude: Shanghai's districts ~30–80 px apart, the Yangtze River Delta ~2,500 px wide.
PIXELS_PER_DEGREE = 700.0
# networkx's dense spring layout (numpy only) is used up to this size; it is O(n²) per iteration.
SPRING_MAX_NODES = 500
SPRING_SCALE = 450.0
GOLDEN_ANGLE = math.pi * (3 - math.sqrt(5))

Point = tuple[float, float]


def origin(points: Mapping[str, Point]) -> Point:
    """The projection's centre: the points' mean (lon, lat)."""
    if not points:
        return (0.0, 0.0)
    return (sum(lon for lon, _ in points.values()) / len(points), sum(lat for _, lat in points.values()) / len(points))


def projector(centre: Point):
    """(lon, lat) -> canvas (x, y): equirectangular around `centre`, y growing southwards."""
    lon0, lat0 = centre
    shrink = math.cos(math.radians(lat0))

    def to_canvas(lon: float, lat: float) -> Point:
        return (lon - lon0) * shrink * PIXELS_PER_DEGREE, (lat0 - lat) * PIXELS_PER_DEGREE
    return to_canvas


def project(points: Mapping[str, Point], centre: Point | None = None) -> dict[str, Point]:
    """(lon, lat) -> canvas (x, y) around `centre` (default: the points' mean)."""
    to_canvas = projector(centre if centre is not None else origin(points))
    return {iri: to_canvas(lon, lat) for iri, (lon, lat) in points.items()}


def project_shapes(features: Iterable[dict], centre: Point, decimals: int = 1) -> list[dict]:
    """GeoJSON (Multi)Polygon features -> {code, name, level, province, rings: [[x0, y0, x1, y1, …], …]} in canvas
    units of `projector(centre)`, each ring a flat list (small to carry, quick to draw)."""
    to_canvas = projector(centre)
    shapes = []
    for feature in features:
        geometry = feature.get("geometry") or {}
        polygons = geometry.get("coordinates", [])
        if geometry.get("type") == "Polygon":
            polygons = [polygons]
        rings = []
        for polygon in polygons:
            for ring in polygon:
                flat = []
                for lon, lat in ring[:-1]:
                    x, y = to_canvas(lon, lat)
                    flat += [round(x, decimals), round(y, decimals)]
                rings.append(flat)
        props = feature.get("properties", {})
        shapes.append({"code": str(props.get("code", "")), "name": str(props.get("name", "")),
                       "level": str(props.get("level", "")), "province": str(props.get("province", "")),
                       "rings": rings})
    return shapes


def centroid(points: Iterable[Point]) -> Point | None:
    points = list(points)
    if not points:
        return None
    return sum(x for x, _ in points) / len(points), sum(y for _, y in points) / len(points)


def region_positions(regions: Iterable[str], points: Mapping[str, Point], parents: Mapping[str, Iterable[str]],
                     members: Mapping[str, Iterable[str]], centre: Point | None = None) -> dict[str, Point]:
    """Canvas positions of `regions`: their own point, else members' centroid, else sub-regions', else parent's.

    `points` are (lon, lat); `parents` and `members` map a region IRI to region IRIs. A region none of these
    rules places is left out (the caller anchors it next to its neighbours).
    """
    projected = project(points, centre)
    children: dict[str, list[str]] = defaultdict(list)
    for child, ps in parents.items():
        for parent in ps:
            children[parent].append(child)
    resolved: dict[str, Point | None] = {}

    def place(iri: str, seen: frozenset[str]) -> Point | None:
        if iri in resolved:
            return resolved[iri]
        if iri in projected:
            return projected[iri]
        if iri in seen:
            return None
        seen = seen | {iri}
        for group in (members.get(iri, ()), children.get(iri, ())):
            found = centroid(p for p in (place(m, seen) for m in sorted(group)) if p is not None)
            if found is not None:
                return found
        for parent in sorted(parents.get(iri, ())):
            found = place(parent, seen)
            if found is not None:
                return found
        return None

    for iri in sorted(set(regions)):
        resolved[iri] = place(iri, frozenset())
    return {iri: p for iri, p in resolved.items() if p is not None}


def anchored(nodes: list[str], edges: Iterable[tuple[str, str]], fixed: Mapping[str, Point],
             gap: float = 60.0) -> dict[str, Point]:
    """Fixed nodes stay; each other node goes to the centroid of its placed neighbours, nudged along a spiral
    so nodes anchored at the same spot do not cover each other. Linear in nodes + edges."""
    neighbours: dict[str, list[str]] = defaultdict(list)
    for a, b in edges:
        neighbours[a].append(b)
        neighbours[b].append(a)
    positions = {n: fixed[n] for n in nodes if n in fixed}
    crowd: dict[tuple[int, int], int] = defaultdict(int)
    frontier = sorted(n for n in nodes if n not in positions and any(m in positions for m in neighbours[n]))
    while frontier:
        placed_now = {}
        for n in frontier:
            spot = centroid(positions[m] for m in neighbours[n] if m in positions)
            key = (round(spot[0] / gap), round(spot[1] / gap))
            crowd[key] += 1
            placed_now[n] = _spiral(spot, crowd[key], gap)
        positions.update(placed_now)
        frontier = sorted({m for n in placed_now for m in neighbours[n] if m not in positions})
    rest = [n for n in nodes if n not in positions]
    if rest:  # not connected to anything placed: a grid below the drawing
        bottom = max((y for _, y in positions.values()), default=0.0) + 4 * gap
        left = min((x for x, _ in positions.values()), default=0.0)
        columns = max(1, math.ceil(math.sqrt(len(rest))))
        for i, n in enumerate(rest):
            positions[n] = (left + (i % columns) * gap, bottom + (i // columns) * gap)
    return positions


def _spiral(centre: Point, k: int, gap: float) -> Point:
    radius = gap * 0.6 * math.sqrt(k)
    angle = k * GOLDEN_ANGLE
    return centre[0] + radius * math.cos(angle), centre[1] + radius * math.sin(angle)


def spread_overlaps(positions: Mapping[str, Point], gap: float = 40.0) -> dict[str, Point]:
    """Nodes at the same spot (a policy area at the centroid of one member…) are moved apart on a small circle."""
    groups: dict[tuple[int, int], list[str]] = defaultdict(list)
    for iri in sorted(positions):
        x, y = positions[iri]
        groups[(round(x / 4), round(y / 4))].append(iri)
    spread = dict(positions)
    for group in groups.values():
        if len(group) > 1:
            x, y = positions[group[0]]
            for i, iri in enumerate(group):
                angle = 2 * math.pi * i / len(group) - math.pi / 2
                spread[iri] = (x + gap * math.cos(angle), y + gap * math.sin(angle))
    return spread


def relaxed(nodes: list[str], edges: Iterable[tuple[str, str]], start: Mapping[str, Point],
            seed: int = 7) -> dict[str, Point]:
    """Small graphs: networkx's spring layout from `start`; large ones keep `start` (it is O(n²))."""
    if len(nodes) > SPRING_MAX_NODES or len(nodes) < 3:
        return dict(start)
    graph = nx.Graph()
    graph.add_nodes_from(nodes)
    graph.add_edges_from((a, b) for a, b in edges if a != b)
    xs = [p[0] for p in start.values()] or [0.0]
    ys = [p[1] for p in start.values()] or [0.0]
    span = max(max(xs) - min(xs), max(ys) - min(ys), 1.0)
    initial = {n: ((start[n][0] - min(xs)) / span, (start[n][1] - min(ys)) / span) for n in nodes}
    laid = nx.spring_layout(graph, pos=initial, seed=seed, iterations=60, k=1.6 / math.sqrt(len(nodes)))
    scale = SPRING_SCALE * math.sqrt(len(nodes) / 50)
    return {n: (float(laid[n][0]) * scale, float(laid[n][1]) * scale) for n in nodes}
