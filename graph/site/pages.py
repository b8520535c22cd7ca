"""The interactive pages: index.html and one page per view, written into a build's output folder.

`write_site(store, out)` reads the graph from a Store (SPARQL only, graph/site/data.py), builds the views
(graph/site/views.py), turns each into a pyvis Network (graph/site/networks.py) and writes them
(graph/site/render.py) with vis-network and a font subset in out/lib/, so the pages open from disk with no network
and show Chinese without any system font. `write_site` is what the build calls; `pages_from_file` serves `hqkg pages`.
"""
from __future__ import annotations

import hashlib
import itertools
import re
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

import networkx as nx

from graph.outputs.network import region_network
from graph.outputs.files import replacing
from graph.rdf.namespaces import ELI, HQ, HQR
from graph.site.data import GraphFacts, document_of, read_graph, read_linkages
from graph.site.networks import network_of
from graph.site.render import PageLink, copy_assets, render_index, render_view
from graph.site.views import (
    Shared, View, class_styles, page_key, infrastructure_view, measure_documents, measure_views, region_network_view,
    whole_graph_view,
)
from graph.query.named import open_graph
from graph.rdf.store import Store

PAGE_FILES = ("graph.html", "regions.html", "infrastructure.html", "measures.html")


@dataclass(frozen=True)
class SiteSummary:
    pages: dict[str, tuple[int, int]]  # file -> (nodes, edges)


def build_views(store: Store, facts: GraphFacts | None = None, network: nx.Graph | None = None) -> list[View]:
    """The site's views; `network`: the store's region_network, when the caller has it already (the build's
    network step made it: 2.0 s at 10^6 triples). For a corpus the measure view is its first document's (the
    others are drawn by write_site, one page each: measure_views)."""
    facts = facts or read_graph(store)
    styles, shared = class_styles(facts), Shared.of(facts)
    return [*_map_views(store, facts, styles, shared, network), next(measure_views(facts, styles, shared))[1]]


def _map_views(store: Store, facts: GraphFacts, styles, shared: Shared, network: nx.Graph | None) -> list[View]:
    return [whole_graph_view(facts, styles, shared),
            region_network_view(facts, styles, region_network(store) if network is None else network,
                                read_linkages(store), shared),
            infrastructure_view(facts, styles, shared)]


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
        found.append(document_titles(facts, thing.iri))
    return sorted(found)


def document_titles(facts: GraphFacts, iri: str) -> tuple[str, str]:
    """A document's zh and en titles (eli:title), else its labels; en is '' when it has no English name."""
    thing = facts.things.get(iri)
    zh, en = (thing.zh, thing.en) if thing is not None else facts.label(iri)
    titles = {}
    for prop, value, lang in facts.facts.get(iri, ()):
        if prop == str(ELI.title) and lang[:2] in ("zh", "en"):
            titles.setdefault(lang[:2], value)
    return titles.get("zh", zh), titles.get("en", en if en != zh else "")


MEASURE_FOLDER = "measures"
_SAFE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,99}")


def measure_page_files(documents: list[str]) -> dict[str, str]:
    """Document IRI -> its measure page from the site's root: the first document's is measures.html (the page the
    navigation opens), each other's measures/<its id>.html (the id as the IRI ends, when it makes a plain file name;
    else a hash of the IRI)."""
    files: dict[str, str] = {}
    taken = {"measures.html"}
    for i, document in enumerate(documents):
        if i == 0:
            files[document] = "measures.html"
            continue
        name = document.rstrip("/").rsplit("/", 1)[-1]
        if not _SAFE_NAME.fullmatch(name) or f"{MEASURE_FOLDER}/{name}.html" in taken:
            name = "document-" + hashlib.sha256(document.encode("utf-8")).hexdigest()[:16]
        files[document] = f"{MEASURE_FOLDER}/{name}.html"
        taken.add(files[document])
    return files


def write_site(store: Store, out: Path, network: nx.Graph | None = None) -> SiteSummary:
    """index.html, the view pages (a corpus's measure browser: one page per document, measures.html the first,
    the others in measures/) and lib/ into `out` (created if needed); other files in `out` are kept and listed on the
    index. `network`: see build_views.

    Every page goes beside its place as it is rendered and all are put in place together once every page and lib/
    are written, so an error never leaves a half-written site; only one measure page is held at a time (at 1,250
    texts one page of every provision was about 60 MB of HTML, and its records several times that)."""
    facts = read_graph(store)
    styles, shared = class_styles(facts), Shared.of(facts)
    views = _map_views(store, facts, styles, shared, network)
    drawn = measure_documents(facts, shared)
    files = measure_page_files(drawn) if drawn is not None else {}
    pages = measure_views(facts, styles, shared)
    first_document, first = next(pages)
    links = [PageLink(f"{v.name}.html", v.title, v.intro, len(v.nodes), len(v.edges)) for v in [*views, first]]
    menu = [[*document_titles(facts, d), files[d], page_key(d)] for d in drawn or ()]
    ours = {"index.html"} | {link.file for link in links} | set(files.values())
    others = sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()) if out.is_dir() else []
    others = [f for f in others if f not in ours and not f.startswith("lib/")
              and not any(part.startswith(".") for part in f.split("/"))]
    out.mkdir(parents=True, exist_ok=True)
    if files:
        (out / MEASURE_FOLDER).mkdir(exist_ok=True)
    chars: list[set[str]] = []
    with ExitStack() as stack:
        def put(file: str, text: str) -> None:
            tmp = stack.enter_context(replacing(out / file))
            tmp.write_text(text, encoding="utf-8")
            chars.append(set(text))

        for view in views:
            put(f"{view.name}.html", render_view(view, links))
        drawn_nodes = drawn_edges = 0
        for document, view in itertools.chain([(first_document, first)], pages):
            file = files.get(document, "measures.html")
            view.measure_pages = [[*entry, entry[2] == file] for entry in menu]
            put(file, render_view(view, links, file))
            drawn_nodes, drawn_edges = drawn_nodes + len(view.nodes), drawn_edges + len(view.edges)
        # The index counts the measure browser over all its pages (a region on two pages counts twice).
        links[-1] = PageLink(links[-1].file, links[-1].title, links[-1].intro, drawn_nodes, drawn_edges)
        put("index.html", render_index(documents(facts), links, others))
        copy_assets(out, chars)
    return SiteSummary({link.file: (link.nodes, link.edges) for link in links})


def pages_from_file(graph: Path, out: Path) -> SiteSummary:
    """`hqkg pages`: load a graph file (Turtle, TriG, N-Triples…) and write its pages into `out`."""
    return write_site(open_graph(graph), out)
