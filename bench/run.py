"""`python bench/run.py --triples N [--json PATH]`: a synthetic corpus of about N triples, measured side by side.

One run writes the corpus (bench/corpus.py), then starts one process per engine, one after the other so they
never share the two cores or each other's memory:
  project   the user's whole build (graph.pipeline.build, every step of graph.pipeline.STEPS, each timed), the
            named questions (queries/*.rq) on the built store, and the project's loader on the dump (graph.trig);
  oxigraph  raw pyoxigraph: bulk load of the dump, its dump in every format, the same questions;
  jena      Apache Jena TDB2 (Debian's libapache-jena-java): tdb2.tdbloader on the dump, tdb2.tdbquery;
  virtuoso  Virtuoso (Debian's virtuoso-opensource): its bulk loader on the dump, SPARQL over HTTP;
  rdflib    rdflib's in-memory Dataset: parse, serialise, the same questions (up to 10^6 triples, time-capped);
  linearity the whole build of one text of the genre, short and 10x as long (sections of 30, numbering restarting).
Every engine's answers are compared (bench/engines.py says how they are normalised). A peer that cannot run here
(its Debian package missing) or fails is reported with the reason and the run goes on. It prints a table per phase
and the goals met or missed (bench/report.py), and with --json writes every number.
"""
from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import threading
from dataclasses import asdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as `python bench/run.py`
    sys.path.insert(0, str(ROOT))

from bench import peers  # noqa: E402
from bench.corpus import DEFAULT_SEED, long_text, policy_text, vocabulary, write_corpus  # noqa: E402
from bench.engines import (  # noqa: E402
    NamedQuery, run_jena, run_oxigraph, run_project, run_rdflib, run_virtuoso,
)
from bench.report import (  # noqa: E402
    RDFLIB_CAP_FACTOR, RDFLIB_CAP_FLOOR, WorkerResult, markdown, summarise, table,
)

QUERIES_DIR = ROOT / "queries"
CALIBRATION_TEXTS = 16
# rdflib's property paths take minutes on 10^4 triples, so each rdflib query is stopped once it has run
# RDFLIB_CAP_FACTOR times as long as the project's (enough to show the goal is met), at least RDFLIB_CAP_FLOOR
# seconds and at most --rdflib-query-cap.
DEFAULT_RDFLIB_QUERY_CAP = 600.0
# Jena TDB2 answers some questions in minutes at 10^5 triples (region-pairs: more than 7), so each of its questions
# is stopped after this long (wall time of its JVM: start, warm-up run and timed run) and counted as capped.
DEFAULT_JENA_QUERY_CAP = 600.0
RDFLIB_MAX_TRIPLES = 1_500_000  # rdflib's in-memory graph is measured up to 10^6 triples only
LINEARITY_MEASURES = 240  # the short text of the one-document check; the long one has 10x as many


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
    from graph.ingest.gazetteer import load_gazetteer

    gazetteer = load_gazetteer(pipeline.DEFAULT_ENTITIES_DIR)
    # what the build's store holds (assembled quads, statements and reach), not assemble() alone
    base = len(pipeline.assemble_store(gazetteer, [], pipeline.DEFAULT_ONTOLOGY))
    sample = pipeline.load_documents(write_corpus(corpus_dir, CALIBRATION_TEXTS, gazetteer, seed), gazetteer)
    measures = sum(len(d.linked.document.measures) for d in sample)
    per_measure = (len(pipeline.assemble_store(gazetteer, sample, pipeline.DEFAULT_ONTOLOGY)) - base) / measures
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
    from graph.query.named import all_queries, bind_params

    queries = []
    for query in all_queries(folder):
        # bind_params gives Oxigraph terms, whose str() is the N-Triples form.
        bindings = {name: str(term) for name, term in bind_params(query, query.example_params()).items()}
        queries.append(NamedQuery(query.name, query.sparql, bindings, query.is_check))
    return queries


# --- workers ------------------------------------------------------------------------------------------------------

def spawn(job: dict, work: Path, time_cap: float | None = None) -> WorkerResult:
    """Run one engine in its own Python process; its records arrive as JSON lines on stdout."""
    job = {"work": str(work), **job}
    label = job.get("label", job["engine"])
    job_file = work / f"job-{label}.json"
    job_file.write_text(json.dumps(job, ensure_ascii=False), encoding="utf-8")
    errors = work / f"job-{label}.stderr"
    records: list[dict] = []

    def read(lines, log) -> None:  # each record also goes to a file, to follow a long run as it goes
        for line in lines:
            records.append(json.loads(line))
            log.write(line)
            log.flush()

    with open(errors, "w", encoding="utf-8") as err, \
            open(work / f"job-{label}.jsonl", "w", encoding="utf-8") as log:
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
    work = Path(job["work"])
    if engine in ("project", "linearity"):
        run_project(report, [Path(p) for p in job["sources"]], Path(job["out"]), queries, job["repeat"],
                    build_only=engine == "linearity")
    elif engine == "oxigraph":
        run_oxigraph(report, Path(job["dump"]), Path(job["graph"]), queries, job["repeat"], work / "oxigraph-dumps")
    elif engine == "rdflib":
        run_rdflib(report, Path(job["dump"]), queries, job["caps"])
    elif engine == "jena":
        run_jena(report, Path(job["dump"]), queries, work / "tdb2", job.get("jena_cap"))
    elif engine == "virtuoso":
        run_virtuoso(report, Path(job["dump"]), queries, work / "virtuoso", job["graphs"], job["repeat"])
    else:
        raise ValueError(f"unknown engine {engine!r}")


def rdflib_caps(project: WorkerResult, ceiling: float | None) -> dict[str, float]:
    """Each query's rdflib cap: RDFLIB_CAP_FACTOR x the project's time, within [floor, ceiling]."""
    caps = {}
    for record in [*project.queries().values(), *project.queries(check=True).values()]:
        cap = max(RDFLIB_CAP_FLOOR, RDFLIB_CAP_FACTOR * record["seconds"])
        caps[record["query"]] = min(cap, ceiling) if ceiling else cap
    return caps


# --- the run ------------------------------------------------------------------------------------------------------

def run(target: int, work: Path, seed: int = DEFAULT_SEED, repeat: int = 3,
        skip_rdflib_above: int | None = RDFLIB_MAX_TRIPLES, rdflib_time_cap: float | None = None,
        rdflib_query_cap: float | None = DEFAULT_RDFLIB_QUERY_CAP, linearity: int | None = LINEARITY_MEASURES,
        peer_names: tuple[str, ...] = ("jena", "virtuoso"), log=print,
        jena_query_cap: float | None = DEFAULT_JENA_QUERY_CAP) -> dict:
    corpus = work / "corpus"
    texts = texts_for(target, corpus, seed)
    from graph import pipeline
    from graph.ingest.gazetteer import load_gazetteer

    gazetteer = load_gazetteer(pipeline.DEFAULT_ENTITIES_DIR)
    sources = write_corpus(corpus, texts, gazetteer, seed)
    queries = named_queries()
    query_jobs = [asdict(q) for q in queries]
    log(f"corpus: {texts} texts in {corpus}; {len(queries)} queries; the project's whole build…")
    out = work / "build"
    project = spawn({"engine": "project", "sources": [str(p) for p in sources], "out": str(out),
                     "queries": query_jobs, "repeat": repeat}, work)
    dump, graph_ttl = out / "graph.trig", out / "graph.ttl"
    triples = project.phase("build")["triples"]
    log(f"built {triples:,} triples; raw Oxigraph…")
    oxigraph = spawn({"engine": "oxigraph", "dump": str(dump), "graph": str(graph_ttl), "queries": query_jobs,
                      "repeat": repeat}, work)
    graphs = oxigraph.phase("size")["graphs"]
    others = {}
    for name in ("jena", "virtuoso"):
        missing = (peers.jena_missing() if name == "jena" else peers.virtuoso_missing())
        if name not in peer_names:
            others[name] = WorkerResult([], False, "left out (--peers)")
        elif missing:
            others[name] = WorkerResult([], False, f"cannot run: {missing}")
        else:
            log(f"{name}…")
            try:
                others[name] = spawn({"engine": name, "dump": str(dump), "queries": query_jobs, "graphs": graphs,
                                      "repeat": repeat, "jena_cap": jena_query_cap}, work)
            except BenchError as error:  # the table says the peer failed and why; the others still count
                last = [line for line in str(error).splitlines() if line.strip()][-1]
                others[name] = WorkerResult([], False, f"failed: {last[:500]} (see {work}/job-{name}.stderr)")
    if skip_rdflib_above is not None and triples > skip_rdflib_above:
        rdflib = WorkerResult([], False, f"{triples:,} triples > {skip_rdflib_above:,} (rdflib is measured up to "
                                         "10^6 triples; --skip-rdflib-above)")
    else:
        log("rdflib…")
        # The checks are timed on the Oxigraph engines and the peers only: they are no goal, and rdflib takes
        # minutes each.
        named = [job for job in query_jobs if not job["check"]]
        caps = rdflib_caps(project, rdflib_query_cap)
        rdflib = spawn({"engine": "rdflib", "dump": str(dump), "queries": named, "caps": caps},
                       work, rdflib_time_cap)
    lengths = []
    if linearity:
        vocab = vocabulary(gazetteer)
        for measures in (linearity, 10 * linearity):
            text = long_text(measures, vocab, seed)
            folder = work / f"long-{measures}"
            folder.mkdir(parents=True, exist_ok=True)
            (folder / text.name).write_text(text.text, encoding="utf-8")
            log(f"the whole build of one text of {measures} measures…")
            lengths.append(spawn({"engine": "linearity", "label": f"linearity-{measures}",
                                  "sources": [str(folder / text.name)], "out": str(folder / "build"),
                                  "repeat": 1}, work))
    return summarise(target, seed, texts, queries, project, oxigraph, rdflib, lengths, others)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--triples", type=int, help="target size of the graph (10000, 100000, 1000000)")
    parser.add_argument("--json", type=Path, help="also write every number to this JSON file")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="corpus seed (default %(default)s)")
    parser.add_argument("--repeat", type=int, default=3,
                        help="runs of each query on the Oxigraph-based engines, best kept (default %(default)s)")
    parser.add_argument("--skip-rdflib-above", type=int, metavar="N", default=RDFLIB_MAX_TRIPLES,
                        help="leave rdflib out above N triples (default %(default)s)")
    parser.add_argument("--peers", default="jena,virtuoso",
                        help="the peers to run beside raw Oxigraph and rdflib (default %(default)s; '' for none)")
    parser.add_argument("--linearity-measures", type=int, default=LINEARITY_MEASURES, metavar="M",
                        help="the one-text check: the whole build of a text of M and of 10M measures "
                             "(default %(default)s; 0 to skip)")
    parser.add_argument("--rdflib-time-cap", type=float, metavar="SECONDS",
                        help="stop the whole rdflib process after this long; the table shows what it finished")
    parser.add_argument("--rdflib-query-cap", type=float, metavar="SECONDS", default=DEFAULT_RDFLIB_QUERY_CAP,
                        help=f"the longest an rdflib query may run (each is stopped after {RDFLIB_CAP_FACTOR:.0f}x "
                             f"the project's time, at least {RDFLIB_CAP_FLOOR:.0f} s); a stopped query's time counts "
                             "as a lower bound (default %(default)s)")
    parser.add_argument("--jena-query-cap", type=float, metavar="SECONDS", default=DEFAULT_JENA_QUERY_CAP,
                        help="stop a Jena TDB2 question after this long (its JVM's wall time, warm-up run included) "
                             "and count it as capped (default %(default)s; 0 for no cap)")
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
        peer_names = tuple(name.strip() for name in args.peers.split(",") if name.strip())
        unknown = set(peer_names) - {"jena", "virtuoso"}
        if unknown:
            parser.error(f"unknown peer(s) {', '.join(sorted(unknown))} (peers: jena, virtuoso)")
        result = run(args.triples, work, args.seed, args.repeat, args.skip_rdflib_above, args.rdflib_time_cap,
                     args.rdflib_query_cap, args.linearity_measures or None, peer_names,
                     log=lambda message: print(message, file=sys.stderr), jena_query_cap=args.jena_query_cap or None)
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
