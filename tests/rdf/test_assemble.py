"""Triples for the real text: every link has its provenance, every quote sits at its offsets."""
from __future__ import annotations

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.compare import graph_diff, to_isomorphic

from graph.rdf.assemble import SourceDocument, assemble, doc_id_for
from graph.ingest.link import Matcher, link_document
from graph.rdf.namespaces import HQ, OA, RDF, graph_iri, provision_iri
from graph.ingest.parse import parse_text
from graph.rdf.terms import quads_to_rdflib

DOC = "hongqiao-open-hub-measures-2023"


@pytest.fixture(scope="module")
def quads(document, gazetteer):
    linked = link_document(document, Matcher(gazetteer))
    curated = gazetteer.document_for_source("hongqiao-open-hub-measures-2023.txt")
    # Oxigraph quads, read here as rdflib terms so that rdflib's Graph and graph_diff can check them.
    return list(quads_to_rdflib(assemble(gazetteer, [SourceDocument(DOC, "hongqiao-open-hub-measures-2023.txt",
                                                                    linked, curated)])))


@pytest.fixture(scope="module")
def graph(quads) -> Graph:
    g = Graph()
    for s, p, o, _ in quads:
        g.add((s, p, o))
    return g


MENTIONS = (HQ.mentionsRegion, HQ.mentionsProject, HQ.mentionsInstitution, HQ.usesInstrument, HQ.citesDocument)


def test_every_link_has_an_annotation_with_the_quote_at_its_offsets(graph, document):
    links = [(s, p, o) for p in MENTIONS for s, o in graph.subject_objects(p)]
    assert len(links) > 150
    for s, p, o in links:
        annotations = [a for a in graph.subjects(OA.hasBody, o)
                       if (graph.value(graph.value(a, OA.hasTarget), HQ.withinProvision) == s
                           and graph.value(a, HQ.linkProperty) == p)]
        assert annotations, f"{s} {p} {o} has no annotation"
        for a in annotations:
            selectors = list(graph.objects(graph.value(a, OA.hasTarget), OA.hasSelector))
            quote = next(x for x in selectors if (x, RDF.type, OA.TextQuoteSelector) in graph)
            position = next(x for x in selectors if (x, RDF.type, OA.TextPositionSelector) in graph)
            start, end = graph.value(position, OA.start).toPython(), graph.value(position, OA.end).toPython()
            assert document.clean(start, end) == str(graph.value(quote, OA.exact)), f"{a}: quote not at offsets"


def test_measure_triples(graph):
    m12 = provision_iri(DOC, "measure", "12")
    assert (m12, RDF.type, HQ.Measure) in graph
    assert graph.value(m12, HQ.number) == Literal(12)
    assert str(graph.value(m12, HQ.text)).startswith("支持上海、苏州联动开展数字人民币试点")
    assert graph.value(m12, HQ.text).language == "zh"
    assert set(graph.objects(m12, HQ.mentionsRegion)) == {
        URIRef("https://w3id.org/hongqiao-kg/id/region/shanghai"), URIRef("https://w3id.org/hongqiao-kg/id/region/suzhou")}


def test_document_metadata_and_citations(graph):
    from graph.rdf.namespaces import DCTERMS, ELI, XSD, document_iri

    doc = document_iri(DOC)
    assert graph.value(doc, ELI.date_publication) == Literal("2023-08-16", datatype=XSD.date)
    assert graph.value(doc, DCTERMS.publisher) == URIRef("https://w3id.org/hongqiao-kg/id/institution/ndrc")
    assert set(graph.objects(doc, ELI.cites)) == {document_iri(d) for d in (
        "hongqiao-hub-master-plan-2021", "urgent-clinical-drug-import-plan-2022",
        "high-tech-enterprise-recognition-measures-2016")}


def test_no_blank_nodes_and_named_graphs(quads):
    from rdflib import BNode

    assert not any(isinstance(t, BNode) for q in quads for t in q)
    assert {q[3] for q in quads} == {graph_iri("entities"), graph_iri("documents"), graph_iri("provenance")}
    assert quads == sorted(quads, key=lambda q: (str(q[3]), str(q[0]), str(q[1]), q[2].n3()))


def test_tiny_document_gives_exactly_these_triples(gazetteer):
    """A one-measure text: the document triples compared with a readable diff."""
    text = "关于某事的意见\n\n一、部分\n\n（一）支持昆山。\n"
    linked = link_document(parse_text(text, "tiny.txt"), Matcher(gazetteer))
    got = Graph()
    for s, p, o, g in quads_to_rdflib(assemble(gazetteer, [SourceDocument(doc_id_for("tiny.txt", None), "tiny.txt",
                                                                           linked, None)])):
        if g == graph_iri("documents"):
            got.add((s, p, o))
    expected = Graph().parse(data="""
@prefix hq: <https://w3id.org/hongqiao-kg/ontology#> . @prefix eli: <http://data.europa.eu/eli/ontology#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> . @prefix dcterms: <http://purl.org/dc/terms/> .
@base <https://w3id.org/hongqiao-kg/id/> .
<document/tiny> a hq:PolicyDocument ; eli:title "关于某事的意见"@zh ; rdfs:label "关于某事的意见"@zh ,
    "Policy text tiny.txt"@en ; dcterms:source <document/tiny/source-text> ; hq:verificationStatus hq:Extracted ;
    eli:has_part <document/tiny/preamble> , <document/tiny/section/1> .
<document/tiny/source-text> a hq:SourceText ; rdfs:label "tiny.txt" ; dcterms:identifier "tiny.txt" .
<document/tiny/preamble> a hq:Preamble ; eli:is_part_of <document/tiny> ; rdfs:label "序言"@zh , "Preamble"@en .
<document/tiny/section/1> a hq:Section ; eli:is_part_of <document/tiny> ; rdfs:label "一、部分"@zh , "Section 1"@en ;
    hq:number 1 ; eli:title "部分"@zh ; eli:has_part <document/tiny/measure/1> .
<document/tiny/measure/1> a hq:Measure ; eli:is_part_of <document/tiny/section/1> ; rdfs:label "（一）"@zh ,
    "Measure 1"@en ; hq:number 1 ; hq:text "支持昆山。"@zh ; hq:startOffset 18 ; hq:endOffset 23 ;
    hq:mentionsRegion <region/kunshan> .
""", format="turtle")
    both, only_got, only_expected = graph_diff(to_isomorphic(got), to_isomorphic(expected))
    assert not only_got and not only_expected, (
        "unexpected:\n" + only_got.serialize(format="nt") + "\nmissing:\n" + only_expected.serialize(format="nt"))


def test_assemble_makes_oxigraph_quads_and_runs_every_producer(document, gazetteer, monkeypatch):
    """Producers yield pyoxigraph Quads; a new producer added to DOCUMENT_PRODUCERS is run for every text."""
    import pyoxigraph as ox

    from graph.rdf import assemble as assembling
    from graph.rdf.namespaces import RDFS, document_iri
    from graph.rdf.terms import iri, plain

    linked = link_document(document, Matcher(gazetteer))
    source = SourceDocument(DOC, "hongqiao-open-hub-measures-2023.txt", linked, None)
    quads = assemble(gazetteer, [source])
    assert quads and all(type(q) is ox.Quad for q in quads)
    extra = ox.Quad(ox.NamedNode(document_iri(DOC)), iri(RDFS.comment), plain("one more producer"),
                    iri(graph_iri("documents")))
    monkeypatch.setattr(assembling, "DOCUMENT_PRODUCERS", (*assembling.DOCUMENT_PRODUCERS, lambda s: [extra]))
    assert set(assemble(gazetteer, [source])) == set(quads) | {extra}


def test_a_rendered_english_title_is_an_alternative_never_the_title(graph):
    """Shanghai Daily's rendering of the title (documents.yaml `title_en`; facts.md §5: no official English
    translation exists) is published as dcterms:alternative with a note, and the only eli:title is the Chinese one."""
    from graph.rdf.namespaces import DCTERMS, ELI, SKOS, document_iri

    doc = document_iri(DOC)
    assert set(graph.objects(doc, ELI.title)) == {Literal("关于推动虹桥国际开放枢纽进一步提升能级的若干政策措施", lang="zh")}
    assert set(graph.objects(doc, DCTERMS.alternative)) == {
        Literal("Policy Measures to Support the Further Enhancement of Hongqiao International Open Hub", lang="en")}
    assert any("not an official English title" in str(n) for n in graph.objects(doc, SKOS.editorialNote))
    assert URIRef("https://www.shine.cn/news/metro/2308166618/") in set(graph.objects(doc, DCTERMS.source))
    assert not [t for t in graph.objects(None, ELI.title) if getattr(t, "language", None) == "en"]
