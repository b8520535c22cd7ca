"""`python bench/serve.py [--graph BUILD] [--requests 100] [--json PATH]`: latencies of the linked-data server.

Starts `graph.server.serve` on a free loopback port over a build folder and times, one request after another, each kind
of request a client makes: a typical SPARQL query (the regions each measure names, with labels) in each result
format, a CONSTRUCT, dereferencing a resource as HTML and as Turtle, and a dump file. It prints the median, the
90th percentile and the maximum of each, and the size of every dump in the folder.
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import threading
import time
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as `python bench/serve.py`
    sys.path.insert(0, str(ROOT))

from bench import attacks  # noqa: E402
from graph.outputs.export import FORMATS  # noqa: E402
from graph.rdf.namespaces import PREFIXES  # noqa: E402
from graph.server.serve import make_server, open_site  # noqa: E402
from graph.server.sparql_pool import Limits  # noqa: E402

TYPICAL = f"""PREFIX hq: <{PREFIXES['hq']}>
PREFIX rdfs: <{PREFIXES['rdfs']}>
SELECT ?measure ?region ?label WHERE {{
  ?measure a hq:Measure ; hq:mentionsRegion ?region .
  ?region rdfs:label ?label FILTER(lang(?label) = "en")
}} ORDER BY ?measure ?region"""
CONSTRUCT = f"""PREFIX hq: <{PREFIXES['hq']}>
CONSTRUCT {{ ?measure hq:mentionsRegion ?region }} WHERE {{ ?measure hq:mentionsRegion ?region }}"""


def _time(url: str, accept: str | None, count: int) -> dict[str, float]:
    samples = []
    size = 0
    for _ in range(count):
        request = urllib.request.Request(url, headers={"Accept": accept} if accept else {})
        started = time.perf_counter()
        with urllib.request.urlopen(request, timeout=60) as response:
            size = len(response.read())
            assert response.status == 200
        samples.append((time.perf_counter() - started) * 1000)
    samples.sort()
    return {"median_ms": statistics.median(samples), "p90_ms": samples[int(0.9 * (len(samples) - 1))],
            "max_ms": samples[-1], "bytes": size}


def _get(url: str, accept: str) -> tuple[int, float]:
    started = time.perf_counter()
    with urllib.request.urlopen(urllib.request.Request(url, headers={"Accept": accept}), timeout=60) as r:
        r.read()
        return r.status, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--graph", type=Path, default=ROOT / "build", help="a build folder (default: build/)")
    parser.add_argument("--requests", type=int, default=100, help="requests per kind (default: 100)")
    parser.add_argument("--json", type=Path, help="also write the numbers here")
    args = parser.parse_args()

    started = time.perf_counter()
    site = open_site(args.graph, Limits(), quiet=True)
    startup = time.perf_counter() - started
    server = make_server(site, "127.0.0.1", 0)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}"
    sparql = f"{url}/sparql?" + urllib.parse.urlencode({"query": TYPICAL})
    kinds = {
        "SELECT (JSON)": (sparql, "application/sparql-results+json"),
        "SELECT (XML)": (sparql, "application/sparql-results+xml"),
        "SELECT (CSV)": (sparql, "text/csv"),
        "SELECT (TSV)": (sparql, "text/tab-separated-values"),
        "CONSTRUCT (Turtle)": (f"{url}/sparql?" + urllib.parse.urlencode({"query": CONSTRUCT}), "text/turtle"),
        "CONSTRUCT (JSON-LD)": (f"{url}/sparql?" + urllib.parse.urlencode({"query": CONSTRUCT}),
                                "application/ld+json"),
        "resource (HTML)": (f"{url}{site.local_prefix}region/kunshan", "text/html"),
        "resource (Turtle)": (f"{url}{site.local_prefix}region/kunshan", "text/turtle"),
        "dump graph.nt.gz": (f"{url}/graph.nt.gz", None),
    }
    try:
        results = {name: _time(target, accept, args.requests) for name, (target, accept) in kinds.items()}
        concurrent = attacks.concurrent(lambda: _get(sparql, "application/sparql-results+json"),
                                        clients=8, each=args.requests // 4)
    finally:
        server.shutdown()
        site.close()
    dumps = {}
    for fmt in FORMATS.values():
        for name in (fmt.filename, f"{fmt.filename}.gz"):
            if (args.graph / name).is_file():
                dumps[name] = (args.graph / name).stat().st_size
    print(f"server start (load + {Limits().workers} query workers): {startup:.2f} s; {args.requests} requests each")
    print(f"{'request':<22}{'median ms':>10}{'p90 ms':>9}{'max ms':>9}{'bytes':>10}")
    for name, r in results.items():
        print(f"{name:<22}{r['median_ms']:>10.1f}{r['p90_ms']:>9.1f}{r['max_ms']:>9.1f}{r['bytes']:>10}")
    failed = concurrent["requests"] - concurrent["codes"].get("200", 0)
    print(f"8 clients at once, SELECT (JSON): {concurrent['requests']} requests in {concurrent['seconds']:.2f} s, "
          f"{concurrent['requests'] / concurrent['seconds']:.0f} requests/s, p50 {concurrent['p50_ms']} ms, "
          f"p95 {concurrent['p95_ms']} ms, {failed} failed")
    print("dumps:", ", ".join(f"{name} {size / 1024:.0f} KiB" for name, size in dumps.items()))
    if args.json:
        args.json.write_text(json.dumps({"startup_s": startup, "requests": results, "concurrent": concurrent,
                                         "dumps": dumps}, indent=2))


if __name__ == "__main__":
    main()
