"""The genre family: blocks (paragraphs with offsets) -> Document, for any State Council style text.

Reads the wrapper (title, 发文字号, addressee), the numbered structure at any depth (第X章 / 第X节 / 第X条 / 一、 /
（一） / 1. / （1） / ①, numbering restarting under each parent or running on), the plain paragraphs, the closing
part, the 落款 (issuer and date) and the documents a text carries after it (a 通知's 方案, a 令's 条例). How a block
becomes a provision:
  - a numbered block with numbered children, a chapter or section heading, or a short title-like item
    ('一、总体要求', '（一）统筹建设监管工作平台。') is a section; each plain paragraph under it is a provision;
  - any other numbered block is an item (a measure); the plain paragraphs after it continue it (an article's 款);
  - plain paragraphs after the last top-level item are the closing part, not part of that item;
  - under a heading about 原则 or 目标 the provisions are principles or targets.
A text without any numbering becomes one implicit section of paragraph provisions, with a warning. A number skipped
or repeated among siblings stops the build with `file:line: message`.
"""
from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from graph.ingest.parse import (
    Document, Metadata, ParseError, Provision, Span, chinese_number,
)
from graph.ingest.readers import Block, blocks_of

N = "[一二三四五六七八九十百零〇]+"
STYLES: tuple[tuple[str, re.Pattern], ...] = (
    ("第X章", re.compile(rf"第({N})章[\s\u3000]*")),
    ("第X节", re.compile(rf"第({N})节[\s\u3000]*")),
    ("第X条", re.compile(rf"第({N})条[\s\u3000]*")),
    ("一、", re.compile(rf"({N})、")),
    ("（一）", re.compile(rf"[（(]({N})[）)]")),
    ("1.", re.compile(r"([0-9]{1,3})(?:[.．](?![0-9])|、)")),
    ("（1）", re.compile(r"[（(]([0-9]{1,3})[）)]")),
    ("①", re.compile(r"([①-⑳])")),
)
ALWAYS_HEADING = ("第X章", "第X节")
ALWAYS_ITEM = ("第X条",)
TITLE_LIKE_MAX = 30  # characters after the label of a heading-style item
CLAUSE_PUNCTUATION = set("，；：,;:")
DOC_NUMBER = re.compile(r"[\u4e00-\u9fa5]{1,12}〔[0-9]{4}〕[0-9]+号|(?:中华人民共和国)?国务院令第[0-9]+号|第[0-9]+号")
DATE_LINE = re.compile(r"([0-9〇○零一二三四五六七八九]{4})年([0-9一二三四五六七八九十]{1,3})月([0-9一二三四五六七八九十]{1,3})日")
NOTE_LINE = re.compile(r"[（(][^（）()]{2,20}[）)]")
ATTACHMENT_LINE = re.compile(r"附件[0-9一二三四五六七八九十]*[：:]?")
ISSUER_MAX = 40
PRINCIPLE_WORDS = ("原则",)
TARGET_WORDS = ("目标",)
TITLE_ENDINGS = ("措施", "意见", "方案", "通知", "办法", "规定", "决定", "规划", "纲要", "细则", "政策", "条例", "批复",
                 "复函", "函", "答复", "报告", "预案", "令", "通报", "决议", "指南", "计划")
METADATA_FILE = "metadata.csv"
# The title of a list carried at the end of a text (国务院职业教育工作 / 部际联席会议成员名单, printed on one or more
# short lines): a heading of the rows after it, not paragraphs.
LIST_TITLE_ENDINGS = ("名单", "一览表")
LIST_TITLE_LINE_MAX = 20
LIST_TITLE_LINES = 3
CJK_LAYOUT = re.compile(r"(?<=[^\x00-\x7f])[ \t]+(?=[^\x00-\x7f])")


def _digit(ch: str) -> int:
    return "0123456789".index(ch) if ch.isdigit() and ch.isascii() else "〇一二三四五六七八九".index(
        "〇" if ch in "○零" else ch)


def _number(text: str) -> int:
    if text.isdigit() and text.isascii():
        return int(text)
    if len(text) == 1 and "①" <= text <= "⑳":
        return ord(text) - ord("①") + 1
    return chinese_number(text)


def _span(block: Block, start: int = 0) -> Span:
    return Span(block.text[start:], block.offsets[start:])


def _clean_block(block: Block) -> Block:
    """Spaces between two CJK characters are layout of the page (a <br>, an indent), not text."""
    keep = [True] * len(block.text)
    for match in CJK_LAYOUT.finditer(block.text):
        for k in range(match.start(), match.end()):
            keep[k] = False
    if all(keep):
        return block
    text = "".join(c for c, k in zip(block.text, keep) if k)
    offsets = tuple(o for o, k in zip(block.offsets, keep) if k)
    return Block(block.line, text, offsets, block.heading)


def _compact(text: str) -> str:
    return re.sub(r"[\s\u3000]+", "", text)


# --- metadata ---------------------------------------------------------------------------------------------------

def side_metadata(path: Path) -> dict[str, str]:
    """The row of metadata.csv beside the file for this file, if there is one."""
    table = Path(path).parent / METADATA_FILE
    if not table.is_file():
        return {}
    with table.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            if row.get("file") == Path(path).name:
                return {k: (v or "").strip() for k, v in row.items()}
    return {}


def parse_date(text: str) -> str:
    """'2019年1月27日' or '二〇一九年一月二十七日' -> '2019-01-27' ('' when it is not a real date)."""
    match = DATE_LINE.fullmatch(_compact(text))
    if not match:
        return ""
    try:
        year = int("".join(str(_digit(c)) for c in match.group(1)))
        month, day = (int(g) if g.isdigit() else chinese_number(g) for g in match.group(2, 3))
        return date(year, month, day).isoformat()
    except (ValueError, KeyError):
        return ""


def _marker(text: str) -> tuple[str, int, int] | None:
    """(style, number, label length) of a numbered block."""
    for style, pattern in STYLES:
        match = pattern.match(text)
        if match and match.end() < len(text):
            return style, _number(match.group(1)), match.end()
    return None


def _is_issuer(text: str) -> bool:
    return len(text) <= ISSUER_MAX and not (CLAUSE_PUNCTUATION | set("。")) & set(text) and _marker(text) is None


@dataclass
class _Wrapper:
    title: list[Block] = field(default_factory=list)
    number: str = ""
    addressee: str = ""
    body: list[Block] = field(default_factory=list)
    issuer: str = ""
    signed: str = ""
    attachment_titles: list[str] = field(default_factory=list)
    rest: list[Block] = field(default_factory=list)  # what follows the 落款: the carried documents


def _split_wrapper(blocks: list[Block], known_title: str, known_number: str = "") -> _Wrapper:
    w = _Wrapper()
    i = 0
    # The title: the blocks before the document number, or a Markdown heading, or the blocks that spell the title
    # of the metadata file, or title-like opening blocks.
    number_at = next((k for k, b in enumerate(blocks[:8]) if DOC_NUMBER.fullmatch(_compact(b.text))), None)
    known = re.escape(known_number) if known_number else None
    inline = re.search(known, blocks[0].text) if known and blocks and number_at is None else None
    if inline and inline.end() == len(blocks[0].text) and inline.start() > 0:
        # '国务院办公厅关于…的复函 国办函〔2005〕21号': title and number in one paragraph
        cut = len(blocks[0].text[:inline.start()].rstrip(" \u3000"))
        w.title = [Block(blocks[0].line, blocks[0].text[:cut], blocks[0].offsets[:cut])]
        w.number, i = inline.group(), 1
    elif blocks and blocks[0].heading:
        w.title, i = [blocks[0]], 1
    elif number_at is not None:
        w.title, i = blocks[:number_at], number_at
    else:
        joined = ""
        for k, b in enumerate(blocks[:6]):
            joined += _compact(b.text)
            if (known_title and _compact(known_title).startswith(joined) and joined) or (
                    not known_title and joined.endswith(TITLE_ENDINGS) and not CLAUSE_PUNCTUATION & set(joined)):
                w.title, i = blocks[:k + 1], k + 1
                if known_title and _compact(known_title) == joined:
                    break
            else:
                break
    if not w.number and i < len(blocks) and DOC_NUMBER.fullmatch(_compact(blocks[i].text)):
        w.number = _compact(blocks[i].text)
        i += 1
    if i < len(blocks) and blocks[i].text.endswith(("：", ":")) and len(blocks[i].text) < 300 \
            and _marker(blocks[i].text) is None and not blocks[i].heading:
        w.addressee = blocks[i].text[:-1]
        i += 1
    # The 落款: a date line after an issuer line; what follows its notes is a carried document.
    end = len(blocks)
    for k in range(i + 1, len(blocks)):
        if parse_date(blocks[k].text) and _is_issuer(blocks[k - 1].text):
            w.signed = parse_date(blocks[k].text)
            first = k - 1
            while first - 1 > i and _is_issuer(blocks[first - 1].text) and len(blocks[first - 1].text) <= 20 \
                    and not ATTACHMENT_LINE.match(blocks[first - 1].text):
                first -= 1
            w.issuer = " ".join(_compact(b.text) for b in blocks[first:k])
            end = first
            rest = k + 1
            while rest < len(blocks) and NOTE_LINE.fullmatch(blocks[rest].text):
                rest += 1
            w.rest = blocks[rest:]
            break
    body = blocks[i:end]
    # The 附件 list closes the body: '附件：1.…' and the numbered titles after it.
    for k, b in enumerate(body):
        match = ATTACHMENT_LINE.match(b.text)
        if match and k > 0:
            titles = [b.text[match.end():]]
            for x in body[k + 1:]:
                if not re.match(r"[0-9]+[.．、]", x.text):
                    break
                titles.append(x.text)
            w.attachment_titles = [re.sub(r"^[.．、]?[0-9]*[.．、]", "", t).strip() for t in titles if t.strip()]
            body = body[:k]
            break
    w.body = body
    return w


# --- structure --------------------------------------------------------------------------------------------------

@dataclass
class _Node:
    block: Block
    style: str
    number: int
    label_len: int
    depth: int
    parent: "_Node | None"
    children: list["_Node"] = field(default_factory=list)
    trailing: list[Block] = field(default_factory=list)

    def title_like(self) -> bool:
        rest = self.block.text[self.label_len:]
        return len(rest) <= TITLE_LIKE_MAX and not CLAUSE_PUNCTUATION & set(rest) and "。" not in rest[:-1]

    def is_heading(self) -> bool:
        if self.style in ALWAYS_HEADING or self.block.heading:
            return True
        if self.style in ALWAYS_ITEM:
            return bool(self.children)
        # a short title-like item ('（一）统筹建设监管工作平台。') heads the paragraphs after it; alone it is an item
        return bool(self.children) or (self.title_like() and bool(self.trailing))


def _list_titles(body: list[Block]) -> list[Block]:
    """Short unpunctuated lines that together end in 名单 (a member list's title, printed over one or more
    lines) and have rows after them become one heading block."""
    out: list[Block] = []
    k = 0
    while k < len(body):
        run = []
        for block in body[k:k + LIST_TITLE_LINES]:
            if (len(block.text) > LIST_TITLE_LINE_MAX or block.heading or _marker(block.text) is not None
                    or set(block.text) & (CLAUSE_PUNCTUATION | set("。、"))):
                break
            run.append(block)
            if _compact("".join(b.text for b in run)).endswith(LIST_TITLE_ENDINGS):
                break
        joined = "".join(b.text for b in run)
        if run and _compact(joined).endswith(LIST_TITLE_ENDINGS) and k + len(run) < len(body):
            out.append(Block(run[0].line, joined, tuple(o for b in run for o in b.offsets), heading=1))
            k += len(run)
            continue
        out.append(body[k])
        k += 1
    return out


def _sequence_message(style: str, found: int, expected: int, text: str) -> str:
    problem = "repeated or out of order" if found < expected else "skipped"
    return f"{style} numbering {problem}: found {found}, expected {expected} in {text[:30]!r}"


def _tree(body: list[Block], file: str, warnings: list[str]) -> tuple[list[Block], list[_Node], dict[str, int]]:
    """The preamble blocks, the top-level nodes, and the count of numbered blocks per style."""
    preamble: list[Block] = []
    roots: list[_Node] = []
    stack: list[_Node] = []  # the open node at each depth
    last_of_style: dict[str, int] = {}
    counts: dict[str, int] = {}
    for block in body:
        marker = _marker(block.text)
        if block.heading and marker is None:
            marker = ("#" * block.heading, 0, 0)
        node = None
        if marker is not None:
            style, number, label_len = marker
            depth = next((d for d, open_ in enumerate(stack) if open_.style == style), None)
            if style.startswith("#"):
                depth = depth if depth is not None else len(stack)
                number = (len(stack[depth].parent.children) if depth < len(stack) and stack[depth].parent
                          else len(roots)) + 1 if depth < len(stack) else 1
            if depth is not None and depth < len(stack):
                expected = stack[depth].number + 1
                if not style.startswith("#") and number != expected:
                    raise ParseError(file, block.line, _sequence_message(style, number, expected, block.text))
                parent = stack[depth].parent
                del stack[depth:]
            else:
                # A new level: its first number is 1, or carries on the numbering of the same style elsewhere
                # (articles numbered through the chapters).
                if not style.startswith("#") and number not in (1, last_of_style.get(style, 0) + 1):
                    warnings.append(f"{file}:{block.line}: {block.text[:label_len]!r} starts no list here "
                                    f"(expected 1); read as a plain paragraph")
                    marker = None
                parent = stack[-1] if stack else None
                depth = len(stack)
            if marker is not None:
                node = _Node(block, style, number, label_len, depth, parent)
                (parent.children if parent else roots).append(node)
                stack.append(node)
                last_of_style[style] = number
                counts[style] = counts.get(style, 0) + 1
        if node is None:
            if stack:
                stack[-1].trailing.append(block)
            else:
                preamble.append(block)
    return preamble, roots, counts


@dataclass
class _Builder:
    file: str
    sections: list[Provision] = field(default_factory=list)
    measures: list[Provision] = field(default_factory=list)

    def section(self, node: _Node | None, parent: int, block: Block | None = None) -> int:
        number = len(self.sections) + 1
        if node is None:
            label, heading, body, line, style = "", Span.empty(), Span.empty(), (block.line if block else 1), ""
        else:
            text = node.block.text
            label = text[:node.label_len] if not node.style.startswith("#") else ""
            rest = _span(node.block, node.label_len)
            if node.title_like() or node.block.heading or node.style in ALWAYS_HEADING:
                heading, body = rest, Span.empty()
            else:
                heading, body = Span.empty(), rest
            line, style = node.block.line, ("" if node.style.startswith("#") else node.style)
        self.sections.append(Provision("section", str(number), number, label, heading, body, line, number,
                                       role="heading", parent=parent, style=style))
        return number

    def measure(self, spans: list[Span], label: str, line: int, section: int, role: str, style: str) -> None:
        body = Span.empty()
        for span in spans:
            body += span
        if not body.text:
            return
        number = len(self.measures) + 1
        self.measures.append(Provision("measure", str(number), number, label, Span.empty(), body, line, section,
                                       role=role, style=style))


def _role(words: str, default: str) -> str:
    if any(w in words for w in PRINCIPLE_WORDS):
        return "principle"
    if any(w in words for w in TARGET_WORDS):
        return "target"
    return default


def _walk(builder: _Builder, nodes: list[_Node], section: int, context: str, closing: _Node | None) -> None:
    for node in nodes:
        if node.is_heading():
            number = builder.section(node, section)
            words = node.block.text[node.label_len:] if node.title_like() or node.block.heading else ""
            role = _role(words, "paragraph") if words else _role(context, "paragraph")
            for block in node.trailing:
                builder.measure([_span(block)], "", block.line, number, role, "")
            _walk(builder, node.children, number, words or context, closing)
        else:
            label = node.block.text[:node.label_len]
            spans = [_span(node.block, node.label_len)]
            if node is not closing:
                spans += [_span(b) for b in node.trailing]
            builder.measure(spans, label, node.block.line, section, _role(context, "item"), node.style)
            if node is closing:
                for block in node.trailing:
                    builder.measure([_span(block)], "", block.line, section, "closing", "")


def parse_blocks(raw: str, file: str, fmt: str, side: dict[str, str] | None = None,
                 blocks: list[Block] | None = None, stream: Span | None = None) -> Document:
    """Parse the blocks of one file (or the blocks of a document it carries) into a Document."""
    side = side or {}
    if blocks is None:
        blocks = [_clean_block(b) for b in blocks_of(raw, fmt)]
        stream = Span.empty()
        for b in blocks:
            stream += Span(b.text, b.offsets)
    if not blocks:
        raise ParseError(file, 1, "the text is empty")
    w = _split_wrapper(blocks, side.get("title", ""), side.get("number", ""))
    warnings: list[str] = []
    if not w.title:
        warnings.append(f"{file}:{blocks[0].line}: no title found in the text")
    preamble_blocks, roots, counts = _tree(_list_titles(w.body), file, warnings)
    builder = _Builder(file)
    unnumbered = sum(len(n.trailing) for n in _all(roots)) + len(preamble_blocks)
    if not roots:
        warnings.append(f"{file}:{(w.body or blocks)[0].line}: no numbered structure recognised; "
                        f"each paragraph is a provision")
        number = builder.section(None, 0, (w.body or blocks)[0])
        for block in preamble_blocks:
            builder.measure([_span(block)], "", block.line, number, "paragraph", "")
        preamble_blocks = []
    else:
        last = roots[-1]
        closing = last if not last.is_heading() and len(roots) >= 3 and last.trailing else None
        # Items at the top level (a 批复's 一、二、…) sit in one implicit section, so every item has a section.
        top = builder.section(None, 0, roots[0].block) if any(not n.is_heading() for n in roots) else 0
        for node in roots:
            _walk(builder, [node], 0 if node.is_heading() else top, "", closing)
        if not builder.measures:
            # Headings only (a list of titles): each heading's text is a provision of its own.
            raise ParseError(file, roots[0].block.line, "numbered headings but no text under any of them")
    preamble = Span.empty()
    for block in preamble_blocks:
        preamble += _span(block)
    structure = tuple(sorted((k, v) for k, v in counts.items() if not k.startswith("#")))
    structure += (("paragraphs_unnumbered", unnumbered),)
    title_span = Span.empty()
    for block in w.title:
        title_span += _span(block)
    title_text = _compact(title_span.text)
    metadata = Metadata(title=title_text or side.get("title", ""), number=w.number or side.get("number", ""),
                        issuer=side.get("issuer", "") or w.issuer, signed=w.signed, addressee=w.addressee,
                        attachment_titles=tuple(w.attachment_titles), url=side.get("crawl_url", ""))
    attachments: list[Document] = []
    rest = w.rest
    if rest and ATTACHMENT_LINE.fullmatch(_compact(rest[0].text)):
        rest = rest[1:]  # the bare '附件' label above the carried document's title
    if rest:
        known = {"title": w.attachment_titles[0]} if w.attachment_titles else {}
        try:
            attachments.append(parse_blocks(raw, file, fmt, known, rest, stream))
        except ParseError as error:
            warnings.append(f"{error}: the document after the 落款 was not read")
    preamble_line = preamble_blocks[0].line if preamble_blocks else (w.body or blocks)[0].line
    return Document(
        file=file, raw=raw, title=title_span if title_text == title_span.text or not title_text
        else Span(title_text, tuple(o for o, c in zip(title_span.offsets, title_span.text) if c == c.strip())),
        preamble=Provision("preamble", "", 0, "", Span.empty(), preamble, preamble_line, 0),
        sections=tuple(builder.sections), measures=tuple(builder.measures), format=fmt, stream=stream,
        metadata=metadata, structure=structure, warnings=tuple(warnings), attachments=tuple(attachments),
    )


def _all(nodes: list[_Node]):
    for node in nodes:
        yield node
        yield from _all(node.children)
