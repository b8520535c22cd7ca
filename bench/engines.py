"""The measured work, one engine per process: the project's whole build and store, raw pyoxigraph, Jena TDB2 and
Virtuoso (through bench/peers.py), rdflib.

Each `run_*` function does its engine's phases in order and reports each one as it ends (`report(record)`), so
that a run stopped by the time cap still gives what it finished. Peak memory is the process's own high-water
mark, which is why bench/run.py starts one process per engine (for the peers: the JVMs' and Virtuoso's own).

Answers are compared across engines as a digest of the sorted rows, every value in one normal form: the project's
one comparison of answers, graph/query/answers.py (`canonical`), which the published stores' tests use too.
"""
from __future__ import annotations

import resource
import shutil
import signal
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from graph.query.answers import answer, digest, json_rows, ox_rows, rdflib_rows
from graph.query.named import bound_text

Report = Callable[[dict], None]
REPEAT_BUDGET = 5.0  # seconds: past this, a query is not run again


@dataclass(frozen=True)
class NamedQuery:
    name: str  # the file's stem: 'region-pairs'
    text: str
    bindings: dict[str, str]  # variable -> value in N-Triples form ('"prefecture"')
    check: bool  # a *-violation.rq check (must return no rows), timed apart from the named queries


def peak_rss_mb() -> float:
    """The peak resident set size of this process so far, in MiB.

    Linux's VmHWM, which starts afresh when the worker's program starts; ru_maxrss would keep the peak of the
    benchmark process it was forked from (in KiB on Linux), used only where there is no /proc.
    """
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def timed(report: Report, phase: str, action: Callable[[], object], **extra) -> object:
    started = time.perf_counter()
    result = action()
    report({"phase": phase, "seconds": time.perf_counter() - started, "rss_mb": peak_rss_mb(), **extra})
    return result


def best_of(report: Report, phase: str, repeat: int, new: Callable[[], object],
            action: Callable[[object], object]) -> object:
    """`action` on a fresh object up to `repeat` times (within REPEAT_BUDGET); the best time reported."""
    times = []
    while len(times) < repeat and sum(times) <= REPEAT_BUDGET:
        target = new()
        started = time.perf_counter()
        action(target)
        times.append(time.perf_counter() - started)
    report({"phase": phase, "seconds": min(times), "runs": len(times), "rss_mb": peak_rss_mb()})
    return target


def with_values(query: NamedQuery) -> str:
    """The query text with its parameters bound for an engine reached by text (Jena, Virtuoso): the project's one
    binding, graph/query/named.py's `bound_text` (a VALUES block opening every WHERE group)."""
    return bound_text(query.text, query.bindings)


class QueryTimeout(Exception):
    """A query stopped by the per-query time cap."""


def _raise_timeout(signum, frame):
    raise QueryTimeout()


def _run_queries(report: Report, queries: list[NamedQuery], run: Callable[[NamedQuery], list], repeat: int,
                 caps: dict[str, float] | None = None, own_time: bool = False) -> None:
    """Each query up to `repeat` times, the best time kept (the others absorb warm-up and noise); a query stops
    repeating once it has taken REPEAT_BUDGET seconds in all, so slow queries at 10^6 run once. `run` answers
    with the engine's own rows, read out; writing them in N-Triples form to compare them is not timed.

    With a cap per query (for rdflib, whose engine is pure Python and so can be interrupted by a signal), a query
    that runs longer is stopped and reported as capped: its time is then a lower bound and its answer unknown.
    With `own_time`, `run` answers (rows, seconds) and the engine's own time is kept (Jena's, without its JVM start).
    """
    for query in queries:
        cap = (caps or {}).get(query.name)
        times, rows = [], []
        try:
            while len(times) < repeat and sum(times) <= REPEAT_BUDGET:
                started = time.perf_counter()
                rows = _call_capped(lambda: run(query), cap)
                elapsed = time.perf_counter() - started
                if own_time:
                    rows, elapsed = rows
                times.append(elapsed)
        except QueryTimeout:
            report({"query": query.name, "check": query.check, "seconds": cap, "capped": True,
                    "rss_mb": peak_rss_mb()})
            continue
        report({"query": query.name, "check": query.check, "seconds": min(times), "capped": False,
                "rows": len(rows), "digest": digest(answer(rows)), "rss_mb": peak_rss_mb()})


def _call_capped(action: Callable[[], list], cap: float | None) -> list:
    if not cap:
        return action()
    previous = signal.signal(signal.SIGALRM, _raise_timeout)
    signal.setitimer(signal.ITIMER_REAL, cap)
    try:
        return action()
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


# --- the project --------------------------------------------------------------------------------------------------

def run_project(report: Report, sources: list[Path], out: Path, queries: list[NamedQuery], repeat: int,
                build_only: bool = False) -> None:
    """The user's whole build (graph.pipeline.build with every registered step), each step timed by the build
    itself; then the named questions on the built store, and the project's loader on the dump it wrote."""
    from graph import pipeline
    from graph.rdf.store import Store

    steps = pipeline.select_steps()
    started = time.perf_counter()
    # A full build every time: with --work kept between runs, the cache would make it an incremental one.
    ctx = pipeline.build(pipeline.BuildOptions(sources=sources, out=out, cache=False), steps=steps)
    whole = time.perf_counter() - started
    timings = dict(ctx.timings)
    measures = sum(len(d.linked.document.measures) for d in ctx.documents)
    build = timings["parse_link"] + timings["assemble"]
    report({"phase": "build", "seconds": build, "parse_link": timings["parse_link"],
            "assemble": timings["assemble"], "whole_build": whole, "steps": timings,
            "step_names": [step.name for step in steps], "measures": measures, "texts": len(ctx.documents),
            "triples": len(ctx.store), "store": "disk" if ctx.store_folder else "memory",
            "rss_mb": peak_rss_mb()})
    files = {path.name: path.stat().st_size for path in sorted(out.glob("graph.*"))}
    report({"phase": "export", "seconds": timings.get("exports"), "files": files, "rss_mb": peak_rss_mb()})
    validation = ctx.notes.get("validation")
    report({"phase": "validate", "seconds": timings.get("validate"), "rss_mb": peak_rss_mb(),
            "summary": validation if isinstance(validation, dict) else None})
    if build_only:
        return
    store = ctx.store
    from graph.query.named import parse_query, run as run_named

    # The project's query path (hqkg query): graph/query/named.py binds the header's example values and answers
    # in Oxigraph terms. The files are read before timing, as the other engines get their text ready.
    parsed = {query.name: parse_query(query.text, Path(f"{query.name}.rq")) for query in queries}

    def run(query: NamedQuery) -> list:
        named = parsed[query.name]
        result = run_named(named, store, named.example_params())
        return [(result.boolean,)] if result.boolean is not None else list(result.rows)

    _run_queries(report, queries, run, repeat)
    del ctx, store
    best_of(report, "load", repeat, Store, lambda fresh: fresh.load(out / "graph.trig"))


# --- raw pyoxigraph -----------------------------------------------------------------------------------------------

# What Oxigraph writes of the same data, beside each of the build's exports: the dump (every graph) in TriG and
# N-Quads, the single-graph formats from the build's graph.ttl loaded as one graph.
OXIGRAPH_DUMPS = (("trig", "TRIG", True), ("nq", "N_QUADS", True), ("ttl", "TURTLE", False),
                  ("nt", "N_TRIPLES", False), ("rdf", "RDF_XML", False), ("jsonld", "JSON_LD", False))


def run_oxigraph(report: Report, dump: Path, graph_ttl: Path, queries: list[NamedQuery], repeat: int,
                 scratch: Path) -> None:
    """The practical limit: Oxigraph's bulk loader, its writers and its query engine, nothing around them."""
    store = best_of(report, "load", repeat, ox.Store,
                    lambda fresh: fresh.bulk_load(path=str(dump), format=ox.RdfFormat.TRIG))
    report({"phase": "size", "triples": len(store),
            "graphs": sorted(g.value for g in store.named_graphs() if isinstance(g, ox.NamedNode))})
    single = timed(report, "load graph.ttl", lambda: _loaded(graph_ttl))
    scratch.mkdir(parents=True, exist_ok=True)
    total = 0.0
    for suffix, name, quads in OXIGRAPH_DUMPS:
        fmt = getattr(ox.RdfFormat, name, None)
        if fmt is None:
            continue
        target = scratch / f"dump.{suffix}"
        started = time.perf_counter()
        if quads:
            store.dump(str(target), format=fmt)
        else:
            single.dump(str(target), format=fmt, from_graph=ox.DefaultGraph())
        seconds = time.perf_counter() - started
        total += seconds
        report({"phase": f"export {suffix}", "seconds": seconds, "bytes": target.stat().st_size})
        target.unlink()
    report({"phase": "export", "seconds": total, "rss_mb": peak_rss_mb()})
    del single

    def run(query: NamedQuery) -> list:
        substitutions = {ox.Variable(name): _ox_term(value) for name, value in query.bindings.items()}
        return ox_rows(store.query(query.text, substitutions=substitutions, use_default_graph_as_union=True))

    _run_queries(report, queries, run, repeat)


def _loaded(path: Path) -> ox.Store:
    store = ox.Store()
    store.bulk_load(path=str(path), format=ox.RdfFormat.TURTLE)
    return store


# --- rdflib -------------------------------------------------------------------------------------------------------

def run_rdflib(report: Report, dump: Path, queries: list[NamedQuery], caps: dict[str, float]) -> None:
    """The common peer: rdflib's in-memory dataset (its default graph the union of the graphs, as the project's),
    its TriG parser and writer, its SPARQL engine (one run each, each query stopped after its cap in seconds)."""
    from rdflib import Dataset

    graph = Dataset(default_union=True)
    timed(report, "load", lambda: graph.parse(dump, format="trig"))
    report({"phase": "size", "triples": len(graph)})
    timed(report, "export", lambda: graph.serialize(format="trig"))

    def run(query: NamedQuery) -> list:
        bindings = {name: _rdflib_term(value) for name, value in query.bindings.items()}
        return rdflib_rows(graph.query(query.text, initBindings=bindings))

    _run_queries(report, queries, run, 1, caps)


def _rdflib_term(value: str):
    from rdflib.util import from_n3

    return from_n3(value)


def _ox_term(value: str):
    from graph.rdf.terms import to_ox

    return to_ox(_rdflib_term(value))


# --- Jena TDB2 and Virtuoso (bench/peers.py) ----------------------------------------------------------------------

def _children_peak_mb() -> float:
    """The largest resident set of any finished child (the JVMs), in MiB."""
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024


def _disk_mb(folder: Path) -> float:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file()) / 2**20


def run_jena(report: Report, dump: Path, queries: list[NamedQuery], location: Path,
             cap: float | None = None) -> None:
    """Jena TDB2: tdb2.tdbloader on the dump, then each question in its own tdb2.tdbquery over the union of the
    named graphs (tdb:unionDefaultGraph), timed by Jena after one warm-up run (the JVM's start is not counted).

    With a `cap`, a question whose JVM (start, warm-up and timed run) is still running after `cap` seconds is
    stopped (subprocess.run kills its child when the alarm interrupts it) and reported as capped: at 10^5 triples
    one question took Jena more than 7 minutes, so without a cap a run at 10^6 would take hours."""
    from bench import peers

    shutil.rmtree(location, ignore_errors=True)
    timed(report, "load", lambda: peers.tdb2_load(location, [dump]), note="wall time, JVM start included")
    size, _ = peers.tdb2_query(location, "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }")
    report({"phase": "size", "triples": int(size["results"]["bindings"][0]["n"]["value"]),
            "disk_mb": _disk_mb(location)})

    def run(query: NamedQuery) -> tuple[list, float]:
        result, seconds = peers.tdb2_query(location, with_values(query))
        return json_rows(result), seconds

    caps = {query.name: cap for query in queries} if cap else None
    _run_queries(report, queries, run, 1, caps, own_time=True)
    report({"phase": "memory", "rss_mb": _children_peak_mb()})


def run_virtuoso(report: Report, dump: Path, queries: list[NamedQuery], folder: Path, graphs: list[str],
                 repeat: int) -> None:
    """Virtuoso: its bulk loader on the dump, then each question over HTTP with the dump's graphs as the default
    graph (Virtuoso's own would include its system graphs), timed at the client."""
    from bench import peers

    shutil.rmtree(folder, ignore_errors=True)
    with peers.Virtuoso(folder, readable=[dump.parent]) as server:
        report({"phase": "start", "seconds": server.started_in})
        timed(report, "load", lambda: server.bulk_load(dump), note="ld_add, rdf_loader_run, checkpoint")
        values = " ".join(f"<{g}>" for g in graphs)
        size = server.select(f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH ?g {{ ?s ?p ?o }} VALUES ?g {{ {values} }} }}")
        report({"phase": "size", "triples": int(size["results"]["bindings"][0]["n"]["value"])})

        def run(query: NamedQuery) -> list:
            return json_rows(server.select(with_values(query), graphs))

        _run_queries(report, queries, run, repeat)
        report({"phase": "memory", "rss_mb": server.peak_rss_mb(), "disk_mb": _disk_mb(folder)})
