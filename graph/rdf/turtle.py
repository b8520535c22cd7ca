"""A small, deterministic Turtle writer for sorted triples of Oxigraph terms without blank nodes (the data part of
graph.ttl).

Oxigraph's writer makes every http(s) IRI relative to @base ('<//www.shine.cn/…>'); here only the project's
own resources are relative ('<region/kunshan>'), vocabulary terms are prefixed names, the rest full IRIs.
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

import pyoxigraph as ox

XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
XSD_INTEGER = "http://www.w3.org/2001/XMLSchema#integer"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
LOCAL_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*\Z")
RELATIVE_PATH = re.compile(r"[A-Za-z0-9][A-Za-z0-9._~/%-]*\Z")  # a path with no scheme, query or fragment
INTEGER = re.compile(r"[+-]?[0-9]+\Z")
ESCAPES = str.maketrans({"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r"})
IRI_ESCAPES = {c: f"\\u{ord(c):04X}" for c in '<>"{}|^`\\ '}


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
            written = self._cache[iri] = self._iri(iri)
        return written

    def _iri(self, iri: str) -> str:
        if iri.startswith(self.base) and RELATIVE_PATH.match(iri, len(self.base)):
            return f"<{iri[len(self.base):]}>"
        for ns, prefix in self.prefixes:
            if iri.startswith(ns) and LOCAL_NAME.match(iri, len(ns)):
                return f"{prefix}:{iri[len(ns):]}"
        return "<" + "".join(IRI_ESCAPES.get(c, c) for c in iri) + ">"

    def term(self, term: ox.NamedNode | ox.Literal) -> str:
        if isinstance(term, ox.NamedNode):
            return self.iri(term.value)
        if isinstance(term, ox.Literal):
            lexical = term.value
            text = f'"{lexical.translate(ESCAPES)}"'
            if term.language:
                return f"{text}@{term.language}"
            datatype = term.datatype.value
            if datatype == XSD_STRING:
                return text
            if datatype == XSD_INTEGER and INTEGER.match(lexical):
                return lexical
            return f"{text}^^{self.iri(datatype)}"
        raise TypeError(f"the data part of graph.ttl cannot hold {term!r} (blank nodes are not allowed there)")

    def write(self, triples: Iterable[tuple[ox.NamedNode, ox.NamedNode, ox.NamedNode | ox.Literal]]) -> str:
        """Triples grouped by subject and predicate, in the order given (sort them first)."""
        out = [self.header]
        subject = predicate = None
        for s, p, o in triples:
            if s != subject:
                if subject is not None:
                    out.append(" .\n")
                out.append(f"{self.term(s)} {self._predicate(p)} {self.term(o)}")
                subject, predicate = s, p
            elif p != predicate:
                out.append(f" ;\n\t{self._predicate(p)} {self.term(o)}")
                predicate = p
            else:
                out.append(f" , {self.term(o)}")
        if subject is not None:
            out.append(" .\n")
        return "".join(out)

    def _predicate(self, p: ox.NamedNode) -> str:
        return "a" if p.value == RDF_TYPE else self.iri(p.value)
