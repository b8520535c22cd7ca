"""The `hqkg` command: parses arguments and delegates to graph.* (no logic here)."""
from __future__ import annotations

import logging
import os
import sys
import time
from pathlib import Path

import click

from graph import pipeline, resources
from graph.ingest.yamlfile import DataError
from graph.ingest.parse import ParseError
from graph.reason.infer import ReasoningError
from graph.rdf.store import StoreError
from graph.checks.validate import ValidationError
from graph.ingest.sources import DEFAULT_MAX_BYTES, SourceError
from graph.outputs.buildfolder import OutFolderError

PROCESSES_HELP = ("Processes the validation's queries may use (default: one per CPU; 1: all in this one). They share "
                  "the store only when it is in memory.")
GRAPH_HELP = "A build folder (its whole dataset, graph.trig) or one RDF file (Turtle, TriG, N-Triples, RDF/XML…)."
USER_ERRORS = (ParseError, DataError, StoreError, pipeline.BuildError, FileNotFoundError, ReasoningError,
               ValidationError, SourceError, OutFolderError)
# A build prints what it is doing when its texts are this large (builds of tens of seconds and more).
PROGRESS_BYTES = 256 * 2**10


def _fail(error: Exception) -> None:
    if isinstance(error, OSError) and not isinstance(error, FileNotFoundError) and error.strerror:
        where = f"{error.filename}: " if error.filename else ""
        click.echo(f"error: {where}{error.strerror}", err=True)
    else:
        click.echo(f"error: {error}", err=True)
    sys.exit(1)


class _TerminalWarnings(logging.Handler):
    """Warnings of the project's stages and of rdflib, one line each and each once: a fallback is visible, and no
    library's traceback reaches the terminal."""

    def __init__(self):
        super().__init__(logging.WARNING)
        self.seen: set[str] = set()

    def emit(self, record: logging.LogRecord) -> None:
        lines = record.getMessage().strip().splitlines() or [""]
        if lines[0] not in self.seen:
            self.seen.add(lines[0])
            click.echo(f"warning: {lines[0]}", err=True)


def _terminal_warnings() -> None:
    handler = _TerminalWarnings()
    for name in ("graph", "rdflib"):
        logger = logging.getLogger(name)
        if not any(isinstance(h, _TerminalWarnings) for h in logger.handlers):
            logger.addHandler(handler)  # with a handler here, Python's last-resort printer (tracebacks) stays quiet


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def main() -> None:
    """hongqiao-kg: build, query and publish the knowledge graph of the Hongqiao measures."""
    _terminal_warnings()


class _Progress:
    def __init__(self):
        self.started = time.perf_counter()

    def __call__(self, message: str) -> None:
        click.echo(f"[{time.perf_counter() - self.started:6.1f} s] {message}", err=True)


def _wants_progress(flag: bool | None, sources) -> bool:
    if flag is not None:
        return flag
    paths = sources or tuple(pipeline.default_sources())
    total = 0
    for path in paths:
        try:
            total += os.stat(path).st_size
        except OSError:
            pass
    return total >= PROGRESS_BYTES


def _list_steps(ctx: click.Context, _param, value: bool) -> None:
    if value:
        for step in pipeline.STEPS:
            click.echo(f"{step.name:14} {step.kind:7} {step.summary}")
        ctx.exit(0)


@main.command()
@click.option("--source", "sources", multiple=True, type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="A policy text to build (repeatable). Default: every data/sources/*.txt.")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=pipeline.DEFAULT_OUT,
              show_default=True, help="Output folder; replaced only when the build succeeds.")
@click.option("--entities", type=click.Path(exists=True, file_okay=False, path_type=Path),
              default=pipeline.DEFAULT_ENTITIES_DIR, show_default=True, help="Folder of curated entity files.")
@click.option("--only", multiple=True, metavar="STEP", help="Run only this step (repeatable); see --list-steps.")
@click.option("--skip", multiple=True, metavar="STEP", help="Skip this step (repeatable); see --list-steps.")
@click.option("--reasoner", type=click.Choice(["rules", "hermit", "auto"]), default="rules", show_default=True,
              help="rules (fast, the default); hermit (owlready2, needs Java) is the QC cross-check.")
@click.option("--shacl-engine", type=click.Choice(["sparql", "pyshacl", "auto"]), default="sparql",
              show_default=True, help="sparql (compiled shapes, the default); pyshacl is the QC cross-check.")
@click.option("--max-source-bytes", type=click.IntRange(1), default=DEFAULT_MAX_BYTES, show_default=True,
              help="A larger source text is refused (a build needs about 650 MB of memory per MB of text).")
@click.option("--progress/--no-progress", default=None,
              help="Say what the build is doing as it goes. Default: for a corpus, or texts over 256 KiB.")
@click.option("--corpus", is_flag=True, help="Build the seed and every text of data/corpus/ into one graph.")
@click.option("--cache/--no-cache", default=True, show_default=True,
              help="Reuse each unchanged text's parse, links and quads from the previous build (OUT/.cache/); "
                   "--no-cache builds every text again (and writes the cache afresh).")
@click.option("--store", type=click.Choice(pipeline.STORE_MODES), default="auto", show_default=True,
              help="Where the build's store lives: memory, disk (Oxigraph's RocksDB store in a temporary folder), "
                   f"or auto: on disk above {pipeline.STORE_ON_DISK_ABOVE >> 20} MiB of text (some 6 million triples).")
@click.option("--processes", type=click.IntRange(1), default=None, help=PROCESSES_HELP)
@click.option("--list-steps", is_flag=True, expose_value=False, is_eager=True, callback=_list_steps,
              help="List the build's steps (name, kind, what it writes) and exit.")
def build(sources: tuple[Path, ...], out: Path, entities: Path, only: tuple[str, ...], skip: tuple[str, ...],
          reasoner: str, shacl_engine: str, max_source_bytes: int, progress: bool | None, corpus: bool,
          cache: bool, store: str, processes: int | None) -> None:
    """Build the graph, checks, exports and pages into OUT.

    OUT must be the build's own: a new or empty folder, or one an earlier build wrote (it holds the marker file
    .hqkg-build). Any other folder is refused, untouched. The new output replaces the old one in one atomic step.
    """
    _terminal_warnings()  # build_graph.py runs this command without the group
    chosen = list(sources) + (pipeline.corpus_sources() if corpus else [])
    if progress is None and corpus:
        progress = True
    options = pipeline.BuildOptions(sources=chosen, out=out, entities_dir=entities, only=only, skip=skip,
                                    reasoner=reasoner, shacl_engine=shacl_engine, max_source_bytes=max_source_bytes,
                                    progress=_Progress() if _wants_progress(progress, chosen) else None,
                                    cache=cache, store=store, processes=processes)
    try:
        ctx = pipeline.build(options)
    except (*USER_ERRORS, OSError) as error:
        _fail(error)
    measures = sum(len(d.linked.document.measures) for d in ctx.documents)
    click.echo(f"built {len(ctx.documents)} document(s), {measures} measures, {pipeline.counts(ctx).summary()} "
               f"into {ctx.staging} ({ctx.reused + ctx.rebuilt} text(s): {ctx.reused} reused from the cache, "
               f"{ctx.rebuilt} built)")


@main.command()
@click.option("--graph", "graph_file", type=click.Path(path_type=Path), default=pipeline.DEFAULT_OUT,
              show_default=True, help=GRAPH_HELP)
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=pipeline.DEFAULT_OUT,
              show_default=True, help="Folder for index.html, the pages and lib/ (other files there are kept).")
def pages(graph_file: Path, out: Path) -> None:
    """Write the interactive pages (index.html, graph, regions, infrastructure, measures) for GRAPH into OUT."""
    from graph.site.pages import pages_from_file

    try:
        summary = pages_from_file(graph_file, out)
    except USER_ERRORS as error:
        _fail(error)
    for name, (nodes, edges) in summary.pages.items():
        click.echo(f"{out / name}: {nodes} nodes, {edges} links")


@main.command("export")
@click.option("--format", "fmt", type=click.Choice(["ttl", "nt", "jsonld", "rdfxml", "trig", "all"]), required=True,
              help="ttl, nt, jsonld, rdfxml, trig, or all (every export into the folder --out).")
@click.option("--graph", "graph_path", type=click.Path(path_type=Path), default=pipeline.DEFAULT_OUT,
              show_default=True, help=GRAPH_HELP)
@click.option("--out", type=click.Path(path_type=Path), default=None,
              help="Output file (gzipped if it ends in .gz); default: standard output.")
@click.option("--base-iri", default=None,
              help="Move the resource IRIs from the default base https://w3id.org/hongqiao-kg/id/ to this one.")
def export_command(fmt: str, graph_path: Path, out: Path | None, base_iri: str | None) -> None:
    """Export the graph as Turtle, N-Triples, JSON-LD, RDF/XML or TriG (deterministic bytes)."""
    from graph.outputs.describe import BaseIriError
    from graph.outputs.export import ExportError, export

    try:
        data = export(graph_path, fmt, out, base_iri)
    except (*USER_ERRORS, ExportError, BaseIriError) as error:
        _fail(error)
    if out is None:
        sys.stdout.buffer.write(data)
    else:
        click.echo(f"wrote {out}", err=True)


@main.command()
@click.option("--graph", "graph_path", type=click.Path(path_type=Path), default=pipeline.DEFAULT_OUT,
              show_default=True, help=GRAPH_HELP + " A build folder's files are served too.")
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on (default: loopback).")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535), help="0: any free port.")
@click.option("--timeout", default=10.0, show_default=True, type=click.FloatRange(0.1), help="Seconds per query.")
@click.option("--max-result-bytes", default=16 * 2**20, show_default=True, type=click.IntRange(1),
              help="Larger results are refused (422).")
@click.option("--max-request-bytes", default=256 * 2**10, show_default=True, type=click.IntRange(1),
              help="Larger queries or bodies are refused (413).")
@click.option("--workers", default=2, show_default=True, type=click.IntRange(1), help="Queries run at once.")
@click.option("--max-connections", default=64, show_default=True, type=click.IntRange(1),
              help="Connections open at once; the next is answered 503.")
@click.option("--header-timeout", default=10.0, show_default=True, type=click.FloatRange(0.1),
              help="Seconds a client has to send its headers (and to idle between keep-alive requests).")
@click.option("--request-timeout", default=60.0, show_default=True, type=click.FloatRange(0.1),
              help="Seconds for the body, the query and reading the answer.")
@click.option("--max-held-bytes", default=64 * 2**20, show_default=True, type=click.IntRange(1),
              help="Bytes of answers held for all clients together.")
@click.option("--quiet", is_flag=True, help="Do not log each request.")
def serve(graph_path: Path, host: str, port: int, timeout: float, max_result_bytes: int, max_request_bytes: int,
          workers: int, max_connections: int, header_timeout: float, request_timeout: float, max_held_bytes: int,
          quiet: bool) -> None:
    """Serve the graph: SPARQL at /sparql, resources at their IRIs' paths, the build's files (read-only)."""
    from graph.outputs.export import ExportError
    from graph.server.serve import ServeError, serve as run
    from graph.server.sparql_pool import Limits

    def ready(url: str, site) -> None:
        click.echo(f"serving {url} — SPARQL at {url}sparql, resources at {url}{site.local_prefix[1:]}… "
                   f"(base {site.base}); Ctrl-C stops", err=True)

    limits = Limits(query_seconds=timeout, result_bytes=max_result_bytes, request_bytes=max_request_bytes,
                    workers=workers, connections=max_connections, header_seconds=header_timeout,
                    request_seconds=request_timeout, held_bytes=max(max_held_bytes, max_result_bytes + 4096))
    try:
        run(graph_path, host, port, limits, quiet, ready)
    except (*USER_ERRORS, ServeError, ExportError, OSError) as error:
        _fail(error)


@main.command()
@click.option("--endpoint", default=None, help="Graph Store Protocol URL (Oxigraph: http://HOST:7878/store).")
@click.option("--update-endpoint", default=None, help="SPARQL Update URL for the fallback (default: --endpoint).")
@click.option("--graph", "graph_iri", default=None,
              help="Put everything into this one graph (default: each named graph into its own).")
@click.option("--data", type=click.Path(path_type=Path), default=pipeline.DEFAULT_OUT, show_default=True,
              help=GRAPH_HELP)
@click.option("--method", type=click.Choice(["auto", "gsp", "update"]), default="auto", show_default=True,
              help="auto: Graph Store Protocol, SPARQL Update if the endpoint has none.")
@click.option("--user", default=None, help="User for HTTP Basic or Digest authentication.")
@click.option("--password", default=None, envvar="HQKG_PUBLISH_PASSWORD",
              help="Password (or the environment variable HQKG_PUBLISH_PASSWORD).")
@click.option("--store", type=click.Choice(["generic", "oxigraph", "virtuoso", "jena"]), default="generic",
              show_default=True, help="The store's dialect (Virtuoso: graph-uri=, big INSERT DATA, 2000-triple chunks).")
@click.option("--default-graph", type=click.Choice(["merged", "union", "none"]), default="merged",
              show_default=True, help="merged: also publish graph.ttl's triples and the inferred ones as the default "
                                      "graph, so the named questions answer as locally; union: rely on the store's "
                                      "union.")
@click.option("--chunk", default=None, type=click.IntRange(1), help="Triples per INSERT DATA (fallback route).")
@click.option("--bulk", type=click.Choice(["virtuoso", "jena"]), default=None,
              help="Use the store's bulk loader instead of HTTP (large dumps).")
@click.option("--bulk-dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Where the N-Quads file for the loader is written (Virtuoso: a folder in its DirsAllowed).")
@click.option("--isql", "isql_address", default=None, help="Virtuoso's SQL port for --bulk virtuoso (HOST:PORT).")
@click.option("--tdb2", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="The TDB2 database folder for --bulk jena.")
def publish(endpoint: str | None, update_endpoint: str | None, graph_iri: str | None, data: Path, method: str,
            user: str | None, password: str | None, store: str, default_graph: str, chunk: int | None,
            bulk: str | None, bulk_dir: Path | None, isql_address: str | None, tdb2: Path | None) -> None:
    """Load the dataset into a SPARQL 1.1 store, replacing its graphs (publishing twice = publishing once)."""
    from graph.outputs.export import ExportError
    from graph.publish.gsp import PublishError, Target, publish as run, summary

    try:
        if bulk is not None:
            from graph.publish.bulk import bulk_publish

            if bulk_dir is None:
                raise PublishError("--bulk needs --bulk-dir FOLDER for the loader's input file")
            report = bulk_publish(data, bulk, bulk_dir, default_graph, isql_address=isql_address,
                                  user=user or "dba", password=password or "dba", tdb2=tdb2)
        elif endpoint is None:
            raise PublishError("give --endpoint URL (or --bulk virtuoso|jena)")
        else:
            target = Target(endpoint, update_endpoint, user, password, store=store, default_graph=default_graph)
            report = run(data, target, graph_iri, method, chunk)
    except (*USER_ERRORS, ExportError, PublishError) as error:
        _fail(error)
    for line in summary(report):
        click.echo(line)


@main.command("evaluate")
@click.option("--gold", "gold_dir", type=click.Path(exists=True, file_okay=False, path_type=Path),
              default=resources.CHECKOUT / "bench" / "gold", show_default=True, help="Folder of gold *.yaml files.")
@click.option("--corpus", "corpus_dir", type=click.Path(exists=True, file_okay=False, path_type=Path),
              default=pipeline.DEFAULT_CORPUS_DIR, show_default=True, help="Folder holding the annotated texts.")
@click.option("--entities", type=click.Path(exists=True, file_okay=False, path_type=Path),
              default=pipeline.DEFAULT_ENTITIES_DIR, show_default=True, help="Curated entities folder.")
def evaluate_command(gold_dir: Path, corpus_dir: Path, entities: Path) -> None:
    """Precision and recall of the linking per kind and per document, and structure counts, on the gold set."""
    from graph.ingest.evaluate import evaluate, table

    try:
        results = evaluate(gold_dir, corpus_dir, pipeline.load_gazetteer(entities))
    except USER_ERRORS as error:
        _fail(error)
    click.echo(table(results), nl=False)


@main.command("validate")
@click.option("--graph", "graph_path", type=click.Path(path_type=Path), default=pipeline.DEFAULT_OUT,
              show_default=True, help=GRAPH_HELP)
@click.option("--sources", "source_dirs", multiple=True, type=click.Path(file_okay=False, path_type=Path),
              help="Folder of the source texts the quotes are checked against (repeatable). Default: data/sources.")
@click.option("--engine", type=click.Choice(["auto", "pyshacl", "sparql"]), default="auto", show_default=True,
              help="SHACL engine: pySHACL, or the shapes compiled to SPARQL (fast on big graphs).")
@click.option("--reason", "reasoner", type=click.Choice(["auto", "hermit", "rules"]), default=None,
              help="Also reason first (consistency, inferred triples) with this reasoner.")
@click.option("--shapes", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
              help="SHACL shapes file. Default: ontology/shapes.ttl.")
@click.option("--floors", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
              help="Count floors file. Default: data/floors.yaml.")
@click.option("--queries", "queries_dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Folder whose *-violation.rq files are run. Default: queries/.")
@click.option("--processes", type=click.IntRange(1), default=None, help=PROCESSES_HELP)
def validate_command(graph_path: Path, source_dirs: tuple[Path, ...], engine: str, reasoner: str | None,
                     shapes: Path | None, floors: Path | None, queries_dir: Path | None,
                     processes: int | None) -> None:
    """Check a built graph: SHACL shapes, *-violation.rq queries, quotes at their offsets, count floors.

    Prints the report. Exit status 0: no violation (warnings allowed); 1: violations; 2: the check could not run.
    """
    from graph.checks import validate as checks
    from graph.checks.shacl import ShapeError

    options = {key: value for key, value in (("shapes", shapes), ("floors", floors), ("queries_dir", queries_dir))
               if value is not None}
    sources = checks.SourceFiles(folders=source_dirs or [checks.DEFAULT_SOURCES])
    try:
        report = checks.validate_file(graph_path, sources, reasoner, engine=engine, processes=processes, **options)
    except (*USER_ERRORS, checks.FloorsError, ShapeError) as error:
        click.echo(f"error: {error}", err=True)
        sys.exit(2)
    click.echo(report.text(), nl=False)
    sys.exit(1 if report.violations else 0)


@main.command("query")
@click.argument("name")
@click.option("--param", "-p", "params", multiple=True, metavar="KEY=VALUE",
              help="A parameter of the query (repeatable); `hqkg queries` lists each query's parameters.")
@click.option("--graph", "graph_path", type=click.Path(path_type=Path), default=pipeline.DEFAULT_OUT,
              show_default=True, help=GRAPH_HELP)
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "tsv", "json", "md"]), default="table",
              show_default=True, help="table (aligned), csv or tsv (SPARQL 1.1), json (SPARQL 1.1 JSON), md.")
@click.option("--engine", type=click.Choice(["oxigraph", "rdflib"]), default="oxigraph", show_default=True,
              help="Oxigraph (fast) or rdflib's own SPARQL engine (slow; a cross-check).")
def query_command(name: str, params: tuple[str, ...], graph_path: Path, fmt: str, engine: str) -> None:
    """Answer the named query NAME (see `hqkg queries`) or the query in the file NAME.rq."""
    from graph.query.named import QueryError, answer

    try:
        text = answer(name, params, graph_path, fmt, engine)
    except (*USER_ERRORS, QueryError) as error:
        _fail(error)
    click.echo(text, nl=False)


@main.command("queries")
def queries_command() -> None:
    """List the named queries (questions, then checks) with their parameters and questions in en and zh."""
    from graph.query.named import QueryError, listing

    try:
        click.echo(listing(), nl=False)
    except QueryError as error:
        _fail(error)


@main.command("network")
@click.option("--graph", "graph_path", type=click.Path(path_type=Path), default=pipeline.DEFAULT_OUT,
              show_default=True, help=GRAPH_HELP)
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=pipeline.DEFAULT_OUT / "network",
              show_default=True, help="Folder for region-network.graphml, nodes.csv and edges.csv.")
@click.option("--level", type=click.Choice(["all", "province", "prefecture", "county"]), default="all",
              show_default=True, help="Regions of one administrative level, or of all levels.")
def network_command(graph_path: Path, out: Path, level: str) -> None:
    """Export the region linkage network (GraphML, nodes.csv, edges.csv) with degree and betweenness."""
    from graph.outputs.network import export_from_file
    from graph.query.named import QueryError

    try:
        summary = export_from_file(graph_path, out, None if level == "all" else level)
    except (*USER_ERRORS, QueryError) as error:
        _fail(error)
    click.echo(summary)


def build_main() -> None:
    """`python build_graph.py [--source PATH ...] [--out DIR]`: the build command on its own."""
    build(prog_name="build_graph.py")


if __name__ == "__main__":
    main()
