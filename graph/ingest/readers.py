"""Source files -> blocks: the paragraphs of a text, each a Span of its characters with their offsets in the file.

Three formats: plain text (one block a line), HTML of a government site (one block a `<p>`, or the text of a
table cell or `<div>` outside any `<p>`; tags dropped, character references decoded, `<br>` joined) and Markdown
(one block a line; `#` heading markers, list markers and links dropped, the table of contents skipped). Offsets are
code-point offsets into the file as published, so every character kept can be found again in it. Knows nothing of
the genre's structure (graph/ingest/parse.py) or of RDF.
"""
from __future__ import annotations

import html
import re
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

LAYOUT_SPACE = " \t\u3000\u00a0\ufeff\r\n"
FORMATS = {".txt": "text", ".html": "html", ".htm": "html", ".md": "markdown", ".markdown": "markdown"}


@dataclass(frozen=True)
class Block:
    """One paragraph: its text (layout spaces at both ends stripped) and the offset of each character."""

    line: int  # 1-based line in the file where it starts
    text: str
    offsets: tuple[int, ...]
    heading: int = 0  # Markdown heading level (1 for '#'), 0 otherwise


def corpus_files(folder: Path) -> list[Path]:
    """The texts of a corpus folder, in a fixed order: every .txt, .html and .md file but a README."""
    return sorted(p for p in Path(folder).rglob("*")
                  if p.is_file() and p.suffix.lower() in FORMATS and p.stem.upper() != "README")


def source_format(path: Path | str) -> str:
    return FORMATS.get(Path(path).suffix.lower(), "text")


def _strip(line: int, chars: list[str], offsets: list[int], heading: int = 0) -> Block | None:
    i, j = 0, len(chars)
    while i < j and chars[i] in LAYOUT_SPACE:
        i += 1
    while j > i and chars[j - 1] in LAYOUT_SPACE:
        j -= 1
    if i == j:
        return None
    return Block(line, "".join(chars[i:j]), tuple(offsets[i:j]), heading)


# --- HTML ------------------------------------------------------------------------------------------------------

class _Paragraphs(HTMLParser):
    """Collects the text of each <p> (and of a cell or div outside any <p>) with the file offset of each character."""

    BLOCKS = ("td", "th", "div", "li", "h1", "h2", "h3", "h4", "h5", "h6")
    SKIP = ("script", "style", "title", "head")

    def __init__(self, raw: str):
        super().__init__(convert_charrefs=False)
        self._line_starts = [0]
        for match in re.finditer("\n", raw):
            self._line_starts.append(match.end())
        self.blocks: list[Block] = []
        self._chars: list[str] = []
        self._offsets: list[int] = []
        self._line = 0
        self._in_p = False
        self._skip = 0

    def _position(self) -> int:
        line, column = self.getpos()
        return self._line_starts[line - 1] + column

    def _flush(self) -> None:
        block = _strip(self._line, self._chars, self._offsets)
        if block is not None:
            self.blocks.append(block)
        self._chars, self._offsets = [], []

    def handle_starttag(self, tag, attrs):
        if tag in self.SKIP:
            self._skip += 1
        elif tag == "p" or (tag in self.BLOCKS and not self._in_p):
            self._flush()
            self._in_p = self._in_p or tag == "p"

    def handle_endtag(self, tag):
        if tag in self.SKIP:
            self._skip = max(0, self._skip - 1)
        elif tag == "p" or (tag in self.BLOCKS and not self._in_p) or tag in ("tr", "table", "body"):
            self._flush()
            if tag == "p":
                self._in_p = False

    def _add(self, text: str, start: int, one_offset: bool = False) -> None:
        if self._skip:
            return
        if not self._chars:
            self._line = self.getpos()[0]
        for k, ch in enumerate(text):
            if ch in "\r\n":  # a line break inside the markup is layout, not text
                continue
            self._chars.append(ch)
            self._offsets.append(start if one_offset else start + k)

    def handle_data(self, data):
        self._add(data, self._position())

    def handle_entityref(self, name):
        self._add(html.unescape(f"&{name};"), self._position(), one_offset=True)

    def handle_charref(self, name):
        self._add(html.unescape(f"&#{name};"), self._position(), one_offset=True)


def html_blocks(raw: str) -> list[Block]:
    parser = _Paragraphs(raw)
    parser.feed(raw)
    parser.close()
    parser._flush()
    return parser.blocks


# --- Markdown --------------------------------------------------------------------------------------------------

MD_HEADING = re.compile(r"#{1,6}[ \t]+")
MD_LIST = re.compile(r"[ \t]*(?:[-*+][ \t]+|\d+\.[ \t]+(?=\D))")
MD_LINK = re.compile(r"<a\b[^>]*>|</a>|\]\([^)]*\)|\[")
MD_EMPHASIS = re.compile(r"\*\*|__")
TOC_TITLES = ("目录", "目 录")


def markdown_blocks(raw: str) -> list[Block]:
    """One block a non-empty line; the list under a '目录' heading (the table of contents) is skipped."""
    blocks, pos, in_toc = [], 0, False
    for number, piece in enumerate(raw.splitlines(keepends=True), start=1):
        content = piece.rstrip("\r\n")
        start = pos
        pos += len(piece)
        heading = 0
        cut = 0
        match = MD_HEADING.match(content)
        if match:
            heading = content.index(" ") if " " in content[:7] else match.end() - 1
            heading = len(content) - len(content.lstrip("#"))
            cut = match.end()
        elif MD_LIST.match(content):
            if in_toc:
                continue
            cut = MD_LIST.match(content).end()
        keep = [True] * len(content)
        for k in range(cut):
            keep[k] = False
        for markup in (MD_LINK, MD_EMPHASIS):
            for m in markup.finditer(content, cut):
                for k in range(m.start(), m.end()):
                    keep[k] = False
        chars = [c for k, c in enumerate(content) if keep[k]]
        offsets = [start + k for k, c in enumerate(content) if keep[k]]
        block = _strip(number, chars, offsets, heading)
        if block is None:
            continue
        if heading:
            in_toc = block.text.replace("\u3000", " ") in TOC_TITLES
            if in_toc:
                continue
        blocks.append(block)
    return blocks


# --- plain text ------------------------------------------------------------------------------------------------

def text_blocks(raw: str) -> list[Block]:
    blocks, pos = [], 0
    for number, piece in enumerate(raw.splitlines(keepends=True), start=1):
        content = piece.rstrip("\r\n")
        block = _strip(number, list(content), list(range(pos, pos + len(content))))
        if block is not None:
            blocks.append(block)
        pos += len(piece)
    return blocks


def blocks_of(raw: str, fmt: str) -> list[Block]:
    return {"html": html_blocks, "markdown": markdown_blocks, "text": text_blocks}[fmt](raw)
