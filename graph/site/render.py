"""Write views as self-contained HTML pages that load nothing from the network.

Each view is a pyvis Network (graph/site/networks.py) rendered with pyvis's own template mechanism
(`set_template_dir`) through our template graph/site/templates/page.html, a Jinja2 template with autoescape on:
headings and navigation are escaped by Jinja2, and the data travels as JSON in a <script type="application/json">
block, where '<', '>' and '&' are written as \\u003c, \\u003e and \\u0026 so no label can close the block. The
script (lib/hq-pages.js) puts every text on screen with textContent. vis-network is copied from the pyvis package
into lib/, beside its licence; the font subset (graph/site/fonts.py) and its licence go there too.
"""
from __future__ import annotations

import html
import json
import re
from dataclasses import dataclass
from functools import lru_cache
from collections.abc import Iterable
from pathlib import Path
from string import Template
from typing import Any

import pyvis
from jinja2 import Environment, FileSystemLoader
from markupsafe import Markup

from graph.outputs.files import write_atomic
from graph.site.networks import network_data, network_of
from graph.site.views import View

TEMPLATES = Path(__file__).resolve().parent / "templates"
PYVIS_LIB = Path(pyvis.__file__).resolve().parent / "templates" / "lib"


def _version(path: Path) -> tuple[int, ...]:
    return tuple(int(p) for p in re.findall(r"\d+", path.parent.name))


# pyvis ships vis-network builds under templates/lib/vis-<version>/ (9.0.4 and 9.1.2 in pyvis 0.3.2): take the
# newest rather than pin a path that a pyvis release may change.
VIS_NETWORK = max(PYVIS_LIB.glob("vis-*/vis-network.min.js"), key=_version, default=PYVIS_LIB / "vis-network.min.js")
VIS_VERSION = ".".join(map(str, _version(VIS_NETWORK)))
# Files copied into <out>/lib/: (source, name in lib/).
ASSETS = ((VIS_NETWORK, "vis-network.min.js"),
          (TEMPLATES / "LICENSE-vis-network.txt", "LICENSE-vis-network.txt"),
          (TEMPLATES / "hq-pages.js", "hq-pages.js"),
          (TEMPLATES / "hq-pages.css", "hq-pages.css"))
FONT_FILE, FONT_LICENCE = "hq-font.woff2", "LICENSE-NotoSansSC.txt"


@dataclass(frozen=True)
class PageLink:
    """A page of the site as the navigation bar and the index list it."""

    file: str
    title: tuple[str, str]
    intro: tuple[str, str]
    nodes: int
    edges: int


def script_json(data: Any) -> str:
    """JSON that is safe inside <script type="application/json">: no '<', '>' or '&' appears literally."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return (text.replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e")
            .replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))


@lru_cache(maxsize=1)
def _environment() -> Environment:
    """The pages' Jinja2 environment, as pyvis's set_template_dir makes it but with autoescape on, made once so
    the template is compiled once (a corpus's measure browser renders a page per document)."""
    return Environment(loader=FileSystemLoader(str(TEMPLATES)), autoescape=True)


def _template(name: str) -> Template:
    return Template((TEMPLATES / name).read_text(encoding="utf-8"))


def render_view(view: View, links: list[PageLink], file: str | None = None) -> str:
    """The page of `view`: its pyvis Network rendered through our template. `file`: where the page goes, from the
    site's root (`measures/<document>.html`); links to lib/ and the other pages are made relative to it."""
    file = file or f"{view.name}.html"
    root = "../" * file.count("/")
    net = network_of(view)
    net.set_template_dir(str(TEMPLATES), "page.html")
    net.templateEnv = _environment()  # pyvis makes one per Network: compiling the template took 23 ms a page
    nodes, edges, options = network_data(net)
    data = view.payload() | {"nodes": nodes, "edges": edges, "options": options, "root": root}
    net.templateEnv.globals.update(
        page={"name": view.name, "title": f"{view.title[0]} · {view.title[1]} — hongqiao-kg",
              "heading": view.title, "intro": view.intro, "file": file, "section": f"{view.name}.html",
              "root": root, "provisions": bool(view.provisions), "map": view.map},
        links=links, vis_version=VIS_VERSION, data=Markup(script_json(data)))
    return net.generate_html(file)


def render_index(documents: list[tuple[str, str]], links: list[PageLink], files: list[str]) -> str:
    """`documents`: (zh title, en title); `files`: other files of the output folder, relative paths."""
    docs = "\n      ".join(f"<li>{html.escape(zh)}" + (f' <span lang="en">{html.escape(en)}</span>' if en else "")
                           + "</li>" for zh, en in documents) or "<li>—</li>"
    cards = "\n      ".join(
        f'<li><a href="{html.escape(link.file)}">{html.escape(link.title[0])} '
        f'<span lang="en">{html.escape(link.title[1])}</span></a>'
        f'<p>{html.escape(link.intro[0])}</p><p lang="en">{html.escape(link.intro[1])}</p>'
        f'<p class="counts">{link.nodes} 个节点 · {link.edges} 条连线 '
        f'<span lang="en">{link.nodes} nodes · {link.edges} links</span></p></li>' for link in links)
    listing = "\n      ".join(f'<li><a href="{html.escape(f)}">{html.escape(f)}</a></li>' for f in files) \
        or "<li>—</li>"
    return _template("index.html").substitute(documents=docs, pages=cards, files=listing)


def site_text(pages: dict[str, str] | Iterable[str]) -> str:
    """Every character the site can show, once each, sorted: its pages (HTML and data; a dict of them by name, or
    the texts, or sets of their characters) and the script's own strings. (set() per page: a corpus's pages are tens
    of MB, and a character loop over them took ~30 s.)"""
    chars = set((TEMPLATES / "hq-pages.js").read_text(encoding="utf-8"))
    for text in (pages.values() if isinstance(pages, dict) else pages):
        chars |= set(text)
    return "".join(sorted(chars))


def copy_assets(out: Path, pages: dict[str, str] | Iterable[str]) -> None:
    """lib/ of the site: vis-network, the script, the style, their licences and the font subset of `pages` (as
    site_text takes them)."""
    from graph.site.fonts import font_licence, subset_woff2

    for source, _ in ASSETS:
        if not source.is_file():
            raise FileNotFoundError(f"{source}: needed by the pages (is pyvis installed?)")
    font = subset_woff2(site_text(pages))
    lib = out / "lib"
    lib.mkdir(parents=True, exist_ok=True)
    for source, name in ASSETS:
        write_atomic(lib / name, source.read_bytes())
    write_atomic(lib / FONT_FILE, font)
    write_atomic(lib / FONT_LICENCE, font_licence())

