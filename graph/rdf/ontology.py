"""The ontology file read as an rdflib graph (rdflib introspects it: reasoning, shapes, docs, the Turtle header).

Any problem of the file is a StoreError `file:line: message`: Oxigraph's parser finds the line (rdflib's Turtle
parser counts lines from where it resynchronised, 30 lines off in a test), then rdflib reads it.
"""
from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
from rdflib import Graph

from graph.ingest.sources import SourceError, read_regular_file
from graph.rdf.namespaces import bind_prefixes
from graph.rdf.store import StoreError, check_rdf_syntax

# The ontology is some 40 KB of Turtle; a file a thousand times larger is not it.
ONTOLOGY_MAX_BYTES = 64 * 2**20


def load_ontology(path: Path) -> Graph:
    path = Path(path)
    try:
        data = read_regular_file(path, ONTOLOGY_MAX_BYTES)
    except SourceError as error:
        raise StoreError(str(error)) from None
    base = path.resolve().as_uri()
    check_rdf_syntax(data, ox.RdfFormat.TURTLE, str(path), base)
    graph = Graph()
    try:
        graph.parse(data=data, format="turtle", publicID=base)
    except SyntaxError as error:  # rdflib's BadSyntax: Oxigraph accepted what rdflib does not
        line = getattr(error, "lines", 0) + 1
        raise StoreError(f"{path}:{line}: Turtle syntax error: {getattr(error, '_why', error)}") from None
    except (ValueError, UnicodeDecodeError) as error:
        raise StoreError(f"{path}:1: cannot be read as Turtle: {error}") from None
    return bind_prefixes(graph)
