"""The embedded default store (Oxigraph, in memory or on disk) behind one small interface.

Oxigraph answers SPARQL tens of times faster than rdflib's in-memory engine at corpus scale (see
docs/performance.md). The store speaks Oxigraph terms (graph.rdf.terms), as the rest of the data path does;
`rdflib_quads` is the one way out to rdflib, for the readers that need it (pySHACL, owlready2, tests).
"""
from __future__ import annotations

import os
import re
import tempfile
import weakref
from collections.abc import Iterable, Iterator, Mapping
from itertools import chain
from pathlib import Path

import pyoxigraph as ox
from rdflib.term import Node

from graph.rdf.terms import from_ox, quads_to_rdflib, to_ox  # noqa: F401  (the rdflib boundary, re-exported)

FORMATS = {".ttl": ox.RdfFormat.TURTLE, ".nt": ox.RdfFormat.N_TRIPLES, ".nq": ox.RdfFormat.N_QUADS,
           ".trig": ox.RdfFormat.TRIG, ".rdf": ox.RdfFormat.RDF_XML, ".owl": ox.RdfFormat.RDF_XML,
           ".jsonld": ox.RdfFormat.JSON_LD, ".n3": ox.RdfFormat.N3}


class StoreError(ValueError):
    """A file that cannot be loaded or a query that cannot run; the message says where (file:line for a file)."""


def _syntax_message(error: SyntaxError) -> str:
    """Oxigraph's parser message without the place it spells twice ('Parser error at line 3 between columns 2
    and 9: … (x.ttl, line 3)' -> 'column 2: …'), since the error leads with file:line."""
    message = str(error.msg if error.msg else error)
    if error.filename:
        message = message.split(f" ({Path(error.filename).name}, line", 1)[0]
    found = re.match(r"Parser error at line \d+(?: between columns (\d+) and \d+| at column (\d+))?: ?", message)
    if found:
        column = found.group(1) or found.group(2)
        message = (f"column {column}: " if column else "") + message[found.end():]
    return message


def check_rdf_syntax(data: bytes, fmt, file: str, base: str | None = None) -> None:
    """Raise StoreError at the file and line of the first syntax error (Oxigraph's parser: exact lines, fast;
    rdflib's Turtle parser counts lines from where it resynchronised, 30 lines off in a test here)."""
    try:
        for _ in ox.parse(input=data, format=fmt, base_iri=base):
            pass
    except SyntaxError as error:
        raise StoreError(f"{file}:{error.lineno or 1}: {_syntax_message(error)}") from None


_ON_DISK: "weakref.WeakSet[Store]" = weakref.WeakSet()


def _ox_graph(graph: object) -> ox.NamedNode | ox.DefaultGraph | None:
    """A graph name given as an IRI string (a namespace constant such as graph_iri('inferred')) or a NamedNode."""
    if graph is None or isinstance(graph, (ox.NamedNode, ox.DefaultGraph)):
        return graph
    return ox.NamedNode(str(graph))


def disk_stores_open() -> int:
    """How many on-disk stores this process holds (each runs RocksDB's threads, so the process must not fork)."""
    return len(_ON_DISK)


class Store:
    """A dataset of named graphs; queries see the union of all graphs as their default graph."""

    def __init__(self, path: Path | None = None):
        self._store = ox.Store(str(path)) if path else ox.Store()
        self.on_disk = bool(path)
        self.path = Path(path) if path else None
        if path:
            _ON_DISK.add(self)

    @classmethod
    def read_only(cls, path: Path) -> "Store":
        """The on-disk store at `path` opened read-only: a checkpoint (`checkpoint`), which no process writes
        (Oxigraph leaves a read-only store beside a writer undefined)."""
        store = cls.__new__(cls)
        store._store, store.on_disk, store.path = ox.Store.read_only(str(path)), True, Path(path)
        _ON_DISK.add(store)
        return store

    def checkpoint(self, target: Path) -> None:
        """A consistent copy of this on-disk store at `target` (a folder not yet there), made of hard links to its
        files where it can (RocksDB's checkpoint, Oxigraph's `backup`): for readers in other processes, which may
        open it read-only while this store goes on."""
        if not self.on_disk:
            raise StoreError("only a store on disk has a checkpoint")
        self._store.backup(str(target))

    def add(self, quads: Iterable[ox.Quad]) -> None:
        """Add Oxigraph quads in one transaction (all or nothing)."""
        self._store.extend(quads)

    def extend(self, quads: Iterable[ox.Quad]) -> None:
        """Add Oxigraph quads with Oxigraph's bulk loader: the build's fast path.

        Not transactional: an error part-way leaves part of the quads in, so use it on a store that is thrown
        away on error (as the build's is).
        """
        self._store.bulk_extend(quads)

    def load(self, path: Path, graph: object | None = None) -> None:
        """Load an RDF file (format from its suffix) into `graph`, or as the file says for quad formats."""
        fmt = FORMATS.get(path.suffix.lower())
        if fmt is None:
            raise StoreError(f"{path}: unknown RDF format (expected one of {', '.join(sorted(FORMATS))})")
        try:
            if fmt in (ox.RdfFormat.TRIG, ox.RdfFormat.N_QUADS):
                self._store.bulk_load(path=str(path), format=fmt)
            else:
                self._store.bulk_load(path=str(path), format=fmt,
                                      to_graph=_ox_graph(graph) if graph is not None else ox.DefaultGraph())
        except SyntaxError as error:
            raise StoreError(f"{path}:{error.lineno or 1}: {_syntax_message(error)}") from None
        except OSError as error:
            raise StoreError(f"{path}:1: cannot be read: {error.strerror or error}") from None

    def load_nquads(self, pieces: Iterable[bytes]) -> None:
        """Load N-Quads the build wrote itself (its cache of each text's quads), piece by piece. In memory, each
        piece through the transactional loader: on the 75 real texts' 179 k quads (57 pieces) 2.3-2.9 s against the
        bulk loader's 3.5-4.5 s (its set-up per call); at 10^6 triples (125 pieces) 3.45 s against 4.11 s for one
        bulk load of them all. On disk, one bulk load of every piece's quads: there 13.5 s against 31.3 s (each
        transaction goes through RocksDB's log). Not transactional on disk, as `extend`."""
        if self.on_disk:
            self._store.bulk_extend(chain.from_iterable(ox.parse(input=piece, format=ox.RdfFormat.N_QUADS)
                                                        for piece in pieces))
            return
        for piece in pieces:
            self._store.load(piece, format=ox.RdfFormat.N_QUADS)

    def load_spool(self, spool: "NQuadsSpool", spans: Iterable[tuple[int, int]]) -> None:
        """load_nquads of the pieces `spans` of `spool`; on disk, Oxigraph's bulk loader reads the spool's file
        itself (every span of it: the build spools exactly the pieces it loads)."""
        if self.on_disk:
            spool.flush()
            try:
                self._store.bulk_load(path=str(spool.path), format=ox.RdfFormat.N_QUADS)
            except SyntaxError as error:
                raise StoreError(f"{spool.path}:{error.lineno or 1}: {_syntax_message(error)}") from None
            return
        self.load_nquads(spool.read(span) for span in spans)

    def query(self, sparql: str, bindings: Mapping[str, ox.NamedNode | ox.Literal] | None = None):
        """Run SPARQL; `bindings` (Oxigraph terms) are substituted as RDF terms (never spliced into the text)."""
        substitutions = {ox.Variable(name): value for name, value in (bindings or {}).items()}
        try:
            return self._store.query(sparql, use_default_graph_as_union=True, substitutions=substitutions)
        except SyntaxError as error:
            raise StoreError(f"invalid SPARQL: {error}") from None

    def quads_for_pattern(self, subject=None, predicate=None, obj=None, graph: object | None = None
                          ) -> Iterator[ox.Quad]:
        """The quads matching a pattern (None matches anything), as Oxigraph quads."""
        return self._store.quads_for_pattern(subject, predicate, obj, _ox_graph(graph))

    def rdflib_quads(self, graph: object | None = None) -> Iterator[tuple[Node, Node, Node, Node]]:
        """Every quad (of `graph`, if given) as rdflib terms: the boundary with rdflib (pySHACL, owlready2)."""
        return quads_to_rdflib(self.quads_for_pattern(None, None, None, graph))

    # The rdflib view under its former name, for the readers on the far side of the boundary.
    quads = rdflib_quads

    def graphs(self) -> list[ox.NamedNode]:
        return sorted((g for g in self._store.named_graphs() if isinstance(g, ox.NamedNode)), key=lambda g: g.value)

    def raw(self) -> ox.Store:
        """The Oxigraph store itself, for bulk export and serving."""
        return self._store

    def __len__(self) -> int:
        return len(self._store)


# What "a build folder" means to every command that reads one (query, validate, export, serve, pages, network,
# publish): its dataset with every named graph. A single graph file is read as it is.
# (graph.ttl when a build ran without its exports step wrote only that).
BUILD_GRAPH_FILES = ("graph.trig", "graph.ttl")


def graph_file(path: Path) -> Path:
    """The RDF file behind `path`: the path itself, or the dataset file of a build folder."""
    path = Path(path)
    if path.is_dir():
        for name in BUILD_GRAPH_FILES:
            if (path / name).is_file():
                return path / name
        raise StoreError(f"{path}: no graph.trig or graph.ttl in this folder; run `hqkg build --out {path}` "
                         "or give a graph file")
    if not path.is_file():
        raise StoreError(f"{path}: no such graph file or build folder (graph file not found; build it first with "
                         "`hqkg build`, or give --graph)")
    return path


def open_store(path: Path) -> Store:
    """A store holding the graph file or build folder at `path` (see graph_file)."""
    store = Store()
    store.load(graph_file(path))
    return store


class NQuadsSpool:
    """Each text's N-Quads in one temporary file until the store takes them: held as bytes they were the largest
    part of the parse's memory at 10^7 triples (about 2.3 GB of the 4.5-5.4 GiB the process held while assembling).
    The file goes when the spool is closed (or the process ends)."""

    def __init__(self, folder: Path | None = None):
        self._file = tempfile.NamedTemporaryFile(prefix="hqkg-quads-", suffix=".nq", dir=folder)
        self.path = Path(self._file.name)

    def put(self, data: bytes) -> tuple[int, int]:
        """Append one piece; its (offset, length)."""
        offset = self._file.seek(0, os.SEEK_END)
        self._file.write(data)
        return offset, len(data)

    def read(self, span: tuple[int, int]) -> bytes:
        self._file.flush()
        return os.pread(self._file.fileno(), span[1], span[0])

    def flush(self) -> None:
        self._file.flush()

    def close(self) -> None:
        self._file.close()

    def __enter__(self) -> "NQuadsSpool":
        return self

    def __exit__(self, *exc) -> None:
        self.close()
