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

# The goals, on the 10^6-triple corpus (the table marks them at every size).
QUERY_RATIO_MAX = 1.3  # project query time / raw Oxigraph
RDFLIB_SPEEDUP_MIN = 20.0  # rdflib query time / project
BUILD_RATIO_MAX = 3.0  # project build / Oxigraph bulk load of graph.ttl
LINEARITY_MAX = 1.1  # 10x the input in at most 11x the time
PEAK_RSS_MAX_MB = 1536.0  # 1.5 GiB
VALIDATION_RATIO_MAX = 5.0  # validation / load

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


