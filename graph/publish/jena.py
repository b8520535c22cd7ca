"""Apache Jena from Debian (libapache-jena-java): TDB2's bulk loader, updates and queries, driven from Python.

Debian ships Jena's jars in /usr/share/java but no `tdb2.tdbloader` or `riot` scripts, and (4.5.0-2) it relocates
Jena's shaded Xerces classes to `xerces.*` while leaving their message bundles under `org/apache/jena/ext/xerces/`,
so every command dies in JenaSystem.init (`XSSimpleTypeDecl.applyFacets1: internal error`). `classpath()` copies
those .properties out of jena-core.jar into a cache folder put first on the classpath. Fuseki is not packaged: a
Jena store is published by loading TDB2 (`bulk_load`), and asked with `tdb2.tdbquery` (`query`).
"""
from __future__ import annotations

import json
import os
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
# C1 only and the serial GC: a short command (a query) takes ~1.9 s instead of 2.4–2.9 s on 2 cores.
JVM = ["-Xmx2g", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC",
       "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn", "-Dorg.slf4j.simpleLogger.logFile=System.err"]


def available() -> bool:
    return shutil.which("java") is not None and all((JAVA_DIR / f"{n}.jar").exists() for n in JENA_JARS)


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
    missing = [n for n in JENA_JARS + DEPENDENCY_JARS if not (JAVA_DIR / f"{n}.jar").exists()]
    if missing:
        raise PublishError(f"missing jars in {JAVA_DIR} (apt-get install libapache-jena-java): {', '.join(missing)}")
    cache = Path(tempfile.gettempdir()) / f"hqkg-jena-xerces-{os.getuid()}"
    return os.pathsep.join([str(_xerces_messages(cache))] + [str(JAVA_DIR / f"{n}.jar")
                                                              for n in JENA_JARS + DEPENDENCY_JARS])


def run(main_class: str, args: list[str], timeout: float = 3600) -> str:
    if shutil.which("java") is None:
        raise PublishError("java not found (apt-get install default-jre-headless)")
    done = subprocess.run(["java", *JVM, "-cp", classpath(), main_class, *args], capture_output=True,
                          timeout=timeout)
    if done.returncode != 0:
        raise PublishError(f"{main_class} failed (exit {done.returncode}):\n"
                           f"{done.stderr.decode('utf-8', 'replace')[-2000:]}")
    return done.stdout.decode("utf-8")


def bulk_load(location: Path, nquads: Path, graphs: list[str], default_graph: bool) -> None:
    """Replace `graphs` (and the default graph if `default_graph`) in the TDB2 database at `location` with the
    N-Quads file's content: the graphs are dropped first, so loading twice leaves what loading once does (blank
    nodes would otherwise be added a second time)."""
    drops = [f"DROP SILENT GRAPH <{g}>" for g in graphs] + (["DROP SILENT DEFAULT"] if default_graph else [])
    if Path(location).exists() and drops:
        run("tdb2.tdbupdate", ["--loc", str(location), " ;\n".join(drops)])
    run("tdb2.tdbloader", ["--loc", str(location), str(nquads)])


def query(location: Path, sparql: str, union_default_graph: bool = False, timeout: float = 3600) -> dict:
    """SPARQL JSON results of a SELECT or ASK on the TDB2 database (subprocess.TimeoutExpired past `timeout`)."""
    with tempfile.NamedTemporaryFile("w", suffix=".rq", delete=False, encoding="utf-8") as file:
        file.write(sparql)
    try:
        args = ["--loc", str(location), "--results=json", f"--query={file.name}"]
        if union_default_graph:
            args += ["--set", "tdb:unionDefaultGraph=true"]
        return json.loads(run("tdb2.tdbquery", args, timeout))
    finally:
        os.unlink(file.name)
