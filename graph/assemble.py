"""Triples for curated entities, documents, links and their provenance, sorted into named graphs.

Input: the gazetteer and the linked documents. Output: quads (subject, predicate, object, graph) of rdflib
terms. Knows the vocabulary, nothing of stores, files or pages.
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from rdflib import Literal, URIRef
from rdflib.term import Node

from graph.gazetteer import Entity, Gazetteer
from graph.link import LinkedDocument, Mention
from graph.namespaces import (
    DCTERMS, ELI, GEO, HQ, INSTRUMENT_SCHEME, OA, RDF, RDFS, SKOS, WD, XSD,
    annotation_iri, document_iri, entity_iri, geometry_iri, graph_iri, provision_iri, source_text_iri,
)

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
    """The document, its provisions, their links (graph 'documents') and the links' provenance ('provenance')."""
    g_doc, g_prov = graph_iri("documents"), graph_iri("provenance")
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
            prop = MENTION_PROPERTY[mention.kind]
            body = entity_iri(mention.kind, mention.entity_id)
            yield iri, prop, body, g_doc
            if mention.kind == "document":
                cited.add(body)
            for s, pr, o in _annotation_triples(iri, text_iri, prop, body, mention):
                yield s, pr, o, g_prov
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


def _annotation_triples(provision: URIRef, text_iri: URIRef, prop: URIRef, body: URIRef,
                        m: Mention) -> Iterator[tuple[Node, Node, Node]]:
    a = annotation_iri(provision, m.kind, m.entity_id, m.start)
    target = URIRef(f"{a}/target")
    quote, position = URIRef(f"{target}/quote"), URIRef(f"{target}/position")
    yield a, RDF.type, OA.Annotation
    yield a, OA.motivatedBy, OA.identifying
    yield a, OA.hasBody, body
    yield a, HQ.linkProperty, prop
    yield a, OA.hasTarget, target
    yield target, RDF.type, OA.SpecificResource
    yield target, OA.hasSource, text_iri
    yield target, HQ.withinProvision, provision
    yield target, OA.hasSelector, quote
    yield target, OA.hasSelector, position
    yield quote, RDF.type, OA.TextQuoteSelector
    yield quote, OA.exact, Literal(m.quote)
    yield quote, OA.prefix, Literal(m.prefix)
    yield quote, OA.suffix, Literal(m.suffix)
    yield position, RDF.type, OA.TextPositionSelector
    yield position, OA.start, Literal(m.start)
    yield position, OA.end, Literal(m.end)


def assemble(gazetteer: Gazetteer, sources: Iterable[SourceDocument]) -> list[Quad]:
    """All asserted quads except the ontology's, deduplicated and sorted (so output order never varies)."""
    quads = set(entity_quads(gazetteer))
    for source in sources:
        quads.update(document_quads(source))
    return sorted(quads, key=lambda q: (str(q[3]), str(q[0]), str(q[1]), q[2].n3()))
