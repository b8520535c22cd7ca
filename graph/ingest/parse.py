"""Raw published policy text -> Document: title, preamble, sections and measures with offsets.

Knows the genre (Chinese policy 'measures' texts) and the artefacts of PDF extraction; knows nothing of RDF.
Every text kept is verbatim except for PDF line breaks and page-break spaces, and every piece remembers the
code-point offsets of its first and last character in the original file.
"""
from __future__ import annotations

import re
from bisect import bisect_left
from dataclasses import dataclass
from pathlib import Path

from graph.ingest.sources import SourceError, read_source

CHINESE_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "三": 3, "四": 4, "五": 5,
                  "六": 6, "七": 7, "八": 8, "九": 9}
NUMERAL = "[一二三四五六七八九十百零〇]+"
SECTION_HEADING = re.compile(rf"^({NUMERAL})、(.+)$")
MEASURE_LABEL = re.compile(rf"^[（(]({NUMERAL})[）)]")
# '— 2 —', '- 12 -', '–3–', '第 2 页': page furniture, not text.
PAGE_NUMBER = re.compile(r"^[\s—–\-－]*(?:\d+|第\s*\d+\s*页(?:\s*共\s*\d+\s*页)?)[\s—–\-－]*$")
LAYOUT_SPACE = " \t\u3000\u00a0\ufeff"
SENTENCE_PUNCTUATION = set("，。；：！？,;:")
TITLE_ENDINGS = ("措施", "意见", "方案", "通知", "办法", "规定", "决定", "规划", "纲要", "细则", "政策")
TITLE_MAX_CHARS = 80


class ParseError(ValueError):
    """The text's structure cannot be read; names the file and line."""

    def __init__(self, file: str, line: int, message: str):
        super().__init__(f"{file}:{line}: {message}")
        self.file, self.line, self.message = file, line, message


@dataclass(frozen=True)
class Span:
    """Cleaned text with the original offset of each of its characters."""

    text: str
    offsets: tuple[int, ...]

    @property
    def start(self) -> int:
        return self.offsets[0] if self.offsets else 0

    @property
    def end(self) -> int:
        return self.offsets[-1] + 1 if self.offsets else 0

    def original_range(self, i: int, j: int) -> tuple[int, int]:
        """Offsets in the original file of cleaned characters i..j (j exclusive)."""
        return self.offsets[i], self.offsets[j - 1] + 1

    def __add__(self, other: "Span") -> "Span":
        return Span(self.text + other.text, self.offsets + other.offsets)

    @staticmethod
    def empty() -> "Span":
        return Span("", ())


@dataclass(frozen=True)
class Line:
    number: int  # 1-based line number in the file
    span: Span


@dataclass(frozen=True)
class Provision:
    """A preamble, section intro or measure: its number, label and verbatim text."""

    kind: str  # 'preamble' | 'section' | 'measure'
    key: str  # the IRI-safe key: '' for the preamble, '2' for a section, '13' or '2.3' for a measure
    number: int  # ordinal within its kind (global for measures)
    label: str  # '（十三）', '二、', '' for the preamble
    heading: Span  # the section heading ('强化虹桥商务区核心功能'); empty for others
    body: Span  # the text after the label
    line: int  # line where it starts
    section: int  # section number (0 for the preamble)
    role: str = ""  # genre texts beyond the seed: item, paragraph, principle, target, closing ('' for the seed's)
    parent: int = 0  # a section's enclosing section (0: the document itself)
    style: str = ""  # the numbering style of its label ('一、', '（一）', '1.', '第X条'…), '' when unnumbered

    @property
    def text(self) -> str:
        return self.body.text


@dataclass(frozen=True)
class Document:
    file: str
    raw: str
    title: Span
    preamble: Provision
    sections: tuple[Provision, ...]
    measures: tuple[Provision, ...]
    format: str = "text"  # text | html | markdown
    stream: Span | None = None  # every character kept (html, markdown): what `clean` reads
    metadata: "Metadata | None" = None
    structure: tuple[tuple[str, int], ...] = ()  # numbered paragraphs per style, and 'paragraphs_unnumbered'
    warnings: tuple[str, ...] = ()
    attachments: tuple["Document", ...] = ()  # the documents it carries (a 通知's 方案, a 令's 条例)

    @property
    def provisions(self) -> tuple[Provision, ...]:
        return (self.preamble, *self.sections, *self.measures)

    def clean(self, start: int, end: int) -> str:
        """The original characters start..end with PDF line breaks, layout spaces and page numbers (or the
        markup) removed."""
        if self.stream is not None:
            offsets = self.stream.offsets
            return self.stream.text[bisect_left(offsets, start):bisect_left(offsets, end)]
        return "".join(span.text for span in _split_lines(self.raw[start:end], start)
                       if not PAGE_NUMBER.match(span.text))


@dataclass(frozen=True)
class Metadata:
    """What a document says about itself, and what the metadata file beside it adds."""

    title: str = ""
    number: str = ""  # 发文字号, e.g. 国发〔2019〕5号
    issuer: str = ""
    signed: str = ""  # the 落款 date, YYYY-MM-DD
    addressee: str = ""
    attachment_titles: tuple[str, ...] = ()  # as listed after 附件：
    url: str = ""


def chinese_number(numeral: str) -> int:
    """'二十四' -> 24 (numbers below a thousand, as the genre uses)."""
    total, current = 0, 0
    for ch in numeral:
        if ch == "百":
            total += (current or 1) * 100
            current = 0
        elif ch == "十":
            total += (current or 1) * 10
            current = 0
        else:
            current = CHINESE_DIGITS[ch]
    return total + current


def _split_lines(raw: str, base: int = 0) -> list[Span]:
    spans = []
    pos = 0
    for piece in raw.splitlines(keepends=True):
        content = piece.rstrip("\r\n")
        lead = len(content) - len(content.lstrip(LAYOUT_SPACE))
        stripped = content.strip(LAYOUT_SPACE)
        first = base + pos + lead
        spans.append(Span(stripped, tuple(range(first, first + len(stripped)))))
        pos += len(piece)
    return spans


def read_lines(raw: str) -> list[Line]:
    """Non-empty, non-page-number lines with layout spaces stripped, numbered as in the file."""
    lines = []
    for number, span in enumerate(_split_lines(raw), start=1):
        if span.text and not PAGE_NUMBER.match(span.text):
            lines.append(Line(number, span))
    return lines


def _title_length(lines: list[Line]) -> int:
    """How many leading lines form the title: punctuation-free lines ending in a genre word."""
    joined = ""
    for count, line in enumerate(lines, start=1):
        if SECTION_HEADING.match(line.span.text) or MEASURE_LABEL.match(line.span.text):
            return 0
        if SENTENCE_PUNCTUATION & set(line.span.text):
            return 0
        joined += line.span.text
        if len(joined) > TITLE_MAX_CHARS:
            return 0
        if joined.endswith(TITLE_ENDINGS):
            return count
    return 0


def parse_text(raw: str, file: str = "<text>") -> Document:
    """Parse one policy text of the genre. Raises ParseError naming the line when its structure is unreadable."""
    lines = read_lines(raw)
    if not lines:
        raise ParseError(file, 1, "the text is empty")
    title_count = _title_length(lines)
    if title_count == 0:
        raise ParseError(file, lines[0].number,
                         f"no title: expected the opening lines to form a title ending in one of "
                         f"{'/'.join(TITLE_ENDINGS)} before any punctuation, found {lines[0].span.text[:30]!r}")
    title = Span.empty()
    for line in lines[:title_count]:
        title += line.span

    preamble = Span.empty()
    preamble_line = lines[title_count].number if title_count < len(lines) else lines[-1].number
    sections: list[dict] = []
    measures: list[dict] = []
    current: dict | None = None  # the provision whose body the next lines continue
    restarts = False  # True when measure numbering restarts in each section

    for line in lines[title_count:]:
        text = line.span.text
        heading = SECTION_HEADING.match(text)
        label = MEASURE_LABEL.match(text)
        if heading and len(text) <= 40 and not (SENTENCE_PUNCTUATION & set(heading.group(2))):
            number = chinese_number(heading.group(1))
            expected = len(sections) + 1
            if number != expected:
                raise ParseError(file, line.number, _sequence_message("section", number, expected, text))
            label_len = len(heading.group(1)) + 1
            current = {"kind": "section", "number": number, "label": text[:label_len],
                       "heading": Span(line.span.text[label_len:], line.span.offsets[label_len:]),
                       "body": Span.empty(), "line": line.number, "section": number, "measures": 0}
            sections.append(current)
        elif label:
            if not sections:
                raise ParseError(file, line.number,
                                 f"measure {text[:label.end()]!r} comes before any section heading "
                                 f"(expected a line like '一、…')")
            number = chinese_number(label.group(1))
            section = sections[-1]
            global_next = len(measures) + 1
            local_next = section["measures"] + 1
            if section["measures"] == 0 and len(measures) > 0 and number == 1 and global_next != 1:
                restarts = True
            expected = local_next if restarts else global_next
            if number != expected:
                raise ParseError(file, line.number, _sequence_message("measure", number, expected, text))
            section["measures"] += 1
            current = {"kind": "measure", "number": len(measures) + 1, "local": number,
                       "label": text[:label.end()], "heading": Span.empty(),
                       "body": Span(line.span.text[label.end():], line.span.offsets[label.end():]),
                       "line": line.number, "section": section["number"]}
            measures.append(current)
        elif current is None:
            preamble += line.span
        else:
            current["body"] = current["body"] + line.span

    if not sections:
        raise ParseError(file, lines[-1].number, "no sections: expected numbered headings like '一、…'")
    for section in sections:
        if section["measures"] == 0:
            raise ParseError(file, section["line"], f"section {section['label']} has no measures")
    for measure in measures:
        if not measure["body"].text:
            raise ParseError(file, measure["line"], f"measure {measure['label']} has no text")

    def provision(d: dict) -> Provision:
        if d["kind"] == "measure":
            key = f"{d['section']}.{d['local']}" if restarts else str(d["number"])
        else:
            key = str(d["number"])
        return Provision(d["kind"], key, d["number"], d["label"], d["heading"], d["body"], d["line"], d["section"])

    return Document(
        file=file,
        raw=raw,
        title=title,
        preamble=Provision("preamble", "", 0, "", Span.empty(), preamble, preamble_line, 0),
        sections=tuple(provision(s) for s in sections),
        measures=tuple(provision(m) for m in measures),
    )


def _sequence_message(kind: str, found: int, expected: int, text: str) -> str:
    problem = "repeated or out of order" if found < expected else "skipped"
    return f"{kind} numbering {problem}: found {found}, expected {expected} in {text[:30]!r}"


# A text of the seed's genre that the seed's reading cannot take is read by the genre-family reader instead; a
# contradiction in its numbering (skipped, repeated) still stops the build.
_FALLBACK_ERRORS = ("no sections", "has no measures", "comes before any section", "no title")


def parse_file(path: Path) -> Document:
    """Read a source file (text, HTML or Markdown) through graph/ingest/sources.py and parse it."""
    from graph.ingest import structure  # the genre family; it builds on this module's Span and Provision
    from graph.ingest.readers import source_format

    path = Path(path)
    try:
        raw = read_source(path).matching
    except SourceError as error:
        raise ParseError(error.file, error.line, error.message) from None
    fmt = source_format(path)
    if fmt == "text":
        try:
            return parse_text(raw, str(path))
        except ParseError as error:
            if not any(marker in error.message for marker in _FALLBACK_ERRORS):
                raise
    return structure.parse_blocks(raw, str(path), fmt, structure.side_metadata(path))
