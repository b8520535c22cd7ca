"""`hqkg publish`: load the dataset into any SPARQL 1.1 store, replacing its graphs so that publishing twice
leaves the store as publishing once.

First the Graph Store HTTP Protocol: one `PUT <endpoint>?graph=<iri>` per named graph (PUT replaces the graph).
If the endpoint has no Graph Store Protocol (it answers 400, 404, 405, 415 or 501 to the first PUT), or when asked
to, SPARQL 1.1 Update at the update endpoint: per graph `DROP SILENT GRAPH` then `INSERT DATA` in chunks, each
blank node kept in one chunk with every triple that shares it (labels are scoped to one request). Bodies are
N-Triples, which every Turtle parser reads, sent as text/turtle. The dataset's description graph is published too.
"""
from __future__ import annotations

import urllib.error
import urllib.request
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, urlsplit

import pyoxigraph as ox
from rdflib import URIRef

from graph.outputs.describe import description_graph
from graph.outputs.export import Dataset, describe_dataset, load_dataset, nt_bytes

Triple = tuple[ox.NamedNode | ox.BlankNode, ox.NamedNode, ox.NamedNode | ox.BlankNode | ox.Literal]
NO_GRAPH_STORE = (400, 404, 405, 415, 501)  # answers meaning "no Graph Store Protocol here"
DEFAULT_CHUNK = 5000  # triples per INSERT DATA request


class PublishError(RuntimeError):
    """A store that refused or could not be reached; the message says which request and what it answered."""


@dataclass(frozen=True)
class Target:
    endpoint: str  # the Graph Store Protocol URL (e.g. Oxigraph http://host:7878/store, Fuseki …/ds/data)
    update_endpoint: str | None = None  # SPARQL Update URL for the fallback (default: the endpoint itself)
    user: str | None = None
    password: str | None = None
    timeout: float = 300.0


@dataclass
class PublishReport:
    method: str  # 'gsp' or 'update'
    graphs: list[tuple[str, int]] = field(default_factory=list)  # (graph IRI, triples sent)
    requests: int = 0

    @property
    def triples(self) -> int:
        return sum(n for _, n in self.graphs)


def plan(dataset: Dataset, graph: str | None = None) -> list[tuple[URIRef, list[Triple]]]:
    """What goes where: each named graph (the description included) to itself, or everything into `graph`."""
    own = ox.NamedNode(str(description_graph(dataset.base)))
    quads = [(q.subject, q.predicate, q.object, q.graph_name) for q in dataset.quads if q.graph_name != own]
    quads += [(s, p, o, own) for s, p, o in describe_dataset(dataset)]
    if graph is not None:
        target = _check_iri(graph)
        return [(target, sorted({(s, p, o) for s, p, o, _ in quads}, key=_key))]
    if any(isinstance(g, ox.DefaultGraph) for *_, g in quads):
        raise PublishError("the data has triples outside named graphs (a Turtle or N-Triples file?): "
                           "give --graph IRI to publish them into one graph")
    by_graph: dict[str, set[Triple]] = {}
    for s, p, o, g in quads:
        by_graph.setdefault(g.value, set()).add((s, p, o))
    return [(URIRef(g), sorted(triples, key=_key)) for g, triples in sorted(by_graph.items())]


def publish(data: Path, target: Target, graph: str | None = None, method: str = "auto",
            chunk: int = DEFAULT_CHUNK) -> PublishReport:
    """Load `data` (a build folder or RDF file) into the store at `target`; method 'auto', 'gsp' or 'update'."""
    if method not in ("auto", "gsp", "update"):
        raise PublishError(f"unknown method {method!r}; expected auto, gsp or update")
    for url in (target.endpoint, target.update_endpoint):
        if url is not None and urlsplit(url).scheme not in ("http", "https"):
            raise PublishError(f"endpoint must be an http(s) URL, got {url!r}")
    graphs = plan(load_dataset(data), graph)
    client = _Client(target)
    if method in ("auto", "gsp"):
        report = PublishReport("gsp")
        for index, (name, triples) in enumerate(graphs):
            separator = "&" if "?" in target.endpoint else "?"
            try:
                client.send("PUT", f"{target.endpoint}{separator}graph={quote(name, safe='')}", nt_bytes(triples),
                            "text/turtle; charset=utf-8")
            except _HttpError as error:
                if method == "auto" and index == 0 and error.code in NO_GRAPH_STORE:
                    break  # no Graph Store Protocol here: fall back to SPARQL Update
                raise PublishError(str(error)) from None
            report.requests += 1
            report.graphs.append((str(name), len(triples)))
        else:
            return report
    report = PublishReport("update")
    update_url = target.update_endpoint or target.endpoint
    for name, triples in graphs:
        requests = [f"INSERT DATA {{ GRAPH <{name}> {{\n{nt_bytes(piece).decode()}}} }}\n"
                    for piece in chunks(triples, chunk)] or [""]
        requests[0] = f"DROP SILENT GRAPH <{name}> ;\n{requests[0]}" if requests[0] else f"DROP SILENT GRAPH <{name}>\n"
        for text in requests:
            try:
                client.send("POST", update_url, text.encode(), "application/sparql-update; charset=utf-8")
            except _HttpError as error:
                raise PublishError(str(error)) from None
            report.requests += 1
        report.graphs.append((str(name), len(triples)))
    return report


def chunks(triples: Sequence[Triple], size: int) -> list[list[Triple]]:
    """Consecutive pieces of about `size` triples; triples linked by a blank node always share a piece."""
    if size < 1:
        raise PublishError(f"chunk size must be at least 1, got {size}")
    parent: dict[ox.BlankNode, ox.BlankNode] = {}

    def find(node: ox.BlankNode) -> ox.BlankNode:
        while parent.setdefault(node, node) != node:
            parent[node] = parent[parent[node]]
            node = parent[node]
        return node

    for s, _, o in triples:
        if isinstance(s, ox.BlankNode) and isinstance(o, ox.BlankNode):
            parent[find(s)] = find(o)
    groups: dict[object, list[Triple]] = {}
    for t in triples:
        blank = t[0] if isinstance(t[0], ox.BlankNode) else t[2] if isinstance(t[2], ox.BlankNode) else None
        groups.setdefault(find(blank) if blank is not None else ("triple", t), []).append(t)
    pieces: list[list[Triple]] = [[]]
    for group in groups.values():
        if pieces[-1] and len(pieces[-1]) + len(group) > size:
            pieces.append([])
        pieces[-1].extend(group)
    return [p for p in pieces if p]


def _key(t: Triple) -> tuple[str, str, str]:
    return t[0].value, t[1].value, str(t[2])


def _check_iri(iri: str) -> URIRef:
    parts = urlsplit(iri)
    if not parts.scheme or any(c in iri for c in ' <>"{}|\\^`'):
        raise PublishError(f"--graph must be an absolute IRI, got {iri!r}")
    return URIRef(iri)


class _HttpError(Exception):
    def __init__(self, code: int, message: str):
        super().__init__(message)
        self.code = code


class _Client:
    """HTTP with optional Basic or Digest authentication (whichever the store asks for)."""

    def __init__(self, target: Target):
        self.target = target
        handlers: list = []
        if target.user is not None:
            passwords = urllib.request.HTTPPasswordMgrWithDefaultRealm()
            for url in filter(None, (target.endpoint, target.update_endpoint)):
                passwords.add_password(None, url, target.user, target.password or "")
            handlers += [urllib.request.HTTPBasicAuthHandler(passwords),
                         urllib.request.HTTPDigestAuthHandler(passwords)]
        self.opener = urllib.request.build_opener(*handlers)

    def send(self, method: str, url: str, body: bytes, content_type: str) -> bytes:
        request = urllib.request.Request(url, data=body, method=method, headers={"Content-Type": content_type})
        try:
            with self.opener.open(request, timeout=self.target.timeout) as response:
                return response.read()
        except urllib.error.HTTPError as error:
            detail = error.read()[:500].decode("utf-8", errors="replace").strip()
            raise _HttpError(error.code, f"{method} {url}: HTTP {error.code} {error.reason}: {detail}") from None
        except (urllib.error.URLError, OSError) as error:
            reason = getattr(error, "reason", error)
            raise PublishError(f"{method} {url}: cannot reach the store: {reason}") from None


def summary(report: PublishReport) -> Iterable[str]:
    """Lines for the command's output."""
    how = "Graph Store Protocol (PUT)" if report.method == "gsp" else "SPARQL Update (DROP + INSERT DATA)"
    yield f"published {report.triples} triples in {len(report.graphs)} graph(s) by {how}, {report.requests} request(s)"
    for name, count in report.graphs:
        yield f"  {name}: {count}"
