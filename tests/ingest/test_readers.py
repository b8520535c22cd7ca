"""graph/ingest/readers.py: paragraphs of HTML, Markdown and plain text, each character with its file offset."""
import html
from pathlib import Path

from graph.ingest.readers import Block, corpus_files, blocks_of, html_blocks, markdown_blocks, source_format
from graph.ingest.sources import read_source

ROOT = Path(__file__).resolve().parents[2]
CORPUS = ROOT / "data" / "corpus"


def _faithful(raw: str, block: Block) -> bool:
    """Each character is the file's character at its offset, or the decoded character reference starting there."""
    for ch, offset in zip(block.text, block.offsets):
        if raw[offset] == ch:
            continue
        end = raw.index(";", offset) + 1
        if raw[offset] != "&" or html.unescape(raw[offset:end]) != ch:
            return False
    return True


def test_every_corpus_paragraph_points_back_into_its_file():
    files = corpus_files(CORPUS)
    assert len(files) == 56, "55 State Council pages and the outline"
    for path in files:
        raw = read_source(path).text
        blocks = blocks_of(raw, source_format(path))
        assert blocks, path
        for block in blocks:
            assert _faithful(raw, block), f"{path}:{block.line}: {block.text[:20]!r}"
            assert list(block.offsets) == sorted(block.offsets)


def test_html_paragraphs_join_br_and_decode_references():
    raw = '<p>甲<br> 乙&nbsp;丙</p><table><tr><td>丁</td></tr></table><p style="x">戊</p>'
    blocks = html_blocks(raw)
    assert [b.text for b in blocks] == ["甲 乙\u00a0丙", "丁", "戊"]
    assert blocks[0].offsets[-1] == raw.index("丙") and blocks[0].offsets[3] == raw.index("&nbsp;")


def test_markdown_drops_heading_marks_and_the_table_of_contents():
    raw = "# 标题\n\n## 目录\n\n- <a href=\"#x\">第一章 甲</a>\n  - [第一节 乙](#y)\n\n## 第一章　甲\n\n正文**一**段。\n"
    blocks = markdown_blocks(raw)
    assert [(b.text, b.heading) for b in blocks] == [("标题", 1), ("第一章　甲", 2), ("正文一段。", 0)]
    assert raw[blocks[2].offsets[2]] == "一"
