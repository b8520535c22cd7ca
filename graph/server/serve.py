"""`hqkg serve`: a read-only linked-data server for a build folder (standard library http.server only).

- `/sparql`: the SPARQL 1.1 Protocol (GET ?query=, POST form, POST application/sparql-query); results as JSON,
  XML, CSV or TSV and graphs as Turtle, JSON-LD, N-Triples or RDF/XML, by Accept or `format=`. Updates are refused
  (403) by every route; time, result-size and request-size limits are in graph.sparql_pool.Limits. Without a query:
  the Service Description (RDF) or, for a browser, the query editor (YASGUI, also at `/sparql-ui`).
- the vocabularies: `/ontology` (and its version IRI), `/shapes`, by content negotiation (graph.outputs.vocabulary).
- every IRI under the base is served at the same path below the site root: with the default base
  `https://w3id.org/hongqiao-kg/id/`, `…/id/region/kunshan` is `/id/region/kunshan` here; HTML for people,
  RDF for machines (content negotiation, or `?format=`).
- the build folder's files (pages, dumps, void.ttl) at their names; nothing outside the folder, no hidden file,
  no directory listing.

Binds 127.0.0.1 by default: serving on other interfaces is a choice the caller makes with --host.

What a client can hold is bounded (Limits): connections (the next one is answered 503 and closed), the time to send
its headers and the time for the whole exchange (a reaper thread shuts the socket of a client past its deadline:
slowloris and clients that never read their answers), and the bytes of answers held for all clients together.
Requests whose framing is ambiguous (two Content-Length headers, one that is not a number, Content-Length with
Transfer-Encoding) are refused, and a body sent with a GET closes the connection after the answer, so it can never
be read as a second request.
"""
from __future__ import annotations

import ctypes
import mimetypes
import re
import socket
import sys
import threading
import time
from dataclasses import dataclass, field
from html import escape
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

import pyoxigraph as ox
from rdflib import URIRef

from graph.server import deref
from graph.outputs.describe import site_root
from graph.outputs.export import detect_base, jsonld_bytes
from graph.rdf.namespaces import DCTERMS, ONTOLOGY_VERSION_IRI, VOID
from graph.outputs import vocabulary
from graph.server import service
from graph.server.sparql_pool import (
    Job, Limits, QueryPool, Refused, Reply, accept_from_format, negotiate, parse_accept, rdf_prefixes, screen,
    text_reply,
)
from graph.rdf.store import Store, graph_file, to_ox

RESOURCE_TYPES = {  # offers for a resource, the first is the default
    "text/html": "html",
    "text/turtle": ox.RdfFormat.TURTLE,
    "application/ld+json": "jsonld",
    "application/n-triples": ox.RdfFormat.N_TRIPLES,
    "application/rdf+xml": ox.RdfFormat.RDF_XML,
}
RESOURCE_FORMATS = {"html": "text/html", "ttl": "text/turtle", "turtle": "text/turtle",
                    "jsonld": "application/ld+json", "json-ld": "application/ld+json",
                    "nt": "application/n-triples", "rdfxml": "application/rdf+xml", "rdf": "application/rdf+xml"}
STATIC_TYPES = {".ttl": "text/turtle", ".nt": "application/n-triples", ".jsonld": "application/ld+json",
                ".rdf": "application/rdf+xml", ".trig": "application/trig", ".nq": "application/n-quads",
                ".gz": "application/gzip", ".rq": "application/sparql-query", ".csv": "text/csv",
                ".json": "application/json", ".html": "text/html", ".js": "text/javascript", ".css": "text/css",
                ".svg": "image/svg+xml", ".md": "text/markdown", ".txt": "text/plain"}
HTML_POLICY = "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; form-action 'self'"


class ServeError(ValueError):
    """A graph path that cannot be served; the message names it."""


# Answers up to this size are sent without asking the budget: what they can hold is bounded by the connections.
SMALL_ANSWER = 64 * 2**10
M_MMAP_THRESHOLD = -3  # glibc's mallopt parameter


class Budget:
    """Bytes the server may hold for large answers not yet sent, all connections together."""

    def __init__(self, total: int):
        self.total, self.used = total, 0
        self._cond = threading.Condition()

    def reserve(self, size: int, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        with self._cond:
            while self.used + size > self.total:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._cond.wait(left)
            self.used += size
            return True

    def release(self, size: int) -> None:
        with self._cond:
            self.used -= size
            self._cond.notify_all()


@dataclass
class Site:
    """What one server serves: the store, its base IRI, the static folder (if any) and the query workers."""

    store: Store
    base: str
    local_prefix: str
    root: Path | None
    pool: QueryPool
    limits: Limits
    quiet: bool = False
    vocabulary_files: dict[str, bytes] = field(default_factory=dict)
    budget: Budget = None  # type: ignore[assignment]

    def __post_init__(self) -> None:
        if self.budget is None:
            self.budget = Budget(self.limits.held_bytes)

    @property
    def endpoint(self) -> str:
        """The endpoint's public IRI (the site root's /sparql): the base for relative IRIs in queries."""
        return site_root(self.base) + "sparql"

    def close(self) -> None:
        self.pool.close()


def open_site(graph: Path, limits: Limits = Limits(), quiet: bool = False) -> Site:
    """Load a build folder (its dataset; its files served too) or one RDF file."""
    graph = Path(graph)
    data = graph_file(graph)
    root = graph.resolve() if graph.is_dir() else None
    store = Store()
    store.load(data)
    base = detect_base(store)
    local_prefix = "/" + base[len(site_root(base)):]
    pool = QueryPool([data.resolve()], limits, base_iri=site_root(base) + "sparql")
    files = {name: data for v in vocabulary.vocabularies() for name, data in vocabulary.documents(v).items()}
    return Site(store, base, local_prefix, root, pool, limits, quiet, files)


class LinkedDataServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128  # the listen backlog (socketserver's default of 5 drops bursts of connections)

    def __init__(self, address: tuple[str, int], site: Site):
        self.site = site
        self._slots = threading.BoundedSemaphore(max(1, site.limits.connections))
        self._deadlines: dict[socket.socket, float] = {}
        self._deadline_lock = threading.Lock()
        self._closing = threading.Event()
        self.refused_connections = 0  # connections answered 503 for lack of a slot (for tests and logs)
        self.reaped = 0  # connections shut for overrunning a deadline
        super().__init__(address, Handler)
        threading.Thread(target=self._reap, name="deadline-reaper", daemon=True).start()

    # --- connection cap -------------------------------------------------------------------------------------------

    def process_request(self, request, client_address) -> None:
        if not self._slots.acquire(blocking=False):
            self.refused_connections += 1
            try:
                request.settimeout(1.0)
                request.sendall(b"HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain; charset=utf-8\r\n"
                                b"Content-Length: 35\r\nRetry-After: 5\r\nConnection: close\r\n\r\n"
                                b"too many connections; retry later\n\n")
            except OSError:
                pass
            self.shutdown_request(request)
            return
        try:
            super().process_request(request, client_address)
        except BaseException:
            self._slots.release()
            raise

    def process_request_thread(self, request, client_address) -> None:
        try:
            super().process_request_thread(request, client_address)
        finally:
            self.disarm(request)
            self._slots.release()

    # --- deadlines ------------------------------------------------------------------------------------------------

    def arm(self, connection: socket.socket, seconds: float) -> None:
        with self._deadline_lock:
            self._deadlines[connection] = time.monotonic() + seconds

    def disarm(self, connection: socket.socket) -> None:
        with self._deadline_lock:
            self._deadlines.pop(connection, None)

    def _reap(self) -> None:
        """Shut the sockets of clients past their deadline: the thread blocked on them then returns."""
        while not self._closing.wait(0.25):
            now = time.monotonic()
            with self._deadline_lock:
                late = [c for c, deadline in self._deadlines.items() if deadline < now]
                for connection in late:
                    del self._deadlines[connection]
            for connection in late:
                self.reaped += 1
                try:
                    connection.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def server_close(self) -> None:
        self._closing.set()
        super().server_close()


def make_server(site: Site, host: str = "127.0.0.1", port: int = 8000) -> LinkedDataServer:
    """A server bound to host:port (port 0: any free port; read it from server.server_address)."""
    return LinkedDataServer((host, port), site)


class Handler(BaseHTTPRequestHandler):
    server: LinkedDataServer
    server_version = "hongqiao-kg"
    sys_version = ""
    protocol_version = "HTTP/1.1"
    timeout = 10  # seconds one read or write may block; the server's deadlines bound the whole exchange

    # --- framing and deadlines ------------------------------------------------------------------------------------

    def handle_one_request(self) -> None:
        # The request line and headers (also the idle time before a keep-alive request) have header_seconds.
        self.server.arm(self.connection, self.server.site.limits.header_seconds)
        super().handle_one_request()

    def parse_request(self) -> bool:
        if not super().parse_request():
            return False
        problem = self._framing_problem()
        if problem:
            self.close_connection = True
            self._send(text_reply(400, problem))
            return False
        # The body, the query and the answer together have request_seconds.
        self.server.arm(self.connection, self.server.site.limits.request_seconds)
        return True

    def _framing_problem(self) -> str | None:
        """A request whose length a proxy and this server could read differently is refused (request smuggling)."""
        lengths = self.headers.get_all("Content-Length") or []
        encodings = self.headers.get_all("Transfer-Encoding") or []
        if len(lengths) > 1:
            return "more than one Content-Length header"
        if lengths and not re.fullmatch(r"[0-9]{1,15}", lengths[0].strip()):
            return f"bad Content-Length {lengths[0]!r}"
        if lengths and encodings:
            return "both Content-Length and Transfer-Encoding"
        if encodings:
            self.close_connection = True  # no chunked bodies are read here; the connection is not reused
        if self.command not in ("POST", "PUT", "PATCH") and (encodings or (lengths and int(lengths[0]) > 0)):
            self.close_connection = True  # a body on GET is never read, so it can never pass for a next request
        return None

    # --- methods --------------------------------------------------------------------------------------------------

    def do_GET(self) -> None:
        self._dispatch(head=False)

    def do_HEAD(self) -> None:
        self._dispatch(head=True)

    def do_POST(self) -> None:
        self._guard(self._post)

    def do_OPTIONS(self) -> None:
        self._send(Reply(204, "text/plain", b""), extra={
            "Access-Control-Allow-Methods": "GET, HEAD, POST, OPTIONS",
            "Access-Control-Allow-Headers": "Accept, Content-Type", "Allow": "GET, HEAD, POST, OPTIONS"})

    def _refuse_method(self) -> None:
        self._discard_body()
        self._send(text_reply(405, "this server is read-only: only GET, HEAD, POST (to /sparql) and OPTIONS"),
                   extra={"Allow": "GET, HEAD, POST, OPTIONS"})

    do_PUT = do_DELETE = do_PATCH = _refuse_method

    # --- routing --------------------------------------------------------------------------------------------------

    @property
    def site(self) -> Site:
        return self.server.site

    def _target(self) -> tuple[str, str]:
        """The raw (still percent-encoded) path and query string of the request, also for absolute-form targets."""
        parts = urlsplit(self.path)
        return (parts.path or "/"), parts.query

    def _guard(self, action) -> None:
        try:
            action()
        except Refused as refusal:
            self._send(text_reply(refusal.status, str(refusal)))
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True
        except Exception as error:  # never a traceback to the client; the log gets it
            self.log_error("internal error on %r: %r", self.path, error)
            self._send(text_reply(500, "internal server error"))

    def _dispatch(self, head: bool) -> None:
        def route() -> None:
            path, query = self._target()
            if path in ("/sparql", "/sparql/"):
                self._sparql_get(query, head)
            elif path.startswith("/sparql-ui"):
                self._ui(path, head)
            elif not (self._vocabulary(path, head) or self._resource(path, query, head)):
                self._static(path, head)
        self._guard(route)

    # --- SPARQL ---------------------------------------------------------------------------------------------------

    def _params(self, text: str) -> dict[str, list[str]]:
        try:
            return parse_qs(text, keep_blank_values=True, max_num_fields=200)
        except ValueError as error:
            raise Refused(400, f"cannot read the parameters: {error}") from None

    def _sparql_get(self, query_string: str, head: bool) -> None:
        if len(query_string) > self.site.limits.request_bytes:
            raise Refused(414, f"the query string is longer than {self.site.limits.request_bytes} bytes; use POST")
        params = self._params(query_string)
        if "update" in params:
            raise Refused(403, "this endpoint is read-only: updates are refused")
        if "query" not in params:
            self._describe_service(params, head)
            return
        self._run_query(params, head)

    def _describe_service(self, params: dict[str, list[str]], head: bool) -> None:
        """The Service Description for machines, the query editor for browsers (by Accept, or format=)."""
        accept = parse_accept(self.headers.get("Accept"))
        if params.get("format"):
            accept = accept_from_format(params["format"][-1]) or accept
        chosen = negotiate(accept, list(service.TYPES) + ["text/html"])
        if chosen == "text/html":
            self._ui("/sparql-ui", head)
            return
        if chosen is None:
            raise Refused(406, f"the service description is available as {', '.join(service.TYPES)}, text/html")
        body = service.description_bytes(self.site.endpoint, self.site.store, chosen)
        self._send(Reply(200, f"{chosen}; charset=utf-8", body), head=head, extra={"Vary": "Accept"})

    def _ui(self, path: str, head: bool) -> None:
        from graph.server import ui

        page = ui.asset(path, "/sparql")
        if page is None:
            self._send(text_reply(404, "not found"), head=head)
            return
        media, body = page
        self._send(Reply(200, media, body), head=head, extra={"Content-Security-Policy": ui.POLICY})

    def _post(self) -> None:
        path, query_string = self._target()
        if path not in ("/sparql", "/sparql/"):
            self._discard_body()
            raise Refused(405, "POST is accepted at /sparql only")
        body = self._read_body()
        content_type = self.headers.get("Content-Type") or ""
        media = content_type.split(";")[0].strip().lower()
        charset = re.search(r";\s*charset\s*=\s*\"?([\w.-]+)", content_type, re.I)
        if charset and charset.group(1).lower().replace("_", "-") not in ("utf-8", "utf8", "us-ascii"):
            raise Refused(415, f"the body must be UTF-8, not {charset.group(1)}")
        params = self._params(query_string)
        if media == "application/sparql-update":
            raise Refused(403, "this endpoint is read-only: updates are refused")
        if media == "application/x-www-form-urlencoded":
            try:
                form = self._params(body.decode("utf-8"))
            except UnicodeDecodeError:
                raise Refused(400, "the form is not valid UTF-8") from None
            if "update" in form:
                raise Refused(403, "this endpoint is read-only: updates are refused")
            for name, values in form.items():
                params.setdefault(name, []).extend(values)
        elif media == "application/sparql-query":
            try:
                params["query"] = [body.decode("utf-8")]
            except UnicodeDecodeError:
                raise Refused(400, "the query is not valid UTF-8") from None
        else:
            raise Refused(415, "POST a query as application/x-www-form-urlencoded (query=…) "
                               "or as application/sparql-query")
        if "query" not in params:
            raise Refused(400, "no query: give the parameter query=")
        self._run_query(params, head=False)

    def _read_body(self) -> bytes:
        if self.headers.get("Transfer-Encoding"):
            self.close_connection = True
            raise Refused(411, "send the body with a Content-Length, not chunked")
        length_header = self.headers.get("Content-Length")
        if length_header is None:
            self.close_connection = True
            raise Refused(411, "a POST needs a Content-Length")
        try:
            if not re.fullmatch(r"[0-9]{1,15}", length_header.strip()):
                raise ValueError
            length = int(length_header)
        except ValueError:
            self.close_connection = True
            raise Refused(400, f"bad Content-Length {length_header!r}") from None
        if length > self.site.limits.request_bytes:
            self.close_connection = True  # the body is left unread: this connection cannot be reused
            raise Refused(413, f"the request body ({length} bytes) is larger than the limit of "
                               f"{self.site.limits.request_bytes} bytes")
        return self.rfile.read(length)

    def _discard_body(self) -> None:
        if self.headers.get("Content-Length") or self.headers.get("Transfer-Encoding"):
            self.close_connection = True

    def _run_query(self, params: dict[str, list[str]], head: bool) -> None:
        queries = params.get("query", [])
        if len(queries) != 1:
            raise Refused(400, "give exactly one query parameter")
        query = queries[0]
        if len(query.encode()) > self.site.limits.request_bytes:
            raise Refused(413, f"the query is longer than {self.site.limits.request_bytes} bytes")
        if "update" in params:
            raise Refused(400, "give either query= or update=, not both")
        screen(query)
        accept = parse_accept(self.headers.get("Accept"))
        for name in ("format", "output"):  # names some clients use instead of Accept; unknown values: Accept wins
            if params.get(name):
                accept = accept_from_format(params[name][-1]) or accept
                break
        job = Job(query, tuple(accept), tuple(params.get("default-graph-uri", [])),
                  tuple(params.get("named-graph-uri", [])))
        reply = self.site.pool.run(job)  # at most `workers` answers are being made at once
        # A large answer is kept only if the budget for unsent answers has room for it now (a client that never
        # reads cannot make others wait); small ones always are (connections x SMALL_ANSWER bytes at most), so
        # clients that never read large answers cannot deny an ASK or a short SELECT.
        held = len(reply.body) if len(reply.body) > SMALL_ANSWER else 0
        if held and not self.site.budget.reserve(held, timeout=0):
            raise Refused(503, "the server is holding too many unsent answers; try again later")
        try:
            self._send(reply, head=head, extra={"Vary": "Accept"})
        finally:
            if held:
                self.site.budget.release(held)

    # --- vocabularies ---------------------------------------------------------------------------------------------

    def _vocabulary(self, path: str, head: bool) -> bool:
        """`/ontology`, its version IRI and `/shapes`: 303 to the document in the format the client prefers
        (recipe 3 of the W3C vocabulary-publishing recipes); `/ontology.ttl` etc.: the documents themselves."""
        files = self.site.vocabulary_files
        name = path.lstrip("/")
        if name in files:
            extension = name.rsplit(".", 1)[1]
            media = dict(vocabulary.FORMATS)[extension]
            self._send(Reply(200, f"{media}; charset=utf-8", files[name]), head=head,
                       extra={"Content-Security-Policy": HTML_POLICY} if extension == "html" else None)
            return True
        stem = {"ontology": "ontology", f"ontology/{ONTOLOGY_VERSION_IRI.rsplit('/', 1)[1]}": "ontology",
                "shapes": "shapes"}.get(name.rstrip("/"))
        if stem is None:
            return False
        offers = [media for _, media in vocabulary.FORMATS]
        chosen = negotiate(parse_accept(self.headers.get("Accept")), offers)
        if chosen is None:
            self._send(text_reply(406, f"available as {', '.join(offers)}"), head=head)
            return True
        extension = next(ext for ext, media in vocabulary.FORMATS if media == chosen)
        self.send_response(303)
        self.send_header("Location", f"/{stem}.{extension}")
        self.send_header("Vary", "Accept")
        self._headers("text/plain; charset=utf-8", 0)
        return True

    # --- resources ------------------------------------------------------------------------------------------------

    def _resource(self, path: str, query_string: str, head: bool) -> bool:
        """Serve the resource whose IRI this path stands for; False if the path names none."""
        prefix = self.site.local_prefix
        if not path.startswith(prefix) or len(path) == len(prefix):
            return False
        iri = deref.exists(self.site.store, self.site.base + path[len(prefix):])
        if iri is None:
            return False
        params = self._params(query_string)
        if params.get("format"):
            name = params["format"][-1].lower()
            if name not in RESOURCE_FORMATS:
                raise Refused(400, f"unknown format {name!r}; use one of {', '.join(RESOURCE_FORMATS)}")
            chosen = RESOURCE_FORMATS[name]
        else:
            chosen = negotiate(parse_accept(self.headers.get("Accept")), list(RESOURCE_TYPES))
        if chosen is None:
            self._send(text_reply(406, f"available as {', '.join(RESOURCE_TYPES)}"), head=head)
            return True
        triples = deref.description(self.site.store, iri)  # rdflib terms, as the page renderer reads them
        kind = RESOURCE_TYPES[chosen]
        if kind == "html":
            context = deref.PageContext(self.site.base, self.site.local_prefix)
            body = deref.resource_page(self.site.store, iri, triples, context).encode()
            extra = {"Content-Security-Policy": HTML_POLICY, "Vary": "Accept"}
        elif kind == "jsonld":
            body, extra = jsonld_bytes([tuple(map(to_ox, t)) for t in triples], self.site.base), {"Vary": "Accept"}
        else:
            body = ox.serialize((ox.Triple(to_ox(s), to_ox(p), to_ox(o)) for s, p, o in triples), format=kind,
                                prefixes=rdf_prefixes())
            extra = {"Vary": "Accept"}
        self._send(Reply(200, f"{chosen}; charset=utf-8", body), head=head, extra=extra)
        return True

    # --- static files ---------------------------------------------------------------------------------------------

    def _static(self, raw_path: str, head: bool) -> None:
        file = self._static_file(raw_path)
        if file is None and raw_path == "/":  # no index.html: a generated home page
            self._send(Reply(200, "text/html; charset=utf-8", _home(self.site).encode()), head=head,
                       extra={"Content-Security-Policy": HTML_POLICY})
            return
        if file is None:
            self._send(text_reply(404, "not found"), head=head)
            return
        media = STATIC_TYPES.get(file.suffix.lower()) or mimetypes.guess_type(file.name)[0] \
            or "application/octet-stream"
        if media.startswith("text/") or media in ("application/json", "application/ld+json", "application/trig",
                                                   "application/n-triples", "application/sparql-query"):
            media += "; charset=utf-8"
        # The build's own pages run their scripts (the graph views): they get no Content-Security-Policy.
        self.send_response(200)
        self._headers(media, file.stat().st_size)
        if not head:
            with open(file, "rb") as source:
                while chunk := source.read(1 << 16):
                    self.wfile.write(chunk)

    def _static_file(self, raw_path: str) -> Path | None:
        """The file a path names inside the build folder, or None: no '..', no hidden names, no way out."""
        root = self.site.root
        if root is None:
            return None
        try:
            path = unquote(raw_path, errors="strict")
        except UnicodeDecodeError:
            return None
        if "\x00" in path or "\\" in path:
            return None
        segments = [s for s in path.split("/") if s]
        if any(s in (".", "..") or s.startswith(".") for s in segments):
            return None
        candidate = root.joinpath(*segments)
        try:
            resolved = candidate.resolve(strict=True)
        except (OSError, RuntimeError):
            return None
        if not resolved.is_relative_to(root):  # a symbolic link that leads outside
            return None
        if resolved.is_dir():
            resolved = (resolved / "index.html")
            if not resolved.is_file() or not resolved.resolve().is_relative_to(root):
                return None
        return resolved if resolved.is_file() else None

    # --- writing --------------------------------------------------------------------------------------------------

    def _headers(self, content_type: str, length: int, extra: dict[str, str] | None = None) -> None:
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(length))
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Access-Control-Allow-Origin", "*")
        self.send_header("Referrer-Policy", "no-referrer")
        for name, value in (extra or {}).items():
            self.send_header(name, value)
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()

    def _send(self, reply: Reply, head: bool = False, extra: dict[str, str] | None = None) -> None:
        self.send_response(reply.status)
        self._headers(reply.content_type, len(reply.body), extra)
        if not head and reply.body:
            self.wfile.write(reply.body)

    def log_message(self, format: str, *args) -> None:  # noqa: A002 (the base class's name)
        if not self.site.quiet:
            sys.stderr.write(f"{self.address_string()} - {format % args}\n")

    def log_error(self, format: str, *args) -> None:  # noqa: A002
        sys.stderr.write(f"{self.address_string()} - error: {format % args}\n")  # even when quiet


# --- generated pages -------------------------------------------------------------------------------------------

def _page(title: str, body: str) -> str:
    return (f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>{escape(title)}</title>'
            f"<style>{deref.STYLE}</style></head><body>\n{body}\n</body></html>\n")


def _dataset_title(site: Site) -> str:
    dataset = URIRef(f"{site.base}dataset")
    titles = {t[2].language: str(t[2]) for t in deref.description(site.store, dataset) if t[1] == DCTERMS.title}
    return " / ".join(titles[k] for k in ("zh", "en") if k in titles) or "hongqiao-kg"


def _home(site: Site) -> str:
    dataset = URIRef(f"{site.base}dataset")
    examples = sorted({t[2] for t in deref.description(site.store, dataset) if t[1] == VOID.exampleResource}, key=str)
    context = deref.PageContext(site.base, site.local_prefix)
    items = "".join(f'<li><a href="{escape(context.href(str(e)) or "")}">{escape(str(e))}</a></li>' for e in examples)
    dumps = ""
    if site.root is not None:
        files = sorted(p.name for p in site.root.iterdir() if p.is_file() and not p.name.startswith("."))
        dumps = "<h2>Files</h2><ul>" + "".join(
            f'<li><a href="/{escape(name)}">{escape(name)}</a></li>' for name in files) + "</ul>"
    described = f'<li><a href="{escape(context.href(str(dataset)) or "")}">the dataset description</a></li>' \
        if deref.exists(site.store, str(dataset)) else ""
    return _page("hongqiao-kg", f"""<h1>{escape(_dataset_title(site))}</h1>
<ul><li><a href="/sparql">SPARQL endpoint</a></li>{described}</ul>
<h2>Example resources</h2><ul>{items}</ul>{dumps}""")


def serve(graph: Path, host: str = "127.0.0.1", port: int = 8000, limits: Limits = Limits(),
          quiet: bool = False, ready=None) -> None:
    """Serve until interrupted; `ready(url)` is called once the server listens."""
    _return_large_blocks_to_the_system()
    site = open_site(graph, limits, quiet)
    try:
        server = make_server(site, host, port)
    except BaseException:
        site.close()
        raise
    try:
        url = f"http://{_url_host(server.server_address[0])}:{server.server_address[1]}/"
        if ready:
            ready(url, site)
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
        site.close()


def _return_large_blocks_to_the_system() -> None:
    """Answers of a few MB, made and dropped on many threads, otherwise stay in glibc's per-thread arenas (its
    mmap threshold rises after each free): 40 clients that never read grew the server by 120 MB with a 64 MiB
    budget. A fixed threshold of 256 KiB maps each large answer on its own and unmaps it when freed."""
    try:
        libc = ctypes.CDLL("libc.so.6")
    except OSError:  # not glibc: nothing to tune
        return
    libc.mallopt(M_MMAP_THRESHOLD, 256 * 2**10)


def _url_host(host: str) -> str:
    return f"[{host}]" if ":" in host else host
