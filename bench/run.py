"""`python bench/run.py --triples N [--json PATH]`: a synthetic corpus of about N triples, measured side by side.

One run writes the corpus (bench/corpus.py), then starts one process per engine, one after the other so they
never share the two cores or each other's memory:
  project   graph.pipeline.build (parse, link, assemble into the store; the Turtle export step only), the named
            queries (queries/*.rq) on the built store, graph/validate.py if it exists, and Store.load of graph.ttl;
  oxigraph  raw pyoxigraph: bulk load of the built graph.ttl, its Turtle dump, the same query text;
  rdflib    rdflib's in-memory Graph: parse, serialise, the same query text (skippable above a size, time-capped);
  linearity the project build alone on the first tenth of the corpus (the corpus is a prefix-stable sequence).
It prints a table per phase and the goals met or missed, and with --json writes every number.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import threading
from dataclasses import asdict, dataclass
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as `python bench/run.py`
    sys.path.insert(0, str(ROOT))

from bench.corpus import DEFAULT_SEED, policy_text, vocabulary, write_corpus  # noqa: E402
from bench.engines import NamedQuery, run_oxigraph, run_project, run_rdflib  # noqa: E402

QUERIES_DIR = ROOT / "queries"
CALIBRATION_TEXTS = 16
# rdflib's property paths take minutes on 10^4 triples, so each rdflib query is stopped once it has run
# RDFLIB_CAP_FACTOR times as long as the project's (enough to show the goal is met), at least RDFLIB_CAP_FLOOR
# seconds and at most --rdflib-query-cap.
RDFLIB_CAP_FACTOR = 30.0
RDFLIB_CAP_FLOOR = 10.0
DEFAULT_RDFLIB_QUERY_CAP = 600.0
# The goals, on the 10^6-triple corpus (the table marks them at every size).
QUERY_RATIO_MAX = 1.3  # project query time / raw Oxigraph
RDFLIB_SPEEDUP_MIN = 20.0  # rdflib query time / project
BUILD_RATIO_MAX = 3.0  # project build / Oxigraph bulk load of graph.ttl
LINEARITY_MAX = 1.1  # 10x the input in at most 11x the time
PEAK_RSS_MAX_MB = 1536.0  # 1.5 GiB
VALIDATION_RATIO_MAX = 5.0  # validation / load


class BenchError(RuntimeError):
    """A worker that failed; the message carries its error output."""


# --- the corpus ---------------------------------------------------------------------------------------------------

def texts_for(target_triples: int, corpus_dir: Path, seed: int) -> int:
    """How many texts make about `target_triples`.

    The graph without texts (ontology and curated entities) plus a rate per measure, measured on a sample of texts;
    then texts are counted in until their measures reach the target. (Texts vary from 6 to 45 measures, so a rate
    per text from a small sample missed by 20%.)
    """
    from graph import pipeline
    from graph.assemble import assemble
    from graph.gazetteer import load_gazetteer

    gazetteer = load_gazetteer(pipeline.DEFAULT_ENTITIES_DIR)
    entities = len(assemble(gazetteer, []))
    base = len(pipeline.load_ontology(pipeline.DEFAULT_ONTOLOGY)) + entities
    sample = pipeline.load_documents(write_corpus(corpus_dir, CALIBRATION_TEXTS, gazetteer, seed), gazetteer)
    measures = sum(len(d.linked.document.measures) for d in sample)
    per_measure = (len(assemble(gazetteer, sample)) - entities) / measures
    vocab = vocabulary(gazetteer)
    texts, total = 0, 0
    while texts == 0 or base + per_measure * total < target_triples:
        texts += 1
        total += policy_text(texts, vocab, seed).measures
    return texts


# --- the queries --------------------------------------------------------------------------------------------------

def named_queries(folder: Path = QUERIES_DIR) -> list[NamedQuery]:
    """queries/*.rq as graph/query.py reads them, each parameter bound to the example value its header gives (as
    an RDF term in N-Triples form, the same for the three engines)."""
    from graph.query import all_queries, bind_params
    from graph.store import to_ox

    queries = []
    for query in all_queries(folder):
        bindings = {name: str(to_ox(term)) for name, term in bind_params(query, query.example_params()).items()}
        queries.append(NamedQuery(query.name, query.sparql, bindings, query.is_check))
    return queries


# --- workers ------------------------------------------------------------------------------------------------------

@dataclass
class WorkerResult:
    records: list[dict]
    capped: bool  # stopped by the time cap before it finished
    skipped: str | None = None  # why it did not run at all

    def phase(self, name: str) -> dict | None:
        return next((r for r in self.records if r.get("phase") == name), None)

    def seconds(self, name: str) -> float | None:
        record = self.phase(name)
        return record.get("seconds") if record else None

    def queries(self, check: bool = False) -> dict[str, dict]:
        return {r["query"]: r for r in self.records if "query" in r and r["check"] == check}

    @property
    def peak_rss_mb(self) -> float | None:
        values = [r["rss_mb"] for r in self.records if "rss_mb" in r]
        return max(values) if values else None


def spawn(job: dict, work: Path, time_cap: float | None = None) -> WorkerResult:
    """Run one engine in its own Python process; its records arrive as JSON lines on stdout."""
    job_file = work / f"job-{job['engine']}.json"
    job_file.write_text(json.dumps(job, ensure_ascii=False), encoding="utf-8")
    errors = work / f"job-{job['engine']}.stderr"
    records: list[dict] = []

    def read(lines, log) -> None:  # each record also goes to a file, to follow a long run as it goes
        for line in lines:
            records.append(json.loads(line))
            log.write(line)
            log.flush()

    with open(errors, "w", encoding="utf-8") as err, \
            open(work / f"job-{job['engine']}.jsonl", "w", encoding="utf-8") as log:
        process = subprocess.Popen([sys.executable, str(Path(__file__).resolve()), "--worker", str(job_file)],
                                   stdout=subprocess.PIPE, stderr=err, text=True, cwd=ROOT)
        reader = threading.Thread(target=read, args=(process.stdout, log))
        reader.start()
        try:
            process.wait(timeout=time_cap)
            capped = False
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
            capped = True
        reader.join()
    if process.returncode != 0 and not capped:
        raise BenchError(f"the {job['engine']} worker failed:\n{errors.read_text(encoding='utf-8')[-3000:]}")
    return WorkerResult(records, capped)


def worker(job_file: Path) -> None:
    job = json.loads(job_file.read_text(encoding="utf-8"))
    queries = [NamedQuery(**q) for q in job.get("queries", [])]

    def report(record: dict) -> None:
        print(json.dumps(record, ensure_ascii=False), flush=True)

    engine = job["engine"]
    if engine in ("project", "linearity"):
        run_project(report, [Path(p) for p in job["sources"]], Path(job["out"]), queries, job["repeat"],
                    build_only=engine == "linearity")
    elif engine == "oxigraph":
        run_oxigraph(report, Path(job["graph"]), queries, job["repeat"])
    elif engine == "rdflib":
        run_rdflib(report, Path(job["graph"]), queries, job["caps"])
    else:
        raise ValueError(f"unknown engine {engine!r}")


def rdflib_caps(project: WorkerResult, ceiling: float | None) -> dict[str, float]:
    """Each query's rdflib cap: RDFLIB_CAP_FACTOR x the project's time, within [floor, ceiling]."""
    caps = {}
    for record in [*project.queries().values(), *project.queries(check=True).values()]:
        cap = max(RDFLIB_CAP_FLOOR, RDFLIB_CAP_FACTOR * record["seconds"])
        caps[record["query"]] = min(cap, ceiling) if ceiling else cap
    return caps


# --- goals and results --------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Goal:
    name: str
    measured: str
    target: str
    status: str  # 'met', 'missed' or 'not measured: <why>'


def _sum(records: dict[str, dict], names: list[str]) -> float:
    return sum(records[name]["seconds"] for name in names)


def summarise(target: int, seed: int, texts: int, queries: list[NamedQuery], project: WorkerResult,
              oxigraph: WorkerResult, rdflib: WorkerResult, linearity: WorkerResult | None) -> dict:
    """Every number of the run, the ratios the goals are about, and the goals."""
    build = project.phase("build")
    named = [q.name for q in queries if not q.check]
    p_q, o_q, r_q = project.queries(), oxigraph.queries(), rdflib.queries()
    answers = {}
    for q in queries:
        digests = {engine: result.queries(q.check).get(q.name, {}).get("digest")
                   for engine, result in (("project", project), ("oxigraph", oxigraph), ("rdflib", rdflib))}
        known = {d for d in digests.values() if d is not None}
        answers[q.name] = {"identical": len(known) <= 1, "engines": sum(d is not None for d in digests.values()),
                           **digests}
    rdflib_ran = [name for name in named if name in r_q]  # answered, or stopped by the per-query cap
    rdflib_capped = [name for name in rdflib_ran if r_q[name].get("capped")]
    result = {
        "target_triples": target, "seed": seed, "texts": texts, "measures": build["measures"],
        "triples": build["triples"], "machine": machine(),
        "queries": named, "checks": [q.name for q in queries if q.check],
        "project": _engine_numbers(project), "oxigraph": _engine_numbers(oxigraph), "rdflib": _engine_numbers(rdflib),
        "build_s": build["seconds"], "parse_link_s": build["parse_link"], "assemble_s": build["assemble"],
        "measures_per_s": build["measures"] / build["seconds"],
        "export_s": project.seconds("export"), "load_s": project.seconds("load"),
        "validate_s": project.seconds("validate"),
        "oxigraph_load_s": oxigraph.seconds("load"), "rdflib_load_s": rdflib.seconds("load"),
        "query_s": _sum(p_q, named), "oxigraph_query_s": _sum(o_q, named),
        # A capped query counts at the cap, so with any capped the rdflib sum and speedup are lower bounds.
        "rdflib_query_s": _sum(r_q, rdflib_ran) if rdflib_ran else None,
        "rdflib_queries_run": len(rdflib_ran), "rdflib_queries_capped": rdflib_capped,
        "answers": answers, "answers_identical": all(a["identical"] for a in answers.values()),
        "answers_compared": sum(1 for name in named if answers[name]["engines"] == 3),
        "peak_rss_mb": project.peak_rss_mb,
    }
    result["query_ratio_vs_oxigraph"] = (result["query_s"] / result["oxigraph_query_s"]
                                         if named and result["oxigraph_query_s"] else None)
    project_subset = _sum(p_q, rdflib_ran) if rdflib_ran else 0
    result["query_speedup_vs_rdflib"] = (result["rdflib_query_s"] / project_subset if project_subset else None)
    result["query_speedup_is_lower_bound"] = bool(rdflib_capped)
    result["build_ratio_vs_oxigraph_load"] = build["seconds"] / result["oxigraph_load_s"]
    result["validation_ratio_vs_load"] = (result["validate_s"] / result["load_s"]
                                          if result["validate_s"] is not None else None)
    if linearity is not None:
        small = linearity.phase("build")
        result["linearity"] = {"texts": small["texts"], "measures": small["measures"], "build_s": small["seconds"],
                               "input_ratio": build["measures"] / small["measures"],
                               "time_ratio": build["seconds"] / small["seconds"]}
    else:
        result["linearity"] = None
    result["goals"] = [asdict(g) for g in goals(result, queries, rdflib)]
    return result


def _engine_numbers(result: WorkerResult) -> dict:
    return {"skipped": result.skipped, "capped": result.capped, "peak_rss_mb": result.peak_rss_mb,
            "phases": {r["phase"]: r for r in result.records if "phase" in r},
            "queries": result.queries(), "checks": result.queries(check=True)}


def goals(r: dict, queries: list[NamedQuery], rdflib: WorkerResult) -> list[Goal]:
    out = []

    def judge(name: str, value: float | None, measured: str, target: str, ok: bool, why: str) -> None:
        out.append(Goal(name, measured if value is not None else "—", target,
                        ("met" if ok else "missed") if value is not None else f"not measured: {why}"))

    named = [q for q in queries if not q.check]
    ratio = r["query_ratio_vs_oxigraph"]
    judge("queries vs raw Oxigraph", ratio, f"{ratio:.2f}x" if ratio else "", f"≤ {QUERY_RATIO_MAX}x",
          ratio is not None and ratio <= QUERY_RATIO_MAX, "no named queries in queries/")
    speedup = r["query_speedup_vs_rdflib"]
    bound = "≥ " if r["query_speedup_is_lower_bound"] else ""
    partial = "" if r["rdflib_queries_run"] == len(named) else f" ({r['rdflib_queries_run']}/{len(named)} queries)"
    capped = f"; {len(r['rdflib_queries_capped'])} capped" if r["rdflib_queries_capped"] else ""
    measured = f"{bound}{speedup:.0f}x faster{partial}{capped}" if speedup else ""
    if speedup is not None and speedup < RDFLIB_SPEEDUP_MIN and bound:
        out.append(Goal("queries vs rdflib", measured, f"≥ {RDFLIB_SPEEDUP_MIN:.0f}x faster",
                        "not measured: rdflib stopped at the cap below the goal; raise --rdflib-query-cap"))
    else:
        why = rdflib.skipped or ("time cap reached before the first query" if rdflib.capped else "no named queries")
        judge("queries vs rdflib", speedup, measured, f"≥ {RDFLIB_SPEEDUP_MIN:.0f}x faster",
              speedup is not None and speedup >= RDFLIB_SPEEDUP_MIN, why)
    build = r["build_ratio_vs_oxigraph_load"]
    judge("build vs Oxigraph bulk load", build, f"{build:.2f}x ({r['build_s']:.2f} s / {r['oxigraph_load_s']:.2f} s)",
          f"≤ {BUILD_RATIO_MAX:.0f}x", build <= BUILD_RATIO_MAX, "")
    lin = r["linearity"]
    if lin:
        judge("build time linear", lin["time_ratio"],
              f"{lin['input_ratio']:.1f}x input -> {lin['time_ratio']:.1f}x time",
              f"≤ {LINEARITY_MAX * lin['input_ratio']:.1f}x time",
              lin["time_ratio"] <= LINEARITY_MAX * lin["input_ratio"], "")
    else:
        judge("build time linear", None, "", "10x input, ≤ 11x time", False, "fewer than 10 texts")
    peak = r["peak_rss_mb"]
    judge("peak memory (project)", peak, f"{peak:.0f} MiB", f"< {PEAK_RSS_MAX_MB:.0f} MiB", peak < PEAK_RSS_MAX_MB, "")
    val = r["validation_ratio_vs_load"]
    skipped = (r["project"]["phases"].get("validate") or {}).get("skipped", "")
    judge("validation vs load", val, f"{val:.1f}x" if val is not None else "", f"≤ {VALIDATION_RATIO_MAX:.0f}x",
          val is not None and val <= VALIDATION_RATIO_MAX, skipped)
    compared = f" ({r['answers_compared']}/{len(named)} queries by all three engines"
    compared += f", {len(queries) - len(named)} checks by both Oxigraphs)" if len(queries) > len(named) else ")"
    out.append(Goal("answers identical across engines", ("yes" if r["answers_identical"] else "NO") + compared,
                    "yes", "met" if r["answers_identical"] else "missed"))
    return out


def machine() -> dict:
    cpu = next((line.split(":", 1)[1].strip() for line in _read("/proc/cpuinfo").splitlines()
                if line.startswith("model name")), platform.processor())
    mem = next((int(line.split()[1]) // 1024 for line in _read("/proc/meminfo").splitlines()
                if line.startswith("MemTotal")), None)
    packages = {}
    for name in ("rdflib", "pyoxigraph", "oxrdflib", "pyshacl", "owlready2", "pyahocorasick"):
        try:
            packages[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            packages[name] = None
    return {"cpu": cpu, "cores": os.cpu_count(), "ram_mb": mem, "python": platform.python_version(),
            "platform": platform.platform(), "packages": packages}


def _read(path: str) -> str:
    try:
        return Path(path).read_text()
    except OSError:
        return ""


# --- the table ----------------------------------------------------------------------------------------------------

def _s(value: float | None) -> str:
    return "—" if value is None else f"{value:.3f} s" if value < 10 else f"{value:.1f} s"


def _x(a: float | None, b: float | None) -> str:
    return "—" if a is None or b is None or b == 0 else f"{a / b:.2f}x"


def phase_rows(r: dict) -> list[tuple[str, ...]]:
    """The side-by-side table: a header row, then one row per phase, query and check."""
    p, o, d = r["project"], r["oxigraph"], r["rdflib"]
    rows = [("phase", "project", "raw Oxigraph", "rdflib", "project/Oxigraph", "rdflib/project")]

    def timed_row(label: str, pv, ov, dv, capped: bool = False) -> None:
        bound = ">" if capped else ""
        rows.append((label, _s(pv), _s(ov), bound + _s(dv) if dv is not None else "—", _x(pv, ov),
                     bound + _x(dv, pv)))

    rows.append(("build: parse + link", _s(r["parse_link_s"]), "", "", "", ""))
    rows.append(("build: assemble + store", _s(r["assemble_s"]), "", "", "", ""))
    rows.append(("build (total)", _s(r["build_s"]), "", "", "", ""))
    rows.append(("build throughput", f"{r['measures_per_s']:.0f} measures/s", "", "", "", ""))
    if r["linearity"]:
        lin = r["linearity"]
        rows.append((f"build of the first {lin['texts']} texts", _s(lin["build_s"]), "", "", "", ""))
    for label, key in (("Turtle export", "export"), ("load graph.ttl", "load")):
        timed_row(label, *(e["phases"].get(key, {}).get("seconds") for e in (p, o, d)))
    for name in r["queries"]:
        mark = "" if r["answers"][name]["identical"] else "  ANSWERS DIFFER"
        timed_row(f"query {name}{mark}", *(e["queries"].get(name, {}).get("seconds") for e in (p, o, d)),
                  capped=bool(d["queries"].get(name, {}).get("capped")))
    if r["queries"]:
        timed_row("queries (sum)", r["query_s"], r["oxigraph_query_s"], r["rdflib_query_s"],
                  capped=r["query_speedup_is_lower_bound"])
    for name in r["checks"]:
        mark = "" if r["answers"][name]["identical"] else "  ANSWERS DIFFER"
        timed_row(f"check {name}{mark}", *(e["checks"].get(name, {}).get("seconds") for e in (p, o, d)))
    rows.append(("validation", _s(p["phases"].get("validate", {}).get("seconds")), "", "", "", ""))
    rows.append(("peak memory", *(f"{e['peak_rss_mb']:.0f} MiB" if e["peak_rss_mb"] else "—" for e in (p, o, d)),
                 "", ""))
    return rows


def _heading(r: dict) -> list[str]:
    d = r["rdflib"]
    lines = [f"hongqiao-kg benchmark: target {r['target_triples']:,} triples -> {r['texts']:,} texts, "
             f"{r['measures']:,} measures, {r['triples']:,} triples (seed {r['seed']})",
             f"machine: {r['machine']['cpu']}, {r['machine']['cores']} cores, {r['machine']['ram_mb']:,} MiB RAM, "
             f"Python {r['machine']['python']}"]
    if d["skipped"] or d["capped"]:
        lines.append("rdflib: " + (f"skipped: {d['skipped']}" if d["skipped"] else "stopped by --rdflib-time-cap"))
    return lines


def _notes(r: dict) -> list[str]:
    notes = []
    if r["rdflib_queries_capped"]:
        notes.append(f"`>`: rdflib stopped at its cap ({RDFLIB_CAP_FACTOR:.0f}x the project's time, at least "
                     f"{RDFLIB_CAP_FLOOR:.0f} s), so the figure is a lower bound")
    validate = r["project"]["phases"].get("validate", {})
    if "seconds" in validate:
        parts = ", ".join(f"{check} {seconds:.2f} s" for check, seconds in validate["checks"].items())
        notes.append(f"validation: {parts}; {validate['violations']} violation(s), {validate['warnings']} warning(s)")
    elif validate.get("skipped"):
        notes.append(f"validation: {validate['skipped']}")
    return notes


def _goal_rows(r: dict) -> list[tuple[str, ...]]:
    return [("goal", "measured", "target", "status")] + [(g["name"], g["measured"], g["target"], g["status"])
                                                         for g in r["goals"]]


def table(r: dict) -> str:
    """The result as plain text, as the benchmark prints it."""
    lines = _heading(r) + [""]
    rows = phase_rows(r)
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for i, row in enumerate(rows):
        cells = (cell.ljust(widths[j]) if j == 0 else cell.rjust(widths[j]) for j, cell in enumerate(row))
        lines.append("  ".join(cells))
        if i == 0:
            lines.append("  ".join("-" * w for w in widths))
    lines += _notes(r) + ["", "goals (set for 10^6 triples)"]
    goal_rows = _goal_rows(r)
    gw = [max(len(row[i]) for row in goal_rows) for i in range(4)]
    for row in goal_rows:
        lines.append("  ".join(cell.ljust(gw[j]) for j, cell in enumerate(row)).rstrip())
    return "\n".join(lines) + "\n"


def markdown(r: dict) -> str:
    """The result as Markdown tables (what docs/performance.md shows)."""
    def md(rows: list[tuple[str, ...]], right: bool) -> list[str]:
        align = "|".join("---" if i == 0 or not right else "---:" for i in range(len(rows[0])))
        return ([f"| {' | '.join(rows[0])} |", f"|{align}|"] +
                [f"| {' | '.join(cell.replace('|', '/') or ' ' for cell in row)} |" for row in rows[1:]])
    return "\n".join([*(f"{line}  " for line in _heading(r)), "", *md(phase_rows(r), True), "",
                      *(f"{line}  " for line in _notes(r)), "", *md(_goal_rows(r), False)]) + "\n"


# --- the run ------------------------------------------------------------------------------------------------------

def run(target: int, work: Path, seed: int = DEFAULT_SEED, repeat: int = 3, skip_rdflib_above: int | None = None,
        rdflib_time_cap: float | None = None, rdflib_query_cap: float | None = DEFAULT_RDFLIB_QUERY_CAP,
        linearity: bool = True, log=print) -> dict:
    corpus = work / "corpus"
    texts = texts_for(target, corpus, seed)
    from graph import pipeline
    from graph.gazetteer import load_gazetteer

    sources = write_corpus(corpus, texts, load_gazetteer(pipeline.DEFAULT_ENTITIES_DIR), seed)
    queries = named_queries()
    query_jobs = [asdict(q) for q in queries]
    log(f"corpus: {texts} texts in {corpus}; {len(queries)} queries; measuring the project…")
    out = work / "build"
    project = spawn({"engine": "project", "sources": [str(p) for p in sources], "out": str(out),
                     "queries": query_jobs, "repeat": repeat}, work)
    graph_ttl = out / "graph.ttl"
    triples = project.phase("build")["triples"]
    log(f"built {triples:,} triples; raw Oxigraph…")
    oxigraph = spawn({"engine": "oxigraph", "graph": str(graph_ttl), "queries": query_jobs, "repeat": repeat}, work)
    if skip_rdflib_above is not None and triples > skip_rdflib_above:
        rdflib = WorkerResult([], False, f"{triples:,} triples > --skip-rdflib-above {skip_rdflib_above:,}")
    else:
        log("rdflib…")
        # The checks are timed on the two Oxigraph engines only: they are no goal, and rdflib takes minutes each.
        named = [job for job in query_jobs if not job["check"]]
        caps = rdflib_caps(project, rdflib_query_cap)
        rdflib = spawn({"engine": "rdflib", "graph": str(graph_ttl), "queries": named, "caps": caps},
                       work, rdflib_time_cap)
    small = None
    if linearity and texts >= 10:
        log(f"the build on the first {texts // 10} texts…")
        small = spawn({"engine": "linearity", "sources": [str(p) for p in sources[:texts // 10]],
                       "out": str(work / "build-tenth"), "repeat": 1}, work)
    return summarise(target, seed, texts, queries, project, oxigraph, rdflib, small)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--triples", type=int, help="target size of the graph (10000, 100000, 1000000)")
    parser.add_argument("--json", type=Path, help="also write every number to this JSON file")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="corpus seed (default %(default)s)")
    parser.add_argument("--repeat", type=int, default=3,
                        help="runs of each query on the Oxigraph-based engines, best kept (default %(default)s)")
    parser.add_argument("--skip-rdflib-above", type=int, metavar="N", help="leave rdflib out above N triples")
    parser.add_argument("--rdflib-time-cap", type=float, metavar="SECONDS",
                        help="stop the whole rdflib process after this long; the table shows what it finished")
    parser.add_argument("--rdflib-query-cap", type=float, metavar="SECONDS", default=DEFAULT_RDFLIB_QUERY_CAP,
                        help=f"the longest an rdflib query may run (each is stopped after {RDFLIB_CAP_FACTOR:.0f}x "
                             f"the project's time, at least {RDFLIB_CAP_FLOOR:.0f} s); a stopped query's time counts "
                             "as a lower bound (default %(default)s)")
    parser.add_argument("--no-linearity", action="store_true", help="skip the build on a tenth of the corpus")
    parser.add_argument("--work", type=Path, help="keep the corpus and builds here (default: a temporary folder)")
    parser.add_argument("--markdown", action="store_true", help="print Markdown tables instead of plain text")
    parser.add_argument("--render", type=Path, metavar="JSON", help="print the table of a saved --json result")
    parser.add_argument("--worker", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        worker(args.worker)
        return 0
    render = markdown if args.markdown else table
    if args.render:
        print(render(json.loads(args.render.read_text(encoding="utf-8"))), end="")
        return 0
    if not args.triples or args.triples < 1:
        parser.error("--triples N is required (a positive number)")
    work = args.work or Path(tempfile.mkdtemp(prefix="hongqiao-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        result = run(args.triples, work, args.seed, args.repeat, args.skip_rdflib_above, args.rdflib_time_cap,
                     args.rdflib_query_cap, not args.no_linearity, log=lambda message: print(message, file=sys.stderr))
    except BenchError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    finally:
        if args.work is None:
            shutil.rmtree(work, ignore_errors=True)
    print(render(result), end="")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(result, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
