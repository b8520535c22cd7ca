"""ontology/hongqiao.ttl: header, labels and definitions, the contract's axioms, agreement with graph/namespaces.py,
and (with Java) OWL 2 DL profile, consistency and the inferences the defined terms promise."""

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import get_annotations

from graph.rdf import namespaces as ns
from graph.rdf.namespaces import DCTERMS, ELI, HQ, HQR, OA, OWL, PROV, RDF, RDFS, SKOS, VANN
# GEO and XSD are used as ns.GEO / ns.XSD: pytest probes module globals, and these open namespaces warn on that.

ONTOLOGY_FILE = Path(__file__).resolve().parent.parent / "ontology" / "hongqiao.ttl"
ONTOLOGY = URIRef("https://w3id.org/hongqiao-kg/ontology")
DECLARATION_TYPES = (OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty,
                     OWL.NamedIndividual, RDFS.Datatype)
BUILT_IN = (str(RDF), str(RDFS), str(OWL), str(ns.XSD))
needs_java = pytest.mark.skipif(shutil.which("java") is None, reason="HermiT needs Java on PATH")


@pytest.fixture(scope="module")
def onto() -> Graph:
    return Graph().parse(ONTOLOGY_FILE, format="turtle")


def hq_terms(graph: Graph) -> set[URIRef]:
    """hq: IRIs the ontology declares."""
    return {s for t in DECLARATION_TYPES for s in graph.subjects(RDF.type, t)
            if isinstance(s, URIRef) and str(s).startswith(str(HQ))}


def langs(graph: Graph, subject, predicate) -> list[str | None]:
    return sorted((o.language or "" for o in graph.objects(subject, predicate) if isinstance(o, Literal)))


# --- header ------------------------------------------------------------------------------------------------------

def test_header(onto):
    assert (ONTOLOGY, RDF.type, OWL.Ontology) in onto, "no owl:Ontology with the ontology IRI"
    assert list(onto.subjects(RDF.type, OWL.Ontology)) == [ONTOLOGY], "exactly one owl:Ontology header expected"
    assert onto.value(ONTOLOGY, OWL.versionIRI) == URIRef("https://w3id.org/hongqiao-kg/ontology/0.1.0"), \
        "owl:versionIRI missing or wrong"
    assert onto.value(ONTOLOGY, OWL.versionInfo) == Literal("0.1.0"), "owl:versionInfo should be '0.1.0'"
    for prop in (DCTERMS.title, DCTERMS.description):
        assert langs(onto, ONTOLOGY, prop) == ["en", "zh"], f"{prop} needs exactly one @en and one @zh value"
    assert onto.value(ONTOLOGY, DCTERMS.license) == URIRef("https://creativecommons.org/licenses/by/4.0/"), \
        "dcterms:license should be CC BY 4.0"
    assert onto.value(ONTOLOGY, DCTERMS.creator) == Literal("hongqiao-kg contributors")
    assert onto.value(ONTOLOGY, VANN.preferredNamespacePrefix) == Literal("hq")
    assert str(onto.value(ONTOLOGY, VANN.preferredNamespaceUri)) == str(HQ)
    for prop in (DCTERMS.created, DCTERMS.modified):
        assert onto.value(ONTOLOGY, prop) == Literal("2026-11-29", datatype=ns.XSD.date), f"{prop} wrong"


# --- every term documented, and in step with the namespace module -------------------------------------------------

def test_every_hq_term_has_labels_and_definitions(onto):
    problems = []
    for term in sorted(hq_terms(onto)):
        if langs(onto, term, RDFS.label) != ["en", "zh"]:
            problems.append(f"{term.fragment}: rdfs:label languages {langs(onto, term, RDFS.label)}")
        if langs(onto, term, SKOS.definition) != ["en", "zh"]:
            problems.append(f"{term.fragment}: skos:definition languages {langs(onto, term, SKOS.definition)}")
    assert not problems, "terms need one rdfs:label and one skos:definition in each of @en, @zh:\n" + \
        "\n".join(problems)


def test_namespace_module_and_ontology_agree(onto):
    in_module = {HQ[name] for name in get_annotations(HQ)}
    in_ontology = hq_terms(onto)
    only_module = sorted(t.fragment for t in in_module - in_ontology)
    only_ontology = sorted(t.fragment for t in in_ontology - in_module)
    assert not only_module and not only_ontology, (
        f"HQ in graph/namespaces.py and ontology/hongqiao.ttl have drifted apart: only in HQ {only_module}; "
        f"only in the ontology {only_ontology}")


def test_every_hq_iri_used_is_declared(onto):
    used = {term for triple in onto for term in triple if isinstance(term, URIRef) and str(term).startswith(str(HQ))}
    undeclared = used - hq_terms(onto)
    assert not undeclared, f"hq: IRIs used but never declared (typo?): {sorted(undeclared)}"


def test_each_term_has_one_kind(onto):
    expected_kind = {}
    for name in get_annotations(HQ):
        if name in ("Verified", "VerifiedSecondary", "Unverified", "FromPackage", "Extracted"):
            expected_kind[HQ[name]] = OWL.NamedIndividual
        elif name[0].isupper():
            expected_kind[HQ[name]] = OWL.Class
    wrong = []
    for term in hq_terms(onto):
        kinds = {t for t in onto.objects(term, RDF.type) if t in DECLARATION_TYPES}
        if len(kinds) != 1:
            wrong.append(f"{term.fragment}: {sorted(kinds)}")
        elif term in expected_kind and kinds != {expected_kind[term]}:
            wrong.append(f"{term.fragment}: {sorted(kinds)}, expected {expected_kind[term]}")
        elif term not in expected_kind and not kinds & {OWL.ObjectProperty, OWL.DatatypeProperty}:
            wrong.append(f"{term.fragment}: {sorted(kinds)}, expected a property")
    assert not wrong, "terms with a wrong or ambiguous declaration:\n" + "\n".join(sorted(wrong))


def test_every_external_iri_is_declared(onto):
    """OWL 2 DL wants a declaration for every IRI used (other than the built-in vocabulary)."""
    declared = {s for t in DECLARATION_TYPES for s in onto.subjects(RDF.type, t)}
    used = set()
    for s, p, o in onto:
        for term in (s, p, o):
            if isinstance(term, URIRef) and not str(term).startswith(BUILT_IN) and term != ONTOLOGY:
                used.add(term)
    objects_not_entities = set(onto.objects(None, DCTERMS.license)) | set(onto.objects(None, OWL.versionIRI))
    undeclared = used - declared - objects_not_entities
    assert not undeclared, f"IRIs used without an OWL declaration: {sorted(undeclared)}"


def test_reused_terms_have_their_proper_kind(onto):
    expected = {
        OWL.Class: [ELI.LegalResource, ELI.LegalResourceSubdivision, ns.GEO.Feature, ns.GEO.Geometry, PROV.Entity,
                    SKOS.Concept, SKOS.ConceptScheme, OA.Annotation, OA.SpecificResource, OA.TextQuoteSelector,
                    OA.TextPositionSelector],
        OWL.ObjectProperty: [ELI.is_part_of, ELI.has_part, ELI.cites, ELI.passed_by, SKOS.broader, SKOS.inScheme,
                             SKOS.topConceptOf, SKOS.exactMatch, ns.GEO.hasGeometry, OA.hasBody, OA.hasTarget,
                             OA.hasSource, OA.hasSelector, OA.motivatedBy],
        OWL.DatatypeProperty: [ELI.title, ELI.date_publication, ELI.number, ns.GEO.asWKT, OA.exact, OA.prefix,
                               OA.suffix, OA.start, OA.end],
        OWL.AnnotationProperty: [SKOS.prefLabel, SKOS.altLabel, SKOS.definition, SKOS.note, DCTERMS.title,
                                 DCTERMS.description, DCTERMS.license, DCTERMS.creator, DCTERMS.publisher,
                                 DCTERMS.source],
    }
    wrong = [f"{term} should be {kind}" for kind, terms in expected.items() for term in terms
             if (term, RDF.type, kind) not in onto]
    assert not wrong, "\n".join(wrong)


# --- the contract's axioms ---------------------------------------------------------------------------------------

SUBCLASSES = [
    (HQ.PolicyDocument, ELI.LegalResource), (HQ.Provision, ELI.LegalResourceSubdivision),
    (HQ.Preamble, HQ.Provision), (HQ.Section, HQ.Provision), (HQ.Measure, HQ.Provision),
    (HQ.SourceText, PROV.Entity), (HQ.Region, ns.GEO.Feature), (HQ.AdministrativeRegion, HQ.Region),
    (HQ.Country, HQ.AdministrativeRegion), (HQ.ProvinceLevelRegion, HQ.AdministrativeRegion),
    (HQ.PrefectureLevelCity, HQ.AdministrativeRegion), (HQ.CountyLevelRegion, HQ.AdministrativeRegion),
    (HQ.Town, HQ.AdministrativeRegion), (HQ.CountyLevelCity, HQ.CountyLevelRegion),
    (HQ.MunicipalDistrict, HQ.CountyLevelRegion), (HQ.County, HQ.CountyLevelRegion), (HQ.PolicyArea, HQ.Region),
    (HQ.BondedZone, HQ.PolicyArea), (HQ.InfrastructureProject, ns.GEO.Feature),
    *[(HQ[c], HQ.InfrastructureProject) for c in ("Railway", "Airport", "Port", "DataCentreCluster", "DataChannel",
                                                   "LogisticsHub", "RailFreightService", "TransportHub")],
    *[(HQ[c], HQ.Institution) for c in ("GovernmentBody", "ResearchFacility", "PlatformOrBase", "Event",
                                         "OrganisationKind")],
    (HQ.InstrumentType, SKOS.Concept), (HQ.PolicyInstrument, SKOS.Concept),
]


@pytest.mark.parametrize(("sub", "sup"), SUBCLASSES, ids=lambda t: t.fragment)
def test_subclass(onto, sub, sup):
    assert (sub, RDFS.subClassOf, sup) in onto, f"{sub.fragment} should be rdfs:subClassOf {sup}"


SUBPROPERTIES = [(HQ[p], HQ.mentions) for p in ("mentionsRegion", "mentionsProject", "mentionsInstitution",
                                                 "usesInstrument", "citesDocument")] + [
    (HQ.citesDocument, ELI.cites), (HQ.parentRegion, HQ.partOf)]


@pytest.mark.parametrize(("sub", "sup"), SUBPROPERTIES, ids=lambda t: t.fragment)
def test_subproperty(onto, sub, sup):
    assert (sub, RDFS.subPropertyOf, sup) in onto, f"{sub.fragment} should be rdfs:subPropertyOf {sup}"


DOMAINS_RANGES = {
    "mentions": (HQ.Provision, None), "mentionsRegion": (HQ.Provision, HQ.Region),
    "mentionsProject": (HQ.Provision, HQ.InfrastructureProject),
    "mentionsInstitution": (HQ.Provision, HQ.Institution), "usesInstrument": (HQ.Provision, HQ.PolicyInstrument),
    "citesDocument": (HQ.Provision, HQ.PolicyDocument), "partOf": (HQ.Region, HQ.Region),
    "parentRegion": (HQ.Region, HQ.Region), "hasMember": (HQ.PolicyArea, HQ.Region),
    "connects": (HQ.InfrastructureProject, HQ.Region), "withinProvision": (OA.SpecificResource, HQ.Provision),
    "linkProperty": (OA.Annotation, None), "verificationStatus": (None, HQ.VerificationStatus),
    "reachesRegion": (HQ.Provision, HQ.Region), "text": (HQ.Provision, RDF.langString),
    "number": (HQ.Provision, ns.XSD.integer), "gbCode": (HQ.AdministrativeRegion, ns.XSD.string),
    "statsCode": (HQ.Region, ns.XSD.string),
}


@pytest.mark.parametrize("name", sorted(DOMAINS_RANGES))
def test_domain_and_range(onto, name):
    domain, range_ = DOMAINS_RANGES[name]
    assert set(onto.objects(HQ[name], RDFS.domain)) == ({domain} if domain else set()), \
        f"hq:{name} domain is {set(onto.objects(HQ[name], RDFS.domain))}, expected {domain}"
    assert set(onto.objects(HQ[name], RDFS.range)) == ({range_} if range_ else set()), \
        f"hq:{name} range is {set(onto.objects(HQ[name], RDFS.range))}, expected {range_}"


def test_located_in_has_a_union_domain(onto):
    domains = list(onto.objects(HQ.locatedIn, RDFS.domain))
    assert len(domains) == 1 and isinstance(domains[0], BNode), f"locatedIn needs one union-class domain: {domains}"
    members = set(Collection(onto, onto.value(domains[0], OWL.unionOf)))
    assert members == {HQ.InfrastructureProject, HQ.Institution, HQ.PolicyArea}, f"locatedIn domain is {members}"
    assert onto.value(HQ.locatedIn, RDFS.range) == HQ.Region


def test_part_of_is_transitive(onto):
    assert (HQ.partOf, RDF.type, OWL.TransitiveProperty) in onto, "hq:partOf should be an owl:TransitiveProperty"
    assert (HQ.parentRegion, RDF.type, OWL.TransitiveProperty) not in onto, \
        "hq:parentRegion is the direct parent: it must not be transitive"


def test_reach_has_one_definition_outside_owl(onto):
    """Reach is the rule of graph/reason/reach.py alone: a mention is not a reach (a beneficiary named reaches
    nothing), so no sub-property axiom and no property chain may derive hq:reachesRegion beside it."""
    assert not list(onto.objects(HQ.reachesRegion, OWL.propertyChainAxiom)), "reachesRegion must have no chains"
    assert not list(onto.subjects(RDFS.subPropertyOf, HQ.reachesRegion)), "nothing may be a sub-property of it"


@pytest.mark.parametrize("name", ["startOffset", "endOffset", "quote"])
def test_span_properties_have_a_union_domain(onto, name):
    domains = list(onto.objects(HQ[name], RDFS.domain))
    assert len(domains) == 1 and isinstance(domains[0], BNode), f"{name} needs one union-class domain: {domains}"
    members = set(Collection(onto, onto.value(domains[0], OWL.unionOf)))
    assert {HQ.Statement, HQ.StatementComponent, HQ.Linkage} <= members, f"{name} domain is {members}"


def test_verification_status_individuals(onto):
    statuses = {HQ.Verified, HQ.VerifiedSecondary, HQ.Unverified, HQ.FromPackage, HQ.Extracted}
    assert set(onto.subjects(RDF.type, HQ.VerificationStatus)) == statuses, "five VerificationStatus individuals"
    enumeration = onto.value(onto.value(HQ.VerificationStatus, OWL.equivalentClass), OWL.oneOf)
    assert enumeration is not None and set(Collection(onto, enumeration)) == statuses, \
        "VerificationStatus should be the closed enumeration of its five individuals"


def test_disjointness(onto):
    groups = [frozenset(Collection(onto, onto.value(node, OWL.members)))
              for node in onto.subjects(RDF.type, OWL.AllDisjointClasses)]
    for expected in (
        {HQ.Region, HQ.InfrastructureProject, HQ.Institution, HQ.Provision, HQ.PolicyDocument},
        {HQ.Country, HQ.ProvinceLevelRegion, HQ.PrefectureLevelCity, HQ.CountyLevelRegion, HQ.Town},
        {HQ.CountyLevelCity, HQ.MunicipalDistrict, HQ.County},
    ):
        assert frozenset(expected) in groups, \
            f"missing owl:AllDisjointClasses of {sorted(t.fragment for t in expected)}"
    assert (HQ.AdministrativeRegion, OWL.disjointWith, HQ.PolicyArea) in onto, \
        "AdministrativeRegion and PolicyArea should be disjoint"


def test_instrument_concepts_are_data_not_ontology(onto):
    concepts = [s for s in onto.subjects(RDF.type, None) if str(s).startswith(str(HQR["instrument"]))]
    assert not concepts, f"instrument concepts belong in data/entities/instruments.yaml, not the ontology: {concepts}"


# --- with Java: OWL 2 DL profile, consistency, and the promised inferences ----------------------------------------

def _hermit_jar() -> Path:
    import owlready2

    return Path(owlready2.__file__).parent / "hermit" / "HermiT.jar"


DL_CHECK = """
import java.io.File;
import org.semanticweb.owlapi.apibinding.OWLManager;
import org.semanticweb.owlapi.model.OWLOntology;
import org.semanticweb.owlapi.profiles.*;
public class DLCheck {
  public static void main(String[] args) throws Exception {
    OWLOntology o = OWLManager.createOWLOntologyManager().loadOntologyFromOntologyDocument(new File(args[0]));
    for (OWLProfileViolation v : new OWL2DLProfile().checkOntology(o).getViolations()) System.out.println(v);
  }
}
"""


@pytest.mark.skipif(shutil.which("javac") is None or shutil.which("java") is None, reason="needs a JDK")
@pytest.mark.slow
def test_owl2_dl_profile(tmp_path):
    """The OWL API bundled with owlready2's HermiT (3.4, 2013) checks the OWL 2 DL profile.

    It predates RDF 1.1, so it does not know rdf:langString (the range of hq:text, as the contract says; newer OWL
    API versions count it as built in). The check therefore runs on a copy where that one range is its OWL 2 (2012)
    counterpart rdf:PlainLiteral, and must find no violation at all.
    """
    text = ONTOLOGY_FILE.read_text(encoding="utf-8")
    assert text.count("rdfs:range rdf:langString") == 1, "expected exactly one rdf:langString range (hq:text)"
    checked = tmp_path / "hongqiao-owlapi3.ttl"
    checked.write_text(text.replace("rdfs:range rdf:langString", "rdfs:range rdf:PlainLiteral"), encoding="utf-8")
    (tmp_path / "DLCheck.java").write_text(DL_CHECK)
    jar = str(_hermit_jar())
    subprocess.run(["javac", "-cp", jar, "-d", str(tmp_path), str(tmp_path / "DLCheck.java")], check=True,
                   capture_output=True, timeout=120)
    run = subprocess.run(["java", "-cp", f"{jar}{os.pathsep}{tmp_path}", "DLCheck", str(checked)],
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, f"the OWL API could not load the ontology:\n{run.stderr[-2000:]}"
    violations = [line for line in run.stdout.splitlines() if line.strip()]
    assert not violations, "OWL 2 DL profile violations:\n" + "\n".join(violations)


@pytest.fixture
def reasoner_tmp(tmp_path, monkeypatch):
    """owlready2 writes each reasoner input to tempfile.gettempdir() and leaves it there when HermiT raises."""
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    return tmp_path


def _load(graph: Graph, tmp_path: Path):
    import owlready2

    path = tmp_path / "hongqiao.owl"
    graph.serialize(path, format="xml")
    world = owlready2.World()
    ontology = world.get_ontology(path.as_uri()).load()
    return owlready2, world, ontology


@needs_java
@pytest.mark.qc
def test_hermit_finds_the_ontology_consistent(onto, reasoner_tmp):
    owlready2, world, ontology = _load(onto, reasoner_tmp)
    with ontology:
        try:
            owlready2.sync_reasoner_hermit(world, debug=0)
        except owlready2.OwlReadyInconsistentOntologyError as error:
            pytest.fail(f"HermiT finds the ontology inconsistent: {error}")
    unsatisfiable = [c.iri for c in world.inconsistent_classes() if c is not owlready2.Nothing]
    assert not unsatisfiable, f"HermiT finds unsatisfiable classes: {unsatisfiable}"


def _abox(onto: Graph) -> Graph:
    """A tiny world: Kunshan in Suzhou in Jiangsu, a member of the hub; a railway connecting Nantong."""
    graph = Graph()
    for triple in onto:
        graph.add(triple)
    region, measure = (lambda n: HQR[f"region/{n}"]), (lambda n: HQR[f"document/d/measure/{n}"])
    rail = HQR["project/rail"]
    facts = [
        (region("jiangsu"), RDF.type, HQ.ProvinceLevelRegion), (region("suzhou"), RDF.type, HQ.PrefectureLevelCity),
        (region("kunshan"), RDF.type, HQ.CountyLevelCity), (region("nantong"), RDF.type, HQ.PrefectureLevelCity),
        (region("hongqiao-hub"), RDF.type, HQ.PolicyArea), (region("hongqiao-cbd"), RDF.type, HQ.PolicyArea),
        (region("kunshan"), HQ.parentRegion, region("suzhou")), (region("suzhou"), HQ.parentRegion, region("jiangsu")),
        (region("hongqiao-cbd"), HQ.parentRegion, region("hongqiao-hub")),
        (region("hongqiao-hub"), HQ.hasMember, region("kunshan")),
        (rail, RDF.type, HQ.Railway), (rail, HQ.connects, region("nantong")),
        (measure(1), RDF.type, HQ.Measure), (measure(1), HQ.mentionsRegion, region("kunshan")),
        (measure(2), RDF.type, HQ.Measure), (measure(2), HQ.mentionsProject, rail),
        (measure(3), RDF.type, HQ.Measure), (measure(3), HQ.mentionsRegion, region("hongqiao-hub")),
    ]
    for s, p, o in facts:
        graph.add((s, p, o))
        if p == RDF.type:
            graph.add((s, RDF.type, OWL.NamedIndividual))
    return graph


@needs_java
@pytest.mark.qc
def test_hermit_draws_the_promised_inferences(onto, reasoner_tmp):
    owlready2, world, ontology = _load(_abox(onto), reasoner_tmp)
    with ontology:
        owlready2.sync_reasoner_hermit(world, infer_property_values=True, debug=0)

    def reached(n):
        measure = world[str(HQR[f"document/d/measure/{n}"])]
        return {i.iri.rsplit("/", 1)[1] for i in measure.INDIRECT_reachesRegion}

    # Reach is not entailed by the ontology (graph/reason/reach.py derives it from statements and roles).
    assert reached(1) == reached(2) == reached(3) == set(), "HermiT must derive no hq:reachesRegion"

    def members(cls):
        return {i.iri.rsplit("/", 1)[1] for i in world[str(cls)].instances()}

    assert members(HQ.MeasureNamingInfrastructure) == {"2"}, \
        f"MeasureNamingInfrastructure holds {members(HQ.MeasureNamingInfrastructure)}"
    assert members(HQ.HubRegion) == {"kunshan", "hongqiao-cbd"}, f"HubRegion holds {members(HQ.HubRegion)}"


@needs_java
@pytest.mark.qc
def test_hermit_rejects_a_region_both_administrative_and_policy_area(onto, reasoner_tmp):
    graph = _abox(onto)
    graph.add((HQR["region/kunshan"], RDF.type, HQ.PolicyArea))
    owlready2, world, ontology = _load(graph, reasoner_tmp)
    with ontology, pytest.raises(owlready2.OwlReadyInconsistentOntologyError):
        owlready2.sync_reasoner_hermit(world, debug=0)


KIND_ROOTS = {"region": HQ.Region, "project": HQ.InfrastructureProject, "institution": HQ.Institution,
              "instrument": SKOS.Concept, "document": HQ.PolicyDocument}
# Classes that only group others: no curated entry is typed with them.
ABSTRACT = {"Region", "AdministrativeRegion"}


@pytest.mark.parametrize("kind", sorted(KIND_ROOTS))
def test_entity_types_are_the_ontology_classes_of_their_kind(onto, kind):
    """The types a curated entry may take (graph/ingest/gazetteer.py TYPES) are exactly the ontology's hq:
    classes under the kind's root: the list is checked against the ontology, not typed a second time."""
    from graph.ingest.gazetteer import TYPES

    under = {str(c).removeprefix(str(HQ)) for c in onto.transitive_subjects(RDFS.subClassOf, KIND_ROOTS[kind])
             if str(c).startswith(str(HQ)) and (c, RDF.type, OWL.Class) in onto} - ABSTRACT
    assert set(TYPES[kind]) == under, f"{kind}: only in gazetteer.py {set(TYPES[kind]) - under}, only in the " \
                                      f"ontology {under - set(TYPES[kind])}"


def test_provision_kinds_are_the_ontology_provision_classes(onto):
    from graph.rdf.assemble import PROVISION_CLASS
    from graph.rdf.documents import ROLE_CLASS

    typed = set(PROVISION_CLASS.values()) | set(ROLE_CLASS.values())
    under = {c for c in onto.transitive_subjects(RDFS.subClassOf, HQ.Provision) if c != HQ.Provision}
    assert typed == under, f"assemble.py and documents.py {typed} vs the ontology {under}"
