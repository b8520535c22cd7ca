"""The benchmark's peer runner: Apache Jena TDB2 and OpenLink Virtuoso from their Debian packages, driven from Python.

Only what the benchmark needs: start a store in a fresh folder, bulk-load the project's dump, answer SPARQL as
SPARQL JSON, stop. The plumbing is graph/publish's (`jena`: the classpath with Debian's missing Xerces bundles, the
TDB2 loader and queries; `virtuoso`: the throwaway instance, isql, the bulk loader, SPARQL over HTTP), so the
benchmark measures the stores the way the project publishes to them. What is the benchmark's own: Jena's queries
timed inside the JVM after a warm-up run, and a Virtuoso with ResultSetMaxRows lifted to 10^8 and no time limit
(past its MaxQueryExecutionTime Virtuoso answers what it has, "anytime" answers, without an error). Each peer says
why it cannot run (`jena_missing()`, `virtuoso_missing()`) so the benchmark reports it instead of failing; a peer
that fails raises PeerError.
"""
from __future__ import annotations

import atexit
import re
from pathlib import Path

from graph.publish import jena, virtuoso
from graph.publish.gsp import PublishError


class PeerError(RuntimeError):
    """A peer that failed; the message says what it ran and what it answered."""


LONG = 24 * 3600  # seconds: the benchmark waits for a load or a query as long as it takes


# --- Apache Jena TDB2 ---------------------------------------------------------------------------------------------

def jena_missing() -> str | None:
    """Why Jena TDB2 cannot run here, or None."""
    return jena.missing()


def tdb2_load(location: Path, files: list[Path], timeout: float = LONG) -> None:
    """tdb2.tdbloader (its light loader) into a fresh location: quads keep their graphs."""
    try:
        jena.load(location, files, timeout)
    except PublishError as error:
        raise PeerError(str(error)) from None


def tdb2_query(location: Path, query: str, timeout: float = 3600) -> tuple[dict, float]:
    """One query in its own JVM over the union of the named graphs: (SPARQL JSON, seconds inside the JVM, after
    a warm-up run; graph/publish/jena.py `query_timed`)."""
    try:
        return jena.query_timed(location, query, union_default_graph=True, timeout=timeout)
    except PublishError as error:
        raise PeerError(str(error)) from None


# --- Virtuoso -----------------------------------------------------------------------------------------------------

# 8 KiB pages: 85,000 buffers is ~660 MiB at most.
BUFFERS = 85_000
MAX_ROWS = 100_000_000


def virtuoso_missing() -> str | None:
    """Why Virtuoso cannot run here, or None."""
    return virtuoso.missing()


class Virtuoso:
    """A throwaway server in `folder`: `with Virtuoso(folder, [data_dir]) as v: v.bulk_load(f); v.select(q, graphs)`."""

    def __init__(self, folder: Path, readable: list[Path] = ()):
        self.instance = virtuoso.Instance(folder, dirs_allowed=tuple(readable), buffers=BUFFERS, max_rows=MAX_ROWS,
                                          query_seconds=None)
        self.started_in: float | None = None

    def __enter__(self) -> "Virtuoso":
        atexit.register(self.instance.stop)  # never leave a server behind a crashed benchmark
        try:
            self.instance.start(timeout=300)
        except PublishError as error:
            atexit.unregister(self.instance.stop)
            raise PeerError(str(error)) from None
        self.started_in = self.instance.startup_seconds
        return self

    def __exit__(self, *exc) -> None:
        self.instance.stop()
        atexit.unregister(self.instance.stop)

    def peak_rss_mb(self) -> float | None:
        """The server's high-water resident memory (VmHWM), while it runs."""
        try:
            status = Path(f"/proc/{self.instance.process.pid}/status").read_text()
        except (OSError, AttributeError):
            return None
        match = re.search(r"^VmHWM:\s+(\d+)", status, re.M)
        return int(match.group(1)) / 1024 if match else None

    def isql(self, sql: str, timeout: float = LONG) -> str:
        """SQL through isql-vt (one statement a line: two on a line fail with SQ074)."""
        try:
            return virtuoso.isql(self.instance.isql_address, self.instance.user, self.instance.password, sql, timeout)
        except PublishError as error:
            raise PeerError(str(error)) from None

    def bulk_load(self, path: Path) -> None:
        """The bulk loader on one TriG or N-Quads file in a readable folder: its quads keep their graphs."""
        try:
            virtuoso.bulk_load(self.instance.isql_address, self.instance.user, self.instance.password, path, [],
                               timeout=LONG)
        except PublishError as error:
            raise PeerError(str(error)) from None

    def select(self, query: str, graphs: list[str] = (), timeout: float = LONG) -> dict:
        """SPARQL over HTTP as SPARQL JSON, `graphs` as the default graph (Virtuoso's own holds its system graphs)."""
        try:
            return self.instance.select(query, graphs, timeout)
        except PublishError as error:
            raise PeerError(str(error)) from None
