"""Every export written from the store without the dataset in Python: each graph dumped by Oxigraph as N-Triples
and sorted on disk by GNU sort, then the sorted graphs merged line by line into graph.nt, graph.ttl's data,
graph.jsonld, the counts and the description's statistics in one pass; graph.rdf is Oxigraph's writer over graph.nt
as parsed back, graph.trig Oxigraph's writer over each sorted graph in turn.

The bytes are what the in-memory exports wrote (graph/outputs/export.py; a test compares every file): a graph's
distinct lines sorted by code point (GNU sort in the C locale compares UTF-8 bytes, which is code-point order, the
order of Python's str), blank nodes relabelled by RDFC-1.0 over every quad that has one.

Why not in Python: the dataset as Oxigraph quads and their lines took about 8.5 GiB at 10^7 triples (850 MiB at
10^6), most of the build's peak; sort spills to files beside the output within its memory bound (-S), in a
process of its own.
"""
from __future__ import annotations

import heapq
import itertools
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from graph.outputs.describe import Counts, Statistics, Tally, description_graph
from graph.outputs.gnusort import sort_file
from graph.rdf.store import Store

# GNU sort's buffer for each graph's sort: above it, sort writes sorted runs to files and merges them.
SORT_MEMORY = "512M"
_PIECE = 50_000  # lines a piece of graph.nt, graph.ttl and graph.jsonld


@dataclass(frozen=True)
class SortedGraph:
    key: str  # the graph's IRI, '' for the default graph
    term: ox.NamedNode | ox.DefaultGraph
    path: Path  # its distinct triples as N-Triples lines (' .' ended), sorted by code point
    size: int  # lines


def sorted_graphs(store: Store, folder: Path, base: str, processes: int | None = None) -> list[SortedGraph]:
    """Each graph of `store` but the description `<base>graph/dataset`, graphs by IRI, as a sorted file in `folder`."""
    raw, own = store.raw(), ox.NamedNode(str(description_graph(base)))
    graphs = [g for g in [ox.DefaultGraph(), *raw.named_graphs()] if g != own]
    graphs.sort(key=lambda g: g.value if isinstance(g, ox.NamedNode) else "")
    blanks = _canonical_blank_lines(raw, own)
    out = []
    for index, g in enumerate(graphs):
        dumped, ordered = folder / f"{index}.dump.nt", folder / f"{index}.nt"
        raw.dump(dumped, ox.RdfFormat.N_TRIPLES, from_graph=g)
        if g in blanks:
            _replace_blank_lines(dumped, blanks[g])
        sort_file(dumped, ordered, folder, SORT_MEMORY, processes)
        dumped.unlink()
        size = _line_count(ordered)
        if size:
            out.append(SortedGraph(g.value if isinstance(g, ox.NamedNode) else "", g, ordered, size))
        else:
            ordered.unlink()
    return out


def _canonical_blank_lines(raw: ox.Store, own: ox.NamedNode) -> dict[object, list[str]]:
    """{graph: the N-Triples lines of its quads with a blank node, labelled by RDFC-1.0 over all such quads}."""
    found = raw.query("SELECT ?s ?p ?o ?g WHERE { { ?s ?p ?o } UNION { GRAPH ?g { ?s ?p ?o } } "
                      "FILTER(isBlank(?s) || isBlank(?o)) }")
    quads = [ox.Quad(r["s"], r["p"], r["o"], r["g"] if r["g"] is not None else ox.DefaultGraph()) for r in found]
    quads = [q for q in quads if q.graph_name != own]
    if not quads:
        return {}
    labelled = ox.Dataset(quads)
    labelled.canonicalize(ox.CanonicalizationAlgorithm.RDFC_1_0)
    lines: dict[object, list[str]] = {}
    for q in labelled:
        lines.setdefault(q.graph_name, []).append(f"{q.triple} .\n")
    return lines


def _has_blank(line: str) -> bool:
    s, _, o = line.split(" ", 2)
    return s.startswith("_:") or o.startswith("_:")


def _replace_blank_lines(path: Path, canonical: list[str]) -> None:
    """The dump at `path` with its lines that hold a blank node (as the store labels it) replaced by `canonical`."""
    kept = path.with_suffix(".kept")
    with open(path, encoding="utf-8") as lines, open(kept, "w", encoding="utf-8") as out:
        out.writelines(line for line in lines if not _has_blank(line))
        out.writelines(canonical)
    kept.replace(path)


def _line_count(path: Path) -> int:
    with open(path, "rb") as data:
        return sum(chunk.count(b"\n") for chunk in iter(lambda: data.read(1 << 20), b""))


def merged(graphs: Sequence[SortedGraph]) -> Iterator[tuple[str, int]]:
    """Every distinct line of the graphs (' .\\n' ended), in order, with the bit mask of the graphs (by index)
    that hold it."""
    files = [open(g.path, encoding="utf-8") for g in graphs]
    try:
        current, mask = None, 0
        for line, bit in heapq.merge(*(zip(f, itertools.repeat(1 << i)) for i, f in enumerate(files))):
            if line == current:
                mask |= bit
                continue
            if current is not None:
                yield current, mask
            current, mask = line, bit
        if current is not None:
            yield current, mask
    finally:
        for f in files:
            f.close()


def graph_quads(graphs: Iterable[SortedGraph]) -> Iterator[ox.Quad]:
    """The quads of each sorted graph in turn, in its lines' order (blank-node labels as written)."""
    for g in graphs:
        for t in ox.parse(path=g.path, format=ox.RdfFormat.N_TRIPLES):
            yield ox.Quad(t.subject, t.predicate, t.object, g.term)


def pieces(lines: Iterable[tuple[str, int]], size: int = _PIECE) -> Iterator[list[tuple[str, int]]]:
    """merged()'s lines in lists of `size`."""
    it = iter(lines)
    while piece := list(itertools.islice(it, size)):
        yield piece


class MergedPass:
    """What the one pass over merged() counts: the statistics (every graph's distinct triples) and the counts of
    graph/outputs/describe.Counts (asserted: graph.ttl's graphs; inferred: the inferred graph's triples no other
    asserted graph holds)."""

    def __init__(self, graphs: Sequence[SortedGraph], base: str, inferred: str, asserted_mask: int):
        self.graphs, self.base = graphs, base
        self.inferred_bit = next((1 << i for i, g in enumerate(graphs) if g.key == inferred), 0)
        self.asserted_mask = asserted_mask
        self.tally = Tally(base, graphs[0].path.parent if graphs else None)
        self.asserted = self.inferred_only = self.union = 0

    def count(self, piece: Sequence[tuple[str, int]]) -> None:
        add, asserted_mask, inferred_bit = self.tally.add, self.asserted_mask, self.inferred_bit
        for line, mask in piece:
            add(line[:-3])
            if mask & asserted_mask:
                self.asserted += 1
                self.union += 1
            elif mask & inferred_bit:
                self.inferred_only += 1
                self.union += 1

    def statistics(self) -> Statistics:
        """The description's statistics (once the pass is over)."""
        return self.tally.finish({g.key: g.size for g in self.graphs})

    def counts(self, description: int) -> Counts:
        """The counts, given the size of the description written beside the graphs."""
        own = str(description_graph(self.base))
        per_graph = {**{g.key: g.size for g in self.graphs if g.size}, own: description}
        return Counts(self.union, self.asserted, self.inferred_only, description, sum(per_graph.values()),
                      tuple(sorted(per_graph.items())))


def temporary_folder(beside: Path) -> tempfile.TemporaryDirectory:
    """A folder for the sorted graphs on the output's own disk (not /tmp, which may be memory), removed after."""
    return tempfile.TemporaryDirectory(prefix=".exports-", dir=beside)
