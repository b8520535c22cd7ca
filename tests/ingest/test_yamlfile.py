"""The one YAML reader: lines for every value, every problem of the file a DataError at file:line."""
from __future__ import annotations

import os
import shutil

import pytest

from graph import pipeline
from graph.ingest.gazetteer import load_gazetteer
from graph.ingest.yamlfile import DataError, LineList, LineMapping, read_yaml


def test_values_know_their_lines_and_dates_stay_text(tmp_path):
    path = tmp_path / "x.yaml"
    path.write_text("# heading\n- id: a\n  date: 2023-02-30\n- id: b\n  list: [1, 2]\n", encoding="utf-8")
    data = read_yaml(path)
    assert isinstance(data, LineList) and data.line_of(1) == 4
    assert isinstance(data[0], LineMapping) and data[0].line == 2 and data[0].line_of("date") == 3
    assert data[0]["date"] == "2023-02-30", "an impossible date is text for the checker, not a YAML ValueError"


@pytest.mark.parametrize("content,line,words", [
    (b"- id: a\n  id: b\n", 2, "duplicate field 'id'"),
    (b"- id: a\n  zh: [\n", 3, "YAML syntax error"),
    (b"- id: a\n- \xff\xfe\n", 2, "not UTF-8"),
    (b"", 1, "the file is empty"),
    (b"- {1: a}\n", 1, "field name 1 is not a string"),
    (b"- id: a\n  zh: \x00x\n", 2, "the character U+0000 is not allowed in YAML"),
])
def test_file_problems_name_file_and_line(tmp_path, content, line, words):
    path = tmp_path / "x.yaml"
    path.write_bytes(content)
    with pytest.raises(DataError) as caught:
        read_yaml(path)
    assert (caught.value.file, caught.value.line) == (str(path), line), str(caught.value)
    assert words in caught.value.message


def test_folder_fifo_and_missing_file(tmp_path):
    (tmp_path / "dir.yaml").mkdir()
    os.mkfifo(tmp_path / "fifo.yaml")
    for name, words in (("dir.yaml", "is a folder"), ("fifo.yaml", "not a regular file (a FIFO)"),
                        ("nope.yaml", "no such file")):
        with pytest.raises(DataError, match=f"{name}:1: .*{words.replace('(', '.').replace(')', '.')}"):
            read_yaml(tmp_path / name)


@pytest.mark.parametrize("how", ["missing", "empty", "folder"])
def test_a_missing_empty_or_folder_regions_file_is_blamed_on_itself(tmp_path, how):
    entities = tmp_path / "entities"
    shutil.copytree(pipeline.DEFAULT_ENTITIES_DIR, entities)
    regions = entities / "regions.yaml"
    regions.unlink()
    if how == "empty":
        regions.write_text("# nothing yet\n", encoding="utf-8")
    elif how == "folder":
        regions.mkdir()
    with pytest.raises(DataError) as caught:
        load_gazetteer(entities, with_places=False)
    assert caught.value.file == str(regions) and caught.value.line == 1, str(caught.value)
    words = {"missing": "no such file", "empty": "the file is empty", "folder": "is a folder"}[how]
    assert words in caught.value.message


@pytest.mark.parametrize("value", ["[verified]", "{a: b}", "1", "true", "verifed"])
def test_status_of_the_wrong_type_is_a_clear_error(tmp_path, value):
    entities = tmp_path / "entities"
    shutil.copytree(pipeline.DEFAULT_ENTITIES_DIR, entities)
    path = entities / "documents.yaml"
    lines = path.read_text(encoding="utf-8").splitlines()
    number = next(i for i, line in enumerate(lines, 1) if line.strip() == "status: verified")
    lines[number - 1] = lines[number - 1].replace("status: verified", f"status: {value}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(DataError) as caught:
        load_gazetteer(entities, with_places=False)
    assert (caught.value.file, caught.value.line) == (str(path), number)
    assert "status must be one of" in caught.value.message


@pytest.mark.parametrize("value", ['"2023-13-45"', '"2023-02-30"', "2023-02-30", "2023-13-45", "20230816",
                                   '"2023-8-16"'])
def test_impossible_dates_are_refused(tmp_path, value):
    entities = tmp_path / "entities"
    shutil.copytree(pipeline.DEFAULT_ENTITIES_DIR, entities)
    path = entities / "documents.yaml"
    text = path.read_text(encoding="utf-8")
    assert 'date_public: "2023-08-16"' in text
    path.write_text(text.replace('date_public: "2023-08-16"', f"date_public: {value}", 1), encoding="utf-8")
    number = next(i for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
                  if f"date_public: {value}" in line)
    with pytest.raises(DataError, match="must be a real date") as caught:
        load_gazetteer(entities, with_places=False)
    assert (caught.value.file, caught.value.line) == (str(path), number)
