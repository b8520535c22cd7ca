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
