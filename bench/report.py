"""What a benchmark run found: the numbers of each engine's process, the ratios and goals, and the table.

Input: the records the workers reported (bench/engines.py), gathered by bench/run.py. Output: one result dict
(what --json writes) and its rendering as plain text or Markdown (--render, docs/performance.md).
"""
from __future__ import annotations

import os
import platform
from dataclasses import asdict, dataclass
from importlib import metadata
from pathlib import Path

from bench.engines import NamedQuery

# The goals, set for the 10^7-triple corpus (the table marks them at every size).
QUERY_RATIO_MAX = 1.3  # project query time / raw Oxigraph
QUERY_MAX_S = 1.0  # each named question
RDFLIB_SPEEDUP_MIN = 20.0  # rdflib query time / project
BUILD_RATIO_MAX = 3.0  # the whole build / Oxigraph bulk load of its dump
EXPORT_RATIO_MAX = 2.0  # the build's exports step / Oxigraph's dump of the same data in the same formats
LINEARITY_MAX = 1.2  # one text 10x as long in at most 12x the time
PEAK_RSS_MAX_MB = 2048.0  # 2 GiB
VALIDATION_RATIO_MAX = 2.0  # validation / load of the dump
ENGINES = (("project", "project"), ("oxigraph", "raw Oxigraph"), ("jena", "Jena TDB2"), ("virtuoso", "Virtuoso"),
           ("rdflib", "rdflib"))

RDFLIB_CAP_FACTOR = 30.0  # rdflib stops a query after this many times the project's time …
RDFLIB_CAP_FLOOR = 10.0  # … but not before this many seconds (bench/run.py applies them)


@dataclass
class WorkerResult:
    """What one engine's process reported, record by record (bench/engines.py)."""

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
              oxigraph: WorkerResult, rdflib: WorkerResult, lengths: list[WorkerResult],
              others: dict[str, WorkerResult] | None = None) -> dict:
    """Every number of the run, the ratios the goals are about, and the goals."""
    others = others or {}
    engines = {"project": project, "oxigraph": oxigraph, "jena": others.get("jena", WorkerResult([], False, "not run")),
               "virtuoso": others.get("virtuoso", WorkerResult([], False, "not run")), "rdflib": rdflib}
    build = project.phase("build")
    named = [q.name for q in queries if not q.check]
    p_q, o_q, r_q = project.queries(), oxigraph.queries(), rdflib.queries()
    answers = {}
    for q in queries:
        digests = {engine: result.queries(q.check).get(q.name, {}).get("digest") for engine, result in engines.items()}
        known = {d for d in digests.values() if d is not None}
        answers[q.name] = {"identical": len(known) <= 1, "engines": sum(d is not None for d in digests.values()),
                           **digests}
    rdflib_ran = [name for name in named if name in r_q]  # answered, or stopped by the per-query cap
    rdflib_capped = [name for name in rdflib_ran if r_q[name].get("capped")]
    ran = [name for name, result in engines.items() if result.records]
    result = {
        "target_triples": target, "seed": seed, "texts": texts, "measures": build["measures"],
        "triples": build["triples"], "machine": machine(),
        "queries": named, "checks": [q.name for q in queries if q.check],
        **{name: _engine_numbers(r) for name, r in engines.items()},
        "steps": build.get("steps", {}), "step_names": build.get("step_names", []),
        "build_s": build["seconds"], "parse_link_s": build["parse_link"], "assemble_s": build["assemble"],
        "whole_build_s": build.get("whole_build"),
        "measures_per_s": build["measures"] / build["whole_build"],
        "export_s": project.seconds("export"), "load_s": project.seconds("load"),
        "validate_s": project.seconds("validate"),
        "oxigraph_load_s": oxigraph.seconds("load"), "oxigraph_export_s": oxigraph.seconds("export"),
        "rdflib_load_s": rdflib.seconds("load"),
        "jena_load_s": engines["jena"].seconds("load"), "virtuoso_load_s": engines["virtuoso"].seconds("load"),
        "query_s": _sum(p_q, named), "oxigraph_query_s": _sum(o_q, named),
        "query_max_s": max((p_q[name]["seconds"] for name in named), default=None),
        "slowest_query": max(named, key=lambda name: p_q[name]["seconds"]) if named else None,
        # A capped query counts at the cap, so with any capped the rdflib sum and speedup are lower bounds.
        "rdflib_query_s": _sum(r_q, rdflib_ran) if rdflib_ran else None,
        "rdflib_queries_run": len(rdflib_ran), "rdflib_queries_capped": rdflib_capped,
        "engines_run": ran, "peers_not_run": {name: r.skipped for name, r in engines.items() if r.skipped},
        "answers": answers, "answers_identical": all(a["identical"] for a in answers.values()),
        "answers_compared": sum(1 for name in named if answers[name]["engines"] == len(ran)),
        "peak_rss_mb": project.peak_rss_mb,
    }
    for peer in ("jena", "virtuoso"):
        peer_q = engines[peer].queries()
        result[f"{peer}_query_s"] = _sum(peer_q, named) if all(n in peer_q for n in named) and peer_q else None
    result["query_ratio_vs_oxigraph"] = (result["query_s"] / result["oxigraph_query_s"]
                                         if named and result["oxigraph_query_s"] else None)
    project_subset = _sum(p_q, rdflib_ran) if rdflib_ran else 0
    result["query_speedup_vs_rdflib"] = (result["rdflib_query_s"] / project_subset if project_subset else None)
    result["query_speedup_is_lower_bound"] = bool(rdflib_capped)
    result["build_ratio_vs_oxigraph_load"] = result["whole_build_s"] / result["oxigraph_load_s"]
    result["export_ratio_vs_oxigraph"] = (result["export_s"] / result["oxigraph_export_s"]
                                          if result["export_s"] and result["oxigraph_export_s"] else None)
    result["validation_ratio_vs_load"] = (result["validate_s"] / result["oxigraph_load_s"]
                                          if result["validate_s"] is not None else None)
    if len(lengths) == 2:
        short, long = (r.phase("build") for r in lengths)
        result["linearity"] = {"measures": [short["measures"], long["measures"]],
                               "whole_build_s": [short["whole_build"], long["whole_build"]],
                               "steps": [short.get("steps"), long.get("steps")],
                               "peak_rss_mb": [lengths[0].peak_rss_mb, lengths[1].peak_rss_mb],
                               "measures_per_s": [short["measures"] / short["whole_build"],
                                                  long["measures"] / long["whole_build"]],
                               "input_ratio": long["measures"] / short["measures"],
                               "time_ratio": long["whole_build"] / short["whole_build"]}
    else:
        result["linearity"] = None
    result["goals"] = [asdict(g) for g in goals(result, queries, rdflib)]
    return result


def _engine_numbers(result: WorkerResult) -> dict:
    return {"skipped": result.skipped, "capped": result.capped, "peak_rss_mb": result.peak_rss_mb,
            "records": bool(result.records),
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
    judge("whole build vs Oxigraph bulk load", build,
          f"{build:.2f}x ({r['whole_build_s']:.2f} s / {r['oxigraph_load_s']:.2f} s)",
          f"≤ {BUILD_RATIO_MAX:.0f}x", build <= BUILD_RATIO_MAX, "")
    export = r["export_ratio_vs_oxigraph"]
    judge("exports vs Oxigraph's dump", export,
          f"{export:.2f}x ({r['export_s']:.2f} s / {r['oxigraph_export_s']:.2f} s)" if export else "",
          f"≤ {EXPORT_RATIO_MAX:.0f}x", export is not None and export <= EXPORT_RATIO_MAX, "no exports step")
    slowest = r["query_max_s"]
    judge("each named question", slowest, f"slowest {slowest:.2f} s ({r['slowest_query']})" if slowest else "",
          f"< {QUERY_MAX_S:.0f} s", slowest is not None and slowest < QUERY_MAX_S, "no named queries")
    lin = r["linearity"]
    if lin:
        judge("one text's build linear", lin["time_ratio"],
              f"{lin['measures'][0]} -> {lin['measures'][1]} measures: {lin['time_ratio']:.1f}x time",
              f"≤ {LINEARITY_MAX * lin['input_ratio']:.0f}x time",
              lin["time_ratio"] <= LINEARITY_MAX * lin["input_ratio"], "")
    else:
        judge("one text's build linear", None, "", "10x measures, ≤ 12x time", False, "--linearity-measures 0")
    peak = r["peak_rss_mb"]
    judge("peak memory (project)", peak, f"{peak:.0f} MiB", f"< {PEAK_RSS_MAX_MB:.0f} MiB", peak < PEAK_RSS_MAX_MB, "")
    val = r["validation_ratio_vs_load"]
    judge("validation vs load", val, f"{val:.1f}x" if val is not None else "", f"≤ {VALIDATION_RATIO_MAX:.0f}x",
          val is not None and val <= VALIDATION_RATIO_MAX, "no validate step")
    compared = f" ({r['answers_compared']}/{len(named)} queries by all {len(r['engines_run'])} engines run"
    compared += f", {len(queries) - len(named)} checks by all but rdflib)" if len(queries) > len(named) else ")"
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
    try:
        load = " ".join(f"{x:.1f}" for x in os.getloadavg())
    except OSError:
        load = None
    return {"cpu": cpu, "cores": os.cpu_count(), "ram_mb": mem, "python": platform.python_version(),
            "platform": platform.platform(), "packages": packages, "load_average": load,
            "peers": _peer_versions()}


def _peer_versions() -> dict[str, str | None]:
    """The Debian packages of the peers, as dpkg knows them."""
    import subprocess

    versions = {}
    for package in ("virtuoso-opensource-7-bin", "libapache-jena-java", "default-jre-headless"):
        try:
            done = subprocess.run(["dpkg-query", "-W", "-f=${Version}", package], capture_output=True, text=True)
            versions[package] = done.stdout.strip() or None
        except OSError:
            versions[package] = None
    return versions


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
    columns = [key for key, _ in ENGINES]
    labels = dict(ENGINES)
    rows = [("phase", *(labels[c] for c in columns), "project/Oxigraph", "rdflib/project")]

    def timed_row(label: str, values: dict, capped: frozenset[str] = frozenset()) -> None:
        """`capped`: the engines stopped at their cap, whose figure is a lower bound (marked `>`)."""
        cells = [("" if values.get(c) is None or c not in capped else ">") + _s(values.get(c)) for c in columns]
        rows.append((label, *cells, _x(values.get("project"), values.get("oxigraph")),
                     (">" if "rdflib" in capped else "") + _x(values.get("rdflib"), values.get("project"))))

    def capped_in(name: str, kind: str = "queries") -> frozenset[str]:
        return frozenset(c for c in columns if r[c][kind].get(name, {}).get("capped"))

    def project_row(label: str, text: str) -> None:
        rows.append((label, text, *([""] * (len(columns) + 1))))

    project_row("build: parse + link", _s(r["parse_link_s"]))
    project_row("build: assemble + store", _s(r["assemble_s"]))
    for name in r["step_names"]:
        project_row(f"build: step {name}", _s(r["steps"].get(name)))
    project_row("whole build (wall)", _s(r["whole_build_s"]))
    project_row("whole build throughput", f"{r['measures_per_s']:.0f} measures/s")
    if r["linearity"]:
        lin = r["linearity"]
        for measures, seconds, rate in zip(lin["measures"], lin["whole_build_s"], lin["measures_per_s"]):
            project_row(f"whole build of one text of {measures} measures", f"{_s(seconds)} ({rate:.0f}/s)")

    def phase(key: str) -> dict:
        return {c: r[c]["phases"].get(key, {}).get("seconds") for c in columns}

    timed_row("load the dump (graph.trig)", phase("load"))
    timed_row("exports (every format)", phase("export"))
    for key in sorted(k for k in r["oxigraph"]["phases"] if k.startswith("export ")):
        rows.append((f"  Oxigraph {key}", "", _s(r["oxigraph"]["phases"][key]["seconds"]),
                     *([""] * (len(columns)))))
    for name in r["queries"]:
        mark = "" if r["answers"][name]["identical"] else "  ANSWERS DIFFER"
        timed_row(f"query {name}{mark}", {c: r[c]["queries"].get(name, {}).get("seconds") for c in columns},
                  capped_in(name))
    if r["queries"]:
        summed_capped = frozenset().union(*map(capped_in, r["queries"]))
        timed_row("queries (sum)", {"project": r["query_s"], "oxigraph": r["oxigraph_query_s"],
                                    "jena": r.get("jena_query_s"), "virtuoso": r.get("virtuoso_query_s"),
                                    "rdflib": r["rdflib_query_s"]}, summed_capped)
    for name in r["checks"]:
        mark = "" if r["answers"][name]["identical"] else "  ANSWERS DIFFER"
        timed_row(f"check {name}{mark}", {c: r[c]["checks"].get(name, {}).get("seconds") for c in columns},
                  capped_in(name, "checks"))
    project_row("validation (step)", _s(r["validate_s"]))
    rows.append(("peak memory", *(f"{r[c]['peak_rss_mb']:.0f} MiB" if r[c]["peak_rss_mb"] else "—"
                                  for c in columns), "", ""))
    return rows


def _heading(r: dict) -> list[str]:
    m = r["machine"]
    lines = [f"hongqiao-kg benchmark: target {r['target_triples']:,} triples -> {r['texts']:,} texts, "
             f"{r['measures']:,} measures, {r['triples']:,} triples (seed {r['seed']})",
             f"machine: {m['cpu']}, {m['cores']} cores, {m['ram_mb']:,} MiB RAM, Python {m['python']}"
             + (f", load average {m['load_average']}" if m.get("load_average") else "")]
    for name, why in r.get("peers_not_run", {}).items():
        lines.append(f"{dict(ENGINES)[name]}: {why}")
    if r["rdflib"]["capped"]:
        lines.append("rdflib: stopped by --rdflib-time-cap")
    return lines


def _notes(r: dict) -> list[str]:
    notes = []
    if r["rdflib_queries_capped"]:
        notes.append(f"`>`: rdflib stopped at its cap ({RDFLIB_CAP_FACTOR:.0f}x the project's time, at least "
                     f"{RDFLIB_CAP_FLOOR:.0f} s), so the figure is a lower bound")
    summary = r["project"]["phases"].get("validate", {}).get("summary")
    if summary:
        notes.append(f"validation: {summary['violations']} violation(s), {summary['warnings']} warning(s)")
    jena_capped = [name for kind in ("queries", "checks") for name, q in r["jena"][kind].items() if q.get("capped")]
    if jena_capped:
        notes.append(f"`>` for Jena TDB2: {len(jena_capped)} question(s) stopped at --jena-query-cap, the wall time of "
                     "the JVM's start, warm-up run and timed run together, so no answer to compare and Jena's own time "
                     f"unknown (at least about half the cap): {', '.join(jena_capped)}")
    if r["jena"]["records"]:
        notes.append("Jena TDB2: load is wall time with the JVM's start; each query is Jena's own --time, one JVM "
                     "per query, after one warm-up run in it (the JVM's start not counted)")
    if r["virtuoso"]["records"]:
        notes.append("Virtuoso: times at the client over HTTP on 127.0.0.1 (best of the repeats); load is "
                     "ld_add + rdf_loader_run + checkpoint")
    notes.append("peak memory: each engine's own process (the JVMs' largest, Virtuoso's server)")
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
    lines += _notes(r) + ["", "goals (set for 10^7 triples)"]
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


