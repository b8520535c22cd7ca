"""Read-only SPARQL queries with a time limit, a result-size limit and no way out of the process.

Oxigraph cannot cancel a running query, so queries run in worker processes that each hold their own copy of the
store: a query that overruns its time limit has its worker killed (and replaced), and the client gets 503. A
result is serialised through a writer that stops at `result_bytes` (the client gets 422), so memory stays bounded.
Each worker, once its store is loaded, lowers its open-file limit to the files it already has and caps its address
space: it can then open no socket or file, so a federated `SERVICE` call cannot reach the network even if it got
past the check in `screen`.

Updates never run: `Store.query` parses queries only (an update is a syntax error to it, answered 403), and the
workers never call anything else. `screen` refuses `SERVICE` and over-deep nesting before a worker sees the text;
each worker also parses on a thread with a large stack, so a query nested past the check cannot crash it.
"""
from __future__ import annotations

import io
import multiprocessing
import os
import queue
import re
import resource
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from graph.outputs.export import jsonld_bytes
from graph.rdf.namespaces import DEFAULT_BASE, PREFIXES
from graph.rdf.store import Store


@dataclass(frozen=True)
class Limits:
    query_seconds: float = 10.0  # wall-clock time a query may run before its worker is killed
    result_bytes: int = 16 * 2**20  # largest serialised result
    request_bytes: int = 256 * 2**10  # largest query text or request body (the server answers 413 beyond)
    workers: int = 2  # queries that can run at once
    worker_memory_bytes: int = 2 * 2**30  # address space of a worker (a runaway query dies, not the machine)
    # The HTTP side (graph.server.serve): what slow, many or hostile clients can hold.
    connections: int = 64  # connections open at once; the next one gets 503 and is closed
    header_seconds: float = 10.0  # to send the request line and headers (and to idle between keep-alive requests)
    request_seconds: float = 60.0  # to send the body, wait for the answer and read it
    held_bytes: int = 64 * 2**20  # answers held in memory for all clients together (a slow reader holds its own)


@dataclass(frozen=True)
class Reply:
    status: int
    content_type: str
    body: bytes


def text_reply(status: int, message: str) -> Reply:
    return Reply(status, "text/plain; charset=utf-8", (message.rstrip("\n") + "\n").encode())


# --- content negotiation -------------------------------------------------------------------------------------------

RESULT_TYPES = {  # SELECT and ASK; the first is the default
    "application/sparql-results+json": ox.QueryResultsFormat.JSON,
    "application/json": ox.QueryResultsFormat.JSON,
    "application/sparql-results+xml": ox.QueryResultsFormat.XML,
    "application/xml": ox.QueryResultsFormat.XML,
    "text/xml": ox.QueryResultsFormat.XML,
    "text/csv": ox.QueryResultsFormat.CSV,
    "text/tab-separated-values": ox.QueryResultsFormat.TSV,
}
GRAPH_TYPES = {  # CONSTRUCT and DESCRIBE; the first is the default ("jsonld" is written by graph.outputs.export)
    "text/turtle": ox.RdfFormat.TURTLE,
    "application/ld+json": "jsonld",
    "application/n-triples": ox.RdfFormat.N_TRIPLES,
    "application/rdf+xml": ox.RdfFormat.RDF_XML,
    "text/plain": ox.RdfFormat.N_TRIPLES,
}
# The `format` parameter, for clients that cannot set Accept: each name stands for these media types.
FORMAT_NAMES = {
    "json": ("application/sparql-results+json", "application/ld+json"),
    "xml": ("application/sparql-results+xml", "application/rdf+xml"),
    "csv": ("text/csv",), "tsv": ("text/tab-separated-values",),
    "ttl": ("text/turtle",), "turtle": ("text/turtle",),
    "jsonld": ("application/ld+json",), "json-ld": ("application/ld+json",),
    "nt": ("application/n-triples",), "ntriples": ("application/n-triples",),
    "rdfxml": ("application/rdf+xml",), "rdf": ("application/rdf+xml",),
}


def parse_accept(header: str | None) -> list[tuple[str, float]]:
    """[(media range, q)] best first; an absent or empty header accepts anything."""
    if not header or not header.strip():
        return [("*/*", 1.0)]
    ranges = []
    for position, part in enumerate(header.split(",")):
        fields = [f.strip() for f in part.split(";")]
        media = fields[0].lower()
        if not media:
            continue
        q = 1.0
        for param in fields[1:]:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    q = max(0.0, min(1.0, float(value)))
                except ValueError:
                    q = 0.0
        specificity = 0 if media == "*/*" else 1 if media.endswith("/*") else 2
        ranges.append((media, q, specificity, position))
    ranges.sort(key=lambda r: (-r[1], -r[2], r[3]))
    return [(media, q) for media, q, _, _ in ranges]


def negotiate(accept: Sequence[tuple[str, float]], offers: Sequence[str]) -> str | None:
    """The offer the client prefers most (ties: the order of `offers`), or None if it accepts none of them."""
    best, best_q = None, 0.0
    for offer in offers:
        kind = offer.split("/")[0]
        q = next((q for media, q in accept if media in (offer, f"{kind}/*", "*/*")), 0.0)
        # A more specific range overrides a broader one ('text/csv;q=0' beats '*/*').
        exact = [q2 for media, q2 in accept if media == offer]
        if exact:
            q = exact[0]
        if q > best_q:
            best, best_q = offer, q
    return best


def accept_from_format(name: str) -> list[tuple[str, float]] | None:
    """The media types a `format`/`output` value stands for: a short name (json, xml, ttl…) or a media type itself;
    None for anything else, so that the request falls back to its Accept header (as SPARQLWrapper expects: it
    sends format=, output= and results= with names such as n3 or rdf+xml alongside a correct Accept)."""
    value = name.strip().lower()
    types = FORMAT_NAMES.get(value)
    if types:
        return [(t, 1.0) for t in types]
    if value in RESULT_TYPES or value in GRAPH_TYPES:
        return [(value, 1.0)]
    return None


# --- screening the query text --------------------------------------------------------------------------------------

# A lexer for what matters here: where IRIs, strings and comments are, so that braces and keywords are seen only in
# the query's code. Codepoint escapes (\u0053) are not decoded first: Oxigraph reads them only inside IRIs and
# strings, so decoding them beforehand (as an earlier version did) let `"\u0022" SERVICE …` hide a SERVICE call.
_TOKENS = re.compile(r'''
    (?P<iri><[^<>"{}|^`\\\x00-\x20]*>)
  | (?P<string>"""(?:[^"\\]|\\.|"(?!""))*"""|\'\'\'(?:[^'\\]|\\.|'(?!''))*\'\'\'
              |"(?:[^"\\\n\r]|\\.)*"|'(?:[^'\\\n\r]|\\.)*')
  | (?P<comment>\#[^\n\r]*)
  | (?P<other>[^<"'\#]+|.)
''', re.S | re.X)
_SERVICE = re.compile(r"(?<![\w:?$-])SERVICE(?![\w:-])", re.I)
MAX_DEPTH = 128  # nested groups ({ ( [) a query may have; Oxigraph's parser overflows a default stack near 3 000
MAX_BRACKETS = 20_000  # opening brackets anywhere, strings included: bounds the depth whatever the lexer thinks


class Refused(Exception):
    """A request the endpoint will not run; `status` is the HTTP status to answer with."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status


def _code(text: str) -> str:
    """The query with IRIs, strings and comments blanked out: what is left is keywords, names and punctuation."""
    return "".join(m.group("other") or " " for m in _TOKENS.finditer(text))


def nesting(text: str) -> int:
    """The deepest nesting of { ( [ in the query's code."""
    depth = deepest = 0
    for char in _code(text):
        if char in "{([":
            depth += 1
            deepest = max(deepest, depth)
        elif char in "})]":
            depth = max(0, depth - 1)
    return deepest


def screen(query: str) -> None:
    """Refuse, before a worker sees it, what the engine must never run: federated queries (400) and queries nested
    so deeply that the parser would exhaust its stack (400). Updates need no screening: the query parser rejects
    every update form, and `refusal_for_syntax_error` turns that rejection into a 403."""
    brackets = sum(query.count(c) for c in "{([")
    if brackets > MAX_BRACKETS:
        raise Refused(400, f"the query has {brackets} opening brackets; at most {MAX_BRACKETS} are allowed")
    depth = nesting(query)
    if depth > MAX_DEPTH:
        raise Refused(400, f"the query nests groups {depth} levels deep; at most {MAX_DEPTH} are allowed")
    if _SERVICE.search(_code(query)):
        raise Refused(400, "SERVICE (federated query) is not allowed on this endpoint")


def is_update(text: str) -> bool:
    """Whether `text` is a SPARQL 1.1 Update (parsed, never run), for a 403 instead of a syntax error."""
    from rdflib.plugins.sparql.parser import parseUpdate

    if len(text) > 64 * 1024:  # rdflib's parser is slow on long texts; such a text is refused as a syntax error
        return False
    try:
        parseUpdate(text)
    except Exception:  # noqa: BLE001 (pyparsing raises several kinds; any of them means: not an update)
        return False
    return True


_POSITION = re.compile(r"^error at (\d+):(\d+): (.*)$", re.S)


def syntax_message(query: str, error: str) -> str:
    """Oxigraph's parser error as one readable line and the line of the query it points at."""
    first = error.strip()
    match = _POSITION.match(first)
    if not match:
        return "invalid SPARQL query: " + _shorten(first)
    line, column, detail = int(match.group(1)), int(match.group(2)), match.group(3)
    lines = query.splitlines() or [""]
    text = lines[line - 1] if 0 < line <= len(lines) else ""
    start = max(0, column - 1 - 40)
    excerpt = text[start:column - 1 + 40]
    caret = " " * (column - 1 - start) + "^"
    return (f"invalid SPARQL query at line {line}, column {column}: {_shorten(detail)}\n"
            f"  {excerpt}\n  {caret}")


def _shorten(detail: str) -> str:
    detail = " ".join(detail.split())
    if detail.startswith("expected one of "):  # the parser lists every character class it would accept
        wanted = detail[len("expected one of "):]
        named = [w.strip() for w in wanted.split(",") if w.strip() and not w.strip().startswith(("[", "'"))]
        detail = "unexpected text" + (f" ({'; '.join(named[:3])})" if named else "")
    return detail if len(detail) <= 200 else detail[:200] + "…"


# --- running a query -------------------------------------------------------------------------------------------------

class _TooLarge(Exception):
    pass


class _CappedBuffer(io.RawIOBase):
    """A bytes sink that raises once more than `limit` bytes were written (the serialiser then stops)."""

    def __init__(self, limit: int):
        self.limit, self.data = limit, bytearray()

    def writable(self) -> bool:
        return True

    def write(self, chunk) -> int:
        self.data += chunk
        if len(self.data) > self.limit:
            raise _TooLarge
        return len(chunk)


@dataclass(frozen=True)
class Job:
    query: str
    accept: tuple[tuple[str, float], ...]
    default_graphs: tuple[str, ...] = ()
    named_graphs: tuple[str, ...] = ()


def execute(store: ox.Store, job: Job, result_bytes: int, base_iri: str | None = None) -> Reply:
    """Run `job` on `store` and serialise the result as negotiated; errors become 4xx replies. Relative IRIs in the
    query resolve against `base_iri` (the endpoint's own IRI, which the protocol allows as the service's base)."""
    options: dict = {"use_default_graph_as_union": not job.default_graphs, "base_iri": base_iri}
    try:
        if job.default_graphs:
            options["default_graph"] = [ox.NamedNode(iri) for iri in job.default_graphs]
        if job.named_graphs:
            options["named_graphs"] = [ox.NamedNode(iri) for iri in job.named_graphs]
    except ValueError as error:
        return text_reply(400, f"invalid graph IRI: {error}")
    try:
        result = store.query(job.query, **options)
    except SyntaxError as error:
        if is_update(job.query):
            return text_reply(403, "this endpoint is read-only: the request is a SPARQL Update, which is refused")
        return text_reply(400, syntax_message(job.query, str(error)))
    except OSError as error:
        return text_reply(400, f"the query failed: {error}")
    graph_result = isinstance(result, ox.QueryTriples)
    offers = GRAPH_TYPES if graph_result else RESULT_TYPES
    chosen = negotiate(job.accept, list(offers))
    if chosen is None:
        return text_reply(406, f"cannot answer this query in the formats accepted; available: {', '.join(offers)}")
    sink = _CappedBuffer(result_bytes)
    try:
        if not graph_result:
            result.serialize(sink, format=offers[chosen])
        elif offers[chosen] == "jsonld":
            sink.write(_jsonld(result, result_bytes))
        else:
            ox.serialize(result, sink, format=offers[chosen], prefixes=rdf_prefixes())
    except _TooLarge:
        return text_reply(422, f"the result is larger than the limit of {result_bytes} bytes; "
                               "narrow the query or add a LIMIT")
    except OSError as error:
        return text_reply(400, f"the query failed: {error}")
    charset = "; charset=utf-8" if chosen.startswith("text/") or "json" in chosen or "xml" in chosen else ""
    return Reply(200, chosen + charset, bytes(sink.data))


def rdf_prefixes() -> dict[str, str]:
    """The project prefixes for Turtle and RDF/XML output (resource IRIs stay in full)."""
    return {prefix: iri for prefix, iri in PREFIXES.items() if iri != DEFAULT_BASE}


def _jsonld(triples, limit: int) -> bytes:
    collected, size = [], 0
    for triple in triples:
        size += len(str(triple))
        if size > limit:
            raise _TooLarge
        collected.append((triple.subject, triple.predicate, triple.object))
    return jsonld_bytes(collected)


# --- the workers ---------------------------------------------------------------------------------------------------

WORKER_STACK_BYTES = 256 * 2**20  # measured: parses 60 000 nested groups (more than MAX_BRACKETS allows)


def _worker_main(conn, sources: list[str], result_bytes: int, memory_bytes: int, base_iri: str | None) -> None:
    """A worker process: load the store, seal the process, then answer jobs until told to stop (None). Jobs run on
    a thread with a large stack: Oxigraph's recursive parser then overflows only far beyond what `screen` lets in."""
    threading.stack_size(WORKER_STACK_BYTES)
    thread = threading.Thread(target=_serve_jobs, args=(conn, sources, result_bytes, memory_bytes, base_iri))
    thread.start()
    thread.join()


def _serve_jobs(conn, sources: list[str], result_bytes: int, memory_bytes: int, base_iri: str | None) -> None:
    import rdflib.plugins.sparql.parser  # noqa: F401 (imported before the seal: no file can be opened after it)

    store = Store()
    try:
        for source in sources:
            store.load(Path(source))
    except Exception as error:  # reported to the parent, which fails to start
        conn.send(("error", str(error)))
        return
    _seal(memory_bytes)
    conn.send(("ready", len(store)))
    raw = store.raw()
    while True:
        try:
            job = conn.recv()
        except EOFError:
            return
        if job is None:
            return
        conn.send(execute(raw, job, result_bytes, base_iri))


def _seal(memory_bytes: int) -> None:
    """No new file descriptors (so no socket, no file) and a bounded address space, from here on."""
    lowest_free = os.open(os.devnull, os.O_RDONLY)
    os.close(lowest_free)
    resource.setrlimit(resource.RLIMIT_NOFILE, (lowest_free, lowest_free))
    if memory_bytes:
        _, hard = resource.getrlimit(resource.RLIMIT_AS)
        if hard == resource.RLIM_INFINITY or hard > memory_bytes:
            resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))


class _Worker:
    def __init__(self, context, sources: list[str], limits: Limits, base_iri: str | None):
        self.conn, child = context.Pipe()
        self.process = context.Process(target=_worker_main, daemon=True,
                                       args=(child, sources, limits.result_bytes, limits.worker_memory_bytes,
                                             base_iri))
        self.process.start()
        child.close()

    def wait_ready(self, timeout: float) -> None:
        if not self.conn.poll(timeout):
            self.kill()
            raise RuntimeError(f"a query worker did not load the data within {timeout:.0f} s")
        try:
            status, detail = self.conn.recv()
        except EOFError:
            status, detail = "error", f"exited with code {self.process.exitcode}"
        if status != "ready":
            self.kill()
            raise RuntimeError(f"a query worker could not load the data: {detail}")

    def kill(self) -> None:
        if self.process.is_alive():
            self.process.kill()
        self.process.join(5)
        self.conn.close()


class QueryPool:
    """`limits.workers` worker processes, each with the store loaded from `sources`."""

    STARTUP_SECONDS = 300.0

    def __init__(self, sources: Sequence[Path], limits: Limits = Limits(), base_iri: str | None = None):
        self.sources = [str(s) for s in sources]
        self.limits = limits
        self.base_iri = base_iri
        self._context = multiprocessing.get_context("spawn")  # never fork a threaded server
        self._idle: queue.Queue[_Worker] = queue.Queue()
        self._all: set[_Worker] = set()
        self._lock = threading.Lock()
        self._closed = False
        self.replaced = 0  # workers killed for overrunning or dying (for tests and logs)
        workers = [self._spawn() for _ in range(max(1, limits.workers))]
        try:
            for worker in workers:
                worker.wait_ready(self.STARTUP_SECONDS)
        except BaseException:
            self.close()
            raise
        for worker in workers:
            self._idle.put(worker)

    def _spawn(self) -> _Worker:
        worker = _Worker(self._context, self.sources, self.limits, self.base_iri)
        with self._lock:
            self._all.add(worker)
        return worker

    def run(self, job: Job) -> Reply:
        """The reply to `job`: waits for a free worker, then at most `query_seconds` for the answer."""
        seconds = self.limits.query_seconds
        try:
            worker = self._idle.get(timeout=seconds)
        except queue.Empty:
            return text_reply(503, f"all {self.limits.workers} query workers are busy; try again later")
        try:
            worker.conn.send(job)
            if worker.conn.poll(seconds):
                reply = worker.conn.recv()
                self._idle.put(worker)
                return reply
            self._replace(worker)
            return text_reply(503, f"the query ran longer than the time limit of {seconds:g} s and was stopped")
        except (EOFError, OSError):
            self._replace(worker)
            return text_reply(500, "the query worker stopped (the query probably needed more memory than allowed)")

    def _replace(self, worker: _Worker) -> None:
        worker.kill()
        with self._lock:
            self._all.discard(worker)
            self.replaced += 1
            if self._closed:
                return
        threading.Thread(target=self._start_replacement, daemon=True).start()

    def _start_replacement(self) -> None:
        worker = self._spawn()
        try:
            worker.wait_ready(self.STARTUP_SECONDS)
        except RuntimeError:
            with self._lock:
                self._all.discard(worker)
            return
        with self._lock:
            if self._closed:
                worker.kill()
                return
        self._idle.put(worker)

    def close(self) -> None:
        with self._lock:
            self._closed = True
            workers = list(self._all)
            self._all.clear()
        for worker in workers:
            try:
                worker.conn.send(None)
            except OSError:
                pass
            worker.kill()
