"""Take the site's views as pyvis Networks, change one, and write it with pyvis (for a notebook: the same, then
`net.show("regions.html", notebook=True)`).

    python docs/examples/pyvis_views.py build/graph.ttl out-dir

Writes out-dir/regions-shanghai.html: the region map's network with Shanghai's links highlighted, drawn by
pyvis's own template with vis-network inlined (cdn_resources="in_line"; that template still links Bootstrap from
a CDN, unlike the site's pages). tests/site/test_networks.py runs it.
"""
from __future__ import annotations

import sys
from pathlib import Path

from graph.query.named import open_graph
from graph.site.pages import view_networks

SHANGHAI = "https://w3id.org/hongqiao-kg/id/region/shanghai"


def main(graph: Path, out: Path) -> Path:
    nets = view_networks(open_graph(graph))  # {"graph": Network, "regions": …, "infrastructure": …, "measures": …}
    net = nets["regions"]
    shanghai = next(n for n in net.nodes if n["iri"] == SHANGHAI)
    shanghai["color"] = "#d62728"
    for edge in net.get_edges():
        edge["color"] = "#d62728" if shanghai["id"] in (edge["from"], edge["to"]) else "#c8ced6"
    net.toggle_physics(False)  # positions come from the map; keep them
    out.mkdir(parents=True, exist_ok=True)
    target = out / "regions-shanghai.html"
    net.write_html(str(target))
    for name, other in sorted(nets.items()):
        print(f"{name}: {other.num_nodes()} nodes, {other.num_edges()} links")
    print(f"wrote {target}")
    return target


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]))
