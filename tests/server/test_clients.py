"""The clients linked-data users already have, with their default settings, against the real server on the real
build: SPARQLWrapper (every return format, GET and POST, all four query forms), rdflib's SPARQLStore, and the
request YASGUI sends (its defaults, read from its source and its requests: POST form, Accept
`application/sparql-results+json,*/*;q=0.9`, CONSTRUCT with `application/n-triples,*/*;q=0.9`). Every answer is
compared with the same query answered locally."""
from __future__ import annotations

import json
import urllib.parse
import urllib.request

import pytest
from rdflib import Graph, URIRef

from graph.rdf.namespaces import PREFIXES

pytestmark = pytest.mark.slow

SELECT = (f"PREFIX hq: <{PREFIXES['hq']}> SELECT ?m ?n WHERE {{ ?m a hq:Measure ; hq:number ?n }} ORDER BY ?n")
ASK = f"PREFIX hq: <{PREFIXES['hq']}> ASK {{ ?m a hq:Measure }}"
CONSTRUCT = (f"PREFIX hq: <{PREFIXES['hq']}> CONSTRUCT {{ ?m hq:mentionsRegion ?r }} "
             f"WHERE {{ ?m hq:mentionsRegion ?r }}")
KUNSHAN = "https://w3id.org/hongqiao-kg/id/region/kunshan"
DESCRIBE = f"DESCRIBE <{KUNSHAN}>"


@pytest.fixture(scope="module")
def endpoint(built, start_server):
    url, site, _ = start_server(built.staging)
    return url + "/sparql", site


@pytest.fixture(scope="module")
def local(built):
    from graph.rdf.store import Store

    store = Store()
    store.load(built.staging / "graph.trig")
    raw = store.raw()
    measures = [(s["m"].value, int(s["n"].value)) for s in raw.query(SELECT, use_default_graph_as_union=True)]
    links = {(t.subject.value, t.object.value) for t in raw.query(CONSTRUCT, use_default_graph_as_union=True)}
    return measures, links


def _select_rows(result, fmt: str) -> list[tuple[str, int]]:
    """(measure IRI, number) rows from SPARQLWrapper's converted result in any tabular format."""
    import csv
    import io

    if fmt == "json":
        return [(b["m"]["value"], int(b["n"]["value"])) for b in result["results"]["bindings"]]
    if fmt == "xml":
        ns = "{http://www.w3.org/2005/sparql-results#}"
        rows = []
        for r in result.getElementsByTagName("result"):
            values = {b.getAttribute("name"): b.firstChild.firstChild.nodeValue for b in r.getElementsByTagName("binding")}
            rows.append((values["m"], int(values["n"])))
        return rows
    text = result.decode() if isinstance(result, bytes) else result
    reader = csv.reader(io.StringIO(text), delimiter="," if fmt == "csv" else "\t")
    next(reader)
    rows = []
    for m, n in reader:
        m = m.strip("<>")
        rows.append((m, int(n.split("^^")[0].strip('"'))))
    return rows


def test_sparqlwrapper_matrix(endpoint, local):
    from SPARQLWrapper import CSV, GET, JSON, JSONLD, N3, POST, RDFXML, SPARQLWrapper, TSV, TURTLE, XML

    url, _ = endpoint
    measures, links = local
    failures, checks = [], 0
    for method in (GET, POST):
        for fmt, name in ((JSON, "json"), (XML, "xml"), (CSV, "csv"), (TSV, "tsv"), (None, "xml")):
            client = SPARQLWrapper(url)  # defaults: XML results, GET
            client.setMethod(method)
            if fmt is not None:
                client.setReturnFormat(fmt)
            client.setQuery(SELECT)
            checks += 1
            try:
                rows = _select_rows(client.query().convert(), name)
                if rows != measures:
                    failures.append(f"SELECT {method} {fmt}: {len(rows)} rows, expected {len(measures)}")
            except Exception as error:  # noqa: BLE001 (any client error is a failure to report)
                failures.append(f"SELECT {method} {fmt}: {error!r}"[:300])
            client.setQuery(ASK)
            checks += 1
            try:
                answer = client.query().convert()
                value = answer["boolean"] if name == "json" else (
                    answer.getElementsByTagName("boolean")[0].firstChild.nodeValue == "true" if name == "xml"
                    else None)
                if name in ("json", "xml") and value is not True:
                    failures.append(f"ASK {method} {fmt}: {value!r}")
            except Exception as error:  # noqa: BLE001
                failures.append(f"ASK {method} {fmt}: {error!r}"[:300])
        for fmt in (None, XML, RDFXML, TURTLE, N3, JSONLD, JSON):
            for query in (CONSTRUCT, DESCRIBE):
                client = SPARQLWrapper(url)
                client.setMethod(method)
                if fmt is not None:
                    client.setReturnFormat(fmt)
                client.setQuery(query)
                checks += 1
                try:
                    result = client.query().convert()
                    graph = result if isinstance(result, Graph) else Graph().parse(
                        data=result, format={TURTLE: "turtle", N3: "turtle", JSONLD: "json-ld",
                                             JSON: "json-ld"}.get(fmt, "xml"))
                    if query == CONSTRUCT:
                        got = {(str(s), str(o)) for s, _, o in graph}
                        if got != links:
                            failures.append(f"CONSTRUCT {method} {fmt}: {len(got)} links, expected {len(links)}")
                    elif (URIRef(KUNSHAN), None, None) not in graph:
                        failures.append(f"DESCRIBE {method} {fmt}: nothing about kunshan")
                except Exception as error:  # noqa: BLE001
                    failures.append(f"{query.split()[0] if query == DESCRIBE else 'CONSTRUCT'} {method} {fmt}: "
                                    f"{error!r}"[:300])
    assert checks == 48
    assert not failures, f"{len(failures)} of {checks} SPARQLWrapper checks failed:\n" + "\n".join(failures)


def test_rdflib_sparqlstore(endpoint, local):
    from rdflib.plugins.stores.sparqlstore import SPARQLStore

    url, _ = endpoint
    measures, links = local
    graph = Graph(SPARQLStore(url))  # defaults: GET, XML results, CONSTRUCT as RDF/XML
    rows = [(str(m), int(n)) for m, n in graph.query(SELECT)]
    assert rows == measures
    assert graph.query(ASK).askAnswer is True
    assert {(str(s), str(o)) for s, _, o in graph.query(CONSTRUCT)} == links
    assert len(graph) > 0  # SPARQLStore's own COUNT query


def test_the_request_yasgui_sends(endpoint, local):
    url, _ = endpoint
    measures, links = local
    for query, accept in ((SELECT, "application/sparql-results+json,*/*;q=0.9"),
                          (CONSTRUCT, "application/n-triples,*/*;q=0.9")):
        request = urllib.request.Request(url, data=urllib.parse.urlencode({"query": query}).encode(), method="POST",
                                         headers={"Content-Type": "application/x-www-form-urlencoded; charset=UTF-8",
                                                  "Accept": accept, "Origin": "null"})
        with urllib.request.urlopen(request, timeout=30) as response:
            assert response.headers["Access-Control-Allow-Origin"] == "*"
            body = response.read()
            if query == SELECT:
                bindings = json.loads(body)["results"]["bindings"]
                assert [(b["m"]["value"], int(b["n"]["value"])) for b in bindings] == measures
            else:
                assert response.headers["Content-Type"].startswith("application/n-triples")
                got = {(str(s), str(o)) for s, _, o in Graph().parse(data=body, format="nt")}
                assert got == links


def test_the_query_editor_page_offers_every_named_question(endpoint):
    from graph.query.named import all_queries

    url, _ = endpoint
    base = url.rsplit("/", 1)[0]
    with urllib.request.urlopen(urllib.request.Request(base + "/sparql-ui"), timeout=30) as response:
        page = response.read().decode()
        policy = response.headers["Content-Security-Policy"]
    assert "connect-src 'self'" in policy and "script-src 'self'" in policy
    block = page.split('<script type="application/json" id="examples">', 1)[1].split("</script>", 1)[0]
    examples = json.loads(block)
    questions = [q for q in all_queries() if not q.is_check]
    assert [e["name"] for e in examples] == [q.title or q.name for q in questions]
    for asset in ("yasgui.min.js", "yasgui.min.css", "start.js", "LICENSE-yasgui.txt"):
        with urllib.request.urlopen(f"{base}/sparql-ui/{asset}", timeout=30) as response:
            assert response.status == 200 and len(response.read()) > 100
