"""The one reader of the project's YAML files (curated entities, floors, dataset metadata): values with lines.

Every mapping comes back as a `LineMapping` that knows its own line and each key's line, so a checker can say
`file:line: message`; every problem of the file itself (missing, a folder, empty, not UTF-8, bad syntax, a
duplicate key) is a `DataError` naming the file and line. Dates stay strings (YAML's timestamps would turn an
impossible `2023-02-30` into a traceback); each checker parses the fields it knows.
"""
from __future__ import annotations

from pathlib import Path

import yaml

from graph.ingest.sources import SourceError, read_regular_file

# The curated files are tens of kilobytes; a file a thousand times larger is a mistake, not data.
MAX_BYTES = 64 * 2**20


class DataError(ValueError):
    """A problem in a data file: str(error) == f"{file}:{line}: {message}"."""

    def __init__(self, file: str, line: int, message: str):
        super().__init__(f"{file}:{line}: {message}")
        self.file = file
        self.line = line
        self.message = message


class LineMapping(dict):
    """A YAML mapping that remembers its own line and the line of each key (1-based)."""

    line: int = 0
    key_lines: dict

    def line_of(self, key: str) -> int:
        return self.key_lines.get(key, self.line)


class LineList(list):
    """A YAML sequence that remembers its own line and each item's line (1-based)."""

    line: int = 0
    item_lines: list

    def line_of(self, index: int) -> int:
        return self.item_lines[index] if index < len(self.item_lines) else self.line


class _LineLoader(yaml.SafeLoader):
    pass


# No implicit timestamps: dates are checked as text by the field checkers.
_LineLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _construct_mapping(loader: _LineLoader, node: yaml.MappingNode):
    data = LineMapping()
    data.line = node.start_mark.line + 1
    data.key_lines = {}
    yield data
    loader.flatten_mapping(node)
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        line = key_node.start_mark.line + 1
        if not isinstance(key, str):
            raise DataError(loader.name, line, f"field name {key!r} is not a string")
        if key in data:
            raise DataError(loader.name, line, f"duplicate field {key!r}")
        data[key] = loader.construct_object(value_node, deep=True)
        data.key_lines[key] = line


def _construct_sequence(loader: _LineLoader, node: yaml.SequenceNode):
    data = LineList()
    data.line = node.start_mark.line + 1
    data.item_lines = [item.start_mark.line + 1 for item in node.value]
    yield data
    data.extend(loader.construct_object(item, deep=True) for item in node.value)


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _construct_sequence)


def read_yaml(path: Path, label: str | None = None, allow_empty: bool = False):
    """The data of one YAML file (LineMapping, LineList or a scalar; None only when `allow_empty`)."""
    label = label or str(path)
    path = Path(path)
    try:
        data = read_regular_file(path, MAX_BYTES)
    except SourceError as error:
        message = "is a folder, expected a YAML file" if error.message.startswith("is a folder") else error.message
        raise DataError(label, 1, message) from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise DataError(label, line, f"not UTF-8 ({error.reason})") from None
    try:
        loader = _LineLoader(text)  # its reader refuses control characters here already
    except yaml.reader.ReaderError as error:
        line = text[: error.position].count("\n") + 1
        raise DataError(label, line, f"the character U+{error.character:04X} is not allowed in YAML") from None
    loader.name = label
    try:
        data = loader.get_single_data()
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = mark.line + 1 if mark is not None else 1
        raise DataError(label, line, f"YAML syntax error: {error.problem or error}") from None
    except yaml.YAMLError as error:
        raise DataError(label, 1, f"YAML error: {error}") from None
    finally:
        loader.dispose()
    if data is None and not allow_empty:
        raise DataError(label, 1, "the file is empty")
    return data
