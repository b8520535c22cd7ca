"""OWL reasoning: check the ontology and data are consistent, and materialise the inferences into their own graph.

Two reasoners give the same triples (tests/test_reason.py proves it on the real build):
  hermit — owlready2 runs HermiT (Java) on the ontology and the asserted data: consistency, classification and
           every entailed object property value;
  rules  — graph/rules.py: the ontology's axioms as SPARQL CONSTRUCT rules over the Store (no Java).
`auto` picks HermiT when `java` is on PATH, HermiT runs, and the input is small enough for it (HermiT's tableau
grows faster than linearly; at corpus scale the rules take over), and the rules otherwise; the build report says
which ran and why.

What is materialised into hqr:graph/inferred (and only what is not asserted):
  rdf:type       every named class an individual belongs to: super-classes, classes from domains and ranges, and
                 the defined classes hq:MeasureNamingInfrastructure and hq:HubRegion;
  hq:partOf      the transitive closure of hq:parentRegion / hq:partOf;
  (hq:reachesRegion is not an OWL entailment: graph/reason/reach.py derives it, once, into hqr:graph/reach;)
  hq:mentions, eli:cites  the super-properties of the mention properties.
The graph describes itself (prov:wasGeneratedBy the reasoning activity), so a user can tell asserted from inferred.

An inconsistent ontology or data, or an unsatisfiable class, raises ReasoningError naming the individuals and classes
(graph/rules.py finds them; HermiT's own verdict names none).
"""
from __future__ import annotations

import itertools
import logging
import os
import shutil
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import Graph, Literal, URIRef
from rdflib.term import Node

from graph.rdf.namespaces import curie, DCTERMS, ELI, HQ, OA, OWL, PROV, RDF, RDFS, XSD, graph_iri
from graph.reason.rules import (
    compile_rules, diagnose, run_rules, show, subproperty_pairs, superclass_pairs, unsatisfiable_classes,
)
from graph.rdf.store import Store
from graph.rdf.terms import iri, quad_from_rdflib


log = logging.getLogger(__name__)

Triple = tuple[Node, Node, Node]

INFERRED_PREDICATES = (HQ.partOf, HQ.mentions, ELI.cites)
METHODS = ("auto", "hermit", "rules")
# Store size (quads) above which `auto` leaves HermiT out. Measured here (2 busy cores): HermiT 5-7 s at the real
# build's 6 600 and at 15 000, 10 s at 49 000; the rules 0.2-0.4 s (docs/validation.md).
HERMIT_MAX_TRIPLES = 50_000
# The only literals HermiT is given (see hermit_input).
NUMERIC_DATATYPES = (XSD.integer, XSD.decimal, XSD.double, XSD.float, XSD.nonNegativeInteger)
PROVENANCE_CLASSES = (OA.Annotation, OA.SpecificResource, OA.TextQuoteSelector, OA.TextPositionSelector)
REASONING_ACTIVITY = URIRef(f"{graph_iri('inferred')}/activity")


class ReasoningError(RuntimeError):
    """The ontology or data is inconsistent, or a class is unsatisfiable; the message says which and why."""


class HermitUnavailable(RuntimeError):
    """HermiT could not run (no Java, a Java error); the rules are used instead."""


@dataclass
class Inference:
    method: str  # 'hermit' or 'rules'
    triples: set[Triple]  # the inferred triples of interest, none of them asserted
    why: str = ""  # why this method ran
    seconds: float = 0.0
    fallback: str | None = None  # what the terminal is told when HermiT was wanted and could not run
    counts: dict[str, int] = field(default_factory=dict)

    def summary(self) -> dict:
        """For build-report.json (no timing: the report stays the same from build to build)."""
        return {"method": self.method, "why": self.why, "inferred_triples": len(self.triples),
                "by_predicate": self.counts}


# --- the input ---------------------------------------------------------------------------------------------------

def asserted_triples(store: Store) -> set[Triple]:
    """Every triple of the store outside the inferred graph (ontology included)."""
    inferred = graph_iri("inferred")
    return {(s, p, o) for s, p, o, g in store.rdflib_quads() if g != inferred}  # for owlready2


def hermit_input(asserted: Iterable[Triple], onto: Graph) -> Graph:
    """The ontology and the asserted data, less what cannot matter to HermiT, slows it, or stops it.

    Left out, each for a reason:
      annotation properties (labels, notes, sources) carry no logic;
      the link provenance (annotations, targets, selectors): no axiom infers anything from it, and its individuals
        outnumber all others two to one, which doubles HermiT's time;
      text literals (strings, @zh texts): no axiom infers from them, and they triple HermiT's time;
      wktLiteral and xsd:date values are not OWL 2 datatypes: HermiT stops on them.
    `rules.diagnose`, which runs after either reasoner, checks what is left out (types, ranges, disjointness).
    Numbers stay, so HermiT checks the functional, integer-ranged offsets and numbers.
    """
    annotation = set(onto.subjects(RDF.type, OWL.AnnotationProperty)) | {RDFS.label, RDFS.comment}
    asserted = list(asserted)
    provenance = {s for s, p, o in asserted if p == RDF.type and o in PROVENANCE_CLASSES}
    graph = Graph()
    for triple in onto:
        graph.add(triple)
    for s, p, o in asserted:
        if p in annotation or s in provenance or (isinstance(o, Literal) and o.datatype not in NUMERIC_DATATYPES):
            continue
        graph.add((s, p, o))
    return graph


def of_interest(triples: Iterable[Triple], asserted: set[Triple], onto: Graph) -> set[Triple]:
    """The triples reason.py materialises (see the module docstring), less the asserted ones."""
    classes = {c for c in onto.subjects(RDF.type, OWL.Class) if isinstance(c, URIRef)} - {OWL.Thing}
    return {(s, p, o) for s, p, o in triples
            if (p in INFERRED_PREDICATES or (p == RDF.type and o in classes)) and (s, p, o) not in asserted
            and isinstance(s, URIRef)}


# --- the Java-free path ------------------------------------------------------------------------------------------

def run_rule_reasoner(store: Store, onto: Graph) -> list[str]:
    """Run the rules into the (emptied) inferred graph, where what they derive stays; return every contradiction
    in the data they show (graph/rules.py `diagnose`)."""
    _clear(store)
    run_rules(store, compile_rules(onto), graph_iri("inferred"))
    return diagnose(store, onto)


def _keep_only_interest(store: Store, onto: Graph) -> None:
    """Drop from the inferred graph what reason.py does not materialise (see the module docstring)."""
    classes = sorted(c for c in onto.subjects(RDF.type, OWL.Class) if isinstance(c, URIRef) and c != OWL.Thing)
    g = graph_iri("inferred").n3()
    store.raw().update(
        f"DELETE {{ GRAPH {g} {{ ?s ?p ?o }} }} WHERE {{ GRAPH {g} {{ ?s ?p ?o }} FILTER(isBlank(?s) || ("
        f"?p NOT IN ({', '.join(p.n3() for p in INFERRED_PREDICATES)}) && "
        f"(?p != {RDF.type.n3()} || ?o NOT IN ({', '.join(c.n3() for c in classes)})))) }}")


# --- HermiT ------------------------------------------------------------------------------------------------------

@contextmanager
def _temp_dir_for_owlready(path: Path) -> Iterator[None]:
    """owlready2 writes HermiT's input to tempfile.gettempdir() and leaves it there when HermiT fails; and HermiT
    makes its default IRI base from the working folder, which fails at `/` ("unable to create default IRI base"),
    so it runs in its own work folder."""
    saved, cwd = tempfile.tempdir, os.getcwd()
    tempfile.tempdir = str(path)
    os.chdir(path)
    try:
        yield
    finally:
        os.chdir(cwd)
        tempfile.tempdir = saved


def infer_with_hermit(store: Store, onto: Graph, asserted: set[Triple]) -> set[Triple]:
    """HermiT's entailments (all types, all object property values) for the store's asserted triples.

    Raises HermitUnavailable when Java or HermiT cannot run, ReasoningError (with the rules' diagnosis, since
    HermiT names nothing) when the input is inconsistent or a class unsatisfiable.
    """
    if shutil.which("java") is None:
        raise HermitUnavailable("java is not on PATH")
    import owlready2

    with tempfile.TemporaryDirectory(prefix="hqkg-hermit-") as work:
        work_dir = Path(work)
        source = work_dir / "input.nt"
        hermit_input(asserted, onto).serialize(source, format="nt", encoding="utf-8")
        world = owlready2.World()
        world.get_ontology(source.as_uri()).load()
        sink = world.get_ontology(str(graph_iri("inferred")) + "#")
        try:
            with sink, _temp_dir_for_owlready(work_dir):
                owlready2.sync_reasoner_hermit(world, infer_property_values=True, debug=0)
        except owlready2.OwlReadyInconsistentOntologyError:
            problems = unsatisfiable_classes(onto) + run_rule_reasoner(store, onto)
            _clear(store)
            raise ReasoningError("HermiT: the ontology and the data are inconsistent:\n  " + "\n  ".join(
                problems or ["(the rules found no single cause; HermiT names none)"])) from None
        except (owlready2.OwlReadyJavaError, OSError) as error:
            raise HermitUnavailable(f"HermiT failed: {str(error).strip()[:500]}") from None
        result = work_dir / "inferred.nt"
        sink.save(file=str(result), format="ntriples")
        entailed = Graph().parse(result, format="nt")
        world.close()
    nothing = {c for c, e in entailed.subject_objects(OWL.equivalentClass) if e == OWL.Nothing}
    if nothing:
        causes = unsatisfiable_classes(onto)
        raise ReasoningError("HermiT: unsatisfiable classes: " + ", ".join(sorted(show(c) for c in nothing))
                             + ("\n  " + "\n  ".join(causes) if causes else ""))
    return set(_closed(entailed, asserted, onto))


def _closed(entailed: Graph, asserted: set[Triple], onto: Graph) -> Iterator[Triple]:
    """HermiT reports the most specific facts only: close them over its class and property hierarchies.

    Its output lists an individual's direct types and, for a property, the pairs not already implied through a
    sub-property (Kunshan hq:parentRegion Suzhou, but not hq:partOf Suzhou); the hierarchies are the ontology's
    plus what HermiT classified.
    """
    classes = superclass_pairs(onto) | _named_pairs(entailed, RDFS.subClassOf, OWL.equivalentClass)
    properties = subproperty_pairs(onto) | _named_pairs(entailed, RDFS.subPropertyOf, OWL.equivalentProperty)
    supers = {RDF.type: _up(classes)}
    up_property = _up(properties)
    for s, p, o in itertools.chain(entailed, asserted):
        if p == RDF.type:
            if isinstance(o, URIRef):
                yield s, p, o
                yield from ((s, p, d) for d in supers[RDF.type].get(o, ()))
        elif isinstance(o, URIRef) and p not in (RDFS.subClassOf, RDFS.subPropertyOf, OWL.equivalentClass):
            yield s, p, o
            yield from ((s, q, o) for q in up_property.get(p, ()))


def _named_pairs(graph: Graph, sub: URIRef, equivalent: URIRef) -> set[tuple[URIRef, URIRef]]:
    pairs = {(a, b) for a, b in graph.subject_objects(sub) if isinstance(a, URIRef) and isinstance(b, URIRef)}
    for a, b in graph.subject_objects(equivalent):
        if isinstance(a, URIRef) and isinstance(b, URIRef):
            pairs |= {(a, b), (b, a)}
    return pairs


def _up(pairs: set[tuple[URIRef, URIRef]]) -> dict[URIRef, set[URIRef]]:
    up: dict[URIRef, set[URIRef]] = defaultdict(set)
    for a, b in pairs:
        up[a].add(b)
    return up


# --- choosing and materialising ----------------------------------------------------------------------------------

def infer(store: Store, onto: Graph, method: str = "auto", hermit_max_triples: int = HERMIT_MAX_TRIPLES) -> Inference:
    """Fill the store's inferred graph with the inferred triples of interest (see the module docstring), by the
    chosen method, and return them. Raises ReasoningError on a contradiction (the inferred graph is then empty).

    The rules always run too: alone, or after HermiT to check what HermiT's input leaves out (see hermit_input).
    """
    if method not in METHODS:
        raise ValueError(f"unknown reasoning method {method!r}; expected one of {', '.join(METHODS)}")
    started = time.perf_counter()
    _clear(store)
    chosen, why = method, "rules requested"
    if method == "auto":
        size = len(store)
        chosen, why = ("hermit", "java found; HermiT ran") if size <= hermit_max_triples else \
            ("rules", f"{size} triples is over the HermiT limit of {hermit_max_triples}")
    entailed: set[Triple] = set()
    asserted: set[Triple] = set()
    fallback = None
    if chosen == "hermit":
        asserted = asserted_triples(store)
        try:
            entailed = infer_with_hermit(store, onto, asserted)
            why = "HermiT requested" if method == "hermit" else why
        except HermitUnavailable as error:
            if method == "hermit":
                raise ReasoningError(str(error)) from None
            chosen, why = "rules", str(error)
            fallback = (f"HermiT could not run ({_first_line(error)}); the SPARQL rules reasoned instead "
                        "(they give the same triples)")
    unsatisfiable = unsatisfiable_classes(onto)
    if unsatisfiable and chosen == "rules":
        raise ReasoningError("unsatisfiable classes in the ontology:\n  " + "\n  ".join(unsatisfiable))
    problems = run_rule_reasoner(store, onto)
    if problems:
        _clear(store)
        lead = ("HermiT found its input consistent, but the checks of what that input leaves out did not pass"
                if chosen == "hermit" else "the ontology and the data are inconsistent")
        raise ReasoningError(f"{lead}:\n  " + "\n  ".join(problems))
    if chosen == "hermit":
        _clear(store)
        kept = of_interest(entailed, asserted, onto)
        # HermiT's entailments come back as rdflib terms (owlready2 reads and writes rdflib): the boundary.
        store.add(quad_from_rdflib(s, p, o, graph_iri("inferred")) for s, p, o in kept)
    else:  # what the rules derive is never asserted (each rule filters what exists)
        _keep_only_interest(store, onto)
        kept = {(s, p, o) for s, p, o, _ in store.rdflib_quads(graph_iri("inferred"))}
    counts = Counter(_short(p) for _, p, _ in kept)
    return Inference(chosen, kept, why, time.perf_counter() - started, counts=dict(sorted(counts.items())),
                     fallback=fallback)


def _first_line(error: Exception) -> str:
    """The telling line of a Java error ('java.lang.RuntimeException: unable to …'), else the first line."""
    lines = [line.strip() for line in str(error).splitlines() if line.strip()]
    telling = [line for line in lines if "Exception" in line or "Error:" in line]
    return (telling or lines or ["no message"])[0][:300]


def _short(iri: URIRef) -> str:
    return curie(iri) or str(iri)


def _clear(store: Store) -> None:
    store.raw().remove_graph(iri(graph_iri("inferred")))


def description() -> list[Triple]:
    """What the inferred graph says about itself (the same whichever reasoner ran, so builds stay identical)."""
    g, activity = graph_iri("inferred"), REASONING_ACTIVITY
    return [
        (g, RDF.type, PROV.Entity),
        (g, RDFS.label, Literal("inferred triples", lang="en")),
        (g, RDFS.label, Literal("推理得出的三元组", lang="zh")),
        (g, DCTERMS.description, Literal(
            "Triples entailed by the ontology from the asserted graphs and not asserted themselves: rdf:type (super-"
            "classes, domains and ranges, the defined classes hq:MeasureNamingInfrastructure and hq:HubRegion), the "
            "transitive hq:partOf and the super-properties hq:mentions and eli:cites. Computed by HermiT (OWL 2 DL) or, without Java, by equivalent "
            "SPARQL rules; the two agree. (hq:reachesRegion is derived by the reach rule into hqr:graph/reach.)", lang="en")),
        (g, DCTERMS.description, Literal(
            "由本体从已声明的图中推出、且本身未被声明的三元组：rdf:type（上位类、定义域与值域、定义类 "
            "hq:MeasureNamingInfrastructure 与 hq:HubRegion）、传递的 hq:partOf "
            "以及上位属性 hq:mentions 和 eli:cites。由 HermiT（OWL 2 DL）计算，无 Java 时由等价的 SPARQL "
            "规则计算，两者结果一致。（hq:reachesRegion 由涉及规则推出，存于 hqr:graph/reach。）", lang="zh")),
        (g, PROV.wasGeneratedBy, activity),
        (activity, RDF.type, PROV.Activity),
        (activity, RDFS.label, Literal("OWL 2 reasoning over the asserted graphs", lang="en")),
        (activity, RDFS.label, Literal("对已声明图的 OWL 2 推理", lang="zh")),
        *[(activity, PROV.used, graph_iri(name)) for name in ("ontology", "entities", "documents", "provenance")],
        *[(g, PROV.wasDerivedFrom, graph_iri(name)) for name in ("ontology", "entities", "documents", "provenance")],
    ]


def reason_store(store: Store, onto: Graph, method: str = "auto") -> Inference:
    """Reason, leaving the inferred graph with its description in the store; raise ReasoningError on a
    contradiction."""
    inference = infer(store, onto, method)
    if inference.fallback:
        log.warning(inference.fallback)
    store.add(quad_from_rdflib(s, p, o, graph_iri("inferred")) for s, p, o in description())
    log.info("reasoning: %s (%s), %d inferred triples in %.2f s", inference.method, inference.why,
             len(inference.triples), inference.seconds)
    return inference
