"""The one module that knows the build: ingest -> rdf -> the registered steps (checks, then outputs), swapped in whole.

Stages are plain functions of their inputs and never import this module. Each step below adapts one stage to the
build: it reads the `BuildContext` and writes into its staging folder. `STEPS` is the registry `hqkg build` lists
(`--list-steps`), selects (`--only`) and skips (`--skip`). Every output goes to a staging folder beside the target;
only a build that completes replaces the previous output, so a failed build leaves it intact.
"""
from __future__ import annotations

import csv
import json
import shutil
import tempfile
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import Graph

from graph import resources
from graph.checks.validate import REPORT_FILE, SourceFiles, ValidationError, unused_entities, validate_store
from graph.ingest.gazetteer import Gazetteer, load_gazetteer
from graph.ingest.link import Matcher, link_document
from graph.ingest.parse import parse_file
from graph.outputs.export import (
    FORMATS, dataset_from_store, load_ontology, write_exports, write_store_turtle,
)
from graph.outputs.network import export_network, region_network
from graph.outputs.ontology_docs import OUTPUT_FILE as ONTOLOGY_DOCS_FILE, render as render_ontology_docs
from graph.rdf.assemble import SourceDocument, doc_id_for, oxigraph_quads
from graph.rdf.namespaces import DEFAULT_BASE, graph_iri
from graph.rdf.statements import statement_quads
from graph.rdf.store import Store
from graph.reason.reach import materialise_reach
from graph.reason.infer import reason_store
from graph.site.pages import write_site

DEFAULT_SOURCES_DIR = resources.SOURCES
DEFAULT_ENTITIES_DIR = resources.ENTITIES
DEFAULT_ONTOLOGY = resources.ONTOLOGY
DEFAULT_OUT = resources.default_out()


class BuildError(RuntimeError):
    """A build that must not produce output (duplicate documents, unknown steps…)."""


@dataclass
class BuildOptions:
    sources: list[Path] = field(default_factory=list)
    out: Path = DEFAULT_OUT
    entities_dir: Path = DEFAULT_ENTITIES_DIR
    ontology: Path = DEFAULT_ONTOLOGY
    # The build's engines are the fast ones; HermiT and pySHACL are cross-checks of the QC lane (docs/validation.md).
    reasoner: str = "rules"  # rules, hermit or auto (graph/reason/infer.py)
    shacl_engine: str = "sparql"  # sparql, pyshacl or auto (graph/checks/shacl.py)
    only: tuple[str, ...] = ()  # run just these steps (names from STEPS)
    skip: tuple[str, ...] = ()  # run every step but these


@dataclass
class BuildContext:
    """What the steps read: the inputs, the assembled store, and the staging folder to write into."""

    options: BuildOptions
    gazetteer: Gazetteer
    documents: list[SourceDocument]
    ontology: Graph
    store: Store
    staging: Path
    timings: dict[str, float] = field(default_factory=dict)
    notes: dict[str, object] = field(default_factory=dict)  # what steps report, merged into build-report.json


@dataclass(frozen=True)
class Step:
    name: str
    kind: str  # "check": may stop the build; "output": writes files
    run: Callable[[BuildContext], None]
    summary: str


# --- ingest and assemble ------------------------------------------------------------------------------------------

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
    store.extend(statement_quads(gazetteer, documents))
    materialise_reach(store)
    return store


# --- the steps ------------------------------------------------------------------------------------------------------

def reason(ctx: BuildContext) -> None:
    ctx.notes["reasoning"] = reason_store(ctx.store, ctx.ontology, ctx.options.reasoner).summary()


def validate(ctx: BuildContext) -> None:
    sources = SourceFiles(files=ctx.options.sources, folders=[DEFAULT_SOURCES_DIR])
    report = validate_store(ctx.store, sources, engine=ctx.options.shacl_engine)
    ctx.notes["validation"] = report.summary()
    if report.violations:
        raise ValidationError(report)
    (ctx.staging / REPORT_FILE).write_text(report.text(), encoding="utf-8")


def write_graph_turtle(ctx: BuildContext) -> Path:
    """graph.ttl, streamed from the store: the ontology and the asserted data (the benchmark times it alone)."""
    turtle = ctx.staging / FORMATS["ttl"].filename
    write_store_turtle(turtle, ctx.ontology, ctx.store, (graph_iri("ontology"), graph_iri("inferred")))
    return turtle


def write_graph_exports(ctx: BuildContext) -> None:
    """graph.ttl, then every other format, the gzips, context.jsonld and void.ttl."""
    turtle = write_graph_turtle(ctx)
    write_exports(ctx.staging, dataset_from_store(ctx.store), turtle=turtle.read_bytes())


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
    report["entities"] = {kind: sum(1 for e in ctx.gazetteer.of_kind(kind)) for kind in
                          ("region", "project", "institution", "instrument", "document")}
    report["entities_unused"] = [iri.removeprefix(DEFAULT_BASE) for iri in unused_entities(ctx.store)]
    report["triples"] = len(ctx.store)
    report.update(ctx.notes)
    with open(ctx.staging / "build-report.json", "w", encoding="utf-8") as out:
        json.dump(report, out, ensure_ascii=False, indent=2, sort_keys=True)
        out.write("\n")


def write_ontology_docs(ctx: BuildContext) -> None:
    (ctx.staging / ONTOLOGY_DOCS_FILE).write_text(render_ontology_docs(ctx.ontology), encoding="utf-8")


def write_network(ctx: BuildContext) -> None:
    export_network(region_network(ctx.store), ctx.staging / "network")


def write_pages(ctx: BuildContext) -> None:
    write_site(ctx.store, ctx.staging)


# The order is the build's: checks first (validation sees the inferred graph), and the pages last, since the index
# they write lists every other file of the build.
STEPS: tuple[Step, ...] = (
    Step("reason", "check", reason, "infer what the ontology entails into the inferred graph; stop on a contradiction"),
    Step("validate", "check", validate, "SHACL, *-violation.rq, quotes at offsets, floors; stop on a violation"),
    Step("exports", "output", write_graph_exports, "graph.ttl, .nt, .jsonld, .rdf, .trig, gzips, context, void.ttl"),
    Step("candidates", "output", write_candidates, "candidates.csv: names that look like entities, not curated"),
    Step("report", "output", write_report, "build-report.json: counts, reasoning and validation summaries"),
    Step("ontology-docs", "output", write_ontology_docs, "ontology.html"),
    Step("network", "output", write_network, "network/: region linkage network (GraphML, CSV) with centralities"),
    Step("pages", "output", write_pages, "index.html and the interactive pages"),
)


def select_steps(only: Iterable[str] = (), skip: Iterable[str] = ()) -> list[Step]:
    """The registered steps to run, in build order; unknown names are an error."""
    only, skip = tuple(only), tuple(skip)
    known = {step.name for step in STEPS}
    unknown = sorted((set(only) | set(skip)) - known)
    if unknown:
        raise BuildError(f"unknown step(s) {', '.join(unknown)} (steps: {', '.join(s.name for s in STEPS)})")
    return [s for s in STEPS if (not only or s.name in only) and s.name not in skip]


def build(options: BuildOptions, steps: list[Step] | None = None) -> BuildContext:
    """Run the whole build; on any error the previous output folder is left as it was."""
    steps = select_steps(options.only, options.skip) if steps is None else steps
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
        for step in steps:
            mark = time.perf_counter()
            step.run(ctx)
            timings[step.name] = time.perf_counter() - mark
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
