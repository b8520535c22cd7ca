"""graph/ontology_docs.py: ontology.html documents every hq: term with its zh and en labels, escapes every text,
loads nothing, is the same from run to run, and is in the build output, linked from index.html."""
from __future__ import annotations

import hashlib
import re
import subprocess
import sys
from pathlib import Path

import pytest
from rdflib import Graph, Literal, URIRef

from graph.rdf.namespaces import HQ, OWL, RDF, RDFS, SKOS
from graph.outputs.ontology_docs import render, terms_of

ROOT = Path(__file__).resolve().parents[2]
ONTOLOGY = ROOT / "ontology" / "hongqiao.ttl"


@pytest.fixture(scope="module")
def onto() -> Graph:
    return Graph().parse(ONTOLOGY, format="turtle")


@pytest.fixture(scope="module")
def page(onto) -> str:
    return render(onto)


def test_every_term_has_its_section_with_both_labels(onto, page):
    kinds = (OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty, OWL.NamedIndividual)
    terms = [t for kind in kinds for t in terms_of(onto, kind)]
    assert len(terms) > 50
    for term in terms:
        local = str(term)[len(str(HQ)):]
        match = re.search(rf'<section class="term" id="{local}">(.*?)</section>', page, re.S)
        assert match, f"no section for hq:{local}"
        for label in onto.objects(term, RDFS.label):
            assert str(label) in match.group(1), f"hq:{local}: label {label!r} missing"
        for definition in onto.objects(term, SKOS.definition):
            assert str(definition).replace('"', "&quot;").replace("'", "&#x27;") in match.group(1), \
                f"hq:{local}: definition missing"


def test_axioms_are_shown(page):
    measure_naming = re.search(r'id="MeasureNamingInfrastructure">(.*?)</section>', page, re.S).group(1)
    assert "<b>and</b>" in measure_naming and "<b>some</b>" in measure_naming, measure_naming
    reaches = re.search(r'id="reachesRegion">(.*?)</section>', page, re.S).group(1)
    assert " ∘ " not in reaches, "reach is the rule of graph/reason/reach.py, not property chains"
    quote = re.search(r'id="quote">(.*?)</section>', page, re.S).group(1)
    assert "<b>or</b>" in quote and "hq:Linkage" in quote, "the union domain of hq:quote is shown"
    part_of = re.search(r'id="partOf">(.*?)</section>', page, re.S).group(1)
    assert "transitive" in part_of
    county = re.search(r'id="CountyLevelRegion">(.*?)</section>', page, re.S).group(1)
    assert "<b>only</b>" in county and "<b>or</b>" in county, "the level restriction is shown"


def test_the_page_loads_nothing_and_runs_nothing(page):
    assert "<script" not in page and "<link" not in page and " src=" not in page
    assert not re.search(r"url\(", page)


def test_every_text_is_escaped():
    graph = Graph()
    hostile = URIRef(f"{HQ}Hostile")
    graph.add((hostile, RDF.type, OWL.Class))
    graph.add((hostile, RDFS.label, Literal('<img src=x onerror=alert(1)>', lang="en")))
    graph.add((hostile, SKOS.definition, Literal("<script>alert(2)</script> & more", lang="zh")))
    text = render(graph)
    assert "<img" not in text and "<script>" not in text
    assert "&lt;img src=x onerror=alert(1)&gt;" in text and "&lt;script&gt;alert(2)&lt;/script&gt; &amp; more" in text


def test_the_page_is_the_same_in_every_process():
    code = ("import sys, hashlib; from pathlib import Path; from rdflib import Graph; "
            "from graph.outputs.ontology_docs import render; "
            f"print(hashlib.sha256(render(Graph().parse({str(ONTOLOGY)!r})).encode()).hexdigest())")
    digests = {subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                              cwd=ROOT).stdout.strip() for _ in range(2)}
    here = hashlib.sha256(render(Graph().parse(ONTOLOGY)).encode()).hexdigest()
    assert digests == {here}


def test_the_build_writes_it_and_the_index_links_it(built):
    page = built.staging / "ontology.html"
    assert page.is_file() and "hq:reachesRegion" in page.read_text(encoding="utf-8")
    assert 'href="ontology.html"' in (built.staging / "index.html").read_text(encoding="utf-8")
