"""The embedded default store (Oxigraph, in memory or on disk) behind one small interface.

Oxigraph answers SPARQL tens of times faster than rdflib's in-memory engine at corpus scale (see
docs/performance.md); rdflib terms are converted at the edge so the rest of the code speaks rdflib.
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path

import pyoxigraph as ox
from rdflib import BNode, Literal, URIRef
from rdflib.term import Node

FORMATS = {".ttl": ox.RdfFormat.TURTLE, ".nt": ox.RdfFormat.N_TRIPLES, ".nq": ox.RdfFormat.N_QUADS,
           ".trig": ox.RdfFormat.TRIG, ".rdf": ox.RdfFormat.RDF_XML, ".owl": ox.RdfFormat.RDF_XML,
           ".jsonld": ox.RdfFormat.JSON_LD, ".n3": ox.RdfFormat.N3}


class StoreError(ValueError):
    """A file that cannot be loaded or a query that cannot run; the message says where (file:line for a file)."""


def _syntax_message(error: SyntaxError) -> str:
    """Oxigraph's parser message without the place it spells twice ('Parser error at line 3 between columns 2
    and 9: … (x.ttl, line 3)' -> 'column 2: …'), since the error leads with file:line."""
    message = str(error.msg if error.msg else error)
    if error.filename:
        message = message.split(f" ({Path(error.filename).name}, line", 1)[0]
    found = re.match(r"Parser error at line \d+(?: between columns (\d+) and \d+| at column (\d+))?: ?", message)
    if found:
        column = found.group(1) or found.group(2)
        message = (f"column {column}: " if column else "") + message[found.end():]
    return message


def check_rdf_syntax(data: bytes, fmt, file: str, base: str | None = None) -> None:
    """Raise StoreError at the file and line of the first syntax error (Oxigraph's parser: exact lines, fast;
    rdflib's Turtle parser counts lines from where it resynchronised, 30 lines off in a test here)."""
    try:
        for _ in ox.parse(input=data, format=fmt, base_iri=base):
            pass
    except SyntaxError as error:
        raise StoreError(f"{file}:{error.lineno or 1}: {_syntax_message(error)}") from None


def to_ox(term: Node):
    if isinstance(term, URIRef):
        return ox.NamedNode(str(term))
    if isinstance(term, BNode):
        return ox.BlankNode(str(term))
    if isinstance(term, Literal):
        if term.language:
            return ox.Literal(str(term), language=term.language)
        if term.datatype:
            return ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype)))
        return ox.Literal(str(term))
    raise TypeError(f"not an RDF term: {term!r}")


def from_ox(term) -> Node | None:
    if term is None:
        return None
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    if isinstance(term, ox.Literal):
        if term.language:
            return Literal(term.value, lang=term.language)
        datatype = term.datatype.value
        if datatype == "http://www.w3.org/2001/XMLSchema#string":
            return Literal(term.value)
        return Literal(term.value, datatype=URIRef(datatype))
    raise TypeError(f"not an Oxigraph term: {term!r}")


class Store:
    """A dataset of named graphs; queries see the union of all graphs as their default graph."""

    def __init__(self, path: Path | None = None):
        self._store = ox.Store(str(path)) if path else ox.Store()

    def add(self, quads: Iterable[tuple[Node, Node, Node, URIRef]]) -> None:
        self._store.extend(ox.Quad(to_ox(s), to_ox(p), to_ox(o), to_ox(g)) for s, p, o, g in quads)

    def extend(self, quads: Iterable[ox.Quad]) -> None:
        """Add quads already made of Oxigraph terms, with Oxigraph's bulk loader: the build's fast path.

        Not transactional: an error part-way leaves part of the quads in, so use it on a store that is thrown
        away on error (as the build's is).
        """
        self._store.bulk_extend(quads)

    def load(self, path: Path, graph: URIRef | None = None) -> None:
        """Load an RDF file (format from its suffix) into `graph`, or as the file says for quad formats."""
        fmt = FORMATS.get(path.suffix.lower())
        if fmt is None:
            raise StoreError(f"{path}: unknown RDF format (expected one of {', '.join(sorted(FORMATS))})")
        try:
            if fmt in (ox.RdfFormat.TRIG, ox.RdfFormat.N_QUADS):
                self._store.bulk_load(path=str(path), format=fmt)
            else:
                self._store.bulk_load(path=str(path), format=fmt,
                                      to_graph=to_ox(graph) if graph is not None else ox.DefaultGraph())
        except SyntaxError as error:
            raise StoreError(f"{path}:{error.lineno or 1}: {_syntax_message(error)}") from None
        except OSError as error:
            raise StoreError(f"{path}:1: cannot be read: {error.strerror or error}") from None

    def query(self, sparql: str, bindings: Mapping[str, Node] | None = None):
        """Run SPARQL; `bindings` are substituted as RDF terms (never spliced into the text)."""
        substitutions = {ox.Variable(name): to_ox(value) for name, value in (bindings or {}).items()}
        try:
            return self._store.query(sparql, use_default_graph_as_union=True, substitutions=substitutions)
        except SyntaxError as error:
            raise StoreError(f"invalid SPARQL: {error}") from None

    def quads(self, graph: URIRef | None = None) -> Iterator[tuple[Node, Node, Node, Node]]:
        selected = to_ox(graph) if graph is not None else None
        iris: dict[str, URIRef] = {}  # each IRI made once: rdflib checks every URIRef it makes, which is slow

        def convert(term) -> Node | None:
            if isinstance(term, ox.NamedNode):
                iri = iris.get(term.value)
                if iri is None:
                    iri = iris[term.value] = URIRef(term.value)
                return iri
            return None if isinstance(term, ox.DefaultGraph) else from_ox(term)

        for quad in self._store.quads_for_pattern(None, None, None, selected):
            yield convert(quad.subject), convert(quad.predicate), convert(quad.object), convert(quad.graph_name)

    def graphs(self) -> list[URIRef]:
        return sorted(URIRef(g.value) for g in self._store.named_graphs() if isinstance(g, ox.NamedNode))

    def raw(self) -> ox.Store:
        """The Oxigraph store itself, for bulk export and serving."""
        return self._store

    def __len__(self) -> int:
        return len(self._store)


# What "a build folder" means to every command that reads one (query, validate, export, serve, pages, network,
# publish): its dataset with every named graph. A single graph file is read as it is.
# (graph.ttl when a build ran without its exports step wrote only that).
BUILD_GRAPH_FILES = ("graph.trig", "graph.ttl")


def graph_file(path: Path) -> Path:
    """The RDF file behind `path`: the path itself, or the dataset file of a build folder."""
    path = Path(path)
    if path.is_dir():
        for name in BUILD_GRAPH_FILES:
            if (path / name).is_file():
                return path / name
        raise StoreError(f"{path}: no graph.trig or graph.ttl in this folder; run `hqkg build --out {path}` "
                         "or give a graph file")
    if not path.is_file():
        raise StoreError(f"{path}: no such graph file or build folder (graph file not found; build it first with "
                         "`hqkg build`, or give --graph)")
    return path


def open_store(path: Path) -> Store:
    """A store holding the graph file or build folder at `path` (see graph_file)."""
    store = Store()
    store.load(graph_file(path))
    return store
