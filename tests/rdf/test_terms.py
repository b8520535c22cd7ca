"""The data path's terms (graph/rdf/terms.py): vocabulary IRIs made once, readers' values, and the conversions at
the boundary with rdflib, which must lose nothing."""
from __future__ import annotations

import pyoxigraph as ox
import pytest
from rdflib import BNode, Literal, URIRef

from graph.rdf.namespaces import HQ, XSD, graph_iri
from graph.rdf.terms import from_ox, integer, iri, plain, python, quad_from_rdflib, quads_to_rdflib, text, to_ox, zh


def test_vocabulary_iris_are_made_once_and_spelt_by_the_namespace():
    assert iri(HQ.Measure) is iri(HQ.Measure)
    assert iri(HQ.Measure) == ox.NamedNode("https://w3id.org/hongqiao-kg/ontology#Measure")
    with pytest.raises(AttributeError):
        HQ.Mesure  # the closed namespace still refuses a typo


@pytest.mark.parametrize("term", [
    URIRef("https://w3id.org/hongqiao-kg/id/region/kunshan"), BNode("b0"), Literal("昆山", lang="zh"),
    Literal("plain"), Literal(12), Literal("2023-08-16", datatype=XSD.date), Literal('引号"\n'),
])
def test_the_rdflib_boundary_round_trips(term):
    assert from_ox(to_ox(term)) == term
    assert to_ox(from_ox(to_ox(term))) == to_ox(term)


def test_readers_values():
    assert python(integer(24)) == 24 and isinstance(python(integer(24)), int)
    assert python(zh("苏州")) == "苏州" and python(None) is None
    assert python(ox.Literal("1.5", datatype=ox.NamedNode(str(XSD.decimal)))) == 1.5
    assert text(ox.NamedNode("http://x/a")) == "http://x/a" and str(ox.NamedNode("http://x/a")) == "<http://x/a>"
    assert text(None) == "" and text(ox.DefaultGraph()) == ""


def test_quads_cross_the_boundary_whole():
    g = graph_iri("entities")
    quad = quad_from_rdflib(URIRef("http://x/a"), HQ.number, Literal(3), g)
    assert quad == ox.Quad(ox.NamedNode("http://x/a"), iri(HQ.number), integer(3), iri(g))
    assert list(quads_to_rdflib([quad])) == [(URIRef("http://x/a"), HQ.number, Literal(3), g)]
    assert list(quads_to_rdflib([ox.Quad(ox.NamedNode("http://x/a"), iri(HQ.text), plain("t"))]))[0][3] is None
