"""GNU sort (coreutils), which the exports use to sort and count what would not fit in memory as Python objects:
where it is, sorting a file, and counting distinct strings. In the C locale it compares bytes, and UTF-8's byte
order is code-point order, the order of Python's `str`; above its buffer (-S) it writes sorted runs to files and
merges them."""
from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

SORT_PLACES = ("/usr/bin/sort", "/bin/sort")


class SortError(RuntimeError):
    """GNU sort missing or failing."""


def sort_program() -> str:
    """GNU sort (coreutils): on PATH, else where Debian puts it (a build may run with a PATH of its own)."""
    found = shutil.which("sort") or next((p for p in SORT_PLACES if os.access(p, os.X_OK)), None)
    if found is None:
        raise SortError("cannot find GNU sort (coreutils), which the exports sort their graphs with: "
                        f"not on PATH, nor at {', '.join(SORT_PLACES)}")
    return found


def sort_file(source: Path, target: Path, folder: Path, memory: str, processes: int | None) -> None:
    """`target` := the distinct lines of `source`, sorted by byte (C locale), spilling to `folder` above `memory`."""
    command = [sort_program(), "-u", "-S", memory, f"--parallel={max(1, processes or os.cpu_count() or 1)}",
               "-T", str(folder), "-o", str(target), str(source)]
    try:
        done = subprocess.run(command, env={**os.environ, "LC_ALL": "C"}, capture_output=True)
    except OSError as error:
        raise SortError(f"cannot run GNU sort for the exports: {error}") from None
    if done.returncode:
        raise SortError(f"sort of {source} failed: {done.stderr.decode(errors='replace').strip()}")


class DistinctCount:
    """How many distinct strings were added, counted by `sort -u` (C locale) in a process of its own, fed as they
    come: exact, in bounded memory, and beside the Python that feeds it. Strings hold no newline (an N-Triples term
    escapes it)."""

    def __init__(self, memory: str = "256M", folder: Path | None = None):
        spill = str(folder or tempfile.gettempdir())  # where sort writes its runs above `memory`
        self._sort = subprocess.Popen([sort_program(), "-u", "-S", memory, "-T", spill],
                                      stdin=subprocess.PIPE, stdout=subprocess.PIPE, env={**os.environ, "LC_ALL": "C"})
        self._buffer: list[str] = []

    def add(self, value: str) -> None:
        self._buffer.append(value)
        if len(self._buffer) >= 20_000:
            self._flush()

    def _flush(self) -> None:
        if self._buffer:
            self._sort.stdin.write(("\n".join(self._buffer) + "\n").encode())
            self._buffer = []

    def count(self) -> int:
        """The count (once: the sort ends). sort writes nothing before its input ends, so reading after cannot block
        it."""
        self._flush()
        self._sort.stdin.close()
        lines = sum(chunk.count(b"\n") for chunk in iter(lambda: self._sort.stdout.read(1 << 20), b""))
        if self._sort.wait():
            raise RuntimeError(f"sort -u failed (exit {self._sort.returncode}) counting distinct objects")
        return lines
