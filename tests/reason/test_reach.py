"""graph/reason/reach.py: reach is defined once and every reader agrees with it, whichever file or command."""
from __future__ import annotations

import pytest

from graph.outputs.network import region_network
from graph.query.named import open_rdflib, run_named
from graph.rdf.namespaces import HQ
from graph.rdf.store import open_store
from graph.reason.reach import REACH_RULE, reach_triples
from graph.site.data import read_graph

ID = "https://w3id.org/hongqiao-kg/id/"
MEASURE = ID + "document/hongqiao-open-hub-measures-2023/measure/"
REACH = f"SELECT ?p ?r WHERE {{ ?p <{HQ.reachesRegion}> ?r }}"


def _pairs(rows) -> set[tuple[str, str]]:
    return {(str(getattr(p, "value", p)), str(getattr(r, "value", r))) for p, r in rows}


@pytest.fixture(scope="module")
def rule(built):
    """What the rule derives, run afresh on the build's own store."""
    return reach_triples(built.store)


def test_the_rule_is_what_the_build_materialised(built, rule):
    assert rule, "the rule derives no reach at all"
    assert _pairs((row["p"], row["r"]) for row in built.store.query(REACH)) == rule


@pytest.mark.parametrize("name", ["graph.ttl", "graph.trig", "graph.nt", "graph.jsonld"])
def test_every_published_file_holds_the_same_reach(built, rule, name):
    store = open_store(built.staging / name)
    assert _pairs((row["p"], row["r"]) for row in store.query(REACH)) == rule, f"{name} disagrees with the rule"


def test_rdflib_reads_the_same_reach(built, rule):
    graph = open_rdflib(built.staging / "graph.ttl")
    assert _pairs(graph.query(REACH)) == rule


def test_the_queries_read_the_same_reach(store, rule):
    regions = {(r["provision"].value, r["region"].value) for r in run_named(store, "measure-regions").records()}
    measures = {p for p, _ in rule if p.startswith(MEASURE)}
    assert regions and regions <= rule, "measure-regions lists a reach the rule does not derive"
    levelled = {(p, r) for p, r in rule if p in measures and (p, r) in regions}
    assert regions == levelled
    provinces = {(int(r["measure"].value), r["province"].value)
                 for r in run_named(store, "measure-provinces").records()}
    labels = {r["region"].value: r["zh"].value for r in run_named(store, "regions").records()}
    expected = {(int(p.rsplit("/", 1)[1]), labels[r]) for p, r in rule if p in measures
                and str(r).startswith(ID + "region/") and _is_province(store, r)}
    assert provinces == expected


def _is_province(store, iri: str) -> bool:
    return bool(store.query(f"ASK {{ <{iri}> a <{HQ.ProvinceLevelRegion}> }}"))


def test_the_network_reads_the_same_reach(store, rule):
    graph = region_network(store, "province")
    for node in graph:
        expected = {p for p, r in rule if r == node and p.startswith(MEASURE)}
        assert graph.nodes[node]["measures"] == len(expected), node


def test_the_pages_read_the_same_reach(store, rule):
    facts = read_graph(store)
    reach = facts.region_reach()
    for provision in facts.provisions:
        expected = {r for p, r in rule if p == provision and r in facts.things}
        assert set(reach.get(provision, ())) == expected, provision


def test_the_rule_has_no_property_path_twin_in_the_readers():
    """No query, page query or the network spells its own reach path (the old mentionsRegion/… paths)."""
    from graph import resources
    from graph.outputs import network

    old = "hq:mentionsRegion|hq:mentionsProject/(hq:connects|hq:locatedIn)"
    texts = [p.read_text(encoding="utf-8") for p in sorted(resources.QUERIES.glob("*.rq"))]
    texts += [p.read_text(encoding="utf-8") for p in sorted((resources.PACKAGE / "site" / "queries").glob("*.rq"))]
    texts.append(open(network.__file__, encoding="utf-8").read())
    assert not [t for t in texts if old in t]
    assert "reachesRegion" in REACH_RULE


def test_a_beneficiary_reaches_nothing(rule):
    """为长三角科技协同创新提供专业化服务 (measure 21) names 长三角 only as a beneficiary."""
    assert not {r for p, r in rule if p == MEASURE + "21"}


def test_a_place_inside_a_facility_name_is_not_reached(rule):
    """浦东 only inside 浦东国际机场 (measure 17), whose location is not curated."""
    assert (MEASURE + "17", ID + "region/pudong") not in rule
    assert (MEASURE + "17", ID + "region/jiangsu") not in rule  # only through 长三角, a beneficiary


def test_the_rule_from_its_parts_is_the_rule_on_the_real_texts(built):
    from graph.reason.reach import derived_reach_triples, reach_graph_triples

    derived = derived_reach_triples(built.store)
    assert derived and derived == reach_graph_triples(built.store)


def _fixture_store():
    """Participations that try every branch of the rule: a region (in a cycle of parents), a policy area made of
    areas made of cities (members only as a location), a project and an institution that are not regions, a
    region that also lies somewhere (its location is not its reach), a country, a beneficiary, a part with two
    roles."""
    import pyoxigraph as ox

    from graph.pipeline import DEFAULT_ONTOLOGY
    from graph.rdf.namespaces import graph_iri, scheme_iri
    from graph.rdf.store import Store

    def n(local):
        return ox.NamedNode(ID + local)

    def hq(local):
        return ox.NamedNode(f"{HQ}{local}")

    a = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
    g = ox.NamedNode(str(graph_iri("documents")))
    triples = [
        (n("region/a"), a, hq("PrefectureLevelCity")), (n("region/b"), a, hq("ProvinceLevelRegion")),
        (n("region/a"), hq("parentRegion"), n("region/b")), (n("region/b"), hq("parentRegion"), n("region/a")),
        (n("region/c"), a, hq("CountyLevelRegion")), (n("region/c"), hq("parentRegion"), n("region/a")),
        (n("region/c"), hq("locatedIn"), n("region/elsewhere")),
        (n("area/outer"), a, hq("PolicyArea")), (n("area/outer"), hq("hasMember"), n("area/inner")),
        (n("area/inner"), a, hq("PolicyArea")), (n("area/inner"), hq("hasMember"), n("region/c")),
        (n("project/rail"), a, hq("InfrastructureProject")), (n("project/rail"), hq("connects"), n("region/c")),
        (n("project/rail"), hq("connects"), n("region/d")),
        (n("institution/x"), hq("locatedIn"), n("region/a")),
        (n("country/de"), a, hq("Country")),
    ]
    roles = {"actor": "actor", "partner": "partner", "location": "location", "beneficiary": "beneficiary"}
    parts = [("m1", "region/c", ["actor"]), ("m1", "area/outer", ["location"]), ("m2", "area/outer", ["actor"]),
             ("m2", "project/rail", ["object"]), ("m3", "institution/x", ["partner", "location"]),
             ("m3", "country/de", ["partner"]), ("m4", "region/b", ["beneficiary"]), ("m4", "area/inner", ["location", "beneficiary"])]
    for k, (measure, thing, part_roles) in enumerate(parts):
        statement, part = n(f"doc/{measure}/statement/{k}"), n(f"doc/{measure}/part/{k}")
        triples += [(statement, hq("statementOf"), n(f"doc/{measure}")), (statement, hq("hasParticipation"), part),
                    (part, hq("participant"), n(thing))]
        triples += [(part, hq("role"), ox.NamedNode(scheme_iri("role", roles.get(r, r)))) for r in part_roles]
    store = Store()
    store.load(DEFAULT_ONTOLOGY, graph_iri("ontology"))
    store.add(ox.Quad(s, p, o, g) for s, p, o in triples)
    return store


def test_the_rule_from_its_parts_is_the_rule_on_every_branch():
    from graph.reason.reach import derived_reach_triples, reach_graph_triples

    store = _fixture_store()
    derived = derived_reach_triples(store)
    assert derived == reach_graph_triples(store)
    reached = {(s.rsplit("/", 1)[-1], o.removeprefix(ID)) for s, p, o in derived if p == str(HQ.reachesRegion)}
    assert reached == {
        ("m1", "region/c"), ("m1", "region/a"), ("m1", "region/b"),  # and the cycle ends
        ("m1", "area/outer"), ("m1", "area/inner"),  # a location: the area and what it is made of
        ("m2", "area/outer"), ("m2", "region/c"), ("m2", "region/a"), ("m2", "region/b"), ("m2", "region/d"),
        ("m3", "region/a"), ("m3", "region/b"),  # the institution's place; the country is no reach
        ("m4", "area/inner"), ("m4", "region/c"), ("m4", "region/a"), ("m4", "region/b"),
    }
