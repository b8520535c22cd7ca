"""Deterministic serialisations of the built graph: Turtle, N-Triples, JSON-LD, RDF/XML, TriG, gzip dumps.

Turtle: the ontology (which has blank nodes for its axioms) goes through rdflib, whose Turtle writer nests
unshared blank nodes and so is byte-stable; the data, which has none, goes through the project's Turtle writer
(graph/rdf/turtle.py) in sorted order. Both halves bind the same prefixes.

The other formats are written from one `Dataset`, made in one pass over the store: Oxigraph quads with the blank
nodes relabelled canonically (Oxigraph's RDFC-1.0), grouped by graph and sorted by their N-Triples lines, each line
kept. Every single-graph format reads the same sorted, deduplicated asserted triples, made once: N-Triples is
their lines, RDF/XML Oxigraph's writer, JSON-LD written here (Oxigraph's writer has no compaction), compacted with
the project prefixes (also written as context.jsonld); TriG is Oxigraph's writer over the dataset's quads. gzip gets
mtime 0, so two builds are byte-identical. Turtle, N-Triples, JSON-LD and RDF/XML hold the asserted graph (ontology
+ data, as graph.ttl); TriG holds every named graph, the inferred one and the dataset description
(graph/describe.py, made once per dataset, also written alone as void.ttl) included. `--base-iri` moves every IRI
under the base.
"""
from __future__ import annotations

import itertools
import json
import zlib
from json.encoder import encode_basestring as _json_string  # what json.dumps(str, ensure_ascii=False) writes
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import pyoxigraph as ox
from rdflib import Graph, Namespace, URIRef

from graph.outputs.files import replacing, write_atomic
from graph.outputs.describe import (
    Counts, DatasetMetadata, Dump, check_base, count_graphs, describe, description_graph, load_metadata,
)
from graph.rdf.namespaces import curie, DEFAULT_BASE, PREFIXES, RDF, VOID, bind_prefixes
from graph.rdf.turtle import TurtleWriter
from graph.rdf.store import Store, graph_file
from graph.rdf.terms import XSD_STRING, iri, quads_to_rdflib, to_ox

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


def _turtle_prefixes() -> dict[str, str]:
    # Resource IRIs are written relative to @base ('<region/kunshan>'): prefixed names would need '\/' escapes.
    return {prefix: iri for prefix, iri in PREFIXES.items() if iri != DEFAULT_BASE}


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
    def _asserted(self) -> tuple[list[str], list[ox.Quad]]:
        """What graph.ttl holds (every graph but the inferred one; the description is not in the dataset), each
        triple once, sorted by line: (lines, one quad of each)."""
        skip = {self.graph_iri(name).value for name in NOT_ASSERTED}
        found: dict[str, ox.Quad] = {}
        for name, start, end in self.spans:
            if name not in skip:
                found.update(zip(self.lines[start:end], self.quads[start:end]))
        lines = sorted(found)
        return lines, [found[line] for line in lines]

    def asserted(self) -> list[OxTriple]:
        """What graph.ttl holds: every graph but the inferred one, deduplicated and sorted."""
        return [(q.subject, q.predicate, q.object) for q in self._asserted[1]]

    def ontology(self) -> Graph:
        """The ontology graph as rdflib reads it (for rdflib's Turtle writer, which nests its blank nodes): the
        boundary with rdflib."""
        graph = bind_prefixes(Graph())
        graph.bind("hqr", Namespace(self.base), override=True, replace=True)
        name = self.graph_iri("ontology")
        for s, p, o, _ in quads_to_rdflib(q for q in self.quads if q.graph_name == name):
            graph.add((s, p, o))
        return graph

    def data_lines(self) -> list[str]:
        """The lines of the asserted triples outside the ontology graph (graph.ttl's data), distinct, sorted: the
        asserted lines (sorted once, _asserted) less those only the ontology graph holds. A union and sort of its
        own took 3.6 s of the exports' 30 s at 10^6 triples; this, one set lookup a line."""
        ontology = self.graph_iri("ontology").value
        skip = {self.graph_iri(name).value for name in NOT_ASSERTED}
        own = {line for name, start, end in self.spans if name == ontology for line in self.lines[start:end]}
        elsewhere = {line for name, start, end in self.spans if name != ontology and name not in skip
                     for line in self.lines[start:end] if line in own}
        only_ontology = own - elsewhere
        return [line for line in self._asserted[0] if line not in only_ontology]

    @cached_property
    def _descriptions(self) -> dict:
        return {}

    def description(self, metadata: DatasetMetadata) -> list[OxTriple]:
        """The description (describe_dataset), made once per metadata: the TriG, void.ttl and the counts share it."""
        if metadata not in self._descriptions:
            triples = describe(self.graph_lines(), metadata, self.base, dumps())
            self._descriptions[metadata] = [(to_ox(s), to_ox(p), to_ox(o)) for s, p, o in triples]
        return self._descriptions[metadata]


def _triple_key(t: OxTriple) -> tuple[str, str, str]:
    return t[0].value, t[1].value, str(t[2])


def _graph_key(g) -> str:
    return g.value if isinstance(g, ox.NamedNode) else ""


def _sorted_triples(triples: Iterable[OxTriple]) -> list[OxTriple]:
    return sorted(set(triples), key=_triple_key)


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
    path = graph_file(path)
    store = Store()
    store.load(path)
    try:
        base = detect_base(store)
    except ExportError as error:
        raise ExportError(f"{path}: {error}") from None
    return dataset_from_store(store, base)


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
    """`dataset` in format `fmt` (a FORMATS key), as the build writes it. Every single-graph format reads the
    same sorted asserted triples (made once per dataset), TriG the dataset's own sorted quads."""
    if fmt not in FORMATS:
        raise ExportError(f"unknown format {fmt!r}; expected one of {', '.join(FORMATS)}")
    if fmt == "ttl":
        return _graph_turtle(dataset.ontology(), dataset.data_lines(), dataset.base)
    lines, quads = dataset._asserted
    if fmt == "nt":
        return _nt(lines)
    if fmt == "jsonld":
        return _jsonld(lines, quads, dataset.base)
    if fmt == "rdfxml":
        return ox.serialize((q.triple for q in quads), format=ox.RdfFormat.RDF_XML, prefixes=_turtle_prefixes())
    return _trig(dataset, describe_dataset(dataset, metadata))


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


def _trig(dataset: Dataset, description: list[OxTriple]) -> bytes:
    """TriG with one block per named graph, graphs by IRI, the description in its place. IRIs are written in
    full: the dump is for machines, and Oxigraph would otherwise write every http(s) IRI relative to the base
    (e.g. '<//creativecommons.org/…>')."""
    own = ox.NamedNode(str(description_graph(dataset.base)))
    lines, triples = _sorted(description)
    described = [ox.Quad(t.subject, t.predicate, t.object, own) for t in triples]
    # The dataset's quads are grouped by graph in IRI order: the description goes before the first graph after it.
    cut = next((start for name, start, _ in dataset.spans if name > own.value), len(dataset.quads))
    quads = itertools.chain(dataset.quads[:cut], described, dataset.quads[cut:])
    return TRIG_HEADER.encode() + ox.serialize(quads, format=ox.RdfFormat.TRIG, prefixes=_turtle_prefixes())


def trig_bytes(quads: Iterable[ox.Quad]) -> bytes:
    """TriG of any quads, sorted as the build's graph.trig."""
    ordered, lines = _canonical(quads)
    return _trig(Dataset(ordered, DEFAULT_BASE, lines), [])


def jsonld_context(base: str = DEFAULT_BASE) -> dict[str, dict[str, str]]:
    """The compact context: one term per project prefix (hqr: the base IRI)."""
    return {"@context": {prefix: (base if iri == DEFAULT_BASE else iri) for prefix, iri in PREFIXES.items()}}


def context_bytes(base: str = DEFAULT_BASE) -> bytes:
    return (json.dumps(jsonld_context(base), ensure_ascii=False, indent=1) + "\n").encode()


def jsonld_bytes(triples: Iterable[OxTriple], base: str = DEFAULT_BASE) -> bytes:
    """Compacted JSON-LD: the context inline (the same as context.jsonld), one node per subject, sorted."""
    return _jsonld(*_sorted(triples), base)


def _jsonld(lines: Sequence[str], triples: Sequence[ox.Triple | ox.Quad], base: str) -> bytes:
    """The compacted JSON-LD of sorted triples, one node per line, given with their N-Triples lines.

    Oxigraph's JSON-LD writer (0.5) writes expanded JSON-LD only (full IRIs, no context), so this stays here. Each
    node's JSON is put together from the JSON of its parts, made once per IRI (json's own string encoder, so the
    bytes are json.dumps(node, ensure_ascii=False)'s: a test checks), and subjects, predicates and IRI objects are
    read from the lines, Python strings already: building dicts of Oxigraph terms for json.dumps took 6.4 s of the
    exports' 30 s at 10^6 triples.
    """
    context = jsonld_context(base)["@context"]
    # curie() sorts the prefixes given on every call unless they are the project's own (the default base)
    prefixes = None if context == PREFIXES else context
    keys: dict[str, str] = {}  # an IRI's or blank node's N-Triples token -> its compacted form
    ids: dict[str, str] = {}  # … -> the JSON of its compacted form
    refs: dict[str, str] = {}  # … -> the JSON of {"@id": it}

    def key(token: str) -> str:
        found = keys.get(token)
        if found is None:
            value = token[1:-1]
            found = keys[token] = token if token.startswith("_:") else (
                curie(value, local=r"(?!//).+", prefixes=prefixes) or value)
        return found

    def ident(token: str) -> str:
        found = ids.get(token)
        if found is None:
            found = ids[token] = _json_string(key(token))
        return found

    def literal(term: ox.Literal) -> str:
        text = _json_string(term.value)
        if term.language:
            return f'{{"@value": {text}, "@language": {_json_string(term.language)}}}'
        datatype = term.datatype.value
        if datatype == XSD_STRING:
            return text
        return f'{{"@value": {text}, "@type": {ident(f"<{datatype}>")}}}'

    def written(subject: str, types: list[str], values: dict[str, list[str]]) -> bytes:
        parts = [f'{{"@id": {ident(subject)}']
        if types:
            parts.append(f', "@type": [{", ".join(types)}]')
        for name in sorted(values):
            parts.append(f', {_json_string(name)}: [{", ".join(values[name])}]')
        parts.append("}")
        return "".join(parts).encode()

    rdf_type = f"<{RDF.type}>"
    nodes: list[bytes] = []  # each node's bytes as it is made: its str takes 4 bytes a character (Chinese text)
    subject: str | None = None
    types: list[str] = []
    values: dict[str, list[str]] = {}
    for line, t in zip(lines, triples):
        s, p, o = line.split(" ", 2)  # IRIs and blank-node labels hold no space
        if s != subject:
            if subject is not None:
                nodes.append(written(subject, types, values))
            subject, types, values = s, [], {}
        if o[0] == "<" or o.startswith("_:"):
            if p == rdf_type:
                types.append(ident(o))
                continue
            found = refs.get(o)
            if found is None:
                found = refs[o] = f'{{"@id": {ident(o)}}}'
        else:
            found = literal(t.object)
        values.setdefault(key(p), []).append(found)
    if subject is not None:
        nodes.append(written(subject, types, values))
    head = json.dumps({"@context": context}, ensure_ascii=False, indent=1)[:-2]  # without the closing "\n}"
    return head.encode() + b',\n "@graph": [\n' + b",\n".join(nodes) + b"\n ]\n}\n"


def void_bytes(dataset: Dataset, metadata: DatasetMetadata | None = None) -> bytes:
    """The dataset description alone, as Turtle with full IRIs (build/void.ttl, read by catalogues)."""
    lines, triples = _sorted(describe_dataset(dataset, metadata))
    return VOID_HEADER.encode() + ox.serialize(triples, format=ox.RdfFormat.TURTLE, prefixes=_turtle_prefixes())


# --- files -----------------------------------------------------------------------------------------------------------

def gzipped(data: bytes) -> bytes:
    """gzip with mtime 0 and no file name, so the same bytes always compress to the same bytes.

    Level 6 (gzip's default): on the 36 MB graph.nt of 1.8·10^5 quads level 9 took 1.17 s for a file 3% smaller
    than level 6's in 0.43 s."""
    packer = _gzip_packer()
    return packer.compress(data) + packer.flush()


def _gzip_packer():
    # zlib's gzip wrapper (wbits 31) writes mtime 0 and no file name: gzip.compress(mtime=0)'s bytes.
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
    """
    dataset = load_dataset(source)
    if base is not None:
        dataset = rebase(dataset, base)
    if fmt == "all":
        if out is None:
            raise ExportError("--format all needs --out FOLDER")
        Path(out).mkdir(parents=True, exist_ok=True)
        write_exports(Path(out), dataset)
        return b""
    data = serialize(dataset, fmt)
    if out is not None:
        write_atomic(Path(out), gzipped(data) if str(out).endswith(".gz") else data)
    return data


def write_exports(out_dir: Path, dataset: Dataset, metadata: DatasetMetadata | None = None,
                  ontology: Graph | None = None) -> list[str]:
    """Every format, its gzip, context.jsonld and void.ttl into `out_dir`; return the file names written.

    `ontology`: the ontology as parsed, for graph.ttl's ontology part (the build's; else the dataset's ontology
    graph is written, whose blank nodes come out in another order).
    """
    metadata = metadata or load_metadata()
    written = []
    # zlib lets go of the GIL, so each gzip runs beside the writing of the next format (the five took 1.1 s of
    # the step at 1.8·10^5 quads).
    with ThreadPoolExecutor(max_workers=1) as pool:
        packing = []
        for fmt in FORMATS.values():
            path = out_dir / fmt.filename
            if fmt.key == "ttl" and ontology is not None:
                pieces: Iterable[bytes] = _graph_turtle_pieces(ontology, dataset.data_lines(), dataset.base)
            elif fmt.key == "nt":
                pieces = _nt_chunks(dataset._asserted[0])
            else:
                pieces = [serialize(dataset, fmt.key, metadata)]
            with replacing(path) as tmp, open(tmp, "wb") as out:
                for piece in pieces:
                    out.write(piece)
            # Each gzip reads its file back, so no format's bytes wait in memory for it.
            packing.append(pool.submit(gzip_file, path, out_dir / f"{fmt.filename}.gz"))
            written += [fmt.filename, f"{fmt.filename}.gz"]
        write_atomic(out_dir / CONTEXT_FILE, context_bytes(dataset.base))
        write_atomic(out_dir / VOID_FILE, void_bytes(dataset, metadata))
        for job in packing:
            job.result()  # raises what the gzip raised
    return written + [CONTEXT_FILE, VOID_FILE]
