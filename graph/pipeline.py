"""The one module that knows the build: ingest -> rdf -> the registered steps (checks, then outputs), swapped in whole.

Stages are plain functions of their inputs and never import this module. Each step below adapts one stage to the
build: it reads the `BuildContext` and writes into its staging folder. `STEPS` is the registry `hqkg build` lists
(`--list-steps`), selects (`--only`) and skips (`--skip`). Every output goes to a staging folder beside the target;
only a build that completes replaces the previous output, so a failed build leaves it intact.

Each text's per-document results (parse, links, its own quads and statements) are cached in the output folder
(`.cache/`, graph/outputs/buildcache.py) and reused while nothing they depend on changes; what depends on several
texts or on the whole graph (cross-document quads, reach, every step) is made again by every build.
"""
from __future__ import annotations

import contextlib
import csv
import json
import logging
import tempfile
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from itertools import chain
from pathlib import Path

import networkx as nx
import pyoxigraph as ox
from rdflib import Graph

from graph import resources
from graph.checks.validate import REPORT_FILE, SourceFiles, ValidationError, unused_entities, validate_store
from graph.ingest.gazetteer import Gazetteer, load_gazetteer
from graph.ingest.link import Matcher, link_document, title_key
from graph.ingest.parse import parse_file
from graph.ingest.sources import (
    SourceError, limits as source_limits, max_bytes as source_max_bytes, memory_available, memory_needed,
    read_regular_file,
)
from graph.ingest.statements import load_schemes
from graph.ingest.structure import side_metadata
from graph.ingest.readers import corpus_files
from graph.outputs.export import (
    FORMATS, store_counts, write_store_exports, write_store_turtle,
)
from graph.outputs import buildcache, buildfolder
from graph.outputs.describe import Counts
from graph.outputs.files import make_readable
from graph.outputs.network import export_network, region_network
from graph.outputs.vocabulary import write_vocabularies
from graph.outputs.ontology_docs import OUTPUT_FILE as ONTOLOGY_DOCS_FILE, render as render_ontology_docs
from graph.rdf.assemble import SourceDocument, corpus_quads, doc_id_for, oxigraph_quads, source_quads
from graph.rdf.namespaces import DEFAULT_BASE, graph_iri
from graph.rdf.ontology import load_ontology
from graph.rdf.statements import SCHEMES_FILE, scheme_quads, source_statement_quads, statement_quads
from graph.rdf.store import NQuadsSpool, Store
from graph.reason.reach import materialise_reach
from graph.reason.infer import reason_store
from graph.site.pages import write_site

DEFAULT_SOURCES_DIR = resources.SOURCES
DEFAULT_CORPUS_DIR = resources.DATA / "corpus"
DEFAULT_ENTITIES_DIR = resources.ENTITIES
DEFAULT_ONTOLOGY = resources.ONTOLOGY
DEFAULT_OUT = resources.default_out()

log = logging.getLogger(__name__)


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
    max_source_bytes: int | None = None  # the size limit of one source text (None: graph/ingest/sources.py's)
    progress: Callable[[str], None] | None = None  # told what the build is doing, as it starts each part
    cache: bool = True  # reuse the previous build's per-text results where their inputs are unchanged
    store: str = "auto"  # memory, disk, or auto: on disk above STORE_ON_DISK_ABOVE bytes of text (store_on_disk)
    processes: int | None = None  # for the validation's queries (None: one per CPU; 1: this one; graph/rdf/forked.py)


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
    # How many texts were taken from the cache and how many built (not in the output: it must not depend on it).
    reused: int = 0
    rebuilt: int = 0
    # The on-disk store's temporary folder (None: in memory), removed with the context or at exit.
    store_folder: tempfile.TemporaryDirectory | None = field(default=None, repr=False)
    # The region network once made (build_network), for the steps that draw it; the store no longer changes then.
    region_network: nx.Graph | None = field(default=None, repr=False)


@dataclass(frozen=True)
class Step:
    name: str
    kind: str  # "check": may stop the build; "output": writes files
    run: Callable[[BuildContext], None]
    summary: str


# --- ingest and assemble ------------------------------------------------------------------------------------------

def default_sources() -> list[Path]:
    return sorted(DEFAULT_SOURCES_DIR.glob("*.txt"))


def corpus_sources() -> list[Path]:
    """The seed texts and every text of the corpus (data/corpus/), in a fixed order."""
    return default_sources() + corpus_files(DEFAULT_CORPUS_DIR)


def load_documents(sources: list[Path], gazetteer: Gazetteer,
                   progress: Callable[[str], None] | None = None) -> list[SourceDocument]:
    """Parse every text (and the documents it carries), then link each: a title cited in 《》 that is the title of
    a text of the build becomes a link to that text."""
    return [d for text in load_texts(sources, gazetteer, progress) for d in text.documents]


@dataclass
class TextPart:
    """One text's per-document results: its documents (the text and those attached to it) and, when the build
    caches, their own quads as N-Quads (graph.rdf.assemble.source_quads and their statements)."""

    path: Path
    documents: list[SourceDocument]
    nquads: bytes | None = None
    reused: bool = False
    spooled: tuple[int, int] | None = None  # where `nquads` went in the build's spool (load_texts' `spool`)


def load_texts(sources: list[Path], gazetteer: Gazetteer, progress: Callable[[str], None] | None = None,
               cache: buildcache.TextCache | None = None, spool: NQuadsSpool | None = None) -> list[TextPart]:
    """`load_documents`, text by text; with a cache, a text whose entry matches is not parsed or linked again,
    and each text's own quads are made here (and cached). With a spool, each text's quads go into it as soon as
    they are made or read, and the text keeps only where (`spooled`)."""
    matcher = Matcher(gazetteer)
    parsed, seen = [], {}
    for path in sources:
        curated = gazetteer.document_for_source(path.name)
        doc_id = doc_id_for(path.name, curated)
        if doc_id in seen:
            raise BuildError(f"{path}: document id {doc_id!r} is also the id of {seen[doc_id]}")
        seen[doc_id] = path
        started = time.perf_counter()
        key = entry = None
        if cache is not None:
            key = _text_key(cache, path, doc_id)
            entry = cache.get(key) if key is not None else None
        document = entry.documents[0].linked.document if entry is not None else parse_file(path)
        parsed.append((path, doc_id, curated, document, key, entry, time.perf_counter() - started))
    titles = {}
    for _, doc_id, curated, document, *_ in parsed:
        parts = [(doc_id, document)] + [(f"{doc_id}-annex-{k}", a) for k, a in enumerate(document.attachments, 1)]
        for part_id, part in parts:
            for title in (part.title.text, part.metadata.title if part.metadata else ""):
                if title:
                    titles.setdefault(title_key(title), part_id)
    linked_with = buildcache.titles_digest(titles) if cache is not None else ""
    schemes = load_schemes(SCHEMES_FILE) if cache is not None else None
    texts = []
    for number, (path, doc_id, curated, document, key, entry, took) in enumerate(parsed, start=1):
        started = time.perf_counter()
        if entry is not None and entry.titles == linked_with:
            # The curated entity is the gazetteer's own (equal to the stored one: the key holds the curated data).
            docs = [replace(d, curated=curated) if k == 0 else d for k, d in enumerate(entry.documents)]
            texts.append(TextPart(path, docs, entry.nquads, reused=True))
        else:
            if entry is not None:
                # Parsed again rather than linked from the stored parse: the entry written is then the one a full
                # build writes, byte for byte (a pickle of unpickled records need not be).
                document = parse_file(path)
            year = int(document.metadata.signed[:4]) if document.metadata and document.metadata.signed else None
            # A curated document's links are curated (the seed's, checked by hand); other texts also link the
            # national gazetteer's places and bodies and the provisional names.
            national = curated is None
            docs = [SourceDocument(doc_id, path.name, link_document(document, matcher, national=national,
                                                                    year=year, titles=titles), curated)]
            for k, attachment in enumerate(document.attachments, start=1):
                docs.append(SourceDocument(f"{doc_id}-annex-{k}", path.name,
                                           link_document(attachment, matcher, national=national, year=year,
                                                         titles=titles), None))
            text = TextPart(path, docs)
            if cache is not None:
                text.nquads = ox.serialize(
                    (q for d in docs for q in chain(source_quads(d), source_statement_quads(gazetteer, d, schemes))),
                    format=ox.RdfFormat.N_QUADS)
                if key is not None:
                    cache.put(buildcache.Entry(key, linked_with, docs, text.nquads))
            texts.append(text)
        if spool is not None and texts[-1].nquads is not None:
            texts[-1].spooled, texts[-1].nquads = spool.put(texts[-1].nquads), None
        if progress is not None:
            docs = texts[-1].documents
            mentions = sum(len(p.mentions) for d in docs for p in d.linked.provisions)
            progress(f"[{number}/{len(parsed)}] {path.name}: {len(document.sections)} sections, "
                     f"{len(document.measures)} provisions, {len(document.attachments)} attached, {mentions} links "
                     f"({took + time.perf_counter() - started:.2f} s{', cached' if texts[-1].reused else ''})")
    return texts


def _text_key(cache: buildcache.TextCache, path: Path, doc_id: str) -> str | None:
    """The text's cache key, or None when it cannot be read (parsing it then says why, as `file:line: message`)."""
    try:
        data = read_regular_file(path, source_max_bytes())
        side = side_metadata(path)
    except (SourceError, OSError, UnicodeDecodeError, csv.Error):
        return None
    return cache.key(path, doc_id, data, side)


def cache_inputs(options: BuildOptions) -> str:
    """The digest of what every text's cached results depend on besides the text (graph/outputs/buildcache.py)."""
    inputs = [("entities", options.entities_dir), ("national", DEFAULT_ENTITIES_DIR / "national"),
              ("schemes", SCHEMES_FILE), ("ontology", options.ontology)]
    return buildcache.inputs_digest(inputs, extra=[f"max-source-bytes {source_max_bytes()}"])


# The store goes on disk (Oxigraph's RocksDB store in a temporary folder) above this many bytes of text. Measured on
# the benchmark's 10^6-triple corpus (125 texts, 684 KB; parse, assemble, reason, validate): in memory 60 s and an
# 818 MiB peak, about 1,200 bytes of store per byte of text; on disk 220 s and 1,132 MiB (RocksDB's own buffers).
# So the disk store pays only where the in-memory store alone would pass the 2 GiB goal: above 4 MiB of text
# (about 6·10^6 triples, some 4.8 GiB in memory), where its size stops growing with the corpus in memory.
STORE_ON_DISK_ABOVE = 4 << 20
STORE_MODES = ("auto", "memory", "disk")


def store_on_disk(mode: str, text_bytes: int) -> bool:
    """Whether the build's store goes on disk: `mode` disk or memory says so; auto, above STORE_ON_DISK_ABOVE."""
    if mode not in STORE_MODES:
        raise BuildError(f"unknown store {mode!r} (expected one of {', '.join(STORE_MODES)})")
    return mode == "disk" or (mode == "auto" and text_bytes > STORE_ON_DISK_ABOVE)


def assemble_store(gazetteer: Gazetteer, documents: list[SourceDocument], ontology_path: Path,
                   texts: list[TextPart] | None = None, path: Path | None = None,
                   spool: NQuadsSpool | None = None) -> Store:
    """The store of the build: the ontology, every asserted quad, the materialised reach. With `texts` (from
    `load_texts` with a cache) each text's own quads are loaded from its N-Quads (from `spool`, where load_texts
    put them), the rest made from `documents`. With `path`, an on-disk store in that (empty) folder; else in
    memory."""
    store = Store(path)
    store.load(ontology_path, graph_iri("ontology"))
    if texts is None:
        store.extend(oxigraph_quads(gazetteer, documents))
        store.extend(statement_quads(gazetteer, documents))
    else:
        if spool is not None:
            store.load_spool(spool, [text.spooled for text in texts])
        else:
            store.load_nquads(text.nquads for text in texts)
        store.extend(corpus_quads(gazetteer, documents))
        store.extend(scheme_quads(load_schemes(SCHEMES_FILE), gazetteer))
    materialise_reach(store)
    return store


# --- the steps ------------------------------------------------------------------------------------------------------

def reason(ctx: BuildContext) -> None:
    ctx.notes["reasoning"] = reason_store(ctx.store, ctx.ontology, ctx.options.reasoner).summary()


def validate(ctx: BuildContext) -> None:
    sources = SourceFiles(files=ctx.options.sources, folders=[DEFAULT_SOURCES_DIR, *_corpus_folders()])
    report = validate_store(ctx.store, sources, engine=ctx.options.shacl_engine,
                            processes=ctx.options.processes)
    ctx.notes["validation"] = report.summary()
    if report.violations:
        raise ValidationError(report)
    (ctx.staging / REPORT_FILE).write_text(report.text(), encoding="utf-8")


def _corpus_folders() -> list[Path]:
    return sorted({p.parent for p in DEFAULT_CORPUS_DIR.rglob("*") if p.is_file()})


def write_graph_turtle(ctx: BuildContext) -> Path:
    """graph.ttl, streamed from the store: the ontology and the asserted data (the benchmark times it alone)."""
    turtle = ctx.staging / FORMATS["ttl"].filename
    write_store_turtle(turtle, ctx.ontology, ctx.store, (graph_iri("ontology"), graph_iri("inferred")))
    return turtle


def write_graph_exports(ctx: BuildContext) -> None:
    """graph.ttl, then every other format, the gzips, context.jsonld and void.ttl."""
    _, found = write_store_exports(ctx.staging, ctx.store, ontology=ctx.ontology, processes=ctx.options.processes)
    ctx.notes["counts"] = found.as_dict()


def counts(ctx: BuildContext) -> Counts:
    """The build's counts (graph.outputs.describe.Counts), as the exports step recorded them or from the store."""
    if "counts" not in ctx.notes:
        ctx.notes["counts"] = store_counts(ctx.store).as_dict()
    recorded = dict(ctx.notes["counts"])
    recorded["graphs"] = tuple(sorted(recorded["graphs"].items()))
    return Counts(**recorded)


def write_vocabulary_files(ctx: BuildContext) -> None:
    write_vocabularies(ctx.staging)


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
    report["triples"] = counts(ctx).triples  # the dataset's size as void.ttl counts it; "counts" says what is what
    report.update(ctx.notes)
    with open(ctx.staging / "build-report.json", "w", encoding="utf-8") as out:
        json.dump(report, out, ensure_ascii=False, indent=2, sort_keys=True)
        out.write("\n")


def write_ontology_docs(ctx: BuildContext) -> None:
    (ctx.staging / ONTOLOGY_DOCS_FILE).write_text(render_ontology_docs(ctx.ontology), encoding="utf-8")


def build_network(ctx: BuildContext) -> nx.Graph:
    """The store's region network, made once per build: the network step writes it, the pages draw it."""
    if ctx.region_network is None:
        ctx.region_network = region_network(ctx.store)
    return ctx.region_network


def write_network(ctx: BuildContext) -> None:
    export_network(build_network(ctx), ctx.staging / "network")


def write_pages(ctx: BuildContext) -> None:
    write_site(ctx.store, ctx.staging, build_network(ctx))


# The order is the build's: checks first (validation sees the inferred graph), and the pages last, since the index
# they write lists every other file of the build.
STEPS: tuple[Step, ...] = (
    Step("reason", "check", reason, "infer what the ontology entails into the inferred graph; stop on a contradiction"),
    Step("validate", "check", validate, "SHACL, *-violation.rq, quotes at offsets, floors; stop on a violation"),
    Step("exports", "output", write_graph_exports, "graph.ttl, .nt, .jsonld, .rdf, .trig, gzips, context, void.ttl"),
    Step("vocabulary", "output", write_vocabulary_files,
         "ontology.ttl/.rdf/.jsonld/.nt/.html and shapes.*: the vocabularies at their IRIs"),
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


def text_bytes(documents: list[SourceDocument]) -> int:
    """The UTF-8 size of the documents' texts: what the memory check and the store's place are judged by."""
    return sum(len(d.linked.document.raw.encode("utf-8")) for d in documents)


def check_memory(documents: list[SourceDocument]) -> None:
    """Refuse, with a message, texts whose build would need more memory than is free (the store would abort)."""
    total = text_bytes(documents)
    needed, free = memory_needed(total), memory_available()
    if free is not None and needed > free:
        raise BuildError(f"the {len(documents)} text(s) ({total:,} bytes) need about {needed / 2**30:.1f} GiB of "
                         f"memory to build and {free / 2**30:.1f} GiB is free; build fewer texts at a time")


def protected_paths(options: BuildOptions, sources: list[Path]) -> list[tuple[str, Path]]:
    """What an output folder may neither be nor hold: the project's root and the build's inputs."""
    return [("the project's root", resources.CHECKOUT), *(("a source text", p) for p in sources),
            ("the curated data", options.entities_dir), ("the ontology", options.ontology),
            ("the source texts' folder", DEFAULT_SOURCES_DIR)]


def build(options: BuildOptions, steps: list[Step] | None = None) -> BuildContext:
    """Run the whole build; on any error the previous output folder is left as it was.

    The output folder must be the build's own (graph/outputs/buildfolder.py): that is checked first, before
    anything is read or written, and again at the swap.
    """
    steps = select_steps(options.only, options.skip) if steps is None else steps
    store_on_disk(options.store, 0)  # an unknown mode is refused before anything is read
    sources = options.sources or default_sources()
    if not sources:
        raise BuildError(f"no source texts given and none in {DEFAULT_SOURCES_DIR}")
    protected = protected_paths(options, sources)
    buildfolder.check_owned(options.out, protected)
    say = options.progress or (lambda message: None)
    timings: dict[str, float] = {}
    started = time.perf_counter()
    with source_limits(options.max_source_bytes), contextlib.ExitStack() as stack:
        say(f"reading the curated data in {options.entities_dir}")
        gazetteer = load_gazetteer(options.entities_dir)
        cache = buildcache.TextCache(buildfolder.resolve_out(options.out), cache_inputs(options),
                                     reuse=options.cache)
        say(f"parsing and linking {len(sources)} text(s)")
        stack.callback(cache.close)  # its entries' folder, also when the build fails
        spool = stack.enter_context(NQuadsSpool())  # each text's quads on disk until the store takes them
        texts = load_texts(sources, gazetteer, options.progress, cache, spool)
        documents = [d for text in texts for d in text.documents]
        check_memory(documents)
        timings["parse_link"] = time.perf_counter() - started
        mark = time.perf_counter()
        say("assembling the graph")
        ontology = load_ontology(options.ontology)
        folder = None
        if store_on_disk(options.store, text_bytes(documents)):
            # Outside the output folder (never published, never swapped in): the build's own temporary folder.
            folder = tempfile.TemporaryDirectory(prefix="hqkg-store-")
            say(f"the store is on disk in {folder.name}")
        store = assemble_store(gazetteer, documents, options.ontology, texts,
                               Path(folder.name) if folder else None, spool)
        spool.close()
        timings["assemble"] = time.perf_counter() - mark

        staging, notes = buildfolder.stage(options.out, protected)
        for note in notes:
            log.warning(note)
        ctx = BuildContext(options, gazetteer, documents, ontology, store, staging.path, timings, store_folder=folder)
        ctx.reused = sum(1 for text in texts if text.reused)
        ctx.rebuilt = len(texts) - ctx.reused
        try:
            cache.write(staging.path)
            for step in steps:
                say(f"{step.name}: {step.summary}")
                mark = time.perf_counter()
                step.run(ctx)
                timings[step.name] = time.perf_counter() - mark
            make_readable(staging.path)  # a web server running as another user must read the build
            staging.commit()
        except BaseException:
            staging.discard()
            raise
    ctx.staging = staging.out
    return ctx
