"""Writers over a file of sorted N-Triples lines (graph.nt as the exports write it): graph.jsonld, and graph.ttl's
data part. The exports run each in a process of its own beside the TriG and RDF/XML writers (graph/outputs/export.py
write_store_exports): pyoxigraph and these writers hold the GIL, so threads would not overlap them.

    python -m graph.outputs.ntwriters jsonld GRAPH_NT OUT BASE
    python -m graph.outputs.ntwriters turtle GRAPH_NT OUT BASE SKIP   (appends to OUT; SKIP: lines left out)
"""
from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from json.encoder import encode_basestring as _json_string  # what json.dumps(str, ensure_ascii=False) writes
from pathlib import Path

import pyoxigraph as ox

from graph.rdf.namespaces import DEFAULT_BASE, PREFIXES, RDF, curie
from graph.rdf.terms import XSD_STRING
from graph.rdf.turtle import TurtleWriter

_PIECE = 50_000  # lines a piece of the Turtle


def jsonld_context(base: str = DEFAULT_BASE) -> dict[str, dict[str, str]]:
    """The compact context: one term per project prefix (hqr: the base IRI)."""
    return {"@context": {prefix: (base if iri == DEFAULT_BASE else iri) for prefix, iri in PREFIXES.items()}}



class JsonLdWriter:
    """Compacted JSON-LD, one node per subject, from sorted N-Triples lines (without ' .') given one at a time with
    their object terms: `head()`, then each node's bytes as `add` and `close` finish them, joined by ',\n', then
    TAIL.

    Oxigraph's JSON-LD writer (0.5) writes expanded JSON-LD only (full IRIs, no context), so this stays here. Each
    node's JSON is put together from the JSON of its parts, made once per IRI (json's own string encoder, so the
    bytes are json.dumps(node, ensure_ascii=False)'s: a test checks), and subjects, predicates and IRI objects are
    read from the lines, Python strings already: building dicts of Oxigraph terms for json.dumps took 6.4 s of the
    exports' 30 s at 10^6 triples.
    """

    TAIL = b"\n ]\n}\n"
    CACHE_SIZE = 200_000  # IRIs kept as compacted (a corpus's would all stay: millions at 10^7 triples)

    def __init__(self, base: str):
        self.context = jsonld_context(base)["@context"]
        # curie() sorts the prefixes given on every call unless they are the project's own (the default base)
        self._prefixes = None if self.context == PREFIXES else self.context
        self._keys: dict[str, str] = {}  # an IRI's or blank node's N-Triples token -> its compacted form
        self._ids: dict[str, str] = {}  # … -> the JSON of its compacted form
        self._refs: dict[str, str] = {}  # … -> the JSON of {"@id": it}
        self._rdf_type = f"<{RDF.type}>"
        self._subject: str | None = None
        self._types: list[str] = []
        self._values: dict[str, list[str]] = {}

    def head(self) -> bytes:
        head = json.dumps({"@context": self.context}, ensure_ascii=False, indent=1)[:-2]  # without the closing "\n}"
        return head.encode() + b',\n "@graph": [\n'

    def _key(self, token: str) -> str:
        found = self._keys.get(token)
        if found is None:
            if len(self._keys) >= self.CACHE_SIZE:
                self._keys.clear(), self._ids.clear(), self._refs.clear()
            value = token[1:-1]
            found = self._keys[token] = token if token.startswith("_:") else (
                curie(value, local=r"(?!//).+", prefixes=self._prefixes) or value)
        return found

    def _ident(self, token: str) -> str:
        found = self._ids.get(token)
        if found is None:
            found = self._ids[token] = _json_string(self._key(token))
        return found

    def _literal(self, term: ox.Literal) -> str:
        text = _json_string(term.value)
        if term.language:
            return f'{{"@value": {text}, "@language": {_json_string(term.language)}}}'
        datatype = term.datatype.value
        if datatype == XSD_STRING:
            return text
        return f'{{"@value": {text}, "@type": {self._ident(f"<{datatype}>")}}}'

    def _written(self) -> bytes:
        parts = [f'{{"@id": {self._ident(self._subject)}']
        if self._types:
            parts.append(f', "@type": [{", ".join(self._types)}]')
        for name in sorted(self._values):
            parts.append(f', {_json_string(name)}: [{", ".join(self._values[name])}]')
        parts.append("}")
        return "".join(parts).encode()  # bytes at once: a node's str takes 4 bytes a character (Chinese text)

    def add(self, line: str, obj: ox.NamedNode | ox.BlankNode | ox.Literal) -> bytes | None:
        """Take one line (and its object); return the previous subject's node when this line starts another."""
        s, p, o = line.split(" ", 2)  # IRIs and blank-node labels hold no space
        done = None
        if s != self._subject:
            if self._subject is not None:
                done = self._written()
            self._subject, self._types, self._values = s, [], {}
        if o[0] == "<" or o.startswith("_:"):
            if p == self._rdf_type:
                self._types.append(self._ident(o))
                return done
            found = self._refs.get(o)
            if found is None:
                found = self._refs[o] = f'{{"@id": {self._ident(o)}}}'
        else:
            found = self._literal(obj)
        self._values.setdefault(self._key(p), []).append(found)
        return done

    def close(self) -> bytes | None:
        """The last node, if any."""
        return self._written() if self._subject is not None else None


def jsonld_from_nt(nt: Path, out: Path, base: str) -> None:
    """`out` := the compacted JSON-LD of the sorted N-Triples file `nt` (one node per subject)."""
    writer = JsonLdWriter(base)
    with open(nt, encoding="utf-8") as lines, open(out, "wb") as target:
        target.write(writer.head())
        separator = b""
        for line, quad in zip(lines, ox.parse(path=nt, format=ox.RdfFormat.N_TRIPLES)):
            node = writer.add(line[:-3], quad.object)
            if node is not None:
                target.write(separator + node)
                separator = b",\n"
        last = writer.close()
        target.write((separator + last if last is not None else b"") + JsonLdWriter.TAIL)


def turtle_from_nt(nt: Path, out: Path, base: str, skip: Path | None = None, size: int = _PIECE) -> None:
    """Append to `out` the Turtle statements of the sorted N-Triples file `nt`, less the lines of the sorted file
    `skip` (graph.ttl's data: its ontology part is rdflib's, written before)."""
    writer = TurtleWriter(turtle_prefixes(), base)
    left_out = set(Path(skip).read_text(encoding="utf-8").splitlines()) if skip else set()
    with open(out, "ab") as target:
        for piece in _subject_pieces(nt, left_out, size):
            target.write(writer.write_lines(piece).encode())


def _subject_pieces(nt: Path, left_out: set[str], size: int) -> Iterator[list[str]]:
    """The file's lines (without ' .'), less `left_out`, in lists of about `size` lines of whole subjects."""
    piece: list[str] = []
    subject = None
    with open(nt, encoding="utf-8") as lines:
        for line in lines:
            line = line[:-3]
            if line in left_out:
                continue
            here = line.split(" ", 1)[0]
            if here != subject:
                if len(piece) >= size:
                    yield piece
                    piece = []
                subject = here
            piece.append(line)
    yield piece


def turtle_prefixes() -> dict[str, str]:
    # Resource IRIs are written relative to @base ('<region/kunshan>'): prefixed names would need '\/' escapes.
    return {prefix: iri for prefix, iri in PREFIXES.items() if iri != DEFAULT_BASE}


def main(argv: list[str]) -> int:
    kind, nt, out, base, *rest = argv
    if kind == "jsonld":
        jsonld_from_nt(Path(nt), Path(out), base)
    elif kind == "turtle":
        turtle_from_nt(Path(nt), Path(out), base, Path(rest[0]) if rest else None)
    else:
        raise SystemExit(f"unknown writer {kind!r}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
