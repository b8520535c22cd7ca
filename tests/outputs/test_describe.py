"""The dataset's description and counts: void.ttl conforms to DCAT-AP 3.0.0 (SEMIC's shapes, tests/data/dcat-ap/),
one count everywhere (the build's message, build-report.json, void.ttl, graph.ttl and graph.trig agree, each
number saying what it counts), and the build's files are readable by others, as a web server needs."""
from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest
from click.testing import CliRunner
from rdflib import Dataset, Graph, URIRef

from graph.outputs.describe import count
from graph.rdf.namespaces import DEFAULT_BASE, VOID

SHAPES = Path(__file__).resolve().parent.parent / "data" / "dcat-ap" / "dcat-ap-3.0.0-SHACL.ttl"


def test_void_conforms_to_dcat_ap_3(built):
    import pyshacl

    data = Graph().parse(built.staging / "void.ttl")
    conforms, _, text = pyshacl.validate(data, shacl_graph=Graph().parse(SHAPES), inference="none", advanced=True)
    assert conforms, text[:4000]


def test_one_count_everywhere(built):
    out = built.staging
    trig = Dataset()
    trig.parse(out / "graph.trig", format="trig")
    quads = [(s, p, o, g) for s, p, o, g in trig.quads((None, None, None, None))]
    counts = count(quads, DEFAULT_BASE)
    asserted = len(Graph().parse(out / "graph.ttl"))
    report = json.loads((out / "build-report.json").read_text(encoding="utf-8"))
    void = Graph().parse(out / "void.ttl")
    declared = void.value(URIRef(f"{DEFAULT_BASE}dataset"), VOID.triples).toPython()
    assert counts.asserted == asserted, "graph.ttl holds the asserted triples"
    assert counts.quads == len(quads) == report["counts"]["quads"]
    assert counts.triples == counts.asserted + counts.inferred == declared == report["triples"]
    assert counts.description == len(void) == report["counts"]["description"]
    per_graph = {str(g): void.value(g, VOID.triples).toPython() for g in void.objects(None, VOID.subset)}
    assert {g: n for g, n in report["counts"]["graphs"].items() if g in per_graph} == per_graph


def test_the_build_message_says_what_each_number_counts(tmp_path):
    from graph.cli import main

    result = CliRunner().invoke(main, ["build", "--out", str(tmp_path / "out"), "--skip", "pages",
                                       "--skip", "network"])
    assert result.exit_code == 0, result.output
    report = json.loads((tmp_path / "out" / "build-report.json").read_text(encoding="utf-8"))
    c = report["counts"]
    assert (f"{c['triples']} triples ({c['asserted']} asserted in graph.ttl + {c['inferred']} inferred); "
            f"graph.trig: {c['quads']} quads") in result.output


def test_build_files_are_readable_by_others(built):
    out = built.staging
    assert stat.S_IMODE(out.stat().st_mode) == 0o755
    for path in out.rglob("*"):
        mode = stat.S_IMODE(path.stat().st_mode)
        assert mode == (0o755 if path.is_dir() else 0o644), f"{path.relative_to(out)} is {oct(mode)}"
    assert (out / "network").is_dir()


DL_CHECK = """
import java.io.File;
import org.semanticweb.owlapi.apibinding.OWLManager;
import org.semanticweb.owlapi.model.OWLOntology;
import org.semanticweb.owlapi.profiles.*;
public class DLCheck {
  public static void main(String[] args) throws Exception {
    OWLOntology o = OWLManager.createOWLOntologyManager().loadOntologyFromOntologyDocument(new File(args[0]));
    for (OWLProfileViolation v : new OWL2DLProfile().checkOntology(o).getViolations()) System.out.println(v);
  }
}
"""


@pytest.mark.slow
@pytest.mark.skipif(__import__("shutil").which("javac") is None, reason="needs a JDK")
def test_the_combined_graph_is_owl2_dl(built, tmp_path):
    """graph.rdf (ontology + asserted data) under the OWL API profile checker tests/test_ontology.py uses (3.4, from
    owlready2's HermiT). As there, rdf:langString (RDF 1.1, unknown to that 2013 API) is read as rdf:PlainLiteral."""
    import os
    import subprocess

    import owlready2

    jar = str(Path(owlready2.__file__).parent / "hermit" / "HermiT.jar")
    text = (built.staging / "graph.rdf").read_text(encoding="utf-8")
    langstring = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"
    assert langstring in text
    checked = tmp_path / "graph-owlapi3.rdf"
    checked.write_text(text.replace(langstring, "http://www.w3.org/1999/02/22-rdf-syntax-ns#PlainLiteral"),
                       encoding="utf-8")
    (tmp_path / "DLCheck.java").write_text(DL_CHECK)
    subprocess.run(["javac", "-cp", jar, "-d", str(tmp_path), str(tmp_path / "DLCheck.java")], check=True,
                   capture_output=True, timeout=120)
    run = subprocess.run(["java", "-cp", f"{jar}{os.pathsep}{tmp_path}", "DLCheck", str(checked)],
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr[-2000:]
    violations = [line[:300] for line in run.stdout.splitlines() if line.strip()]
    assert not violations, "OWL 2 DL profile violations in graph.rdf:\n" + "\n".join(violations[:20])
