"""OpenLink Virtuoso 7 (Debian's virtuoso-opensource): a throwaway instance on loopback for tests and CI, and the
bulk loader for large dumps.

`Instance(folder)` writes its own virtuoso.ini (free loopback ports for SQL and HTTP, DirsAllowed = its folder and
the given ones, ResultSetMaxRows raised: Debian's default of 10 000 cuts results silently), starts `virtuoso-t` in
its own process group and waits until the HTTP listener answers. `bulk_load` writes the plan as N-Quads into a
folder the server may read, then over isql clears each graph, `ld_add`, `rdf_loader_run()` and `checkpoint`, and
checks DB.DBA.LOAD_LIST for errors: the same graphs replaced, as the Graph Store Protocol does, at loader speed.
Endpoints of an instance: Graph Store Protocol `/sparql-graph-crud-auth` (Digest, graph-uri=), Update
`/sparql-auth` (Digest), queries `/sparql` (`Instance.select`). The benchmark (bench/peers.py) runs its Virtuoso as
such an instance, with results uncapped and no time limit.
"""
from __future__ import annotations

import http.client
import json
import os
import shutil
import signal
import socket
import subprocess
import time
import urllib.parse
from pathlib import Path

from graph.publish.gsp import PublishError

VIRTUOSO = "virtuoso-t"
ISQL_NAMES = ("isql-vt", "isql-v", "virtuoso-isql")  # Debian renames Virtuoso's isql (unixODBC owns "isql")

INI_TEMPLATE = """\
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
DirsAllowed         = ., {dirs_allowed}
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
ResultSetMaxRows    = {max_rows}
{limits}DeferInferenceRulesInit = 0
"""
# Past MaxQueryExecutionTime Virtuoso answers what it has found so far ("anytime" answers), not an error; an
# instance made with query_seconds=None has no limit (the benchmark's, which must get whole answers). No
# MaxQueryCostEstimationTime: its estimate comes from sampled statistics, and at 400 s (DBpedia's setting) it
# refused region-profile on some instances of the seed build, estimated at 405 s and 1554 s, which answers in
# about a tenth of a second.
LIMITS = "MaxQueryExecutionTime = {seconds}\n"



def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def find_isql() -> str:
    for name in ISQL_NAMES:
        found = shutil.which(name)
        if found:
            return found
    raise PublishError("no Virtuoso isql found (Debian: isql-vt in virtuoso-opensource-7-bin)")


def missing() -> str | None:
    """Why Virtuoso cannot run here, or None."""
    if not shutil.which(VIRTUOSO):
        return "no virtuoso-t on PATH (Debian: virtuoso-opensource)"
    if not any(shutil.which(name) for name in ISQL_NAMES):
        return "no isql-vt on PATH (Debian: virtuoso-opensource-7-bin)"
    return None


def available() -> bool:
    return missing() is None


def isql(address: str, user: str, password: str, sql: str, timeout: float = 3600) -> str:
    """Run ';'-terminated SQL through isql; an '*** Error' in its output raises PublishError."""
    run = subprocess.run([find_isql(), address, user, password, "VERBOSE=OFF", "BANNER=OFF", "PROMPT=OFF",
                          "ECHO=OFF", "ERRORS=STDOUT"], input=sql.encode("utf-8"), capture_output=True,
                         timeout=timeout)
    out = run.stdout.decode("utf-8", "replace") + run.stderr.decode("utf-8", "replace")
    if run.returncode != 0 or "*** Error" in out:
        raise PublishError(f"isql at {address} failed (exit {run.returncode}):\n{out[-2000:]}")
    return out


def _sql_string(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def bulk_load(address: str, user: str, password: str, nquads: Path, graphs: list[str], timeout: float = 3600) -> None:
    """Replace `graphs` with the content of the N-Quads (or TriG) file, which must lie in a DirsAllowed folder:
    ld_add queues the file (ld_file would parse it outside the load list), rdf_loader_run loads, checkpoint makes it
    durable; one bad literal fails the whole file, which the load list then says."""
    path = str(Path(nquads).resolve())
    sql = "".join(f"SPARQL CLEAR GRAPH <{g}>;\n" for g in graphs)
    sql += "DELETE FROM DB.DBA.LOAD_LIST WHERE ll_state = 2;\n"  # earlier finished loads
    sql += f"DELETE FROM DB.DBA.LOAD_LIST WHERE ll_file = {_sql_string(path)};\n"
    sql += f"ld_add({_sql_string(path)}, 'urn:hongqiao-kg:no-graph');\nrdf_loader_run();\ncheckpoint;\n"
    isql(address, user, password, sql, timeout)
    out = isql(address, user, password, "SELECT sprintf('%s|%d|%s', ll_file, ll_state, coalesce(ll_error, '')) "
                                         "FROM DB.DBA.LOAD_LIST;")
    rows = [line.strip().split("|", 2) for line in out.splitlines() if "|" in line]
    bad = [r for r in rows if r[1] != "2" or r[2]]
    if not rows or bad:
        raise PublishError(f"Virtuoso's bulk loader failed on {path}: {bad or 'nothing was loaded'}")


class Instance:
    """A throwaway Virtuoso in `folder`, listening on loopback only."""

    def __init__(self, folder: Path, password: str = "dba", dirs_allowed: tuple[Path, ...] = (),
                 buffers: int = 85000, max_rows: int = 1_000_000, query_seconds: int | None = 120):
        self.folder = Path(folder).resolve()
        self.user, self.password = "dba", password
        self.sql_port, self.http_port = free_port(), free_port()
        while self.http_port == self.sql_port:
            self.http_port = free_port()
        self.dirs_allowed = [str(self.folder)] + [str(Path(p).resolve()) for p in dirs_allowed]
        self.buffers, self.max_rows, self.query_seconds = buffers, max_rows, query_seconds
        self.process: subprocess.Popen | None = None
        self.startup_seconds = 0.0

    @property
    def isql_address(self) -> str:
        return f"127.0.0.1:{self.sql_port}"

    @property
    def http(self) -> str:
        return f"http://127.0.0.1:{self.http_port}"

    def start(self, timeout: float = 180) -> "Instance":
        if missing():
            raise PublishError(f"{missing()} (apt-get install virtuoso-opensource)")
        self.folder.mkdir(parents=True, exist_ok=True)
        (self.folder / "vsp").mkdir(exist_ok=True)
        ini = self.folder / "virtuoso.ini"
        ini.write_text(INI_TEMPLATE.format(d=self.folder, sql_port=self.sql_port, http_port=self.http_port,
                                           dirs_allowed=", ".join(self.dirs_allowed), buffers=self.buffers,
                                           dirty=self.buffers * 3 // 4, max_rows=self.max_rows,
                                           limits="" if self.query_seconds is None
                                           else LIMITS.format(seconds=self.query_seconds)))
        started = time.monotonic()
        self._log = open(self.folder / "stdout.log", "ab")
        self.process = subprocess.Popen([VIRTUOSO, "+foreground", "+configfile", str(ini)], cwd=self.folder,
                                        stdout=self._log, stderr=subprocess.STDOUT, start_new_session=True)
        while not self._ready():
            if self.process.poll() is not None:
                raise PublishError(f"virtuoso-t exited with {self.process.returncode}; see {self.folder}/virtuoso.log")
            if time.monotonic() - started > timeout:
                self.stop()
                raise PublishError(f"Virtuoso did not start within {timeout:.0f} s; see {self.folder}/virtuoso.log")
            time.sleep(0.3)
        if self.password != "dba":
            try:
                isql(self.isql_address, "dba", "dba", f"USER_SET_PASSWORD('dba', {_sql_string(self.password)});")
            except PublishError:
                self.user, self.password = "dba", "dba"
                self.stop()  # never leave a server behind a failed start
                raise
        self.startup_seconds = time.monotonic() - started
        return self

    def _ready(self) -> bool:
        log = self.folder / "virtuoso.log"
        if not log.exists() or "Server online at" not in log.read_text(errors="replace"):
            return False
        try:
            self.select("ASK {}", timeout=5)
            return True
        except (OSError, PublishError):
            return False

    def select(self, query: str, graphs: list[str] | tuple[str, ...] = (), timeout: float = 3600) -> dict:
        """SPARQL over HTTP (anonymous, read-only) as SPARQL JSON; an answer other than 200 raises PublishError
        with its text. Virtuoso's default graph is every graph it holds, its own system graphs too, so `graphs`
        names the dataset's default graph (default-graph-uri)."""
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
            raise PublishError(f"Virtuoso SPARQL: HTTP {response.status}: {data[:1000].decode('utf-8', 'replace')}")
        return json.loads(data.decode("utf-8"))

    def stop(self) -> None:
        """A clean shutdown (checkpoint) over isql; the process group is killed if it does not end."""
        if self.process is None:
            return
        if self.process.poll() is None:
            try:
                isql(self.isql_address, self.user, self.password, "shutdown;", timeout=60)
            except (PublishError, subprocess.TimeoutExpired):
                pass
            try:
                self.process.wait(60)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self._log.close()
        self.process = None

    def __enter__(self) -> "Instance":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
