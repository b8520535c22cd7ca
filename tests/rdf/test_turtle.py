"""The data Turtle writer: relative IRIs only for the project's resources, every literal round-trips."""
from __future__ import annotations

import pyoxigraph as ox
import pytest
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.compare import isomorphic

from graph.rdf.namespaces import DEFAULT_BASE, PREFIXES, XSD
from graph.rdf.terms import to_ox
from graph.rdf.turtle import TurtleWriter

BASE = DEFAULT_BASE
KUNSHAN = URIRef(BASE + "region/kunshan")
LABEL = URIRef("http://www.w3.org/2000/01/rdf-schema#label")


def _write(triples):
    # The writer takes the sorted N-Triples lines the export keeps (Oxigraph's form of each triple).
    lines = sorted(str(ox.Triple(*map(to_ox, t))) for t in triples)
    writer = TurtleWriter(PREFIXES, BASE)
    return writer.header + writer.write_lines(lines)


def test_iris_are_relative_only_under_the_base():
    text = _write([(KUNSHAN, URIRef("http://purl.org/dc/terms/source"), URIRef("https://www.shine.cn/news/a.html")),
                   (KUNSHAN, URIRef("http://www.w3.org/2004/02/skos/core#exactMatch"),
                    URIRef("http://www.wikidata.org/entity/Q42622")),
                   (KUNSHAN, URIRef("http://example.org/p"), URIRef(BASE + "odd:path?x=1"))])
    assert text.count("<region/kunshan> ") == 1 and "\tdcterms:source <https://www.shine.cn/news/a.html> ;" in text
    assert "skos:exactMatch wd:Q42622" in text
    assert f"<{BASE}odd:path?x=1>" in text  # not a safe relative reference: written in full
    assert "<//" not in text


@pytest.mark.parametrize("literal", [
    Literal('引号"与\\反斜杠'), Literal("两行\n文字\r"), Literal("昆山", lang="zh"), Literal(12),
    Literal("2023-08-16", datatype=XSD.date), Literal("POINT(120.98 31.38)",
                                                       datatype=URIRef("http://www.opengis.net/ont/geosparql#wktLiteral")),
    Literal("1.5", datatype=XSD.decimal), Literal("<img src=x onerror=alert(1)>"),
])
def test_literals_round_trip(literal):
    triples = [(KUNSHAN, LABEL, literal)]
    parsed = Graph().parse(data=_write(triples), format="turtle")
    assert isomorphic(parsed, Graph().__iadd__(triples)), _write(triples)


def test_grouping_and_blank_nodes_refused():
    text = _write([(KUNSHAN, LABEL, Literal("昆山", lang="zh")), (KUNSHAN, LABEL, Literal("Kunshan", lang="en")),
                   (KUNSHAN, URIRef("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"),
                    URIRef("https://w3id.org/hongqiao-kg/ontology#CountyLevelCity"))])
    assert '<region/kunshan> a hq:CountyLevelCity ;\n\trdfs:label "Kunshan"@en , "昆山"@zh .\n' in text
    with pytest.raises(TypeError, match="blank nodes"):
        _write([(KUNSHAN, LABEL, BNode("b0"))])
