"""Each view is a pyvis Network: the pages are rendered from it, and a notebook user gets the same Network."""
from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from pyvis.network import Network

from graph.site.networks import network_of
from graph.site.pages import view_networks
from graph.site.pages import build_views
from graph.site.render import VIS_NETWORK

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "docs" / "examples" / "pyvis_views.py"


def test_every_view_is_a_pyvis_network_with_its_nodes_and_links(site):
    _, store = site
    views = {v.name: v for v in build_views(store)}
    nets = view_networks(store)
    assert set(nets) == set(views) == {"graph", "regions", "infrastructure", "measures"}
    for name, net in nets.items():
        view = views[name]
        assert isinstance(net, Network)
        assert net.num_nodes() == len(view.nodes) and net.num_edges() == len(view.edges), name
        node = net.get_node(view.nodes[0]["id"])
        assert node["iri"] == view.nodes[0]["iri"] and node["label"].startswith(view.nodes[0]["zh"])
        assert (node["x"], node["y"]) == (view.nodes[0]["x"], view.nodes[0]["y"])
        assert net.options.physics.enabled == view.physics


def test_pages_carry_the_networks_nodes_and_links(site):
    out, store = site
    view = next(v for v in build_views(store) if v.name == "regions")
    net = network_of(view)
    text = (out / "regions.html").read_text(encoding="utf-8")
    data = json.loads(re.search(r'id="hq-data">(.*?)</script>', text, re.S).group(1))
    assert data["nodes"] == json.loads(json.dumps(net.nodes, ensure_ascii=False))
    assert data["edges"] == json.loads(json.dumps(net.edges, ensure_ascii=False))
    assert "cdn" not in text.lower() and "bootstrap" not in text.lower()


def test_adding_many_nodes_stays_linear():
    """pyvis checks membership in a list per add: the Network keeps a set beside it (10,000 nodes, 20,000 links
    took minutes with the plain list). Counted, not timed: ids that count their comparisons."""
    from graph.site.networks import _IdList

    compared = [0]

    class Id(int):
        def __eq__(self, other):
            compared[0] += 1
            return int(self) == int(other)

        __hash__ = int.__hash__

    n = 2_000
    net = Network(directed=True)
    net.node_ids = _IdList()
    ids = [Id(i) for i in range(n)]
    for i in ids:
        net.add_node(i, label=str(i))
    for k in range(2 * n):
        net.add_edge(ids[k % n], ids[(k * 7) % n])
    assert net.num_nodes() == n and net.num_edges() == 2 * n
    # A plain list compares each new id with every earlier one: n * n / 2 = 2,000,000 comparisons for the nodes.
    assert compared[0] < 10 * n, compared[0]


@pytest.mark.slow
def test_the_notebook_example_runs(site, tmp_path):
    out, _ = site
    result = subprocess.run([sys.executable, str(EXAMPLE), str(out / "graph.ttl"), str(tmp_path)], cwd=ROOT,
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr
    written = tmp_path / "regions-shanghai.html"
    # The notebook's regions network is the map page's view: the same nodes and links (43 and 42 on the seed).
    page = json.loads(re.search(r'<script type="application/json" id="hq-data">(.*?)</script>',
                                (out / "regions.html").read_text(encoding="utf-8"), re.S).group(1))
    drawn = f"regions: {len(page['nodes'])} nodes, {len(page['edges'])} links"
    assert f"wrote {written}" in result.stdout and drawn in result.stdout.splitlines()
    html = written.read_text(encoding="utf-8")
    assert "https://w3id.org/hongqiao-kg/id/region/shanghai" in html and "#d62728" in html
    assert VIS_NETWORK.read_text(encoding="utf-8")[:200] in html, "vis-network is not inlined"
