"""Quality gates: every check a built graph must pass, gathered into one report a curator can act on.

  shacl        ontology/shapes.ttl (graph/shacl.py): structure, labels, codes, links and their provenance;
  query        every queries/*-violation.rq: a check passes when the query returns no row;
  offsets      each annotation quote, and each provision text, is found at its offsets in the source file
               (a SPARQL constraint cannot read files, so this one is Python);
  floors       data/floors.yaml: sections and measures per document; curated entities no one uses (warnings).

A finding is a violation (the build fails: ValidationError) or a warning (reported, the build goes on). The report
lists focus node, path, message and the check's name, violations first.
"""
from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox
from rdflib.term import Node

from graph import resources
from graph.ingest.yamlfile import DataError, LineMapping, read_yaml
from graph.rdf.namespaces import curie, DCTERMS, ELI, HQ, HQR, OA, RDFS, SKOS, STATEMENT_SCHEMES, document_iri, scheme_iri
from graph.ingest.parse import ParseError, parse_file
from graph.checks.shacl import load_shapes, run_shacl
from graph.rdf.forked import store_map
from graph.rdf.store import Store, StoreError, graph_file
from graph.rdf.terms import text as term_text


DEFAULT_SHAPES = resources.SHAPES
DEFAULT_QUERIES = resources.QUERIES
DEFAULT_FLOORS = resources.FLOORS
DEFAULT_SOURCES = resources.SOURCES
DEFAULT_ONTOLOGY = resources.ONTOLOGY
REPORT_FILE = "validation-report.txt"
# Up to this many triples the build runs pySHACL (2-3 s here on the real build); above, the compiled SPARQL engine.
PYSHACL_MAX_TRIPLES = 25_000
VIOLATION, WARNING = "violation", "warning"
REPORT_LIMIT = 60  # findings shown when a build fails (`hqkg validate` shows them all)


class ValidationError(RuntimeError):
    """The graph fails a check; str() is the report."""

    def __init__(self, report: "Report"):
        super().__init__(report.text(limit=REPORT_LIMIT))
        self.report = report


class FloorsError(DataError):
    """A floors file that cannot be read; the message names the file and line."""


@dataclass(frozen=True, order=True)
class Finding:
    severity: str  # 'violation' or 'warning'
    check: str  # 'shacl:Measure-section', 'query:unlabelled-entity', 'offsets:quote', 'floors:measures'…
    focus: str  # the node (IRI) or file concerned
    path: str = ""  # the property path, when there is one
    message: str = ""
    value: str = ""


@dataclass
class Report:
    findings: list[Finding]
    ran: list[str] = field(default_factory=list)  # what ran, for the header
    seconds: dict[str, float] = field(default_factory=dict)

    @property
    def violations(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == VIOLATION]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == WARNING]

    def text(self, limit: int | None = None) -> str:
        """The readable report: a header, then one block per finding (violations first)."""
        lines = [f"validation: {len(self.violations)} violation(s), {len(self.warnings)} warning(s)",
                 "checks run: " + "; ".join(self.ran)]
        shown = sorted(self.findings, key=lambda f: (f.severity != VIOLATION, f.check, f.focus, f.path, f.value))
        for finding in shown[:limit]:
            where = f"{_short(finding.focus)}" + (f"  {finding.path}" if finding.path else "")
            lines.append(f"{finding.severity.upper():9} [{finding.check}] {where}")
            lines.append(f"          {finding.message}" + (f" (value: {_short(finding.value)})" if finding.value
                                                           and finding.value not in finding.message else ""))
        if limit is not None and len(shown) > limit:
            lines.append(f"… and {len(shown) - limit} more (see the full report)")
        return "\n".join(lines) + "\n"

    def summary(self) -> dict:
        """For build-report.json (no timing: the report stays the same from build to build)."""
        by_check: dict[str, int] = defaultdict(int)
        for f in self.findings:
            by_check[f"{f.severity}:{f.check}"] += 1
        return {"violations": len(self.violations), "warnings": len(self.warnings), "checks_run": self.ran,
                "by_check": dict(sorted(by_check.items()))}


def _short(value: str) -> str:
    """IRIs shortened with the project prefixes; resources relative to hqr:."""
    return curie(value) or value


def _text(node: Node | None) -> str:
    """An rdflib term of a SHACL result (the shapes are read by rdflib) as text."""
    return "" if node is None else str(node)


# --- SHACL -------------------------------------------------------------------------------------------------------

def check_shacl(store: Store, shapes_path: Path, engine: str,
                processes: int | None = None) -> tuple[str, list[Finding]]:
    shapes = load_shapes(shapes_path)
    used, results = run_shacl(store, shapes, engine, PYSHACL_MAX_TRIPLES, processes)
    findings = [Finding(VIOLATION if r.severity == "Violation" else WARNING,
                        f"shacl:{str(r.shape).rsplit('#', 1)[-1]}", _text(r.focus), r.path, r.message, _text(r.value))
                for r in results]
    return used, sorted(set(findings))


# --- *-violation.rq ----------------------------------------------------------------------------------------------

def violation_queries(queries_dir: Path) -> list[Path]:
    return sorted(queries_dir.glob("*-violation.rq")) if queries_dir.is_dir() else []


def query_title(text: str) -> str:
    """The `# title:` (or first comment) line of a query file."""
    comments = [line[1:].strip() for line in text.splitlines() if line.startswith("#")]
    for line in comments:
        if line.lower().startswith("title:"):
            return line.split(":", 1)[1].strip()
    return comments[0] if comments else ""


def check_queries(store: Store, paths: Iterable[Path], processes: int | None = None) -> list[Finding]:
    """One violation per row of each query; the focus is ?focus, ?this or the first IRI of the row. The queries
    are spread over `processes` (graph/rdf/forked.py)."""
    return [finding for findings in store_map(_findings_of, store, list(paths), processes) for finding in findings]


def _findings_of(store: Store, path: Path) -> list[Finding]:
    text = path.read_text(encoding="utf-8")
    name = path.name.removesuffix(".rq")
    try:
        solutions = store.query(text)
    except StoreError as error:
        return [Finding(VIOLATION, f"query:{name}", str(path), message=f"the check cannot run: {error}")]
    variables = [v.value for v in solutions.variables]
    message = query_title(text) or name
    findings = []
    for solution in solutions:
        row = {v: solution[v] for v in variables}
        focus = row.get("focus") or row.get("this") or next(
            (value for value in row.values() if isinstance(value, ox.NamedNode)), None)
        rest = ", ".join(f"{k}={_short(term_text(v))}" for k, v in row.items() if v is not None and v != focus)
        findings.append(Finding(VIOLATION, f"query:{name}", term_text(focus), term_text(row.get("path")),
                                message, rest))
    return findings


# --- quotes and texts at their offsets ---------------------------------------------------------------------------

QUOTES = f"""
SELECT ?selector ?file ?exact ?start ?end WHERE {{
  ?target {OA.hasSource.n3()} ?source ; {OA.hasSelector.n3()} ?quote , ?selector .
  ?source {DCTERMS.identifier.n3()} ?file .
  ?quote {OA.exact.n3()} ?exact .
  ?selector {OA.start.n3()} ?start ; {OA.end.n3()} ?end .
}}"""
TEXTS = f"""
SELECT ?provision ?file ?text ?start ?end WHERE {{
  ?provision {HQ.text.n3()} ?text ; {HQ.startOffset.n3()} ?start ; {HQ.endOffset.n3()} ?end ;
             {ELI.is_part_of.n3()}+ ?document .
  ?document {DCTERMS.source.n3()} ?source .
  ?source a {HQ.SourceText.n3()} ; {DCTERMS.identifier.n3()} ?file .
}}"""


class SourceFiles:
    """The source texts by file name, parsed once each; a missing or unreadable file becomes one finding."""

    def __init__(self, folders: Iterable[Path] = (), files: Iterable[Path] = ()):
        self.folders = [Path(f) for f in folders]
        self.paths = {Path(f).name: Path(f) for f in files}
        self._documents: dict[str, object] = {}
        self.problems: dict[str, str] = {}

    def clean(self, name: str, start: int, end: int) -> str | None:
        if name not in self._documents and name not in self.problems:
            path = self.paths.get(name) or next((f / name for f in self.folders if (f / name).is_file()), None)
            if path is None:
                where = ", ".join(str(f) for f in self.folders) or "(no source folder given)"
                self.problems[name] = f"source file {name} not found in {where}"
            else:
                try:
                    self._documents[name] = parse_file(path)
                except (ParseError, OSError) as error:
                    self.problems[name] = f"source file cannot be read: {error}"
        document = self._documents.get(name)
        return document.clean(start, end) if document is not None else None


def check_offsets(store: Store, sources: SourceFiles) -> Iterator[Finding]:
    """Each quote (oa:exact) and provision text (hq:text) equals the cleaned source between its offsets."""
    missing: set[str] = set()
    for query, kind, path in ((QUOTES, "quote", "oa:exact"), (TEXTS, "text", "hq:text")):
        for focus, file, expected, start, end in (tuple(term_text(v) for v in row) for row in store.query(query)):
            name = file
            try:
                found = sources.clean(name, int(start), int(end))
            except (ValueError, TypeError):
                yield Finding(VIOLATION, f"offsets:{kind}", str(focus), path, "the offsets are not integers",
                              f"{start}..{end}")
                continue
            if found is None:
                missing.add(name)
            elif found != str(expected):
                yield Finding(VIOLATION, f"offsets:{kind}", str(focus), path,
                              f"the {kind} is not what {name} has at {int(start)}..{int(end)}: "
                              f"{str(expected)[:40]!r} ≠ {found[:40]!r}")
    for name in sorted(missing):
        yield Finding(VIOLATION, "offsets:source", name, message=sources.problems[name])


# --- floors ------------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Floors:
    min_sections: int = 1
    min_measures: int = 1
    documents: dict[str, dict[str, int]] = field(default_factory=dict)  # id -> {'sections': n, 'measures': n}
    metadata_only: dict[str, str] = field(default_factory=dict)  # 'region/fengxian' -> why


def load_floors(path: Path) -> Floors:
    """Read data/floors.yaml; errors name the file and line."""
    label = str(path)
    try:
        top = read_yaml(path)
    except DataError as error:
        raise FloorsError(error.file, error.line, error.message) from None

    def mapping(value, what: str, line: int) -> LineMapping:
        if not isinstance(value, LineMapping):
            raise FloorsError(label, line, f"{what} must be a mapping")
        return value

    def count(value, what: str, line: int) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise FloorsError(label, line, f"{what} must be a whole number, got {str(value)!r}")
        return value

    top = mapping(top, "the file", 1)
    for key in top:
        if key not in ("every_document", "documents", "metadata_only"):
            raise FloorsError(label, top.line_of(key),
                              f"unknown key {key!r} (expected every_document, documents, metadata_only)")
    every = mapping(top["every_document"], "every_document", top.line_of("every_document")) \
        if "every_document" in top else LineMapping()
    for key in every:
        if key not in ("min_sections", "min_measures"):
            raise FloorsError(label, every.line_of(key),
                              f"unknown key {key!r} in every_document (expected min_sections, min_measures)")
    documents = {}
    listed = mapping(top["documents"], "documents", top.line_of("documents")) if "documents" in top else {}
    for doc_id, spec in listed.items():
        fields = mapping(spec, f"documents.{doc_id}", listed.line_of(doc_id))
        for key in fields:
            if key not in ("sections", "measures"):
                raise FloorsError(label, fields.line_of(key),
                                  f"unknown key {key!r} in documents.{doc_id} (expected sections, measures)")
        documents[doc_id] = {key: count(value, f"documents.{doc_id}.{key}", fields.line_of(key))
                             for key, value in fields.items()}
    metadata_only = {}
    entries = top.get("metadata_only")
    if entries is not None and not isinstance(entries, list):
        raise FloorsError(label, top.line_of("metadata_only"), "metadata_only must be a list")
    for index, entry in enumerate(entries or []):
        line = entries.line_of(index)
        fields = mapping(entry, "a metadata_only entry", line)
        if set(fields) != {"id", "why"} or not all(isinstance(fields[k], str) for k in fields):
            raise FloorsError(label, line, "a metadata_only entry needs exactly `id` (kind/id, e.g. region/fengxian) "
                              "and `why`, both text")
        metadata_only[fields["id"]] = fields["why"]
    return Floors(count(every["min_sections"], "min_sections", every.line_of("min_sections"))
                  if "min_sections" in every else 1,
                  count(every["min_measures"], "min_measures", every.line_of("min_measures"))
                  if "min_measures" in every else 1,
                  documents, metadata_only)


COUNTS = f"""
SELECT ?document (COUNT(DISTINCT ?section) AS ?sections) (COUNT(DISTINCT ?measure) AS ?measures) WHERE {{
  ?document a {HQ.PolicyDocument.n3()} ; {DCTERMS.source.n3()} ?source .
  ?source a {HQ.SourceText.n3()} .
  OPTIONAL {{ ?section a {HQ.Section.n3()} ; {ELI.is_part_of.n3()} ?document .
             OPTIONAL {{ ?measure a {HQ.Measure.n3()} ; {ELI.is_part_of.n3()} ?section . }} }}
}} GROUP BY ?document"""
CURATED = f"SELECT DISTINCT ?entity WHERE {{ ?entity {HQ.verificationStatus.n3()} ?status . }}"
NAMED = f"""
      {{ ?provision ?mention ?named . ?mention {RDFS.subPropertyOf.n3()} {HQ.mentions.n3()} . }}
      UNION {{ ?named {DCTERMS.source.n3()}/a {HQ.SourceText.n3()} . }}"""
# What a text names, and what that refers to (one or more steps: a zero-length path would range over every node).
USED = f"""
SELECT DISTINCT ?entity WHERE {{
  {{ SELECT DISTINCT (?named AS ?entity) WHERE {{ {NAMED} }} }}
  UNION {{
    {{ SELECT DISTINCT ?named WHERE {{ {NAMED} }} }}
    ?named ({HQ.parentRegion.n3()}|{HQ.hasMember.n3()}|{HQ.locatedIn.n3()}|{HQ.connects.n3()}|{SKOS.broader.n3()}|
            {DCTERMS.publisher.n3()}|{ELI.cites.n3()})+ ?entity .
  }}
  UNION {{ ?annotation {HQ.throughComposite.n3()} ?entity . }}  # a composite name whose expansion made a link
  UNION {{  # the statement schemes (data/schemes/) are the vocabulary statements are told in, not curated facts
    VALUES ?scheme {{ {" ".join(scheme_iri(name).n3() for name in STATEMENT_SCHEMES)} }}
    ?entity {SKOS.inScheme.n3()}? ?scheme .
    ?scheme a {SKOS.ConceptScheme.n3()} .
  }}
}}"""


def unused_entities(store: Store) -> list[str]:
    """IRIs of the curated entities that no text names and no named entity refers to: the one meaning of
    "unused" (the floors warning and build-report.json's entities_unused both read it)."""
    curated = {term_text(row[0]) for row in store.query(CURATED)}
    used = {term_text(row[0]) for row in store.query(USED)}
    return sorted(curated - used)


def check_floors(store: Store, floors: Floors) -> Iterator[Finding]:
    counted = {}
    for document, sections, measures in (tuple(term_text(v) for v in row) for row in store.query(COUNTS)):
        counted[str(document)] = (int(sections), int(measures))
        for kind, found, floor in (("sections", int(sections), floors.min_sections),
                                   ("measures", int(measures), floors.min_measures)):
            if found < floor:
                yield Finding(VIOLATION, f"floors:{kind}", str(document), message=f"{found} {kind}, fewer than "
                              f"the floor of {floor} for every document (data/floors.yaml)")
    for doc_id, expected in sorted(floors.documents.items()):
        iri = str(document_iri(doc_id))
        if iri not in counted:
            yield Finding(WARNING, "floors:document", iri,
                          message="data/floors.yaml sets counts for this document, but it is not in the graph")
            continue
        for kind, found in zip(("sections", "measures"), counted[iri]):
            if kind in expected and found != expected[kind]:
                yield Finding(VIOLATION, f"floors:{kind}", iri,
                              message=f"{found} {kind}; data/floors.yaml expects exactly {expected[kind]}")
    curated = {term_text(row[0]) for row in store.query(CURATED)}
    listed = {str(HQR[key]): key for key in floors.metadata_only}
    for entity in (e for e in unused_entities(store) if e not in listed):
        yield Finding(WARNING, "floors:unused", entity, message="curated, but no text names it and no named entity "
                      "refers to it: name it, list it under metadata_only in data/floors.yaml, or remove it")
    for iri, key in sorted(listed.items()):
        if iri not in curated:
            yield Finding(WARNING, "floors:metadata-only", iri, message=f"data/floors.yaml lists {key} as "
                          "metadata-only, but there is no such curated entity")


# --- everything --------------------------------------------------------------------------------------------------

def validate_store(store: Store, sources: SourceFiles, *, shapes: Path = DEFAULT_SHAPES,
                   queries_dir: Path = DEFAULT_QUERIES, floors: Path = DEFAULT_FLOORS,
                   engine: str = "auto", processes: int | None = None) -> Report:
    """Run every check on the store (all its graphs: asserted, and inferred if present); the SHACL and
    violation queries over up to `processes` forked processes (None: one per CPU; graph/rdf/forked.py)."""
    report = Report([])
    mark = time.perf_counter()
    used, findings = check_shacl(store, shapes, engine, processes)
    report.findings += findings
    report.ran.append(f"SHACL ({used}, {shapes.name})")
    report.seconds["shacl"] = time.perf_counter() - mark

    mark = time.perf_counter()
    paths = violation_queries(queries_dir)
    report.findings += check_queries(store, paths, processes)
    report.ran.append(f"{len(paths)} violation queries ({queries_dir.name}/*-violation.rq)")
    report.seconds["queries"] = time.perf_counter() - mark

    mark = time.perf_counter()
    report.findings += check_offsets(store, sources)
    report.ran.append("quotes and texts at their offsets")
    report.seconds["offsets"] = time.perf_counter() - mark

    mark = time.perf_counter()
    report.findings += check_floors(store, load_floors(floors))
    report.ran.append(f"floors ({floors.name})")
    report.seconds["floors"] = time.perf_counter() - mark
    report.findings = sorted(set(report.findings))
    return report


def validate_file(graph: Path, sources: SourceFiles, reasoner: str | None = None,
                  ontology: Path = DEFAULT_ONTOLOGY, **options) -> Report:
    """Load any RDF file or build folder (store.graph_file) and validate it.

    With `reasoner` (auto, hermit or rules) the graph is first reasoned over with the ontology file: a contradiction
    becomes a violation of the check `reasoning`, and the inferred triples are validated too.
    """
    graph = graph_file(graph)
    store = Store()
    store.load(graph)
    problem = None
    if reasoner is not None:
        from graph.rdf.ontology import load_ontology
        from graph.reason.infer import ReasoningError, reason_store

        try:
            reason_store(store, load_ontology(ontology), reasoner)
        except ReasoningError as error:
            problem = Finding(VIOLATION, "reasoning", str(graph), message=str(error))
    report = validate_store(store, sources, **options)
    if reasoner is not None:
        report.ran.insert(0, f"reasoning ({reasoner}, {ontology.name})")
    if problem is not None:
        report.findings = sorted([problem, *report.findings])
    return report


__all__ = ["Finding", "Floors", "FloorsError", "Report", "SourceFiles", "ValidationError", "load_floors",
           "validate_file", "validate_store"]
