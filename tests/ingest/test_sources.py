"""The one door of source texts: regular files within a limit, UTF-8, control characters and separators."""
from __future__ import annotations

import os
import threading
import xml.dom.minidom
from pathlib import Path

import pytest

from graph.ingest import sources
from graph.ingest.parse import ParseError, parse_file
from graph.ingest.sources import LINE_SEPARATORS, SourceError, read_source

TINY = "关于某事的意见\n\n序言。\n\n一、部分\n\n（一）支持{}发展。\n"


def _write(tmp_path: Path, text: str, name: str = "t.txt") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode("utf-8"))
    return path


def test_text_is_the_file_and_matching_copy_keeps_every_offset(tmp_path):
    text = "甲\r\n乙\u2028丙\x0c丁\x85戊\u2029己\x0b庚\x1c辛\n"
    source = read_source(_write(tmp_path, text))
    assert source.text == text, "no newline translation: offsets count the file's own code points"
    assert len(source.matching) == len(text)
    assert source.matching == "甲\r\n乙\n丙\n丁\n戊\n己\n庚\n辛\n"
    assert all(a == b for a, b in zip(source.text, source.matching) if a not in LINE_SEPARATORS)


@pytest.mark.parametrize("separator", list(LINE_SEPARATORS))
def test_a_separator_inside_a_name_is_a_line_break_and_the_name_still_links(tmp_path, separator, gazetteer):
    from graph.ingest.link import Matcher, link_document

    path = _write(tmp_path, TINY.format(f"嘉{separator}昆太"))
    linked = link_document(parse_file(path), Matcher(gazetteer))
    measure = linked.provisions[-1]
    assert measure.provision.text == "支持嘉昆太发展。"
    quotes = {(m.entity_id, m.quote) for m in measure.mentions}
    assert ("kunshan", "嘉昆太") in quotes, quotes
    mention = next(m for m in measure.mentions if m.entity_id == "kunshan")
    raw = path.read_bytes().decode("utf-8")
    assert raw[mention.start:mention.end] == f"嘉{separator}昆太", "the offsets are the file's"


@pytest.mark.parametrize("char", ["\x00", "\x01", "\x02", "\x08", "\x1b", "\x1f", "\x7f", "\x80", "\x9f", "\ufffe",
                                  "\uffff"])
def test_control_characters_are_refused_at_line_and_column(tmp_path, char):
    path = _write(tmp_path, "关于某事的意见\n\n序言" + char + "。\n")
    with pytest.raises(SourceError) as caught:
        read_source(path)
    assert str(caught.value).startswith(f"{path}:3: column 3: the character U+{ord(char):04X} ")
    with pytest.raises(ParseError, match=f"U\\+{ord(char):04X}"):
        parse_file(path)


def test_line_numbers_count_separators_as_breaks():
    assert sources.position("a\nb\u2028c\r\nd", 7) == (4, 1)
    assert sources.position("abc", 2) == (1, 3)


def test_what_reaches_xml_is_well_formed(tmp_path, gazetteer):
    """The cleaned texts of a file full of separators serialise to well-formed RDF/XML."""
    from rdflib import Graph, Literal, URIRef

    from graph.ingest.link import Matcher, link_document

    path = _write(tmp_path, TINY.format("嘉\u2028昆\x0c太\x85") + "\x0b\x1c\x1d\x1e")
    linked = link_document(parse_file(path), Matcher(gazetteer))
    g = Graph()
    for p in linked.provisions:
        g.add((URIRef(f"urn:p{p.provision.key}"), URIRef("urn:text"), Literal(p.provision.text)))
        for m in p.mentions:
            g.add((URIRef(f"urn:m{m.start}"), URIRef("urn:quote"), Literal(m.quote + m.prefix + m.suffix)))
    xml.dom.minidom.parseString(g.serialize(format="xml"))


def test_not_utf8_names_the_line(tmp_path):
    path = tmp_path / "gbk.txt"
    path.write_bytes("关于\n\n".encode() + "序言".encode("gbk"))
    with pytest.raises(SourceError, match=r"gbk.txt:3: not UTF-8"):
        read_source(path)


def test_a_fifo_is_refused_at_once(tmp_path):
    fifo = tmp_path / "pipe.txt"
    os.mkfifo(fifo)
    result: dict[str, Exception] = {}

    def read() -> None:
        try:
            read_source(fifo)
        except SourceError as error:
            result["error"] = error

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    reader.join(timeout=10)
    if reader.is_alive():  # unblock the reader before failing
        os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))
        pytest.fail("reading a FIFO blocked")
    assert "pipe.txt:1: is not a regular file (a FIFO)" in str(result.get("error"))


def test_folder_device_and_missing_file(tmp_path):
    with pytest.raises(SourceError, match="is a folder"):
        read_source(tmp_path)
    with pytest.raises(SourceError, match=r"is not a regular file \(a character device\)"):
        read_source(Path("/dev/zero"))  # never ends
    with pytest.raises(SourceError, match="no such file"):
        read_source(tmp_path / "nope.txt")


def test_size_limit_and_raising_it(tmp_path):
    path = _write(tmp_path, TINY.format("昆山"))
    size = path.stat().st_size
    with pytest.raises(SourceError, match=rf"is {size:,} bytes, over the source size limit of 10 bytes.*"
                                          r"--max-source-bytes"):
        read_source(path, max_bytes=10)
    with sources.limits(max_bytes=10):
        with pytest.raises(ParseError, match="over the source size limit of 10 bytes"):
            parse_file(path)
        with sources.limits(max_bytes=size):
            assert parse_file(path).measures[0].text == "支持昆山发展。"
    assert sources.max_bytes() == sources.DEFAULT_MAX_BYTES
    with pytest.raises(ValueError):
        with sources.limits(max_bytes=0):
            pass


def test_memory_estimate_refuses_what_the_machine_cannot_hold():
    free = sources.memory_available()
    assert free is None or free > 0
    # 50 MB of text: the case that died of an allocation abort on this 24 GB machine
    assert sources.memory_needed(50 * 2**20) > 24 * 2**30
    assert sources.memory_needed(sources.DEFAULT_MAX_BYTES) < 4 * 2**30
