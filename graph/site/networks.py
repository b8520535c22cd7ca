"""Each view as a pyvis Network: the pages are drawn from these, and a notebook user can take one, change it and
show it with pyvis as usual.

    from graph.query.named import open_graph
    from graph.site.pages import view_networks
    nets = view_networks(open_graph(Path("build/graph.ttl")))
    net = nets["regions"]                      # a pyvis.network.Network, positions fixed, physics off
    net.get_node(net.get_nodes()[0])["color"] = "#d62728"
    net.write_html("regions-mine.html")        # pyvis's own template, vis-network inlined

Nodes carry vis-network's attributes (label, shape, color, size, x, y, title) and ours (iri, zh, en, cls, facts,
quotes…); edges likewise (from, to, width, color, title; prop, quotes, facts…). The site renders the same Network
with its own template (graph/site/templates/page.html, through pyvis's set_template_dir), which loads nothing from
a CDN and puts every text on screen as text.
"""
from __future__ import annotations

import json

from pyvis.network import Network

from graph.site.views import View


TITLE_MAX_EDGES = 5000


class _IdList(list):
    """pyvis keeps node ids in a list and checks membership on every add_node and add_edge (O(n) each): measured
    at corpus scale (10,000 nodes, 87,000 links) that is minutes. A list that also keeps a set answers `in` at
    once and is otherwise the list pyvis expects."""

    def __init__(self):
        super().__init__()
        self._set: set = set()

    def append(self, item) -> None:
        super().append(item)
        self._set.add(item)

    def __contains__(self, item) -> bool:
        return item in self._set


def network_of(view: View) -> Network:
    """The view as a pyvis Network (directed: arrows only where the link kind has one)."""
    net = Network(height="100%", width="100%", directed=True, heading=view.title[0], cdn_resources="in_line")
    net.node_ids = _IdList()
    classes = view.classes
    # Tooltips (vis-network's `title`) only on smaller views: on a corpus they double the page for little use.
    titled = len(view.edges) <= TITLE_MAX_EDGES
    for record in view.nodes:
        cls = classes[record["cls"]] if classes else {"shape": "dot", "color": "#7f7f7f", "zh": "", "en": ""}
        label = record["zh"] if record["zh"] == record["en"] else f"{record['zh']}\n{record['en']}"
        extra = {k: v for k, v in record.items() if k not in ("id", "size", "x", "y")}
        net.add_node(record["id"], label=label, shape=cls["shape"], color=cls["color"], size=record["size"],
                     x=record["x"], y=record["y"], physics=bool(view.physics),
                     **({"title": f"{record['zh']} / {record['en']}\n{cls['zh']} / {cls['en']}"} if titled else {}),
                     **{k: v for k, v in extra.items() if k != "label"})
    for i, record in enumerate(view.edges):
        kind = view.props[record["prop"]] if view.props else {"zh": "", "en": "", "arrow": False}
        options = {k: v for k, v in record.items() if k not in ("from", "to")}
        if titled:
            options.setdefault("title", f"{kind['zh']} / {kind['en']}")
        if "color" not in options and kind.get("color"):
            options["color"] = kind["color"]
        net.add_edge(record["from"], record["to"], arrows="to" if kind.get("arrow") else "", **options)
    # pyvis's own option setters (set_options would turn the options into a dict its other setters cannot use).
    net.toggle_physics(bool(view.physics))
    net.options.edges.smooth.enabled = False  # straight lines: dynamic smoothing needs physics, and is slow
    return net


def network_data(net: Network) -> tuple[list[dict], list[dict], dict]:
    """The Network's nodes, edges and vis-network options as the page carries them."""
    nodes, edges, _, _, _, options = net.get_network_data()
    return nodes, edges, json.loads(options)

