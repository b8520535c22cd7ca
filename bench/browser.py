"""Open the pages in Debian's chromium through Playwright: the screenshot for docs/ and a load-time check.

Playwright is a test dependency (pip install -e '.[test]'); its own browser download cannot work offline, so
this launches /usr/bin/chromium. Used by tests/test_pages.py (launch arguments) and by hand:

    python -m bench.browser screenshot --build build --page regions.html --png docs/region-network.png \
        --link https://w3id.org/hongqiao-kg/id/region/shanghai https://w3id.org/hongqiao-kg/id/region/zhejiang
    python -m bench.browser measure --build build
    python -m bench.browser measure --corpus 400        # a synthetic corpus (bench/corpus.py)
    python -m bench.browser screenshots --build build --out docs/screenshots   # every page, with and without
                                                                               # a system CJK font

Glyph checks (used by tests/site/test_fonts.py): `launch(p, system_cjk=False)` starts chromium with a fontconfig
that holds no CJK font (only DejaVu), which is what a fresh machine without fonts-noto-cjk shows; then
`platform_fonts` asks Chromium (CDP CSS.getPlatformFontsForNode) which fonts shaped each element, and
`missing_glyphs` measures every label with the embedded font backed by a zero-width fallback font, so a character
the subset lacks measures 0 px whatever fonts the machine has (document.fonts.check() and screenshots cannot tell).
"""
from __future__ import annotations

import argparse
import base64
import io
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from graph.site.pages import MEASURE_FOLDER, PAGE_FILES

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--no-first-run", "--disable-sync"]
VIEWPORT = {"width": 1600, "height": 1000}


NO_CJK_FONTS = Path("/usr/share/fonts/truetype/dejavu")


def fontconfig_without_cjk(folder: Path) -> Path:
    """A fonts.conf that offers only DejaVu (no CJK at all), with its own cache."""
    folder.mkdir(parents=True, exist_ok=True)
    conf = folder / "fonts.conf"
    conf.write_text(f"""<?xml version="1.0"?>
<!DOCTYPE fontconfig SYSTEM "fonts.dtd">
<fontconfig><dir>{NO_CJK_FONTS}</dir><cachedir>{folder / "cache"}</cachedir></fontconfig>
""", encoding="utf-8")
    return conf


def launch(playwright, system_cjk: bool = True):
    """Debian's chromium, headless, with nothing in the background that could reach the network; with
    `system_cjk=False`, as on a machine without any CJK font."""
    if not CHROMIUM.exists():
        raise FileNotFoundError(f"{CHROMIUM}: not installed (apt-get install -y chromium)")
    env = None
    if not system_cjk:
        env = dict(os.environ, FONTCONFIG_FILE=str(fontconfig_without_cjk(Path(tempfile.mkdtemp(prefix="hq-fc-")))))
    return playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, env=env)


def system_cjk_fonts(system_cjk: bool = True) -> list[str]:
    """What `fc-list :lang=zh` lists, under the fontconfig `launch` would give chromium."""
    env = dict(os.environ)
    if not system_cjk:
        env["FONTCONFIG_FILE"] = str(fontconfig_without_cjk(Path(tempfile.mkdtemp(prefix="hq-fc-"))))
    try:
        out = subprocess.run(["fc-list", ":lang=zh"], env=env, capture_output=True, text=True, check=False).stdout
    except FileNotFoundError:
        return []
    return [line for line in out.splitlines() if line.strip()]


def blank_font() -> bytes:
    """A ~0.6 KB TrueType font mapping every code point to one empty, zero-advance glyph (cmap format 13)."""
    from fontTools.fontBuilder import FontBuilder
    from fontTools.pens.ttGlyphPen import TTGlyphPen
    from fontTools.ttLib.tables._c_m_a_p import CmapSubtable

    builder = FontBuilder(1000, isTTF=True)
    builder.setupGlyphOrder([".notdef", "blank"])
    builder.setupCharacterMap({})
    table = CmapSubtable.newSubtable(13)
    table.platformID, table.platEncID, table.language = 3, 10, 0
    table.cmap = {cp: "blank" for a, z in ((0x21, 0xD7FF), (0xE000, 0xFFFD), (0x10000, 0x3FFFD))
                  for cp in range(a, z + 1)}
    builder.font["cmap"].tables = [table]
    empty = TTGlyphPen(None).glyph()
    builder.setupGlyf({".notdef": empty, "blank": empty})
    builder.setupHorizontalMetrics({".notdef": (0, 0), "blank": (0, 0)})
    builder.setupHorizontalHeader(ascent=880, descent=-120)
    builder.setupNameTable({"familyName": "HQ Check Blank", "styleName": "Regular"})
    builder.setupOS2(sTypoAscender=880, sTypoDescender=-120, usWinAscent=880, usWinDescent=120)
    builder.setupPost()
    out = io.BytesIO()
    builder.save(out)
    return out.getvalue()


MISSING_JS = """async ([blank, texts]) => {
  const face = new FontFace('HQ Check Blank', `url(data:font/ttf;base64,${blank})`);
  document.fonts.add(await face.load());
  await document.fonts.load("20px 'HQ Sans SC'", texts.join(''));
  await document.fonts.ready;
  const ctx = document.createElement('canvas').getContext('2d');
  ctx.font = "20px 'HQ Sans SC', 'HQ Check Blank'";
  const missing = new Set();
  for (const t of texts) for (const ch of t) if (ch.trim() && ctx.measureText(ch).width === 0) missing.add(ch);
  return Array.from(missing).sort();
}"""


def missing_glyphs(page, texts: list[str]) -> list[str]:
    """Characters of `texts` the page's embedded font has no glyph for (in the open page)."""
    return page.evaluate(MISSING_JS, [base64.b64encode(blank_font()).decode("ascii"), texts])


def platform_fonts(page, selector: str) -> list[tuple[str, list[tuple[str, bool, int]]]]:
    """For each element matching `selector` with text of its own: (that text, [(font family, custom web font?,
    glyphs)]) as Chromium reports the fonts that actually shaped it."""
    cdp = page.context.new_cdp_session(page)
    cdp.send("DOM.enable")
    cdp.send("CSS.enable")
    root = cdp.send("DOM.getDocument", {"depth": -1})["root"]["nodeId"]
    ids = cdp.send("DOM.querySelectorAll", {"nodeId": root, "selector": selector})["nodeIds"]
    # CSS.getPlatformFontsForNode reports on the element's own text nodes: compare with those.
    texts = page.evaluate("""s => Array.from(document.querySelectorAll(s)).map(e => Array.from(e.childNodes)
        .filter(n => n.nodeType === 3).map(n => n.textContent).join(''))""", selector)
    found = []
    for node, text in zip(ids, texts):
        if not text.strip():
            continue
        fonts = cdp.send("CSS.getPlatformFontsForNode", {"nodeId": node})["fonts"]
        found.append((text, [(f["familyName"], f["isCustomFont"], f["glyphCount"]) for f in fonts]))
    cdp.detach()
    return found


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
    if path.name in PAGE_FILES or path.parent.name == MEASURE_FOLDER:  # a page drawn by hq-pages.js
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


def screenshots(build: Path, out: Path) -> list[Path]:
    """A PNG of every page, with the machine's fonts and without any system CJK font (<page>-no-cjk.png)."""
    from playwright.sync_api import sync_playwright

    out.mkdir(parents=True, exist_ok=True)
    written = []
    with sync_playwright() as p:
        for system_cjk in (True, False):
            browser = launch(p, system_cjk=system_cjk)
            for name in ("index.html", *PAGE_FILES):
                if not (build / name).is_file():
                    continue
                page, _, problems = open_page(browser, build / name)
                if problems:
                    raise RuntimeError(f"{build / name}: " + "; ".join(problems))
                png = out / (Path(name).stem + ("" if system_cjk else "-no-cjk") + ".png")
                page.screenshot(path=str(png))
                written.append(png)
                page.close()
            browser.close()
    return written


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
    shots = commands.add_parser("screenshots", help="every page, with and without a system CJK font")
    shots.add_argument("--build", type=Path, default=Path("build"))
    shots.add_argument("--out", type=Path, default=Path("docs/screenshots"))
    check = commands.add_parser("measure", help="page sizes and load times, as JSON lines")
    check.add_argument("--build", type=Path, default=Path("build"))
    check.add_argument("--corpus", type=int, default=0, help="build this many synthetic texts first (bench/corpus.py)")
    args = parser.parse_args(argv)
    if args.command == "screenshot":
        screenshot(args.build, args.page, args.png, tuple(args.link) if args.link else None)
        print(f"wrote {args.png}")
        return 0
    if args.command == "screenshots":
        for png in screenshots(args.build, args.out):
            print(f"wrote {png}")
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
