"""graph/network.py and `hqkg network`: the region linkage network, its centrality, and its GraphML and CSV files."""
from __future__ import annotations

import csv

import networkx as nx
import pytest
from click.testing import CliRunner

from graph.cli import main
from graph.outputs.network import EDGES_CSV, GRAPHML, NODES_CSV, export_network, region_network
from graph.query.named import find_query, run
from test_queries import MEASURE_PROVINCES

HQR = "https://w3id.org/hongqiao-kg/id/region/"
SH, JS, ZJ, AH = HQR + "shanghai", HQR + "jiangsu", HQR + "zhejiang", HQR + "anhui"
SZ, JX, HZ, NB, NT, HF, WH = (HQR + name for name in ("suzhou", "jiaxing", "hangzhou", "ningbo", "nantong", "hefei",
                                                       "wuhu"))



@pytest.fixture(scope="module")
def networks(store) -> dict[str | None, nx.Graph]:
    return {level: region_network(store, level) for level in (None, "province", "prefecture", "county")}


def test_province_network_is_the_four_provinces(networks):
    graph = networks["province"]
    assert set(graph.nodes) == {SH, JS, ZJ, AH}
    # From the linkages of test_queries.PAIRS: 上海–江苏 by 12 (joint), 18 (policy extension), 19 (railways) and
    # only co-mention in 8; 江苏–浙江 by 19 and co-mention in 20 (江苏、浙江、安徽); 上海–安徽 by none: 长三角 is
    # served (17, 20) but is no province.
    assert graph.number_of_edges() == 5 and not graph.has_edge(SH, AH)
    assert graph.edges[SH, JS]["weight"] == 2 * 3 + 1 and graph.edges[SH, JS]["measures"] == "8, 12, 18, 19"
    assert graph.edges[JS, ZJ]["weight"] == 2 + 1 and graph.edges[SH, ZJ]["weight"] == 2
    assert graph.edges[AH, ZJ]["kind"] == "co-mention" and graph.edges[AH, ZJ]["typed"] == 0
    assert graph.edges[SH, ZJ]["kind"] == "transport connection"
    counts = {p: sum(1 for ps in MEASURE_PROVINCES.values() if zh in ps)
              for p, zh in ((SH, "上海市"), (JS, "江苏省"), (ZJ, "浙江省"), (AH, "安徽省"))}
    assert {n: graph.nodes[n]["measures"] for n in graph} == counts == {SH: 19, JS: 14, ZJ: 12, AH: 5}


def test_city_network_and_its_centrality(networks):
    graph = networks["prefecture"]
    assert set(graph.nodes) == {SH, SZ, JX, HZ, NB, NT, HF, WH}  # 合肥 and 芜湖 are reached but linked to none
    assert graph.number_of_edges() == 10
    assert graph.edges[NT, NB]["measures"] == "19" and graph.edges[NT, NB]["kinds"] == "transport connection"
    assert graph.edges[SH, SZ]["typed"] == 3 and graph.edges[SH, SZ]["co_mention"] == 1
    assert dict(graph.degree) == {SH: 3, SZ: 4, JX: 5, HZ: 2, NB: 3, NT: 3, WH: 0, HF: 0}
    # Shortest paths over (8-1)(8-2)/2 = 21 pairs: 杭州 reaches 南通 and 宁波 only through 嘉兴 (1 each), and
    # 苏州 through 上海 or 嘉兴 (½ each); 上海 reaches 南通 and 宁波 through 苏州 or 嘉兴 (½ each).
    betweenness = {n: graph.nodes[n]["betweenness"] for n in graph}
    assert betweenness == {JX: round(3.5 / 21, 6), SZ: round(1 / 21, 6), SH: round(0.5 / 21, 6),
                           HZ: 0, NB: 0, NT: 0, WH: 0, HF: 0}
    assert graph.nodes[SH]["weighted_degree"] == sum(d["weight"] for _, _, d in graph.edges(SH, data=True))


def test_node_attributes(networks):
    nodes = networks[None].nodes
    assert nodes[SH]["zh"] == "上海市" and nodes[SH]["en"] == "Shanghai"
    assert nodes[SH]["class"] == "ProvinceLevelRegion" and nodes[SH]["level"] == "province"
    assert 121.3 < nodes[SH]["lon"] < 121.6 and 31.1 < nodes[SH]["lat"] < 31.4
    assert nodes[HQR + "zhapu"]["level"] == "town" and "lon" not in nodes[HQR + "wanzhi"]  # no curated point
    assert nodes[HQR + "kunshan"]["class"] == "CountyLevelCity"


def test_all_levels_leave_out_nested_pairs(networks):
    graph = networks[None]
    assert graph.number_of_nodes() == 34  # 4 provinces, 7 more cities, 22 county-level units, 乍浦镇 reached
    assert not graph.has_edge(SH, HQR + "minhang") and not graph.has_edge(SZ, HQR + "kunshan")
    assert not graph.has_edge(JS, SZ) and not graph.has_edge(HQR + "pinghu", HQR + "zhapu")
    # 虹桥—昆山—相城 (measure 8): the core lifts to 上海, named with 昆山 but not linked to it
    assert graph.edges[SH, HQR + "kunshan"]["measures"] == "8"
    assert graph.edges[SH, HQR + "kunshan"]["kind"] == "co-mention"
    assert not graph.has_edge(HQR + "jiading", HQR + "qingpu")  # 虹桥商务区 straddles them: no linkage


@pytest.mark.parametrize("level", ["province", "prefecture", "county"])
def test_edges_are_the_region_pairs_query(store, networks, level):
    pairs = run(find_query("region-pairs"), store, {"level": level})
    expected = {frozenset((a.value, b.value)): (int(w.value), int(t.value), int(c.value), ms.value)
                for a, b, w, t, c, ms in
                zip(pairs.column("region_a"), pairs.column("region_b"), pairs.column("weight"),
                    pairs.column("typed"), pairs.column("co_mention"), pairs.column("measure_list"))}
    graph = networks[level]
    got = {frozenset((graph.nodes[a]["zh"], graph.nodes[b]["zh"])):
           (d["weight"], d["typed"], d["co_mention"], d["measures"]) for a, b, d in graph.edges(data=True)}
    assert got == expected


def test_graphml_and_csv_read_back(networks, tmp_path):
    graph = networks[None]
    files = export_network(graph, tmp_path)
    assert [f.name for f in files] == [GRAPHML, NODES_CSV, EDGES_CSV]
    again = nx.read_graphml(tmp_path / GRAPHML)
    assert set(again.nodes) == set(graph.nodes) and again.number_of_edges() == graph.number_of_edges()
    assert again.nodes[SH]["zh"] == "上海市" and again.nodes[SH]["measures"] == 19
    assert again.nodes[SH]["lon"] == graph.nodes[SH]["lon"]
    assert again.edges[SH, HQR + "kunshan"]["measures"] == graph.edges[SH, HQR + "kunshan"]["measures"]
    with open(tmp_path / NODES_CSV, encoding="utf-8", newline="") as f:
        nodes = list(csv.DictReader(f))
    with open(tmp_path / EDGES_CSV, encoding="utf-8", newline="") as f:
        edges = list(csv.DictReader(f))
    assert len(nodes) == graph.number_of_nodes() and len(edges) == graph.number_of_edges()
    wanzhi = next(row for row in nodes if row["iri"] == HQR + "wanzhi")
    assert wanzhi["lon"] == "" and wanzhi["zh"] == "湾沚区"
    assert not list(tmp_path.glob(".*")), "no temporary file is left behind"


def test_the_build_writes_the_same_network(built, networks, tmp_path):
    export_network(networks[None], tmp_path)
    for name in (GRAPHML, NODES_CSV, EDGES_CSV):
        assert (built.staging / "network" / name).read_bytes() == (tmp_path / name).read_bytes(), name


def test_unknown_level_is_refused(store):
    with pytest.raises(ValueError, match="unknown level 'city'"):
        region_network(store, "city")


def test_cli_network(graph_file, tmp_path):
    result = CliRunner().invoke(main, ["network", "--graph", str(graph_file), "--out", str(tmp_path / "net"),
                                       "--level", "prefecture"])
    assert result.exit_code == 0, result.output
    assert "8 regions, 10 links" in result.stdout
    assert nx.read_graphml(tmp_path / "net" / GRAPHML).number_of_nodes() == 8
    missing = CliRunner().invoke(main, ["network", "--graph", str(tmp_path / "none.ttl")])
    assert missing.exit_code == 1 and "graph file not found" in missing.stderr


def test_a_corpus_counts_measures_not_their_numbers(corpus_store):
    from graph.query.named import run_named
    from graph.rdf.terms import text

    graph = region_network(corpus_store)
    reaching: dict[str, tuple[set, set]] = {}
    for row in run_named(corpus_store, "measure-regions").records():
        provisions, numbers = reaching.setdefault(text(row["region"]), (set(), set()))
        provisions.add(text(row["provision"]))
        numbers.add(text(row["measure"]))
    assert {n: graph.nodes[n]["measures"] for n in graph if n in reaching} == \
        {n: len(provisions) for n, (provisions, _) in reaching.items() if n in graph}
    # the case the count is about: more measures reach Suzhou than there are numbers among them
    assert len(reaching[SZ][0]) > len(reaching[SZ][1]) and graph.nodes[SZ]["measures"] == len(reaching[SZ][0])


@pytest.mark.parametrize("level", ["province", "prefecture", "county"])
def test_a_corpus_network_is_the_region_pairs_query(corpus_store, level):
    pairs = run(find_query("region-pairs"), corpus_store, {"level": level})
    expected = {frozenset((a.value, b.value)): (int(w.value), int(t.value), int(c.value), ms.value)
                for a, b, w, t, c, ms in
                zip(pairs.column("region_a"), pairs.column("region_b"), pairs.column("weight"),
                    pairs.column("typed"), pairs.column("co_mention"), pairs.column("measure_list"))}
    graph = region_network(corpus_store, level)
    got = {frozenset((graph.nodes[a]["zh"], graph.nodes[b]["zh"])):
           (d["weight"], d["typed"], d["co_mention"], d["measures"]) for a, b, d in graph.edges(data=True)}
    assert got == expected and got
