"""ontology.html: a documentation page for ontology/hongqiao.ttl, generated (never edited), offline, escaped.

Not pyLODE: pyLODE renders definitions through Markdown, which passes raw HTML through unescaped, shows one label
language where this ontology has two (zh and en on every term), and pulls httpx and ~0.8 MB of background
ontologies into every run. This page is one self-contained file (inline CSS, no script): the header, then every
class, object property, datatype property and individual of the hq: namespace with its zh and en labels and
definitions, its place in the hierarchy, domains, ranges, characteristics, property chains and class definitions
(in Manchester-like syntax), and the terms reused from other vocabularies. Every text goes through html.escape.
"""
from __future__ import annotations

import html
from collections.abc import Iterable

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.term import Node

from graph.rdf.namespaces import curie, DCTERMS, HQ, ONTOLOGY_IRI, OWL, RDF, RDFS, SKOS


OUTPUT_FILE = "ontology.html"
KINDS = (  # (section id, zh, en, OWL type)
    ("classes", "类", "Classes", OWL.Class),
    ("object-properties", "对象属性", "Object properties", OWL.ObjectProperty),
    ("datatype-properties", "数据属性", "Datatype properties", OWL.DatatypeProperty),
    ("individuals", "个体", "Individuals", OWL.NamedIndividual),
)
CHARACTERISTICS = {OWL.TransitiveProperty: "transitive 传递", OWL.FunctionalProperty: "functional 函数",
                   OWL.AsymmetricProperty: "asymmetric 非对称", OWL.SymmetricProperty: "symmetric 对称",
                   OWL.IrreflexiveProperty: "irreflexive 反自反", OWL.InverseFunctionalProperty: "inverse functional"}
CSS = """
body{font:15px/1.5 system-ui,"Noto Sans CJK SC","PingFang SC",sans-serif;margin:0 auto;max-width:980px;padding:1em 2em;
color:#1d2733}
h1{font-size:1.6em;margin-bottom:.2em}h2{border-bottom:2px solid #c9d3de;margin-top:2em}
section.term{border:1px solid #dde4eb;border-radius:6px;margin:1em 0;padding:.6em 1em}
section.term h3{margin:.1em 0 .3em}code{font-size:.92em;background:#f2f5f8;padding:0 .25em;border-radius:3px}
dl{display:grid;grid-template-columns:max-content 1fr;gap:.2em 1em;margin:.4em 0}dt{color:#5a6b7d}dd{margin:0}
.en{color:#3c4b5c}nav ul{columns:3;padding-left:1.2em}a{color:#0b5cad;text-decoration:none}
a:hover{text-decoration:underline}
"""


def _esc(text: object) -> str:
    return html.escape(str(text), quote=True)


def _local(iri: URIRef) -> str:
    return str(iri)[len(str(HQ)):]


def _is_hq(node: Node) -> bool:
    return isinstance(node, URIRef) and str(node).startswith(str(HQ))


def _curie(iri: URIRef) -> str:
    return curie(iri) or f"<{iri}>"


def _link(node: Node) -> str:
    if _is_hq(node):
        return f'<a href="#{_esc(_local(node))}"><code>{_esc(_curie(node))}</code></a>'
    if isinstance(node, URIRef):
        return f"<code>{_esc(_curie(node))}</code>"
    return f"<code>{_esc(node)}</code>"


def _by_language(onto: Graph, subject: Node, predicate: URIRef) -> dict[str, str]:
    values: dict[str, str] = {}
    for value in sorted(onto.objects(subject, predicate), key=str):
        if isinstance(value, Literal):
            values.setdefault(value.language or "", str(value))
    return values


def expression(onto: Graph, node: Node) -> str:
    """A class or property expression in Manchester-like syntax, as HTML."""
    if isinstance(node, URIRef):
        return _link(node)
    if (head := onto.value(node, OWL.intersectionOf)) is not None:
        return " <b>and</b> ".join(_group(onto, part) for part in Collection(onto, head))
    if (head := onto.value(node, OWL.unionOf)) is not None:
        return " <b>or</b> ".join(_group(onto, part) for part in Collection(onto, head))
    if (head := onto.value(node, OWL.oneOf)) is not None:
        return "{" + ", ".join(expression(onto, part) for part in Collection(onto, head)) + "}"
    if (inverse := onto.value(node, OWL.inverseOf)) is not None:
        return f"<b>inverse</b> {expression(onto, inverse)}"
    prop = onto.value(node, OWL.onProperty)
    if prop is not None:
        for predicate, word in ((OWL.someValuesFrom, "some"), (OWL.allValuesFrom, "only"), (OWL.hasValue, "value")):
            filler = onto.value(node, predicate)
            if filler is not None:
                return f"{expression(onto, prop)} <b>{word}</b> {_group(onto, filler)}"
    return f"<code>{_esc(node)}</code>"


def _group(onto: Graph, node: Node) -> str:
    text = expression(onto, node)
    compound = isinstance(node, BNode) and (onto.value(node, OWL.intersectionOf) is not None
                                            or onto.value(node, OWL.unionOf) is not None)
    return f"({text})" if compound else text


def _row(label_zh: str, label_en: str, values: Iterable[str]) -> str:
    items = [v for v in values if v]
    if not items:
        return ""
    return f'<dt>{_esc(label_zh)} <span class="en">{_esc(label_en)}</span></dt><dd>{", ".join(items)}</dd>'


def _term(onto: Graph, term: URIRef, kind: URIRef) -> str:
    labels = _by_language(onto, term, RDFS.label)
    definitions = _by_language(onto, term, SKOS.definition)
    rows = [
        _row("IRI", "", [f"<code>{_esc(term)}</code>"]),
        _row("定义", "definition", ["<br>".join(f'<span lang="{lang}">{_esc(definitions[lang])}</span>'
                                              for lang in ("zh", "en") if lang in definitions)]),
    ]
    if kind == OWL.Class:
        supers = sorted(onto.objects(term, RDFS.subClassOf), key=lambda c: (isinstance(c, BNode), expression(onto, c)))
        rows += [
            _row("上位类", "sub-class of", [expression(onto, c) for c in supers]),
            _row("下位类", "super-class of", [_link(c) for c in sorted(onto.subjects(RDFS.subClassOf, term))
                                             if isinstance(c, URIRef)]),
            _row("等价于", "equivalent to", sorted(expression(onto, e) for e in onto.objects(term, OWL.equivalentClass))),
            _row("不相交", "disjoint with", [_link(c) for c in sorted(_disjoint_with(onto, term))]),
            _row("个体", "members", [_link(i) for i in sorted(onto.subjects(RDF.type, term)) if _is_hq(i)]),
        ]
    elif kind in (OWL.ObjectProperty, OWL.DatatypeProperty):
        rows += [
            _row("特性", "characteristics", [_esc(CHARACTERISTICS[t]) for t in sorted(onto.objects(term, RDF.type))
                                              if t in CHARACTERISTICS]),
            _row("上位属性", "sub-property of", [_link(p) for p in sorted(onto.objects(term, RDFS.subPropertyOf))]),
            _row("下位属性", "super-property of", [_link(p) for p in sorted(onto.subjects(RDFS.subPropertyOf, term))]),
            _row("定义域", "domain", sorted(expression(onto, d) for d in onto.objects(term, RDFS.domain))),
            _row("值域", "range", sorted(expression(onto, r) for r in onto.objects(term, RDFS.range))),
            _row("属性链", "property chains", sorted(" ∘ ".join(expression(onto, p) for p in Collection(onto, head))
                                                     for head in onto.objects(term, OWL.propertyChainAxiom))),
        ]
    else:
        rows.append(_row("类型", "type", [_link(t) for t in sorted(onto.objects(term, RDF.type))
                                        if t != OWL.NamedIndividual]))
    title = f'{_esc(labels.get("zh", ""))} <span class="en">{_esc(labels.get("en", ""))}</span>'
    return (f'<section class="term" id="{_esc(_local(term))}"><h3><code>{_esc(_curie(term))}</code> {title}</h3>'
            f'<dl>{"".join(rows)}</dl></section>')


def _disjoint_with(onto: Graph, term: URIRef) -> set[URIRef]:
    found = set(onto.objects(term, OWL.disjointWith)) | set(onto.subjects(OWL.disjointWith, term))
    for group in onto.subjects(RDF.type, OWL.AllDisjointClasses):
        members = list(Collection(onto, onto.value(group, OWL.members)))
        if term in members:
            found.update(m for m in members if m != term)
    return {c for c in found if isinstance(c, URIRef)}


def terms_of(onto: Graph, kind: URIRef) -> list[URIRef]:
    return sorted(t for t in onto.subjects(RDF.type, kind) if _is_hq(t))


def render(onto: Graph) -> str:
    """The whole page (deterministic: everything sorted)."""
    titles = _by_language(onto, ONTOLOGY_IRI, DCTERMS.title)
    descriptions = _by_language(onto, ONTOLOGY_IRI, DCTERMS.description)
    header = [
        _row("IRI", "", [f"<code>{_esc(ONTOLOGY_IRI)}</code>"]),
        _row("版本", "version", [f"<code>{_esc(v)}</code>" for v in onto.objects(ONTOLOGY_IRI, OWL.versionIRI)]),
        _row("命名空间", "namespace", [f"<code>hq: {_esc(HQ)}</code>"]),
        _row("许可", "licence", [f'<a href="{_esc(v)}">{_esc(v)}</a>' for v in onto.objects(ONTOLOGY_IRI,
                                                                                             DCTERMS.license)]),
        _row("作者", "creator", [_esc(v) for v in onto.objects(ONTOLOGY_IRI, DCTERMS.creator)]),
    ]
    nav, body = [], []
    for anchor, zh, en, kind in KINDS:
        terms = terms_of(onto, kind)
        nav.append(f'<h3><a href="#{anchor}">{_esc(zh)} <span class="en">{_esc(en)}</span></a> ({len(terms)})</h3>'
                   f'<ul>{"".join(f"<li>{_link(t)}</li>" for t in terms)}</ul>')
        body.append(f'<h2 id="{anchor}">{_esc(zh)} <span class="en">{_esc(en)}</span></h2>'
                    + "".join(_term(onto, t, kind) for t in terms))
    reused = sorted({t for kind in (OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty)
                     for t in onto.subjects(RDF.type, kind) if isinstance(t, URIRef) and not _is_hq(t)}, key=_curie)
    body.append('<h2 id="reused">复用的术语 <span class="en">Reused terms</span></h2><p>'
                + ", ".join(f"<code>{_esc(_curie(t))}</code>" for t in reused) + "</p>")
    return (f'<!DOCTYPE html>\n<html lang="zh"><head><meta charset="utf-8"><title>{_esc(titles.get("en", ""))}'
            f"</title><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
            f"<style>{CSS}</style></head><body>"
            f'<h1>{_esc(titles.get("zh", ""))}<br><span class="en">{_esc(titles.get("en", ""))}</span></h1>'
            f'<dl>{"".join(header)}</dl><p>{_esc(descriptions.get("zh", ""))}</p>'
            f'<p class="en">{_esc(descriptions.get("en", ""))}</p>'
            f'<nav>{"".join(nav)}</nav>{"".join(body)}'
            f"<footer><p>Generated from ontology/hongqiao.ttl by graph/ontology_docs.py.</p></footer>"
            f"</body></html>\n")

