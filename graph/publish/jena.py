"""Apache Jena from Debian (libapache-jena-java): TDB2's bulk loader, updates and queries, driven from Python.

Debian ships Jena's jars in /usr/share/java but no `tdb2.tdbloader` or `riot` scripts, and (4.5.0-2) it relocates
Jena's shaded Xerces classes to `xerces.*` while leaving their message bundles under `org/apache/jena/ext/xerces/`,
so every command dies in JenaSystem.init (`XSSimpleTypeDecl.applyFacets1: internal error`). `classpath()` copies
those .properties out of jena-core.jar into a cache folder put first on the classpath. Fuseki is not packaged: a
Jena store is published by loading TDB2 (`bulk_load`), and asked with `tdb2.tdbquery` (`query`). The benchmark
(bench/peers.py) runs TDB2 through the same functions (`load`, `query_timed`).
"""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import tempfile
import zipfile
from pathlib import Path

from graph.publish.gsp import PublishError

JAVA_DIR = Path(os.environ.get("JENA_JAVA_DIR", "/usr/share/java"))
JENA_JARS = ("jena-arq", "jena-base", "jena-cmds", "jena-core", "jena-dboe-base", "jena-dboe-index",
             "jena-dboe-storage", "jena-dboe-trans-data", "jena-dboe-transaction", "jena-iri", "jena-rdfconnection",
             "jena-shacl", "jena-shex", "jena-tdb", "jena-tdb2")
DEPENDENCY_JARS = ("commons-cli", "commons-codec", "commons-compress", "commons-csv", "commons-io", "commons-lang3",
                   "dexx.collection", "gson", "guava", "httpclient", "httpclient-cache", "httpcore", "jackson-core",
                   "jackson-databind", "jackson-annotations", "jsonld-java", "jakarta.json-api", "protobuf",
                   "thrift", "titanium-json-ld", "slf4j-api", "jcl-over-slf4j", "slf4j-simple")
LOG_WARN = ["-Dorg.slf4j.simpleLogger.defaultLogLevel=warn", "-Dorg.slf4j.simpleLogger.logFile=System.err"]
# C1 only and the serial GC: a short command (a query) takes ~1.9 s instead of 2.4–2.9 s on 2 cores.
JVM = ["-Xmx2g", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", *LOG_WARN]
# Loads keep the JIT's second tier, and the loader that was fastest on 10 MB of N-Triples here: light 14 s,
# phased 21 s, default 30 s.
JVM_LOAD = ["-Xmx2g", *LOG_WARN]
TDB2_LOADER = "light"


def missing() -> str | None:
    """Why Jena cannot run here, or None."""
    if shutil.which("java") is None:
        return "no java on PATH (Debian: default-jre-headless)"
    absent = [n for n in JENA_JARS + DEPENDENCY_JARS if not (JAVA_DIR / f"{n}.jar").exists()]
    if absent:
        return f"missing jars in {JAVA_DIR} (Debian: libapache-jena-java): {', '.join(absent[:5])}"
    return None


def available() -> bool:
    return missing() is None


def _xerces_messages(cache: Path) -> Path:
    marker = cache / "xerces" / "impl" / "msg" / "XMLSchemaMessages.properties"
    if marker.exists():
        return cache
    prefix = "org/apache/jena/ext/xerces/"
    cache.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".jena-xerces-", dir=cache.parent))
    with zipfile.ZipFile(JAVA_DIR / "jena-core.jar") as jar:
        for name in jar.namelist():
            if name.startswith(prefix) and name.endswith(".properties"):
                out = staging / "xerces" / name[len(prefix):]
                out.parent.mkdir(parents=True, exist_ok=True)
                out.write_bytes(jar.read(name))
    try:
        os.rename(staging, cache)  # atomic; a concurrent creator wins harmlessly
    except OSError:
        shutil.rmtree(staging, ignore_errors=True)
    return cache


def classpath() -> str:
    absent = [n for n in JENA_JARS + DEPENDENCY_JARS if not (JAVA_DIR / f"{n}.jar").exists()]
    if absent:
        raise PublishError(f"missing jars in {JAVA_DIR} (apt-get install libapache-jena-java): {', '.join(absent)}")
    cache = Path(tempfile.gettempdir()) / f"hqkg-jena-xerces-{os.getuid()}"
    return os.pathsep.join([str(_xerces_messages(cache))] + [str(JAVA_DIR / f"{n}.jar")
                                                              for n in JENA_JARS + DEPENDENCY_JARS])


def _java(main_class: str, args: list[str], timeout: float, jvm: list[str]) -> subprocess.CompletedProcess:
    if shutil.which("java") is None:
        raise PublishError("java not found (apt-get install default-jre-headless)")
    done = subprocess.run(["java", *jvm, "-cp", classpath(), main_class, *args], capture_output=True,
                          timeout=timeout)
    if done.returncode != 0:
        raise PublishError(f"{main_class} {' '.join(args)[:300]} failed (exit {done.returncode}):\n"
                           f"{done.stderr.decode('utf-8', 'replace')[-2000:]}")
    return done


def run(main_class: str, args: list[str], timeout: float = 3600, jvm: list[str] = JVM) -> str:
    """A Jena command's standard output (PublishError if it fails; subprocess.TimeoutExpired past `timeout`)."""
    return _java(main_class, args, timeout, jvm).stdout.decode("utf-8")


def load(location: Path, files: list[Path], timeout: float = 3600) -> None:
    """tdb2.tdbloader: quads keep their graphs (no --graph: with quad files Jena 4.5 then loads nothing)."""
    _java("tdb2.tdbloader", ["--loc", str(location), f"--loader={TDB2_LOADER}", *map(str, files)], timeout, JVM_LOAD)


def bulk_load(location: Path, nquads: Path, graphs: list[str], default_graph: bool) -> None:
    """Replace `graphs` (and the default graph if `default_graph`) in the TDB2 database at `location` with the
    N-Quads file's content: the graphs are dropped first, so loading twice leaves what loading once does (blank
    nodes would otherwise be added a second time)."""
    drops = [f"DROP SILENT GRAPH <{g}>" for g in graphs] + (["DROP SILENT DEFAULT"] if default_graph else [])
    if Path(location).exists() and drops:
        run("tdb2.tdbupdate", ["--loc", str(location), " ;\n".join(drops)])
    load(location, [nquads])


def _tdbquery(location: Path, sparql: str, options: list[str], union_default_graph: bool,
              timeout: float) -> subprocess.CompletedProcess:
    with tempfile.NamedTemporaryFile("w", suffix=".rq", delete=False, encoding="utf-8") as file:
        file.write(sparql)
    try:
        args = ["--loc", str(location), "--results=json", f"--query={file.name}", *options]
        if union_default_graph:
            args += ["--set", "tdb:unionDefaultGraph=true"]
        return _java("tdb2.tdbquery", args, timeout, JVM)
    finally:
        os.unlink(file.name)


def query(location: Path, sparql: str, union_default_graph: bool = False, timeout: float = 3600) -> dict:
    """SPARQL JSON results of a SELECT or ASK on the TDB2 database (subprocess.TimeoutExpired past `timeout`)."""
    return json.loads(_tdbquery(location, sparql, [], union_default_graph, timeout).stdout.decode("utf-8"))


def query_timed(location: Path, sparql: str, union_default_graph: bool = False,
                timeout: float = 3600) -> tuple[dict, float]:
    """One query in its own JVM: (SPARQL JSON, seconds inside the JVM, its start not counted).

    The query runs once to warm the JVM and once timed (Jena's own --repeat=1,1 and --time): a cold run paid 3–30x
    more here (region-pairs on 10^4 triples: 31.6 s cold, 1.0 s warm), which would measure the JIT, not TDB2. One
    TDB2 location admits one JVM at a time: calls must not run in parallel.
    """
    done = _tdbquery(location, sparql, ["--time", "--repeat=1,1"], union_default_graph, timeout)
    times = re.findall(r"^Time: ([0-9.]+) sec", done.stderr.decode("utf-8", "replace"), re.M)
    if not times:
        raise PublishError(f"tdb2.tdbquery printed no time:\n{done.stderr.decode('utf-8', 'replace')[-1000:]}")
    # With --repeat each timed run prints its results: the first document is the answer.
    result, _ = json.JSONDecoder().raw_decode(done.stdout.decode("utf-8"))
    return result, min(map(float, times))
