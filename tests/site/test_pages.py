"""The interactive pages: what they draw (checked against SPARQL on the same store), that they stay offline and
escape every text, and how they behave in Debian's chromium (Playwright; one browser for the whole module)."""
from __future__ import annotations

import json
import re
import shutil
from html.parser import HTMLParser
from pathlib import Path

import pytest
from click.testing import CliRunner

from graph.site import layout as page_layout
from graph.cli import main
from graph.query.named import run_named, with_inferred
from graph.rdf.namespaces import graph_iri
from bench.browser import CHROMIUM, launch, open_page
from graph.site.data import parse_point, read_graph, read_linkages
from graph.site.render import VIS_NETWORK, script_json
from graph.site.views import MAX_QUOTES, class_styles, infrastructure_view, measure_view, whole_graph_view
from graph.site.pages import PAGE_FILES, build_views, write_site
from graph.rdf.store import Store

pytestmark = pytest.mark.slow  # real browsers / servers / subprocess builds: the full suite runs them

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = Path(__file__).resolve().parents[1] / "data" / "pages"
HQR = "https://w3id.org/hongqiao-kg/id/"
DOC = HQR + "document/hongqiao-open-hub-measures-2023"
PREFIXES = """
PREFIX hq: <https://w3id.org/hongqiao-kg/ontology#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX eli: <http://data.europa.eu/eli/ontology#>
PREFIX dcterms: <http://purl.org/dc/terms/>
PREFIX oa: <http://www.w3.org/ns/oa#>
"""
# What the whole graph draws: everything typed with a class under one of these.
DRAWN = """
  VALUES ?top { hq:Region hq:InfrastructureProject hq:Institution hq:PolicyInstrument hq:InstrumentType
                hq:Provision hq:PolicyDocument }
  ?thing a/rdfs:subClassOf* ?top . FILTER(isIRI(?thing))
"""
HOSTILE_ZH = "<img src=x onerror=alert(1)>"
HOSTILE_EN = "</script><script>window.__xss = 2</script>"


def count(store: Store, where: str) -> int:
    rows = list(store.query(f"{PREFIXES} SELECT (COUNT(*) AS ?n) WHERE {{ {where} }}"))
    return int(rows[0]["n"].value)


def values(store: Store, sparql: str, *names: str) -> list[tuple]:
    return [tuple(row[n].value if row[n] is not None else None for n in names)
            for row in store.query(PREFIXES + sparql)]


def payload(html_file: Path) -> dict:
    match = re.search(r'<script type="application/json" id="hq-data">(.*?)</script>',
                      html_file.read_text(encoding="utf-8"), re.S)
    assert match, f"{html_file}: no data block"
    return json.loads(match.group(1))


def expected_nodes(store: Store, page: str, provision: str | None = None) -> int:
    """The number of nodes a page must draw, counted by SPARQL on the same store."""
    if page == "graph.html":
        return count(store, f"SELECT DISTINCT ?thing WHERE {{ {DRAWN} }}")
    if page == "infrastructure.html":  # places, and the projects with fewer than two (the rest are corridors)
        return count(store, """SELECT DISTINCT ?x WHERE {
            { ?x a/rdfs:subClassOf* hq:InfrastructureProject
              FILTER NOT EXISTS { ?x hq:connects|hq:locatedIn ?a, ?b FILTER(?a != ?b) } }
            UNION { ?p a/rdfs:subClassOf* hq:InfrastructureProject ; hq:connects|hq:locatedIn ?x } }""")
    if page == "regions.html":  # the region network's divisions, and the places the typed linkages join
        from graph.outputs.network import region_network

        return len(set(region_network(store).nodes) | {r for l in read_linkages(store) for r in (l.a, l.b)})
    if page == "measures.html":  # the provision, its parent, what it names, and their places, parents, members
        names = "hq:mentionsRegion|hq:mentionsProject|hq:mentionsInstitution|hq:usesInstrument|hq:citesDocument"
        context = "hq:parentRegion|hq:hasMember|hq:locatedIn|hq:connects|skos:broader"
        return 1 + count(store, f"""SELECT DISTINCT ?n WHERE {{
            {{ <{provision}> eli:is_part_of ?n }} UNION {{ <{provision}> {names} ?n }}
            UNION {{ <{provision}> {names} ?e . ?e {context} ?n }}
            FILTER(?n != <{provision}>) }}""")
    raise ValueError(page)


# ---- fixtures -----------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def real(built):
    """The real build (its output folder holds the pages, written by the pipeline step) and its store."""
    return built.staging, built.store


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    store = Store()
    store.load(ROOT / "ontology" / "hongqiao.ttl", graph_iri("ontology"))
    store.load(FIXTURES / "hostile.ttl")
    with_inferred(store)  # as a build: the reasoner's types, which the questions read
    out = tmp_path_factory.mktemp("hostile") / "site"
    write_site(store, out)
    return out, store


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is not installed (CI installs it: make browser)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = launch(p)
        yield chromium
        chromium.close()


def opened(browser, path: Path):
    page, _, problems = open_page(browser, path)
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    return page, problems, dialogs


# ---- the data the pages carry -------------------------------------------------------------------------------

def test_script_json_cannot_close_its_script_block():
    data = {"label": "</script><script>alert(1)</script>", "amp": "&amp; <!-- -->", "line": "a\u2028b\u2029c"}
    text = script_json(data)
    assert not set("<>&") & set(text), text
    assert "\u2028" not in text and "\u2029" not in text
    assert json.loads(text) == data


def test_whole_graph_draws_every_named_thing_and_link(real):
    out, store = real
    data = payload(out / "graph.html")
    assert len(data["nodes"]) == expected_nodes(store, "graph.html")
    links = count(store, f"""SELECT DISTINCT ?s ?p ?o WHERE {{
        VALUES ?p {{ hq:mentionsRegion hq:mentionsProject hq:mentionsInstitution hq:usesInstrument hq:citesDocument
                     hq:parentRegion hq:hasMember hq:locatedIn hq:connects skos:broader eli:is_part_of eli:cites
                     dcterms:publisher }}
        ?s ?p ?o . FILTER(?s != ?o)
        FILTER NOT EXISTS {{ ?s ?q ?o . ?q rdfs:subPropertyOf+ ?p . FILTER(?q != ?p) }}
        FILTER EXISTS {{ {DRAWN.replace('?thing', '?s').replace('?top', '?top1')} }}
        FILTER EXISTS {{ {DRAWN.replace('?thing', '?o').replace('?top', '?top2')} }} }}""")
    assert len(data["edges"]) == links
    nodes = {n["iri"]: n for n in data["nodes"]}
    kunshan = nodes[HQR + "region/kunshan"]
    assert (kunshan["zh"], kunshan["en"]) == ("昆山市", "Kunshan")
    assert data["classes"][kunshan["cls"]]["en"] == "county-level city"
    assert all(n["zh"] and n["en"] for n in data["nodes"]), "a node without a zh or en label"


def test_every_mention_link_carries_the_quoted_words(real):
    out, store = real
    data = payload(out / "graph.html")
    iri = [n["iri"] for n in data["nodes"]]
    quoted = {}
    for provision, entity, exact, prefix, suffix in values(store, """
            SELECT ?p ?e ?exact ?prefix ?suffix WHERE {
              ?a oa:hasBody ?e ; oa:hasTarget ?t . ?t hq:withinProvision ?p ; oa:hasSelector ?q .
              ?q oa:exact ?exact ; oa:prefix ?prefix ; oa:suffix ?suffix }""",
                                                          "p", "e", "exact", "prefix", "suffix"):
        quoted.setdefault((provision, entity), set()).add((prefix, exact, suffix))
    mention_props = {i for i, p in enumerate(data["props"]) if p["tier"] == 2}
    seen = 0
    for edge in data["edges"]:
        if edge["prop"] in mention_props:
            key = (iri[edge["from"]], iri[edge["to"]])
            shown = {(q[1], q[2], q[3]) for q in edge["quotes"]}
            assert shown == quoted[key] or len(shown) == MAX_QUOTES, f"quotes of {key}"
            assert {data["sources"][q[0]][1] for q in edge["quotes"]} == {
                next(n["en"] for n in data["nodes"] if n["iri"] == key[0])}
            seen += 1
    assert seen == len(quoted), "a link of the annotations is not drawn"


def test_measure_texts_highlight_every_quote(real):
    out, store = real
    data = payload(out / "measures.html")
    node_iri = [n["iri"] for n in data["nodes"]]
    texts = dict(values(store, "SELECT ?m ?text WHERE { ?m a hq:Measure ; hq:text ?text }", "m", "text"))
    assert len(texts) == 24
    entries = {node_iri[p["node"]]: p for p in data["provisions"]}
    assert [node_iri[p["node"]] for p in data["provisions"]][:2] == [f"{DOC}/preamble", f"{DOC}/section/1"]
    for measure, text in texts.items():
        segments = entries[measure]["text"]
        assert "".join(s[0] for s in segments) == text, f"{measure}: the text is not shown whole"
        for body, exact in values(store, f"""SELECT ?e ?exact WHERE {{ ?a oa:hasBody ?e ; oa:hasTarget ?t .
                ?t hq:withinProvision <{measure}> ; oa:hasSelector ?q . ?q oa:exact ?exact }}""", "e", "exact"):
            runs = ["".join(s[0] for s in segments[i:j]) for i in range(len(segments))
                    for j in range(i + 1, len(segments) + 1)
                    if all(node_iri.index(body) in s[1] for s in segments[i:j])]
            # Overlapping quotes merge into one mark per cover set, so the quote lies within a marked run.
            assert any(exact in run for run in runs), f"{measure}: {exact!r} ({body}) is not highlighted"


def test_measure_19_names_the_railways_and_their_places(real):
    out, _ = real
    data = payload(out / "measures.html")
    node_iri = [n["iri"] for n in data["nodes"]]
    entry = next(p for p in data["provisions"] if node_iri[p["node"]] == f"{DOC}/measure/19")
    marked = {s[0]: {node_iri[i].removeprefix(HQR) for i in s[1]} for s in entry["text"] if s[1]}
    assert marked["沪乍杭"] >= {"project/shanghai-zhapu-hangzhou-railway", "region/shanghai", "region/zhapu",
                                "region/hangzhou"}
    assert "project/shanghai-suzhou-nantong-railway-phase-2" in marked["沪苏通"]


def test_infrastructure_view_draws_projects_and_their_regions_on_the_map(real):
    out, store = real
    data = payload(out / "infrastructure.html")
    assert len(data["nodes"]) == expected_nodes(store, "infrastructure.html")
    at = {n["iri"].removeprefix(HQR): (n["x"], n["y"]) for n in data["nodes"]}
    assert at["region/shanghai"][0] > at["region/suzhou"][0], "east is to the right"
    assert at["region/ningbo"][1] > at["region/nantong"][1], "north is up"


def test_region_view_draws_the_region_network_on_the_map(real):
    """The map draws the typed linkages as stated (a policy area or a foreign partner is a place of its own, one
    line per kind and pair) over the divisions of the region network; the network (graph/outputs/network.py) is
    the same linkages of the measures lifted to divisions, so each of its links has a line of the map under it."""
    from graph.outputs.network import region_network

    out, store = real
    network = region_network(store)
    linkages = read_linkages(store)
    data = payload(out / "regions.html")
    assert not data["physics"] and data["map"] and data["typed"]
    nodes = {n["iri"]: n for n in data["nodes"]}
    assert set(nodes) == set(network.nodes) | {r for l in linkages for r in (l.a, l.b)}
    by_measures = sorted(network.nodes, key=lambda r: network.nodes[r]["measures"])
    assert [nodes[r]["size"] for r in by_measures] == sorted(nodes[r]["size"] for r in by_measures)
    at = {iri.removeprefix(HQR): (n["x"], n["y"]) for iri, n in nodes.items()}
    assert at["region/shanghai"][0] > at["region/suzhou"][0] > at["region/hefei"][0], "east is to the right"
    assert at["region/hangzhou"][1] > at["region/suzhou"][1] > at["region/nantong"][1], "north is up"
    iri = [n["iri"] for n in data["nodes"]]
    kinds = [(k["zh"], k["en"]) for k in data["props"]]
    drawn = {(kinds[e["prop"]], frozenset((iri[e["from"]], iri[e["to"]]))): e for e in data["edges"]}
    stated = {((l.kind_zh, l.kind_en), frozenset((l.a, l.b))) for l in linkages}
    assert set(drawn) == stated
    for (_, pair), edge in drawn.items():
        count = {f[1]: f[2] for f in edge["facts"]}["count"]
        assert count == str(len({l.iri for l in linkages if frozenset((l.a, l.b)) == pair
                                 and (l.kind_zh, l.kind_en) == kinds[edge["prop"]]}))
    parents = {r["region"].value: r["parent"].value for r in run_named(store, "regions").records() if r.get("parent")}

    def up(region: str) -> set[str]:  # the region and its parents (what the network lifts a region to)
        found = {region}
        while region in parents and parents[region] not in found:
            region = parents[region]
            found.add(region)
        return found

    lines = [tuple(pair) for _, pair in drawn]
    for a, b in network.edges:
        assert any(a in up(x) and b in up(y) or a in up(y) and b in up(x) for x, y in lines), \
            f"the network links {a} and {b}; the map draws no line between them or places inside them"
    # Measure 19 links Shanghai and Hangzhou through 沪乍杭铁路 (a transport connection): its words are on that line.
    link = drawn[(("交通连接", "transport connection"), frozenset((HQR + "region/shanghai", HQR + "region/hangzhou")))]
    assert "沪乍杭铁路" in {q[2] for q in link["quotes"]}


def test_region_positions_follow_points_members_children_and_parents():
    points = {"east": (122.0, 31.0), "west": (120.0, 31.0), "north": (121.0, 32.0)}
    members = {"area": ["east", "west"]}
    parents = {"east": ["prov"], "west": ["prov"], "town": ["east"], "lost": []}
    at = page_layout.region_positions(["east", "west", "north", "area", "prov", "town", "lost"], points,
                                      parents, members)
    assert at["east"][0] > at["west"][0] and at["north"][1] < at["east"][1]
    assert at["area"] == pytest.approx(((at["east"][0] + at["west"][0]) / 2, at["east"][1]))
    assert at["prov"] == pytest.approx(at["area"]), "a parent without a point sits among its children"
    assert at["town"] == at["east"], "a region without a point or children sits on its parent"
    assert "lost" not in at


def test_parse_point():
    assert parse_point("POINT(120.980736 31.385597)") == (120.980736, 31.385597)
    assert parse_point("<http://www.opengis.net/def/crs/OGC/1.3/CRS84> POINT(1 2)") == (1.0, 2.0)
    assert parse_point("POINT(200 2)") is None and parse_point("LINESTRING(1 2, 3 4)") is None


def test_pages_are_deterministic(real, tmp_path):
    out, store = real
    again = tmp_path / "again"
    shutil.copytree(out, again)
    write_site(store, again)
    for name in ("index.html", *[p for p in PAGE_FILES if (out / p).exists()], "lib/hq-font.woff2"):
        assert (out / name).read_bytes() == (again / name).read_bytes(), f"{name} differs"


def test_pages_reference_only_local_files(real):
    out, _ = real

    class Refs(HTMLParser):
        def __init__(self):
            super().__init__()
            self.refs = []

        def handle_starttag(self, tag, attrs):
            self.refs += [value for name, value in attrs if name in ("src", "href") and value]

    pages = [out / name for name in ("index.html", *PAGE_FILES)]
    for page in pages:
        parser = Refs()
        parser.feed(page.read_text(encoding="utf-8"))
        for ref in parser.refs:
            assert not re.match(r"[a-z][a-z0-9+.-]*:|//", ref, re.I), f"{page.name} refers to {ref}"
            assert (out / ref).is_file(), f"{page.name} refers to the missing {ref}"
    assert (out / "lib" / "vis-network.min.js").read_bytes() == VIS_NETWORK.read_bytes()
    licence = (out / "lib" / "LICENSE-vis-network.txt").read_text(encoding="utf-8")
    assert "The MIT License" in licence and "Apache 2.0" in licence and "Almende" in licence


def test_index_links_every_page_and_the_other_files(real):
    out, _ = real
    index = (out / "index.html").read_text(encoding="utf-8")
    for page in ("graph.html", "infrastructure.html", "measures.html"):
        assert f'href="{page}"' in index
    others = [p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()]
    others = [f for f in others if f not in ("index.html", *PAGE_FILES) and not f.startswith("lib/")
              and not f.startswith(".")]  # hidden files (the build folder's marker .hqkg-build) are not listed
    assert "graph.ttl" in others and "build-report.json" in others
    for name in others:
        assert f'href="{name}"' in index, f"the index does not list {name}"
    assert "关于推动虹桥国际开放枢纽进一步提升能级的若干政策措施" in index


def test_hostile_texts_are_escaped_in_the_html(hostile):
    out, _ = hostile
    for page in out.glob("*.html"):
        text = page.read_text(encoding="utf-8")
        scripts = len(re.findall(r"<script", text, re.I))
        assert scripts == (0 if page.name == "index.html" else 3), f"{page.name}: {scripts} script tags"
        for needle in ("<img", "<iframe", "<svg", "<b ", "<title>恶意", "<i>co"):
            assert needle not in text, f"{page.name} contains {needle!r} unescaped"
    assert "&lt;title&gt;恶意&lt;/title&gt;文件" in (out / "index.html").read_text(encoding="utf-8")


def test_views_accept_any_store(hostile):
    _, store = hostile
    facts = read_graph(store)
    styles = class_styles(facts)
    assert len(whole_graph_view(facts, styles).nodes) == expected_nodes(store, "graph.html") == 8
    infrastructure = infrastructure_view(facts, styles)
    assert len(infrastructure.nodes) == expected_nodes(store, "infrastructure.html") == 2
    assert [e["thing"]["iri"] for e in infrastructure.edges if "thing" in e] == [HQR + "project/evil-rail"]
    entry = next(p for p in measure_view(facts, styles).provisions if p["key"] == "document/evil-doc/measure/1")
    assert len(entry["nodes"]) == expected_nodes(store, "measures.html", HQR + "document/evil-doc/measure/1")


def test_empty_store_gives_empty_pages(tmp_path):
    summary = write_site(Store(), tmp_path / "site")
    assert all(nodes == 0 for nodes, _ in summary.pages.values())
    assert (tmp_path / "site" / "index.html").is_file()


# ---- the command --------------------------------------------------------------------------------------------

def test_cli_writes_pages_for_a_graph_file(real, tmp_path):
    out, store = real
    result = CliRunner().invoke(main, ["pages", "--graph", str(out / "graph.ttl"), "--out", str(tmp_path / "site")])
    assert result.exit_code == 0, result.output
    assert f"graph.html: {expected_nodes(store, 'graph.html')} nodes" in result.output
    assert (tmp_path / "site" / "index.html").is_file() and (tmp_path / "site" / "lib" / "hq-pages.js").is_file()


def test_cli_bad_graph_is_a_clear_error_and_writes_nothing(tmp_path):
    bad = tmp_path / "bad.ttl"
    bad.write_text("@prefix x: <http://x/> .\nx:a x:b x:c ;\n  x:d .\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["pages", "--graph", str(bad), "--out", str(tmp_path / "site")])
    assert result.exit_code == 1 and f"error: {bad}" in result.output and "line 3" in result.output
    assert "Traceback" not in result.output and not (tmp_path / "site").exists()
    missing = CliRunner().invoke(main, ["pages", "--graph", str(tmp_path / "nope.ttl"), "--out", str(tmp_path / "x")])
    assert missing.exit_code == 1 and "nope.ttl: no such graph file" in missing.output


# ---- in the browser -----------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["index.html", *PAGE_FILES])
def test_page_loads_offline_and_draws_the_expected_nodes(browser, real, name):
    out, store = real
    if name == "regions.html" and not (out / name).exists():
        pytest.fail("regions.html was not written: graph/network.py (issue 3) is missing")
    page, problems, _ = opened(browser, out / name)
    try:
        assert problems == [], f"{name}: {problems}"
        if name == "index.html":
            assert page.locator("ul.pages li").count() == len(build_views(store))
            return
        provision = None
        if name == "measures.html":
            provision = page.evaluate("hq.data.nodes[hq.data.provisions[+hq.data.provisions.findIndex("
                                      "p => hq.data.nodes[p.node].iri.endsWith('/measure/1'))].node].iri")
            assert provision == f"{DOC}/measure/1", "the measure page opens on measure 1"
        assert page.evaluate("hq.nodes.length") == expected_nodes(store, name, provision)
        assert page.evaluate("hq.network.body.nodeIndices.length") == page.evaluate("hq.nodes.length")
    finally:
        page.close()


def _click_node(page, iri: str) -> int:
    """Zoom onto a node and click its pixel; returns the id of the node the network selected."""
    node = page.evaluate("iri => hq.findNode(iri)", iri)
    assert node is not None, f"{iri} is not on the page"
    # Its centre, or where a smaller node drawn over it hides the centre, the first visible part of its disk.
    point = page.evaluate("""id => {
        const pos = hq.network.getPositions([id])[id];
        hq.network.moveTo({position: pos, scale: 2.5, animation: false});
        const box = hq.network.getBoundingBox(id), r = Math.min(box.right - box.left, box.bottom - box.top) / 2;
        const frame = document.getElementById('network').getBoundingClientRect();
        for (const f of [0, 0.6, 0.85]) {
            for (let k = 0; k < (f ? 12 : 1); k++) {
                const dom = hq.network.canvasToDOM({x: pos.x + f * r * Math.cos(k * Math.PI / 6),
                                                    y: pos.y + f * r * Math.sin(k * Math.PI / 6)});
                if (hq.network.getNodeAt(dom) === id) return {x: frame.left + dom.x, y: frame.top + dom.y};
            }
        }
        return null;
    }""", node)
    assert point is not None, f"{iri} is hidden under other nodes"
    page.mouse.click(point["x"], point["y"])
    selected = page.evaluate("hq.network.getSelectedNodes()")
    assert selected == [node], f"clicked {iri} at {point}, selected {selected}"
    return node


@pytest.mark.parametrize("name, iri, zh", [
    ("graph.html", HQR + "region/kunshan", "昆山市"),
    ("regions.html", HQR + "region/suzhou", "苏州市"),
    ("infrastructure.html", HQR + "project/hongqiao-transport-hub", "虹桥综合交通枢纽"),
])
def test_click_on_a_node_shows_its_details(browser, real, name, iri, zh):
    out, store = real
    if not (out / name).exists():
        pytest.fail(f"{name} was not written")
    en = values(store, f'SELECT ?l WHERE {{ <{iri}> rdfs:label ?l FILTER(LANG(?l) = "en") }}', "l")[0][0]
    page, problems, _ = opened(browser, out / name)
    try:
        _click_node(page, iri)
        assert page.inner_text("#details h2") == zh
        assert page.inner_text("#details .label-en") == en
        assert iri in page.inner_text("#details")
        assert problems == []
    finally:
        page.close()


def test_click_on_a_link_shows_the_quoted_words(browser, real):
    out, store = real
    measure, railway = f"{DOC}/measure/19", HQR + "project/shanghai-zhapu-hangzhou-railway"
    prefix, exact, suffix = values(store, f"""SELECT ?prefix ?exact ?suffix WHERE {{
        ?a oa:hasBody <{railway}> ; oa:hasTarget ?t . ?t hq:withinProvision <{measure}> ; oa:hasSelector ?q .
        ?q oa:exact ?exact ; oa:prefix ?prefix ; oa:suffix ?suffix }}""", "prefix", "exact", "suffix")[0]
    page, problems, _ = opened(browser, out / "graph.html")
    try:
        edge = page.evaluate("""([m, r]) => hq.data.edges.findIndex(e =>
            hq.data.nodes[e.from].iri === m && hq.data.nodes[e.to].iri === r)""", [measure, railway])
        assert page.evaluate("id => hq.selectEdge(id)", edge)
        quote = page.inner_text("#details .quotes li")
        assert f"…{prefix}{exact}{suffix}…" in quote.replace("\n", "")
        assert page.inner_text("#details .quotes mark") == exact == "沪乍杭铁路"
        assert problems == []
    finally:
        page.close()


def test_filters_by_class_region_and_search(browser, real):
    out, store = real
    page, problems, _ = opened(browser, out / "graph.html")
    try:
        measure_class = page.evaluate("hq.data.classes.findIndex(c => c.en === 'measure')")
        assert page.evaluate("c => hq.setFilter(c, -1, '')", measure_class) == count(store, "?m a hq:Measure")
        kunshan = page.evaluate("hq.data.regions.findIndex(r => r.iri.endsWith('/region/kunshan'))")
        page.evaluate("r => hq.setFilter(-1, r, '')", kunshan)
        shown = set(page.evaluate("hq.nodes.getIds().map(id => hq.data.nodes[id].iri)"))
        naming = {m for (m,) in values(store, f"SELECT ?m WHERE {{ ?m hq:mentionsRegion <{HQR}region/kunshan> }}", "m")}
        assert naming and naming | {HQR + "region/kunshan"} <= shown
        assert HQR + "region/hefei" not in shown and HQR + "region/suzhou" not in shown
        page.fill("#search", "昆山")
        page.select_option("#region-select", "-1")
        shown = set(page.evaluate("hq.nodes.getIds().map(id => hq.data.nodes[id].iri)"))
        assert HQR + "region/kunshan" in shown and HQR + "region/suzhou" in shown  # a match keeps its neighbours
        assert HQR + "region/hefei" not in shown
        assert problems == []
    finally:
        page.close()


def test_measure_page_switches_provision_and_marks_are_clickable(browser, real):
    out, store = real
    page, problems, _ = opened(browser, out / "measures.html")
    try:
        index = page.evaluate("hq.data.provisions.findIndex(p => p.key.endsWith('/measure/19'))")
        page.select_option("#provision-select", str(index))
        assert page.evaluate("hq.nodes.length") == expected_nodes(store, "measures.html", f"{DOC}/measure/19")
        text = values(store, f"SELECT ?t WHERE {{ <{DOC}/measure/19> hq:text ?t }}", "t")[0][0]
        assert page.inner_text("#provision-text") == text
        page.locator("#provision-text mark", has_text="沪苏通").first.click()
        assert page.inner_text("#details h2") in {"上海市", "江苏省", "苏州市", "南通市", "沪苏通铁路二期"}
        assert page.evaluate("location.hash").endswith("/measure/19")
        assert problems == []
    finally:
        page.close()


@pytest.mark.parametrize("name", ["graph.html", "infrastructure.html", "measures.html", "regions.html"])
def test_hostile_label_stays_text(browser, hostile, name):
    out, _ = hostile
    if not (out / name).exists():
        pytest.fail(f"{name} was not written")
    page, problems, dialogs = opened(browser, out / name)
    try:
        node = page.evaluate("hq.findNode(arguments[0])".replace("arguments[0]", repr(HQR + "region/evil")))
        assert node is not None
        assert page.evaluate("id => hq.select(id)", node)
        assert page.inner_text("#details h2") == HOSTILE_ZH
        assert page.inner_text("#details .label-en") == HOSTILE_EN
        assert "<b onmouseover=alert(3)>note</b> & more" in page.inner_text("#details")
        assert page.evaluate("document.querySelectorAll('img, iframe, svg, b, i').length") == 0
        assert page.evaluate("document.querySelectorAll('a[href^=javascript]').length") == 0
        assert page.evaluate("window.__xss") is None
        if name == "measures.html":
            assert HOSTILE_ZH in page.inner_text("#provision-text")
            page.locator("#provision-text mark").first.click()
            assert page.inner_text("#details h2") == HOSTILE_ZH
        page.hover("#network")
        assert dialogs == [] and problems == []
    finally:
        page.close()



# ---- a corpus's measure browser: one page per document --------------------------------------------------------

@pytest.fixture(scope="module")
def by_document(corpus_store, tmp_path_factory):
    """The four texts of `corpus_store` drawn as a corpus (the threshold lowered below their provisions): the pages
    written one page per document, and the same graph's one-page measure view to hold them to."""
    from graph.site import views

    facts = read_graph(corpus_store)
    one_page = measure_view(facts, class_styles(facts))
    out = tmp_path_factory.mktemp("by-document") / "site"
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(views, "AGGREGATE_PROVISIONS", 10)
        summary = write_site(corpus_store, out)
    return out, corpus_store, one_page, summary


def _provisions_of(store: Store) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for provision, document in values(store, "SELECT ?p ?d WHERE { ?p a hq:Provision ; eli:is_part_of+ ?d . "
                                             "?d a hq:PolicyDocument }", "p", "d"):
        found.setdefault(document, set()).add(provision)
    return found


def _entries(page: dict) -> dict[str, tuple]:
    """Each provision of a measure page by key: its text, the IRIs its words highlight, the IRIs drawn with it."""
    iri = {n["id"]: n["iri"] for n in page["nodes"]}
    return {e["key"]: ("".join(s[0] for s in e["text"]),
                       frozenset(iri[n] for s in e["text"] + e["title"] for n in s[1]),
                       frozenset(iri[n] for n in e["nodes"])) for e in page["provisions"]}


def test_a_corpus_measure_browser_is_one_page_per_document(by_document):
    out, store, one_page, summary = by_document
    provisions = _provisions_of(store)
    facts = read_graph(store)
    assert len(provisions) == 4
    first, *others = sorted(provisions)
    files = {first: out / "measures.html"} | {d: out / "measures" / f"{d.rsplit('/', 1)[-1]}.html" for d in others}
    pages = {d: payload(f) for d, f in files.items()}
    whole = _entries(one_page.payload() | {"nodes": one_page.nodes})
    seen: dict[str, tuple] = {}
    for document, page in pages.items():
        entries = _entries(page)
        # its own provisions, each as the one-page browser draws it (text, highlights, neighbourhood)
        assert {HQR + key for key in entries} == provisions[document], document
        assert entries == {key: whole[key] for key in entries}
        seen |= entries
        # every page offers every document, this one marked, by files that exist from the site's root
        assert [m[2] for m in page["measurePages"]] == [files[d].relative_to(out).as_posix() for d in sorted(files)]
        assert [m[4] for m in page["measurePages"]] == [d == document for d in sorted(files)]
        assert all((out / m[2]).is_file() and HQR + m[3] == d for m, d in zip(page["measurePages"], sorted(files)))
        assert (files[document].parent / page["root"] / "lib" / "hq-pages.js").is_file()
        # a document's page quotes its own words on the things it names
        named = [q for n in page["nodes"] for q in n.get("quotes", ())]
        assert named and page["documents"] == [list(facts.label(document))]
        assert all(page["sources"][q[0]][3] == 0 for q in named)
    assert seen == whole, "the pages together are not the one-page browser"
    index = (out / "index.html").read_text(encoding="utf-8")
    assert "measures/" not in index, "a measure page is listed among the other files"
    nodes = sum(len(p["nodes"]) for p in pages.values())
    assert summary.pages["measures.html"] == (nodes, sum(len(p["edges"]) for p in pages.values()))


def test_measure_page_files_are_plain_names_or_hashes():
    from graph.site.pages import measure_page_files

    docs = [HQR + "document/a-1", HQR + "document/b.2", HQR + "document/上海", "urn:x:b.2", HQR + "document/.."]
    files = measure_page_files(docs)
    assert files[docs[0]] == "measures.html" and files[docs[1]] == "measures/b.2.html"
    assert all(re.fullmatch(r"measures/document-[0-9a-f]{16}\.html", files[d]) for d in docs[2:])
    assert len(set(files.values())) == len(docs) and files == measure_page_files(docs)


def test_a_failed_page_leaves_the_site_as_it_was(corpus_store, tmp_path, monkeypatch):
    from graph.site import pages, views

    out = tmp_path / "site"
    write_site(corpus_store, out)
    before = {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file()}
    rendered = []

    def failing(view, links, file=None):
        rendered.append(file)
        if len(rendered) == 6:
            raise RuntimeError("no room left")
        return original(view, links, file)

    original = pages.render_view
    monkeypatch.setattr(pages, "render_view", failing)
    monkeypatch.setattr(views, "AGGREGATE_PROVISIONS", 10)
    with pytest.raises(RuntimeError, match="no room left"):
        write_site(corpus_store, out)
    assert {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file()} == before


def test_measure_browser_goes_from_document_to_document(browser, by_document):
    out, store, _, _ = by_document
    provisions = _provisions_of(store)
    first, second, *_ = sorted(provisions)
    page, problems, _ = opened(browser, out / "measures.html")
    try:
        assert page.is_visible("#measure-document-select")
        assert page.evaluate("hq.data.provisions.every(p => p.key.startsWith(hq.data.measurePages[0][3] + '/'))")
        with page.expect_navigation():
            page.select_option("#measure-document-select", "1")
        page.wait_for_function("window.hq && window.hq.ready")
        assert page.url.split("#")[0].endswith("/measures/" + second.rsplit("/", 1)[-1] + ".html")
        assert page.evaluate("document.querySelector('#measure-document-select').value") == "1"
        keys = page.evaluate("hq.data.provisions.map(p => p.key)")
        assert {HQR + k for k in keys} == provisions[second]
        # a link to a provision of another document lands on that document's page, showing it
        wanted = max(provisions[second])
        key = wanted[len(HQR):]
        page.goto((out / "measures.html").resolve().as_uri() + "#" + key)
        page.wait_for_function("window.hq && window.hq.ready && hq.data.provisions.length")
        page.wait_for_function("k => location.hash === '#' + k", arg=key)
        assert "/measures/" in page.url
        text = values(store, f"SELECT ?t WHERE {{ <{wanted}> hq:text ?t }}", "t")
        if text:
            assert page.inner_text("#provision-text") == text[0][0]
        assert page.evaluate("(k) => hq.data.provisions.findIndex(p => p.key === k)", key) == \
            int(page.evaluate("document.querySelector('#provision-select').value"))
        assert page.inner_text("nav a[aria-current=page]").startswith("条款浏览")
        assert problems == []
    finally:
        page.close()
