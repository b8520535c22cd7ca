"""graph/namespaces.py: closed vocabularies, prefixes and the contract's IRIs (docs/architecture.md)."""

import pytest
from rdflib import Graph, Namespace, URIRef
from rdflib.namespace import get_annotations

from graph.rdf import namespaces as ns
from graph.rdf.namespaces import (
    ELI,
    HQ,
    HQR,
    OA,
    PREFIXES,
    annotation_iri,
    annotation_target_iri,
    bind_prefixes,
    document_iri,
    entity_iri,
    geometry_iri,
    graph_iri,
    position_selector_iri,
    provision_iri,
    quote_selector_iri,
    source_text_iri,
)

ID = "https://w3id.org/hongqiao-kg/id/"
DOC = "hongqiao-open-hub-measures-2023"


def test_namespace_iris_are_the_contracts():
    assert str(HQ) == "https://w3id.org/hongqiao-kg/ontology#", f"hq: is {HQ}"
    assert str(HQR) == ID == ns.DEFAULT_BASE, f"hqr: is {HQR}, DEFAULT_BASE is {ns.DEFAULT_BASE}"
    assert str(ELI) == "http://data.europa.eu/eli/ontology#", f"eli: is {ELI}"
    assert str(OA) == "http://www.w3.org/ns/oa#", f"oa: is {OA}"
    assert str(ns.WD) == "http://www.wikidata.org/entity/", f"wd: is {ns.WD}"
    assert ns.ONTOLOGY_IRI == URIRef("https://w3id.org/hongqiao-kg/ontology"), f"ontology IRI is {ns.ONTOLOGY_IRI}"
    assert ns.ONTOLOGY_VERSION_IRI == URIRef("https://w3id.org/hongqiao-kg/ontology/0.1.0")
    assert ns.INSTRUMENT_SCHEME == URIRef(ID + "instrument"), f"instrument scheme is {ns.INSTRUMENT_SCHEME}"


def test_terms_resolve_to_iris():
    assert HQ.Measure == URIRef("https://w3id.org/hongqiao-kg/ontology#Measure")
    assert HQ.mentionsRegion == URIRef("https://w3id.org/hongqiao-kg/ontology#mentionsRegion")
    assert HQ.VerifiedSecondary == URIRef("https://w3id.org/hongqiao-kg/ontology#VerifiedSecondary")
    assert ELI.is_part_of == URIRef("http://data.europa.eu/eli/ontology#is_part_of")
    assert ELI.title == URIRef("http://data.europa.eu/eli/ontology#title"), "ELI.title must be a term, not str.title"
    assert OA.TextQuoteSelector == URIRef("http://www.w3.org/ns/oa#TextQuoteSelector")
    assert OA.start == URIRef("http://www.w3.org/ns/oa#start")


@pytest.mark.parametrize(
    ("namespace", "typo"),
    [(HQ, "mentionRegion"), (HQ, "Measures"), (HQ, "measure"), (ELI, "isPartOf"), (OA, "hasBodies")],
)
def test_misspelt_term_raises(namespace, typo):
    with pytest.raises(AttributeError):
        getattr(namespace, typo)
    with pytest.raises(AttributeError):
        namespace[typo]


@pytest.mark.parametrize("namespace", [HQ, ELI, OA])
def test_every_term_has_a_comment(namespace):
    source = open(ns.__file__, encoding="utf-8").read()
    missing = [name for name in get_annotations(namespace) if f"    {name}: URIRef  # " not in source]
    assert not missing, f"{namespace.__name__} terms without a one-line comment: {missing}"


def test_contract_terms_are_in_eli_and_oa():
    eli = {"LegalResource", "LegalResourceSubdivision", "is_part_of", "has_part", "cites", "title",
           "date_publication", "number", "passed_by"}
    oa = {"Annotation", "SpecificResource", "TextQuoteSelector", "TextPositionSelector", "identifying", "hasBody",
          "hasTarget", "hasSource", "hasSelector", "motivatedBy", "exact", "prefix", "suffix", "start", "end"}
    assert eli <= set(get_annotations(ELI)), f"ELI lacks {sorted(eli - set(get_annotations(ELI)))}"
    assert oa <= set(get_annotations(OA)), f"OA lacks {sorted(oa - set(get_annotations(OA)))}"


def test_prefixes_are_ordered_and_bound():
    expected = ["hq", "hqr", "eli", "skos", "dcterms", "prov", "oa", "geo", "owl", "rdf", "rdfs", "xsd", "wd",
                "void", "dcat", "vann"]
    assert list(PREFIXES) == expected, f"PREFIXES order is {list(PREFIXES)}"
    assert PREFIXES["geo"] == "http://www.opengis.net/ont/geosparql#"
    assert PREFIXES["dcterms"] == "http://purl.org/dc/terms/"
    graph = Graph(bind_namespaces="none")
    assert bind_prefixes(graph) is graph, "bind_prefixes should return the graph it was given"
    bound = {prefix: str(iri) for prefix, iri in graph.namespaces()}
    wrong = {p: (bound.get(p), iri) for p, iri in PREFIXES.items() if bound.get(p) != iri}
    assert not wrong, f"prefixes not bound as PREFIXES says (bound, expected): {wrong}"


def test_bind_prefixes_replaces_a_clashing_binding():
    graph = Graph()
    graph.bind("hq", Namespace("http://example.org/other#"))
    bind_prefixes(graph)
    assert dict(graph.namespaces())["hq"] == URIRef(str(HQ)), "hq: should be rebound to the project namespace"


def test_turtle_uses_the_prefixes():
    graph = bind_prefixes(Graph())
    graph.add((HQR["region/kunshan"], HQ.parentRegion, HQR["region/suzhou"]))
    text = graph.serialize(format="turtle")
    assert "@prefix hq: <https://w3id.org/hongqiao-kg/ontology#> ." in text, text
    assert "hq:parentRegion" in text, text


@pytest.mark.parametrize(
    ("kind", "entity_id", "expected"),
    [
        ("region", "kunshan", ID + "region/kunshan"),
        ("project", "shanghai-suzhou-nantong-railway-phase-2", ID + "project/shanghai-suzhou-nantong-railway-phase-2"),
        ("institution", "ndrc", ID + "institution/ndrc"),
        ("instrument", "mutual-recognition", ID + "instrument/mutual-recognition"),
        ("document", DOC, ID + "document/" + DOC),
    ],
)
def test_entity_iri(kind, entity_id, expected):
    assert entity_iri(kind, entity_id) == URIRef(expected), f"entity_iri({kind!r}, {entity_id!r})"


@pytest.mark.parametrize(("kind", "entity_id"), [("place", "kunshan"), ("Region", "kunshan"), ("region", "Kunshan"),
                                                  ("region", "kun shan"), ("region", ""), ("region", "a/b")])
def test_entity_iri_rejects_bad_input(kind, entity_id):
    with pytest.raises(ValueError):
        entity_iri(kind, entity_id)


def test_document_and_provision_iris():
    assert document_iri(DOC) == URIRef(f"{ID}document/{DOC}")
    assert provision_iri(DOC, "preamble") == URIRef(f"{ID}document/{DOC}/preamble")
    assert provision_iri(DOC, "preamble", None) == URIRef(f"{ID}document/{DOC}/preamble")
    assert provision_iri(DOC, "section", "2") == URIRef(f"{ID}document/{DOC}/section/2")
    assert provision_iri(DOC, "measure", "24") == URIRef(f"{ID}document/{DOC}/measure/24")
    assert provision_iri(DOC, "measure", 7) == URIRef(f"{ID}document/{DOC}/measure/7")
    assert provision_iri(DOC, "measure", "2.3") == URIRef(f"{ID}document/{DOC}/measure/2.3"), "restarted numbering"
    assert source_text_iri(DOC) == URIRef(f"{ID}document/{DOC}/source-text")


@pytest.mark.parametrize(("kind", "number"), [("article", "1"), ("measure", None), ("section", ""),
                                              ("measure", "（一）"), ("measure", "1/2"), ("preamble", "1")])
def test_provision_iri_rejects_bad_input(kind, number):
    with pytest.raises(ValueError):
        provision_iri(DOC, kind, number)


def test_annotation_iris():
    measure = provision_iri(DOC, "measure", "8")
    annotation = annotation_iri(measure, "region", "kunshan", 992)
    assert annotation == URIRef(f"{ID}document/{DOC}/measure/8/annotation/region-kunshan-992"), annotation
    assert annotation_target_iri(annotation) == URIRef(f"{annotation}/target")
    assert quote_selector_iri(annotation) == URIRef(f"{annotation}/target/quote")
    assert position_selector_iri(annotation) == URIRef(f"{annotation}/target/position")
    with pytest.raises(ValueError):
        annotation_iri(measure, "place", "kunshan", 992)
    with pytest.raises(ValueError):
        annotation_iri(measure, "region", "kunshan", -1)


def test_geometry_and_graph_iris():
    assert geometry_iri("kunshan") == URIRef(ID + "region/kunshan/geometry")
    for name in ("ontology", "entities", "documents", "provenance", "inferred"):
        assert graph_iri(name) == URIRef(f"{ID}graph/{name}"), f"graph_iri({name!r})"
    with pytest.raises(ValueError):
        graph_iri("default")
