"""The measured work, one engine per process: the project's own builder and store, raw pyoxigraph, rdflib.

Each `run_*` function does its engine's phases in order and reports each one as it ends (`report(record)`), so
that a run stopped by the time cap still gives what it finished. Peak memory is the process's own high-water
mark, which is why bench/run.py starts one process per engine.

Answers are compared across engines as a digest of the sorted rows, every value written in N-Triples form
(Oxigraph's canonical form; rdflib terms are converted to Oxigraph terms first).
"""
from __future__ import annotations

import hashlib
import resource
import signal
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

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


# --- answers ---------------------------------------------------------------------------------------------------

def ox_rows(result) -> list[tuple]:
    """An Oxigraph result read out, as a user of pyoxigraph reads it: rows of terms (or the ASK boolean)."""
    if isinstance(result, ox.QueryBoolean):
        return [(bool(result),)]
    if isinstance(result, ox.QuerySolutions):
        names = [v.value for v in result.variables]
        return [tuple(row[name] for name in names) for row in result]
    return [(t.subject, t.predicate, t.object) for t in result]


def rdflib_rows(result) -> list[tuple]:
    """An rdflib result read out: rows of terms (or the ASK boolean)."""
    if result.type == "ASK":
        return [(bool(result.askAnswer),)]
    return [tuple(row) for row in result]


def answer(rows: list[tuple]) -> list[tuple[str, ...]]:
    """Rows of any engine with each value in N-Triples form (rdflib's terms converted to Oxigraph's first: the
    boundary with the rdflib engine; written after the timer stops)."""
    from graph.rdf.terms import to_ox

    def form(value) -> str:
        if value is None:
            return ""
        if isinstance(value, bool):
            return str(value).lower()
        return str(value if isinstance(value, (ox.NamedNode, ox.BlankNode, ox.Literal)) else to_ox(value))

    return [tuple(form(value) for value in row) for row in rows]


def digest(rows: list[tuple[str, ...]]) -> str:
    """Order-free: two engines agree when they return the same rows, whatever order they return them in."""
    text = "\n".join(sorted("\t".join(row) for row in rows))
    return hashlib.sha256(text.encode()).hexdigest()[:16]


class QueryTimeout(Exception):
    """A query stopped by the per-query time cap."""


def _raise_timeout(signum, frame):
    raise QueryTimeout()


def _run_queries(report: Report, queries: list[NamedQuery], run: Callable[[NamedQuery], list], repeat: int,
                 caps: dict[str, float] | None = None) -> None:
    """Each query up to `repeat` times, the best time kept (the others absorb warm-up and noise); a query stops
    repeating once it has taken REPEAT_BUDGET seconds in all, so slow queries at 10^6 run once. `run` answers
    with the engine's own rows, read out; writing them in N-Triples form to compare them is not timed.

    With a cap per query (for rdflib, whose engine is pure Python and so can be interrupted by a signal), a query
    that runs longer is stopped and reported as capped: its time is then a lower bound and its answer unknown.
    """
    for query in queries:
        cap = (caps or {}).get(query.name)
        times, rows = [], []
        try:
            while len(times) < repeat and sum(times) <= REPEAT_BUDGET:
                started = time.perf_counter()
                rows = _call_capped(lambda: run(query), cap)
                times.append(time.perf_counter() - started)
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
    """The project's builder (graph.pipeline.build with the Turtle step only), its store, its loader, its checks."""
    from graph import pipeline
    from graph.rdf.store import Store

    started = time.perf_counter()
    ctx = pipeline.build(pipeline.BuildOptions(sources=sources, out=out), steps=[pipeline.Step("graph", "output", pipeline.write_graph_turtle, "graph.ttl")])
    total = time.perf_counter() - started
    timings = ctx.timings
    build = timings["parse_link"] + timings["assemble"]
    measures = sum(len(d.linked.document.measures) for d in ctx.documents)
    report({"phase": "build", "seconds": build, "parse_link": timings["parse_link"],
            "assemble": timings["assemble"], "measures": measures, "texts": len(ctx.documents),
            "triples": len(ctx.store), "rss_mb": peak_rss_mb()})
    report({"phase": "export", "seconds": timings["graph"], "rss_mb": peak_rss_mb(),
            "bytes": (out / "graph.ttl").stat().st_size, "build_call": total})
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
    _run_validation(report, store, sources)
    del ctx, store
    best_of(report, "load", repeat, Store, lambda fresh: fresh.load(out / "graph.ttl"))


def _run_validation(report: Report, store, sources: list[Path]) -> None:
    """Every check of the build (SHACL, *-violation.rq, quotes at their offsets, floors) on the built store,
    without reasoning (the benchmark's build does not reason)."""
    from graph.checks.validate import SourceFiles, validate_store

    started = time.perf_counter()
    result = validate_store(store, SourceFiles(files=sources))
    report({"phase": "validate", "seconds": time.perf_counter() - started, "rss_mb": peak_rss_mb(),
            "checks": result.seconds, "violations": len(result.violations), "warnings": len(result.warnings),
            "ran": result.ran})


# --- raw pyoxigraph -----------------------------------------------------------------------------------------------

def run_oxigraph(report: Report, graph_ttl: Path, queries: list[NamedQuery], repeat: int) -> None:
    """The practical limit: Oxigraph's bulk loader, its Turtle writer and its query engine, nothing around them."""
    store = best_of(report, "load", repeat, ox.Store,
                    lambda fresh: fresh.bulk_load(path=str(graph_ttl), format=ox.RdfFormat.TURTLE))
    report({"phase": "size", "triples": len(store)})
    timed(report, "export", lambda: store.dump(format=ox.RdfFormat.TURTLE, from_graph=ox.DefaultGraph()))

    def run(query: NamedQuery) -> list:
        substitutions = {ox.Variable(name): _ox_term(value) for name, value in query.bindings.items()}
        return ox_rows(store.query(query.text, substitutions=substitutions))

    _run_queries(report, queries, run, repeat)


# --- rdflib -------------------------------------------------------------------------------------------------------

def run_rdflib(report: Report, graph_ttl: Path, queries: list[NamedQuery], caps: dict[str, float]) -> None:
    """The common peer: rdflib's in-memory store, its Turtle parser and writer, its SPARQL engine (one run each,
    each query stopped after its cap in seconds)."""
    from rdflib import Graph

    graph = Graph()
    timed(report, "load", lambda: graph.parse(graph_ttl, format="turtle"))
    report({"phase": "size", "triples": len(graph)})
    timed(report, "export", lambda: graph.serialize(format="turtle"))

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
