"""The Java-free reasoner: the ontology's axioms compiled to SPARQL CONSTRUCT rules, run over the Store to a fixpoint.

It covers the OWL constructs ontology/hongqiao.ttl uses: named sub-classes and equivalent classes, sub-properties,
domains and ranges, transitive, symmetric and inverse properties, property chains, defined classes (intersections,
unions, someValuesFrom, hasValue, oneOf, inverse properties inside them) and allValuesFrom / hasValue on the
super-class side. An equivalentClass it cannot compile raises UnsupportedAxiom, so the ontology cannot outgrow this
reasoner silently; tests/test_reason.py checks that it and HermiT infer the same triples on the real build.

`diagnose` looks for what makes an ontology inconsistent (an individual in two disjoint classes, a broken asymmetric,
irreflexive or functional property, a literal of the wrong datatype) and `unsatisfiable_classes` for classes that
can have no member. They name the individuals and classes, so they also explain a HermiT verdict, which names none.
"""
from __future__ import annotations

import itertools
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.term import Node

from graph.rdf.namespaces import curie, OWL, RDF, RDFS, XSD
from graph.rdf.store import Store
from graph.rdf.terms import from_ox

MAX_ROUNDS = 50


class UnsupportedAxiom(ValueError):
    """An axiom the rules cannot express; the message names it."""


@dataclass(frozen=True)
class Rule:
    name: str  # what the rule derives, e.g. 'chain hq:reachesRegion ← hq:mentionsRegion/hq:partOf'
    construct: str  # a SPARQL CONSTRUCT that yields only triples not yet in the store
    inputs: frozenset[URIRef]  # the predicates it reads: it reruns only when one of them gained triples


# --- reading the ontology ----------------------------------------------------------------------------------------

def _list(onto: Graph, head: Node) -> list[Node]:
    return list(Collection(onto, head))


def _named(node: Node) -> bool:
    return isinstance(node, URIRef) and node != OWL.Thing


def _closure(pairs: Iterable[tuple[URIRef, URIRef]]) -> set[tuple[URIRef, URIRef]]:
    """The transitive closure of a relation given as pairs."""
    up: dict[URIRef, set[URIRef]] = defaultdict(set)
    for a, b in pairs:
        if a != b:
            up[a].add(b)
    closed = set()
    for start in list(up):
        seen, todo = set(), list(up[start])
        while todo:
            node = todo.pop()
            if node not in seen:
                seen.add(node)
                todo.extend(up.get(node, ()))
        closed.update((start, node) for node in seen if node != start)
    return closed


def superclass_pairs(onto: Graph) -> set[tuple[URIRef, URIRef]]:
    """(C, D) for named classes with C ⊑ D: subClassOf, equivalentClass and the named conjuncts of a definition."""
    direct = set()
    for c, d in onto.subject_objects(RDFS.subClassOf):
        if _named(c) and _named(d):
            direct.add((c, d))
    for c, e in onto.subject_objects(OWL.equivalentClass):
        for a, b in ((c, e), (e, c)):
            if _named(a) and _named(b):
                direct.add((a, b))
            elif _named(a) and isinstance(b, BNode):
                direct.update((a, part) for part in _conjuncts(onto, b) if _named(part))
    return _closure(direct)


def _conjuncts(onto: Graph, expr: Node) -> list[Node]:
    head = onto.value(expr, OWL.intersectionOf)
    return _list(onto, head) if head is not None else []


def subproperty_pairs(onto: Graph) -> set[tuple[URIRef, URIRef]]:
    direct = {(p, q) for p, q in onto.subject_objects(RDFS.subPropertyOf) if isinstance(p, URIRef)
              and isinstance(q, URIRef)}
    for p, q in onto.subject_objects(OWL.equivalentProperty):
        if isinstance(p, URIRef) and isinstance(q, URIRef):
            direct.update({(p, q), (q, p)})
    return _closure(direct)


def disjoint_pairs(onto: Graph) -> set[tuple[URIRef, URIRef]]:
    """Unordered pairs of named disjoint classes, each given once in sorted order."""
    pairs = set()
    for c, d in onto.subject_objects(OWL.disjointWith):
        pairs.add((c, d))
    for group in onto.subjects(RDF.type, OWL.AllDisjointClasses):
        members = _list(onto, onto.value(group, OWL.members))
        pairs.update(itertools.combinations(members, 2))
    return {tuple(sorted((c, d))) for c, d in pairs if _named(c) and _named(d)}


def _values(rows: Iterable[tuple[Node, ...]]) -> str:
    return " ".join("(" + " ".join(term.n3() for term in row) + ")" for row in sorted(rows))


def _property_path(onto: Graph, prop: Node) -> str:
    if isinstance(prop, URIRef):
        return prop.n3()
    inverse = onto.value(prop, OWL.inverseOf)
    if isinstance(inverse, URIRef):
        return f"^{inverse.n3()}"
    raise UnsupportedAxiom(f"property expression {prop!r} is neither an IRI nor owl:inverseOf an IRI")


class _Vars:
    def __init__(self):
        self._n = itertools.count(1)

    def fresh(self) -> str:
        return f"?v{next(self._n)}"


def class_pattern(onto: Graph, expr: Node, var: str, names: _Vars | None = None) -> str:
    """A SPARQL group pattern that binds `var` to the members of a class expression."""
    names = names or _Vars()
    if isinstance(expr, URIRef) and expr != OWL.Thing:
        return f"{var} a {expr.n3()} ."
    if (head := onto.value(expr, OWL.intersectionOf)) is not None:
        return " ".join(class_pattern(onto, part, var, names) for part in _list(onto, head))
    if (head := onto.value(expr, OWL.unionOf)) is not None:
        return " UNION ".join("{ " + class_pattern(onto, part, var, names) + " }" for part in _list(onto, head))
    if (head := onto.value(expr, OWL.oneOf)) is not None:
        return f"VALUES {var} {{ {' '.join(member.n3() for member in _list(onto, head))} }}"
    prop = onto.value(expr, OWL.onProperty)
    if prop is not None:
        path = _property_path(onto, prop)
        if (value := onto.value(expr, OWL.hasValue)) is not None:
            return f"{var} {path} {value.n3()} ."
        filler = onto.value(expr, OWL.someValuesFrom)
        if filler is None and onto.value(expr, OWL.minCardinality) == Literal(1, datatype=XSD.nonNegativeInteger):
            filler = OWL.Thing
        if filler is not None:
            other = names.fresh()
            inner = "" if filler == OWL.Thing else class_pattern(onto, filler, other, names)
            return f"{var} {path} {other} . {inner}"
    raise UnsupportedAxiom(f"class expression {expr!r} ({sorted(set(onto.predicates(expr)))}) cannot be compiled")


def _construct(template: str, where: str, new: str) -> str:
    return f"CONSTRUCT {{ {template} }} WHERE {{ {where} FILTER NOT EXISTS {{ {new} }} }}"


def compile_rules(onto: Graph) -> list[Rule]:
    """One CONSTRUCT per axiom: per sub-class pairs (one VALUES block), per property (sub-property, domain, range,
    characteristics), per chain and per definition. Small rules over one predicate each let a round rerun only
    what new triples can feed."""
    rules = []
    if pairs := superclass_pairs(onto):
        rules.append(Rule("sub-class", _construct("?x a ?d", f"VALUES (?c ?d) {{ {_values(pairs)} }} ?x a ?c .",
                                                  "?x a ?d"), frozenset({RDF.type})))
    for p, q in sorted(subproperty_pairs(onto)):
        rules.append(Rule(f"sub-property {show(p)} ⊑ {show(q)}", _construct(
            f"?x {q.n3()} ?y", f"?x {p.n3()} ?y .", f"?x {q.n3()} ?y"), frozenset({p})))
    for p, c in sorted(onto.subject_objects(RDFS.domain)):
        if isinstance(p, URIRef) and _named(c):
            rules.append(Rule(f"domain {show(p)} {show(c)}", _construct(
                f"?x a {c.n3()}", f"?x {p.n3()} ?y .", f"?x a {c.n3()}"), frozenset({p})))
    for p, c in sorted(onto.subject_objects(RDFS.range)):
        if isinstance(p, URIRef) and _named(c) and (c, RDF.type, OWL.Class) in onto:
            rules.append(Rule(f"range {show(p)} {show(c)}", _construct(
                f"?y a {c.n3()}", f"?x {p.n3()} ?y . FILTER(!isLiteral(?y))", f"?y a {c.n3()}"), frozenset({p})))
    for p in sorted(onto.subjects(RDF.type, OWL.TransitiveProperty)):
        rules.append(Rule(f"transitive {show(p)}", _construct(
            f"?x {p.n3()} ?z", f"?x {p.n3()} ?y . ?y {p.n3()} ?z .", f"?x {p.n3()} ?z"), frozenset({p})))
    for p in sorted(onto.subjects(RDF.type, OWL.SymmetricProperty)):
        rules.append(Rule(f"symmetric {show(p)}", _construct(
            f"?y {p.n3()} ?x", f"?x {p.n3()} ?y .", f"?y {p.n3()} ?x"), frozenset({p})))
    for p, q in sorted(onto.subject_objects(OWL.inverseOf)):
        if isinstance(p, URIRef) and isinstance(q, URIRef):
            for a, b in ((p, q), (q, p)):
                rules.append(Rule(f"inverse {show(a)} → {show(b)}", _construct(
                    f"?y {b.n3()} ?x", f"?x {a.n3()} ?y .", f"?y {b.n3()} ?x"), frozenset({a})))
    for q, head in sorted(onto.subject_objects(OWL.propertyChainAxiom)):
        chain = _list(onto, head)
        path = "/".join(_property_path(onto, p) for p in chain)
        rules.append(Rule(f"chain {show(q)} ← {'/'.join(show(p) for p in chain if isinstance(p, URIRef))}",
                          _construct(f"?x {q.n3()} ?y", f"?x {path} ?y .", f"?x {q.n3()} ?y"),
                          frozenset(_properties_in(onto, p) for p in chain)))
    for c, expr in sorted(onto.subject_objects(OWL.equivalentClass)):
        if _named(c) and isinstance(expr, BNode):
            rules.append(Rule(f"definition {show(c)}", _construct(
                f"?x a {c.n3()}", class_pattern(onto, expr, "?x"), f"?x a {c.n3()}"),
                frozenset({RDF.type, *_expression_properties(onto, expr)})))
    rules.extend(_superclass_restriction_rules(onto))
    return rules


def _properties_in(onto: Graph, prop: Node) -> URIRef:
    """The predicate a property expression reads (p for p and for inverse p)."""
    return prop if isinstance(prop, URIRef) else onto.value(prop, OWL.inverseOf)


def _expression_properties(onto: Graph, expr: Node) -> set[URIRef]:
    found = set()
    for p, o in onto.predicate_objects(expr):
        if p == OWL.onProperty:
            found.add(_properties_in(onto, o))
        elif isinstance(o, BNode):
            found |= _expression_properties(onto, o)
    return found


def _named_classes_of(onto: Graph, expr: Node) -> list[URIRef]:
    """The named classes every member of `expr` belongs to: itself if named; for a union, the shared super-classes."""
    if _named(expr):
        return [expr]
    head = onto.value(expr, OWL.unionOf)
    if head is None:
        return []
    supers: dict[URIRef, set[URIRef]] = defaultdict(set)
    for c, d in superclass_pairs(onto):
        supers[c].add(d)
    shared = None
    for member in _list(onto, head):
        above = {member} | supers[member] if _named(member) else set()
        shared = above if shared is None else shared & above
    return sorted(shared or ())


def _superclass_restriction_rules(onto: Graph) -> Iterator[Rule]:
    """C ⊑ ∀p.D gives the p-values of a C the type D (for a union D, the classes its members share);
    C ⊑ ∃p.{v} gives a C the value v."""
    for c, restriction in sorted(onto.subject_objects(RDFS.subClassOf)):
        if not _named(c) or not isinstance(restriction, BNode):
            continue
        prop = onto.value(restriction, OWL.onProperty)
        if prop is None:
            continue
        path = _property_path(onto, prop)
        filler = onto.value(restriction, OWL.allValuesFrom)
        for target in _named_classes_of(onto, filler) if filler is not None else ():
            yield Rule(f"all-values {show(c)} {path} {show(target)}", _construct(
                f"?y a {target.n3()}", f"?x a {c.n3()} . ?x {path} ?y . FILTER(!isLiteral(?y))", f"?y a {target.n3()}"),
                frozenset({RDF.type, _properties_in(onto, prop)}))
        value = onto.value(restriction, OWL.hasValue)
        if value is not None and isinstance(prop, URIRef):
            yield Rule(f"has-value {show(c)} {path} {show(value)}", _construct(
                f"?x {path} {value.n3()}", f"?x a {c.n3()} .", f"?x {path} {value.n3()}"), frozenset({RDF.type}))


# --- running the rules -------------------------------------------------------------------------------------------

def run_rules(store: Store, rules: list[Rule], graph: URIRef) -> int:
    """Apply the rules until nothing new follows, adding what they derive to `graph`; return the triple count added.

    Each rule sees the union of all graphs (asserted and derived so far), so chains of inferences complete. After
    the first round a rule reruns only if one of its input predicates gained triples in the round before: with
    nothing new to read it would find nothing new.
    """
    raw, target, added = store.raw(), ox.NamedNode(str(graph)), 0
    changed: set[str] | None = None  # None: the first round, every rule runs
    for _ in range(MAX_ROUNDS):
        new = set()
        for rule in rules:
            if changed is None or any(str(p) in changed for p in rule.inputs):
                new.update(raw.query(rule.construct, use_default_graph_as_union=True))
        if not new:
            return added
        raw.extend(ox.Quad(t.subject, t.predicate, t.object, target) for t in new)
        added += len(new)
        changed = {t.predicate.value for t in new}
    raise RuntimeError(f"the rules did not reach a fixpoint in {MAX_ROUNDS} rounds")


# --- what makes an ontology inconsistent -------------------------------------------------------------------------

def show(term: Node) -> str:
    """A term as a reader wants it in a message: hq:Region, hqr:region/kunshan."""
    return (curie(term) if isinstance(term, URIRef) else None) or term.n3()


def _rows(store: Store, sparql: str) -> Iterator[tuple[Node, ...]]:
    # The diagnosis compares the rows with the ontology as rdflib reads it: the boundary with rdflib.
    for solution in store.query(sparql):
        yield tuple(from_ox(value) for value in solution)


def diagnose(store: Store, onto: Graph) -> list[str]:
    """Reasons the asserted and inferred triples are inconsistent with the ontology, one sentence each (sorted).

    Run after the rules, so that inferred types and property values count.
    """
    problems = []
    if pairs := disjoint_pairs(onto):
        for x, c, d in _rows(store, f"SELECT DISTINCT ?x ?c ?d WHERE {{ VALUES (?c ?d) {{ {_values(pairs)} }} "
                                    f"?x a ?c . ?x a ?d . }}"):
            problems.append(f"{show(x)} is both a {show(c)} and a {show(d)}, which are disjoint classes")
    for (x,) in _rows(store, f"SELECT DISTINCT ?x WHERE {{ ?x a {OWL.Nothing.n3()} }}"):
        problems.append(f"{show(x)} is a member of owl:Nothing")
    for kind in (OWL.AsymmetricProperty, OWL.IrreflexiveProperty):
        for p in sorted(onto.subjects(RDF.type, kind)):
            pattern = f"?x {p.n3()} ?y . ?y {p.n3()} ?x ." if kind == OWL.AsymmetricProperty else \
                f"?x {p.n3()} ?x . BIND(?x AS ?y)"
            for x, y in _rows(store, f"SELECT DISTINCT ?x ?y WHERE {{ {pattern} FILTER(STR(?x) <= STR(?y)) }}"):
                what = "asymmetric" if kind == OWL.AsymmetricProperty else "irreflexive"
                problems.append(f"{show(x)} {show(p)} {show(y)} and back, but {show(p)} is {what}")
    for p in sorted(onto.subjects(RDF.type, OWL.FunctionalProperty)):
        # Only a subject with two values can break it: found first by one grouped scan of p, then the class pairs
        # tried on those alone. The pairs tried on every subject's values (one query) took 7.2 of this diagnosis's
        # 8.1 s at 10^6 triples, and as long with this scan as a sub-select (Oxigraph joined the pairs first); the
        # whole diagnosis now takes 1.5 s there.
        of_literals = (p, RDF.type, OWL.DatatypeProperty) in onto
        if not of_literals and not pairs:
            continue  # an object property breaks it only with values of disjoint classes
        query = (f"SELECT ?x (COUNT(DISTINCT ?v) AS ?n) WHERE {{ ?x {p.n3()} ?v }} GROUP BY ?x "
                 f"HAVING (COUNT(DISTINCT ?v) > 1)")
        several = list(_rows(store, query))
        if of_literals:
            for x, n in several:
                problems.append(f"{show(x)} has {n} values of the functional property {show(p)}")
        elif several:
            both_ways = pairs | {(d, c) for c, d in pairs}
            query = (f"SELECT DISTINCT ?x ?a ?b WHERE {{ VALUES ?x {{ {' '.join(x.n3() for x, _ in several)} }} "
                     f"VALUES (?c ?d) {{ {_values(both_ways)} }} "
                     f"?x {p.n3()} ?a, ?b . ?a a ?c . ?b a ?d . FILTER(STR(?a) < STR(?b)) }}")
            for x, a, b in _rows(store, query):
                problems.append(f"{show(x)} has two values of the functional property {show(p)}, {show(a)} and "
                                f"{show(b)}, of disjoint classes, so they cannot be the same")
    for p, datatype in sorted(onto.subject_objects(RDFS.range)):
        if (p, RDF.type, OWL.DatatypeProperty) not in onto or not isinstance(datatype, URIRef):
            continue
        if datatype == RDF.langString:
            test = "isLiteral(?v) && LANG(?v) = \"\""
        elif str(datatype).startswith(str(XSD)) or datatype == RDF.PlainLiteral:
            test = f"isLiteral(?v) && DATATYPE(?v) != {datatype.n3()}" if datatype != RDF.PlainLiteral else "false"
        else:
            continue
        for x, v in _rows(store, f"SELECT DISTINCT ?x ?v WHERE {{ ?x {p.n3()} ?v . FILTER({test}) }}"):
            problems.append(f"{show(x)} {show(p)} {show(v)}: not a {show(datatype)}, the range of {show(p)}")
    return sorted(problems)


def unsatisfiable_classes(onto: Graph) -> list[str]:
    """Named classes that can have no member: under two disjoint classes, or under owl:Nothing (sorted)."""
    supers: dict[URIRef, set[URIRef]] = defaultdict(set)
    for c, d in superclass_pairs(onto):
        supers[c].add(d)
    disjoint = disjoint_pairs(onto)
    problems = []
    for c in sorted({c for c in onto.subjects(RDF.type, OWL.Class) if _named(c)}):
        above = supers[c] | {c}
        if OWL.Nothing in above:
            problems.append(f"{show(c)} is a sub-class of owl:Nothing")
        for d, e in sorted(disjoint):
            if d in above and e in above:
                problems.append(f"{show(c)} is a sub-class of both {show(d)} and {show(e)}, which are disjoint")
    return problems
