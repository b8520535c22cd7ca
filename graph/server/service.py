"""The SPARQL 1.1 Service Description of the endpoint: what `GET /sparql` without a query answers to a machine.

It names the endpoint, the language (SPARQL 1.1 Query only: the service is read-only), every result format, the
UnionDefaultGraph feature (without `default-graph-uri` the default graph is the union of the named graphs) and the
default dataset with each named graph and its triple count. The nodes have IRIs under the endpoint's own IRI
(`…/sparql#dataset`), not blank nodes, so the description can be queried and linked to.
"""
from __future__ import annotations

import pyoxigraph as ox

from graph.rdf.namespaces import PREFIXES
from graph.rdf.store import Store

SD = "http://www.w3.org/ns/sparql-service-description#"
FORMATS = "http://www.w3.org/ns/formats/"
VOID = PREFIXES["void"]
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
TYPES = {  # media type -> Oxigraph format; the first is the default
    "text/turtle": ox.RdfFormat.TURTLE,
    "application/rdf+xml": ox.RdfFormat.RDF_XML,
    "application/n-triples": ox.RdfFormat.N_TRIPLES,
    "application/ld+json": "jsonld",  # written by graph.outputs.export, like every JSON-LD of the project
}
RESULT_FORMATS = ("SPARQL_Results_JSON", "SPARQL_Results_XML", "SPARQL_Results_CSV", "SPARQL_Results_TSV",
                  "Turtle", "N-Triples", "RDF_XML", "JSON-LD")


def graph_counts(store: Store) -> list[tuple[str, int]]:
    """(named graph IRI, triples) for every named graph of the store, sorted by IRI."""
    answer = store.raw().query("SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g")
    return sorted((row["g"].value, int(row["n"].value)) for row in answer if isinstance(row["g"], ox.NamedNode))


def description(endpoint: str, store: Store) -> list[ox.Triple]:
    def iri(value: str) -> ox.NamedNode:
        return ox.NamedNode(value)

    service, dataset, default = iri(endpoint), iri(f"{endpoint}#dataset"), iri(f"{endpoint}#default-graph")
    out = [
        ox.Triple(service, iri(RDF_TYPE), iri(SD + "Service")),
        ox.Triple(service, iri(SD + "endpoint"), service),
        ox.Triple(service, iri(SD + "supportedLanguage"), iri(SD + "SPARQL11Query")),
        ox.Triple(service, iri(SD + "feature"), iri(SD + "UnionDefaultGraph")),
        ox.Triple(service, iri(SD + "defaultDataset"), dataset),
        ox.Triple(dataset, iri(RDF_TYPE), iri(SD + "Dataset")),
        ox.Triple(dataset, iri(SD + "defaultGraph"), default),
        ox.Triple(default, iri(RDF_TYPE), iri(SD + "Graph")),
    ]
    out += [ox.Triple(service, iri(SD + "resultFormat"), iri(FORMATS + name)) for name in RESULT_FORMATS]
    total = 0
    for number, (name, count) in enumerate(graph_counts(store)):
        named, graph = iri(f"{endpoint}#named-graph-{number}"), iri(f"{endpoint}#graph-{number}")
        out += [ox.Triple(dataset, iri(SD + "namedGraph"), named),
                ox.Triple(named, iri(RDF_TYPE), iri(SD + "NamedGraph")),
                ox.Triple(named, iri(SD + "name"), iri(name)),
                ox.Triple(named, iri(SD + "graph"), graph),
                ox.Triple(graph, iri(RDF_TYPE), iri(SD + "Graph")),
                ox.Triple(graph, iri(VOID + "triples"), ox.Literal(str(count), datatype=iri(PREFIXES["xsd"] + "integer")))]
        total += count
    # The union default graph holds every quad's triple once per graph it is in (as the union sees them).
    out.append(ox.Triple(default, iri(VOID + "triples"),
                         ox.Literal(str(total), datatype=iri(PREFIXES["xsd"] + "integer"))))
    return out


def description_bytes(endpoint: str, store: Store, media_type: str) -> bytes:
    prefixes = {"sd": SD, "void": VOID, "formats": FORMATS}
    fmt = TYPES[media_type]
    if media_type == "application/ld+json":
        from graph.outputs.export import jsonld_bytes
        from graph.rdf.store import from_ox

        return jsonld_bytes([(from_ox(t.subject), from_ox(t.predicate), from_ox(t.object))
                             for t in description(endpoint, store)])
    return ox.serialize(description(endpoint, store), format=fmt, prefixes=prefixes)
