"""A small, deterministic Turtle writer for the sorted N-Triples lines of triples without blank nodes (the data part
of graph.ttl; graph/outputs/export.py keeps every triple's line).

Oxigraph's writer makes every http(s) IRI relative to @base ('<//www.shine.cn/…>'); here only the project's
own resources are relative ('<region/kunshan>'), vocabulary terms are prefixed names, the rest full IRIs.
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Mapping


XSD_INTEGER = "http://www.w3.org/2001/XMLSchema#integer"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
LOCAL_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*\Z")
RELATIVE_PATH = re.compile(r"[A-Za-z0-9][A-Za-z0-9._~/%-]*\Z")  # a path with no scheme, query or fragment
INTEGER = re.compile(r"[+-]?[0-9]+\Z")
IRI_ESCAPES = {c: f"\\u{ord(c):04X}" for c in '<>"{}|^`\\ '}


CACHE_SIZE = 200_000  # IRIs as written, kept for reuse


class TurtleWriter:
    def __init__(self, prefixes: Mapping[str, str], base: str):
        self.base = base
        # Longest namespace first, so 'hq:' never shadows a longer namespace that starts the same way.
        self.prefixes = sorted(((ns, p) for p, ns in prefixes.items() if ns != base), key=lambda x: -len(x[0]))
        self.header = "".join(f"@prefix {p}: <{ns}> .\n" for p, ns in prefixes.items() if ns != base)
        self.header = f"@base <{base}> .\n" + self.header
        self._cache: dict[str, str] = {}

    def iri(self, iri: str) -> str:
        written = self._cache.get(iri)
        if written is None:
            if len(self._cache) >= CACHE_SIZE:
                self._cache.clear()  # a corpus's IRIs would all stay (millions at 10^7 triples)
            written = self._cache[iri] = self._iri(iri)
        return written

    def _iri(self, iri: str) -> str:
        if iri.startswith(self.base) and RELATIVE_PATH.match(iri, len(self.base)):
            return f"<{iri[len(self.base):]}>"
        for ns, prefix in self.prefixes:
            if iri.startswith(ns) and LOCAL_NAME.match(iri, len(ns)):
                return f"{prefix}:{iri[len(ns):]}"
        return "<" + "".join(IRI_ESCAPES.get(c, c) for c in iri) + ">"

    def write_lines(self, lines: Iterable[str]) -> str:
        """Sorted N-Triples lines (without their final ' .') as Turtle statements, grouped by subject and predicate:
        IRIs as `iri` writes them, literals as N-Triples writes them (valid Turtle), integers bare and datatypes
        prefixed. No header: chunks of whole subjects join up.

        Read from the lines the export already has, not from terms: writing from Oxigraph terms took 2.5 s of 3.7 s
        for the graph.ttl of 1.8·10^5 quads, most of it getting each term's parts out of Oxigraph again.
        """
        names: dict[str, str] = {}
        predicates: dict[str, str] = {f"<{RDF_TYPE}>": "a"}
        iri = self.iri

        def name(term: str) -> str:
            written = names.get(term)
            if written is None:
                if not term.startswith("<"):
                    raise TypeError(f"the data part of graph.ttl cannot hold {term} (blank nodes are not allowed there)")
                written = names[term] = iri(term[1:-1])
            return written

        def predicate_name(term: str) -> str:
            written = predicates.get(term)
            if written is None:
                written = predicates[term] = iri(term[1:-1])
            return written

        def value(term: str) -> str:
            if term.startswith("<"):
                return iri(term[1:-1])
            if not term.startswith('"'):
                raise TypeError(f"the data part of graph.ttl cannot hold {term} (blank nodes are not allowed there)")
            if term.endswith('"') or not term.endswith(">"):  # a plain or language-tagged string
                return term
            cut = term.rfind('"^^<')
            lexical, datatype = term[:cut + 1], term[cut + 4:-1]
            if datatype == XSD_INTEGER and INTEGER.fullmatch(lexical, 1, len(lexical) - 1):
                return lexical[1:-1]
            return f"{lexical}^^{iri(datatype)}"

        out: list[str] = []
        subject = predicate = None
        for line in lines:
            s, p, o = line.split(" ", 2)
            o = value(o)
            if s != subject:
                if subject is not None:
                    out.append(" .\n")
                out.append(f"{name(s)} {predicate_name(p)} {o}")
                subject, predicate = s, p
            elif p != predicate:
                out.append(f" ;\n\t{predicate_name(p)} {o}")
                predicate = p
            else:
                out.append(f" , {o}")
        if subject is not None:
            out.append(" .\n")
        return "".join(out)
