"""Deterministic serialisations of the built graph.

Turtle: the ontology (which has blank nodes for its axioms) goes through rdflib, whose Turtle writer nests
unshared blank nodes and so is byte-stable; the data, which has none, goes through Oxigraph's fast writer in
sorted order. Both halves bind the same prefixes.
"""
from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import pyoxigraph as ox
from rdflib import Graph
from rdflib.term import Node

from graph.namespaces import DEFAULT_BASE, PREFIXES, bind_prefixes
from graph.store import to_ox

HEADER = "# hongqiao-kg: the knowledge graph of the Hongqiao International Open Hub measures. Generated; do not edit.\n"


def load_ontology(path: Path) -> Graph:
    graph = Graph()
    graph.parse(path, format="turtle")
    bind_prefixes(graph)
    return graph


def ontology_turtle(ontology: Graph) -> bytes:
    return ontology.serialize(format="turtle", encoding="utf-8")


def data_turtle(triples: Iterable[tuple[Node, Node, Node]]) -> bytes:
    """Sorted, deduplicated triples as Turtle (no blank nodes expected in data)."""
    unique = sorted(set(triples), key=lambda t: (str(t[0]), str(t[1]), t[2].n3()))
    # Resource IRIs are written relative to @base ('<region/kunshan>'): prefixed names would need '\/' escapes.
    prefixes = {prefix: iri for prefix, iri in PREFIXES.items() if iri != DEFAULT_BASE}
    return ox.serialize((ox.Triple(to_ox(s), to_ox(p), to_ox(o)) for s, p, o in unique),
                        format=ox.RdfFormat.TURTLE, prefixes=prefixes, base_iri=DEFAULT_BASE)


def write_turtle(path: Path, ontology: Graph, triples: Iterable[tuple[Node, Node, Node]]) -> None:
    """The whole graph, ontology included, as one Turtle file."""
    with open(path, "wb") as out:
        out.write(HEADER.encode())
        out.write(b"\n# --- ontology ---\n")
        out.write(ontology_turtle(ontology))
        out.write(b"\n# --- data ---\n")
        out.write(data_turtle(triples))
