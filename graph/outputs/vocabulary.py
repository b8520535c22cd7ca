"""The vocabularies as files a web server can publish: the ontology and the SHACL shapes in Turtle, RDF/XML,
JSON-LD and N-Triples (and the ontology's HTML documentation), so that their IRIs dereference.

Following the W3C "Best Practice Recipes for Publishing RDF Vocabularies" (recipe 3, hash namespaces with content
negotiation): `https://w3id.org/hongqiao-kg/ontology` (and its version IRI `…/ontology/0.1.0`) answers with a 303 to
`ontology.ttl`, `ontology.rdf`, `ontology.jsonld` or `ontology.html` by the client's Accept; a term such as
`…/ontology#Region` is found in those documents by its fragment (the HTML has an anchor per term). The shapes,
`https://w3id.org/hongqiao-kg/shapes`, the same way. The build writes these files; `hqkg serve` does the negotiation.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from rdflib import Graph

from graph import resources
from graph.outputs.export import canonical, jsonld_bytes, nt_bytes, rdfxml_bytes
from graph.outputs.ontology_docs import render as render_ontology_docs
from graph.rdf.terms import quad_from_rdflib


@dataclass(frozen=True)
class Vocabulary:
    name: str  # 'ontology' or 'shapes': the path below the site root and the files' stem
    source: Path  # the hand-edited Turtle


FORMATS = (  # (extension, media type); the first is the default for clients that accept anything
    ("ttl", "text/turtle"),
    ("rdf", "application/rdf+xml"),
    ("jsonld", "application/ld+json"),
    ("nt", "application/n-triples"),
    ("html", "text/html"),
)


def vocabularies() -> tuple[Vocabulary, ...]:
    return (Vocabulary("ontology", resources.ONTOLOGY), Vocabulary("shapes", resources.SHAPES))


def documents(vocabulary: Vocabulary) -> dict[str, bytes]:
    """{file name: bytes} for one vocabulary: the Turtle exactly as edited, the other formats generated."""
    text = vocabulary.source.read_bytes()
    graph = Graph().parse(data=text, format="turtle")
    # stable blank-node labels; the writers take Oxigraph terms
    triples = [(q.subject, q.predicate, q.object) for q in canonical(quad_from_rdflib(s, p, o) for s, p, o in graph)]
    out = {
        f"{vocabulary.name}.ttl": text,
        f"{vocabulary.name}.rdf": rdfxml_bytes(triples),
        f"{vocabulary.name}.jsonld": jsonld_bytes(triples),
        f"{vocabulary.name}.nt": nt_bytes(triples),
    }
    if vocabulary.name == "ontology":
        out["ontology.html"] = render_ontology_docs(graph).encode("utf-8")
    else:
        out[f"{vocabulary.name}.html"] = _turtle_page(vocabulary.name, text.decode("utf-8")).encode("utf-8")
    return out


def write_vocabularies(folder: Path) -> list[Path]:
    """Write every vocabulary document into `folder` (a build's staging folder)."""
    written = []
    for vocabulary in vocabularies():
        for name, data in documents(vocabulary).items():
            (folder / name).write_bytes(data)
            written.append(folder / name)
    return written


def _turtle_page(name: str, turtle: str) -> str:
    from html import escape

    return (f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>{escape(name)} · hongqiao-kg'
            f'</title></head><body><h1>{escape(name)}</h1><p>Also as <a href="{escape(name)}.ttl">Turtle</a>, '
            f'<a href="{escape(name)}.rdf">RDF/XML</a>, <a href="{escape(name)}.jsonld">JSON-LD</a>.</p>'
            f"<pre>{escape(turtle)}</pre></body></html>\n")
