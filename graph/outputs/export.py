"""Deterministic serialisations of the built graph: Turtle, N-Triples, JSON-LD, RDF/XML, TriG, gzip dumps.

Turtle: the ontology (which has blank nodes for its axioms) goes through rdflib, whose Turtle writer nests
unshared blank nodes and so is byte-stable; the data, which has none, goes through Oxigraph's fast writer in
sorted order. Both halves bind the same prefixes.

The other formats are written from a `Dataset`: the quads with every blank node relabelled canonically (rdflib's
RGDA1 hash, then numbered in hash order), sorted. Oxigraph writes N-Triples (lines sorted), RDF/XML and TriG (full
IRIs) from sorted input, and gzip gets mtime 0, so two builds are byte-identical. JSON-LD is written here, compacted
with the project prefixes (also written as context.jsonld). Turtle, N-Triples, JSON-LD and RDF/XML hold the asserted
graph (ontology + data, as graph.ttl); TriG holds every named graph, the inferred one and the dataset description
(graph/describe.py, also written alone as void.ttl) included. `--base-iri` moves every IRI under the base.
"""
from __future__ import annotations

import gzip
import json
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.compare import to_canonical_graph
from rdflib.term import Node

from graph.outputs.files import write_atomic
from graph.outputs.describe import DatasetMetadata, Dump, check_base, describe, description_graph, load_metadata
from graph.rdf.namespaces import curie, DEFAULT_BASE, PREFIXES, RDF, VOID, XSD, bind_prefixes
from graph.rdf.turtle import TurtleWriter
from graph.ingest.sources import SourceError, read_regular_file
from graph.rdf.store import Store, StoreError, check_rdf_syntax, from_ox, graph_file, to_ox

Triple = tuple[Node, Node, Node]
Quad = tuple[Node, Node, Node, Node | None]  # graph None: the default graph

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


# The ontology is some 40 KB of Turtle; a file a thousand times larger is not it.
ONTOLOGY_MAX_BYTES = 64 * 2**20


def load_ontology(path: Path) -> Graph:
    """The ontology as an rdflib Graph; any problem of the file is a StoreError `file:line: message`."""
    path = Path(path)
    try:
        data = read_regular_file(path, ONTOLOGY_MAX_BYTES)
    except SourceError as error:
        raise StoreError(str(error)) from None
    base = path.resolve().as_uri()
    check_rdf_syntax(data, ox.RdfFormat.TURTLE, str(path), base)
    graph = Graph()
    try:
        graph.parse(data=data, format="turtle", publicID=base)
    except SyntaxError as error:  # rdflib's BadSyntax: Oxigraph accepted what rdflib does not
        line = getattr(error, "lines", 0) + 1
        raise StoreError(f"{path}:{line}: Turtle syntax error: {getattr(error, '_why', error)}") from None
    except (ValueError, UnicodeDecodeError) as error:
        raise StoreError(f"{path}:1: cannot be read as Turtle: {error}") from None
    bind_prefixes(graph)
    return graph


def ontology_turtle(ontology: Graph) -> bytes:
    return ontology.serialize(format="turtle", encoding="utf-8")


def data_turtle(triples: Iterable[tuple[Node, Node, Node]], base: str = DEFAULT_BASE) -> bytes:
    """Sorted, deduplicated triples as Turtle (no blank nodes expected in data)."""
    unique = sorted(set(triples), key=_data_order)
    return TurtleWriter(_turtle_prefixes(), base).write(unique).encode("utf-8")


def _data_order(t: Triple) -> tuple[str, str, str]:
    """Subject, predicate, then the object's N3 form; an IRI's is spelt here because URIRef.n3() checks the IRI
    again, which was a third of the sorting time at 10^6 triples."""
    o = t[2]
    return str(t[0]), str(t[1]), f"<{o}>" if type(o) is URIRef else o.n3()


def write_turtle(path: Path, ontology: Graph, triples: Iterable[tuple[Node, Node, Node]],
                 base: str = DEFAULT_BASE) -> None:
    """The whole graph, ontology included, as one Turtle file."""
    with open(path, "wb") as out:
        out.write(turtle_bytes(ontology, triples, base))


def turtle_bytes(ontology: Graph, triples: Iterable[tuple[Node, Node, Node]], base: str = DEFAULT_BASE) -> bytes:
    return b"".join((HEADER.encode(), b"\n# --- ontology ---\n", ontology_turtle(ontology),
                     b"\n# --- data ---\n", data_turtle(triples, base)))


def write_store_turtle(path: Path, ontology: Graph, store: Store, skip: Iterable[URIRef],
                       base: str = DEFAULT_BASE) -> None:
    """write_turtle of every triple in `store` outside the graphs `skip`: the same bytes, read and written one
    subject at a time, so that a corpus is never held whole as rdflib terms (1.5 GiB and 23 s at 10^6 triples)."""
    writer = TurtleWriter(_turtle_prefixes(), base)
    with open(path, "wb") as out:
        out.write(b"".join((HEADER.encode(), b"\n# --- ontology ---\n", ontology_turtle(ontology),
                            b"\n# --- data ---\n", writer.header.encode())))
        for chunk in _subject_chunks(store, skip):
            # Subjects are whole in each chunk, so the chunks' Turtle (less the prefixes) joins up.
            out.write(writer.write(chunk)[len(writer.header):].encode())


def _subject_chunks(store: Store, skip: Iterable[URIRef], size: int = 5000) -> Iterator[list[Triple]]:
    """The triples outside `skip`, deduplicated, in data_turtle's order, in lists of `size` subjects."""
    raw, skipped = store.raw(), {to_ox(g) for g in skip}
    subjects = {q.subject.value: q.subject for q in raw.quads_for_pattern(None, None, None, None)
                if q.graph_name not in skipped}
    iris: dict[str, URIRef] = {}  # each IRI made once (rdflib checks every URIRef it makes)

    def term(node) -> Node:
        if isinstance(node, ox.NamedNode):
            return iris.get(node.value) or iris.setdefault(node.value, URIRef(node.value))
        return from_ox(node)

    chunk: list[Triple] = []
    for count, name in enumerate(sorted(subjects), start=1):
        subject = term(subjects[name])
        pairs = {(term(q.predicate), term(q.object)) for q in raw.quads_for_pattern(subjects[name], None, None, None)
                 if q.graph_name not in skipped}
        chunk += sorted(((subject, p, o) for p, o in pairs), key=_data_order)
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
    """Every quad of the graph except its description, blank nodes labelled canonically, sorted; and its base."""

    quads: tuple[Quad, ...]
    base: str = DEFAULT_BASE

    def graph_iri(self, name: str) -> URIRef:
        return URIRef(f"{self.base}graph/{name}")

    def asserted(self) -> list[Triple]:
        """What graph.ttl holds: every graph but the inferred one, deduplicated and sorted."""
        skip = {self.graph_iri(name) for name in NOT_ASSERTED}
        return _sorted_triples((s, p, o) for s, p, o, g in self.quads if g not in skip)

    def ontology(self) -> Graph:
        """The ontology graph as rdflib reads it (for the Turtle writer, which nests its blank nodes)."""
        graph = bind_prefixes(Graph())
        graph.bind("hqr", Namespace(self.base), override=True, replace=True)
        for s, p, o, g in self.quads:
            if g == self.graph_iri("ontology"):
                graph.add((s, p, o))
        return graph

    def data(self) -> list[Triple]:
        """The asserted triples outside the ontology graph."""
        skip = {self.graph_iri(name) for name in ("ontology", *NOT_ASSERTED)}
        return _sorted_triples((s, p, o) for s, p, o, g in self.quads if g not in skip)


def _triple_key(t: Triple) -> tuple[str, str, str]:
    return str(t[0]), str(t[1]), t[2].n3()


def _quad_key(q: Quad) -> tuple[str, str, str, str]:
    return ("" if q[3] is None else str(q[3])), str(q[0]), str(q[1]), q[2].n3()


def _sorted_triples(triples: Iterable[Triple]) -> list[Triple]:
    return sorted(set(triples), key=_triple_key)


def canonical(quads: Iterable[Quad]) -> tuple[Quad, ...]:
    """The quads, sorted, with blank nodes relabelled b0, b1… in the order of their canonical (RGDA1) hashes.

    Labels then depend only on the graph's content: Oxigraph's and rdflib's own labels are random per process.
    """
    plain: set[Quad] = set()
    with_blanks: dict[Node | None, Graph] = defaultdict(Graph)
    for s, p, o, g in quads:
        if isinstance(s, BNode) or isinstance(o, BNode):
            with_blanks[g].add((s, p, o))
        else:
            plain.add((s, p, o, g))
    hashed = {g: list(to_canonical_graph(graph)) for g, graph in with_blanks.items()}
    keys = sorted({("" if g is None else str(g), str(term)) for g, triples in hashed.items()
                   for t in triples for term in t if isinstance(term, BNode)})
    label = {key: BNode(f"b{i}") for i, key in enumerate(keys)}
    for g, triples in hashed.items():
        name = "" if g is None else str(g)
        for t in triples:
            s, p, o = (label[(name, str(x))] if isinstance(x, BNode) else x for x in t)
            plain.add((s, p, o, g))
    return tuple(sorted(plain, key=_quad_key))


def dataset_from_store(store: Store, base: str = DEFAULT_BASE) -> Dataset:
    own = description_graph(base)
    return Dataset(canonical(q for q in store.quads() if q[3] != own), base)


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
    found = store.raw().quads_for_pattern(None, to_ox(VOID.uriSpace), None, None)
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

    def move(term: Node | None) -> Node | None:
        if isinstance(term, URIRef) and str(term).startswith(old):
            return URIRef(base + str(term)[len(old):])
        return term

    # Relabelled afresh: the ontology's blank nodes may point at resources (owl:hasValue), whose IRIs moved.
    return Dataset(canonical((move(s), move(p), move(o), move(g)) for s, p, o, g in dataset.quads), base)


# --- serialisations ------------------------------------------------------------------------------------------------

def describe_dataset(dataset: Dataset, metadata: DatasetMetadata | None = None) -> list[Triple]:
    """The VoID/DCAT/PROV description of `dataset` and of the dumps written by write_exports."""
    return describe(dataset.quads, metadata or load_metadata(), dataset.base, dumps())


def dumps() -> list[Dump]:
    """Every dump file of the build: each format, and each gzipped."""
    plain = [Dump(f.key, f.filename, f.media_type, f.format_iri, f.title_en) for f in FORMATS.values()]
    return plain + [Dump(f"{d.key}-gz", f"{d.filename}.gz", d.media_type, d.format_iri, f"{d.title_en} (gzip)",
                         gzipped=True) for d in plain]


def serialize(dataset: Dataset, fmt: str, metadata: DatasetMetadata | None = None) -> bytes:
    """`dataset` in format `fmt` (a FORMATS key), as the build writes it."""
    if fmt not in FORMATS:
        raise ExportError(f"unknown format {fmt!r}; expected one of {', '.join(FORMATS)}")
    if fmt == "ttl":
        return turtle_bytes(dataset.ontology(), dataset.data(), dataset.base)
    if fmt == "nt":
        return nt_bytes(dataset.asserted())
    if fmt == "jsonld":
        return jsonld_bytes(dataset.asserted(), dataset.base)
    if fmt == "rdfxml":
        return rdfxml_bytes(dataset.asserted())
    own = description_graph(dataset.base)
    description = [(s, p, o, own) for s, p, o in describe_dataset(dataset, metadata)]
    return trig_bytes([q for q in dataset.quads if q[3] != own] + description)


def nt_bytes(triples: Iterable[Triple]) -> bytes:
    """N-Triples, one line per triple, lines sorted."""
    text = ox.serialize((ox.Triple(to_ox(s), to_ox(p), to_ox(o)) for s, p, o in _sorted_triples(triples)),
                        format=ox.RdfFormat.N_TRIPLES)
    lines = sorted(set(text.splitlines(keepends=True)))
    return b"".join(lines)


def rdfxml_bytes(triples: Iterable[Triple]) -> bytes:
    """RDF/XML, one rdf:Description per subject in sorted order, with the project's prefixes."""
    return ox.serialize((ox.Triple(to_ox(s), to_ox(p), to_ox(o)) for s, p, o in _sorted_triples(triples)),
                        format=ox.RdfFormat.RDF_XML, prefixes=_turtle_prefixes())


def trig_bytes(quads: Iterable[Quad]) -> bytes:
    """TriG with one block per named graph. IRIs are written in full: the dump is for machines, and Oxigraph
    would otherwise write every http(s) IRI relative to the base (e.g. '<//creativecommons.org/…>')."""
    ordered = sorted(set(quads), key=_quad_key)
    return TRIG_HEADER.encode() + ox.serialize(
        (ox.Quad(to_ox(s), to_ox(p), to_ox(o), ox.DefaultGraph() if g is None else to_ox(g))
         for s, p, o, g in ordered), format=ox.RdfFormat.TRIG, prefixes=_turtle_prefixes())


def jsonld_context(base: str = DEFAULT_BASE) -> dict[str, dict[str, str]]:
    """The compact context: one term per project prefix (hqr: the base IRI)."""
    return {"@context": {prefix: (base if iri == DEFAULT_BASE else iri) for prefix, iri in PREFIXES.items()}}


def context_bytes(base: str = DEFAULT_BASE) -> bytes:
    return (json.dumps(jsonld_context(base), ensure_ascii=False, indent=1) + "\n").encode()


def jsonld_bytes(triples: Iterable[Triple], base: str = DEFAULT_BASE) -> bytes:
    """Compacted JSON-LD: the context inline (the same as context.jsonld), one node per subject, sorted."""
    context = jsonld_context(base)["@context"]
    def compact(iri: URIRef) -> str:
        return curie(iri, local=r"(?!//).+", prefixes=context) or str(iri)

    def node_id(term: Node) -> str:
        return f"_:{term}" if isinstance(term, BNode) else compact(term)

    def value(term: Node):
        if isinstance(term, Literal):
            if term.language:
                return {"@value": str(term), "@language": term.language}
            if term.datatype is None or term.datatype == XSD.string:
                return str(term)
            return {"@value": str(term), "@type": compact(term.datatype)}
        return {"@id": node_id(term)}

    nodes: dict[Node, dict] = {}
    for s, p, o in _sorted_triples(triples):
        node = nodes.setdefault(s, {"@id": node_id(s)})
        if p == RDF.type and not isinstance(o, Literal):
            node.setdefault("@type", []).append(node_id(o))
        else:
            node.setdefault(compact(p), []).append(value(o))
    graph = [{key: node[key] for key in sorted(node, key=lambda k: (not k.startswith("@"), k))}
             for node in nodes.values()]
    document = {"@context": context, "@graph": graph}
    return (json.dumps(document, ensure_ascii=False, indent=1) + "\n").encode()


def void_bytes(dataset: Dataset, metadata: DatasetMetadata | None = None) -> bytes:
    """The dataset description alone, as Turtle with full IRIs (build/void.ttl, read by catalogues)."""
    triples = describe_dataset(dataset, metadata)
    return VOID_HEADER.encode() + ox.serialize((ox.Triple(to_ox(s), to_ox(p), to_ox(o)) for s, p, o in triples),
                                               format=ox.RdfFormat.TURTLE, prefixes=_turtle_prefixes())


# --- files -----------------------------------------------------------------------------------------------------------

def gzipped(data: bytes) -> bytes:
    """gzip with mtime 0 and no file name, so the same bytes always compress to the same bytes."""
    return gzip.compress(data, compresslevel=9, mtime=0)


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
                  turtle: bytes | None = None) -> list[str]:
    """Every format, its gzip, context.jsonld and void.ttl into `out_dir`; return the file names written.

    `turtle`: graph.ttl as already written (the build streams it from the store); only gzipped then.
    """
    metadata = metadata or load_metadata()
    written = []
    for fmt in FORMATS.values():
        path = out_dir / fmt.filename
        if fmt.key == "ttl" and turtle is not None:
            data = turtle
        else:
            data = serialize(dataset, fmt.key, metadata)
            write_atomic(path, data)
            written.append(fmt.filename)
        write_atomic(out_dir / f"{fmt.filename}.gz", gzipped(data))
        written.append(f"{fmt.filename}.gz")
    write_atomic(out_dir / CONTEXT_FILE, context_bytes(dataset.base))
    write_atomic(out_dir / VOID_FILE, void_bytes(dataset, metadata))
    return written + [CONTEXT_FILE, VOID_FILE]
