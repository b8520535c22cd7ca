"""The map of the Delta (regions.html): boundaries under the regions, typed linkages when the graph has them (else
co-mention pairs), filters, labels that never overlap, and clicks that open the right panel; plus the other views'
readability (corridors, legends that refit, provisions grouped by role)."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from bench.browser import open_page
from graph.outputs.network import region_network
from graph.rdf.store import Store
from graph.site import data as site_data
from graph.site.data import read_linkages
from graph.site.pages import PAGE_FILES, write_site
from graph.site.views import CO_MENTION

HQR = "https://w3id.org/hongqiao-kg/id/"
DOC = HQR + "document/hongqiao-open-hub-measures-2023"
FIXTURES = Path(__file__).resolve().parents[1] / "data" / "pages"


def payload(html_file: Path) -> dict:
    match = re.search(r'<script type="application/json" id="hq-data">(.*?)</script>',
                      html_file.read_text(encoding="utf-8"), re.S)
    return json.loads(match.group(1))


def inside(x: float, y: float, rings: list[list[float]]) -> bool:
    """Even-odd point in polygon on flat [x0, y0, x1, y1, …] rings."""
    hit = False
    for ring in rings:
        pts = list(zip(ring[::2], ring[1::2]))
        for (x1, y1), (x2, y2) in zip(pts, pts[1:] + pts[:1]):
            if (y1 > y) != (y2 > y) and x < x1 + (y - y1) * (x2 - x1) / (y2 - y1):
                hit = not hit
    return hit


@pytest.fixture(scope="module")
def typed(site, tmp_path_factory):
    """The real graph plus two typed linkages (tests/data/pages/linkages.ttl), read with the fixture's query."""
    out, _ = site
    store = Store()
    store.load(out / "graph.ttl")
    store.load(FIXTURES / "linkages.ttl")
    patch = pytest.MonkeyPatch()
    patch.setattr(site_data, "LINKAGES_QUERY", FIXTURES / "linkages.rq")
    folder = tmp_path_factory.mktemp("typed") / "site"
    write_site(store, folder)
    yield folder, store
    patch.undo()


# ---- what the map carries ------------------------------------------------------------------------------------

def test_regions_sit_inside_their_own_boundary(site):
    out, _ = site
    data = payload(out / "regions.html")
    levels = [s["level"] for s in data["shapes"]]
    assert levels.count("province") == 4 and levels.count("prefecture") == 41
    shapes = {s["name"]: s for s in data["shapes"] if s["level"] == "prefecture"}
    nodes = {n["iri"].removeprefix(HQR): n for n in data["nodes"]}
    for region, city in (("suzhou", "苏州市"), ("hefei", "合肥市"), ("nantong", "南通市"), ("ningbo", "宁波市"),
                         ("wuhu", "芜湖市"), ("hangzhou", "杭州市")):
        node = nodes[f"region/{region}"]
        assert inside(node["x"], node["y"], shapes[city]["rings"]), f"{region} is drawn outside {city}"
        others = [n for n, s in shapes.items() if n != city and inside(node["x"], node["y"], s["rings"])]
        assert others == [], f"{region} also falls inside {others}"


def test_without_a_linkages_query_the_map_draws_co_mention_pairs(site, monkeypatch, tmp_path):
    _, store = site
    monkeypatch.setattr(site_data, "LINKAGES_QUERY", tmp_path / "absent.rq")
    assert read_linkages(store) is None
    out = tmp_path / "co-mention"
    write_site(store, out)
    data = payload(out / "regions.html")
    assert data["typed"] is False and [(k["zh"], k["en"]) for k in data["props"]] == [CO_MENTION]
    network = region_network(store)
    iri = [n["iri"] for n in data["nodes"]]
    measure_label = {s[1] for s in data["sources"]}
    for edge in data["edges"]:
        attrs = network.edges[iri[edge["from"]], iri[edge["to"]]]
        assert edge["count"] == attrs["weight"]
        shared = {f"Measure {n}" for n in attrs["measures"].split(", ") if n}
        assert {data["sources"][s][1] for s in edge["pv"]} == shared, "a link's measures are not its own"
    assert measure_label


def test_typed_linkages_are_drawn_by_kind_with_their_words(typed):
    folder, store = typed
    linkages = read_linkages(store, FIXTURES / "linkages.rq")
    assert len({l.iri for l in linkages}) == 2
    data = payload(folder / "regions.html")
    assert data["typed"] is True
    kinds = {(k["zh"], k["en"]): k for k in data["props"]}
    assert set(kinds) == {("交通联通", "transport link"), ("物流合作", "logistics cooperation")}
    assert len({k["color"] for k in data["props"]}) == 2, "kinds share a colour"
    iri = [n["iri"].removeprefix(HQR) for n in data["nodes"]]
    edges = {(data["props"][e["prop"]]["en"], frozenset((iri[e["from"]], iri[e["to"]]))): e for e in data["edges"]}
    rail = edges[("transport link", frozenset(("region/suzhou", "region/nantong")))]
    assert rail["count"] == 1 and [q[2] for q in rail["quotes"]] == ["沪苏通铁路二期"]
    text = next(t for (m, t) in ((r["m"].value, r["t"].value) for r in store.query(
        f"PREFIX hq: <https://w3id.org/hongqiao-kg/ontology#> SELECT ?m ?t WHERE {{ BIND(<{DOC}/measure/19> AS ?m) "
        "?m hq:text ?t }")))
    prefix, exact, suffix = rail["quotes"][0][1:]
    assert prefix + exact + suffix in text and prefix and suffix, "the quote's context is not the provision's text"
    assert ["陈述", "statement", "沪苏通铁路二期连接苏州与南通"] in rail["facts"]
    assert [data["sources"][s][1] for s in rail["pv"]] == ["Measure 19"]
    assert ("logistics cooperation", frozenset(("region/hefei", "region/shanghai"))) in edges
    assert len(data["edges"]) == 2


def test_provinces_and_province_membership(site):
    out, _ = site
    data = payload(out / "regions.html")
    provinces = {data["nodes"][i]["zh"] for i in data["provinces"]}
    assert provinces == {"上海市", "江苏省", "浙江省", "安徽省"}
    by_iri = {n["iri"].removeprefix(HQR): n for n in data["nodes"]}
    zhejiang = next(i for i in data["provinces"] if data["nodes"][i]["zh"] == "浙江省")
    assert zhejiang in by_iri["region/jiaxing"]["prov"] and zhejiang not in by_iri["region/suzhou"]["prov"]


# ---- in the browser ------------------------------------------------------------------------------------------

def _open(chromium, path: Path):
    page, _, problems = open_page(chromium, path)
    return page, problems


def _all_in_view(page) -> bool:
    return page.evaluate("""() => {
        const box = document.getElementById('network').getBoundingClientRect();
        const ids = hq.nodes.getIds(), at = hq.network.getPositions(ids);
        return ids.every(id => { const d = hq.network.canvasToDOM(at[id]);
            return d.x >= -1 && d.y >= -1 && d.x <= box.width + 1 && d.y <= box.height + 1; });
    }""")


def _line_point(page, edge: int):
    """A pixel on the drawn line of `edge` where no node and only this edge is hit (page coordinates)."""
    point = page.evaluate("""id => {
        const e = hq.data.edges[id], at = hq.network.getPositions([e.from, e.to]);
        const box = document.getElementById('network').getBoundingClientRect();
        for (const t of [0.5, 0.4, 0.6, 0.3, 0.7, 0.25, 0.75, 0.2, 0.8, 0.35, 0.65, 0.45, 0.55]) {
            const c = {x: at[e.from].x + t * (at[e.to].x - at[e.from].x), y: at[e.from].y + t * (at[e.to].y - at[e.from].y)};
            const d = hq.network.canvasToDOM(c);
            if (d.x < 0 || d.y < 0 || d.x > box.width || d.y > box.height) continue;
            if (hq.network.getNodeAt(d) === undefined && hq.network.getEdgeAt(d) === id)
                return {x: box.left + d.x, y: box.top + d.y};
        }
        return null; }""", edge)
    assert point is not None, f"no pixel of link {edge} is free of other things"
    return point


@pytest.mark.slow
def test_map_boundaries_are_drawn(chromium, site):
    out, _ = site
    page, problems = _open(chromium, out / "regions.html")
    try:
        assert problems == [] and page.evaluate("hq.mapDrawn()") == 45
        # A pixel inside 宣城市, where no region or link of the seed is drawn, has a province's fill colour.
        colour = page.evaluate("""() => {
            const shape = hq.data.shapes.find(s => s.name === '宣城市');
            const r = shape.rings[0]; let x = 0, y = 0;
            for (let i = 0; i < r.length; i += 2) { x += r[i]; y += r[i + 1]; }
            const d = hq.network.canvasToDOM({x: x / (r.length / 2), y: y / (r.length / 2)});
            const canvas = document.querySelector('#network canvas'), k = canvas.width / canvas.clientWidth;
            return Array.from(canvas.getContext('2d').getImageData(d.x * k, d.y * k, 1, 1).data); }""")
        assert colour[:3] == [0xfb, 0xee, 0xc1] or colour[:3] in ([0xfd, 0xe0, 0xc5], [0xd6, 0xe6, 0xf4],
                                                                  [0xdc, 0xef, 0xd6]), colour
    finally:
        page.close()


@pytest.mark.slow
@pytest.mark.parametrize("name", PAGE_FILES)
def test_labels_never_overlap_at_the_default_zoom(chromium, site, name):
    out, _ = site
    page, problems = _open(chromium, out / name)
    try:
        labels = page.evaluate("hq.labels()")
        shown = page.evaluate("hq.nodes.length")
        assert len(labels) >= min(shown, 8), f"{name}: only {len(labels)} labels for {shown} nodes"
        for i, a in enumerate(labels):
            for b in labels[i + 1:]:
                (a0, a1, a2, a3), (b0, b1, b2, b3) = a["box"], b["box"]
                assert not (a0 < b2 and b0 < a2 and a1 < b3 and b1 < a3), f"{name}: labels {a} and {b} overlap"
        if name == "regions.html":  # the highest levels are labelled first
            named = {page.evaluate("id => hq.data.nodes[id].zh", l["id"]) for l in labels}
            assert {"上海市", "江苏省", "浙江省", "安徽省"} <= named
        assert problems == []
    finally:
        page.close()


@pytest.mark.slow
def test_click_on_a_map_line_shows_its_words(chromium, site):
    out, _ = site
    page, problems = _open(chromium, out / "regions.html")
    try:
        # Measure 19: 沪乍杭铁路 connects 上海 and 杭州 (its curated endpoints), a transport connection.
        edge = page.evaluate("""() => hq.data.edges.findIndex(e => [hq.data.nodes[e.from].iri, hq.data.nodes[e.to].iri]
            .sort().join(' ') === ['%sregion/shanghai', '%sregion/hangzhou'].sort().join(' '))""" % (HQR, HQR))
        assert edge >= 0
        kind = page.evaluate("id => hq.data.props[hq.data.edges[id].prop]", edge)
        assert (kind["zh"], kind["en"]) == ("交通连接", "transport connection")
        page.evaluate("hq.setMapFilter(-1, -1, -1, -1)")
        page.evaluate("id => { const e = hq.data.edges[id]; hq.ego(e.from, false); }", edge)
        point = _line_point(page, edge)
        page.mouse.click(point["x"], point["y"])
        assert page.evaluate("hq.network.getSelectedEdges()") == [edge]
        assert page.inner_text("#details h2").startswith(kind["zh"])
        assert "沪乍杭铁路" in page.locator("#details .quotes mark").all_inner_texts()
        assert problems == []
    finally:
        page.close()


@pytest.mark.slow
def test_click_on_a_region_shows_what_the_policy_says_and_its_linkages(chromium, site):
    out, store = site
    page, problems = _open(chromium, out / "regions.html")
    try:
        node = page.evaluate(f"hq.findNode('{HQR}region/hefei')")
        point = page.evaluate("""id => { const at = hq.network.getPositions([id])[id];
            hq.network.moveTo({position: at, scale: 2.5, animation: false});
            const d = hq.network.canvasToDOM(at), box = document.getElementById('network').getBoundingClientRect();
            return {x: box.left + d.x, y: box.top + d.y}; }""", node)
        page.mouse.click(point["x"], point["y"])
        assert page.inner_text("#details h2") == "合肥市"
        headings = page.locator("#details h3").all_inner_texts()
        assert any(h.startswith("政策原文所述") for h in headings) and any(h.startswith("关联（按类型）") for h in headings)
        named = int(next(iter(store.query(
            "PREFIX oa: <http://www.w3.org/ns/oa#> SELECT (COUNT(*) AS ?c) WHERE { ?a oa:hasBody <%sregion/hefei> }"
            % HQR)))["c"].value)
        assert page.locator("#details .quotes li").count() == min(named, 40)
        degree = page.evaluate("id => hq.data.edges.filter(e => e.from === id || e.to === id).length", node)
        # Measure 12: 虹桥国际开放枢纽与合肥、芜湖等长三角地区城市联动, so two joint-action links and nothing else.
        assert degree == 2
        assert page.inner_text("#details .kinds").strip() == "联合行动 joint action: 2"
        # The ego view: Hefei and its linked regions only; a click on a neighbour adds its links.
        page.locator("#details button.ego").click()
        assert page.evaluate("hq.nodes.length") == degree + 1 and _all_in_view(page)
        assert problems == []
    finally:
        page.close()


@pytest.mark.slow
def test_map_filters_keep_their_links_and_refit(chromium, site):
    out, store = site
    network = region_network(store)
    page, problems = _open(chromium, out / "regions.html")
    try:
        zhejiang = page.evaluate("hq.data.provinces.find(i => hq.data.nodes[i].zh === '浙江省')")
        page.select_option("#province-select", str(zhejiang))
        ends = page.evaluate("hq.edges.get().map(e => [hq.data.nodes[e.from].prov, hq.data.nodes[e.to].prov])")
        assert ends and all(zhejiang in a or zhejiang in b for a, b in ends)
        assert _all_in_view(page)
        page.select_option("#province-select", "-1")
        measure = page.evaluate("hq.data.sources.findIndex(s => s[1] === 'Measure 19')")
        page.select_option("#measure-select", str(measure))
        shown = {frozenset(p) for p in page.evaluate(
            "hq.edges.get().map(e => [hq.data.nodes[e.from].iri, hq.data.nodes[e.to].iri])")}
        expected = {frozenset(e) for e, a in network.edges.items() if "19" in a["measures"].split(", ")}
        assert shown == expected and _all_in_view(page)
        assert problems == []
    finally:
        page.close()


@pytest.mark.slow
def test_typed_map_in_the_browser(chromium, typed):
    folder, _ = typed
    page, problems = _open(chromium, folder / "regions.html")
    try:
        assert page.locator("#legend button.kind").count() == 2
        page.locator("#legend button.kind", has_text="交通联通").click()
        assert page.evaluate("hq.edges.length") == 1 and page.evaluate("hq.nodes.length") == 2
        edge = page.evaluate("hq.edges.getIds()[0]")
        point = _line_point(page, edge)
        page.mouse.click(point["x"], point["y"])
        assert page.inner_text("#details h2").startswith("交通联通")
        assert page.inner_text("#details .quotes mark") == "沪苏通铁路二期"
        assert "沪苏通铁路二期连接苏州与南通" in page.inner_text("#details")
        assert problems == []
    finally:
        page.close()


@pytest.mark.slow
@pytest.mark.parametrize("project, zh", [("project/nantong-suzhou-jiaxing-ningbo-railway", "通苏嘉甬铁路"),
                                         ("project/shanghai-zhapu-hangzhou-railway", "沪乍杭铁路")])
def test_click_on_a_corridor_opens_its_project(chromium, site, project, zh):
    out, _ = site
    page, problems = _open(chromium, out / "infrastructure.html")
    try:
        edges = page.evaluate("iri => hq.data.edges.filter(e => e.thing && e.thing.iri === iri).map(e => e.id)",
                              HQR + project)
        assert edges, f"{project} is not drawn as a corridor"
        page.evaluate("id => { const e = hq.data.edges[id]; const at = hq.network.getPositions([e.from, e.to]);"
                      "hq.network.moveTo({position: {x: (at[e.from].x + at[e.to].x) / 2, y: (at[e.from].y + "
                      "at[e.to].y) / 2}, scale: 1.5, animation: false}); }", edges[0])
        point = _line_point(page, edges[0])
        page.mouse.click(point["x"], point["y"])
        assert page.inner_text("#details h2") == zh
        stops = page.locator("#details .ends button").count()
        assert stops == len(page.evaluate("id => hq.data.edges[id].stops", edges[0])) >= 2
        assert problems == []
    finally:
        page.close()


@pytest.mark.slow
def test_legend_filters_label_and_refit(chromium, site):
    out, _ = site
    page, problems = _open(chromium, out / "graph.html")
    try:
        railway = page.evaluate("hq.data.classes.findIndex(c => c.en === 'railway')")
        count = page.evaluate("i => hq.data.classes[i].count", railway)
        page.locator("#legend button", has_text="铁路 railway").first.click()
        assert page.evaluate("hq.nodes.length") == count >= 2
        assert _all_in_view(page), "the legend did not refit the drawing"
        assert len(page.evaluate("hq.labels()")) == count, "a kept node has no label"
        assert problems == []
    finally:
        page.close()


@pytest.mark.slow
def test_measure_view_groups_what_it_names_by_role(chromium, site):
    out, store = site
    page, problems = _open(chromium, out / "measures.html")
    try:
        index = page.evaluate("hq.data.provisions.findIndex(p => p.key.endsWith('/measure/19'))")
        page.select_option("#provision-select", str(index))
        roles = {r["p"].value for r in store.query(f"""PREFIX hq: <https://w3id.org/hongqiao-kg/ontology#>
            SELECT DISTINCT ?p WHERE {{ VALUES ?p {{ hq:mentionsRegion hq:mentionsProject hq:mentionsInstitution
            hq:usesInstrument hq:citesDocument <http://data.europa.eu/eli/ontology#is_part_of> }}
            <{DOC}/measure/19> ?p ?o }}""")}
        assert page.locator("#roles h3").count() == len(roles)
        named = page.locator("#roles button").count()
        assert named == page.evaluate("""() => { const p = hq.data.provisions.find(p => p.key.endsWith('/measure/19'));
            return new Set(p.edges.map(i => hq.data.edges[i]).filter(e => e.from === p.node).map(e => e.to)).size; }""")
        assert problems == []
    finally:
        page.close()
