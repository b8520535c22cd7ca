"""The vocabularies as files: the ontology and the shapes in every format, parsing to the same graph as the edited
Turtle, deterministic, and the HTML with an anchor for each hq: term (so `…/ontology#Region` lands on it)."""
from __future__ import annotations

from rdflib import Graph
from rdflib.compare import isomorphic

from graph import resources
from graph.outputs.vocabulary import documents, vocabularies
from graph.rdf.namespaces import HQ, RDF, OWL


def test_every_format_is_the_edited_vocabulary():
    for vocabulary in vocabularies():
        files = documents(vocabulary)
        edited = Graph().parse(vocabulary.source, format="turtle")
        for name, fmt in ((f"{vocabulary.name}.rdf", "xml"), (f"{vocabulary.name}.jsonld", "json-ld"),
                          (f"{vocabulary.name}.nt", "nt"), (f"{vocabulary.name}.ttl", "turtle")):
            assert isomorphic(Graph().parse(data=files[name], format=fmt), edited), name
        assert documents(vocabulary) == files, "two renderings differ"


def test_the_html_has_an_anchor_per_term():
    ontology = Graph().parse(resources.ONTOLOGY, format="turtle")
    html = documents(vocabularies()[0])["ontology.html"].decode()
    terms = {s for s in ontology.subjects(RDF.type, OWL.Class) if str(s).startswith(str(HQ))}
    missing = [t for t in terms if f'id="{str(t)[len(str(HQ)):]}"' not in html]
    assert terms and not missing, missing
