"""The W3C SPARQL 1.1 Protocol tests (w3c/rdf-tests, sparql/sparql11/protocol/manifest.ttl), each sent as the
manifest writes it, as raw HTTP, to the real server over loopback, on the tests' own data (tests/data/server/
protocol.trig). The manifest cannot be read at run time (nothing is downloaded), so each test is encoded here with
its name: method, path, headers, body and what the answer must be.

A read-only service applies every query_* and bad_* test. The seven update_* tests ask for updates to succeed,
which a read-only service must not do: they are run too, and must be refused with 403 and change nothing."""
from __future__ import annotations

import http.client
import json
import urllib.parse
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from rdflib import Graph

DATA = Path(__file__).resolve().parent.parent / "data" / "server"

KASEI = "http://kasei.us/2009/09/sparql/data/"
Q = urllib.parse.quote


def _d(n: int) -> str:
    return Q(f"{KASEI}data{n}.rdf", safe="")


FORM = {"content-type": "application/x-www-form-urlencoded"}
DIRECT = {"content-type": "application/sparql-query"}
UPDATE = {"content-type": "application/sparql-update"}
ASK_TYPES = f"ASK {{ <{KASEI}data1.rdf> a ?type . <{KASEI}data2.rdf> a ?type . }}"
ASK_NAMED = (f"ASK {{ GRAPH ?g1 {{ <{KASEI}data1.rdf> a ?type }} GRAPH ?g2 {{ <{KASEI}data2.rdf> a ?type }} }}")
ASK_FULL = (f"ASK {{\n  <{KASEI}data3.rdf> a ?type\n  GRAPH ?g1 {{ <{KASEI}data1.rdf> a ?type }}\n"
            f"  GRAPH ?g2 {{ <{KASEI}data2.rdf> a ?type }}\n}}")
ASK_MULTIPLE = (f"ASK FROM <{KASEI}data3.rdf> {{ GRAPH ?g1 {{ <{KASEI}data1.rdf> a ?type }} "
                f"GRAPH ?g2 {{ <{KASEI}data2.rdf> a ?type }} }}")
UPDATE_TEXT = "CLEAR ALL ;\nINSERT DATA { GRAPH <http://example.org/g> { <http://example.org/s> <http://example.org/p> <test> } }"

# (name, method, path, headers, body, expected): expected is 'true' (a boolean true), 'boolean', 'tabular', 'rdf',
# '4xx' or '403' (a refused update).
TESTS = [
    ("query_post_form", "POST", f"/sparql/?default-graph-uri={_d(0)}", FORM, b"query=ASK%20%7B%7D", "true"),
    ("query_dataset_default_graphs_get", "GET",
     f"/sparql/?query={Q(ASK_TYPES, safe='')}&default-graph-uri={_d(1)}&default-graph-uri={_d(2)}", {}, None, "true"),
    ("query_dataset_default_graphs_post", "POST", f"/sparql/?default-graph-uri={_d(1)}&default-graph-uri={_d(2)}",
     DIRECT, ASK_TYPES.encode(), "true"),
    ("query_dataset_named_graphs_post", "POST", f"/sparql/?named-graph-uri={_d(1)}&named-graph-uri={_d(2)}",
     DIRECT, ASK_NAMED.encode(), "true"),
    ("query_dataset_named_graphs_get", "GET",
     f"/sparql/?query={Q(ASK_NAMED, safe='')}&named-graph-uri={_d(1)}&named-graph-uri={_d(2)}", {}, None, "true"),
    ("query_dataset_full", "POST",
     f"/sparql/?default-graph-uri={_d(3)}&named-graph-uri={_d(1)}&named-graph-uri={_d(2)}",
     DIRECT, ASK_FULL.encode(), "true"),
    ("query_multiple_dataset", "POST", f"/sparql/?named-graph-uri={_d(1)}%26named-graph-uri%3D{_d(2)}",
     DIRECT, ASK_MULTIPLE.encode(), "true"),
    ("query_get", "GET", f"/sparql/?query=ASK%20%7B%7D&default-graph-uri={_d(0)}", {}, None, "true"),
    ("query_content_type_select", "POST", f"/sparql/?default-graph-uri={_d(0)}", DIRECT,
     b"SELECT (1 AS ?value) {}", "tabular"),
    ("query_content_type_ask", "POST", f"/sparql/?default-graph-uri={_d(0)}", DIRECT, b"ASK {}", "boolean"),
    ("query_content_type_describe", "POST", f"/sparql/?default-graph-uri={_d(0)}", DIRECT,
     b"DESCRIBE <http://example.org/>", "rdf"),
    ("query_content_type_construct", "POST", f"/sparql/?default-graph-uri={_d(0)}", DIRECT,
     b"CONSTRUCT { <s> <p> 1 } WHERE {}", "rdf"),
    ("query_post_direct", "POST", "/sparql/", DIRECT, b"ASK {}", "true"),
    ("bad_query_method", "PUT", f"/sparql/?query=ASK%20%7B%7D&default-graph-uri={_d(0)}", FORM, b"", "4xx"),
    ("bad_multiple_queries", "GET", "/sparql/?query=ASK%20%7B%7D&query=SELECT%20%2A%20%7B%7D", {}, None, "4xx"),
    ("bad_query_wrong_media_type", "POST", "/sparql/", {"content-type": "text/plain"}, b"ASK {}", "4xx"),
    ("bad_query_missing_form_type", "POST", "/sparql/", {}, b"query=ASK%20%7B%7D", "4xx"),
    ("bad_query_missing_direct_type", "POST", "/sparql/", {}, b"ASK {}", "4xx"),
    ("bad_query_non_utf8", "POST", "/sparql/", {"content-type": "application/sparql-query; charset=UTF-16"},
     "ASK {}".encode("utf-16"), "4xx"),
    ("bad_query_syntax", "GET", "/sparql/?query=ASK%20%7B", {}, None, "4xx"),
    ("bad_update_get", "GET", "/sparql/?update=CLEAR%20ALL", {}, None, "4xx"),
    ("bad_multiple_updates", "POST", "/sparql/", FORM, b"update=CLEAR%20NAMED&update=CLEAR%20DEFAULT", "4xx"),
    ("bad_update_wrong_media_type", "POST", "/sparql/", {"content-type": "text/plain"}, b"CLEAR NAMED", "4xx"),
    ("bad_update_missing_form_type", "POST", "/sparql/", {}, b"update=CLEAR%20NAMED", "4xx"),
    ("bad_update_non_utf8", "POST", "/sparql/", {"content-type": "application/sparql-update; charset=UTF-16"},
     "CLEAR NAMED".encode("utf-16"), "4xx"),
    ("bad_update_syntax", "POST", "/sparql/", UPDATE, b"CLEAR XYZ", "4xx"),
    ("bad_update_dataset_conflict", "POST", f"/sparql/?using-named-graph-uri={_d(1)}", UPDATE,
     f"CLEAR ALL ; INSERT DATA {{ GRAPH <{KASEI}data1.rdf> {{ <{KASEI}data1.rdf> a <http://example.org/x> }} }}"
     .encode(), "4xx"),
    # The update tests: a read-only service refuses each (403) and nothing changes (checked after all of them).
    ("update_dataset_default_graph", "POST", f"/sparql/?using-graph-uri={_d(1)}", UPDATE, UPDATE_TEXT.encode(), "403"),
    ("update_dataset_default_graphs", "POST", f"/sparql/?using-graph-uri={_d(1)}&using-graph-uri={_d(2)}", UPDATE,
     UPDATE_TEXT.encode(), "403"),
    ("update_dataset_named_graphs", "POST", f"/sparql/?using-named-graph-uri={_d(1)}", UPDATE,
     UPDATE_TEXT.encode(), "403"),
    ("update_dataset_full", "POST", f"/sparql/?using-graph-uri={_d(3)}&using-named-graph-uri={_d(1)}", UPDATE,
     UPDATE_TEXT.encode(), "403"),
    ("update_post_form", "POST", "/sparql/", FORM, b"update=CLEAR+ALL", "403"),
    ("update_post_direct", "POST", "/sparql/", UPDATE, b"CLEAR ALL", "403"),
    ("update_base_uri", "POST", "/sparql/", UPDATE, UPDATE_TEXT.encode(), "403"),
]


@pytest.fixture(scope="module")
def endpoint(start_server):
    url, site, _ = start_server(DATA / "protocol.trig")
    return url, site


def send(url: str, method: str, path: str, headers: dict, body: bytes | None):
    parts = urllib.parse.urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    connection.putrequest(method, path, skip_accept_encoding=True)
    for name, value in headers.items():
        connection.putheader(name, value)
    connection.putheader("Content-Length", str(len(body or b"")))
    connection.endheaders(body)
    response = connection.getresponse()
    data = response.read()
    connection.close()
    return response.status, (response.getheader("Content-Type") or "").split(";")[0].strip(), data


def boolean(media: str, body: bytes) -> bool | None:
    if media in ("application/sparql-results+json", "application/json"):
        return json.loads(body).get("boolean")
    if media in ("application/sparql-results+xml", "application/xml", "text/xml"):
        found = ET.fromstring(body).find("{http://www.w3.org/2005/sparql-results#}boolean")
        return None if found is None else found.text == "true"
    return None


def check(expected: str, status: int, media: str, body: bytes) -> str | None:
    """None if the answer is what the test expects, else what is wrong."""
    if expected == "4xx":
        return None if 400 <= status < 500 else f"expected 4xx, got {status}"
    if expected == "403":
        return None if status == 403 else f"expected a refused update (403), got {status}"
    if not 200 <= status < 400:
        return f"expected 2xx or 3xx, got {status}: {body[:300]!r}"
    if expected in ("true", "boolean"):
        value = boolean(media, body)
        if value is None:
            return f"not a boolean result ({media})"
        return None if expected == "boolean" or value is True else "expected true"
    if expected == "tabular":
        if media in ("application/sparql-results+json", "application/json"):
            return None if "vars" in json.loads(body).get("head", {}) else "no head.vars in the JSON"
        ok = media in ("application/sparql-results+xml", "text/csv", "text/tab-separated-values")
        return None if ok else f"not a tabular result ({media})"
    formats = {"text/turtle": "turtle", "application/rdf+xml": "xml", "application/n-triples": "nt",
               "application/ld+json": "json-ld"}
    if media not in formats:
        return f"not an RDF media type ({media})"
    Graph().parse(data=body, format=formats[media])  # must parse
    return None


def test_the_protocol_suite(endpoint):
    url, site = endpoint
    before = len(site.store)
    failures = []
    for name, method, path, headers, body, expected in TESTS:
        status, media, data = send(url, method, path, headers, body)
        problem = check(expected, status, media, data)
        if problem:
            failures.append(f"{name}: {problem}")
    applicable = [t for t in TESTS if t[5] != "403"]
    assert len(applicable) == 27 and len(TESTS) == 34, "the manifest has 34 entries, 27 for a read-only service"
    assert not failures, "W3C protocol tests failed:\n" + "\n".join(failures)
    assert len(site.store) == before
    status, media, data = send(url, "POST", "/sparql/", DIRECT, b"SELECT (COUNT(*) AS ?n) { GRAPH ?g { ?s ?p ?o } }")
    assert json.loads(data)["results"]["bindings"][0]["n"]["value"] == "6", "the updates changed the data"


def test_construct_resolves_relative_iris_against_the_endpoint(endpoint):
    url, site = endpoint
    status, media, data = send(url, "POST", "/sparql", {**DIRECT, "accept": "application/n-triples"},
                               b"CONSTRUCT { <s> <p> 1 } WHERE {}")
    assert status == 200 and data.decode().startswith(f"<{site.endpoint.rsplit('/', 1)[0]}/s>"), data


def test_service_description(endpoint):
    url, site = endpoint
    status, media, data = send(url, "GET", "/sparql", {"accept": "text/turtle"}, None)
    assert status == 200 and media == "text/turtle"
    sd = Graph().parse(data=data, format="turtle")
    rows = sd.query("""PREFIX sd: <http://www.w3.org/ns/sparql-service-description#>
        PREFIX void: <http://rdfs.org/ns/void#>
        SELECT ?name ?n WHERE { ?s a sd:Service ; sd:endpoint ?s ; sd:supportedLanguage sd:SPARQL11Query ;
                                   sd:feature sd:UnionDefaultGraph ; sd:defaultDataset/sd:namedGraph ?g .
                                ?g sd:name ?name ; sd:graph/void:triples ?n }""")
    counts = {str(name): int(n) for name, n in rows}
    assert counts[f"{KASEI}data1.rdf"] == 1 and len(counts) == 5, counts
    status, media, data = send(url, "GET", "/sparql", {"accept": "text/html,application/xhtml+xml,*/*;q=0.8"}, None)
    assert status == 200 and media == "text/html" and b"yasgui.min.js" in data
