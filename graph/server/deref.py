"""One resource of the graph, for machines and for people: its description and its HTML page.

The description of a resource R is what a client needs to use R without another request: R's own triples (and
the blank nodes they lead to), and the evidence for the links that point at R or lie within R, i.e. each
annotation whose body is R or whose target lies within R, with its target and both selectors (the quote and its
position). The HTML page shows the same, with labels, the quoted words in context and links onward; every string
is escaped, and only http(s) IRIs become links.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from html import escape
from urllib.parse import quote

import pyoxigraph as ox
from rdflib import BNode, Literal, URIRef
from rdflib.term import Node

from graph.rdf.namespaces import curie, HQ, OA, RDF, RDFS, SKOS
from graph.rdf.store import Store, from_ox, to_ox

Triple = tuple[Node, Node, Node]
MAX_INCOMING = 300  # links listed under "Referenced by" (the description itself is never cut)


def _triples_about(store: Store, subject: Node) -> set[Triple]:
    raw = store.raw().quads_for_pattern(to_ox(subject), None, None, None)
    return {(from_ox(q.subject), from_ox(q.predicate), from_ox(q.object)) for q in raw}


def _subjects(store: Store, predicate: URIRef, obj: Node) -> set[Node]:
    raw = store.raw().quads_for_pattern(None, to_ox(predicate), to_ox(obj), None)
    return {from_ox(q.subject) for q in raw}


def description(store: Store, iri: URIRef) -> list[Triple]:
    """The resource's triples and the evidence about it, sorted; empty if the graph says nothing about it."""
    out: set[Triple] = set()
    seen: set[Node] = set()

    def close(node: Node) -> None:
        stack = [node]
        while stack:
            current = stack.pop()
            if current in seen:
                continue
            seen.add(current)
            for triple in _triples_about(store, current):
                out.add(triple)
                if isinstance(triple[2], BNode):
                    stack.append(triple[2])

    close(iri)
    if not out:
        return []
    annotations = _subjects(store, OA.hasBody, iri)
    for target in _subjects(store, HQ.withinProvision, iri):
        annotations |= _subjects(store, OA.hasTarget, target)
    if (iri, RDF.type, OA.Annotation) in out:
        annotations.add(iri)
    for annotation in sorted(annotations, key=str):
        close(annotation)
        for _, _, target in [t for t in out if t[0] == annotation and t[1] == OA.hasTarget]:
            close(target)
            for _, _, selector in [t for t in out if t[0] == target and t[1] == OA.hasSelector]:
                close(selector)
    return sorted(out, key=lambda t: (str(t[0]), str(t[1]), t[2].n3()))


# --- the HTML page ---------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class PageContext:
    """How IRIs map to this server's paths, and the alternate formats to offer."""

    base: str  # e.g. 'https://w3id.org/hongqiao-kg/id/'
    local_prefix: str  # the path the base maps to here, e.g. '/id/'
    alternates: tuple[tuple[str, str, str], ...] = (
        ("Turtle", "text/turtle", "ttl"), ("JSON-LD", "application/ld+json", "jsonld"),
        ("N-Triples", "application/n-triples", "nt"), ("RDF/XML", "application/rdf+xml", "rdfxml"))

    def href(self, iri: str) -> str | None:
        """A link for `iri`: a local path for the graph's own IRIs, the IRI for other http(s) ones, else None."""
        if iri.startswith(self.base):
            return self.local_prefix + quote(iri[len(self.base):], safe="/:@!$&'()*+,;=-._~%")
        if iri.lower().startswith(("http://", "https://")):
            return iri
        return None


STYLE = """
body{font-family:system-ui,"Noto Sans CJK SC","PingFang SC",sans-serif;max-width:60rem;margin:1rem auto;padding:0 1rem;
line-height:1.5;color:#222}header,footer{font-size:.9rem;color:#555}h1{margin-bottom:.2rem}code{font-size:.85rem}
table{border-collapse:collapse;width:100%}td,th{border-top:1px solid #ddd;padding:.3rem .5rem;vertical-align:top;
text-align:left}th{width:14rem;font-weight:normal;color:#555}blockquote{background:#f6f6f2;margin:0;padding:.6rem 1rem}
mark{background:#ffe58a}.muted{color:#777}ul{padding-left:1.2rem}
"""


def _compact(iri: str) -> str:
    return curie(iri) or iri


def _label_lookup(store: Store) -> Callable[[Node], str]:
    cache: dict[Node, str] = {}

    def label(term: Node) -> str:
        if term not in cache:
            labels = {}
            for prop in (SKOS.prefLabel, RDFS.label):
                for _, _, value in _triples_about_predicate(store, term, prop):
                    if isinstance(value, Literal):
                        labels.setdefault(value.language or "", str(value))
            parts = [labels[lang] for lang in ("zh", "en", "") if lang in labels]
            cache[term] = " / ".join(dict.fromkeys(parts)) if parts else _compact(str(term))
        return cache[term]
    return label


def _triples_about_predicate(store: Store, subject: Node, predicate: URIRef) -> Iterable[Triple]:
    if not isinstance(subject, URIRef):
        return []
    raw = store.raw().quads_for_pattern(to_ox(subject), to_ox(predicate), None, None)
    return sorted({(from_ox(q.subject), from_ox(q.predicate), from_ox(q.object)) for q in raw},
                  key=lambda t: t[2].n3())


def _incoming(store: Store, iri: URIRef, skip: set[URIRef]) -> list[tuple[Node, Node]]:
    raw = store.raw().quads_for_pattern(None, None, to_ox(iri), None)
    found = sorted({(from_ox(q.subject), from_ox(q.predicate)) for q in raw if from_ox(q.predicate) not in skip},
                   key=lambda pair: (str(pair[1]), str(pair[0])))
    return found


def resource_page(store: Store, iri: URIRef, triples: list[Triple], ctx: PageContext) -> str:
    """The HTML page of `iri` (whose description is `triples`)."""
    label = _label_lookup(store)
    own = [t for t in triples if t[0] == iri]

    def link(term: Node, text: str | None = None) -> str:
        shown = escape(text if text is not None else label(term))
        href = ctx.href(str(term)) if isinstance(term, URIRef) else None
        if href is None:
            return f"<span>{shown}</span>"
        external = "" if href.startswith("/") else ' rel="external noopener noreferrer"'
        return f'<a href="{escape(href)}"{external}>{shown}</a>'

    def value(term: Node) -> str:
        if isinstance(term, Literal):
            lang = f' lang="{escape(term.language)}"' if term.language else ""
            datatype = "" if term.language or term.datatype is None else \
                f' <span class="muted">({escape(_compact(str(term.datatype)))})</span>'
            return f"<span{lang}>{escape(str(term))}</span>{datatype}"
        if isinstance(term, BNode):
            return f'<span class="muted">{escape(_blank_summary(triples, term))}</span>'
        return link(term)

    titles = {t[2].language: str(t[2]) for t in own if t[1] in (RDFS.label, SKOS.prefLabel)
              and isinstance(t[2], Literal)}
    title = " / ".join(dict.fromkeys(titles[k] for k in ("zh", "en", None, "") if k in titles)) or _compact(str(iri))
    types = [t[2] for t in own if t[1] == RDF.type]
    texts = [t[2] for t in own if t[1] == HQ.text]

    parts = ['<!DOCTYPE html>', '<html lang="zh"><head><meta charset="utf-8">',
             '<meta name="viewport" content="width=device-width, initial-scale=1">',
             f"<title>{escape(title)} · hongqiao-kg</title>", f"<style>{STYLE}</style>"]
    for name, media, fmt in ctx.alternates:
        parts.append(f'<link rel="alternate" type="{escape(media)}" href="?format={escape(fmt)}" '
                     f'title="{escape(name)}">')
    parts.append("</head><body>")
    parts.append('<header><a href="/">hongqiao-kg</a> · <a href="/sparql">SPARQL</a></header>')
    parts.append(f"<h1>{escape(title)}</h1>")
    parts.append(f'<p><code>{escape(str(iri))}</code></p>')
    if types:
        parts.append("<p>" + ", ".join(link(t, _compact(str(t))) for t in sorted(types, key=str)) + "</p>")
    for text in texts:
        parts.append(f'<blockquote lang="zh">{escape(str(text))}</blockquote>')

    parts.append("<h2>Properties</h2><table>")
    by_predicate: dict[Node, list[Node]] = {}
    for _, p, o in own:
        if p != HQ.text:
            by_predicate.setdefault(p, []).append(o)
    for p in sorted(by_predicate, key=lambda x: _compact(str(x))):
        values = "<br>".join(value(o) for o in by_predicate[p])
        parts.append(f"<tr><th>{link(p, _compact(str(p)))}</th><td>{values}</td></tr>")
    parts.append("</table>")

    quotes = _quotes(triples, iri)
    if quotes:
        parts.append(f"<h2>Source quotes ({len(quotes)})</h2><ul>")
        for q in quotes:
            where = f" — {link(q.provision)}" if q.provision is not None and q.provision != iri else ""
            what = f" → {link(q.body)}" if q.body is not None and q.body != iri else ""
            offsets = f' <span class="muted">[{escape(q.start)}–{escape(q.end)}]</span>' if q.start else ""
            parts.append(f'<li><span lang="zh">…{escape(q.prefix)}<mark>{escape(q.exact)}</mark>'
                         f'{escape(q.suffix)}…</span>{where}{what}{offsets}</li>')
        parts.append("</ul>")

    incoming = _incoming(store, iri, {OA.hasBody, HQ.withinProvision, OA.hasTarget, OA.hasSelector})
    if incoming:
        parts.append(f"<h2>Referenced by ({len(incoming)})</h2><ul>")
        for subject, predicate in incoming[:MAX_INCOMING]:
            parts.append(f"<li>{value(subject)} <span class=\"muted\">{escape(_compact(str(predicate)))}</span></li>")
        if len(incoming) > MAX_INCOMING:
            more = len(incoming) - MAX_INCOMING
            parts.append(f'<li class="muted">… and {more} more (ask the SPARQL endpoint)</li>')
        parts.append("</ul>")

    alternates = " · ".join(f'<a href="?format={escape(fmt)}">{escape(name)}</a>' for name, _, fmt in ctx.alternates)
    parts.append(f"<footer><p>This description as {alternates}.</p></footer></body></html>\n")
    return "\n".join(parts)


@dataclass(frozen=True)
class _Quote:
    exact: str
    prefix: str
    suffix: str
    start: str
    end: str
    provision: Node | None
    body: Node | None


def _quotes(triples: list[Triple], iri: URIRef) -> list[_Quote]:
    """The annotations in `triples` about `iri` (as body, as the provision the quote lies in, or itself)."""
    index: dict[tuple[Node, Node], list[Node]] = {}
    for s, p, o in triples:
        index.setdefault((s, p), []).append(o)

    def one(s: Node, p: URIRef) -> Node | None:
        values = index.get((s, p), [])
        return min(values, key=str) if values else None

    quotes = []
    for annotation in sorted({s for s, p, o in triples if p == RDF.type and o == OA.Annotation}, key=str):
        body, target = one(annotation, OA.hasBody), one(annotation, OA.hasTarget)
        if target is None:
            continue
        provision = one(target, HQ.withinProvision)
        if iri not in (body, provision, annotation):
            continue
        selectors = index.get((target, OA.hasSelector), [])
        text = {p: one(sel, p) for sel in selectors for p in (OA.exact, OA.prefix, OA.suffix, OA.start, OA.end)
                if one(sel, p) is not None}
        quotes.append(_Quote(*(str(text.get(p, "")) for p in (OA.exact, OA.prefix, OA.suffix, OA.start, OA.end)),
                             provision, body))
    return sorted(quotes, key=lambda q: (int(q.start) if q.start.isdigit() else 0, q.exact))


def _blank_summary(triples: list[Triple], node: BNode) -> str:
    """A blank node shown inline (e.g. an OWL restriction): its predicate–object pairs, compacted."""
    pairs = [f"{_compact(str(p))} {_compact(str(o)) if not isinstance(o, Literal) else str(o)}"
             for s, p, o in triples if s == node]
    return "[ " + "; ".join(sorted(pairs)) + " ]"


def exists(store: Store, iri: str) -> URIRef | None:
    """The IRI as a term if the graph has triples about it, else None (also for strings that are no IRI)."""
    try:
        node = ox.NamedNode(iri)
    except ValueError:
        return None
    for _ in store.raw().quads_for_pattern(node, None, None, None):
        return URIRef(iri)
    return None
