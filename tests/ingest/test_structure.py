"""graph/ingest/structure.py: the genre family (wrapper, any numbering depth, attachments, closing, 落款)."""
from pathlib import Path

import pytest

from graph.ingest.parse import ParseError, parse_file
from graph.ingest.readers import corpus_files
from graph.ingest.structure import parse_date

ROOT = Path(__file__).resolve().parents[2]
CORPUS = ROOT / "data" / "corpus"
STATE_COUNCIL = CORPUS / "gov-cn-state-council"
FIXTURES = ROOT / "tests" / "data" / "structure"


@pytest.mark.parametrize("path", corpus_files(CORPUS),
                         ids=lambda p: p.name)
def test_every_corpus_text_parses_and_its_texts_are_at_their_offsets(path):
    document = parse_file(path)
    for part in (document, *document.attachments):
        assert part.measures, f"{path.name}: no provision"
        for provision in part.provisions:
            for span in (provision.heading, provision.body):
                if span.text:
                    assert part.clean(span.start, span.end) == span.text, f"{path.name} {provision.key}"
        for measure in part.measures:
            assert measure.section in {s.number for s in part.sections}, f"{path.name} {measure.key}"


def test_wrapper_metadata_from_the_text_and_the_metadata_file():
    document = parse_file(STATE_COUNCIL / "sc-001.html")
    meta = document.metadata
    assert (meta.title, meta.number, meta.issuer, meta.signed) == (
        "国务院关于在市场监管领域全面推行部门联合“双随机、一公开”监管的意见", "国发〔2019〕5号", "国务院", "2019-01-27")
    assert meta.addressee == "各省、自治区、直辖市人民政府，国务院各部委、各直属机构"
    assert meta.url == "http://www.gov.cn/zhengce/content/2019-02/15/content_5365945.htm"
    assert dict(document.structure) == {"一、": 4, "（一）": 10, "paragraphs_unnumbered": 21}


def test_a_notice_carries_its_plan_with_principles_and_nested_items():
    document = parse_file(FIXTURES / "notice-with-plan.html")
    assert document.title.text == "国务院办公厅关于印发某某试点方案的通知"
    assert (document.metadata.number, document.metadata.signed) == ("国办发〔2020〕7号", "2020-03-05")
    assert [m.text for m in document.measures] == ["《某某试点方案》已经国务院同意，现印发给你们，请认真贯彻执行。"]
    (plan,) = document.attachments
    assert plan.title.text == "某某试点方案" and plan.preamble.text == "为推进试点，制定本方案。"
    assert [(m.role, m.text) for m in plan.measures if m.role == "principle"] == [
        ("principle", "坚持问题导向。"), ("principle", "坚持协同推进。")]
    sections = {s.label: s for s in plan.sections}
    assert sections["（二）"].parent == sections["二、"].number, "（二）完善机制 is a sub-section of 二、"
    item = next(m for m in plan.measures if m.label == "1.")
    assert (item.text, item.style, item.section) == ("建立协调机制。", "1.", sections["（二）"].number)
    assert dict(plan.structure) == {"1.": 2, "一、": 2, "（一）": 2, "paragraphs_unnumbered": 4}


def test_closing_paragraphs_are_not_swallowed_by_the_last_item():
    document = parse_file(STATE_COUNCIL / "sc-037.html")
    closing = [m for m in document.measures if m.role == "closing"]
    assert len(closing) == 3 and closing[0].text.startswith("对真抓实干、相关工作成效明显的地方")
    last = [m for m in document.measures if m.label == "三十、"]
    assert len(last) == 1 and "对真抓实干" not in last[0].text


def test_articles_chapters_and_sections_of_a_regulation():
    (regulation,) = parse_file(STATE_COUNCIL / "sc-033.html").attachments
    assert regulation.title.text == "中华人民共和国个人所得税法实施条例"
    assert dict(regulation.structure)["第X条"] == 36
    outline = parse_file(CORPUS / "yrd" / "yrd-integration-outline-2019.md")
    assert dict(outline.structure) == {"第X章": 12, "第X节": 44, "paragraphs_unnumbered": 139}


def test_a_skipped_number_stops_with_file_and_line():
    path = FIXTURES / "skipped-item.html"
    with pytest.raises(ParseError) as caught:
        parse_file(path)
    assert str(caught.value) == f"{path}:7: 一、 numbering skipped: found 3, expected 2 in '三、第三件事。'"


def test_a_text_without_numbering_is_paragraphs_with_a_warning():
    document = parse_file(STATE_COUNCIL / "sc-024.html")
    assert len(document.sections) == 1 and len(document.measures) == 2
    assert any("no numbered structure" in w for w in document.warnings)


@pytest.mark.parametrize("text,iso", [("2019年1月27日", "2019-01-27"), ("二〇〇四年四月二十七日", "2004-04-27"),
                                      ("一九九六年二月六日", "1996-02-06"), ("2019年2月30日", "")])
def test_signature_dates(text, iso):
    assert parse_date(text) == iso


def test_a_member_list_title_over_two_lines_is_a_heading_not_paragraphs():
    document = parse_file(FIXTURES / "approval-with-member-list.html")
    (system,) = document.attachments
    headings = [s.heading.text for s in system.sections if s.heading.text]
    assert "某某工作部际联席会议成员名单" in headings, "the two short lines are one title"
    assert dict(system.structure)["paragraphs_unnumbered"] == 5, "the preamble, two items' paragraphs, two rows"
    assert [m.text for m in system.measures][-2:] == ["召集人：张三　教育部部长", "成　员：李四　财政部副部长"]
