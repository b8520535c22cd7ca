"""Statements, their components, roles and linkages -> Oxigraph quads (graph 'documents'); the schemes they use
as SKOS concept schemes (graph 'entities'). IRIs (docs/architecture.md):

  <provision>/statement/<n>                       a hq:Statement (n from 1, heading first)
  <statement>/component/<kind>-<start>            a hq:StatementComponent
  <statement>/role/<entity kind>-<entity id>-<start>   a hq:Participation, hq:evidence the mention's annotation
  <statement>/linkage/<kind>-<start>[-<k>]        a hq:Linkage
  hqr:<scheme>, hqr:<scheme>/<concept>            skos:ConceptScheme and skos:Concept
"""
from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path

import pyoxigraph as ox
from rdflib import URIRef

from graph import resources
from graph.ingest.gazetteer import Gazetteer
from graph.ingest.linkages import ProvisionStatements, document_statements
from graph.ingest.statements import Scheme, load_schemes
from graph.ingest.yamlfile import DataError
from graph.rdf.namespaces import (
    HQ, RDF, RDFS, SKOS, XSD, annotation_iri, entity_iri, graph_iri, provision_iri, scheme_iri, statement_iri,
)

SCHEMES_FILE = resources.DATA / "schemes" / "statements.yaml"
STATUS = {"verified": HQ.Verified, "verified-secondary": HQ.VerifiedSecondary, "unverified": HQ.Unverified}


def _n(iri) -> ox.NamedNode:
    return ox.NamedNode(str(iri))


def _zh(text: str) -> ox.Literal:
    return ox.Literal(text, language="zh")


def _en(text: str) -> ox.Literal:
    return ox.Literal(text, language="en")


def _int(value: int) -> ox.Literal:
    return ox.Literal(str(value), datatype=_n(XSD.integer))


T = {name: _n(getattr(HQ, name)) for name in (
    "Statement", "StatementComponent", "Participation", "Linkage", "statementOf", "hasComponent", "componentKind",
    "deontic", "hasParticipation", "participant", "role", "evidence", "inStatement", "linkageKind",
    "linkedRegion", "viaProject", "quote", "startOffset", "endOffset", "verificationStatus")}
TYPE, LABEL = _n(RDF.type), _n(RDFS.label)


def scheme_quads(schemes: dict[str, Scheme], gazetteer: Gazetteer | None = None) -> Iterator[ox.Quad]:
    """The schemes as SKOS; a concept's `members` (instrument facets) relate curated entities to it by
    skos:relatedMatch, never skos:broader, so a facet is no type and nothing counts twice under the types."""
    g = _n(graph_iri("entities"))
    for scheme in schemes.values():
        s = _n(scheme_iri(scheme.id))
        yield ox.Quad(s, TYPE, _n(SKOS.ConceptScheme), g)
        for lit in (_zh(scheme.zh), _en(scheme.en)):
            yield ox.Quad(s, LABEL, lit, g)
            yield ox.Quad(s, _n(SKOS.prefLabel), lit, g)
        yield ox.Quad(s, T["verificationStatus"], _n(STATUS[scheme.status]), g)
        yield ox.Quad(s, _n(SKOS.note), _en("An analytical scheme of the project; sources: " +
                                            "; ".join(scheme.sources)), g)
        for c in scheme.concepts:
            iri = _n(scheme_iri(scheme.id, c.id))
            yield ox.Quad(iri, TYPE, _n(SKOS.Concept), g)
            yield ox.Quad(iri, _n(SKOS.inScheme), s, g)
            yield ox.Quad(iri, _n(SKOS.topConceptOf), s, g)
            yield ox.Quad(s, _n(SKOS.hasTopConcept), iri, g)
            for lit in (_zh(c.zh), _en(c.en)):
                yield ox.Quad(iri, LABEL, lit, g)
                yield ox.Quad(iri, _n(SKOS.prefLabel), lit, g)
            if c.definition_en:
                yield ox.Quad(iri, _n(SKOS.definition), _en(c.definition_en), g)
            yield ox.Quad(iri, T["verificationStatus"], _n(STATUS[scheme.status]), g)
            for member in c.members:
                # A gazetteer without the instrument (another text's data) relates nothing; a member of the
                # wrong kind is an error in the scheme file.
                entity = gazetteer.entities.get(member) if gazetteer is not None else None
                if entity is None:
                    continue
                if entity.kind != "instrument":
                    raise DataError(*c.where, f"concept {c.id!r}: member {member!r} is a {entity.kind}, "
                                              "not a curated instrument")
                yield ox.Quad(_n(entity_iri("instrument", member)), _n(SKOS.relatedMatch), iri, g)


def provision_quads(provision: URIRef, ps: ProvisionStatements) -> Iterator[ox.Quad]:
    g = _n(graph_iri("documents"))
    for st in ps.statements:
        s_iri = statement_iri(provision, st.index)
        s = _n(s_iri)
        yield ox.Quad(s, TYPE, T["Statement"], g)
        yield ox.Quad(s, LABEL, _en(f"Statement {st.index}"), g)
        yield ox.Quad(s, T["statementOf"], _n(provision), g)
        yield ox.Quad(s, T["deontic"], _n(scheme_iri("deontic", st.deontic)), g)
        yield ox.Quad(s, T["quote"], ox.Literal(st.text), g)
        yield ox.Quad(s, T["startOffset"], _int(st.start), g)
        yield ox.Quad(s, T["endOffset"], _int(st.end), g)
        for c in st.components:
            c_iri = _n(f"{s_iri}/component/{c.kind}-{c.start}")
            yield ox.Quad(s, T["hasComponent"], c_iri, g)
            yield ox.Quad(c_iri, TYPE, T["StatementComponent"], g)
            yield ox.Quad(c_iri, T["componentKind"], _n(scheme_iri("ig-component", c.kind)), g)
            yield ox.Quad(c_iri, T["quote"], ox.Literal(c.text), g)
            yield ox.Quad(c_iri, T["startOffset"], _int(c.start), g)
            yield ox.Quad(c_iri, T["endOffset"], _int(c.end), g)
        for r in st.roles:
            m = r.mention
            r_iri = _n(f"{s_iri}/role/{m.kind}-{m.entity_id}-{m.start}")
            yield ox.Quad(s, T["hasParticipation"], r_iri, g)
            yield ox.Quad(r_iri, TYPE, T["Participation"], g)
            yield ox.Quad(r_iri, T["participant"], _n(entity_iri(m.kind, m.entity_id)), g)
            yield ox.Quad(r_iri, T["role"], _n(scheme_iri("role", r.role)), g)
            yield ox.Quad(r_iri, T["evidence"], _n(annotation_iri(provision, m.kind, m.entity_id, m.start)), g)
    seen: dict[str, int] = {}
    for lk in ps.linkages:
        base = f"{statement_iri(provision, lk.statement.index)}/linkage/{lk.kind}-{lk.start}"
        seen[base] = seen.get(base, 0) + 1
        l_iri = _n(base if seen[base] == 1 else f"{base}-{seen[base]}")
        yield ox.Quad(l_iri, TYPE, T["Linkage"], g)
        yield ox.Quad(l_iri, T["linkageKind"], _n(scheme_iri("linkage-kind", lk.kind)), g)
        yield ox.Quad(l_iri, T["inStatement"], _n(statement_iri(provision, lk.statement.index)), g)
        yield ox.Quad(l_iri, T["quote"], ox.Literal(lk.quote), g)
        yield ox.Quad(l_iri, T["startOffset"], _int(lk.start), g)
        yield ox.Quad(l_iri, T["endOffset"], _int(lk.end), g)
        for region in lk.regions:
            yield ox.Quad(l_iri, T["linkedRegion"], _n(entity_iri("region", region)), g)
        if lk.project:
            yield ox.Quad(l_iri, T["viaProject"], _n(entity_iri("project", lk.project)), g)


def statement_quads(gazetteer: Gazetteer, sources: Iterable, schemes_file: Path = SCHEMES_FILE) -> Iterator[ox.Quad]:
    """Every statement, component, role and linkage of the `sources` (graph.rdf.assemble.SourceDocument), and
    the schemes: what the build adds to its store beside assemble's quads."""
    schemes = load_schemes(schemes_file)
    yield from scheme_quads(schemes, gazetteer)
    for source in sources:
        yield from source_statement_quads(gazetteer, source, schemes)


def source_statement_quads(gazetteer: Gazetteer, source, schemes: dict[str, Scheme]) -> Iterator[ox.Quad]:
    """The statements of one SourceDocument: a function of that document, the gazetteer and the schemes alone
    (the build caches them per text)."""
    for ps in document_statements(source.linked, schemes, gazetteer):
        p = ps.provision
        yield from provision_quads(provision_iri(source.doc_id, p.kind, p.key or None), ps)
