"""Publishing into a real Oxigraph server on loopback: by the Graph Store Protocol and by the SPARQL Update fallback,
twice each, and the store holds the same triples as after the first time."""
from __future__ import annotations

import json
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from click.testing import CliRunner
import pyoxigraph as ox
from rdflib import BNode, Graph, URIRef
from rdflib.compare import isomorphic

from graph.cli import main
from graph.outputs.export import load_dataset
from graph.rdf.namespaces import graph_iri
from graph.publish.gsp import PublishError, Target, chunks, plan, publish, skolemise

OXIGRAPH = shutil.which("oxigraph") or str(Path(sys.executable).with_name("oxigraph"))
pytestmark = [pytest.mark.slow,  # a real server: the full suite runs it
              pytest.mark.skipif(not Path(OXIGRAPH).is_file(),
                                 reason="the oxigraph server binary is missing (pip install oxigraph)")]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def oxigraph(tmp_path):
    """A fresh Oxigraph server with an on-disk store; yields its base URL."""
    port = _free_port()
    process = subprocess.Popen([OXIGRAPH, "serve", "--location", str(tmp_path / "store"),
                                "--bind", f"127.0.0.1:{port}"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            with urllib.request.urlopen(f"{url}/query?query=ASK%7B%7D", timeout=2):
                break
        except (urllib.error.URLError, ConnectionError):
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                pytest.fail(f"oxigraph did not start: {process.stderr.read().decode()[:500]}")
            time.sleep(0.1)
    yield url
    process.terminate()
    process.wait(10)


def _counts(url: str) -> dict[str, int]:
    """Triples per named graph, and in the default graph (key ''), as the store itself counts them."""
    query = ("SELECT ?g (COUNT(*) AS ?n) WHERE { { GRAPH ?g { ?s ?p ?o } } UNION { ?s ?p ?o } } GROUP BY ?g")
    request = urllib.request.Request(f"{url}/query?" + urllib.parse.urlencode({"query": query}),
                                     headers={"Accept": "application/sparql-results+json"})
    with urllib.request.urlopen(request, timeout=30) as response:
        rows = json.loads(response.read())["results"]["bindings"]
    return {row.get("g", {}).get("value", ""): int(row["n"]["value"]) for row in rows}


def _graph(url: str, iri: str) -> Graph:
    request = urllib.request.Request(f"{url}/store?graph={urllib.parse.quote(iri, safe='')}",
                                     headers={"Accept": "application/n-triples"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return Graph().parse(data=response.read(), format="nt")


def _expected(built) -> dict[str, int]:
    """Triples per graph as published by default: every named graph, and graph.ttl's triples as the default ('')."""
    return {("" if g is None else str(g)): len(t) for g, t in plan(load_dataset(built.staging), default_graph="merged")}


def _sent(report) -> dict[str, int]:
    return {("" if g == "(default graph)" else g): n for g, n in report.graphs}


def test_graph_store_protocol_twice_gives_the_same_store(built, oxigraph):
    expected = _expected(built)
    inferred = expected[str(graph_iri("inferred"))]
    assert expected[""] == len((built.staging / "graph.nt").read_bytes().splitlines()) + inferred, \
        "default graph = graph.ttl's triples and the inferred ones"
    first = publish(built.staging, Target(f"{oxigraph}/store"))
    assert first.method == "gsp" and _sent(first) == expected
    after_one = _counts(oxigraph)
    assert after_one == expected, "the store does not hold what was sent"
    second = publish(built.staging, Target(f"{oxigraph}/store"))
    assert second.method == "gsp"
    assert _counts(oxigraph) == after_one
    ontology = _graph(oxigraph, str(graph_iri("ontology")))
    assert isomorphic(ontology, built.ontology), "the ontology's blank-node axioms did not survive"


def test_update_fallback_twice_gives_the_same_store(built, oxigraph):
    expected = _expected(built)
    # /update has no Graph Store Protocol: the first PUT fails and the publisher falls back to SPARQL Update.
    target = Target(f"{oxigraph}/update")
    report = publish(built.staging, target, chunk=100)
    assert report.method == "update" and report.requests > len(expected)
    assert _counts(oxigraph) == expected
    publish(built.staging, target, chunk=100)
    assert _counts(oxigraph) == expected
    # Blank nodes arrive skolemised (<base>genid/<label>), the same IRIs every time: the same graph, no duplicates.
    dataset = load_dataset(built.staging)
    sent = [t for g, ts in plan(dataset) if g == graph_iri("ontology") for t in ts]
    skolemised = Graph()
    for t in skolemise(sent, dataset.base):
        skolemised.add(t)
    ontology = _graph(oxigraph, str(graph_iri("ontology")))
    assert isomorphic(ontology, skolemised) and not any(isinstance(x, BNode) for t in ontology for x in t)


def test_one_graph_for_everything_replaces_only_that_graph(built, oxigraph):
    into = "http://example.org/hongqiao"
    publish(built.staging, Target(f"{oxigraph}/store"))
    before = _counts(oxigraph)
    for _ in range(2):
        publish(built.staging, Target(f"{oxigraph}/store", f"{oxigraph}/update"), graph=into, method="update")
    distinct = len({t for _, triples in plan(load_dataset(built.staging)) for t in triples})
    assert _counts(oxigraph) == {**before, into: distinct}


def test_cli_publish(built, oxigraph):
    result = CliRunner().invoke(main, ["publish", "--endpoint", f"{oxigraph}/store", "--data", str(built.staging)])
    assert result.exit_code == 0, result.output
    assert "Graph Store Protocol" in result.output
    assert sum(_counts(oxigraph).values()) == sum(_expected(built).values())


def test_unreachable_or_refusing_store_gives_a_clear_error(built, oxigraph):
    port = _free_port()
    with pytest.raises(PublishError, match=f"127.0.0.1:{port}.*cannot reach the store"):
        publish(built.staging, Target(f"http://127.0.0.1:{port}/store"))
    with pytest.raises(PublishError, match="HTTP 4"):  # /query accepts neither PUT nor updates
        publish(built.staging, Target(f"{oxigraph}/query"), method="gsp")
    with pytest.raises(PublishError, match="--graph"):
        publish(Path(__file__).resolve().parents[2] / "ontology" / "hongqiao.ttl", Target(f"{oxigraph}/store"))


def test_chunks_keep_blank_node_structures_together(built):
    triples = [t for g, ts in plan(load_dataset(built.staging)) if g == graph_iri("ontology") for t in ts]
    pieces = chunks(triples, 10)
    nt = lambda t: tuple(map(str, t))  # noqa: E731  (Oxigraph terms of different kinds do not compare)
    assert sorted((t for piece in pieces for t in piece), key=nt) == sorted(triples, key=nt)
    owner: dict[ox.BlankNode, int] = {}
    for number, piece in enumerate(pieces):
        for t in piece:
            for term in (t[0], t[2]):
                if isinstance(term, ox.BlankNode):  # the dataset's quads are Oxigraph terms
                    assert owner.setdefault(term, number) == number, f"{term} is in two chunks"
    assert any(len(p) > 10 for p in pieces), "the ontology's axioms are larger than one chunk of 10"
    assert all(isinstance(g, URIRef) for g, _ in plan(load_dataset(built.staging)))
