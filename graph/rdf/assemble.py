"""Quads for curated entities, documents, links and their provenance, sorted into named graphs.

Input: the gazetteer and the linked documents. Output: `pyoxigraph.Quad`s, made of Oxigraph terms directly (no
rdflib term per triple: making rdflib terms and converting them was three quarters of the build time at 10^6
triples). The vocabulary is spelt by graph.rdf.namespaces (`HQ.Measure`) and made an Oxigraph NamedNode once by
graph.rdf.terms.iri. Knows the vocabulary, nothing of stores, files or pages.

Producers: a corpus producer takes the gazetteer, a document producer one SourceDocument; each yields quads.
`oxigraph_quads` runs, text by text, every one of DOCUMENT_PRODUCERS (`source_quads`: what the build caches per
text), then every producer of CORPUS_PRODUCERS and the cross-document quads (`corpus_quads`): a new kind of
statement is a new producer added to one of the two tuples.
"""
from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

import pyoxigraph as ox

from graph.ingest.gazetteer import Composite, Entity, Gazetteer
from graph.ingest.yamlfile import DataError
from graph.ingest.link import LinkedDocument, Mention
from graph.rdf.namespaces import (
    DCTERMS, ELI, GEO, HQ, INSTRUMENT_SCHEME, OA, RDF, RDFS, SKOS, WD, XSD,
    annotation_iri, composite_iri, document_iri, entity_iri, geometry_iri, graph_iri, provision_iri, source_text_iri,
)
from graph.rdf import documents
from graph.rdf.terms import en, integer, iri, order, plain, typed, zh

Quad = ox.Quad

TITLE_EN_NOTE = ("The English title given as dcterms:alternative is another publisher's rendering (see dcterms:source "
                 "and the note), not an official English title.")
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


def _node(value: str) -> ox.NamedNode:
    """A resource's NamedNode (the IRI made and checked by graph.rdf.namespaces)."""
    return ox.NamedNode(value)


def _source_term(source: str) -> ox.NamedNode | ox.Literal:
    return ox.NamedNode(source) if re.match(r"https?://\S+$", source) else plain(source)


def entity_quads(gazetteer: Gazetteer) -> Iterator[Quad]:
    g = iri(graph_iri("entities"))
    scheme, label, pref = iri(INSTRUMENT_SCHEME), iri(RDFS.label), iri(SKOS.prefLabel)
    yield Quad(scheme, iri(RDF.type), iri(SKOS.ConceptScheme), g)
    yield Quad(scheme, label, zh("政策工具分类（Rothwell & Zegveld）"), g)
    yield Quad(scheme, label, en("Policy instruments (Rothwell & Zegveld)"), g)
    yield Quad(scheme, pref, zh("政策工具分类（Rothwell & Zegveld）"), g)
    yield Quad(scheme, pref, en("Policy instruments (Rothwell & Zegveld)"), g)
    for entity in gazetteer.entities.values():
        for s, p, o in _entity_triples(entity):
            yield Quad(s, p, o, g)
    yield from composite_quads(gazetteer)


def composite_ids(gazetteer: Gazetteer) -> dict[str, str]:
    """The IRI slug of each composite, by form: its `id`, or its expansion's ids joined by '-'; two composites
    with one slug are an error at the second."""
    ids: dict[str, str] = {}
    taken: dict[str, Composite] = {}
    for form, c in gazetteer.composites.items():
        slug = c.id or "-".join(c.expands_to)
        if slug in taken:
            raise DataError(c.file, c.line, f"composite {form!r} has the IRI slug {slug!r} of {taken[slug].form!r}: "
                                            "give one of them an `id`")
        try:
            composite_iri(slug)
        except ValueError as error:
            raise DataError(c.file, c.line, str(error)) from None
        ids[form], taken[slug] = slug, c
    return ids


def composite_quads(gazetteer: Gazetteer) -> Iterator[Quad]:
    """Each composite name as a resource with its expansion, sources and status (graph 'entities'): the status of
    the expansion is a fact of its own, which the links made through it point to (`through_composite_quads`)."""
    g = iri(graph_iri("entities"))
    for form, slug in composite_ids(gazetteer).items():
        c = gazetteer.composites[form]
        node = _node(composite_iri(slug))
        yield Quad(node, iri(RDF.type), iri(HQ.CompositeName), g)
        yield Quad(node, iri(RDFS.label), zh(form), g)
        for target in c.expands_to:
            yield Quad(node, iri(HQ.expandsTo), _node(entity_iri(gazetteer.entities[target].kind, target)), g)
        yield Quad(node, iri(HQ.verificationStatus), iri(STATUS[c.status]), g)
        for source in c.sources:
            yield Quad(node, iri(DCTERMS.source), _source_term(source), g)
        if c.note:
            yield Quad(node, iri(SKOS.note), en(c.note) if c.note.isascii() else plain(c.note), g)


def through_composite_quads(gazetteer: Gazetteer, sources: Iterable[SourceDocument]) -> Iterator[Quad]:
    """`<annotation> hq:throughComposite <composite>` for every link a composite's expansion made (graph
    'provenance'): the link is as verified as the expansion."""
    g, through = iri(graph_iri("provenance")), iri(HQ.throughComposite)
    ids = composite_ids(gazetteer)
    for source in sources:
        for linked in source.linked.provisions:
            p = linked.provision
            provision = provision_iri(source.doc_id, p.kind, p.key or None)
            for m in linked.mentions:
                if m.via is not None and m.via in ids:
                    yield Quad(_node(annotation_iri(provision, m.kind, m.entity_id, m.start)), through,
                               _node(composite_iri(ids[m.via])), g)


def _entity_triples(e: Entity) -> Iterator[tuple[ox.NamedNode, ox.NamedNode, ox.NamedNode | ox.Literal]]:
    node = _node(entity_iri(e.kind, e.id))
    yield node, iri(RDF.type), iri(HQ[e.type])
    for label in (zh(e.zh), en(e.en)):
        yield node, iri(RDFS.label), label
        yield node, iri(SKOS.prefLabel), label
    for alias in e.aliases:
        if alias != e.zh:
            yield node, iri(SKOS.altLabel), zh(alias)
    yield node, iri(HQ.verificationStatus), iri(STATUS[e.status])
    for source in e.sources:
        yield node, iri(DCTERMS.source), _source_term(source)
    if e.note:
        yield node, iri(SKOS.note), en(e.note) if e.note.isascii() else plain(e.note)
    if e.parent:
        yield node, iri(HQ.parentRegion), _node(entity_iri("region", e.parent))
    for member in e.members:
        yield node, iri(HQ.hasMember), _node(entity_iri("region", member))
    for region in e.located_in:
        yield node, iri(HQ.locatedIn), _node(entity_iri("region", region))
    for region in e.connects:
        yield node, iri(HQ.connects), _node(entity_iri("region", region))
    if e.code:
        yield node, iri(HQ.gbCode), plain(e.code)
    if e.stats_code:
        yield node, iri(HQ.statsCode), plain(e.stats_code)
    if e.wikidata:
        yield node, iri(SKOS.exactMatch), _node(WD[e.wikidata])
    if e.lon is not None and e.lat is not None:
        geometry = _node(geometry_iri(e.id))
        yield node, iri(GEO.hasGeometry), geometry
        yield geometry, iri(RDF.type), iri(GEO.Geometry)
        yield geometry, iri(GEO.asWKT), typed(f"POINT({e.lon} {e.lat})", GEO.wktLiteral)
        if e.coordinate_source:
            yield geometry, iri(DCTERMS.source), _source_term(e.coordinate_source)
    if e.kind == "instrument":
        scheme = iri(INSTRUMENT_SCHEME)
        yield node, iri(RDF.type), iri(SKOS.Concept)
        yield node, iri(SKOS.inScheme), scheme
        if e.top_of_scheme:
            yield node, iri(SKOS.topConceptOf), scheme
            yield scheme, iri(SKOS.hasTopConcept), node
        for broader in e.broader:
            yield node, iri(SKOS.broader), _node(entity_iri("instrument", broader))
        if e.definition_zh:
            yield node, iri(SKOS.definition), zh(e.definition_zh)
        if e.definition_en:
            yield node, iri(SKOS.definition), en(e.definition_en)
    if e.kind == "document":
        yield node, iri(ELI.title), zh(e.zh)
        if e.title_en:
            # Another publisher's English rendering (there is no official English title): an alternative title
            # with a note saying so, never eli:title, the document's own title.
            yield node, iri(DCTERMS.alternative), en(e.title_en)
            yield node, iri(SKOS.editorialNote), en(TITLE_EN_NOTE)
        for publisher in e.publisher:
            yield node, iri(DCTERMS.publisher), _node(entity_iri("institution", publisher))
        if e.date_public:
            yield node, iri(ELI.date_publication), typed(e.date_public, XSD.date)
        for cited in e.cites:
            yield node, iri(ELI.cites), _node(entity_iri("document", cited))


def document_quads(source: SourceDocument) -> Iterator[Quad]:
    """The document, its provisions and their links (graph 'documents'); their provenance is `provenance_quads`."""
    g_doc = iri(graph_iri("documents"))
    a, label, part_of, has_part = iri(RDF.type), iri(RDFS.label), iri(ELI.is_part_of), iri(ELI.has_part)
    doc_id, document = source.doc_id, source.linked.document
    doc = _node(document_iri(doc_id))
    text_iri = _node(source_text_iri(doc_id))
    yield Quad(doc, a, iri(HQ.PolicyDocument), g_doc)
    yield Quad(doc, iri(ELI.title), zh(document.title.text), g_doc)
    if source.curated is None:
        yield Quad(doc, label, zh(document.title.text), g_doc)
        yield Quad(doc, label, en(f"Policy text {source.filename}"), g_doc)
    yield Quad(text_iri, a, iri(HQ.SourceText), g_doc)
    yield Quad(text_iri, label, plain(source.filename), g_doc)
    yield Quad(text_iri, iri(DCTERMS.identifier), plain(source.filename), g_doc)
    yield Quad(doc, iri(DCTERMS.source), text_iri, g_doc)
    cited: dict[str, ox.NamedNode] = {}
    for linked in source.linked.provisions:
        p = linked.provision
        node = _node(provision_iri(doc_id, p.kind, p.key or None))
        parent = doc if p.kind != "measure" else _node(provision_iri(doc_id, "section", str(p.section)))
        yield Quad(node, a, iri(PROVISION_CLASS[p.kind]), g_doc)
        yield Quad(node, part_of, parent, g_doc)
        yield Quad(parent, has_part, node, g_doc)
        for o in _provision_labels(p):
            yield Quad(node, label, o, g_doc)
        if p.kind != "preamble":
            yield Quad(node, iri(HQ.number), integer(p.number), g_doc)
        if p.heading.text:
            yield Quad(node, iri(ELI.title), zh(p.heading.text), g_doc)
        if p.body.text:
            yield Quad(node, iri(HQ.text), zh(p.body.text), g_doc)
            yield Quad(node, iri(HQ.startOffset), integer(p.body.start), g_doc)
            yield Quad(node, iri(HQ.endOffset), integer(p.body.end), g_doc)
        for mention in linked.mentions:
            body = entity_iri(mention.kind, mention.entity_id)
            body_node = _node(body)
            yield Quad(node, iri(MENTION_PROPERTY[mention.kind]), body_node, g_doc)
            if mention.kind == "document":
                cited[str(body)] = body_node
    for target in sorted(cited):
        if cited[target] != doc:
            yield Quad(doc, iri(ELI.cites), cited[target], g_doc)


def _provision_labels(p) -> Iterator[ox.Literal]:
    if p.kind == "preamble":
        yield zh("序言")
        yield en("Preamble")
    elif p.kind == "section":
        yield zh(f"{p.label}{p.heading.text}")
        yield en(f"Section {p.number}")
    else:
        yield zh(p.label)
        yield en(f"Measure {p.key}")


class _Ox:
    """The terms of a link's provenance (17 quads per mention), looked up once."""

    graph = iri(graph_iri("provenance"))
    type = iri(RDF.type)
    Annotation, SpecificResource = iri(OA.Annotation), iri(OA.SpecificResource)
    TextQuoteSelector, TextPositionSelector = iri(OA.TextQuoteSelector), iri(OA.TextPositionSelector)
    motivatedBy, identifying, hasBody, hasTarget = (iri(OA.motivatedBy), iri(OA.identifying),
                                                    iri(OA.hasBody), iri(OA.hasTarget))
    hasSource, hasSelector, exact, prefix, suffix = (iri(OA.hasSource), iri(OA.hasSelector), iri(OA.exact),
                                                     iri(OA.prefix), iri(OA.suffix))
    start, end = iri(OA.start), iri(OA.end)
    linkProperty, withinProvision = iri(HQ.linkProperty), iri(HQ.withinProvision)
    mention_property = {kind: iri(prop) for kind, prop in MENTION_PROPERTY.items()}


def provenance_quads(source: SourceDocument) -> Iterator[Quad]:
    """Each link's annotation, target and selectors (graph 'provenance'), see docs/architecture.md."""
    doc_id = source.doc_id
    text_iri = _node(source_text_iri(doc_id))
    for linked in source.linked.provisions:
        p = linked.provision
        provision = provision_iri(doc_id, p.kind, p.key or None)
        provision_node = _node(provision)
        for m in linked.mentions:
            yield from _annotation_quads(annotation_iri(provision, m.kind, m.entity_id, m.start), provision_node,
                                         text_iri, m)


def _annotation_quads(annotation: str, provision: ox.NamedNode, text_iri: ox.NamedNode,
                      m: Mention) -> Iterator[Quad]:
    V, g = _Ox, _Ox.graph
    a = ox.NamedNode(annotation)
    target = ox.NamedNode(f"{annotation}/target")
    quote, position = ox.NamedNode(f"{annotation}/target/quote"), ox.NamedNode(f"{annotation}/target/position")
    yield Quad(a, V.type, V.Annotation, g)
    yield Quad(a, V.motivatedBy, V.identifying, g)
    yield Quad(a, V.hasBody, _node(entity_iri(m.kind, m.entity_id)), g)
    yield Quad(a, V.linkProperty, V.mention_property[m.kind], g)
    yield Quad(a, V.hasTarget, target, g)
    yield Quad(target, V.type, V.SpecificResource, g)
    yield Quad(target, V.hasSource, text_iri, g)
    yield Quad(target, V.withinProvision, provision, g)
    yield Quad(target, V.hasSelector, quote, g)
    yield Quad(target, V.hasSelector, position, g)
    yield Quad(quote, V.type, V.TextQuoteSelector, g)
    yield Quad(quote, V.exact, plain(m.quote), g)
    yield Quad(quote, V.prefix, plain(m.prefix), g)
    yield Quad(quote, V.suffix, plain(m.suffix), g)
    yield Quad(position, V.type, V.TextPositionSelector, g)
    yield Quad(position, V.start, integer(m.start), g)
    yield Quad(position, V.end, integer(m.end), g)


CorpusProducer = Callable[[Gazetteer], Iterable[Quad]]
DocumentProducer = Callable[[SourceDocument], Iterable[Quad]]
# What the build asserts, in this order: the corpus-wide quads, then each text's. Add a producer here.
CORPUS_PRODUCERS: tuple[CorpusProducer, ...] = (entity_quads,)
DOCUMENT_PRODUCERS: tuple[DocumentProducer, ...] = (document_quads, provenance_quads)


def oxigraph_quads(gazetteer: Gazetteer, sources: Iterable[SourceDocument]) -> Iterator[Quad]:
    """All asserted quads except the ontology's, in an order fixed by the inputs, duplicates included (a store
    keeps one of each): what the build loads into its store."""
    sources = list(sources)
    for source in sources:
        yield from source_quads(source)
    yield from corpus_quads(gazetteer, sources)


def source_quads(source: SourceDocument) -> Iterator[Quad]:
    """One document's own quads (every producer of DOCUMENT_PRODUCERS): a function of that document alone, which
    the build caches per text."""
    for produce in DOCUMENT_PRODUCERS:
        yield from produce(source)


def corpus_quads(gazetteer: Gazetteer, sources: Iterable[SourceDocument]) -> Iterator[Quad]:
    """The quads that depend on the gazetteer or on several documents at once: every producer of
    CORPUS_PRODUCERS, what links documents to one another and the extracted entities they share (cross-document
    citations), and the links made through composite names."""
    sources = list(sources)
    for produce in CORPUS_PRODUCERS:
        yield from produce(gazetteer)
    yield from documents.document_quads(gazetteer, sources)
    yield from through_composite_quads(gazetteer, sources)


def assemble(gazetteer: Gazetteer, sources: Iterable[SourceDocument]) -> list[Quad]:
    """The quads of `oxigraph_quads`, deduplicated and sorted (graph.rdf.terms.order), for tests and small uses."""
    return sorted(set(oxigraph_quads(gazetteer, sources)), key=order)
