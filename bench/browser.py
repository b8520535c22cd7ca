"""Open the pages in Debian's chromium through Playwright: the screenshot for docs/ and a load-time check.

Playwright is a test dependency (pip install -e '.[test]'); its own browser download cannot work offline, so
this launches /usr/bin/chromium. Used by tests/test_pages.py (launch arguments) and by hand:

    python -m bench.browser screenshot --build build --page regions.html --png docs/region-network.png \
        --link https://w3id.org/hongqiao-kg/id/region/shanghai https://w3id.org/hongqiao-kg/id/region/zhejiang
    python -m bench.browser measure --build build
    python -m bench.browser measure --corpus 400        # a synthetic corpus (bench/corpus.py)
"""
from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

from graph.site.pages import PAGE_FILES

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--no-first-run", "--disable-sync"]
VIEWPORT = {"width": 1600, "height": 1000}


def launch(playwright):
    """Debian's chromium, headless, with nothing in the background that could reach the network."""
    if not CHROMIUM.exists():
        raise FileNotFoundError(f"{CHROMIUM}: not installed (apt-get install -y chromium)")
    return playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)


def open_page(browser, path: Path, timeout_ms: int = 120_000):
    """Load a page from file:// and wait until its network is drawn; returns (page, seconds, problems), where
    problems are console errors, page errors and any request that is not a file:// URL."""
    page = browser.new_page(viewport=VIEWPORT)
    problems: list[str] = []
    page.on("console", lambda m: problems.append(f"console {m.type}: {m.text}") if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
    page.on("request", lambda r: problems.append(f"request: {r.url}") if not r.url.startswith("file://") else None)
    started = time.perf_counter()
    page.goto(path.resolve().as_uri())
    if path.name in PAGE_FILES:
        page.wait_for_function("window.hq && window.hq.ready", timeout=timeout_ms)
        page.evaluate("() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")
    return page, time.perf_counter() - started, problems


def screenshot(build: Path, page_name: str, png: Path, link: tuple[str, str] | None = None) -> None:
    """A PNG of one page; with `link` (two node IRIs), that link selected so its quotes show beside the map."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = launch(p)
        page, _, problems = open_page(browser, build / page_name)
        if link is not None:
            found = page.evaluate("""([a, b]) => hq.data.edges.findIndex(e => {
                const ends = [hq.data.nodes[e.from].iri, hq.data.nodes[e.to].iri];
                return ends.includes(a) && ends.includes(b); })""", list(link))
            if found < 0 or not page.evaluate("id => hq.selectEdge(id)", found):
                raise RuntimeError(f"{build / page_name}: no link between {link[0]} and {link[1]}")
        if problems:
            raise RuntimeError(f"{build / page_name}: " + "; ".join(problems))
        page.screenshot(path=str(png))
        browser.close()


def measure(build: Path) -> list[dict]:
    """Size of each page (with its data) and seconds from navigation to a drawn network, in one browser."""
    from playwright.sync_api import sync_playwright

    rows = []
    with sync_playwright() as p:
        browser = launch(p)
        for html in [build / name for name in ("index.html", *PAGE_FILES) if (build / name).is_file()]:
            page, seconds, problems = open_page(browser, html)
            counts = page.evaluate("""window.hq ? [hq.data.nodes.length, hq.data.edges.length, hq.nodes.length,
                                                   hq.edges.length] : [null, null, null, null]""")
            rows.append({"page": html.name, "bytes": html.stat().st_size, "nodes": counts[0], "links": counts[1],
                         "drawn_nodes": counts[2], "drawn_links": counts[3], "load_s": round(seconds, 2),
                         "problems": problems})
            page.close()
        browser.close()
    return rows


def corpus_build(texts: int, out: Path) -> Path:
    """Parse, link and assemble `texts` synthetic policy texts (bench/corpus.py) with the project's own stages,
    then write only the pages of that store into `out` (the other outputs are not needed here)."""
    from bench.corpus import write_corpus  # a development tool: bench/ is in the source tree, not installed
    from graph import pipeline
    from graph.ingest.gazetteer import load_gazetteer
    from graph.site.pages import write_site

    gazetteer = load_gazetteer(pipeline.DEFAULT_ENTITIES_DIR)
    sources = Path(tempfile.mkdtemp(prefix="hq-corpus-"))
    try:
        paths = write_corpus(sources, texts, gazetteer)
        documents = pipeline.load_documents(paths, gazetteer)
        store = pipeline.assemble_store(gazetteer, documents, pipeline.DEFAULT_ONTOLOGY)
    finally:
        shutil.rmtree(sources, ignore_errors=True)
    started = time.perf_counter()
    write_site(store, out)
    print(f"{len(store)} triples; pages written in {time.perf_counter() - started:.1f} s", file=sys.stderr)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.browser", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    shot = commands.add_parser("screenshot", help="screenshot one page of a build")
    shot.add_argument("--build", type=Path, default=Path("build"))
    shot.add_argument("--page", default="regions.html")
    shot.add_argument("--png", type=Path, default=Path("docs/region-network.png"))
    shot.add_argument("--link", nargs=2, metavar="IRI", help="select the link between these two nodes")
    check = commands.add_parser("measure", help="page sizes and load times, as JSON lines")
    check.add_argument("--build", type=Path, default=Path("build"))
    check.add_argument("--corpus", type=int, default=0, help="build this many synthetic texts first (bench/corpus.py)")
    args = parser.parse_args(argv)
    if args.command == "screenshot":
        screenshot(args.build, args.page, args.png, tuple(args.link) if args.link else None)
        print(f"wrote {args.png}")
        return 0
    build = args.build
    if args.corpus:
        build = corpus_build(args.corpus, Path(tempfile.mkdtemp(prefix="hq-corpus-build-")) / "out")
        print(f"built {args.corpus} synthetic texts into {build}", file=sys.stderr)
    for row in measure(build):
        print(json.dumps(row, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
