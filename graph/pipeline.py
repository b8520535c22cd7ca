"""Compose the stages: parse -> link -> assemble -> store -> checks -> outputs, written atomically.

Every output goes to a staging folder beside the target; only a build that completes replaces the previous
output, so a failed build leaves it intact and never a half-written file.
"""
from __future__ import annotations

import csv
import json
import shutil
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import Graph

from graph.assemble import SourceDocument, doc_id_for, oxigraph_quads
from graph.export import dataset_from_store, load_ontology, write_exports as export_all, write_store_turtle
from graph.gazetteer import Gazetteer, load_gazetteer
from graph.link import Matcher, link_document
from graph.namespaces import graph_iri
from graph.network import write_network
from graph.ontology_docs import write_ontology_docs
from graph.pages import write_pages
from graph.parse import parse_file
from graph.reason import reason
from graph.store import Store
from graph.validate import validate

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SOURCES_DIR = ROOT / "data" / "sources"
DEFAULT_ENTITIES_DIR = ROOT / "data" / "entities"
DEFAULT_ONTOLOGY = ROOT / "ontology" / "hongqiao.ttl"
DEFAULT_OUT = ROOT / "build"


class BuildError(RuntimeError):
    """A build that must not produce output (duplicate documents, failed checks…)."""


@dataclass
class BuildOptions:
    sources: list[Path] = field(default_factory=list)
    out: Path = DEFAULT_OUT
    entities_dir: Path = DEFAULT_ENTITIES_DIR
    ontology: Path = DEFAULT_ONTOLOGY
    reasoner: str = "auto"  # auto, hermit or rules (graph/reason.py)
    shacl_engine: str = "auto"  # auto, pyshacl or sparql (graph/shacl.py)


@dataclass
class BuildContext:
    """What the output steps read: the inputs, the assembled store, and the staging folder to write into."""

    options: BuildOptions
    gazetteer: Gazetteer
    documents: list[SourceDocument]
    ontology: Graph
    store: Store
    staging: Path
    timings: dict[str, float] = field(default_factory=dict)
    notes: dict[str, object] = field(default_factory=dict)  # what steps report, merged into build-report.json


# Output steps run in order after the graph is assembled; each writes files into ctx.staging.
OutputStep = Callable[[BuildContext], None]


def default_sources() -> list[Path]:
    return sorted(DEFAULT_SOURCES_DIR.glob("*.txt"))


def load_documents(sources: list[Path], gazetteer: Gazetteer) -> list[SourceDocument]:
    matcher = Matcher(gazetteer)
    documents, seen = [], {}
    for path in sources:
        curated = gazetteer.document_for_source(path.name)
        doc_id = doc_id_for(path.name, curated)
        if doc_id in seen:
            raise BuildError(f"{path}: document id {doc_id!r} is also the id of {seen[doc_id]}")
        seen[doc_id] = path
        linked = link_document(parse_file(path), matcher)
        documents.append(SourceDocument(doc_id, path.name, linked, curated))
    return documents


def assemble_store(gazetteer: Gazetteer, documents: list[SourceDocument], ontology_path: Path) -> Store:
    store = Store()
    store.load(ontology_path, graph_iri("ontology"))
    store.extend(oxigraph_quads(gazetteer, documents))
    return store


def write_graph(ctx: BuildContext) -> None:
    skip = (graph_iri("ontology"), graph_iri("inferred"))
    write_store_turtle(ctx.staging / "graph.ttl", ctx.ontology, ctx.store, skip)


def write_candidates(ctx: BuildContext) -> None:
    with open(ctx.staging / "candidates.csv", "w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(["document", "provision", "start", "end", "text", "rule", "suggestion"])
        for doc in ctx.documents:
            for c in doc.linked.candidates:
                writer.writerow([doc.doc_id, c.provision, c.start, c.end, c.text, c.rule, c.suggestion])


def write_report(ctx: BuildContext) -> None:
    """Counts a curator checks at a glance (and the build's floors read)."""
    report = {"documents": []}
    for doc in ctx.documents:
        mentions = [m for p in doc.linked.provisions for m in p.mentions]
        report["documents"].append({
            "id": doc.doc_id, "file": doc.filename,
            "sections": len(doc.linked.document.sections), "measures": len(doc.linked.document.measures),
            "mentions": len(mentions), "linked_entities": len({(m.kind, m.entity_id) for m in mentions}),
            "candidates": len(doc.linked.candidates),
        })
    used = {(m.kind, m.entity_id) for d in ctx.documents for p in d.linked.provisions for m in p.mentions}
    report["entities"] = {kind: sum(1 for e in ctx.gazetteer.of_kind(kind)) for kind in
                          ("region", "project", "institution", "instrument", "document")}
    report["entities_unused"] = sorted(f"{e.kind}/{e.id}" for e in ctx.gazetteer.entities.values()
                                       if (e.kind, e.id) not in used)
    report["triples"] = len(ctx.store)
    report.update(ctx.notes)
    with open(ctx.staging / "build-report.json", "w", encoding="utf-8") as out:
        json.dump(report, out, ensure_ascii=False, indent=2, sort_keys=True)
        out.write("\n")


def write_exports(ctx: BuildContext) -> None:
    """N-Triples, JSON-LD, RDF/XML, TriG, their gzips, context.jsonld and void.ttl (after write_graph)."""
    export_all(ctx.staging, dataset_from_store(ctx.store))


# write_pages stays last: the index it writes lists every other file of the build.
OUTPUT_STEPS: list[OutputStep] = [reason, validate, write_graph, write_exports, write_candidates, write_report,
                                  write_ontology_docs, write_network, write_pages]


def build(options: BuildOptions, steps: list[OutputStep] | None = None) -> BuildContext:
    """Run the whole build; on any error the previous output folder is left as it was."""
    sources = options.sources or default_sources()
    if not sources:
        raise BuildError(f"no source texts given and none in {DEFAULT_SOURCES_DIR}")
    timings: dict[str, float] = {}
    started = time.perf_counter()
    gazetteer = load_gazetteer(options.entities_dir)
    documents = load_documents(sources, gazetteer)
    timings["parse_link"] = time.perf_counter() - started
    mark = time.perf_counter()
    ontology = load_ontology(options.ontology)
    store = assemble_store(gazetteer, documents, options.ontology)
    timings["assemble"] = time.perf_counter() - mark

    out = options.out.resolve()
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.staging-", dir=out.parent))
    ctx = BuildContext(options, gazetteer, documents, ontology, store, staging, timings)
    try:
        for step in steps if steps is not None else OUTPUT_STEPS:
            mark = time.perf_counter()
            step(ctx)
            timings[step.__name__] = time.perf_counter() - mark
        _replace(out, staging)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    ctx.staging = out
    return ctx


def _replace(out: Path, staging: Path) -> None:
    old = None
    if out.exists():
        old = out.parent / f".{out.name}.old-{staging.name.rsplit('-', 1)[-1]}"
        out.rename(old)
    staging.rename(out)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
