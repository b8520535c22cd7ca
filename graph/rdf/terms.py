"""The data path's term model: Oxigraph terms (pyoxigraph), from the quads assemble makes to the rows a query
answers and the bytes the writers write.

The vocabulary is still spelt once, by the closed namespaces of graph.rdf.namespaces (`HQ.Measure` raises on a
typo); `iri(HQ.Measure)` is its Oxigraph NamedNode, made once per process. Making rdflib terms and converting
them to Oxigraph one by one was most of the build's and the queries' time at corpus scale (docs/performance.md).

rdflib stays where it is the right tool: reading the ontology and the shapes, the owlready2 reasoner's input and
output, the rdflib query engine (the cross-check of `--engine rdflib`), blank-node canonicalisation and the
formats only rdflib writes. `to_rdflib` / `from_rdflib` are the conversions at those boundaries, and only there.
"""
from __future__ import annotations

from collections.abc import Iterable, Iterator
from functools import lru_cache

import pyoxigraph as ox
from rdflib import BNode, Literal, URIRef
from rdflib.term import Node

XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
XSD_INTEGER = "http://www.w3.org/2001/XMLSchema#integer"

Term = ox.NamedNode | ox.BlankNode | ox.Literal


@lru_cache(maxsize=None)
def iri(value: str) -> ox.NamedNode:
    """The NamedNode of an IRI, made once: `iri(HQ.Measure)`, `iri(graph_iri("documents"))`.

    Oxigraph checks an IRI each time it makes a NamedNode; the vocabulary's few hundred are made once here.
    Resource IRIs (one per thing) go through `ox.NamedNode` directly, so this cache stays small.
    """
    return ox.NamedNode(value)


INTEGER = iri(XSD_INTEGER)


def zh(text: str) -> ox.Literal:
    return ox.Literal(text, language="zh")


def en(text: str) -> ox.Literal:
    return ox.Literal(text, language="en")


def plain(text: str) -> ox.Literal:
    """An xsd:string literal."""
    return ox.Literal(text)


def integer(number: int) -> ox.Literal:
    return ox.Literal(str(number), datatype=INTEGER)


def typed(text: str, datatype: str) -> ox.Literal:
    return ox.Literal(text, datatype=iri(datatype))


def text(term: Term | ox.DefaultGraph | None) -> str:
    """What a reader prints of a term: an IRI itself, a literal's lexical form, a blank node's label ('' for
    none). (Oxigraph's str() gives the N-Triples form, '<…>'.)"""
    if term is None or isinstance(term, ox.DefaultGraph):
        return ""
    return term.value


def python(term: Term | None):
    """A term as a Python value: int for the integer datatypes, float for decimals and doubles, bool for
    booleans, otherwise the IRI or lexical form as str; None stays None."""
    if not isinstance(term, ox.Literal):
        return None if term is None else term.value
    datatype = term.datatype.value
    try:
        if datatype in _INTEGERS:
            return int(term.value)
        if datatype in _FLOATS:
            return float(term.value)
    except ValueError:
        return term.value
    if datatype == XSD_BOOLEAN:
        return term.value in ("true", "1")
    return term.value


_XSD = "http://www.w3.org/2001/XMLSchema#"
_INTEGERS = frozenset(_XSD + t for t in ("integer", "int", "long", "short", "byte", "nonNegativeInteger",
                                          "positiveInteger", "nonPositiveInteger", "negativeInteger",
                                          "unsignedLong", "unsignedInt", "unsignedShort", "unsignedByte"))
_FLOATS = frozenset(_XSD + t for t in ("decimal", "double", "float"))
XSD_BOOLEAN = _XSD + "boolean"


def order(quad: ox.Quad) -> tuple[str, str, str, str]:
    """A fixed order of quads: graph, subject, predicate (by IRI), then the object's N-Triples form."""
    return quad.graph_name.value if isinstance(quad.graph_name, ox.NamedNode) else "", \
        quad.subject.value, quad.predicate.value, str(quad.object)


# --- the boundary with rdflib --------------------------------------------------------------------------------------

def to_ox(term: Node):
    """An rdflib term as an Oxigraph term: only where rdflib hands data to the data path (the reasoner's output,
    the rdflib engine's answers, rdflib-parsed request bodies)."""
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
    """An Oxigraph term as an rdflib term: only where the data path hands data to rdflib (pySHACL, owlready2,
    rdflib's writers and canonicalisation); None (or the default graph) stays None."""
    if term is None or isinstance(term, ox.DefaultGraph):
        return None
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    if isinstance(term, ox.Literal):
        if term.language:
            return Literal(term.value, lang=term.language)
        datatype = term.datatype.value
        if datatype == XSD_STRING:
            return Literal(term.value)
        return Literal(term.value, datatype=URIRef(datatype))
    raise TypeError(f"not an Oxigraph term: {term!r}")


def quads_to_rdflib(quads: Iterable[ox.Quad]) -> Iterator[tuple[Node, Node, Node, Node | None]]:
    """Oxigraph quads as rdflib 4-tuples (graph None for the default graph), each IRI made once per call:
    rdflib checks every URIRef it makes, which is slow."""
    iris: dict[str, URIRef] = {}

    def convert(term) -> Node | None:
        if isinstance(term, ox.NamedNode):
            made = iris.get(term.value)
            if made is None:
                made = iris[term.value] = URIRef(term.value)
            return made
        return from_ox(term)

    for q in quads:
        yield convert(q.subject), convert(q.predicate), convert(q.object), convert(q.graph_name)


def quad_from_rdflib(s: Node, p: Node, o: Node, g: Node | None = None) -> ox.Quad:
    """One rdflib 4-tuple as an Oxigraph quad (graph None: the default graph)."""
    return ox.Quad(to_ox(s), to_ox(p), to_ox(o), ox.DefaultGraph() if g is None else to_ox(g))
