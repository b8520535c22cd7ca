"""Triples for curated entities, documents, links and their provenance, sorted into named graphs.

Input: the gazetteer and the linked documents. Output: quads (subject, predicate, object, graph), as Oxigraph
terms for the build (`oxigraph_quads`) or as rdflib terms, sorted (`assemble`). Knows the vocabulary and the term
conversions of graph.rdf.store, nothing of stores themselves, files or pages.

The provenance of the links (17 quads per mention, about 85% of a corpus's graph) is built from Oxigraph terms
directly: going through rdflib terms and converting them was three quarters of the build time at 10^6 triples.
The rest is written with rdflib terms, which read better, and converted.
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import pyoxigraph as ox
from rdflib import Literal, URIRef
from rdflib.term import Node

from graph.ingest.gazetteer import Entity, Gazetteer
from graph.ingest.link import LinkedDocument, Mention
from graph.rdf.namespaces import (
    DCTERMS, ELI, GEO, HQ, INSTRUMENT_SCHEME, OA, RDF, RDFS, SKOS, WD, XSD,
    annotation_iri, document_iri, entity_iri, geometry_iri, graph_iri, provision_iri, source_text_iri,
)
from graph.rdf import documents
from graph.rdf.store import from_ox, to_ox

Quad = tuple[Node, Node, Node, URIRef]

STATUS = {"verified": HQ.Verified, "verified-secondary": HQ.VerifiedSecondary, "unverified": HQ.Unverified}
MENTION_PROPERTY = {"region": HQ.mentionsRegion, "project": HQ.mentionsProject,
                    "institution": HQ.mentionsInstitution, "instrument": HQ.usesInstrument,
                    "document": HQ.citesDocument}
PROVISION_CLASS = {"preamble": HQ.Preamble, "section": HQ.Section, "measure": HQ.Measure}


@dataclass(frozen=True)
class SourceDocument:
    """A parsed and linked text with the id it is published under (curated, or derived from its file name)."""

    doc_id: str
    filename: str
    linked: LinkedDocument
    curated: Entity | None


def doc_id_for(filename: str, curated: Entity | None) -> str:
    if curated is not None:
        return curated.id
    stem = filename.rsplit("/", 1)[-1].rsplit(".", 1)[0].lower()
    slug = re.sub(r"[^a-z0-9]+", "-", stem).strip("-")
    return slug or "document"


def _zh(text: str) -> Literal:
    return Literal(text, lang="zh")


def _en(text: str) -> Literal:
    return Literal(text, lang="en")


def _source_term(source: str) -> Node:
    return URIRef(source) if re.match(r"https?://\S+$", source) else Literal(source)


def entity_quads(gazetteer: Gazetteer) -> Iterator[Quad]:
    g = graph_iri("entities")
    yield INSTRUMENT_SCHEME, RDF.type, SKOS.ConceptScheme, g
    yield INSTRUMENT_SCHEME, RDFS.label, _zh("政策工具分类（Rothwell & Zegveld）"), g
    yield INSTRUMENT_SCHEME, RDFS.label, _en("Policy instruments (Rothwell & Zegveld)"), g
    yield INSTRUMENT_SCHEME, SKOS.prefLabel, _zh("政策工具分类（Rothwell & Zegveld）"), g
    yield INSTRUMENT_SCHEME, SKOS.prefLabel, _en("Policy instruments (Rothwell & Zegveld)"), g
    for entity in gazetteer.entities.values():
        for s, p, o in _entity_triples(entity):
            yield s, p, o, g


def _entity_triples(e: Entity) -> Iterator[tuple[Node, Node, Node]]:
    iri = entity_iri(e.kind, e.id)
    yield iri, RDF.type, HQ[e.type]
    for label in (_zh(e.zh), _en(e.en)):
        yield iri, RDFS.label, label
        yield iri, SKOS.prefLabel, label
    for alias in e.aliases:
        if alias != e.zh:
            yield iri, SKOS.altLabel, _zh(alias)
    yield iri, HQ.verificationStatus, STATUS[e.status]
    for source in e.sources:
        yield iri, DCTERMS.source, _source_term(source)
    if e.note:
        yield iri, SKOS.note, _en(e.note) if e.note.isascii() else Literal(e.note)
    if e.parent:
        yield iri, HQ.parentRegion, entity_iri("region", e.parent)
    for member in e.members:
        yield iri, HQ.hasMember, entity_iri("region", member)
    for region in e.located_in:
        yield iri, HQ.locatedIn, entity_iri("region", region)
    for region in e.connects:
        yield iri, HQ.connects, entity_iri("region", region)
    if e.code:
        yield iri, HQ.gbCode, Literal(e.code)
    if e.stats_code:
        yield iri, HQ.statsCode, Literal(e.stats_code)
    if e.wikidata:
        yield iri, SKOS.exactMatch, WD[e.wikidata]
    if e.lon is not None and e.lat is not None:
        geometry = geometry_iri(e.id)
        yield iri, GEO.hasGeometry, geometry
        yield geometry, RDF.type, GEO.Geometry
        yield geometry, GEO.asWKT, Literal(f"POINT({e.lon} {e.lat})", datatype=GEO.wktLiteral)
        if e.coordinate_source:
            yield geometry, DCTERMS.source, _source_term(e.coordinate_source)
    if e.kind == "instrument":
        yield iri, RDF.type, SKOS.Concept
        yield iri, SKOS.inScheme, INSTRUMENT_SCHEME
        if e.top_of_scheme:
            yield iri, SKOS.topConceptOf, INSTRUMENT_SCHEME
            yield INSTRUMENT_SCHEME, SKOS.hasTopConcept, iri
        for broader in e.broader:
            yield iri, SKOS.broader, entity_iri("instrument", broader)
        if e.definition_zh:
            yield iri, SKOS.definition, _zh(e.definition_zh)
        if e.definition_en:
            yield iri, SKOS.definition, _en(e.definition_en)
    if e.kind == "document":
        yield iri, ELI.title, _zh(e.zh)
        if e.title_en:
            yield iri, ELI.title, _en(e.title_en)
        for publisher in e.publisher:
            yield iri, DCTERMS.publisher, entity_iri("institution", publisher)
        if e.date_public:
            yield iri, ELI.date_publication, Literal(e.date_public, datatype=XSD.date)
        for cited in e.cites:
            yield iri, ELI.cites, entity_iri("document", cited)


def document_quads(source: SourceDocument) -> Iterator[Quad]:
    """The document, its provisions and their links (graph 'documents'); their provenance is `provenance_quads`."""
    g_doc = graph_iri("documents")
    doc_id, document = source.doc_id, source.linked.document
    doc = document_iri(doc_id)
    text_iri = source_text_iri(doc_id)
    yield doc, RDF.type, HQ.PolicyDocument, g_doc
    yield doc, ELI.title, _zh(document.title.text), g_doc
    if source.curated is None:
        yield doc, RDFS.label, _zh(document.title.text), g_doc
        yield doc, RDFS.label, _en(f"Policy text {source.filename}"), g_doc
    yield text_iri, RDF.type, HQ.SourceText, g_doc
    yield text_iri, RDFS.label, Literal(source.filename), g_doc
    yield text_iri, DCTERMS.identifier, Literal(source.filename), g_doc
    yield doc, DCTERMS.source, text_iri, g_doc
    cited: set[URIRef] = set()
    for linked in source.linked.provisions:
        p = linked.provision
        iri = provision_iri(doc_id, p.kind, p.key or None)
        parent = doc if p.kind != "measure" else provision_iri(doc_id, "section", str(p.section))
        yield iri, RDF.type, PROVISION_CLASS[p.kind], g_doc
        yield iri, ELI.is_part_of, parent, g_doc
        yield parent, ELI.has_part, iri, g_doc
        for s, o in _provision_labels(p):
            yield iri, RDFS.label, o, g_doc
        if p.kind != "preamble":
            yield iri, HQ.number, Literal(p.number), g_doc
        if p.heading.text:
            yield iri, ELI.title, _zh(p.heading.text), g_doc
        if p.body.text:
            yield iri, HQ.text, _zh(p.body.text), g_doc
            yield iri, HQ.startOffset, Literal(p.body.start), g_doc
            yield iri, HQ.endOffset, Literal(p.body.end), g_doc
        for mention in linked.mentions:
            body = entity_iri(mention.kind, mention.entity_id)
            yield iri, MENTION_PROPERTY[mention.kind], body, g_doc
            if mention.kind == "document":
                cited.add(body)
    for target in sorted(cited):
        if target != doc:
            yield doc, ELI.cites, target, g_doc


def _provision_labels(p) -> Iterator[tuple[str, Literal]]:
    if p.kind == "preamble":
        yield "zh", _zh("序言")
        yield "en", _en("Preamble")
    elif p.kind == "section":
        yield "zh", _zh(f"{p.label}{p.heading.text}")
        yield "en", _en(f"Section {p.number}")
    else:
        yield "zh", _zh(p.label)
        yield "en", _en(f"Measure {p.key}")


class _Ox:
    """The terms of a link's provenance as Oxigraph terms, converted once."""

    graph = to_ox(graph_iri("provenance"))
    type = to_ox(RDF.type)
    Annotation, SpecificResource = to_ox(OA.Annotation), to_ox(OA.SpecificResource)
    TextQuoteSelector, TextPositionSelector = to_ox(OA.TextQuoteSelector), to_ox(OA.TextPositionSelector)
    motivatedBy, identifying, hasBody, hasTarget = (to_ox(OA.motivatedBy), to_ox(OA.identifying),
                                                    to_ox(OA.hasBody), to_ox(OA.hasTarget))
    hasSource, hasSelector, exact, prefix, suffix = (to_ox(OA.hasSource), to_ox(OA.hasSelector), to_ox(OA.exact),
                                                     to_ox(OA.prefix), to_ox(OA.suffix))
    start, end = to_ox(OA.start), to_ox(OA.end)
    linkProperty, withinProvision = to_ox(HQ.linkProperty), to_ox(HQ.withinProvision)
    integer = to_ox(XSD.integer)
    mention_property = {kind: to_ox(prop) for kind, prop in MENTION_PROPERTY.items()}


def provenance_quads(source: SourceDocument) -> Iterator[ox.Quad]:
    """Each link's annotation, target and selectors (graph 'provenance'), see docs/architecture.md."""
    doc_id = source.doc_id
    text_iri = to_ox(source_text_iri(doc_id))
    for linked in source.linked.provisions:
        p = linked.provision
        provision = provision_iri(doc_id, p.kind, p.key or None)
        provision_ox = to_ox(provision)
        for m in linked.mentions:
            yield from _annotation_quads(annotation_iri(provision, m.kind, m.entity_id, m.start), provision_ox,
                                         text_iri, m)


def _annotation_quads(iri: URIRef, provision: ox.NamedNode, text_iri: ox.NamedNode,
                      m: Mention) -> Iterator[ox.Quad]:
    V, g = _Ox, _Ox.graph
    a = ox.NamedNode(iri)
    target = ox.NamedNode(f"{iri}/target")
    quote, position = ox.NamedNode(f"{iri}/target/quote"), ox.NamedNode(f"{iri}/target/position")
    yield ox.Quad(a, V.type, V.Annotation, g)
    yield ox.Quad(a, V.motivatedBy, V.identifying, g)
    yield ox.Quad(a, V.hasBody, to_ox(entity_iri(m.kind, m.entity_id)), g)
    yield ox.Quad(a, V.linkProperty, V.mention_property[m.kind], g)
    yield ox.Quad(a, V.hasTarget, target, g)
    yield ox.Quad(target, V.type, V.SpecificResource, g)
    yield ox.Quad(target, V.hasSource, text_iri, g)
    yield ox.Quad(target, V.withinProvision, provision, g)
    yield ox.Quad(target, V.hasSelector, quote, g)
    yield ox.Quad(target, V.hasSelector, position, g)
    yield ox.Quad(quote, V.type, V.TextQuoteSelector, g)
    yield ox.Quad(quote, V.exact, ox.Literal(m.quote), g)
    yield ox.Quad(quote, V.prefix, ox.Literal(m.prefix), g)
    yield ox.Quad(quote, V.suffix, ox.Literal(m.suffix), g)
    yield ox.Quad(position, V.type, V.TextPositionSelector, g)
    yield ox.Quad(position, V.start, ox.Literal(str(m.start), datatype=V.integer), g)
    yield ox.Quad(position, V.end, ox.Literal(str(m.end), datatype=V.integer), g)


def oxigraph_quads(gazetteer: Gazetteer, sources: Iterable[SourceDocument]) -> Iterator[ox.Quad]:
    """All asserted quads except the ontology's, in an order fixed by the inputs, duplicates included (a store
    keeps one of each): what the build loads into its store."""
    for s, p, o, g in entity_quads(gazetteer):
        yield ox.Quad(to_ox(s), to_ox(p), to_ox(o), to_ox(g))
    for source in sources:
        for s, p, o, g in document_quads(source):
            yield ox.Quad(to_ox(s), to_ox(p), to_ox(o), to_ox(g))
        yield from provenance_quads(source)
    yield from documents.document_quads(gazetteer, sources)


def assemble(gazetteer: Gazetteer, sources: Iterable[SourceDocument]) -> list[Quad]:
    """The quads of `oxigraph_quads` as rdflib terms, deduplicated and sorted (so their order never varies)."""
    quads = {(from_ox(q.subject), from_ox(q.predicate), from_ox(q.object), from_ox(q.graph_name))
             for q in oxigraph_quads(gazetteer, sources)}
    return sorted(quads, key=lambda q: (str(q[3]), str(q[0]), str(q[1]), q[2].n3()))
