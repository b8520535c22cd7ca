"""The project's namespaces and resource IRIs: the only module that spells them (docs/architecture.md).

`HQ`, `ELI` and `OA` are closed: a misspelt term raises AttributeError instead of minting a new IRI.
`HQ` mirrors ontology/hongqiao.ttl term for term; tests/test_namespaces.py fails if the two drift apart.
"""

import re

from rdflib import Graph, Namespace, URIRef
from rdflib.namespace import (
    DCAT,
    DCTERMS,
    GEO,
    OWL,
    PROV,
    RDF,
    RDFS,
    SKOS,
    VANN,
    VOID,
    XSD,
    DefinedNamespace,
)

__all__ = [
    "HQ", "ELI", "OA", "HQR", "WD",
    "SKOS", "DCTERMS", "PROV", "RDF", "RDFS", "OWL", "XSD", "VOID", "DCAT", "GEO", "VANN",
    "ONTOLOGY_IRI", "ONTOLOGY_VERSION_IRI", "DEFAULT_BASE", "INSTRUMENT_SCHEME", "PREFIXES",
    "ENTITY_KINDS", "PROVISION_KINDS", "GRAPH_NAMES",
    "bind_prefixes", "curie", "entity_iri", "document_iri", "provision_iri", "source_text_iri", "annotation_iri",
    "annotation_target_iri", "quote_selector_iri", "position_selector_iri", "geometry_iri", "graph_iri",
    "STATEMENT_SCHEMES", "scheme_iri", "statement_iri", "composite_iri",
]


class HQ(DefinedNamespace):
    """The hongqiao-kg ontology (ontology/hongqiao.ttl)."""

    _fail = True
    _NS = Namespace("https://w3id.org/hongqiao-kg/ontology#")

    # Classes: documents and provisions
    PolicyDocument: URIRef  # A published policy text (⊑ eli:LegalResource).
    Provision: URIRef  # A subdivision with its own text (⊑ eli:LegalResourceSubdivision).
    Preamble: URIRef  # The opening text before the first section.
    Section: URIRef  # A numbered part (一、二、三…) grouping measures.
    Measure: URIRef  # A numbered measure (（一）、（二）…).
    Principle: URIRef  # A provision under a heading of basic principles (基本原则).
    Target: URIRef  # A provision under a heading of targets (目标).
    ClosingPart: URIRef  # A closing paragraph after the last item, before the signature.
    SourceText: URIRef  # The published text file of a document (⊑ prov:Entity).

    # Classes: regions
    Region: URIRef  # A named area (⊑ geo:Feature).
    AdministrativeRegion: URIRef  # A unit of the administrative divisions.
    Country: URIRef  # A sovereign state.
    ProvinceLevelRegion: URIRef  # Province, autonomous region, municipality or SAR.
    PrefectureLevelCity: URIRef  # A prefecture-level city such as Suzhou.
    CountyLevelRegion: URIRef  # A county-level division.
    Town: URIRef  # A township-level division (镇, 街道).
    CountyLevelCity: URIRef  # A county-level city such as Kunshan.
    MunicipalDistrict: URIRef  # A city district such as Minhang.
    County: URIRef  # A county such as Haiyan.
    PolicyArea: URIRef  # A non-administrative region drawn by policy.
    BondedZone: URIRef  # A customs special supervision area (综合保税区).

    # Classes: infrastructure projects
    InfrastructureProject: URIRef  # Named physical or digital infrastructure (⊑ geo:Feature).
    Railway: URIRef  # A railway line.
    Airport: URIRef  # An airport or air-cargo hub.
    Port: URIRef  # A port or port area.
    DataCentreCluster: URIRef  # A cluster of data centres.
    DataChannel: URIRef  # A dedicated data link.
    LogisticsHub: URIRef  # A freight transfer facility or corridor.
    RailFreightService: URIRef  # A scheduled freight-train service (中欧班列).
    TransportHub: URIRef  # An interchange of transport modes.

    # Classes: institutions
    Institution: URIRef  # A named body, facility, platform or event.
    GovernmentBody: URIRef  # A government department or agency.
    ResearchFacility: URIRef  # A research institution or large facility.
    PlatformOrBase: URIRef  # A functional platform, industrial base or park.
    Event: URIRef  # A recurring expo or forum.
    OrganisationKind: URIRef  # A kind of organisation named as a group.

    # Classes: instruments and verification
    InstrumentType: URIRef  # A Rothwell & Zegveld type or sub-type (⊑ skos:Concept).
    PolicyInstrument: URIRef  # A concrete instrument of a text (⊑ skos:Concept).
    VerificationStatus: URIRef  # One of Verified, VerifiedSecondary, Unverified.

    # Defined classes (filled by a reasoner)
    MeasureNamingInfrastructure: URIRef  # Measure ⊓ ∃mentionsProject.InfrastructureProject.
    HubRegion: URIRef  # Region part of, or member of, the Hongqiao hub.

    # Individuals
    Verified: URIRef  # Read in the source given, from the original publisher.
    VerifiedSecondary: URIRef  # Read in a repost or aggregator.
    FromPackage: URIRef  # Taken from a maintained data package, not checked by a curator.
    Extracted: URIRef  # Found in a text by a rule, never verified.
    Unverified: URIRef  # Recalled or inferred; not confirmed.

    # Object properties: mentions
    mentions: URIRef  # Provision names anything.
    mentionsRegion: URIRef  # Provision names a Region.
    mentionsProject: URIRef  # Provision names an InfrastructureProject.
    mentionsInstitution: URIRef  # Provision names an Institution.
    usesInstrument: URIRef  # Provision uses a PolicyInstrument.
    citesDocument: URIRef  # Provision cites a PolicyDocument (⊑ eli:cites).

    # Object properties: regions, projects, institutions
    partOf: URIRef  # Region lies within Region (transitive).
    parentRegion: URIRef  # The direct parent region, asserted (⊑ partOf).
    hasMember: URIRef  # PolicyArea is made of Region.
    locatedIn: URIRef  # Project, Institution or PolicyArea lies in Region.
    connects: URIRef  # InfrastructureProject links Region.
    reachesRegion: URIRef  # Provision applies in Region (derived by the reach rule only).
    leadsToRegion: URIRef  # Participation brings Region to its provision's reach (the same rule, per participation).

    # Object properties: provenance
    withinProvision: URIRef  # oa:SpecificResource's quote lies in Provision.
    linkProperty: URIRef  # oa:Annotation supports a triple with this mention property.
    verificationStatus: URIRef  # Resource has a VerificationStatus.

    # Datatype properties
    text: URIRef  # Provision's verbatim text (@zh).
    number: URIRef  # Provision's ordinal within its kind (xsd:integer).
    startOffset: URIRef  # Code-point offset where the provision starts.
    endOffset: URIRef  # Code-point offset just after the provision ends.
    gbCode: URIRef  # GB/T 2260 six-digit code.
    issuerName: URIRef  # The issuer as printed in the signature or the metadata file.
    attachmentTitle: URIRef  # The title of a document listed after 附件.
    hasAttachment: URIRef  # A document this one carries (a notice's plan, an order's regulation).
    statsCode: URIRef  # NBS statistical code (6, 9 or 12 digits).

    # Institutional statements, roles and linkages
    Statement: URIRef  # An institutional statement of a provision (IG 2.0).
    StatementComponent: URIRef  # A span that is one IG-Core component of a statement.
    Participation: URIRef  # A named thing's role in a statement.
    Linkage: URIRef  # A stated relation between regions, or their co-mention.
    statementOf: URIRef  # Statement lies in Provision.
    hasComponent: URIRef  # Statement has StatementComponent.
    componentKind: URIRef  # StatementComponent is of an IG-Core component kind (skos:Concept).
    deontic: URIRef  # Statement's deontic type (skos:Concept).
    hasParticipation: URIRef  # Statement has Participation.
    participant: URIRef  # Participation's region, project or institution.
    role: URIRef  # Participation's role (skos:Concept).
    evidence: URIRef  # Participation rests on an oa:Annotation.
    inStatement: URIRef  # Linkage is stated by Statement.
    linkageKind: URIRef  # Linkage's kind (skos:Concept).
    linkedRegion: URIRef  # Linkage binds Region.
    viaProject: URIRef  # Linkage is made by InfrastructureProject.
    quote: URIRef  # The cleaned words of a statement, component or linkage.

    # Composite names (嘉昆太, 沪苏通) and the status of their expansion
    CompositeName: URIRef  # A curated name that stands for several entities at once.
    expandsTo: URIRef  # CompositeName stands for an entity.
    throughComposite: URIRef  # oa:Annotation's link rests on the expansion of a CompositeName.


class ELI(DefinedNamespace):
    """The European Legislation Identifier ontology: the terms this project uses."""

    _fail = True
    _NS = Namespace("http://data.europa.eu/eli/ontology#")

    LegalResource: URIRef  # A work in a legislative or policy corpus.
    LegalResourceSubdivision: URIRef  # A component of a legal resource.
    is_part_of: URIRef  # The resource is part of another.
    has_part: URIRef  # The resource has another as a part.
    cites: URIRef  # The resource cites another.
    title: URIRef  # The title of the resource.
    date_publication: URIRef  # The date the resource was made public.
    number: URIRef  # The identifier or number of the resource.
    date_document: URIRef  # The date the resource was adopted or signed.
    passed_by: URIRef  # The body that adopted the resource.


class OA(DefinedNamespace):
    """The W3C Web Annotation vocabulary: the terms this project uses."""

    _fail = True
    _NS = Namespace("http://www.w3.org/ns/oa#")

    Annotation: URIRef  # An annotation linking a body to a target.
    SpecificResource: URIRef  # A resource narrowed by selectors.
    TextQuoteSelector: URIRef  # Selects text by the quote and its context.
    TextPositionSelector: URIRef  # Selects text by start and end offsets.
    Motivation: URIRef  # Why an annotation was made.
    identifying: URIRef  # Motivation: the body identifies what the target names.
    hasBody: URIRef  # The annotation's body (the entity).
    hasTarget: URIRef  # The annotation's target.
    hasSource: URIRef  # The resource a specific resource narrows.
    hasSelector: URIRef  # A selector of a specific resource.
    motivatedBy: URIRef  # The annotation's motivation.
    exact: URIRef  # The quoted text.
    prefix: URIRef  # Text just before the quote.
    suffix: URIRef  # Text just after the quote.
    start: URIRef  # Start offset (inclusive).
    end: URIRef  # End offset (exclusive).


ONTOLOGY_IRI = URIRef("https://w3id.org/hongqiao-kg/ontology")
ONTOLOGY_VERSION_IRI = URIRef("https://w3id.org/hongqiao-kg/ontology/0.1.0")
DEFAULT_BASE = "https://w3id.org/hongqiao-kg/id/"
HQR = Namespace(DEFAULT_BASE)
WD = Namespace("http://www.wikidata.org/entity/")
INSTRUMENT_SCHEME = HQR["instrument"]

PREFIXES: dict[str, str] = {
    "hq": str(HQ),
    "hqr": str(HQR),
    "eli": str(ELI),
    "skos": str(SKOS),
    "dcterms": str(DCTERMS),
    "prov": str(PROV),
    "oa": str(OA),
    "geo": str(GEO),
    "owl": str(OWL),
    "rdf": str(RDF),
    "rdfs": str(RDFS),
    "xsd": str(XSD),
    "wd": str(WD),
    "void": str(VOID),
    "dcat": str(DCAT),
    "vann": str(VANN),
}

_LONGEST_FIRST = sorted(PREFIXES.items(), key=lambda item: (-len(item[1]), item[0]))


def curie(iri: object, local: str | None = None, prefixes: dict[str, str] | None = None) -> str | None:
    """`prefix:local` for an IRI under one of `prefixes` (default PREFIXES; the longest namespace wins), else None.

    `local`: a regular expression the local part must match whole (default: any non-empty local part). The one
    place that compacts IRIs; rdflib's NamespaceManager.curie() cuts at the last '/' or '#' and so cannot write
    hqr:region/kunshan.
    """
    text = str(iri)
    pairs = _LONGEST_FIRST if prefixes is None else sorted(prefixes.items(), key=lambda item: (-len(item[1]), item[0]))
    for prefix, ns in pairs:
        if text.startswith(ns):
            rest = text[len(ns):]
            if re.fullmatch(local, rest) if local is not None else rest:
                return f"{prefix}:{rest}"
    return None


ENTITY_KINDS = ("region", "project", "institution", "instrument", "document")
PROVISION_KINDS = ("preamble", "section", "measure")
GRAPH_NAMES = ("ontology", "entities", "documents", "provenance", "inferred", "reach", "dataset")

_SLUG = re.compile(r"[a-z0-9-]+")
_NUMBER = re.compile(r"[0-9]+(\.[0-9]+)?")


def bind_prefixes(graph: Graph) -> Graph:
    """Bind every project prefix on `graph` (replacing other bindings of the same prefix); return the graph."""
    for prefix, iri in PREFIXES.items():
        graph.bind(prefix, Namespace(iri), override=True, replace=True)
    return graph


def _slug(value: str, what: str) -> str:
    if not _SLUG.fullmatch(value):
        raise ValueError(f"{what} must be a slug [a-z0-9-]+, got {value!r}")
    return value


def entity_iri(kind: str, entity_id: str) -> URIRef:
    """`hqr:<kind>/<id>` for a curated entity; kind is region, project, institution, instrument or document."""
    if kind not in ENTITY_KINDS:
        raise ValueError(f"unknown entity kind {kind!r}; expected one of {', '.join(ENTITY_KINDS)}")
    return HQR[f"{kind}/{_slug(entity_id, 'entity id')}"]


def composite_iri(composite_id: str) -> URIRef:
    """`hqr:composite/<id>` for a curated composite name (data/entities/composites.yaml)."""
    return HQR[f"composite/{_slug(composite_id, 'composite id')}"]


def document_iri(doc_id: str) -> URIRef:
    """`hqr:document/<d>`."""
    return entity_iri("document", doc_id)


def provision_iri(doc_id: str, kind: str, number: str | int | None = None) -> URIRef:
    """`hqr:document/<d>/preamble`, `…/section/<n>` or `…/measure/<n>` (n may be `<section>.<n>`)."""
    if kind not in PROVISION_KINDS:
        raise ValueError(f"unknown provision kind {kind!r}; expected one of {', '.join(PROVISION_KINDS)}")
    if kind == "preamble":
        if number is not None:
            raise ValueError(f"a preamble has no number, got {number!r}")
        return URIRef(f"{document_iri(doc_id)}/preamble")
    if number is None or not _NUMBER.fullmatch(str(number)):
        raise ValueError(f"a {kind} needs a number like '7' or '2.3', got {number!r}")
    return URIRef(f"{document_iri(doc_id)}/{kind}/{number}")


def source_text_iri(doc_id: str) -> URIRef:
    """`hqr:document/<d>/source-text`: the published text file (a hq:SourceText)."""
    return URIRef(f"{document_iri(doc_id)}/source-text")


def annotation_iri(provision: URIRef, kind: str, entity_id: str, start: int) -> URIRef:
    """`<provision>/annotation/<kind>-<entity id>-<start>` for a link from `provision` to an entity."""
    if kind not in ENTITY_KINDS:
        raise ValueError(f"unknown entity kind {kind!r}; expected one of {', '.join(ENTITY_KINDS)}")
    if isinstance(start, bool) or not isinstance(start, int) or start < 0:
        raise ValueError(f"start must be a non-negative int, got {start!r}")
    return URIRef(f"{provision}/annotation/{kind}-{_slug(entity_id, 'entity id')}-{start}")


def annotation_target_iri(annotation: URIRef) -> URIRef:
    """`<annotation>/target` (an oa:SpecificResource)."""
    return URIRef(f"{annotation}/target")


def quote_selector_iri(annotation: URIRef) -> URIRef:
    """`<annotation>/target/quote` (an oa:TextQuoteSelector)."""
    return URIRef(f"{annotation}/target/quote")


def position_selector_iri(annotation: URIRef) -> URIRef:
    """`<annotation>/target/position` (an oa:TextPositionSelector)."""
    return URIRef(f"{annotation}/target/position")


def geometry_iri(region_id: str) -> URIRef:
    """`hqr:region/<id>/geometry`: a region's point geometry."""
    return URIRef(f"{entity_iri('region', region_id)}/geometry")


def graph_iri(name: str) -> URIRef:
    """`hqr:graph/<name>` for the named graphs ontology, entities, documents, provenance and inferred."""
    if name not in GRAPH_NAMES:
        raise ValueError(f"unknown graph {name!r}; expected one of {', '.join(GRAPH_NAMES)}")
    return HQR[f"graph/{name}"]


STATEMENT_SCHEMES = ("ig-component", "deontic", "role", "linkage-kind", "instrument-facet")


def scheme_iri(scheme: str, concept: str | None = None) -> URIRef:
    """`hqr:<scheme>` (a skos:ConceptScheme of data/schemes/statements.yaml) or `hqr:<scheme>/<concept>`."""
    if scheme not in STATEMENT_SCHEMES:
        raise ValueError(f"unknown scheme {scheme!r}; expected one of {', '.join(STATEMENT_SCHEMES)}")
    return HQR[scheme if concept is None else f"{scheme}/{_slug(concept, 'concept id')}"]


def statement_iri(provision: URIRef, index: int) -> URIRef:
    """`<provision>/statement/<n>`: the n-th statement (1-based) of a provision."""
    return URIRef(f"{provision}/statement/{int(index)}")
