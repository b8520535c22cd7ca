"""Write views as self-contained HTML pages that load nothing from the network.

Each page is graph/page_templates/page.html with its headings escaped by html.escape and its data as JSON in a
<script type="application/json"> block, where '<', '>' and '&' are written as \\u003c, \\u003e and \\u0026 so no
label can close the block. The script (lib/hq-pages.js) puts every text on screen with textContent. vis-network
is copied from the pyvis package into lib/, beside its licence.
"""
from __future__ import annotations

import html
import json
from dataclasses import dataclass
from pathlib import Path
from string import Template
from typing import Any

import pyvis

from graph.outputs.files import write_atomic
from graph.site.views import View

TEMPLATES = Path(__file__).resolve().parent / "templates"
VIS_NETWORK = Path(pyvis.__file__).resolve().parent / "templates" / "lib" / "vis-9.1.2" / "vis-network.min.js"
# Files copied into <out>/lib/: (source, name in lib/).
ASSETS = ((VIS_NETWORK, "vis-network.min.js"),
          (TEMPLATES / "LICENSE-vis-network.txt", "LICENSE-vis-network.txt"),
          (TEMPLATES / "hq-pages.js", "hq-pages.js"),
          (TEMPLATES / "hq-pages.css", "hq-pages.css"))


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


def _template(name: str) -> Template:
    return Template((TEMPLATES / name).read_text(encoding="utf-8"))


def _nav(links: list[PageLink], current: str) -> str:
    items = ['<a href="index.html">首页 <span lang="en">Home</span></a>']
    for link in links:
        attrs = ' aria-current="page"' if link.file == current else ""
        items.append(f'<a href="{html.escape(link.file)}"{attrs}>{html.escape(link.title[0])} '
                     f'<span lang="en">{html.escape(link.title[1])}</span></a>')
    return "\n    ".join(items)


def render_view(view: View, links: list[PageLink]) -> str:
    file = f"{view.name}.html"
    return _template("page.html").substitute(
        name=html.escape(view.name), title=html.escape(f"{view.title[0]} · {view.title[1]} — hongqiao-kg"),
        heading_zh=html.escape(view.title[0]), heading_en=html.escape(view.title[1]),
        intro_zh=html.escape(view.intro[0]), intro_en=html.escape(view.intro[1]),
        nav=_nav(links, file), data=script_json(view.payload()),
        provision_hidden="" if view.provisions else " hidden")


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


def copy_assets(out: Path) -> None:
    for source, _ in ASSETS:
        if not source.is_file():
            raise FileNotFoundError(f"{source}: needed by the pages (is pyvis installed?)")
    lib = out / "lib"
    lib.mkdir(parents=True, exist_ok=True)
    for source, name in ASSETS:
        write_atomic(lib / name, source.read_bytes())


def write_text(path: Path, text: str) -> None:
    write_atomic(path, text)
