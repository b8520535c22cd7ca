"""The server over real HTTP: SPARQL in every format, refused updates, limits, path traversal, dereferencing with
each Accept, and escaping of hostile data. Each server runs in a thread on a free loopback port."""
from __future__ import annotations

import csv
import http.client
import io
import json
import os
import shutil
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import xml.etree.ElementTree as ET
from contextlib import contextmanager
from pathlib import Path

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.compare import isomorphic

from graph.rdf.namespaces import DEFAULT_BASE, HQ, OA, PREFIXES, RDF, RDFS
from graph.server.serve import make_server, open_site
from graph.server.sparql_pool import Limits, negotiate, parse_accept, screen, Refused

MEASURES = f"PREFIX hq: <{PREFIXES['hq']}> SELECT ?m WHERE {{ ?m a hq:Measure }} ORDER BY ?m"
COUNT = "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"
KUNSHAN = f"{DEFAULT_BASE}region/kunshan"


@contextmanager
def running(graph: Path, limits: Limits = Limits(query_seconds=20)):
    site = open_site(graph, limits, quiet=True)
    server = make_server(site, "127.0.0.1", 0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", site
    finally:
        server.shutdown()
        server.server_close()
        site.close()


@pytest.fixture(scope="module")
def served(built, tmp_path_factory):
    """A copy of the build with traps beside and inside it: a secret outside, symlinks out, a hidden file."""
    base = tmp_path_factory.mktemp("serve")
    root = base / "site"
    shutil.copytree(built.staging, root, ignore=shutil.ignore_patterns(".*"))
    (base / "secret.txt").write_text("outside the build folder", encoding="utf-8")
    os.symlink(base / "secret.txt", root / "escape.txt")
    os.symlink(base, root / "up")
    (root / ".hidden").write_text("a hidden file", encoding="utf-8")
    with running(root) as (url, site):
        yield url, site, root


def _get(url: str, accept: str | None = None, method: str = "GET", data: bytes | None = None,
         content_type: str | None = None):
    request = urllib.request.Request(url, data=data, method=method)
    if accept:
        request.add_header("Accept", accept)
    if content_type:
        request.add_header("Content-Type", content_type)
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


def _raw(url: str, method: str, path: str, body: bytes | None = None, headers: dict | None = None):
    """A request whose path is sent exactly as given (urllib would normalise some of it)."""
    parts = urllib.parse.urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
    connection.putrequest(method, path, skip_accept_encoding=True)
    for name, value in (headers or {}).items():
        connection.putheader(name, value)
    connection.endheaders(body)
    response = connection.getresponse()
    result = response.status, response.read()
    connection.close()
    return result


def _query(url: str, query: str, accept: str | None = None, **params) -> tuple[int, object, bytes]:
    return _get(f"{url}/sparql?" + urllib.parse.urlencode({"query": query, **params}), accept)


def _expected_measures(built) -> list[str]:
    doc = built.documents[0]
    return sorted(f"{DEFAULT_BASE}document/{doc.doc_id}/measure/{m.number}"
                  for m in doc.linked.document.measures)


def _triple_count(url: str) -> int:
    status, _, body = _query(url, COUNT)
    assert status == 200, body
    return int(json.loads(body)["results"]["bindings"][0]["n"]["value"])


# --- SPARQL results in each format ---------------------------------------------------------------------------------

def test_select_as_json_xml_csv_tsv(served, built):
    url, _, _ = served
    expected = _expected_measures(built)
    status, headers, body = _query(url, MEASURES, "application/sparql-results+json")
    assert status == 200 and headers["Content-Type"].startswith("application/sparql-results+json")
    assert sorted(b["m"]["value"] for b in json.loads(body)["results"]["bindings"]) == expected

    status, headers, body = _query(url, MEASURES, "application/sparql-results+xml")
    assert status == 200 and headers["Content-Type"].startswith("application/sparql-results+xml")
    ns = {"r": "http://www.w3.org/2005/sparql-results#"}
    assert sorted(e.text for e in ET.fromstring(body).findall(".//r:uri", ns)) == expected

    status, headers, body = _query(url, MEASURES, "text/csv")
    assert status == 200 and headers["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(body.decode())))
    assert rows[0] == ["m"] and sorted(r[0] for r in rows[1:]) == expected

    status, headers, body = _query(url, MEASURES, "text/tab-separated-values")
    assert status == 200 and headers["Content-Type"].startswith("text/tab-separated-values")
    lines = body.decode().splitlines()
    assert lines[0] == "?m" and sorted(line.strip("<>") for line in lines[1:]) == expected


def test_format_parameter_and_default(served, built):
    url, _, _ = served
    status, headers, body = _query(url, MEASURES, None, format="csv")
    assert status == 200 and headers["Content-Type"].startswith("text/csv")
    status, headers, body = _query(url, MEASURES)  # no Accept: JSON
    assert headers["Content-Type"].startswith("application/sparql-results+json")
    status, _, _ = _query(url, MEASURES, "image/png")
    assert status == 406
    # A format name the server does not know falls back to Accept (SPARQLWrapper sends format=n3 and the like
    # beside a correct Accept header): no Accept, so JSON.
    status, headers, body = _query(url, MEASURES, None, format="yaml")
    assert status == 200 and headers["Content-Type"].startswith("application/sparql-results+json")
    status, headers, body = _query(url, MEASURES, "text/csv", format="n3")
    assert status == 200 and headers["Content-Type"].startswith("text/csv")


def test_get_post_form_and_post_direct_agree(served):
    url, _, _ = served
    _, _, by_get = _query(url, MEASURES)
    status, _, by_form = _get(f"{url}/sparql", data=urllib.parse.urlencode({"query": MEASURES}).encode(),
                              method="POST", content_type="application/x-www-form-urlencoded")
    assert status == 200
    status, _, direct = _get(f"{url}/sparql", data=MEASURES.encode(), method="POST",
                             content_type="application/sparql-query")
    assert status == 200
    assert json.loads(by_get) == json.loads(by_form) == json.loads(direct)
    status, _, body = _get(f"{url}/sparql", data=b"{}", method="POST", content_type="application/json")
    assert status == 415


def test_ask_and_graph_restrictions(served):
    url, _, _ = served
    status, _, body = _query(url, f"ASK {{ <{KUNSHAN}> ?p ?o }}")
    assert status == 200 and json.loads(body)["boolean"] is True
    entities = f"{DEFAULT_BASE}graph/entities"
    documents = f"{DEFAULT_BASE}graph/documents"
    _, _, body = _query(url, MEASURES, **{"default-graph-uri": entities})
    assert json.loads(body)["results"]["bindings"] == []
    _, _, body = _query(url, MEASURES, **{"default-graph-uri": documents})
    assert len(json.loads(body)["results"]["bindings"]) > 0


def test_construct_as_turtle_jsonld_ntriples(served, built):
    url, _, _ = served
    query = f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ ?s ?p ?o FILTER(?s = <{KUNSHAN}>) }}"
    expected = {(s, p, o) for s, p, o, _ in built.store.quads() if s == URIRef(KUNSHAN)}
    graphs = {}
    for accept, rdflib_format in (("text/turtle", "turtle"), ("application/ld+json", "json-ld"),
                                  ("application/n-triples", "nt"), ("application/rdf+xml", "xml")):
        status, headers, body = _query(url, query, accept)
        assert status == 200 and headers["Content-Type"].startswith(accept), (accept, body[:200])
        graphs[accept] = Graph().parse(data=body, format=rdflib_format)
        assert set(graphs[accept]) == expected, accept
    status, _, body = _query(url, f"DESCRIBE <{KUNSHAN}>", "text/turtle")
    assert status == 200 and set(Graph().parse(data=body, format="turtle")) >= expected


# --- read-only -------------------------------------------------------------------------------------------------------

def test_updates_are_refused_by_every_route_and_change_nothing(served):
    url, site, _ = served
    before = _triple_count(url)
    stored = len(site.store)
    insert = f"INSERT DATA {{ GRAPH <{DEFAULT_BASE}graph/evil> {{ <{KUNSHAN}> <{RDFS.label}> \"evil\" }} }}"
    drop = f"DROP GRAPH <{DEFAULT_BASE}graph/entities>"
    attempts = [
        _get(f"{url}/sparql", data=insert.encode(), method="POST", content_type="application/sparql-update"),
        _get(f"{url}/sparql", data=urllib.parse.urlencode({"update": drop}).encode(), method="POST",
             content_type="application/x-www-form-urlencoded"),
        _get(f"{url}/sparql?" + urllib.parse.urlencode({"update": drop})),
        _query(url, insert),
        _query(url, "CLEAR ALL"),
        _query(url, f"LOAD <file:///etc/passwd> INTO GRAPH <{DEFAULT_BASE}graph/x>"),
        _get(f"{url}/sparql", data=b"DELETE WHERE { ?s ?p ?o }", method="POST",
             content_type="application/sparql-query"),
        _get(f"{url}/graph.nt", data=b"<a:b> <a:c> <a:d> .", method="PUT", content_type="text/turtle"),
        _get(f"{url}/id/region/kunshan", method="DELETE"),
    ]
    for status, _, body in attempts:
        assert 400 <= status < 500, (status, body)
    assert [a[0] for a in attempts[:7]] == [403] * 7
    assert _triple_count(url) == before and len(site.store) == stored


def test_federated_queries_are_refused(served):
    url, _, _ = served
    for query in ("SELECT * WHERE { SERVICE <http://127.0.0.1:1/> { ?s ?p ?o } }",
                  "SELECT * WHERE { \\u0053ERVICE <http://127.0.0.1:1/> { ?s ?p ?o } }",
                  "SELECT * WHERE { ?s ?p ?o . service <http://127.0.0.1:1/> { ?s ?p ?o } }"):
        status, _, body = _query(url, query)
        assert 400 <= status < 500 and (b"SERVICE" in body or b"invalid" in body), body


def test_screen_sees_service_only_outside_strings_iris_and_comments():
    screen('SELECT * WHERE { ?s ?p "SERVICE" . ?s <http://x/SERVICE> ?o } # SERVICE')
    screen("SELECT ?service WHERE { ?service ex:service-of ?x . ?x ex:made-with \"x\"@en-service }")
    with pytest.raises(Refused):  # an escaped quote inside a string does not end it
        screen('SELECT * WHERE { ?s ?p "\\u0022" SERVICE <http://127.0.0.1:1/> { ?s ?p ?o } }')
    with pytest.raises(Refused):
        screen('SELECT * WHERE { ?s ?p "a\\"b" SERVICE <http://127.0.0.1:1/> { ?s ?p ?o } }')
    with pytest.raises(Refused, match="levels deep"):
        screen("SELECT * WHERE " + "{" * 200 + "}" * 200)


def test_bad_queries_get_400_with_the_position(served):
    url, _, _ = served
    status, headers, body = _query(url, "SELECT * WHERE { ?s ?p }")
    assert status == 400 and headers["Content-Type"].startswith("text/plain")
    assert b"invalid SPARQL query at line 1, column" in body and b"^" in body
    status, _, body = _get(f"{url}/sparql?query=a&query=b")
    assert status == 400 and b"exactly one" in body


def test_request_size_limits(served):
    url, site, _ = served
    limit = site.limits.request_bytes
    padding = "#" + "x" * (limit + 10) + "\n"
    status, _, body = _get(f"{url}/sparql", data=(padding + MEASURES).encode(), method="POST",
                           content_type="application/sparql-query")
    assert status == 413, body
    status, _ = _raw(url, "POST", "/sparql", None, {"Content-Type": "application/sparql-query"})
    assert status == 411
    status, _, _ = _query(url, "#" + "x" * 70000 + "\n" + MEASURES)
    assert status == 414
    assert _triple_count(url) > 0, "the server stopped answering after oversized requests"


# --- time and result-size limits on a bigger synthetic store ------------------------------------------------------

@pytest.fixture(scope="module")
def synthetic(tmp_path_factory) -> Path:
    """20 000 triples: a three-way join over them is 8·10^12 rows, far beyond any time limit."""
    path = tmp_path_factory.mktemp("synthetic") / "big.nt"
    with open(path, "w", encoding="utf-8") as out:
        for i in range(20000):
            out.write(f"<http://example.org/s{i % 2000}> <http://example.org/p{i % 7}> \"value {i}\" .\n")
    return path


def test_time_limit_stops_an_expensive_query_and_the_server_recovers(synthetic):
    limits = Limits(query_seconds=1.0, workers=1)
    with running(synthetic, limits) as (url, site):
        expensive = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?p ?b . ?c ?q ?d . ?e ?r ?f }"
        started = time.monotonic()
        status, _, body = _query(url, expensive)
        elapsed = time.monotonic() - started
        assert status == 503 and b"time limit" in body, body
        assert elapsed < 10, f"the limit of 1 s took {elapsed:.1f} s to act"
        assert site.pool.replaced == 1
        deadline = time.monotonic() + 60
        while True:  # the replacement worker loads the store, then answers
            status, _, body = _query(url, "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")
            if status == 200 or time.monotonic() > deadline:
                break
        assert status == 200 and json.loads(body)["results"]["bindings"][0]["n"]["value"] == "20000"


def test_result_size_limit(synthetic):
    with running(synthetic, Limits(result_bytes=4096, workers=1)) as (url, _):
        status, _, body = _query(url, "SELECT * WHERE { ?s ?p ?o }")
        assert status == 422 and b"4096 bytes" in body
        status, _, body = _query(url, "CONSTRUCT WHERE { ?s ?p ?o }", "application/ld+json")
        assert status == 422
        status, _, body = _query(url, "SELECT * WHERE { ?s ?p ?o } LIMIT 5")
        assert status == 200 and len(json.loads(body)["results"]["bindings"]) == 5


# --- static files and path traversal ---------------------------------------------------------------------------------

def test_build_files_are_served(served):
    url, _, root = served
    status, headers, body = _get(f"{url}/graph.nt")
    assert status == 200 and body == (root / "graph.nt").read_bytes()
    assert headers["Content-Type"].startswith("application/n-triples")
    status, headers, body = _get(f"{url}/graph.trig.gz", method="HEAD")
    assert status == 200 and int(headers["Content-Length"]) == (root / "graph.trig.gz").stat().st_size
    status, headers, body = _get(f"{url}/")
    assert status == 200 and headers["Content-Type"].startswith("text/html")


@pytest.mark.parametrize("path", [
    "/../secret.txt", "/../../../../etc/passwd", "/%2e%2e/secret.txt", "/%2E%2E%2Fsecret.txt",
    "/..%2fsecret.txt", "/%252e%252e/secret.txt", "//etc/passwd", "/%2fetc%2fpasswd", "/etc/passwd",
    "/escape.txt", "/up/secret.txt", "/up/", "/.hidden", "/%2ehidden", "/graph.nt%00.html",
    "/..\\secret.txt", "/%c0%ae%c0%ae/secret.txt", "http://127.0.0.1/../secret.txt",
])
def test_no_path_leaves_the_build_folder(served, path):
    url, _, _ = served
    status, body = _raw(url, "GET", path)
    assert status == 404, (path, status, body[:100])
    assert b"outside the build folder" not in body and b"root:" not in body


# --- dereferencing -----------------------------------------------------------------------------------------------------

def test_resource_iris_dereference_by_accept(served, built):
    url, _, _ = served
    local = f"{url}/id/region/kunshan"
    own = {(s, p, o) for s, p, o, _ in built.store.quads() if s == URIRef(KUNSHAN)}
    annotations = {s for s, p, o, _ in built.store.quads() if p == OA.hasBody and o == URIRef(KUNSHAN)}
    assert annotations, "Kunshan is named in the text"
    graphs = {}
    for accept, fmt in (("text/turtle", "turtle"), ("application/ld+json", "json-ld"),
                        ("application/n-triples", "nt"), ("application/rdf+xml", "xml")):
        status, headers, body = _get(local, accept)
        assert status == 200 and headers["Content-Type"].startswith(accept) and "Accept" in headers["Vary"]
        graphs[accept] = Graph().parse(data=body, format=fmt)
        assert own <= set(graphs[accept]), accept
        assert {s for s, p, o in graphs[accept] if p == OA.hasBody} == annotations, accept
        exact = {o for s, p, o in graphs[accept] if p == OA.exact}
        assert exact and all(isinstance(o, Literal) for o in exact)
    assert isomorphic(graphs["text/turtle"], graphs["application/ld+json"])
    status, headers, body = _get(local, "text/html,application/xhtml+xml,*/*;q=0.8")
    page = body.decode()
    assert status == 200 and headers["Content-Type"].startswith("text/html")
    assert "default-src 'none'" in headers["Content-Security-Policy"]
    assert "昆山市" in page and "Kunshan" in page and 'href="/id/region/suzhou"' in page
    assert "<mark>" in page, "the page shows the source quotes"
    status, headers, _ = _get(f"{local}?format=ttl")
    assert status == 200 and headers["Content-Type"].startswith("text/turtle")
    assert _get(f"{url}/id/region/nowhere")[0] == 404
    assert _get(local, "image/png")[0] == 406


def test_provision_pages_show_their_text_and_quotes(served, built):
    url, _, _ = served
    doc = built.documents[0]
    measure = doc.linked.provisions[-1]
    status, _, body = _get(f"{url}/id/document/{doc.doc_id}/measure/{measure.provision.number}", "text/html")
    page = body.decode()
    assert status == 200 and measure.provision.body.text[:20] in page
    assert page.count("<mark>") == len(measure.mentions)


# --- hostile data -----------------------------------------------------------------------------------------------------

def test_hostile_labels_and_iris_are_escaped(tmp_path):
    evil = f"{DEFAULT_BASE}region/evil"
    annotation = f"{DEFAULT_BASE}document/d/measure/1/annotation/region-evil-3"
    data = "\n".join([
        f'<{evil}> <{RDFS.label}> "<script>alert(1)</script>"@en .',
        f'<{evil}> <{RDFS.label}> "\\"><img src=x onerror=alert(2)>"@zh .',
        f'<{evil}> <http://example.org/p> <javascript:alert(3)> .',
        f'<{evil}> <http://example.org/q> "</td></tr></table><script>alert(4)</script>" .',
        f'<{annotation}> <{OA.hasBody}> <{evil}> .',
        f'<{annotation}> <{RDF.type}> <{OA.Annotation}> .',
        f'<{annotation}> <{OA.hasTarget}> <{annotation}/target> .',
        f'<{annotation}/target> <{OA.hasSelector}> <{annotation}/target/quote> .',
        f'<{annotation}/target/quote> <{OA.exact}> "<b onmouseover=alert(5)>" .',
        f'<{annotation}/target/quote> <{OA.prefix}> "&amp;" .',
        f'<{annotation}/target> <{HQ.withinProvision}> <{DEFAULT_BASE}document/d/measure/1> .',
    ]) + "\n"
    path = tmp_path / "evil.nt"
    path.write_text(data, encoding="utf-8")
    with running(path, Limits(workers=1)) as (url, _):
        status, _, body = _get(f"{url}/id/region/evil", "text/html")
        page = body.decode()
        assert status == 200
        lowered = page.lower()
        assert "<script" not in lowered and "<img" not in lowered and "<b " not in lowered
        assert 'href="javascript' not in lowered, "a javascript: IRI became a link"
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
        assert "&lt;b onmouseover=alert(5)&gt;" in page and "&amp;amp;" in page
        assert "&lt;/td&gt;&lt;/tr&gt;&lt;/table&gt;" in page


# --- unit: negotiation -------------------------------------------------------------------------------------------------

def test_negotiation_prefers_quality_then_specificity():
    offers = ["application/sparql-results+json", "text/csv"]
    assert negotiate(parse_accept("text/csv;q=0.9, */*;q=0.1"), offers) == "text/csv"
    assert negotiate(parse_accept("*/*"), offers) == "application/sparql-results+json"
    assert negotiate(parse_accept("text/*"), offers) == "text/csv"
    assert negotiate(parse_accept("*/*, text/csv;q=0"), offers) == "application/sparql-results+json"
    assert negotiate(parse_accept("image/png"), offers) is None
    assert negotiate(parse_accept(None), offers) == "application/sparql-results+json"


def test_binds_loopback_by_default(built):
    import inspect
    from graph import cli
    from graph.server import serve

    assert inspect.signature(serve.make_server).parameters["host"].default == "127.0.0.1"
    assert next(p for p in cli.serve.params if p.name == "host").default == "127.0.0.1"


@pytest.mark.parametrize("path", ["/ontology", "/ontology/0.1.0", "/shapes"])
def test_vocabulary_iris_dereference_by_accept(served, path):
    url, _, _ = served
    stem = "shapes" if path == "/shapes" else "ontology"
    for accept, extension, fmt in (("text/turtle", "ttl", "turtle"), ("application/rdf+xml", "rdf", "xml"),
                                   ("application/ld+json", "jsonld", "json-ld"), (None, "ttl", "turtle"),
                                   ("text/html,application/xhtml+xml,*/*;q=0.8", "html", None)):
        parts = urllib.parse.urlsplit(url)
        connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
        connection.request("GET", path, headers={"Accept": accept} if accept else {})
        response = connection.getresponse()
        response.read()
        status, headers = response.status, response.headers
        connection.close()
        assert status == 303 and headers["Location"] == f"/{stem}.{extension}", (path, accept, status)
        assert "Accept" in headers["Vary"]
        status, headers, body = _get(f"{url}/{stem}.{extension}")
        assert status == 200
        if fmt:
            graph = Graph().parse(data=body, format=fmt)
            assert (URIRef(f"https://w3id.org/hongqiao-kg/{stem}"), RDF.type, URIRef(
                "http://www.w3.org/2002/07/owl#Ontology")) in graph
        else:
            assert b'id="Region"' in body or stem == "shapes"
