"""The parser on the real text and on one tiny fixture per quirk and per error."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from graph.ingest.parse import ParseError, chinese_number, parse_file, parse_text

FIXTURES = Path(__file__).resolve().parents[1] / "data" / "parse"


def test_real_text_has_three_sections_and_twenty_four_measures(document):
    assert [s.heading.text for s in document.sections] == [
        "强化虹桥商务区核心功能", "促进“一核两带”融合发展", "引领长三角更高质量一体化发展"]
    assert [m.number for m in document.measures] == list(range(1, 25))
    assert [m.section for m in document.measures] == [1] * 5 + [2] * 11 + [3] * 8
    assert document.title.text == "关于推动虹桥国际开放枢纽进一步提升能级的若干政策措施"


def test_measure_text_is_verbatim_without_line_breaks(document, source_path):
    raw = source_path.read_text(encoding="utf-8")
    flat = re.sub(r"\n+ ?", "", raw)  # the only artefacts of this PDF: blank-line breaks and page-break spaces
    for measure in document.provisions:
        text = measure.text
        assert "\n" not in text and " " not in text, f"{measure.kind} {measure.key} kept a layout character"
        assert text in flat, f"{measure.kind} {measure.key} is not a verbatim piece of the source"
    assert document.measures[7].text.startswith("推进虹桥国际开放枢纽区域内智能网联汽车测试牌照")
    assert "嘉昆太协同创新圈等区域" in document.measures[7].text  # joined across a page break
    assert document.measures[13].text.endswith("金融与服务业等领域合作。")


def test_offsets_point_into_the_original_file(document, source_path):
    raw = source_path.read_text(encoding="utf-8")
    for p in document.provisions:
        start, end = p.body.start, p.body.end
        assert document.clean(start, end) == p.text, f"{p.kind} {p.key}: offsets do not cover its text"
        assert raw[start] == p.text[0] and raw[end - 1] == p.text[-1]
    # measure 8's label '（八）' sits right before its text
    m8 = document.measures[7]
    assert raw[m8.body.start - 3:m8.body.start] == "（八）"


def test_section_intros_are_captured(document):
    intro2 = document.sections[1].text
    assert "支持苏州、嘉兴打造长三角城市群重要节点城市" in intro2
    assert "推动虹桥国际开放枢纽与合肥、芜湖等长三角地区城市联动发展" in document.sections[2].text
    assert document.preamble.text.startswith("近年来，长三角地区四省（市）")
    assert document.preamble.text.endswith("制定以下政策措施。")


@pytest.mark.parametrize("numeral,value", [("一", 1), ("十", 10), ("十三", 13), ("二十", 20), ("二十四", 24),
                                           ("九十九", 99), ("一百零五", 105)])
def test_chinese_numbers(numeral, value):
    assert chinese_number(numeral) == value


def test_half_width_numbering_and_page_numbers():
    doc = parse_file(FIXTURES / "halfwidth-and-page-number.txt")
    assert doc.title.text == "关于支持某地发展的若干措施"
    assert [m.text for m in doc.measures] == ["支持湖州建设物流枢纽。", "推进宁波港区发展。", "加强组织领导。"]
    assert [m.label for m in doc.measures] == ["(一)", "（二）", "(三)"]
    assert doc.sections[0].text == "坚持创新。"
    assert doc.sections[1].text == ""
    first = doc.measures[0]  # its text runs across the page number '— 2 —'
    assert doc.clean(first.body.start, first.body.end) == "支持湖州建设物流枢纽。"
    assert "— 2 —" in doc.raw[first.body.start:first.body.end]


def test_numbering_that_restarts_in_each_section():
    doc = parse_file(FIXTURES / "numbering-restarts.txt")
    assert [m.key for m in doc.measures] == ["1.1", "1.2", "2.1", "2.2"]
    assert [m.number for m in doc.measures] == [1, 2, 3, 4]


def test_bom_crlf_and_full_width_indent():
    doc = parse_file(FIXTURES / "bom-crlf-indent.txt")
    assert doc.title.text == "关于某事的通知"
    assert doc.measures[0].text == "甲乙。"
    assert doc.clean(doc.measures[0].body.start, doc.measures[0].body.end) == "甲乙。"


@pytest.mark.parametrize("fixture,line,words", [
    ("skipped-measure.txt", 9, "measure numbering skipped: found 3, expected 2"),
    ("repeated-measure.txt", 9, "measure numbering repeated or out of order: found 1, expected 2"),
    ("skipped-section.txt", 9, "section numbering skipped: found 3, expected 2"),
])
def test_unreadable_structure_names_file_and_line(fixture, line, words):
    path = FIXTURES / fixture
    with pytest.raises(ParseError) as caught:
        parse_file(path)
    assert caught.value.line == line, str(caught.value)
    assert words in str(caught.value)
    assert str(caught.value).startswith(f"{path}:{line}: ")


def test_items_without_sections_sit_in_one_implicit_section():
    """Items numbered （一）（二） with no 一、 heading are not a contradiction: they become the items of one
    implicit, untitled section."""
    doc = parse_file(FIXTURES / "no-sections.txt")
    assert [(s.label, s.heading.text) for s in doc.sections] == [("", "")]
    assert [(m.label, m.text, m.section) for m in doc.measures] == [("（一）", "甲。", 1), ("（二）", "乙。", 1)]
    assert doc.preamble.text == "序言文字。"


def test_no_title_degrades_with_a_warning():
    doc = parse_file(FIXTURES / "no-title.txt")
    assert doc.title.text == ""
    assert doc.warnings == (f"{FIXTURES / 'no-title.txt'}:1: no title found in the text",)
    assert [m.text for m in doc.measures] == ["甲。"]
    for p in doc.provisions:
        if p.body.text:
            assert doc.clean(p.body.start, p.body.end) == p.body.text


def test_section_without_measures_and_empty_text_fail():
    with pytest.raises(ParseError, match="has no measures"):
        parse_text("关于某事的意见\n\n序言。\n\n一、部分\n\n（一）甲。\n\n二、空部分\n", "x.txt")
    with pytest.raises(ParseError, match="the text is empty"):
        parse_text("\n\n — 1 —\n", "x.txt")


def test_not_utf8_names_the_line(tmp_path):
    path = tmp_path / "gbk.txt"
    path.write_bytes("关于某事的意见\n\n".encode() + "序言".encode("gbk"))
    with pytest.raises(ParseError) as caught:
        parse_file(path)
    assert caught.value.line == 3 and "not UTF-8" in str(caught.value)
