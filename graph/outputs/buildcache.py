"""The build's cache of per-text results: each text's parsed and linked documents and its own quads, reused when
nothing they depend on has changed.

What a text's results depend on, all in its key (`TextKey`): the text's bytes, its path as given (the parser
records it), the row of a `metadata.csv` beside it, the document id it is published under, the source size limit,
and the build's inputs digest (`inputs_digest`): the curated data and the gazetteer's files, the statement schemes,
the ontology, the versions of the data packages the national gazetteer reads, and the code (every `.py` file of
the `graph` package, with `FORMAT`). Linking also reads the titles of every text of the build (a title cited in
《》 becomes a link to that text); an entry records the digest of the titles it was linked with, and is reused only
when they are the same (otherwise the stored parse is linked again).

Where: `<out>/.cache/<key>.entry`, inside the build's output folder, so a build never writes outside the folder it
owns; the pages' index and the server skip dot-files, so the cache is never published. A build writes the entries
of the texts it built into its staging folder (the reused ones are hard links to the previous output's files, or
copies where links are refused), so the swap carries them over and the entries of texts no longer built go with
the old output.

The entry: a header line `hqkg-cache <FORMAT> <sha256 of the rest>`, then the zlib-compressed pickle of
(key, titles digest, documents, N-Quads). An entry is trusted only when its header, digest and key match; pickle
is read with an unpickler that builds nothing but the project's own records and Python's plain types, so a
foreign file cannot run code. Anything else is ignored with a warning, and the text is built again.

Why a pickle of the records and N-Quads, measured on the 75 real texts (docs/performance.md, *Incremental
rebuild*): their 57 entries (4.1 MB compressed) decompress in 0.4 s and unpickle in 1.0 s, where parsing and
linking them again takes 2.6 s (and 3.4 s more to build the national gazetteer, which a build that reuses every
text never needs); the documents' own quads (179 k) load from N-Quads in 2.3-2.9 s, where making them again takes
3.1 s (0.8 s the documents' and provenance quads, 2.3 s the statements) and adding them 0.8 s. The pickle is
deterministic (the same bytes under any PYTHONHASHSEED), so a build's cache is byte-identical to a full build's.
"""
from __future__ import annotations

import dataclasses
import enum
import hashlib
import importlib.metadata
import io
import json
import logging
import os
import pickle
import shutil
import sys
import tempfile
import zlib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger(__name__)

FORMAT = 1  # raise when an entry's layout or meaning changes
FOLDER = ".cache"
SUFFIX = ".entry"
MAGIC = b"hqkg-cache"
# The packages whose data a text's links come from (graph/ingest/national.py) or whose terms the quads are made of.
PACKAGES = ("jionlp", "cpca", "pycountry", "babel", "pyahocorasick", "pyoxigraph", "PyYAML")
_CODE = Path(__file__).resolve().parents[1]  # the graph package


def _hash_files(digest, root: Path, files: Iterable[Path]) -> None:
    for path in sorted(files):
        digest.update(path.relative_to(root).as_posix().encode("utf-8") + b"\0")
        digest.update(hashlib.sha256(path.read_bytes()).digest())


def _tree(path: Path, pattern: str = "*") -> list[Path]:
    if path.is_file():
        return [path]
    return [p for p in path.rglob(pattern) if p.is_file() and "__pycache__" not in p.parts]


def code_digest() -> str:
    """A digest of the graph package's Python sources: any change to the code invalidates every entry."""
    digest = hashlib.sha256(f"format {FORMAT}\0".encode())
    _hash_files(digest, _CODE, _tree(_CODE, "*.py"))
    return digest.hexdigest()


def inputs_digest(inputs: Iterable[tuple[str, Path]], extra: Iterable[str] = ()) -> str:
    """A digest of everything every text's results depend on besides the text itself: the named files and
    folders (the curated data, the ontology…), the packages' versions, Python's version and the code."""
    digest = hashlib.sha256(code_digest().encode())
    digest.update(f"python {sys.version_info[0]}.{sys.version_info[1]}\0".encode())
    for name in PACKAGES:
        try:
            version = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            version = "-"
        digest.update(f"{name} {version}\0".encode())
    for text in extra:
        digest.update(text.encode("utf-8") + b"\0")
    for name, path in inputs:
        digest.update(f"input {name}\0".encode())
        if path.exists():
            _hash_files(digest, path if path.is_dir() else path.parent, _tree(path))
    return digest.hexdigest()


def text_key(inputs: str, path: Path, doc_id: str, data: bytes, side: dict[str, str]) -> str:
    """The key of one text's entry: the inputs digest, how the text is named and read, and its bytes."""
    digest = hashlib.sha256(inputs.encode())
    digest.update(json.dumps([str(path), path.name, doc_id, side], ensure_ascii=False, sort_keys=True).encode())
    digest.update(hashlib.sha256(data).digest())
    return digest.hexdigest()


def titles_digest(titles: dict[str, str]) -> str:
    return hashlib.sha256(json.dumps(sorted(titles.items()), ensure_ascii=False).encode("utf-8")).hexdigest()


@dataclass
class Entry:
    key: str
    titles: str  # titles_digest of the titles the documents were linked with
    documents: list  # the text's SourceDocuments (the text and the documents attached to it)
    nquads: bytes  # the documents' own quads (graph.rdf.assemble.source_quads and their statements)


class _RecordsUnpickler(pickle.Unpickler):
    """Builds the project's records and Python's plain types, nothing else (no callable of another module)."""

    _BUILTINS = {"set", "frozenset", "tuple", "list", "dict", "str", "int", "float", "bool", "bytes", "complex"}

    def find_class(self, module: str, name: str):
        if module.startswith(("graph.ingest.", "graph.rdf.")) and not name.startswith("_"):
            found = super().find_class(module, name)
            # Records only: a dataclass, an enum or a named tuple is made without running code of its own.
            if isinstance(found, type) and (dataclasses.is_dataclass(found) or issubclass(found, (enum.Enum, tuple))):
                return found
        if module == "builtins" and name in self._BUILTINS:
            return super().find_class(module, name)
        if module == "copyreg" and name == "_reconstructor":
            return super().find_class(module, name)
        raise pickle.UnpicklingError(f"{module}.{name} is not a record of the build")


def encode(entry: Entry) -> bytes:
    body = zlib.compress(pickle.dumps((FORMAT, entry.key, entry.titles, entry.documents, entry.nquads),
                                      protocol=5), 1)
    return MAGIC + f" {FORMAT} {hashlib.sha256(body).hexdigest()}\n".encode() + body


def decode(data: bytes, key: str) -> Entry:
    """The entry in `data`, if it is a whole entry of this format for `key`; ValueError saying why not."""
    header, newline, body = data.partition(b"\n")
    parts = header.split(b" ")
    if not newline or len(parts) != 3 or parts[0] != MAGIC:
        raise ValueError("not a cache entry")
    if parts[1] != str(FORMAT).encode():
        raise ValueError(f"an entry of another format ({parts[1].decode('ascii', 'replace')})")
    if hashlib.sha256(body).hexdigest().encode() != parts[2]:
        raise ValueError("its digest does not match its contents (a damaged file)")
    try:
        fmt, stored_key, titles, documents, nquads = _RecordsUnpickler(io.BytesIO(zlib.decompress(body))).load()
    except Exception as error:  # a foreign pickle: whatever it fails with, it is not ours
        raise ValueError(f"unreadable ({error})") from None
    if fmt != FORMAT or stored_key != key or not isinstance(nquads, bytes) or not isinstance(documents, list):
        raise ValueError("it is the entry of another text")
    return Entry(stored_key, titles, documents, nquads)


class TextCache:
    """The entries of the previous build (read from `<out>/.cache/`) and those of this one (written to staging)."""

    def __init__(self, out: Path, inputs: str, reuse: bool = True):
        self.folder = Path(out) / FOLDER
        self.inputs = inputs
        self.reuse = reuse
        self.reused: list[str] = []  # keys of the entries taken from the previous build
        # key -> the file of an entry built by this build, encoded, in a folder of its own until `write`: held as
        # bytes, the entries of 10^7 triples' texts would stay in memory through the whole build.
        self.fresh: dict[str, Path] = {}
        self._spill: tempfile.TemporaryDirectory | None = None

    def key(self, path: Path, doc_id: str, data: bytes, side: dict[str, str]) -> str:
        return text_key(self.inputs, path, doc_id, data, side)

    def get(self, key: str) -> Entry | None:
        """The previous build's entry for `key`, verified; None (with a warning when a file is bad) otherwise."""
        if not self.reuse:
            return None
        path = self.folder / f"{key}{SUFFIX}"
        try:
            if path.is_symlink() or not path.is_file():
                return None
            data = path.read_bytes()
        except OSError:
            return None
        try:
            entry = decode(data, key)
        except ValueError as error:
            log.warning(f"{path}: cache entry ignored, the text is built again: {error}")
            return None
        self.reused.append(key)
        return entry

    def put(self, entry: Entry) -> None:
        if self._spill is None:
            self._spill = tempfile.TemporaryDirectory(prefix="hqkg-cache-")
        path = Path(self._spill.name) / f"{entry.key}{SUFFIX}"
        path.write_bytes(encode(entry))
        self.fresh[entry.key] = path

    def close(self) -> None:
        """Remove the entries' folder (once `write` has copied them)."""
        if self._spill is not None:
            self._spill.cleanup()
            self._spill = None

    def write(self, staging: Path) -> None:
        """Write this build's entries into the staging folder: the reused ones linked from the previous output."""
        folder = staging / FOLDER
        folder.mkdir(exist_ok=True)
        for key in self.reused:
            if key in self.fresh:
                continue
            name = f"{key}{SUFFIX}"
            try:
                os.link(self.folder / name, folder / name)
            except OSError:
                try:
                    (folder / name).write_bytes((self.folder / name).read_bytes())
                except OSError:
                    continue  # gone since it was read: the next build builds that text again
        for key, path in self.fresh.items():
            shutil.copyfile(path, folder / f"{key}{SUFFIX}")
