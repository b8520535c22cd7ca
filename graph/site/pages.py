"""The interactive pages: index.html and one page per view, written into a build's output folder.

`write_site(store, out)` reads the graph from a Store (SPARQL only, graph/site/data.py), builds the views
(graph/site/views.py), turns each into a pyvis Network (graph/site/networks.py) and writes them
(graph/site/render.py) with vis-network and a font subset in out/lib/, so the pages open from disk with no network
and show Chinese without any system font. `write_site` is what the build calls; `pages_from_file` serves `hqkg pages`.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import networkx as nx

from graph.outputs.network import region_network
from graph.rdf.namespaces import ELI, HQ
from graph.site.data import GraphFacts, document_of, read_graph, read_linkages
from graph.site.networks import network_of
from graph.site.render import PageLink, copy_assets, render_index, render_view, write_text
from graph.site.views import (
    View, class_styles, infrastructure_view, measure_view, region_network_view, whole_graph_view,
)
from graph.query.named import open_graph
from graph.rdf.store import Store

PAGE_FILES = ("graph.html", "regions.html", "infrastructure.html", "measures.html")


@dataclass(frozen=True)
class SiteSummary:
    pages: dict[str, tuple[int, int]]  # file -> (nodes, edges)


def build_views(store: Store, facts: GraphFacts | None = None, network: nx.Graph | None = None) -> list[View]:
    """The site's views; `network`: the store's region_network, when the caller has it already (the build's
    network step made it: 2.0 s at 10^6 triples)."""
    facts = facts or read_graph(store)
    styles = class_styles(facts)
    return [whole_graph_view(facts, styles),
            region_network_view(facts, styles, region_network(store) if network is None else network,
                                read_linkages(store)),
            infrastructure_view(facts, styles), measure_view(facts, styles)]


def view_networks(store: Store) -> dict:
    """Every view of the site (graph, regions, infrastructure, measures) as a pyvis Network, by name: the networks
    the pages are drawn from, for a notebook user to show or change."""
    return {view.name: network_of(view) for view in build_views(store)}


def documents(facts: GraphFacts) -> list[tuple[str, str]]:
    """(zh, en) titles of the policy texts the graph holds (those with provisions), else of every document."""
    with_text = {document_of(p.iri) for p in facts.provisions.values()}
    found = []
    for thing in facts.of_family(HQ.PolicyDocument):
        if with_text and thing.iri not in with_text:
            continue
        titles = {}
        for prop, value, lang in facts.facts.get(thing.iri, ()):
            if prop == str(ELI.title) and lang[:2] in ("zh", "en"):
                titles.setdefault(lang[:2], value)
        found.append((titles.get("zh", thing.zh), titles.get("en", thing.en if thing.en != thing.zh else "")))
    return sorted(found)


def write_site(store: Store, out: Path, network: nx.Graph | None = None) -> SiteSummary:
    """index.html, the view pages and lib/ into `out` (created if needed); other files in `out` are kept and
    listed on the index. `network`: see build_views."""
    facts = read_graph(store)
    views = build_views(store, facts, network)
    links = [PageLink(f"{v.name}.html", v.title, v.intro, len(v.nodes), len(v.edges)) for v in views]
    # Every page is rendered before any file is written, and each file is replaced whole, so an error never
    # leaves a half-written page.
    pages = {f"{view.name}.html": render_view(view, links) for view in views}
    ours = {"index.html"} | set(pages)
    others = sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()) if out.is_dir() else []
    others = [f for f in others if f not in ours and not f.startswith("lib/")
              and not any(part.startswith(".") for part in f.split("/"))]
    pages["index.html"] = render_index(documents(facts), links, others)
    out.mkdir(parents=True, exist_ok=True)
    copy_assets(out, pages)
    for name, text in pages.items():
        write_text(out / name, text)
    return SiteSummary({link.file: (link.nodes, link.edges) for link in links})


def pages_from_file(graph: Path, out: Path) -> SiteSummary:
    """`hqkg pages`: load a graph file (Turtle, TriG, N-Triples…) and write its pages into `out`."""
    return write_site(open_graph(graph), out)
