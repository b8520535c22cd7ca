"""Deterministic serialisations of the built graph: Turtle, N-Triples, JSON-LD, RDF/XML, TriG, gzip dumps.

One writer, `write_store_exports`, writes every format of a store (the build's, or one loaded from a file for
`hqkg export`), through each graph's distinct N-Triples lines sorted on disk (graph/outputs/streamed.py): blank
nodes relabelled canonically (Oxigraph's RDFC-1.0), graphs by IRI, lines by code point. The single-graph formats
hold the asserted graph (ontology + data, every graph but the inferred one and the description, each triple
once): N-Triples is the merged lines; Turtle is the ontology through rdflib (whose writer nests unshared blank
nodes, byte-stable) then the data through the project's Turtle writer (graph/rdf/turtle.py); JSON-LD is written
here (Oxigraph's writer has no compaction), compacted with the project prefixes (also written as context.jsonld);
RDF/XML is Oxigraph's writer over graph.nt. TriG holds every named graph, the inferred one and the dataset
description (graph/outputs/describe.py, also written alone as void.ttl) included. gzip gets mtime 0, so two builds
are byte-identical. `--base-iri` moves every IRI under the base.

`Dataset` holds a dataset in memory, canonical and sorted, for what reads one from a file (publishing, `hqkg
export --base-iri`); its formats are the same writer's.
"""
from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import zlib
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import pyoxigraph as ox
from rdflib import Graph, Namespace, URIRef

from graph.outputs import ntwriters, streamed
from graph.outputs.ntwriters import JsonLdWriter, jsonld_context, turtle_prefixes as _turtle_prefixes
from graph.outputs.files import replacing, write_atomic
from graph.outputs.describe import (
    Counts, DatasetMetadata, Dump, check_base, count_graphs, describe, description_graph, load_metadata, statistics,
)
from graph.rdf.namespaces import DEFAULT_BASE, VOID, bind_prefixes
from graph.rdf.turtle import TurtleWriter
from graph.rdf.store import Store, graph_file
from graph.rdf.terms import iri, quads_to_rdflib, to_ox

OxTriple = tuple[ox.NamedNode | ox.BlankNode, ox.NamedNode, ox.NamedNode | ox.BlankNode | ox.Literal]

HEADER = "# hongqiao-kg: the knowledge graph of the Hongqiao International Open Hub measures. Generated; do not edit.\n"
TRIG_HEADER = "# hongqiao-kg: every named graph of the Hongqiao measures knowledge graph. Generated; do not edit.\n"
VOID_HEADER = "# hongqiao-kg: the description of the dataset (VoID, DCAT, PROV-O). Generated; do not edit.\n"




@dataclass(frozen=True)
class Format:
    key: str  # the --format value
    filename: str  # its file in the build output
    media_type: str
    format_iri: str  # W3C format IRI (http://www.w3.org/ns/formats/)
    title_en: str


FORMATS: dict[str, Format] = {f.key: f for f in (
    Format("ttl", "graph.ttl", "text/turtle", "http://www.w3.org/ns/formats/Turtle",
           "Turtle: ontology and asserted data"),
    Format("nt", "graph.nt", "application/n-triples", "http://www.w3.org/ns/formats/N-Triples",
           "N-Triples: ontology and asserted data, sorted lines"),
    Format("jsonld", "graph.jsonld", "application/ld+json", "http://www.w3.org/ns/formats/JSON-LD",
           "JSON-LD: ontology and asserted data, compacted with context.jsonld"),
    Format("rdfxml", "graph.rdf", "application/rdf+xml", "http://www.w3.org/ns/formats/RDF_XML",
           "RDF/XML: ontology and asserted data (opens in Protégé)"),
    Format("trig", "graph.trig", "application/trig", "http://www.w3.org/ns/formats/TriG",
           "TriG: every named graph (ontology, entities, documents, provenance, inferred, dataset)"),
)}
CONTEXT_FILE = "context.jsonld"
VOID_FILE = "void.ttl"
# Graphs kept out of the single-graph formats (which hold exactly what graph.ttl holds).
NOT_ASSERTED = ("inferred", "dataset")


class ExportError(ValueError):
    """Input that cannot be exported (no graph in a folder, unknown format); the message names the path."""


def ontology_turtle(ontology: Graph) -> bytes:
    return ontology.serialize(format="turtle", encoding="utf-8")


def data_turtle(triples: Iterable[OxTriple], base: str = DEFAULT_BASE) -> bytes:
    """Triples of Oxigraph terms, deduplicated and sorted, as Turtle (no blank nodes expected in data)."""
    writer = TurtleWriter(_turtle_prefixes(), base)
    return (writer.header + writer.write_lines(sorted(_lines(triples)))).encode()


def write_turtle(path: Path, ontology: Graph, triples: Iterable[OxTriple],
                 base: str = DEFAULT_BASE) -> None:
    """The whole graph, ontology included, as one Turtle file."""
    with open(path, "wb") as out:
        out.write(turtle_bytes(ontology, triples, base))


def turtle_bytes(ontology: Graph, triples: Iterable[OxTriple], base: str = DEFAULT_BASE) -> bytes:
    return _graph_turtle(ontology, sorted(_lines(triples)), base)


def _graph_turtle(ontology: Graph, lines: Sequence[str], base: str) -> bytes:
    """graph.ttl: the ontology by rdflib, then the data's sorted, distinct lines."""
    return b"".join(_graph_turtle_pieces(ontology, lines, base))


def _graph_turtle_pieces(ontology: Graph, lines: Sequence[str], base: str, size: int = 50_000) -> Iterator[bytes]:
    """_graph_turtle's bytes in pieces, each about `size` lines of whole subjects (so the pieces' Turtle joins
    up): the file as one str took 4 bytes a character, the text being Chinese."""
    writer = TurtleWriter(_turtle_prefixes(), base)
    yield b"".join((HEADER.encode(), b"\n# --- ontology ---\n", ontology_turtle(ontology),
                    b"\n# --- data ---\n", writer.header.encode()))
    start = 0
    while start < len(lines):
        end = min(start + size, len(lines))
        subject = lines[end - 1].split(" ", 1)[0] + " "
        while end < len(lines) and lines[end].startswith(subject):
            end += 1
        yield writer.write_lines(lines[start:end]).encode()
        start = end


def write_store_turtle(path: Path, ontology: Graph, store: Store, skip: Iterable[URIRef],
                       base: str = DEFAULT_BASE) -> None:
    """write_turtle of every triple in `store` outside the graphs `skip`: the same bytes, read and written one
    subject at a time, so that a corpus is never held whole (as rdflib terms it took 1.5 GiB and 23 s at 10^6
    triples)."""
    writer = TurtleWriter(_turtle_prefixes(), base)
    with open(path, "wb") as out:
        out.write(b"".join((HEADER.encode(), b"\n# --- ontology ---\n", ontology_turtle(ontology),
                            b"\n# --- data ---\n", writer.header.encode())))
        for chunk in _subject_chunks(store, skip):
            # Subjects are whole in each chunk, so the chunks' Turtle joins up.
            out.write(writer.write_lines(chunk).encode())


def _subject_chunks(store: Store, skip: Iterable[URIRef], size: int = 5000) -> Iterator[list[str]]:
    """The lines of the triples outside `skip`, deduplicated and sorted, in lists of `size` subjects. (Subjects
    sorted by their N-Triples form, then their lines, is the lines' order: no subject's form is a prefix of
    another's followed by a character before ' '.)"""
    raw, skipped = store.raw(), {ox.NamedNode(str(g)) for g in skip}
    subjects = {str(q.subject): q.subject for q in raw.quads_for_pattern(None, None, None, None)
                if q.graph_name not in skipped}
    chunk: list[str] = []
    for count, name in enumerate(sorted(subjects), start=1):
        chunk += sorted({str(q.triple) for q in raw.quads_for_pattern(subjects[name], None, None, None)
                         if q.graph_name not in skipped})
        if count % size == 0:
            yield chunk
            chunk = []
    yield chunk


# --- the dataset: canonical, sorted quads ------------------------------------------------------------------------

@dataclass(frozen=True)
class Dataset:
    """Every quad of the graph except its description, as Oxigraph quads, blank nodes labelled canonically,
    grouped by graph (graphs by IRI) and sorted by their N-Triples lines within each; and its base.

    `lines` holds each quad's triple as its N-Triples line (without ' .'), made once: the one sort key, a triple's
    identity across graphs (for the asserted union and every count), and graph.nt's lines.
    """

    quads: tuple[ox.Quad, ...]
    base: str = DEFAULT_BASE
    lines: tuple[str, ...] = field(default=(), compare=False, repr=False)

    def __post_init__(self) -> None:
        if len(self.lines) != len(self.quads):
            object.__setattr__(self, "lines", tuple(str(q.triple) for q in self.quads))

    def graph_iri(self, name: str) -> ox.NamedNode:
        return ox.NamedNode(f"{self.base}graph/{name}")

    @cached_property
    def spans(self) -> tuple[tuple[str, int, int], ...]:
        """(graph IRI, '' for the default graph; first index; end) of each graph's run of quads."""
        spans, start, name = [], 0, None
        for i, q in enumerate(self.quads):
            if i == start or q.graph_name != self.quads[start].graph_name:
                if i:
                    spans.append((name, start, i))
                start, name = i, _graph_key(q.graph_name)
        if self.quads:
            spans.append((name, start, len(self.quads)))
        return tuple(spans)

    def graph_lines(self) -> dict[str, tuple[str, ...]]:
        """{graph IRI: its triples' lines}: what graph/outputs/describe.py counts."""
        return {name: self.lines[start:end] for name, start, end in self.spans}

    @cached_property
    def _descriptions(self) -> dict:
        return {}

    def description(self, metadata: DatasetMetadata) -> list[OxTriple]:
        """The description (describe_dataset), made once per metadata: the TriG, void.ttl and the counts share it."""
        if metadata not in self._descriptions:
            triples = describe(statistics(self.graph_lines(), self.base), metadata, self.base, dumps())
            self._descriptions[metadata] = [(to_ox(s), to_ox(p), to_ox(o)) for s, p, o in triples]
        return self._descriptions[metadata]


def _graph_key(g) -> str:
    return g.value if isinstance(g, ox.NamedNode) else ""


def canonical(quads: Iterable[ox.Quad]) -> tuple[ox.Quad, ...]:
    """The quads, grouped by graph and sorted by N-Triples line, blank nodes relabelled canonically (RDFC-1.0)."""
    return _canonical(quads)[0]


def _canonical(quads: Iterable[ox.Quad]) -> tuple[tuple[ox.Quad, ...], tuple[str, ...]]:
    """canonical(), with each quad's triple as its N-Triples line."""
    by_graph: dict[object, dict[str, ox.Quad]] = defaultdict(dict)
    for q in quads:
        by_graph[q.graph_name][str(q.triple)] = q
    return _ordered(by_graph)


def _ordered(by_graph: dict[object, dict[str, ox.Quad]]) -> tuple[tuple[ox.Quad, ...], tuple[str, ...]]:
    """{graph: {line: quad}} as quads grouped by graph (by IRI) and sorted by line, blank nodes relabelled.

    Labels then depend only on the graph's content (Oxigraph's and rdflib's own are random per process): the quads
    with blank nodes (the ontology's OWL axioms) are canonicalised by Oxigraph's RDFC-1.0, 5 ms on the ontology
    where rdflib's RGDA1 took 1.3 s. A line with a blank node starts with '_:' or holds ' _:' (a literal that holds
    it too is only canonicalised unchanged).
    """
    blanks: list[ox.Quad] = []
    for found in by_graph.values():
        marked = [line for line in found if line.startswith("_:") or " _:" in line]
        blanks += [found.pop(line) for line in marked]
    if blanks:
        labelled = ox.Dataset(blanks)
        labelled.canonicalize(ox.CanonicalizationAlgorithm.RDFC_1_0)
        for q in labelled:
            by_graph[q.graph_name][str(q.triple)] = q
    ordered: list[ox.Quad] = []
    lines: list[str] = []
    for g in sorted(by_graph, key=_graph_key):
        found = by_graph[g]
        keys = sorted(found)
        lines += keys
        ordered += [found[k] for k in keys]
    return tuple(ordered), tuple(lines)


def dataset_from_store(store: Store, base: str = DEFAULT_BASE) -> Dataset:
    """The store's dataset, read one graph at a time (each quad's N-Triples form, less its graph, is its line)."""
    raw, own = store.raw(), ox.NamedNode(str(description_graph(base)))
    by_graph: dict[object, dict[str, ox.Quad]] = {}
    for g in [ox.DefaultGraph(), *raw.named_graphs()]:
        if g == own:
            continue
        cut = len(str(g)) + 1 if isinstance(g, ox.NamedNode) else 0
        found = {(str(q)[:-cut] if cut else str(q)): q for q in raw.quads_for_pattern(None, None, None, g)}
        if found:
            by_graph[g] = found
    quads, lines = _ordered(by_graph)
    return Dataset(quads, base, lines)


def load_dataset(path: Path) -> Dataset:
    """A build folder or an RDF file (store.graph_file); its base is read from its description."""
    return dataset_from_store(*load_store(path))


def load_store(path: Path) -> tuple[Store, str]:
    """A build folder or an RDF file (store.graph_file) in a store of its own, and the base its description gives."""
    path = graph_file(path)
    store = Store()
    store.load(path)
    try:
        return store, detect_base(store)
    except ExportError as error:
        raise ExportError(f"{path}: {error}") from None


def detect_base(store: Store) -> str:
    """The base IRI the store's own description gives (void:uriSpace in <base>graph/dataset), else the default."""
    found = store.quads_for_pattern(None, iri(VOID.uriSpace), None, None)
    spaces = sorted({q.object.value for q in found if isinstance(q.object, ox.Literal)
                     and isinstance(q.graph_name, ox.NamedNode)
                     and q.graph_name.value == str(description_graph(q.object.value))})
    if len(spaces) > 1:
        raise ExportError(f"the dataset description names several base IRIs: {', '.join(spaces)}")
    return check_base(spaces[0]) if spaces else DEFAULT_BASE


def rebase(dataset: Dataset, base: str) -> Dataset:
    """The dataset with every IRI under its base moved under `base` (named graphs included)."""
    check_base(base)
    old = dataset.base
    if base == old:
        return dataset

    def move(term):
        if isinstance(term, ox.NamedNode) and term.value.startswith(old):
            return ox.NamedNode(base + term.value[len(old):])
        return term

    # Relabelled afresh: the ontology's blank nodes may point at resources (owl:hasValue), whose IRIs moved.
    quads, lines = _canonical(ox.Quad(move(q.subject), move(q.predicate), move(q.object), move(q.graph_name))
                              for q in dataset.quads)
    return Dataset(quads, base, lines)


# --- serialisations ------------------------------------------------------------------------------------------------

def describe_dataset(dataset: Dataset, metadata: DatasetMetadata | None = None) -> list[OxTriple]:
    """The VoID/DCAT/PROV description of `dataset` and of the dumps written by write_exports (made once per
    dataset and metadata; graph/outputs/describe.py counts on the dataset's lines and writes rdflib terms)."""
    return dataset.description(metadata or load_metadata())


def dataset_counts(dataset: Dataset, metadata: DatasetMetadata | None = None) -> Counts:
    """The build's counts (describe.Counts) of `dataset` and the description written beside it."""
    return count_graphs(dataset.graph_lines(), dataset.base, description=len(describe_dataset(dataset, metadata)))


def dumps() -> list[Dump]:
    """Every dump file of the build: each format, and each gzipped."""
    plain = [Dump(f.key, f.filename, f.media_type, f.format_iri, f.title_en) for f in FORMATS.values()]
    return plain + [Dump(f"{d.key}-gz", f"{d.filename}.gz", d.media_type, d.format_iri, f"{d.title_en} (gzip)",
                         gzipped=True) for d in plain]


def serialize(dataset: Dataset, fmt: str, metadata: DatasetMetadata | None = None) -> bytes:
    """`dataset` in format `fmt` (a FORMATS key), as the build writes it (write_store_exports, the one writer)."""
    if fmt not in FORMATS:
        raise ExportError(f"unknown format {fmt!r}; expected one of {', '.join(FORMATS)}")
    with tempfile.TemporaryDirectory(prefix="hqkg-export-") as folder:
        write_exports(Path(folder), dataset, metadata, formats=(fmt,))
        return (Path(folder) / FORMATS[fmt].filename).read_bytes()


def _nt(lines: Iterable[str]) -> bytes:
    return b"".join(_nt_chunks(list(lines)))


def _nt_chunks(lines: Sequence[str], size: int = 50_000) -> Iterator[bytes]:
    """graph.nt in pieces of `size` lines. A triple's line is what Oxigraph's N-Triples writer writes for it (a test
    checks), so sorted lines are the sorted file. Written piece by piece: the file as one str first (4 bytes a
    character, the text being Chinese) and then its bytes made the build's peak at 10^6 triples."""
    for start in range(0, len(lines), size):
        yield "".join(f"{line} .\n" for line in lines[start:start + size]).encode()


def _lines(triples: Iterable) -> dict[str, ox.Triple]:
    """{N-Triples line: triple} of any triples (Oxigraph or rdflib terms), once each."""
    found: dict[str, ox.Triple] = {}
    for s, p, o in triples:
        t = ox.Triple(*(x if isinstance(x, (ox.NamedNode, ox.BlankNode, ox.Literal)) else to_ox(x)
                        for x in (s, p, o)))
        found.setdefault(str(t), t)
    return found


def _sorted(triples: Iterable) -> tuple[list[str], list[ox.Triple]]:
    found = _lines(triples)
    lines = sorted(found)
    return lines, [found[line] for line in lines]


def nt_bytes(triples: Iterable[OxTriple]) -> bytes:
    """N-Triples, one line per triple, lines sorted."""
    return _nt(sorted(_lines(triples)))


def rdfxml_bytes(triples: Iterable[OxTriple]) -> bytes:
    """RDF/XML, one rdf:Description per subject in sorted order, with the project's prefixes."""
    return ox.serialize(_sorted(triples)[1], format=ox.RdfFormat.RDF_XML, prefixes=_turtle_prefixes())


def context_bytes(base: str = DEFAULT_BASE) -> bytes:
    return (json.dumps(jsonld_context(base), ensure_ascii=False, indent=1) + "\n").encode()


def jsonld_bytes(triples: Iterable[OxTriple], base: str = DEFAULT_BASE) -> bytes:
    """Compacted JSON-LD: the context inline (the same as context.jsonld), one node per subject, sorted."""
    return _jsonld(*_sorted(triples), base)


def _jsonld(lines: Sequence[str], triples: Sequence[ox.Triple | ox.Quad], base: str) -> bytes:
    """The compacted JSON-LD of sorted triples, given with their N-Triples lines (JsonLdWriter, whole)."""
    writer = JsonLdWriter(base)
    nodes = [node for line, t in zip(lines, triples) if (node := writer.add(line, t.object)) is not None]
    last = writer.close()
    return writer.head() + b",\n".join(nodes + ([last] if last is not None else [])) + JsonLdWriter.TAIL


def void_bytes(dataset: Dataset, metadata: DatasetMetadata | None = None) -> bytes:
    """The dataset description alone, as Turtle with full IRIs (build/void.ttl, read by catalogues)."""
    return _void_bytes(describe_dataset(dataset, metadata))


def _void_bytes(description: list[OxTriple]) -> bytes:
    lines, triples = _sorted(description)
    return VOID_HEADER.encode() + ox.serialize(triples, format=ox.RdfFormat.TURTLE, prefixes=_turtle_prefixes())


# --- files -----------------------------------------------------------------------------------------------------------

def gzipped(data: bytes) -> bytes:
    """gzip with mtime 0 and no file name, so the same bytes always compress to the same bytes.

    Level 6 (gzip's default): on the 36 MB graph.nt of 1.8·10^5 quads level 9 took 1.17 s for a file 3% smaller
    than level 6's in 0.43 s."""
    packer = _gzip_packer()
    return packer.compress(data) + packer.flush()


def _gzip_packer():
    # zlib's gzip wrapper (wbits 31) writes mtime 0 and no file name: gzip.compress(mtime=0)'s bytes. zlib-ng was
    # measured and left out: 1.75x as fast at level 6 on graph.nt of 10^6 triples (1.43 s against 2.5 s), but its
    # bytes changed with the size of the pieces it was fed (and it picks its code by CPU), so two machines or
    # two writers of the same data could write different dumps.
    return zlib.compressobj(6, zlib.DEFLATED, 31)


def gzip_file(source: Path, target: Path, piece: int = 1 << 20) -> None:
    """`target` := gzipped(the bytes of `source`), read and compressed a MiB at a time (a test checks), so no file
    is held whole for its gzip."""
    packer = _gzip_packer()
    with open(source, "rb") as data, replacing(target) as tmp, open(tmp, "wb") as out:
        while chunk := data.read(piece):
            out.write(packer.compress(chunk))
        out.write(packer.flush())


def export(source: Path, fmt: str, out: Path | None = None, base: str | None = None) -> bytes:
    """`hqkg export`: the graph in `source` (build folder or RDF file) as `fmt`, rebased to `base` if given.

    Written to `out` (gzipped when it ends in .gz) or returned; fmt 'all' writes every export into the folder `out`.
    Without a new base the file's store goes to the writer as it is (no dataset in memory).
    """
    if fmt != "all" and fmt not in FORMATS:
        raise ExportError(f"unknown format {fmt!r}; expected one of {', '.join(FORMATS)}")
    if fmt == "all" and out is None:
        raise ExportError("--format all needs --out FOLDER")
    store, found = load_store(source)
    if base is not None and check_base(base) != found:
        moved = rebase(dataset_from_store(store, found), base)
        store, found = Store(), base
        store.add(moved.quads)
    if fmt == "all":
        Path(out).mkdir(parents=True, exist_ok=True)
        write_store_exports(Path(out), store, found)
        return b""
    with tempfile.TemporaryDirectory(prefix="hqkg-export-") as folder:
        write_store_exports(Path(folder), store, found, formats=(fmt,))
        data = (Path(folder) / FORMATS[fmt].filename).read_bytes()
    if out is not None:
        write_atomic(Path(out), gzipped(data) if str(out).endswith(".gz") else data)
    return data


def write_exports(out_dir: Path, dataset: Dataset, metadata: DatasetMetadata | None = None,
                  ontology: Graph | None = None, formats: Sequence[str] | None = None) -> list[str]:
    """write_store_exports of `dataset` (put into a store of its own); return the file names written."""
    store = Store()
    store.add(dataset.quads)
    return write_store_exports(out_dir, store, dataset.base, metadata, ontology, formats)[0]


def write_store_exports(out_dir: Path, store: Store, base: str = DEFAULT_BASE, metadata: DatasetMetadata | None = None,
                        ontology: Graph | None = None, formats: Sequence[str] | None = None,
                        processes: int | None = None) -> tuple[list[str], Counts]:
    """Every format, its gzip, context.jsonld and void.ttl of the dataset in `store` (its description graph, if
    any, left out and made again) into `out_dir`; return the file names written and the dataset's counts. The
    files replace those in `out_dir` together, once all are written.

    The graphs go through sorted files on disk (graph/outputs/streamed.py), so no format holds the dataset in
    memory: one pass over them writes graph.nt and counts; then graph.jsonld and graph.ttl's data are written from
    graph.nt in processes of their own (graph/outputs/ntwriters.py; `processes=1`: here, one after the other)
    while this one writes graph.rdf and graph.trig, and a thread gzips each file as it is done.

    `ontology`: the ontology as parsed, for graph.ttl's ontology part (the build's; else the store's ontology
    graph is written, whose blank nodes come out in another order). `formats`: only these FORMATS keys, without
    gzips, context or description (what serialize() needs).
    """
    metadata = metadata or load_metadata()
    chosen = set(formats or FORMATS)
    unknown = chosen - set(FORMATS)
    if unknown:
        raise ExportError(f"unknown format(s) {', '.join(sorted(unknown))}; expected one of {', '.join(FORMATS)}")
    everything = formats is None
    own = ox.NamedNode(str(description_graph(base)))
    with contextlib.ExitStack() as stack:
        folder = Path(stack.enter_context(streamed.temporary_folder(out_dir)))
        # Every file is written to a temporary path beside its own and put in place when all are written.
        targets = {f.key: stack.enter_context(replacing(out_dir / f.filename)) for f in FORMATS.values()
                   if f.key in chosen}
        zipped = {f.key: stack.enter_context(replacing(out_dir / f"{f.filename}.gz")) for f in FORMATS.values()
                  if f.key in chosen and everything}
        extras = {name: stack.enter_context(replacing(out_dir / name)) for name in (CONTEXT_FILE, VOID_FILE)
                  if everything}
        # Entered after the files, so left first: no gzip still runs when a failure removes the files.
        pool = stack.enter_context(ThreadPoolExecutor(max_workers=1))
        packing = []

        def pack(key: str) -> None:
            if everything:
                packing.append(pool.submit(gzip_file, targets[key], zipped[key]))

        graphs = streamed.sorted_graphs(store, folder, base, processes)
        counting, asserted, ontology_bit = _merged_pass(graphs, base)
        data = asserted & ~ontology_bit
        nt_path = targets.get("nt", folder / "asserted.nt")
        only_ontology = folder / "ontology-only.txt"  # asserted lines graph.ttl's data leaves to its ontology part
        with open(nt_path, "wb") as nt, open(only_ontology, "w", encoding="utf-8") as only:
            for piece in streamed.pieces(streamed.merged(graphs)):
                counting.count(piece)
                nt.write("".join(line for line, mask in piece if mask & asserted).encode())
                only.writelines(line[:-3] + "\n" for line, mask in piece if mask & asserted and not mask & data)
        if "nt" in chosen:
            pack("nt")
        if "ttl" in chosen:
            ontology = ontology if ontology is not None else _ontology_of(graphs, f"{base}graph/ontology", base)
            targets["ttl"].write_bytes(b"".join((
                HEADER.encode(), b"\n# --- ontology ---\n", ontology_turtle(ontology), b"\n# --- data ---\n",
                TurtleWriter(_turtle_prefixes(), base).header.encode())))
        writers = [_NtWriter("turtle", nt_path, targets["ttl"], base, only_ontology)] if "ttl" in chosen else []
        if "jsonld" in chosen:
            writers.append(_NtWriter("jsonld", nt_path, targets["jsonld"], base))
        for writer in writers:
            writer.start(in_process=processes == 1)
        description = _description(counting.statistics(), metadata, base)
        if "rdfxml" in chosen:
            # Oxigraph's parser straight into its writer (default-graph quads are the triples): no Python code runs
            # per triple (a generator of q.triple took 1.6 s of 3.7 s at 10^6 triples).
            ox.serialize(ox.parse(path=nt_path, format=ox.RdfFormat.N_TRIPLES), targets["rdfxml"],
                         ox.RdfFormat.RDF_XML, prefixes=_turtle_prefixes())
            pack("rdfxml")
        if "trig" in chosen:
            with open(targets["trig"], "wb") as out:
                out.write(TRIG_HEADER.encode())
                ox.serialize(ox.parse(path=_trig_source(graphs, description, own, folder), format=ox.RdfFormat.TRIG),
                             out, ox.RdfFormat.TRIG, prefixes=_turtle_prefixes())
            pack("trig")
        for writer in writers:
            writer.wait()
            pack({"turtle": "ttl", "jsonld": "jsonld"}[writer.kind])
        if everything:
            extras[CONTEXT_FILE].write_bytes(context_bytes(base))
            extras[VOID_FILE].write_bytes(_void_bytes(description))
        for job in packing:
            job.result()  # raises what the gzip raised
    written = [name for f in FORMATS.values() if f.key in chosen
               for name in ((f.filename, f"{f.filename}.gz") if everything else (f.filename,))]
    return written + ([CONTEXT_FILE, VOID_FILE] if everything else []), counting.counts(len(description))


class _NtWriter:
    """One of graph/outputs/ntwriters.py's writers, run in a process of its own (or here, `in_process`)."""

    def __init__(self, kind: str, nt: Path, out: Path, base: str, skip: Path | None = None):
        self.kind, self.args = kind, [str(nt), str(out), base] + ([str(skip)] if skip else [])
        self._process: subprocess.Popen | None = None

    def start(self, in_process: bool) -> None:
        if in_process:
            ntwriters.main([self.kind, *self.args])
            return
        # The checkout's package first, whatever the child's working folder (graph/ may not be installed).
        root = str(Path(__file__).resolve().parents[2])
        env = {**os.environ, "PYTHONPATH": os.pathsep.join([root, *filter(None, [os.environ.get("PYTHONPATH")])])}
        self._process = subprocess.Popen([sys.executable, "-m", "graph.outputs.ntwriters", self.kind, *self.args],
                                         env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)

    def wait(self) -> None:
        if self._process is None:
            return
        _, errors = self._process.communicate()
        if self._process.returncode:
            raise ExportError(f"the {self.kind} writer failed on {self.args[0]} (exit {self._process.returncode}): "
                              f"{errors.decode(errors='replace').strip()[-2000:]}")


def store_counts(store: Store, base: str = DEFAULT_BASE, metadata: DatasetMetadata | None = None) -> Counts:
    """The counts write_store_exports returns, nothing written (for a build without its exports step)."""
    with tempfile.TemporaryDirectory(prefix="hqkg-counts-") as folder:
        graphs = streamed.sorted_graphs(store, Path(folder), base)
        counting, _, _ = _merged_pass(graphs, base)
        for piece in streamed.pieces(streamed.merged(graphs)):
            counting.count(piece)
        description = _description(counting.statistics(), metadata or load_metadata(), base)
        return counting.counts(len(description))


def _merged_pass(graphs: Sequence[streamed.SortedGraph], base: str) -> tuple[streamed.MergedPass, int, int]:
    """The counting of the merged lines, and the bit masks of graph.ttl's graphs and of the ontology graph."""
    bits = {g.key: 1 << i for i, g in enumerate(graphs)}
    asserted = sum(bit for key, bit in bits.items() if key not in {f"{base}graph/{n}" for n in NOT_ASSERTED})
    counting = streamed.MergedPass(graphs, base, f"{base}graph/inferred", asserted)
    return counting, asserted, bits.get(f"{base}graph/ontology", 0)


def _ontology_of(graphs: Sequence[streamed.SortedGraph], key: str, base: str) -> Graph:
    """The ontology graph as rdflib reads it (for rdflib's Turtle writer, which nests its blank nodes): the
    boundary with rdflib."""
    graph = bind_prefixes(Graph())
    graph.bind("hqr", Namespace(base), override=True, replace=True)
    for s, p, o, _ in quads_to_rdflib(streamed.graph_quads(g for g in graphs if g.key == key)):
        graph.add((s, p, o))
    return graph


def _description(stats, metadata: DatasetMetadata, base: str) -> list[OxTriple]:
    return [(to_ox(s), to_ox(p), to_ox(o)) for s, p, o in describe(stats, metadata, base, dumps())]


def _trig_source(graphs: Sequence[streamed.SortedGraph], description: list[OxTriple], own: ox.NamedNode,
                 folder: Path) -> Path:
    """Every graph's sorted lines in a block of its own, graphs by IRI, the description in its place: TriG for
    Oxigraph's parser to hand its writer, so no Python code runs per quad (a quad made in Python from each parsed
    triple took 3 of 5 s at 10^6 triples)."""
    lines, _ = _sorted(description)
    described = "".join(f"{line} .\n" for line in lines).encode()
    blocks = [(g.key, g.path) for g in graphs] + [(own.value, described)]
    path = folder / "graphs.trig"
    with open(path, "wb") as out:
        for key, content in sorted(blocks, key=lambda block: block[0]):
            out.write(f"<{key}> {{\n".encode() if key else b"{\n")
            if isinstance(content, bytes):
                out.write(content)
            else:
                with open(content, "rb") as data:
                    shutil.copyfileobj(data, out, 1 << 20)
            out.write(b"}\n")
    return path
