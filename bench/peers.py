"""The benchmark's peer runner: Apache Jena TDB2 and OpenLink Virtuoso from their Debian packages, driven from Python.

Only what the benchmark needs: start a store in a fresh folder, bulk-load the project's dump, answer SPARQL as
SPARQL JSON, stop. (Publishing to a Virtuoso is graph/publish's business, not this module's.) Standard library only;
each peer says why it cannot run (`jena_missing()`, `virtuoso_missing()`) so the benchmark reports it instead of
failing.

Two Debian traps, found while writing the prototype these come from:
  - Jena (libapache-jena-java 4.5) ships jars but no wrapper scripts, and every command dies in JenaSystem.init
    (ExceptionInInitializerError in xerces.impl.dv.xs.XSSimpleTypeDecl) because Debian relocated Jena's shaded
    Xerces classes to `xerces.*` but left their message bundles under org/apache/jena/ext/xerces/ in jena-core.jar.
    `xerces_fix_dir()` copies the bundles to where the classes look, first on the classpath.
  - Virtuoso's stock ini caps SPARQL results at 10,000 rows and says nothing (ResultSetMaxRows), stops a query after
    a time and returns what it has ("anytime" answers); the ini below lifts the cap and sets no time limit (the
    stock ini's MaxQueryExecutionTime and MaxQueryCostEstimationTime are left out), on free loopback ports.
"""
from __future__ import annotations

import atexit
import http.client
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.parse
import zipfile
from pathlib import Path

# --- Apache Jena TDB2 ---------------------------------------------------------------------------------------------

JAVA_DIR = Path(os.environ.get("JENA_JAVA_DIR", "/usr/share/java"))
# Jena's jars and the runtime jars its Debian Depends: line pulls in (Jena 4.5.0-2, bookworm); slf4j-simple is the
# logger binding (Debian only suggests log4j2).
JENA_JARS = (
    "jena-arq", "jena-base", "jena-cmds", "jena-core", "jena-dboe-base", "jena-dboe-index", "jena-dboe-storage",
    "jena-dboe-trans-data", "jena-dboe-transaction", "jena-iri", "jena-rdfconnection", "jena-shacl", "jena-shex",
    "jena-tdb", "jena-tdb2",
    "commons-cli", "commons-codec", "commons-compress", "commons-csv", "commons-io", "commons-lang3",
    "dexx.collection", "gson", "guava", "httpclient", "httpclient-cache", "httpcore", "jackson-core",
    "jackson-databind", "jackson-annotations", "jsonld-java", "jakarta.json-api", "protobuf", "thrift",
    "titanium-json-ld", "slf4j-api", "jcl-over-slf4j", "slf4j-simple",
)
LOG_WARN = ["-Dorg.slf4j.simpleLogger.defaultLogLevel=warn", "-Dorg.slf4j.simpleLogger.logFile=System.err"]
# Loads keep the JIT's second tier; for one query C1 and the serial GC cut a tdbquery's CPU from ~2.6 s to ~1.9 s.
JVM_LOAD = ["-Xmx2g", *LOG_WARN]
JVM_QUERY = ["-Xmx2g", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", *LOG_WARN]
# The fastest TDB2 loader measured on 10 MB of N-Triples here: light 14 s, phased 21 s, default 30 s.
TDB2_LOADER = "light"


class PeerError(RuntimeError):
    """A peer that failed; the message says what it ran and what it answered."""


def jena_missing() -> str | None:
    """Why Jena TDB2 cannot run here, or None."""
    if not shutil.which("java"):
        return "no java on PATH (Debian: default-jre-headless)"
    missing = [name for name in JENA_JARS if not (JAVA_DIR / f"{name}.jar").exists()]
    if missing:
        return f"missing jars in {JAVA_DIR} (Debian: libapache-jena-java): {', '.join(missing[:5])}"
    return None


def xerces_fix_dir(target: Path | None = None) -> Path:
    """The Xerces message bundles of jena-core.jar, copied to target/xerces/impl/… (idempotent, atomic)."""
    target = Path(target or os.environ.get("JENA_XERCES_FIX_DIR") or Path(tempfile.gettempdir()) / "jena-xerces-msg")
    if (target / "xerces" / "impl" / "msg" / "XMLSchemaMessages.properties").exists():
        return target
    prefix = "org/apache/jena/ext/xerces/"
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".xerces-", dir=target.parent))
    with zipfile.ZipFile(JAVA_DIR / "jena-core.jar") as jar:
        for name in jar.namelist():
            if name.startswith(prefix) and name.endswith(".properties"):
                out = staging / "xerces" / name[len(prefix):]
                out.parent.mkdir(parents=True, exist_ok=True)
                out.write_bytes(jar.read(name))
    try:
        os.rename(staging, target)
    except OSError:  # another process made it first
        shutil.rmtree(staging, ignore_errors=True)
    return target


def _java(main_class: str, args: list[str], jvm: list[str], timeout: float) -> subprocess.CompletedProcess:
    classpath = os.pathsep.join([str(xerces_fix_dir()), *(str(JAVA_DIR / f"{n}.jar") for n in JENA_JARS)])
    done = subprocess.run(["java", *jvm, "-cp", classpath, main_class, *args], capture_output=True, timeout=timeout)
    if done.returncode != 0:
        raise PeerError(f"{main_class} {' '.join(args)[:300]}: exit {done.returncode}\n"
                        f"{done.stderr.decode('utf-8', 'replace')[-2000:]}")
    return done


def tdb2_load(location: Path, files: list[Path], timeout: float = 24 * 3600) -> None:
    """tdb2.tdbloader: quads keep their graphs (no --graph: with quad files Jena 4.5 then loads nothing)."""
    _java("tdb2.tdbloader", ["--loc", str(location), f"--loader={TDB2_LOADER}", *map(str, files)], JVM_LOAD, timeout)


def tdb2_query(location: Path, query: str, timeout: float = 3600) -> tuple[dict, float]:
    """One query in its own JVM over the union of the named graphs: (SPARQL JSON, seconds inside the JVM).

    The query runs once to warm the JVM and once timed (Jena's own --repeat=1,1 and --time): a cold run paid 3–30x
    more here (region-pairs on 10^4 triples: 31.6 s cold, 1.0 s warm), which would measure the JIT, not TDB2. The
    JVM's 1.5–5 s start is not counted. One TDB2 location admits one JVM at a time: calls must not run in parallel.
    """
    with tempfile.NamedTemporaryFile("w", suffix=".rq", delete=False, encoding="utf-8") as file:
        file.write(query)
    try:
        done = _java("tdb2.tdbquery", ["--loc", str(location), "--set", "tdb:unionDefaultGraph=true", "--time",
                                       "--repeat=1,1", "--results=json", f"--query={file.name}"], JVM_QUERY, timeout)
    finally:
        os.unlink(file.name)
    times = re.findall(r"^Time: ([0-9.]+) sec", done.stderr.decode("utf-8", "replace"), re.M)
    if not times:
        raise PeerError(f"tdb2.tdbquery printed no time:\n{done.stderr.decode('utf-8', 'replace')[-1000:]}")
    # With --repeat each timed run prints its results: the first document is the answer.
    result, _ = json.JSONDecoder().raw_decode(done.stdout.decode("utf-8"))
    return result, min(map(float, times))


# --- Virtuoso -----------------------------------------------------------------------------------------------------

VIRTUOSO_BIN = "virtuoso-t"
ISQL_NAMES = ("isql-vt", "isql-v")  # Debian renames Virtuoso's isql (unixODBC owns the name)
INI = """\
[Database]
DatabaseFile        = {d}/virtuoso.db
ErrorLogFile        = {d}/virtuoso.log
LockFile            = {d}/virtuoso.lck
TransactionFile     = {d}/virtuoso.trx
xa_persistent_file  = {d}/virtuoso.pxa
ErrorLogLevel       = 7
FileExtend          = 200
MaxCheckpointRemap  = 2000
Striping            = 0
TempStorage         = TempDatabase

[TempDatabase]
DatabaseFile        = {d}/virtuoso-temp.db
TransactionFile     = {d}/virtuoso-temp.trx
MaxCheckpointRemap  = 2000
Striping            = 0

[Parameters]
ServerPort          = 127.0.0.1:{sql_port}
LiteMode            = 0
DisableUnixSocket   = 1
DisableTcpSocket    = 0
MaxClientConnections = 20
CheckpointInterval  = 60
O_DIRECT            = 0
CaseMode            = 2
MaxStaticCursorRows = 5000
CheckpointAuditTrail = 0
AllowOSCalls        = 0
SchedulerInterval   = 10
DirsAllowed         = ., {dirs}
ThreadCleanupInterval = 0
ThreadThreshold     = 10
ResourcesCleanupInterval = 0
FreeTextBatchSize   = 100000
SingleCPU           = 0
VADInstallDir       = /usr/share/virtuoso-opensource-7/vad/
PrefixResultNames   = 0
RdfFreeTextRulesSize = 100
IndexTreeMaps       = 64
MaxMemPoolSize      = 200000000
MaxQueryMem         = 1G
VectorSize          = 1000
MaxVectorSize       = 1000000
AdjustVectorSize    = 0
ThreadsPerQuery     = 2
AsyncQueueMaxThreads = 10
NumberOfBuffers     = {buffers}
MaxDirtyBuffers     = {dirty}

[HTTPServer]
ServerPort          = 127.0.0.1:{http_port}
ServerRoot          = {d}/vsp
MaxClientConnections = 10
DavRoot             = DAV
EnabledDavVSP       = 0
HTTPProxyEnabled    = 0
TempASPXDir         = 0
DefaultMailServer   = localhost:25
ServerThreads       = 10
MaxKeepAlives       = 10
KeepAliveTimeout    = 10
MaxCachedProxyConnections = 10
ProxyConnectionCacheTimeout = 15
HTTPThreadSize      = 280000
HttpPrintWarningsInOutput = 0
Charset             = UTF-8
EnabledGzipContent  = 0

[AutoRepair]
BadParentLinks      = 0

[Client]
SQL_PREFETCH_ROWS   = 100
SQL_PREFETCH_BYTES  = 16000
SQL_QUERY_TIMEOUT   = 0
SQL_TXN_TIMEOUT     = 0

[URIQA]
DynamicLocal        = 0
DefaultHost         = 127.0.0.1:{http_port}

[SPARQL]
ResultSetMaxRows    = 100000000
DeferInferenceRulesInit = 0
"""
# 8 KiB pages: 85,000 buffers is ~660 MiB at most. (A trimmed ini, with automatic checkpoints off and fewer
# threads, took minutes to start a fresh database here instead of 4-20 s: this one is the prototype's, measured.)
BUFFERS = 85_000


def virtuoso_missing() -> str | None:
    """Why Virtuoso cannot run here, or None."""
    if not shutil.which(VIRTUOSO_BIN):
        return "no virtuoso-t on PATH (Debian: virtuoso-opensource)"
    if not any(shutil.which(name) for name in ISQL_NAMES):
        return "no isql-vt on PATH (Debian: virtuoso-opensource-7-bin)"
    return None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Virtuoso:
    """A throwaway server in `folder`: `with Virtuoso(folder, [data_dir]) as v: v.bulk_load(f); v.select(q, graphs)`."""

    def __init__(self, folder: Path, readable: list[Path] = ()):
        self.dir = Path(folder).resolve()
        self.readable = [self.dir, *(Path(p).resolve() for p in readable)]
        self.sql_port = _free_port()
        self.http_port = _free_port()
        while self.http_port == self.sql_port:
            self.http_port = _free_port()
        self.isql_bin = next(shutil.which(n) for n in ISQL_NAMES if shutil.which(n))
        self.process: subprocess.Popen | None = None
        self.started_in: float | None = None

    def __enter__(self) -> "Virtuoso":
        self.dir.mkdir(parents=True, exist_ok=True)
        (self.dir / "vsp").mkdir(exist_ok=True)
        (self.dir / "virtuoso.ini").write_text(INI.format(
            d=self.dir, sql_port=self.sql_port, http_port=self.http_port, buffers=BUFFERS, dirty=BUFFERS * 3 // 4,
            dirs=", ".join(map(str, self.readable))), encoding="utf-8")
        started = time.monotonic()
        self._log = open(self.dir / "stdout.log", "ab")
        self.process = subprocess.Popen([VIRTUOSO_BIN, "+foreground", "+configfile", str(self.dir / "virtuoso.ini")],
                                        cwd=self.dir, stdout=self._log, stderr=subprocess.STDOUT,
                                        start_new_session=True)
        atexit.register(self._kill)  # never leave a server behind a crashed benchmark
        while not self._ready():
            if self.process.poll() is not None:
                raise PeerError(f"virtuoso-t exited with {self.process.returncode}; see {self.dir}/virtuoso.log")
            if time.monotonic() - started > 300:
                self._kill()
                raise PeerError(f"Virtuoso not ready after 300 s; see {self.dir}/virtuoso.log")
            time.sleep(0.2)
        self.started_in = time.monotonic() - started
        return self

    def _ready(self) -> bool:
        log = self.dir / "virtuoso.log"
        if not log.exists() or "Server online at" not in log.read_text(errors="replace"):
            return False
        try:
            self.select("ASK {}")
            return True
        except (OSError, PeerError):
            return False

    def __exit__(self, *exc) -> None:
        if self.process is not None and self.process.poll() is None:
            try:  # checkpoints, removes the lock and exits (0.1–0.5 s)
                subprocess.run([self.isql_bin, f"127.0.0.1:{self.sql_port}", "dba", "dba", "exec=shutdown;"],
                               capture_output=True, timeout=120)
                self.process.wait(timeout=120)
            except subprocess.TimeoutExpired:
                self.process.send_signal(signal.SIGTERM)
        self._kill()
        atexit.unregister(self._kill)
        self._log.close()

    def _kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def peak_rss_mb(self) -> float | None:
        """The server's high-water resident memory (VmHWM), while it runs."""
        try:
            status = Path(f"/proc/{self.process.pid}/status").read_text()
        except OSError:
            return None
        match = re.search(r"^VmHWM:\s+(\d+)", status, re.M)
        return int(match.group(1)) / 1024 if match else None

    def isql(self, sql: str, timeout: float = 24 * 3600) -> str:
        """SQL through isql-vt, one statement a line (two on a line fail with SQ074); isql exits 0 even after
        an error, so the output is searched for it."""
        done = subprocess.run([self.isql_bin, f"127.0.0.1:{self.sql_port}", "dba", "dba", "VERBOSE=OFF",
                               "BANNER=OFF", "PROMPT=OFF", "ECHO=OFF", "ERRORS=STDOUT"],
                              input=sql.encode("utf-8"), capture_output=True, timeout=timeout)
        out = done.stdout.decode("utf-8", "replace") + done.stderr.decode("utf-8", "replace")
        if done.returncode != 0 or "*** Error" in out:
            raise PeerError(f"isql-vt failed (exit {done.returncode}):\n{out[-2000:]}")
        return out

    def bulk_load(self, path: Path) -> None:
        """The bulk loader on one TriG or N-Quads file: its quads keep their graphs. ld_add queues the file
        (ld_file would parse it outside the load list), rdf_loader_run loads, checkpoint makes it durable; one
        bad literal fails the whole file, which the load list then says."""
        path = Path(path).resolve()
        quoted = "'" + str(path).replace("'", "''") + "'"
        self.isql(f"ld_add({quoted}, 'urn:hongqiao-kg:bench:default');\nrdf_loader_run();\ncheckpoint;\n")
        out = self.isql(f"SELECT sprintf('%d|%s', ll_state, coalesce(ll_error, '')) FROM DB.DBA.LOAD_LIST "
                        f"WHERE ll_file = {quoted};")
        states = [line.strip().split("|", 1) for line in out.splitlines() if "|" in line]
        if not states or any(state != "2" or error for state, error in states):
            raise PeerError(f"Virtuoso's bulk load of {path} failed: {states or 'not queued'}")

    def select(self, query: str, graphs: list[str] = (), timeout: float = 24 * 3600) -> dict:
        """SPARQL over HTTP (anonymous, read-only) as SPARQL JSON. Virtuoso's default graph is every graph it holds,
        its own system graphs too, so `graphs` names the dataset's default graph (default-graph-uri)."""
        body = urllib.parse.urlencode([("query", query), *(("default-graph-uri", g) for g in graphs)])
        connection = http.client.HTTPConnection("127.0.0.1", self.http_port, timeout=timeout)
        try:
            connection.request("POST", "/sparql", body=body.encode("ascii"),
                               headers={"Content-Type": "application/x-www-form-urlencoded",
                                        "Accept": "application/sparql-results+json"})
            response = connection.getresponse()
            data = response.read()
        finally:
            connection.close()
        if response.status != 200:
            raise PeerError(f"Virtuoso SPARQL: HTTP {response.status}: {data[:1000]!r}")
        return json.loads(data.decode("utf-8"))
