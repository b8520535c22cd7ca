"""The one comparison of answers across engines (graph/query/answers.py): what the engines write differently is the
same answer, a real difference is not. Virtuoso's renderings here are what Virtuoso 7.2.5 answered for the seed."""
from __future__ import annotations

import pyoxigraph as ox
import pytest

from graph.query.answers import VIRTUOSO_GEOMETRY, WKT, answer, canonical, digest, json_rows, ox_rows, wkt_numbers
from graph.query.named import find_query
from graph.rdf.assemble import entity_quads
from graph.rdf.namespaces import entity_iri
from graph.resources import ONTOLOGY

# Measured: the seed's point (graph/rdf/assemble.py, from cpca's coordinates) -> Virtuoso's SPARQL JSON value.
VIRTUOSO_NARROWED = {"minhang": "POINT(121.38082885742 31.112899780273)",
                     "suzhou": "POINT(120.58573150635 31.297399520874)"}


@pytest.fixture(scope="module")
def seed_points(gazetteer) -> dict[str, ox.Literal]:
    """Each curated region's geo:asWKT literal, as the build writes it."""
    from graph.rdf.namespaces import GEO  # not at the top: pytest would inspect the closed namespace

    has_wkt = ox.NamedNode(str(GEO.asWKT))
    return {q.subject.value.rsplit("/", 2)[-2]: q.object for q in entity_quads(gazetteer) if q.predicate == has_wkt}


def _virtuoso(value: str) -> dict:
    return {"type": "typed-literal", "datatype": VIRTUOSO_GEOMETRY, "value": value}


def test_virtuosos_single_precision_rendering_of_seed_points_compares_equal(seed_points):
    for region, rendering in VIRTUOSO_NARROWED.items():
        source = seed_points[region]
        assert source.datatype.value == WKT
        assert rendering != source.value, "the measurement: Virtuoso gives another text back"
        assert answer([(_virtuoso(rendering),)]) == answer([(source,)]), region
    # The points it keeps whole come back as written (measured on the other 28), typed as its geometry.
    kept = seed_points["kunshan"]
    assert answer([(_virtuoso(kept.value),)]) == answer([(kept,)])
    jena = {"type": "literal", "datatype": WKT, "value": kept.value}
    assert answer([(jena,)]) == answer([(kept,)])


def test_a_point_moved_by_a_ten_thousandth_of_a_degree_differs(seed_points):
    assert len(seed_points) >= 25
    for region, point in seed_points.items():
        lon, lat = (float(n) for n in point.value[len("POINT("):-1].split())
        same = canonical("literal", point.value, datatype=WKT)
        for moved in (f"POINT({lon + 1e-4} {lat})", f"POINT({lon} {lat - 1e-4})", f"POINT({lat} {lon})"):
            assert canonical("literal", moved, datatype=WKT) != same, f"{region}: {moved} taken for {point.value}"
        assert canonical("literal", f" point ({lon:.9f}  {lat:.9f}) ", datatype=WKT) == same, region


def test_wkt_forms():
    assert wkt_numbers("<http://www.opengis.net/def/crs/OGC/1.3/CRS84> POINT(1 2)") == wkt_numbers("POINT (1 2)")
    other_crs = "<http://www.opengis.net/def/crs/EPSG/0/4490> POINT(1 2)"
    assert wkt_numbers(other_crs) != wkt_numbers("POINT(1 2)"), "another CRS is another geometry"
    assert wkt_numbers("LINESTRING(1 2, 3 4)") == wkt_numbers("LINESTRING (1 2,3 4)") != wkt_numbers("LINESTRING(1 2)")
    # A plain string is a string: only the datatype makes a text a geometry.
    assert canonical("literal", "POINT(1 2)") != canonical("literal", "POINT(1.0 2)")


def test_what_engines_write_differently_is_one_answer():
    xsd = "http://www.w3.org/2001/XMLSchema#"
    assert canonical("literal", "x", "zh-Hant-TW") == canonical("literal", "x", "zh-hant-tw")
    assert canonical("literal", "x", datatype=xsd + "string") == canonical("literal", "x")
    assert canonical("literal", "24", datatype=xsd + "int") == canonical("literal", "24", datatype=xsd + "integer")
    decimal = xsd + "decimal"
    assert canonical("literal", "12.50", datatype=decimal) == canonical("literal", "12.5", datatype=decimal)
    assert canonical("literal", "12.51", datatype=decimal) != canonical("literal", "12.5", datatype=decimal)
    assert canonical("literal", "24", datatype=xsd + "integer") != canonical("literal", "24")
    # GROUP_CONCAT's order is each engine's own; its parts are not.
    assert canonical("literal", "上海, 苏州") == canonical("literal", "苏州, 上海")
    assert canonical("literal", "上海, 苏州") != canonical("literal", "上海, 嘉兴")
    assert canonical("bnode", "b0") == canonical("bnode", "nodeID://b10006")
    assert canonical("uri", VIRTUOSO_GEOMETRY) == canonical("uri", WKT)


def test_rows_of_oxigraph_and_sparql_json_compare_order_free():
    store = ox.Store()
    store.load(b'<http://e/a> <http://e/p> "1"^^<http://www.w3.org/2001/XMLSchema#integer>, "b"@EN .',
               format=ox.RdfFormat.TURTLE)
    mine = answer(ox_rows(store.query("SELECT ?o WHERE { ?s ?p ?o }")))
    theirs = answer(json_rows({"head": {"vars": ["o"]}, "results": {"bindings": [
        {"o": {"type": "literal", "xml:lang": "en", "value": "b"}},
        {"o": {"type": "typed-literal", "datatype": "http://www.w3.org/2001/XMLSchema#int", "value": "1"}}]}}))
    assert sorted(mine) == sorted(theirs) and digest(mine) == digest(theirs) != digest(mine[:1])
    assert answer(json_rows({"head": {}, "boolean": True})) == answer(ox_rows(ox.Store().query("ASK {}")))


def test_the_regions_question_gives_its_points_as_wkt_literals(gazetteer, seed_points):
    """The question returns the literal, so every engine's answer says by its datatype that ?wkt is a geometry."""
    store = ox.Store()
    store.extend(entity_quads(gazetteer))
    store.load(path=str(ONTOLOGY), format=ox.RdfFormat.TURTLE, to_graph=ox.NamedNode("urn:ontology"))
    result = store.query(find_query("regions").sparql, use_default_graph_as_union=True)
    wkt = {row["region"].value: row["wkt"] for row in result if row["wkt"] is not None}
    assert wkt[str(entity_iri("region", "minhang"))] == seed_points["minhang"]
    assert len(wkt) == len(seed_points) and all(term.datatype.value == WKT for term in wkt.values())
