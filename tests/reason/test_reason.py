"""graph/reason.py and graph/rules.py: the inferred graph of the real build holds exactly what the curated data and
the linked texts imply; HermiT and the Java-free rules infer the same triples; planted contradictions fail with the
individuals and classes named; no temp file is left behind; the graph says it is inferred."""
from __future__ import annotations

import shutil
import tempfile
from collections import defaultdict
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.compare import graph_diff, to_isomorphic

from graph import pipeline
from graph.rdf.ontology import load_ontology
from graph.rdf.terms import quad_from_rdflib
from graph.ingest.gazetteer import load_gazetteer
from graph.rdf.namespaces import DCTERMS, ELI, HQ, OWL, PROV, RDF, RDFS, entity_iri, graph_iri, provision_iri
from graph.reason.infer import REASONING_ACTIVITY, ReasoningError, infer, reason_store
from graph.reason.rules import UnsupportedAxiom, compile_rules
from graph.rdf.store import Store

needs_java = pytest.mark.skipif(shutil.which("java") is None, reason="HermiT needs Java on PATH")
TINY = Path(__file__).resolve().parents[1] / "data" / "validate"
MENTION_PROPERTIES = {"region": HQ.mentionsRegion, "project": HQ.mentionsProject,
                      "institution": HQ.mentionsInstitution, "instrument": HQ.usesInstrument,
                      "document": HQ.citesDocument}


@pytest.fixture(scope="module")
def ontology() -> Graph:
    return load_ontology(pipeline.DEFAULT_ONTOLOGY)


def fresh_real_store() -> Store:
    gazetteer = load_gazetteer(pipeline.DEFAULT_ENTITIES_DIR)
    documents = pipeline.load_documents(pipeline.default_sources(), gazetteer)
    return pipeline.assemble_store(gazetteer, documents, pipeline.DEFAULT_ONTOLOGY)


def tiny_store(*extra: tuple) -> Store:
    gazetteer = load_gazetteer(TINY / "entities")
    documents = pipeline.load_documents([TINY / "sources" / "tiny-measures.txt"], gazetteer)
    store = pipeline.assemble_store(gazetteer, documents, pipeline.DEFAULT_ONTOLOGY)
    store.add(quad_from_rdflib(s, p, o, graph_iri("entities")) for s, p, o in extra)  # the store takes Oxigraph quads
    return store


def inferred(store: Store, predicate: URIRef) -> set[tuple]:
    return {(s, o) for s, p, o, _ in store.quads(graph_iri("inferred")) if p == predicate}


# --- what the real build infers, worked out from the curated data and the linked texts ---------------------------

def expected_from_sources(gazetteer, documents) -> dict[URIRef, set[tuple]]:
    """The triples the ontology's axioms imply, computed in Python from the YAML entities and the mentions."""
    region = lambda i: entity_iri("region", i)  # noqa: E731
    expected: dict[URIRef, set[tuple]] = defaultdict(set)
    for e in gazetteer.of_kind("region"):
        expected[HQ.partOf] |= {(region(e.id), region(a)) for a in gazetteer.ancestors(e.id)}
    hub = gazetteer.entities["hongqiao-hub"]
    hub_regions = {region(m) for m in hub.members} | {
        region(e.id) for e in gazetteer.of_kind("region") if "hongqiao-hub" in gazetteer.ancestors(e.id)}
    expected[RDF.type] |= {(r, HQ.HubRegion) for r in hub_regions}
    for doc in documents:
        for linked in doc.linked.provisions:
            p = linked.provision
            iri = provision_iri(doc.doc_id, p.kind, p.key or None)
            for m in linked.mentions:
                expected[HQ.mentions].add((iri, entity_iri(m.kind, m.entity_id)))
                entity = gazetteer.entities[m.entity_id]
                if m.kind == "document":
                    expected[ELI.cites].add((iri, entity_iri("document", m.entity_id)))
                if m.kind == "region":
                    reached = {m.entity_id, *gazetteer.ancestors(m.entity_id), *entity.members}
                    expected[HQ.reachesRegion] |= {(iri, region(r)) for r in reached}
                if m.kind == "project":
                    expected[HQ.reachesRegion] |= {(iri, region(r)) for r in (*entity.connects, *entity.located_in)}
                    if p.kind == "measure":
                        expected[RDF.type].add((iri, HQ.MeasureNamingInfrastructure))
    return expected


@pytest.mark.parametrize("predicate", [HQ.partOf, HQ.mentions, ELI.cites],
                         ids=lambda p: p.n3().rsplit("#", 1)[-1])
def test_the_inferred_property_values_are_what_the_sources_imply(built, predicate):
    expected = expected_from_sources(built.gazetteer, built.documents)[predicate]
    found = inferred(built.store, predicate)
    assert found == expected, \
        f"only inferred: {sorted(found - expected)[:10]}; missing: {sorted(expected - found)[:10]}"


@pytest.mark.parametrize("defined", [HQ.MeasureNamingInfrastructure, HQ.HubRegion], ids=lambda c: c.fragment)
def test_the_defined_classes_hold_what_the_sources_imply(built, defined):
    expected = {s for s, c in expected_from_sources(built.gazetteer, built.documents)[RDF.type] if c == defined}
    found = {s for s, c in inferred(built.store, RDF.type) if c == defined}
    assert found == expected and found, f"only inferred: {found - expected}; missing: {expected - found}"


def test_the_inferred_types_include_every_super_class(built, ontology):
    kunshan = entity_iri("region", "kunshan")
    types = {c for s, c in inferred(built.store, RDF.type) if s == kunshan}
    feature = URIRef("http://www.opengis.net/ont/geosparql#Feature")
    assert {HQ.CountyLevelRegion, HQ.AdministrativeRegion, HQ.Region, feature, HQ.HubRegion} <= types, types
    assert HQ.CountyLevelCity not in types, "asserted types are not repeated in the inferred graph"


def test_nothing_inferred_is_also_asserted(built):
    asserted = {(s, p, o) for s, p, o, g in built.store.quads() if g != graph_iri("inferred")}
    repeated = [t for s, p, o, _ in built.store.quads(graph_iri("inferred")) if (t := (s, p, o)) in asserted
                and s != graph_iri("inferred") and s != REASONING_ACTIVITY]
    assert not repeated, repeated[:5]


def test_the_inferred_graph_says_what_it_is(built):
    g = graph_iri("inferred")
    triples = {(s, p, o) for s, p, o, _ in built.store.quads(g) if s in (g, REASONING_ACTIVITY)}
    assert (g, PROV.wasGeneratedBy, REASONING_ACTIVITY) in triples
    assert (REASONING_ACTIVITY, RDF.type, PROV.Activity) in triples
    assert {o.language for s, p, o in triples if p == DCTERMS.description} == {"en", "zh"}
    assert (REASONING_ACTIVITY, PROV.used, graph_iri("documents")) in triples


def test_the_build_report_says_which_reasoner_ran(built):
    notes = built.notes["reasoning"]
    assert notes["method"] == "rules", notes  # the build's engine; HermiT is the QC lane's cross-check
    count = sum(1 for s, *_ in built.store.quads(graph_iri("inferred")) if s not in (graph_iri("inferred"),
                                                                                         REASONING_ACTIVITY))
    assert notes["inferred_triples"] == count and sum(notes["by_predicate"].values()) == count, notes


def test_the_reasoner_derives_no_reach(built):
    """Reach is the rule of graph/reason/reach.py (its own graph), never an OWL entailment (tests/reason/test_reach.py)."""
    assert not inferred(built.store, HQ.reachesRegion)


def test_graph_ttl_holds_no_inferred_triple_and_the_trig_holds_them_apart(built):
    turtle = Store()
    turtle.load(built.staging / "graph.ttl")
    assert not bool(turtle.query(f"ASK {{ ?m {HQ.partOf.n3()} ?r }}")), "graph.ttl holds no inferred triple"
    assert bool(turtle.query(f"ASK {{ ?m {HQ.reachesRegion.n3()} ?r }}")), "graph.ttl holds the reach graph"
    trig = ox.Store()
    trig.bulk_load(path=str(built.staging / "graph.trig"), format=ox.RdfFormat.TRIG)
    in_inferred = trig.query(f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph_iri('inferred')}> "
                             f"{{ ?m {HQ.partOf.n3()} ?r }} }}")
    assert int(next(iter(in_inferred))["n"].value) == len(inferred(built.store, HQ.partOf))


# --- HermiT and the rules agree -----------------------------------------------------------------------------------

@needs_java
@pytest.mark.qc
def test_hermit_and_the_rules_infer_the_same_triples_on_the_real_build(ontology):
    hermit = infer(fresh_real_store(), ontology, "hermit")
    rules = infer(fresh_real_store(), ontology, "rules")
    assert (hermit.method, rules.method) == ("hermit", "rules")
    a, b = Graph(), Graph()
    for t in hermit.triples:
        a.add(t)
    for t in rules.triples:
        b.add(t)
    _, only_hermit, only_rules = graph_diff(to_isomorphic(a), to_isomorphic(b))
    assert not len(only_hermit) and not len(only_rules), \
        f"only HermiT:\n{only_hermit.serialize(format='nt')}\nonly the rules:\n{only_rules.serialize(format='nt')}"
    assert hermit.counts == rules.counts and len(hermit.triples) > 0


def test_without_java_auto_uses_the_rules_and_says_why(ontology, monkeypatch):
    monkeypatch.setattr("graph.reason.infer.shutil.which", lambda name: None)
    result = infer(tiny_store(), ontology, "auto")
    assert (result.method, result.why) == ("rules", "java is not on PATH")
    with pytest.raises(ReasoningError, match="java is not on PATH"):
        infer(tiny_store(), ontology, "hermit")


def test_auto_leaves_big_inputs_to_the_rules(ontology):
    result = infer(tiny_store(), ontology, "auto", hermit_max_triples=10)
    assert result.method == "rules" and "over the HermiT limit of 10" in result.why


# --- contradictions fail with the culprits named ------------------------------------------------------------------

KUNSHAN, SUZHOU, JIANGSU, PRC = (entity_iri("region", i) for i in ("kunshan", "suzhou", "jiangsu", "prc"))
PLANTED = {
    "administrative-and-policy-area": ([(KUNSHAN, RDF.type, HQ.PolicyArea)],
                                       ["hqr:region/kunshan", "hq:AdministrativeRegion", "hq:PolicyArea"]),
    "prefecture-under-the-country": ([(SUZHOU, HQ.parentRegion, PRC)],
                                     ["hqr:region/suzhou", "hq:parentRegion", "hqr:region/prc", "hq:Country",
                                      "hq:ProvinceLevelRegion"]),
    "quote-within-a-region": ([(URIRef(f"{provision_iri('tiny-measures', 'measure', 1)}/annotation/instrument-pilot-80"
                                       "/target"), HQ.withinProvision, KUNSHAN)],
                              ["hqr:region/kunshan", "hq:Provision", "hq:Region"]),
    # hq:parentRegion is functional: a prefecture and a province cannot be one region
    "two-parents-of-disjoint-classes": ([(KUNSHAN, HQ.parentRegion, JIANGSU)],
                                        ["hqr:region/kunshan has two values of the functional property "
                                         "hq:parentRegion, hqr:region/jiangsu and hqr:region/suzhou, of disjoint "
                                         "classes"]),
    "two-numbers": ([(provision_iri("tiny-measures", "measure", 1), HQ.number, Literal(7))],
                    ["hqr:document/tiny-measures/measure/1", "hq:number"]),
}


@pytest.mark.parametrize("method", ["rules", pytest.param("hermit", marks=[needs_java, pytest.mark.qc])])
@pytest.mark.parametrize("name", sorted(PLANTED))
def test_a_planted_contradiction_fails_with_the_culprits_named(ontology, method, name):
    triples, named = PLANTED[name]
    store = tiny_store()
    reason_store(store, ontology, method)  # the fixture itself is consistent
    with pytest.raises(ReasoningError) as failure:
        reason_store(tiny_store(*triples), ontology, method)
    message = str(failure.value)
    assert all(term in message for term in named), message
    if method == "hermit" and name != "quote-within-a-region":  # the provenance is checked by the rules only
        assert message.startswith("HermiT"), message


@pytest.mark.parametrize("method", ["rules", pytest.param("hermit", marks=[needs_java, pytest.mark.qc])])
def test_an_unsatisfiable_class_fails_with_its_name(ontology, method):
    broken = Graph()
    for t in ontology:
        broken.add(t)
    weird = URIRef(f"{HQ}Weird")
    broken.add((weird, RDF.type, OWL.Class))
    broken.add((weird, RDFS.subClassOf, HQ.Region))
    broken.add((weird, RDFS.subClassOf, HQ.Institution))
    with pytest.raises(ReasoningError, match="unsatisfiable") as failure:
        reason_store(tiny_store(), broken, method)
    assert "hq:Weird" in str(failure.value) and "hq:Institution" in str(failure.value)


@needs_java
@pytest.mark.qc
def test_hermit_leaves_no_temp_file_when_it_fails(ontology, tmp_path, monkeypatch):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    with pytest.raises(ReasoningError):
        reason_store(tiny_store(*PLANTED["administrative-and-policy-area"][0]), ontology, "hermit")
    assert list(tmp_path.iterdir()) == [], "owlready2's input file must not be left behind"
    assert tempfile.tempdir == str(tmp_path), "the temp dir setting is restored"


def test_an_axiom_the_rules_cannot_compile_is_refused(ontology):
    odd = Graph()
    for t in ontology:
        odd.add(t)
    restriction = URIRef(f"{HQ}OddRestriction")  # an IRI here only to keep the fixture short
    odd.add((URIRef(f"{HQ}Odd"), OWL.equivalentClass, restriction))
    odd.add((restriction, OWL.onProperty, HQ.partOf))
    odd.add((restriction, OWL.maxCardinality, Literal(1)))
    with pytest.raises(UnsupportedAxiom):
        compile_rules(_with_blank(odd, restriction))


def _with_blank(graph: Graph, iri: URIRef) -> Graph:
    """Replace `iri` by a blank node (class expressions are blank nodes)."""
    from rdflib import BNode

    node, out = BNode(), Graph()
    for s, p, o in graph:
        out.add((node if s == iri else s, p, node if o == iri else o))
    return out
