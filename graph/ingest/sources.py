"""The one door a source text comes in by: a regular file, within a size limit, UTF-8, its characters vetted.

`read_source(path)` returns the text exactly as published (every code point of the file, no newline translation,
so offsets count the file's own code points) and a copy for matching with identical offsets, in which each line
or paragraph separator that is not a plain line feed (VT, FF, FS, GS, RS, NEL, U+2028, U+2029: the breaks
`str.splitlines` and Unicode's mandatory line breaks know) is a line feed. So the parser, the linker and the
quote check see one kind of line break, a form feed between pages or a U+2028 inside a name is a PDF line break
like any other (removed from the cleaned text, never published), and line numbers in messages count every break.

Refused, with `file:line:column`: control characters that would reach the published text and cannot be written
in XML 1.0 (C0 controls other than tab, LF, CR and the separators above; U+FFFE, U+FFFF), DEL and the C1 controls
(other than NEL), which are legal in XML but never meaningful in a policy text and betray a broken extraction;
a file that is not UTF-8; a path that is not a regular file (a FIFO would block the build, a device never ends);
a file over the size limit (`--max-source-bytes`), which bounds the build's memory (docs/validation.md); the
pipeline also refuses texts whose total needs more memory than the machine has free (`memory_needed`).

The limit is ambient (`limits(max_bytes=…)`, a context variable) because every reader of sources — the parser of
each genre, the quote check of the validator — comes through `read_source` without passing options along.
"""
from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path

# Measured here (docs/performance.md: 224 synthetic texts, 1.16 MB, give 979 k triples at a 752 MiB peak): a build
# needs about 650 bytes of memory per byte of text (every link's provenance, the store, the inferred graph), so a
# 50 MB text wants ~32 GB and died of a Rust allocation abort on this 24 GB machine. 4 MiB, 500 times the seed text
# and several times the longest texts of the genre, keeps one text under ~3 GB.
DEFAULT_MAX_BYTES = 4 * 2**20
MEMORY_PER_SOURCE_BYTE = 650


def memory_needed(total_bytes: int) -> int:
    """About how much memory (bytes) a build of texts of this total size needs at its peak."""
    return 64 * 2**20 + total_bytes * MEMORY_PER_SOURCE_BYTE


def memory_available() -> int | None:
    """MemAvailable of /proc/meminfo (Linux), in bytes; None where it cannot be told."""
    try:
        with open("/proc/meminfo", encoding="ascii") as handle:
            for line in handle:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        return None
    return None

LINE_SEPARATORS = "\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"
_TO_LINE_FEED = str.maketrans({ch: "\n" for ch in LINE_SEPARATORS})
# Code points refused anywhere in a text (see the module docstring).
REFUSED = frozenset(
    [chr(c) for c in range(0x20) if chr(c) not in "\t\n\r" + LINE_SEPARATORS]
    + ["\x7f"] + [chr(c) for c in range(0x80, 0xA0) if c != 0x85] + ["\ufffe", "\uffff"]
)
_REFUSED_TABLE = {ord(ch): None for ch in REFUSED}

_MAX_BYTES: ContextVar[int] = ContextVar("max_source_bytes", default=DEFAULT_MAX_BYTES)


class SourceError(ValueError):
    """A source text that cannot be read or published: str(error) == f"{file}:{line}: {message}"."""

    def __init__(self, file: str, line: int, message: str):
        super().__init__(f"{file}:{line}: {message}")
        self.file, self.line, self.message = file, line, message


@dataclass(frozen=True)
class SourceText:
    file: str
    text: str  # every code point of the file, as published
    matching: str  # the same length: line separators made line feeds (see the module docstring)

    def __post_init__(self):
        assert len(self.text) == len(self.matching)


@contextmanager
def limits(max_bytes: int | None = None) -> Iterator[None]:
    """Read sources under this size limit (bytes) inside the block; None keeps the current one."""
    if max_bytes is None:
        yield
        return
    if max_bytes < 1:
        raise ValueError(f"the source size limit must be at least 1 byte, got {max_bytes}")
    token = _MAX_BYTES.set(max_bytes)
    try:
        yield
    finally:
        _MAX_BYTES.reset(token)


def max_bytes() -> int:
    return _MAX_BYTES.get()


def normalise_for_matching(text: str) -> str:
    """The text with every line separator a line feed; code-point offsets unchanged."""
    return text.translate(_TO_LINE_FEED)


def position(text: str, offset: int) -> tuple[int, int]:
    """The 1-based line and column of code point `offset`, counting line breaks as str.splitlines does."""
    before = text[:offset]
    line = len((before + "x").splitlines())
    last = max(before.rfind(ch) for ch in "\n\r" + LINE_SEPARATORS)
    return line, offset - last


def check_characters(text: str, file: str) -> None:
    """Raise SourceError at the first refused code point."""
    if not text.translate(_REFUSED_TABLE) == text:
        offset = next(i for i, ch in enumerate(text) if ch in REFUSED)
        line, column = position(text, offset)
        code = f"U+{ord(text[offset]):04X}"
        why = ("cannot be published in XML 1.0" if ord(text[offset]) < 0x20 or text[offset] in "\ufffe\uffff"
               else "is a control character no policy text uses (a broken extraction?)")
        raise SourceError(file, line, f"column {column}: the character {code} {why}; remove it from the text")


def source_from_bytes(data: bytes, file: str) -> SourceText:
    """Decode and vet the bytes of a source text (the checks of read_source after the file is read)."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise SourceError(file, line, f"not UTF-8 text ({error.reason} at byte {error.start})") from None
    check_characters(text, file)
    return SourceText(file, text, normalise_for_matching(text))


def read_source(path: Path, max_bytes: int | None = None) -> SourceText:
    """Read one source text: a regular file of at most `max_bytes` (default: the current limit), UTF-8, vetted."""
    limit = _MAX_BYTES.get() if max_bytes is None else max_bytes
    return source_from_bytes(read_regular_file(path, limit, _too_large), str(path))


def read_regular_file(path: Path, limit: int, too_large=None) -> bytes:
    """The bytes of a regular file of at most `limit` bytes; anything else is a SourceError at line 1.

    Shared by every reader of the project's input files (sources here, the YAML files in yamlfile.py).
    """
    file = str(path)
    too_large = too_large or (lambda size, limit: f"is {size:,} bytes, over the limit of {limit:,} bytes")
    try:
        # O_NONBLOCK: opening a FIFO for reading returns at once instead of waiting for a writer; fstat then
        # refuses it. Checking the open file, not the path, leaves no gap for the path to change in between.
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except FileNotFoundError:
        raise SourceError(file, 1, "no such file") from None
    except OSError as error:
        raise SourceError(file, 1, f"cannot be read: {error.strerror or error}") from None
    try:
        info = os.fstat(fd)
        if stat.S_ISDIR(info.st_mode):
            raise SourceError(file, 1, "is a folder, not a file")
        if not stat.S_ISREG(info.st_mode):
            raise SourceError(file, 1, f"is not a regular file ({_kind(info.st_mode)}); give a file")
        if info.st_size > limit:
            raise SourceError(file, 1, too_large(info.st_size, limit))
        os.set_blocking(fd, True)
        with os.fdopen(fd, "rb", closefd=False) as handle:
            data = handle.read(limit + 1)  # a file that grows while it is read is still held to the limit
    except OSError as error:
        raise SourceError(file, 1, f"cannot be read: {error.strerror or error}") from None
    finally:
        os.close(fd)
    if len(data) > limit:
        raise SourceError(file, 1, too_large(len(data), limit))
    return data


def _too_large(size: int, limit: int) -> str:
    return (f"is {size:,} bytes, over the source size limit of {limit:,} bytes; split the text, or raise the "
            f"limit with --max-source-bytes (a build needs about 650 MB of memory per MB of text)")


def _kind(mode: int) -> str:
    for test, name in ((stat.S_ISFIFO, "a FIFO"), (stat.S_ISCHR, "a character device"),
                       (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket")):
        if test(mode):
            return name
    return "not a plain file"
