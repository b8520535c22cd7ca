"""Quads for what the genre family adds: document metadata, attached documents, provision kinds, and the entities
that are not curated (from the national gazetteer's packages, or extracted from the texts).

Input: the SourceDocuments of a build. Output: pyoxigraph quads, in an order fixed by the inputs. Curated entities
and the seed's quads are assemble.py's; nothing here is emitted for a curated entity or for the seed's provisions,
so the seed's graph stays as it was where it links nothing new.
"""
from __future__ import annotations

from collections.abc import Iterable, Iterator

import pyoxigraph as ox

from graph.ingest.link import Mention
from graph.rdf.namespaces import (
    DCTERMS, ELI, HQ, RDF, RDFS, SKOS, XSD, document_iri, entity_iri, graph_iri, provision_iri,
)

ROLE_CLASS = {"principle": HQ.Principle, "target": HQ.Target, "closing": HQ.ClosingPart}
STATUS = {"package": HQ.FromPackage, "extracted": HQ.Extracted}
CURATED_STATUS = {"verified": HQ.Verified, "verified-secondary": HQ.VerifiedSecondary, "unverified": HQ.Unverified}
LEVEL_CLASS = {"province": HQ.ProvinceLevelRegion, "prefecture": HQ.PrefectureLevelCity,
               "county": HQ.CountyLevelRegion, "town": HQ.Town, "country": HQ.Country}
EXTRACTED_CLASS = {"project": HQ.InfrastructureProject, "institution": HQ.Institution, "region": HQ.PolicyArea,
                   "document": HQ.PolicyDocument}
LEVEL_EN = {"province": "province-level division", "prefecture": "prefecture-level division",
            "county": "county-level division", "town": "township-level division"}


def _n(term) -> ox.NamedNode:
    return ox.NamedNode(str(term))


def _zh(text: str) -> ox.Literal:
    return ox.Literal(text, language="zh")


def _en(text: str) -> ox.Literal:
    return ox.Literal(text, language="en")


def _q(s, p, o, g) -> ox.Quad:
    return ox.Quad(s if isinstance(s, ox.NamedNode) else _n(s), _n(p), o if isinstance(o, (ox.NamedNode, ox.Literal))
                   else _n(o), g)


def document_quads(gazetteer, sources: Iterable) -> Iterator[ox.Quad]:
    sources = list(sources)
    g = _n(graph_iri("documents"))
    annexes: dict[str, list[str]] = {}
    for source in sources:
        if "-annex-" in source.doc_id:
            annexes.setdefault(source.doc_id.rsplit("-annex-", 1)[0], []).append(source.doc_id)
    for source in sources:
        document = source.linked.document
        doc = _n(document_iri(source.doc_id))
        meta = document.metadata
        if meta is not None:
            if meta.number:
                yield _q(doc, ELI.number, ox.Literal(meta.number), g)
            if meta.signed:
                yield _q(doc, ELI.date_document, ox.Literal(meta.signed, datatype=_n(XSD.date)), g)
            if meta.issuer:
                yield _q(doc, HQ.issuerName, _zh(meta.issuer), g)
            if meta.url:
                yield _q(doc, RDFS.seeAlso, _n(meta.url), g)
            for title in meta.attachment_titles:
                yield _q(doc, HQ.attachmentTitle, _zh(title), g)
        if source.curated is None:
            yield _q(doc, HQ.verificationStatus, _n(HQ.Extracted), g)
        for annex in annexes.get(source.doc_id, ()):
            yield _q(doc, HQ.hasAttachment, _n(document_iri(annex)), g)
            yield _q(doc, ELI.cites, _n(document_iri(annex)), g)
        for p in document.sections:
            if not p.heading.text:
                # an implicit section (the body of a text without numbered headings) is titled by its document
                yield _q(provision_iri(source.doc_id, "section", p.key), ELI.title,
                         _zh(document.title.text or (meta.title if meta else "") or source.filename), g)
        for p in document.measures:
            if p.role in ROLE_CLASS:
                yield _q(provision_iri(source.doc_id, "measure", p.key), RDF.type, _n(ROLE_CLASS[p.role]), g)
    yield from entity_quads(gazetteer, sources)


def _mentions(sources) -> Iterator[Mention]:
    for source in sources:
        for linked in source.linked.provisions:
            for m in linked.mentions:
                if m.origin in STATUS:
                    yield m


def curated_regions(gazetteer) -> dict[str, str]:
    """Curated region ids by GB/T 2260 code: a package place with a curated twin is the curated one."""
    return {e.code: e.id for e in gazetteer.of_kind("region") if e.code}


def entity_quads(gazetteer, sources) -> Iterator[ox.Quad]:
    """Each package or extracted entity a text names, once, with its labels, status, source and (for places)
    the parent chain from the package."""
    g = _n(graph_iri("entities"))
    done: set[tuple[str, str]] = set()
    pending: list[tuple[str, str, str, str, str]] = []  # kind, id, origin, name, record
    for m in _mentions(sources):
        pending.append((m.kind, m.entity_id, m.origin, m.name or m.quote, m.record))
    national = None
    curated = curated_regions(gazetteer)
    country = gazetteer.home_country()
    while pending:
        kind, entity_id, origin, name, record_id = pending.pop(0)
        if (kind, entity_id) in done:
            continue
        done.add((kind, entity_id))
        iri = _n(entity_iri(kind, entity_id))
        if origin == "package" and national is None:
            from graph.ingest import national as national_module
            national = national_module.build()
        record = national.records.get(record_id) if origin == "package" else None
        # the central bodies are a hand-curated file: their own status holds, not the packages'
        status = CURATED_STATUS.get(record.status) if record is not None and record.kind == "central_body" else None
        yield _q(iri, HQ.verificationStatus, _n(status or STATUS[origin]), g)
        yield _q(iri, RDFS.label, _zh(name), g)
        yield _q(iri, SKOS.prefLabel, _zh(name), g)
        if origin == "extracted":
            yield _q(iri, RDF.type, _n(EXTRACTED_CLASS[kind]), g)
            en = f"{name} (extracted, untranslated)"
            yield _q(iri, RDFS.label, _en(en), g)
            yield _q(iri, SKOS.prefLabel, _en(en), g)
            if kind == "document":
                yield _q(iri, ELI.title, _zh(name), g)
            continue
        level = record.level if record else ""
        if kind == "institution":
            cls = HQ.GovernmentBody
        elif record is not None and record.kind == "country":
            cls = HQ.Country
        elif record is not None and record.kind == "area":
            cls = HQ.PolicyArea  # a named area of the gazetteer that is no division (雄安新区, 苏北, 长江)
        else:
            cls = LEVEL_CLASS.get(level, HQ.AdministrativeRegion)
        yield _q(iri, RDF.type, _n(cls), g)
        en = (record.en if record and record.en else
              f"{name} ({LEVEL_EN.get(level, 'government body' if kind == 'institution' else level)}"
              f"{', code ' + record.code if record and record.code and kind == 'region' else ''})")
        yield _q(iri, RDFS.label, _en(en), g)
        yield _q(iri, SKOS.prefLabel, _en(en), g)
        yield _q(iri, DCTERMS.source, ox.Literal(record.source if record and record.source else "national gazetteer"), g)
        if record is not None and record.kind == "area":
            for place_id in ((record.parent,) if record.parent else record.members):
                place = national.records[place_id]
                target = curated.get(place.code) or _slug(place_id)
                yield _q(iri, HQ.parentRegion if record.parent else HQ.hasMember, _n(entity_iri("region", target)), g)
                if place.code not in curated:
                    pending.append(("region", target, "package", place.name, place_id))
        if record is not None and record.kind == "division":
            if record.code and len(record.code) == 6:
                yield _q(iri, HQ.gbCode, ox.Literal(record.code), g)
            parent_id = record.parent
            if parent_id and parent_id in national.records:
                parent = national.records[parent_id]
                if parent.code in curated:
                    yield _q(iri, HQ.parentRegion, _n(entity_iri("region", curated[parent.code])), g)
                else:
                    slug = _slug(parent_id)
                    yield _q(iri, HQ.parentRegion, _n(entity_iri("region", slug)), g)
                    pending.append(("region", slug, "package", parent.name, parent_id))
            elif country is not None:
                yield _q(iri, HQ.parentRegion, _n(entity_iri("region", country)), g)
        if kind == "institution" and record_id.startswith("local:"):
            division = "cn:" + record_id.split(":")[1]
            if division[3:] in curated:
                yield _q(iri, HQ.locatedIn, _n(entity_iri("region", curated[division[3:]])), g)
            elif division in national.records:
                slug = _slug(division)
                yield _q(iri, HQ.locatedIn, _n(entity_iri("region", slug)), g)
                pending.append(("region", slug, "package", national.records[division].name, division))


def _slug(record_id: str) -> str:
    from graph.ingest.link import _slug as slug
    return slug(record_id)
