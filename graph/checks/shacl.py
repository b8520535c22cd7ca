"""Two SHACL engines over the same shapes (ontology/shapes.ttl), giving the same results:

  pyshacl — the reference implementation, on an rdflib graph copied out of the store (no inference);
  sparql  — each constraint of each shape compiled to one SPARQL query over the whole store, all focus nodes at
            once. pySHACL walks focus nodes one by one in Python and needs the graph in rdflib's memory (1.5 GB and
            minutes at 10^6 triples); the compiled queries run inside Oxigraph.

The compiler knows the SHACL Core subset the shapes use (targetClass, targetNode, targetSubjectsOf,
targetObjectsOf; predicate, inverse, sequence, alternative and */+/? paths; minCount, maxCount, datatype, class,
nodeKind, pattern, languageIn, uniqueLang, hasValue, in, min/maxInclusive/Exclusive, min/maxLength, lessThan,
lessThanOrEquals, qualifiedValueShape with qualifiedMin/MaxCount) and SELECT-based sh:sparql constraints. Anything
else raises ShapeError naming the shape, so the two engines cannot drift apart silently.
"""
from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.collection import Collection
from rdflib.term import Node

from graph.rdf.namespaces import curie, PREFIXES, RDF, RDFS, XSD
from graph.rdf.forked import store_map
from graph.rdf.store import Store, from_ox

SH = Namespace("http://www.w3.org/ns/shacl#")
ENGINES = ("auto", "pyshacl", "sparql")
NUMERIC = {XSD.integer, XSD.decimal, XSD.double, XSD.float, XSD.int, XSD.long, XSD.nonNegativeInteger}
INSTANCE_OF = f"{RDF.type.n3()}/{RDFS.subClassOf.n3()}*"
BASE_PREFIXES = {"rdf": str(RDF), "rdfs": str(RDFS), "xsd": str(XSD), "sh": str(SH)}


class ShapeError(ValueError):
    """A shapes file that cannot be read or uses a feature the SPARQL engine does not compile."""


@dataclass(frozen=True)
class ShaclResult:
    shape: URIRef  # the property shape or SPARQL constraint that failed (its IRI names the check)
    focus: Node
    path: str  # the path as SPARQL ('eli:is_part_of', '^dcterms:source'), '' for a node-level result
    value: Node | None
    component: str  # 'MinCount', 'Class', 'SPARQL'…
    message: str
    severity: str  # 'Violation', 'Warning', 'Info'


def load_shapes(path: Path) -> Graph:
    try:
        return Graph().parse(path, format="turtle")
    except Exception as error:  # rdflib raises several parser exception types
        raise ShapeError(f"{path}: {error}") from None


# --- paths and small helpers -------------------------------------------------------------------------------------

def _iri(term: Node, prefixes: dict[str, str]) -> str:
    return (curie(term, local=r"[A-Za-z0-9_-]+", prefixes=prefixes) if isinstance(term, URIRef) and prefixes
            else None) or term.n3()


def sparql_path(shapes: Graph, path: Node, prefixes: dict[str, str] | None = None) -> str:
    """A SHACL path as a SPARQL property path (prefixed names when `prefixes` are given)."""
    prefixes = prefixes or {}
    if isinstance(path, URIRef):
        return _iri(path, prefixes)
    if shapes.value(path, RDF.first) is not None:
        return "(" + "/".join(sparql_path(shapes, p, prefixes) for p in Collection(shapes, path)) + ")"
    for predicate, template in ((SH.inversePath, "^{}"), (SH.zeroOrMorePath, "{}*"), (SH.oneOrMorePath, "{}+"),
                                (SH.zeroOrOnePath, "{}?")):
        inner = shapes.value(path, predicate)
        if inner is not None:
            return template.format(sparql_path(shapes, inner, prefixes) if isinstance(inner, URIRef)
                                   else "(" + sparql_path(shapes, inner, prefixes) + ")")
    alternatives = shapes.value(path, SH.alternativePath)
    if alternatives is not None:
        return "(" + "|".join(sparql_path(shapes, p, prefixes) for p in Collection(shapes, alternatives)) + ")"
    raise ShapeError(f"unsupported sh:path {path!r}")


def _literal_list(shapes: Graph, head: Node) -> list[Node]:
    return list(Collection(shapes, head)) if head is not None else []


def _message(shapes: Graph, shape: Node) -> str:
    messages = sorted(shapes.objects(shape, SH.message), key=lambda m: (m.language != "en", str(m)))
    return str(messages[0]) if messages else ""


def _severity(shapes: Graph, shape: Node) -> str:
    severity = shapes.value(shape, SH.severity)
    return str(severity).rsplit("#", 1)[-1] if severity is not None else "Violation"


def _name(shapes: Graph, node: Node) -> str:
    return str(node).rsplit("#", 1)[-1] if isinstance(node, URIRef) else repr(node)


def node_shapes(shapes: Graph) -> list[URIRef]:
    found = set(shapes.subjects(RDF.type, SH.NodeShape))
    for predicate in (SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf):
        found.update(shapes.subjects(predicate, None))
    return sorted(s for s in found if shapes.value(s, SH.deactivated) != Literal(True))


def checks(shapes: Graph) -> list[URIRef]:
    """Every named check of the shapes: each property shape and each SPARQL constraint of a node shape."""
    named = set()
    for shape in node_shapes(shapes):
        named.update(shapes.objects(shape, SH.property))
        named.update(shapes.objects(shape, SH.sparql))
    return sorted(n for n in named if isinstance(n, URIRef))


# --- the SPARQL engine -------------------------------------------------------------------------------------------

def _targets(shapes: Graph, shape: URIRef) -> str:
    parts = [f"{{ ?this {INSTANCE_OF} {c.n3()} }}" for c in sorted(shapes.objects(shape, SH.targetClass))]
    parts += [f"{{ VALUES ?this {{ {n.n3()} }} }}" for n in sorted(shapes.objects(shape, SH.targetNode))]
    parts += [f"{{ ?this {p.n3()} ?anyObject }}" for p in sorted(shapes.objects(shape, SH.targetSubjectsOf))]
    parts += [f"{{ ?anySubject {p.n3()} ?this }}" for p in sorted(shapes.objects(shape, SH.targetObjectsOf))]
    if not parts:
        raise ShapeError(f"{_name(shapes, shape)}: no target the SPARQL engine knows")
    return "{ SELECT DISTINCT ?this WHERE { " + " UNION ".join(parts) + " } }"


def _conforms(shapes: Graph, value_shape: Node, var: str) -> str:
    """A SPARQL expression true when `var` conforms to a value shape of node-level constraints."""
    tests = []
    for predicate, obj in sorted(shapes.predicate_objects(value_shape)):
        if predicate == SH["class"]:
            tests.append(f"EXISTS {{ {var} {INSTANCE_OF} {obj.n3()} }}")
        elif predicate == SH.datatype:
            tests.append(_datatype_ok(obj, var))
        elif predicate == SH.languageIn:
            tests.append(_language_ok(shapes, obj, var))
        elif predicate == SH.nodeKind:
            tests.append(_node_kind_ok(obj, var))
        elif predicate == SH.hasValue:
            tests.append(f"sameTerm({var}, {obj.n3()})")
        elif predicate not in (RDF.type, SH.message, SH.name, SH.description):
            raise ShapeError(f"value shape {value_shape!r}: {predicate} is not compiled")
    return " && ".join(f"({t})" for t in tests) or "true"


def _datatype_ok(datatype: Node, var: str) -> str:
    if datatype == RDF.langString:
        return f"isLiteral({var}) && LANG({var}) != \"\""
    test = f"isLiteral({var}) && DATATYPE({var}) = {datatype.n3()}"
    return test + (f" && isNumeric({var})" if datatype in NUMERIC else "")


def _language_ok(shapes: Graph, head: Node, var: str) -> str:
    tags = [str(tag) for tag in _literal_list(shapes, head)]
    return f"isLiteral({var}) && (" + " || ".join(f"langMatches(LANG({var}), {Literal(t).n3()})" for t in tags) + ")"


def _node_kind_ok(kind: Node, var: str) -> str:
    tests = {SH.IRI: f"isIRI({var})", SH.Literal: f"isLiteral({var})", SH.BlankNode: f"isBlank({var})",
             SH.BlankNodeOrIRI: f"!isLiteral({var})", SH.BlankNodeOrLiteral: f"!isIRI({var})",
             SH.IRIOrLiteral: f"!isBlank({var})"}
    if kind not in tests:
        raise ShapeError(f"unknown sh:nodeKind {kind}")
    return tests[kind]


def _count_query(targets: str, path: str, tests: dict[str, str], where: str = "") -> str:
    """Focus nodes whose number of values (?n) fails a test; one boolean column per component."""
    columns = " ".join(f"({test} AS ?c_{component})" for component, test in tests.items())
    return (f"SELECT ?this {columns} WHERE {{ {{ SELECT ?this (COUNT(DISTINCT ?value) AS ?n) WHERE {{ {targets} "
            f"OPTIONAL {{ ?this {path} ?value . {where} }} }} GROUP BY ?this }} "
            f"FILTER({' || '.join(f'({t})' for t in tests.values())}) }}")


def _value_query(targets: str, path: str, failing: dict[str, str], extra: str = "") -> str:
    """Values that fail a test (an error counts as failing); one boolean column per component."""
    binds = " ".join(f"BIND(COALESCE({test}, true) AS ?c_{component})" for component, test in failing.items())
    return (f"SELECT ?this ?value {' '.join(f'?c_{c}' for c in failing)} WHERE {{ {targets} ?this {path} ?value . "
            f"{extra} {binds} FILTER({' || '.join(f'?c_{c}' for c in failing)}) }}")


def _capitalised(term: URIRef) -> str:
    return term.fragment[0].upper() + term.fragment[1:]


def compile_property_shape(shapes: Graph, prop: Node, targets: str) -> Iterator[str]:
    """SELECTs whose rows are violations of the property shape: ?this, maybe ?value, and a boolean ?c_<Component>
    for each constraint component tested. Constraints on the same values share one query (one scan of the path)."""
    path_node = shapes.value(prop, SH.path)
    if path_node is None:
        raise ShapeError(f"{_name(shapes, prop)}: a property shape needs sh:path")
    path, v = sparql_path(shapes, path_node), "?value"
    counts: dict[str, str] = {}
    values: dict[str, str] = {}
    for predicate, obj in sorted(shapes.predicate_objects(prop)):
        if predicate == SH.minCount:
            counts["MinCount"] = f"?n < {int(obj)}"
        elif predicate == SH.maxCount:
            counts["MaxCount"] = f"?n > {int(obj)}"
        elif predicate == SH.datatype:
            values["Datatype"] = f"!({_datatype_ok(obj, v)})"
        elif predicate == SH["class"]:
            values["Class"] = f"NOT EXISTS {{ {v} {INSTANCE_OF} {obj.n3()} }}"
        elif predicate == SH.nodeKind:
            values["NodeKind"] = f"!({_node_kind_ok(obj, v)})"
        elif predicate == SH.pattern:
            flags = shapes.value(prop, SH.flags)
            regex = f"REGEX(STR({v}), {Literal(str(obj)).n3()}" + (f", {Literal(str(flags)).n3()})" if flags else ")")
            values["Pattern"] = f"isBlank({v}) || !{regex}"
        elif predicate == SH.languageIn:
            values["LanguageIn"] = f"!({_language_ok(shapes, obj, v)})"
        elif predicate == SH["in"]:
            members = " || ".join(f"sameTerm({v}, {m.n3()})" for m in _literal_list(shapes, obj))
            values["In"] = f"!({members or 'false'})"
        elif predicate in (SH.minInclusive, SH.maxInclusive, SH.minExclusive, SH.maxExclusive):
            op = {SH.minInclusive: ">=", SH.maxInclusive: "<=", SH.minExclusive: ">", SH.maxExclusive: "<"}[predicate]
            values[_capitalised(predicate)] = f"!COALESCE({v} {op} {obj.n3()}, false)"
        elif predicate in (SH.minLength, SH.maxLength):
            op = "<" if predicate == SH.minLength else ">"
            values[_capitalised(predicate)] = f"isBlank({v}) || STRLEN(STR({v})) {op} {int(obj)}"
        elif predicate == SH.uniqueLang and obj == Literal(True):
            yield (f"SELECT DISTINCT ?this (true AS ?c_UniqueLang) WHERE {{ {targets} ?this {path} ?value, ?other . "
                   f"FILTER(isLiteral(?value) && LANG(?value) != \"\" && LANG(?value) = LANG(?other) "
                   f"&& !sameTerm(?value, ?other)) }}")
        elif predicate == SH.hasValue:
            yield (f"SELECT ?this (true AS ?c_HasValue) WHERE {{ {targets} "
                   f"FILTER NOT EXISTS {{ ?this {path} {obj.n3()} }} }}")
        elif predicate in (SH.lessThan, SH.lessThanOrEquals):
            op = "<" if predicate == SH.lessThan else "<="
            yield _value_query(targets, path, {_capitalised(predicate): f"!COALESCE({v} {op} ?other, false)"},
                               f"?this {obj.n3()} ?other .")
        elif predicate == SH.qualifiedValueShape:
            low, high = shapes.value(prop, SH.qualifiedMinCount), shapes.value(prop, SH.qualifiedMaxCount)
            tests = {**({"QualifiedMinCount": f"?n < {int(low)}"} if low is not None else {}),
                     **({"QualifiedMaxCount": f"?n > {int(high)}"} if high is not None else {})}
            if tests:
                yield _count_query(targets, path, tests, f"FILTER({_conforms(shapes, obj, v)})")
        elif predicate not in (RDF.type, SH.path, SH.message, SH.name, SH.description, SH.severity, SH.flags,
                               SH.qualifiedMinCount, SH.qualifiedMaxCount, SH.order, SH.group) and \
                not (predicate == SH.uniqueLang and obj == Literal(False)):
            raise ShapeError(f"{_name(shapes, prop)}: {predicate} is not compiled by the SPARQL engine")
    if counts:
        yield _count_query(targets, path, counts)
    if values:
        yield _value_query(targets, path, values)


def _declared_prefixes(shapes: Graph, constraint: Node) -> dict[str, str]:
    prefixes = dict(BASE_PREFIXES)
    for source in shapes.objects(constraint, SH.prefixes):
        for declaration in shapes.objects(source, SH.declare):
            prefixes[str(shapes.value(declaration, SH.prefix))] = str(shapes.value(declaration, SH.namespace))
    return prefixes


def compile_sparql_constraint(shapes: Graph, constraint: Node, targets: str) -> str:
    """The constraint's SELECT with the shape's targets joined in where $this would be pre-bound."""
    select = shapes.value(constraint, SH.select)
    if select is None:
        raise ShapeError(f"{_name(shapes, constraint)}: only SELECT-based sh:sparql constraints are compiled")
    text = str(select).replace("$this", "?this")
    match = re.search(r"\bWHERE\s*\{", text, re.IGNORECASE)
    if match is None:
        raise ShapeError(f"{_name(shapes, constraint)}: no WHERE {{ in its sh:select")
    header = "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in sorted(_declared_prefixes(shapes, constraint).items()))
    return header + text[:match.end()] + f" {targets} " + text[match.end():]


def compile_shapes(shapes: Graph, sparql_only: bool = False) -> list[tuple[URIRef, str]]:
    """(check, SELECT) for every property shape and SPARQL constraint (only the latter if asked); see
    compile_property_shape for the columns. A SPARQL constraint's rows are all violations (component SPARQL)."""
    compiled = []
    for shape in node_shapes(shapes):
        targets = _targets(shapes, shape)
        for predicate in set(shapes.predicates(shape)):
            if predicate not in (RDF.type, SH.property, SH.sparql, SH.targetClass, SH.targetNode,
                                 SH.targetSubjectsOf, SH.targetObjectsOf, SH.message, SH.name, SH.description,
                                 RDFS.label, RDFS.comment, SH.deactivated, SH.severity):
                raise ShapeError(f"{_name(shapes, shape)}: node-level {predicate} is not compiled")
        for prop in sorted(shapes.objects(shape, SH.property)) if not sparql_only else ():
            compiled.extend((prop, query) for query in compile_property_shape(shapes, prop, targets))
        for constraint in sorted(shapes.objects(shape, SH.sparql)):
            compiled.append((constraint, compile_sparql_constraint(shapes, constraint, targets)))
    return compiled


def core_shapes(shapes: Graph) -> Graph:
    """The shapes without their sh:sparql constraints (SHACL Core only)."""
    core = Graph()
    for triple in shapes:
        if triple[1] != SH.sparql:
            core.add(triple)
    return core


def _fill(template: str, bindings: dict[str, Node | None]) -> str:
    def replace(match: re.Match) -> str:
        value = bindings.get(match.group(1))
        return str(value) if value is not None else match.group(0)
    return re.sub(r"\{[?$](\w+)\}", replace, template)


def run_sparql_engine(store: Store, shapes: Graph, sparql_only: bool = False,
                      processes: int | None = None) -> list[ShaclResult]:
    """The results of every compiled query, the queries spread over `processes` (graph/rdf/forked.py)."""
    prefixes = _report_prefixes()
    jobs = []
    for check, query in compile_shapes(shapes, sparql_only):
        path_node = shapes.value(check, SH.path)
        path = sparql_path(shapes, path_node, prefixes) if path_node is not None else ""
        jobs.append(_Compiled(check, query, path, _message(shapes, check), _severity(shapes, check)))
    return [result for results in store_map(_results_of, store, jobs, processes) for result in results]


@dataclass(frozen=True)
class _Compiled:
    """One compiled query and what its results say (made from the shapes here, so a child needs only this)."""
    check: URIRef
    query: str
    path: str
    message: str
    severity: URIRef


def _results_of(store: Store, compiled: _Compiled) -> list[ShaclResult]:
    prefixes = _report_prefixes()
    solutions = store.query(compiled.query)
    names = [v.value for v in solutions.variables]
    components = [name for name in names if name.startswith("c_")]
    results = []
    for solution in solutions:
        row = {name: from_ox(solution[name]) for name in names}
        if not components:  # a SPARQL constraint
            row_path = row.get("path")
            results.append(ShaclResult(compiled.check, row["this"], _iri(row_path, prefixes) if row_path is not None
                                       else compiled.path, row.get("value"), "SPARQL",
                                       _fill(compiled.message, {**row, "path": row_path}), compiled.severity))
            continue
        for component in components:
            if row[component] == Literal(True):
                results.append(ShaclResult(compiled.check, row["this"], compiled.path, row.get("value"),
                                           component[2:], compiled.message, compiled.severity))
    return results


# --- pySHACL -----------------------------------------------------------------------------------------------------

def run_pyshacl(data: Graph, shapes: Graph) -> list[ShaclResult]:
    import pyshacl

    _, report, _ = pyshacl.validate(data, shacl_graph=shapes, inference="none", advanced=False,
                                    allow_warnings=True, allow_infos=True)
    results = []
    for result in report.subjects(RDF.type, SH.ValidationResult):
        source = report.value(result, SH.sourceShape)
        constraint = report.value(result, SH.sourceConstraint)
        component = str(report.value(result, SH.sourceConstraintComponent)).rsplit("#", 1)[-1]
        component = component.removesuffix("ConstraintComponent")
        check = constraint if component == "SPARQL" and isinstance(constraint, URIRef) else source
        path_node = report.value(result, SH.resultPath)
        path = sparql_path(report, path_node, _report_prefixes()) if path_node is not None else ""
        message = report.value(result, SH.resultMessage)
        severity = str(report.value(result, SH.resultSeverity)).rsplit("#", 1)[-1]
        results.append(ShaclResult(check, report.value(result, SH.focusNode), path, report.value(result, SH.value),
                                   component, str(message) if message is not None else _message(shapes, check),
                                   severity))
    return results


def _report_prefixes() -> dict[str, str]:
    return {prefix: ns for prefix, ns in PREFIXES.items() if prefix != "hqr"}


def store_graph(store: Store) -> Graph:
    """The union of the store's graphs as one rdflib graph (for pySHACL)."""
    graph = Graph()
    for s, p, o, _ in store.quads():
        graph.add((s, p, o))
    return graph


def run_shacl(store: Store, shapes: Graph, engine: str, pyshacl_max_triples: int,
              processes: int | None = None) -> tuple[str, list[ShaclResult]]:
    """Run the chosen engine ('auto': pySHACL up to `pyshacl_max_triples`, SPARQL above); return it and the results.

    With pySHACL the sh:sparql constraints still run compiled on the store: pySHACL runs them once per focus node
    through rdflib's SPARQL engine (23 s for the 223 annotations of the real build). tests/test_validate.py runs the
    full shapes through pySHACL on the fixtures to show the results agree.
    """
    if engine not in ENGINES:
        raise ValueError(f"unknown SHACL engine {engine!r}; expected one of {', '.join(ENGINES)}")
    if engine == "auto":
        engine = "pyshacl" if len(store) <= pyshacl_max_triples else "sparql"
    if engine == "pyshacl":
        return "pySHACL for SHACL Core, SPARQL constraints on Oxigraph", \
            run_pyshacl(store_graph(store), core_shapes(shapes)) + \
            run_sparql_engine(store, shapes, sparql_only=True, processes=processes)
    return "compiled to SPARQL on Oxigraph", run_sparql_engine(store, shapes, processes=processes)


__all__ = ["ENGINES", "SH", "ShaclResult", "ShapeError", "checks", "compile_shapes", "core_shapes", "load_shapes",
           "node_shapes", "run_pyshacl", "run_shacl", "run_sparql_engine", "sparql_path", "store_graph"]
