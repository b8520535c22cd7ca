"""Named SPARQL queries (queries/*.rq): find them, read their headers, bind parameters as RDF terms, run them, and
write the answers as an aligned table, CSV, TSV, SPARQL JSON or a Markdown table.

Each query file opens with a header of comment lines (docs/queries.md):

    # title: Provinces each measure reaches
    # question-en: For each measure, which province-level regions does it reach …?
    # question-zh: 每条措施涉及哪些省级行政区…？
    # param: level (province|prefecture|county) — administrative level of the paired regions (example: prefecture)
    # note: free text (repeatable)

A parameter's type is `string`, `integer`, `iri` or a `|`-separated list of allowed strings. Values are bound as
RDF terms (Oxigraph substitutions, rdflib initBindings), never spliced into the query text, so a value holding
quotes or braces cannot change the query. A parameter must be in the SELECT of the query and of every sub-select
that uses it: Oxigraph substitutes only projected variables.

Two engines answer the same query: Oxigraph (default, fast) and rdflib's own SPARQL engine (slow, independent),
so tests can show that the answers do not depend on the engine. Answers are Oxigraph terms whichever engine gave
them: rdflib's are converted where they leave it (its bindings going in, its rows coming out), the one boundary.
CSV and TSV of an Oxigraph answer are written by Oxigraph itself (`answer`); `to_csv` / `to_tsv` write the same
bytes for any Result (a test compares them on every query).
"""
from __future__ import annotations

import csv
import difflib
import io
import json
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox
import rdflib
from pyparsing import ParseException

from graph import resources
from graph.rdf.namespaces import XSD, curie, graph_iri
from graph.rdf.store import Store, StoreError, graph_file, open_store
from graph.rdf.terms import XSD_STRING, from_ox, integer, plain, to_ox

Term = ox.NamedNode | ox.BlankNode | ox.Literal

QUERIES_DIR = resources.QUERIES
ENGINES = ("oxigraph", "rdflib")
FORMATS = ("table", "csv", "tsv", "json", "md")
# Formats Oxigraph writes itself, byte for byte as to_csv / to_tsv do (SPARQL 1.1 CSV and TSV). Its JSON is the
# same document unindented, so JSON stays with to_json, which people read too.
OXIGRAPH_FORMATS = {"csv": ox.QueryResultsFormat.CSV, "tsv": ox.QueryResultsFormat.TSV}
CHECK_SUFFIX = "-violation"
REQUIRED_FIELDS = ("title", "question-en", "question-zh")
FIELDS = (*REQUIRED_FIELDS, "param", "note")
PARAM_TYPES = ("string", "integer", "iri")
RDFLIB_FORMATS = {".ttl": "turtle", ".nt": "nt", ".nq": "nquads", ".trig": "trig", ".rdf": "xml", ".owl": "xml",
                  ".jsonld": "json-ld", ".n3": "n3"}

_FIELD_LINE = re.compile(r"#\s*([a-z][a-z-]*)\s*:\s*(.*)")
_PARAM = re.compile(r"(?P<name>[A-Za-z_][A-Za-z0-9_]*)\s*\((?P<type>[^)]*)\)\s*[—–-]\s*(?P<meaning>.*?)\s*"
                    r"\(example:\s*(?P<example>[^)]*?)\s*\)\s*")
_IRI = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:[^\s<>\"{}|\\^`]*")
_OX_POSITION = re.compile(r"error at (\d+):(\d+):\s*(.*)", re.S)


class QueryError(ValueError):
    """A query that cannot be found, read, bound or run; the message names the file (and line:column)."""


@dataclass(frozen=True)
class Param:
    name: str
    type: str  # string | integer | iri | choice
    choices: tuple[str, ...]  # allowed values when type is 'choice'
    meaning: str
    example: str

    def bind(self, value: str) -> Term:
        """The RDF term for a value given on the command line (never query text)."""
        if self.type == "integer":
            if not re.fullmatch(r"[+-]?[0-9]+", value.strip()):
                raise QueryError(f"parameter {self.name}: expected an integer, got {value!r}")
            return integer(int(value))
        if self.type == "iri":
            if not _IRI.fullmatch(value):
                raise QueryError(f"parameter {self.name}: not an absolute IRI: {value!r}")
            try:
                return ox.NamedNode(value)
            except ValueError as error:
                raise QueryError(f"parameter {self.name}: not an absolute IRI: {value!r} ({error})") from None
        if self.type == "choice" and value not in self.choices:
            raise QueryError(f"parameter {self.name}: {value!r} is not one of {', '.join(self.choices)}")
        return plain(value)

    def describe(self) -> str:
        kind = "|".join(self.choices) if self.type == "choice" else self.type
        return f"{self.name} ({kind}) — {self.meaning} (example: {self.example})"


@dataclass(frozen=True)
class NamedQuery:
    name: str
    path: Path
    sparql: str
    title: str = ""
    question_en: str = ""
    question_zh: str = ""
    params: tuple[Param, ...] = ()
    notes: tuple[str, ...] = ()

    @property
    def is_check(self) -> bool:
        """A `*-violation.rq` check: a good graph gives no rows."""
        return self.name.endswith(CHECK_SUFFIX)

    def param(self, name: str) -> Param | None:
        return next((p for p in self.params if p.name == name), None)

    def example_params(self) -> dict[str, str]:
        return {p.name: p.example for p in self.params}


@dataclass(frozen=True)
class Result:
    """A SELECT answer (variables and rows of Oxigraph terms, None when unbound) or an ASK answer (boolean)."""

    variables: tuple[str, ...]
    rows: tuple[tuple[Term | None, ...], ...]
    boolean: bool | None = None

    def column(self, name: str) -> list[Term | None]:
        index = self.variables.index(name)
        return [row[index] for row in self.rows]

    def records(self) -> list[dict[str, Term | None]]:
        return [dict(zip(self.variables, row)) for row in self.rows]


# --- reading query files ---------------------------------------------------------------------------------------

def parse_query(text: str, path: Path, require_header: bool = True) -> NamedQuery:
    """Read the header of a query file. Without `require_header`, a file with no header fields is accepted."""
    fields: dict[str, list[tuple[int, str]]] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if not stripped:
            continue
        if not stripped.startswith("#"):
            break
        match = _FIELD_LINE.fullmatch(stripped)
        if match is None:
            continue  # free comment text
        key, value = match.group(1), match.group(2).strip()
        if key not in FIELDS:
            raise QueryError(f"{path}:{number}: unknown header field {key!r} (expected one of {', '.join(FIELDS)})")
        fields.setdefault(key, []).append((number, value))
    if fields or require_header:
        for key in REQUIRED_FIELDS:
            if key not in fields:
                raise QueryError(f"{path}:1: header field '# {key}:' is missing")
            if len(fields[key]) > 1:
                raise QueryError(f"{path}:{fields[key][1][0]}: header field '# {key}:' is given twice")
            if not fields[key][0][1]:
                raise QueryError(f"{path}:{fields[key][0][0]}: header field '# {key}:' is empty")
    params = []
    for number, value in fields.get("param", []):
        param = _parse_param(value, path, number)
        if any(p.name == param.name for p in params):
            raise QueryError(f"{path}:{number}: parameter {param.name!r} is declared twice")
        if not re.search(rf"[?$]{param.name}\b", _strip_comments(text)):
            raise QueryError(f"{path}:{number}: parameter {param.name!r} is declared but ?{param.name} is not used")
        params.append(param)
    first = {key: values[0][1] for key, values in fields.items()}
    return NamedQuery(name=path.stem, path=path, sparql=text, title=first.get("title", ""),
                      question_en=first.get("question-en", ""), question_zh=first.get("question-zh", ""),
                      params=tuple(params), notes=tuple(value for _, value in fields.get("note", [])))


def _parse_param(value: str, path: Path, number: int) -> Param:
    match = _PARAM.fullmatch(value)
    if match is None:
        raise QueryError(f"{path}:{number}: expected '# param: NAME (TYPE) — MEANING (example: VALUE)', "
                         f"got {value!r}")
    kind = match.group("type").strip()
    if kind in PARAM_TYPES:
        choices: tuple[str, ...] = ()
    elif "|" in kind and all(choice.strip() for choice in kind.split("|")):
        choices = tuple(choice.strip() for choice in kind.split("|"))
        kind = "choice"
    else:
        raise QueryError(f"{path}:{number}: parameter type {kind!r} is not one of {', '.join(PARAM_TYPES)} "
                         f"or a list like a|b|c")
    param = Param(match.group("name"), kind, choices, match.group("meaning"), match.group("example"))
    try:
        param.bind(param.example)
    except QueryError as error:
        raise QueryError(f"{path}:{number}: the example does not fit: {error}") from None
    return param


def _strip_comments(text: str) -> str:
    """The query without its whole-line comments (enough to see which variables it uses)."""
    return "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("#"))


def load_query(path: Path, require_header: bool = True) -> NamedQuery:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise QueryError(f"{path}: no such query file") from None
    except (OSError, UnicodeDecodeError) as error:
        raise QueryError(f"{path}: cannot read the query: {error}") from None
    return parse_query(text, path, require_header)


def all_queries(folder: Path = QUERIES_DIR) -> list[NamedQuery]:
    """Every query of the folder, by name (questions and checks alike)."""
    return [load_query(path) for path in sorted(folder.glob("*.rq"))]


def find_query(name_or_path: str, folder: Path = QUERIES_DIR) -> NamedQuery:
    """A query by name (`measure-provinces`) from the folder, or any .rq file by path."""
    candidate = Path(name_or_path)
    if name_or_path.endswith(".rq") or "/" in name_or_path:
        if not candidate.is_file():
            raise QueryError(f"{candidate}: no such query file")
        inside = candidate.resolve().parent == folder.resolve()
        return load_query(candidate, require_header=inside)
    path = folder / f"{name_or_path}.rq"
    if path.is_file():
        return load_query(path)
    names = sorted(p.stem for p in folder.glob("*.rq"))
    close = difflib.get_close_matches(name_or_path, names, n=3, cutoff=0.5)
    close += [n for n in names if name_or_path and name_or_path in n and n not in close][:3]
    hint = f"; did you mean {', '.join(close)}?" if close else ""
    raise QueryError(f"unknown query {name_or_path!r}{hint} (`hqkg queries` lists them; or give a path to a .rq file)")


# --- parameters --------------------------------------------------------------------------------------------------

def parse_param_args(args: Iterable[str]) -> dict[str, str]:
    """`key=value` strings from the command line -> {key: value}."""
    params: dict[str, str] = {}
    for arg in args:
        key, sep, value = arg.partition("=")
        key = key.strip()
        if not sep or not key:
            raise QueryError(f"--param {arg!r}: expected KEY=VALUE")
        if key in params:
            raise QueryError(f"--param {key}: given twice")
        params[key] = value
    return params


def bind_params(query: NamedQuery, values: Mapping[str, str]) -> dict[str, Term]:
    """The RDF terms for the query's parameters; every declared one is required, no other is accepted."""
    unknown = sorted(set(values) - {p.name for p in query.params})
    if unknown:
        declared = ", ".join(p.name for p in query.params) or "none"
        raise QueryError(f"{query.name}: unknown parameter {', '.join(unknown)} (it takes: {declared})")
    missing = [p for p in query.params if p.name not in values]
    if missing:
        raise QueryError(f"{query.name}: missing parameter " + "; ".join(
            f"--param {p.name}=… ({p.describe()})" for p in missing))
    return {p.name: p.bind(values[p.name]) for p in query.params}


_WHERE = re.compile(r"\bWHERE\s*\{", re.IGNORECASE)


def bound_text(sparql: str, bindings: Mapping[str, Term | str]) -> str:
    """The query text with its parameters bound, for an engine reached by text (Jena, Virtuoso, any SPARQL
    endpoint): a VALUES block opening every WHERE group, each value an Oxigraph term (or its N-Triples form
    already), whose N-Triples form is a SPARQL term too, so a value holding quotes or braces stays one term.

    Every WHERE group, since a parameter is projected by each sub-select that uses it and SPARQL evaluates a
    sub-select before what is around it: each one sees its value, as Oxigraph's substitutions give it. The
    alternatives measured on Virtuoso 7.2.5 with the seed build do no better: a VALUES clause after the whole
    query is ignored by it (region-pairs gave its rows for every level), the block at the end of each group or in
    one group only gave the same or fewer rows, and on the questions it still answers wrongly (docs/publishing.md)
    the parameter written into the text as a literal gave the same wrong rows. Whole-line comments go first, so a
    comment cannot hold a WHERE."""
    text = _strip_comments(sparql)
    if not bindings:
        return text
    names = " ".join(f"?{name}" for name in bindings)
    values = " ".join(str(value) for value in bindings.values())
    return _WHERE.sub(lambda m: f"{m.group(0)} VALUES ({names}) {{ ({values}) }}", text)


def bound_query(query: NamedQuery, params: Mapping[str, str] | None = None) -> str:
    """A named question's text with its parameters (checked as `run` checks them) bound (`bound_text`)."""
    return bound_text(query.sparql, bind_params(query, params or {}))


# --- graphs and engines -----------------------------------------------------------------------------------------

def open_rdflib(path: Path) -> rdflib.Graph:
    """An in-memory rdflib graph holding the file; for TriG and N-Quads a dataset whose default graph is the union
    of its graphs (as Oxigraph's queries see it). A file without the inferred graph gets it as open_store_reasoned
    makes it, so both engines read the same triples."""
    path = graph_file(path)
    fmt = RDFLIB_FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise QueryError(f"{path}: unknown RDF format (expected one of {', '.join(sorted(RDFLIB_FORMATS))})")
    graph = rdflib.Dataset(default_union=True) if fmt in ("trig", "nquads") else rdflib.Graph()
    try:
        graph.parse(path, format=fmt)
    except Exception as error:  # rdflib's parsers raise many kinds; all mean the same to the user
        raise QueryError(f"{path}: cannot read the graph: {error}") from None
    if not isinstance(graph, rdflib.Dataset):
        store = open_store_reasoned(path)
        for s, p, o, _ in store.rdflib_quads(graph_iri("inferred")):
            graph.add((s, p, o))
    return graph


def open_store_reasoned(path: Path) -> Store:
    """The store of open_store, with the inferred graph the build makes: the questions read the broader types and
    the hq:partOf closure the reasoner materialises (Virtuoso 7.2 answers class paths such as
    `?c rdfs:subClassOf* hq:Region` joined with other paths wrongly, so the questions test `?x a hq:Region`). A build
    folder's graph.trig holds that graph already; a single file (graph.ttl, the asserted data) is reasoned over here
    with the rules, as `hqkg validate --reasoner rules` does (0.2 s on the seed's graph.ttl)."""
    from graph.reason.infer import ReasoningError

    store = open_store(path)
    try:
        return with_inferred(store)
    except ReasoningError as error:
        raise QueryError(f"{graph_file(path)}: {error}") from None


def with_inferred(store: Store) -> Store:
    """`store`, given the inferred graph by the rules if it has none yet (what the questions read; see
    open_store_reasoned)."""
    inferred = ox.NamedNode(str(graph_iri("inferred")))
    if next(iter(store.quads_for_pattern(None, None, None, inferred)), None) is None:
        from graph.rdf.ontology import load_ontology
        from graph.reason.infer import reason_store

        reason_store(store, load_ontology(resources.ONTOLOGY), "rules")
    return store


def open_graph(path: Path, engine: str = "oxigraph") -> Store | rdflib.Graph:
    """The graph the questions are asked of, with its inferred graph (open_store_reasoned)."""
    if engine not in ENGINES:
        raise QueryError(f"unknown engine {engine!r} (expected one of {', '.join(ENGINES)})")
    return open_store_reasoned(path) if engine == "oxigraph" else open_rdflib(path)


def run(query: NamedQuery, graph: Store | rdflib.Graph, params: Mapping[str, str] | None = None) -> Result:
    """Answer a query on a Store (Oxigraph) or an rdflib Graph or Dataset (rdflib's engine)."""
    bindings = bind_params(query, params or {})
    if isinstance(graph, Store):
        return _run_oxigraph(query, graph, bindings)
    return _run_rdflib(query, graph, bindings)


def _run_oxigraph(query: NamedQuery, store: Store, bindings: dict[str, Term]) -> Result:
    answer = _oxigraph_answer(query, store, bindings)
    if isinstance(answer, ox.QueryBoolean):
        return Result((), (), bool(answer))
    try:
        variables = tuple(v.value for v in answer.variables)
        rows = tuple(tuple(solution) for solution in answer)
    except (RuntimeError, OSError) as error:
        raise QueryError(f"{query.path}: the query failed: {error}") from None
    return Result(variables, rows)


def _oxigraph_answer(query: NamedQuery, store: Store, bindings: dict[str, Term]):
    """Oxigraph's own answer (QuerySolutions or QueryBoolean), not yet read."""
    try:
        answer = store.query(query.sparql, bindings)
    except StoreError as error:
        raise QueryError(_sparql_error(query.path, str(error))) from None
    except (RuntimeError, OSError) as error:
        raise QueryError(f"{query.path}: the query failed: {error}") from None
    if not isinstance(answer, (ox.QueryBoolean, ox.QuerySolutions)):
        raise QueryError(f"{query.path}: only SELECT and ASK queries can be run here")
    return answer


def _sparql_error(path: Path, message: str) -> str:
    """'invalid SPARQL: error at 4:1: expected …' -> '<path>:4:1: invalid SPARQL: expected …'."""
    match = _OX_POSITION.search(message)
    if match:
        return f"{path}:{match.group(1)}:{match.group(2)}: invalid SPARQL: {match.group(3)}"
    return f"{path}: {message}"


def _run_rdflib(query: NamedQuery, graph: rdflib.Graph, bindings: dict[str, Term]) -> Result:
    """rdflib's engine, the cross-check: bindings go in as rdflib terms and rows come out as Oxigraph terms."""
    try:
        answer = graph.query(query.sparql, initBindings={k: from_ox(v) for k, v in bindings.items()})
        if answer.type == "ASK":
            return Result((), (), bool(answer.askAnswer))
        if answer.type != "SELECT":
            raise QueryError(f"{query.path}: only SELECT and ASK queries can be run here")
        variables = tuple(str(v) for v in answer.vars)
        rows = tuple(tuple(None if row[v] is None else to_ox(row[v]) for v in answer.vars) for row in answer)
    except ParseException as error:
        raise QueryError(f"{query.path}:{error.lineno}:{error.col}: invalid SPARQL: {error.msg}") from None
    except QueryError:
        raise
    except Exception as error:  # rdflib raises plain Exceptions for unknown prefixes and the like
        raise QueryError(f"{query.path}: the query failed: {error}") from None
    return Result(variables, rows)


def run_named(store: Store, name: str, params: Mapping[str, str] | None = None,
              folder: Path = QUERIES_DIR) -> Result:
    """Answer the query `name` of the folder on a store: the entry point for other modules (network.py)."""
    return run(find_query(name, folder), store, params)


# --- output formats ---------------------------------------------------------------------------------------------

def render(result: Result, fmt: str = "table") -> str:
    """The answer as text in one of FORMATS."""
    if fmt not in FORMATS:
        raise QueryError(f"unknown format {fmt!r} (expected one of {', '.join(FORMATS)})")
    if fmt == "json":
        return to_json(result)
    if result.boolean is not None:
        return f"{'true' if result.boolean else 'false'}\n"
    return {"table": to_table, "csv": to_csv, "tsv": to_tsv, "md": to_markdown}[fmt](result)


def to_json(result: Result) -> str:
    """SPARQL 1.1 Query Results JSON."""
    if result.boolean is not None:
        document: dict = {"head": {}, "boolean": result.boolean}
    else:
        bindings = [{var: _json_term(term) for var, term in zip(result.variables, row) if term is not None}
                    for row in result.rows]
        document = {"head": {"vars": list(result.variables)}, "results": {"bindings": bindings}}
    return json.dumps(document, ensure_ascii=False, indent=2) + "\n"


def _json_term(term: Term) -> dict[str, str]:
    if isinstance(term, ox.NamedNode):
        return {"type": "uri", "value": term.value}
    if isinstance(term, ox.BlankNode):
        return {"type": "bnode", "value": term.value}
    value: dict[str, str] = {"type": "literal", "value": term.value}
    if term.language:
        value["xml:lang"] = term.language
    elif term.datatype.value != XSD_STRING:
        value["datatype"] = term.datatype.value
    return value


def to_csv(result: Result) -> str:
    """SPARQL 1.1 Query Results CSV: lexical forms and plain IRIs, CRLF line ends, RFC 4180 quoting."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(result.variables)
    for row in result.rows:
        writer.writerow(["" if term is None else str(term) if isinstance(term, ox.BlankNode) else term.value
                         for term in row])
    return out.getvalue()


def to_tsv(result: Result) -> str:
    """SPARQL 1.1 Query Results TSV: `?var` headers, terms in SPARQL syntax, LF line ends."""
    lines = ["\t".join(f"?{v}" for v in result.variables)]
    lines += ["\t".join("" if term is None else _sparql_term(term) for term in row) for row in result.rows]
    return "\n".join(lines) + "\n"


_NUMERIC = {str(XSD.integer): r"[+-]?[0-9]+", str(XSD.decimal): r"[+-]?[0-9]*\.[0-9]+",
            str(XSD.double): r"[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)[eE][+-]?[0-9]+", str(XSD.boolean): r"true|false"}


def _sparql_term(term: Term) -> str:
    if isinstance(term, ox.NamedNode):
        return f"<{term.value}>"
    if isinstance(term, ox.BlankNode):
        return f"_:{term.value}"
    lexical = term.value
    pattern = _NUMERIC.get(term.datatype.value)
    if pattern and re.fullmatch(pattern, lexical):
        return lexical
    quoted = '"' + (lexical.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
                    .replace("\r", "\\r").replace("\t", "\\t")) + '"'
    if term.language:
        return f"{quoted}@{term.language}"
    if term.datatype.value != XSD_STRING:
        return f"{quoted}^^<{term.datatype.value}>"
    return quoted




def display(term: Term | None) -> str:
    """A cell for people: IRIs shortened with the project prefixes, literals as their text, one line."""
    if term is None:
        return ""
    if isinstance(term, ox.NamedNode):
        text = curie(term.value) or term.value
    elif isinstance(term, ox.BlankNode):
        text = f"_:{term.value}"
    else:
        text = term.value
    return re.sub(r"[\r\n\t]+", " ", text)


def width(text: str) -> int:
    """Columns a terminal gives the text: wide and full-width (CJK) characters take two, combining marks none."""
    return sum(0 if unicodedata.combining(ch) else 2 if unicodedata.east_asian_width(ch) in "WF" else 1
               for ch in text)


def _pad(text: str, columns: int) -> str:
    return text + " " * (columns - width(text))


def to_table(result: Result) -> str:
    """Columns aligned for a terminal, CJK counted double, then the row count."""
    cells = [[display(term) for term in row] for row in result.rows]
    widths = [max([width(v)] + [width(row[i]) for row in cells]) for i, v in enumerate(result.variables)]
    lines = ["  ".join(_pad(v, w) for v, w in zip(result.variables, widths)).rstrip(),
             "  ".join("-" * w for w in widths)]
    lines += ["  ".join(_pad(cell, w) for cell, w in zip(row, widths)).rstrip() for row in cells]
    count = len(result.rows)
    lines.append(f"({count} row{'s' if count != 1 else ''})")
    return "\n".join(lines) + "\n"


def _md_cell(text: str) -> str:
    """Escaped for Markdown and for the HTML a renderer makes of it: no tag, link or table break survives."""
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return re.sub(r"([\\`*_\[\]|])", r"\\\1", text)


def to_markdown(result: Result) -> str:
    lines = ["| " + " | ".join(_md_cell(v) for v in result.variables) + " |",
             "| " + " | ".join("---" for _ in result.variables) + " |"]
    lines += ["| " + " | ".join(_md_cell(display(term)) for term in row) + " |" for row in result.rows]
    return "\n".join(lines) + "\n"


# --- what the CLI calls -----------------------------------------------------------------------------------------

def answer(name_or_path: str, params: Sequence[str] = (), graph: Path | None = None, fmt: str = "table",
           engine: str = "oxigraph", folder: Path = QUERIES_DIR) -> str:
    """`hqkg query`: find the query, check its parameters, load the graph, run, render."""
    query = find_query(name_or_path, folder)
    values = parse_param_args(params)
    bind_params(query, values)  # fail on a bad parameter before loading the graph
    if fmt not in FORMATS:
        raise QueryError(f"unknown format {fmt!r} (expected one of {', '.join(FORMATS)})")
    try:
        opened = open_graph(resources.default_out() if graph is None else graph, engine)
    except StoreError as error:
        raise QueryError(str(error)) from None
    if isinstance(opened, Store) and fmt in OXIGRAPH_FORMATS:
        solutions = _oxigraph_answer(query, opened, bind_params(query, values))
        if isinstance(solutions, ox.QuerySolutions):
            return solutions.serialize(format=OXIGRAPH_FORMATS[fmt]).decode("utf-8")
        return render(Result((), (), bool(solutions)), fmt)
    return render(run(query, opened, values), fmt)


def listing(folder: Path = QUERIES_DIR) -> str:
    """`hqkg queries`: every question, then every check, with its parameters and questions in en and zh."""
    queries = all_queries(folder)
    lines: list[str] = []
    for heading, group in (("Questions", [q for q in queries if not q.is_check]),
                           ("Checks (a good graph gives no rows)", [q for q in queries if q.is_check])):
        lines.append(f"{heading}:")
        for q in group:
            params = " ".join(f"--param {p.name}={p.example}" for p in q.params)
            lines.append(f"  {q.name}" + (f"  {params}" if params else ""))
            lines.append(f"      {q.question_en}")
            lines.append(f"      {q.question_zh}")
        lines.append("")
    return "\n".join(lines)
