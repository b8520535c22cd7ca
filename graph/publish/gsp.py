"""`hqkg publish`: load the dataset into any SPARQL 1.1 store, replacing its graphs so that publishing twice
leaves the store as publishing once.

First the Graph Store HTTP Protocol: one `PUT <endpoint>?graph=<iri>` per named graph (PUT replaces the graph).
If the endpoint has no Graph Store Protocol (it answers 400, 404, 405, 415 or 501 to the first PUT), or when asked
to, SPARQL 1.1 Update at the update endpoint: per graph `DROP SILENT GRAPH` then `INSERT DATA` in chunks, blank
nodes skolemised (`<base>genid/<label>`: Virtuoso refuses blank nodes in INSERT DATA, and a label would name a new
node in every request). Bodies are N-Triples, which every Turtle parser reads, sent as text/turtle. The dataset's
description graph is published too. Authentication (graph.publish.http) is answered before any body is sent.

The default graph: the project's questions (queries/*.rq) ask the default graph, and locally that is graph.ttl,
the asserted triples, with the inferred graph the reasoner makes of them (the broader types the questions test;
graph.query.named.open_store_reasoned). `default_graph="merged"` (the default) also publishes those triples, every
graph but the dataset's description, as the store's default graph (`PUT ?default`; on Virtuoso, which has no default graph of its own, as the named graph
`<base>graph/default`, to be named by `default-graph-uri`), so the questions give the same rows there as locally.
`"union"` publishes only the named graphs: ask the store to use the union of its graphs (Oxigraph
`?union-default-graph`, Jena `unionDefaultGraph`, Virtuoso does so without a FROM); the union also holds the
description graph, which no question reads. `"none"`: named graphs only.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, urlsplit

from rdflib import BNode, URIRef
from rdflib.term import Node

from graph.outputs.describe import description_graph
from graph.outputs.export import Dataset, describe_dataset, load_dataset, nt_bytes
from graph.publish.http import HttpError, Session, Unreachable
from graph.rdf.terms import from_ox, quads_to_rdflib, to_ox

Triple = tuple[Node, Node, Node]
NO_GRAPH_STORE = (400, 404, 405, 415, 501)  # answers meaning "no Graph Store Protocol here"
DEFAULT_CHUNK = 5000  # triples per INSERT DATA request
DEFAULT_GRAPH_CHOICES = ("merged", "union", "none")


@dataclass(frozen=True)
class Profile:
    """What differs between stores that speak the same protocols."""

    name: str
    graph_param: str = "graph"  # the Graph Store Protocol's parameter (Virtuoso: graph-uri)
    update_prefix: str = ""  # text put before each INSERT DATA
    chunk: int = DEFAULT_CHUNK
    true_default_graph: bool = True  # False: the store's default graph is the union (Virtuoso)


PROFILES = {
    "generic": Profile("generic"),
    "oxigraph": Profile("oxigraph"),
    "jena": Profile("jena"),
    # Measured on 7.2.5: without big-data-const an INSERT DATA of more than ~1 200 triples fails ("generated SQL
    # text has exceeded 10000 lines"); with it up to 4 989 triples a request (then "memory exhausted").
    "virtuoso": Profile("virtuoso", graph_param="graph-uri", update_prefix="DEFINE sql:big-data-const 1\n",
                        chunk=2000, true_default_graph=False),
}


def default_graph_name(base: str) -> URIRef:
    """Where a store without a default graph of its own (Virtuoso) keeps the merged default graph."""
    return URIRef(f"{base}graph/default")


class PublishError(RuntimeError):
    """A store that refused or could not be reached; the message says which request and what it answered."""


@dataclass(frozen=True)
class Target:
    endpoint: str  # the Graph Store Protocol URL (e.g. Oxigraph http://host:7878/store, Fuseki …/ds/data)
    update_endpoint: str | None = None  # SPARQL Update URL for the fallback (default: the endpoint itself)
    user: str | None = None
    password: str | None = None
    timeout: float = 300.0
    store: str = "generic"  # a key of PROFILES
    default_graph: str = "merged"  # merged | union | none (see the module's docstring)

    @property
    def profile(self) -> Profile:
        return PROFILES[self.store]


@dataclass
class PublishReport:
    method: str  # 'gsp', 'update', 'bulk-virtuoso' or 'bulk-jena'
    graphs: list[tuple[str, int]] = field(default_factory=list)  # (graph IRI, triples sent)
    requests: int = 0

    @property
    def triples(self) -> int:
        return sum(n for _, n in self.graphs)


def plan(dataset: Dataset, graph: str | None = None, default_graph: str = "none",
         true_default_graph: bool = True) -> list[tuple[URIRef | None, list[Triple]]]:
    """What goes where: each named graph (the description included) to itself, or everything into `graph`; with
    `default_graph="merged"` also the asserted and the inferred triples (what the questions read: graph.ttl's, with
    the reasoner's) to the default graph (None), or to
    `<base>graph/default` for a store without a default graph of its own."""
    if default_graph not in DEFAULT_GRAPH_CHOICES:
        raise PublishError(f"unknown default graph choice {default_graph!r}; expected merged, union or none")
    own = description_graph(dataset.base)
    # Publishing plans in rdflib terms (skolemising, chunking); the dataset and the writers speak Oxigraph's.
    quads = [q for q in quads_to_rdflib(dataset.quads) if q[3] != own]
    quads += [(from_ox(s), from_ox(p), from_ox(o), own) for s, p, o in describe_dataset(dataset)]
    if graph is not None:
        target = _check_iri(graph)
        return [(target, sorted({(s, p, o) for s, p, o, _ in quads}, key=_key))]
    merged: list[tuple[URIRef | None, list[Triple]]] = []
    if default_graph == "merged" and all(g is not None for *_, g in quads):
        read = sorted({(s, p, o) for s, p, o, g in quads if g != own}, key=_key)  # all but the description
        merged = [(None if true_default_graph else default_graph_name(dataset.base), read)]
    if any(g is None for *_, g in quads):
        raise PublishError("the data has triples outside named graphs (a Turtle or N-Triples file?): "
                           "give --graph IRI to publish them into one graph")
    by_graph: dict[URIRef, set[Triple]] = {}
    for s, p, o, g in quads:
        by_graph.setdefault(g, set()).add((s, p, o))
    return merged + [(g, sorted(triples, key=_key)) for g, triples in sorted(by_graph.items())]


def publish(data: Path, target: Target, graph: str | None = None, method: str = "auto",
            chunk: int | None = None) -> PublishReport:
    """Load `data` (a build folder or RDF file) into the store at `target`; method 'auto', 'gsp' or 'update'."""
    if method not in ("auto", "gsp", "update"):
        raise PublishError(f"unknown method {method!r}; expected auto, gsp or update")
    if target.store not in PROFILES:
        raise PublishError(f"unknown store {target.store!r}; expected one of {', '.join(PROFILES)}")
    for url in (target.endpoint, target.update_endpoint):
        if url is not None and urlsplit(url).scheme not in ("http", "https"):
            raise PublishError(f"endpoint must be an http(s) URL, got {url!r}")
    profile = target.profile
    dataset = load_dataset(data)
    graphs = plan(dataset, graph, target.default_graph, profile.true_default_graph)
    client = _Client(target)
    try:
        if method in ("auto", "gsp"):
            report = PublishReport("gsp")
            for index, (name, triples) in enumerate(graphs):
                separator = "&" if "?" in target.endpoint else "?"
                where = "default" if name is None else f"{profile.graph_param}={quote(name, safe='')}"
                try:
                    client.send("PUT", f"{target.endpoint}{separator}{where}", nt_bytes(_ox(triples)),
                                "text/turtle; charset=utf-8")
                except HttpError as error:
                    if method == "auto" and index == 0 and error.status in NO_GRAPH_STORE:
                        break  # no Graph Store Protocol here: fall back to SPARQL Update
                    raise PublishError(str(error)) from None
                report.requests += 1
                report.graphs.append(("(default graph)" if name is None else str(name), len(triples)))
            else:
                return report
        report = PublishReport("update")
        update_url = target.update_endpoint or target.endpoint
        size = chunk or profile.chunk
        for name, triples in graphs:
            requests = _update_requests(name, skolemise(triples, dataset.base), size, profile.update_prefix)
            for text in requests:
                try:
                    client.send("POST", update_url, text.encode(), "application/sparql-update; charset=utf-8")
                except HttpError as error:
                    raise PublishError(str(error)) from None
                report.requests += 1
            report.graphs.append(("(default graph)" if name is None else str(name), len(triples)))
        return report
    finally:
        client.close()


def skolemise(triples: Sequence[Triple], base: str) -> list[Triple]:
    """Every blank node replaced by `<base>genid/<label>` (the dataset's labels are canonical, so stable)."""
    def iri(term: Node) -> Node:
        return URIRef(f"{base}genid/{term}") if isinstance(term, BNode) else term

    return [(iri(s), p, iri(o)) for s, p, o in triples]


def _update_requests(name: URIRef | None, triples: Sequence[Triple], size: int, prefix: str) -> list[str]:
    """DROP SILENT then INSERT DATA in pieces of `size` triples, for one graph (None: the default graph)."""
    if size < 1:
        raise PublishError(f"chunk size must be at least 1, got {size}")
    drop = "DROP SILENT DEFAULT" if name is None else f"DROP SILENT GRAPH <{name}>"
    requests = [f"{prefix}{drop}\n"]
    for start in range(0, len(triples), size):
        body = nt_bytes(_ox(triples[start:start + size])).decode()
        inner = body if name is None else f"GRAPH <{name}> {{\n{body}}}"
        requests.append(f"{prefix}INSERT DATA {{\n{inner}\n}}\n")
    return requests


def chunks(triples: Sequence[Triple], size: int) -> list[list[Triple]]:
    """Consecutive pieces of about `size` triples; triples linked by a blank node always share a piece."""
    if size < 1:
        raise PublishError(f"chunk size must be at least 1, got {size}")
    parent: dict[BNode, BNode] = {}

    def find(node: BNode) -> BNode:
        while parent.setdefault(node, node) != node:
            parent[node] = parent[parent[node]]
            node = parent[node]
        return node

    for s, _, o in triples:
        if isinstance(s, BNode) and isinstance(o, BNode):
            parent[find(s)] = find(o)
    groups: dict[object, list[Triple]] = {}
    for t in triples:
        blank = t[0] if isinstance(t[0], BNode) else t[2] if isinstance(t[2], BNode) else None
        groups.setdefault(find(blank) if blank is not None else ("triple", t), []).append(t)
    pieces: list[list[Triple]] = [[]]
    for group in groups.values():
        if pieces[-1] and len(pieces[-1]) + len(group) > size:
            pieces.append([])
        pieces[-1].extend(group)
    return [p for p in pieces if p]


def _ox(triples: Iterable[Triple]) -> list:
    return [(to_ox(s), to_ox(p), to_ox(o)) for s, p, o in triples]


def _key(t: Triple) -> tuple[str, str, str]:
    return str(t[0]), str(t[1]), t[2].n3()


def _check_iri(iri: str) -> URIRef:
    parts = urlsplit(iri)
    if not parts.scheme or any(c in iri for c in ' <>"{}|\\^`'):
        raise PublishError(f"--graph must be an absolute IRI, got {iri!r}")
    return URIRef(iri)


class _Client:
    """One authenticated session per host (graph.publish.http): challenge first, then each body once."""

    def __init__(self, target: Target):
        self.target = target
        self._sessions: dict[tuple[str, str | None, int | None], Session] = {}

    def send(self, method: str, url: str, body: bytes, content_type: str) -> bytes:
        parts = urlsplit(url)
        key = (parts.scheme, parts.hostname, parts.port)
        if key not in self._sessions:
            self._sessions[key] = Session(url, self.target.user, self.target.password, self.target.timeout)
        try:
            return self._sessions[key].request(method, url, body, {"Content-Type": content_type}).body
        except Unreachable as error:
            raise PublishError(f"{method} {url}: cannot reach the store: {error}") from None

    def close(self) -> None:
        for session in self._sessions.values():
            session.close()


def summary(report: PublishReport) -> Iterable[str]:
    """Lines for the command's output."""
    how = {"gsp": "Graph Store Protocol (PUT)", "update": "SPARQL Update (DROP + INSERT DATA)",
           "bulk-virtuoso": "Virtuoso's bulk loader (isql)", "bulk-jena": "TDB2's bulk loader"}[report.method]
    yield f"published {report.triples} triples in {len(report.graphs)} graph(s) by {how}, {report.requests} request(s)"
    for name, count in report.graphs:
        yield f"  {name}: {count}"
