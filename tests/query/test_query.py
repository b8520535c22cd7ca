"""graph/query.py and `hqkg query` / `hqkg queries`: headers, parameters bound as RDF terms (injection attempts
change nothing), clear errors with a non-zero exit, and every output format read back by its own rules."""
from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner
import pyoxigraph as ox

from graph.cli import main
from graph.query.named import (
    OXIGRAPH_FORMATS, QUERIES_DIR, Param, QueryError, Result, all_queries, answer, bind_params, bound_query,
    find_query, open_rdflib,
    parse_param_args, parse_query, render, run, to_csv, to_table, to_tsv, width,
)
from graph.rdf.terms import integer, plain, typed, zh

XSD = "http://www.w3.org/2001/XMLSchema#"
INJECTIONS = ['"} ; DROP ALL ; {', '苏州" || "1"="1', "苏州\" } UNION { ?s ?p ?o } #", "<http://x> } ; CLEAR ALL"]



@pytest.fixture(scope="module")
def rdflib_graph(graph_file):
    return open_rdflib(graph_file)


def write(tmp_path: Path, text: str, name: str = "q.rq") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


HEADER = ("# title: T\n# question-en: Which?\n# question-zh: 哪些？\n")


# --- headers -------------------------------------------------------------------------------------------------------

def test_every_query_file_has_a_full_header():
    for path in sorted(QUERIES_DIR.glob("*.rq")):
        query = find_query(path.stem)
        assert query.title and query.question_en and query.question_zh, path.name
        assert all(p.example for p in query.params), path.name


def test_header_is_read_with_its_parameters():
    query = find_query("region-pairs")
    assert query.title == "Region-pair linkage matrix"
    assert query.question_zh.startswith("在同一行政层级上")
    (level,) = query.params
    assert (level.name, level.type, level.choices, level.example) == (
        "level", "choice", ("province", "prefecture", "county"), "prefecture")
    assert not query.is_check and find_query("empty-quote-violation").is_check


@pytest.mark.parametrize("text, message", [
    (HEADER + "# questoin-en: typo\nSELECT * {}", ":4: unknown header field 'questoin-en'"),
    ("# title: T\n# question-en: Which?\nSELECT * {}", ":1: header field '# question-zh:' is missing"),
    (HEADER + "# title: again\nSELECT * {}", ":4: header field '# title:' is given twice"),
    (HEADER + "# param: x — no type (example: 1)\nSELECT ?x {}", ":4: expected '# param: NAME (TYPE)"),
    (HEADER + "# param: x (float) — a number (example: 1)\nSELECT ?x {}", ":4: parameter type 'float'"),
    (HEADER + "# param: x (integer) — a number (example: one)\nSELECT ?x {}", ":4: the example does not fit"),
    (HEADER + "# param: y (string) — unused (example: a)\nSELECT ?x {}", ":4: parameter 'y' is declared but ?y"),
])
def test_bad_headers_are_refused_with_file_and_line(tmp_path, text, message):
    path = write(tmp_path, text)
    with pytest.raises(QueryError) as error:
        parse_query(text, path)
    assert str(error.value).startswith(str(path)) and message in str(error.value)


def test_a_file_without_header_runs_when_given_by_path(tmp_path, store):
    path = write(tmp_path, "# my own question\nSELECT (COUNT(*) AS ?n) WHERE { ?m a <https://w3id.org/hongqiao-kg/ontology#Measure> }\n")
    result = run(find_query(str(path)), store)
    assert result.rows[0][0] == integer(24)


# --- binding and injection --------------------------------------------------------------------------------------

def test_parameters_become_rdf_terms():
    assert bind_params(find_query("measure-links"), {"number": "12"}) == {"number": integer(12)}
    assert bind_params(find_query("region-profile"), {"name": '苏州"'}) == {"name": plain('苏州"')}
    iri = Param("p", "iri", (), "an IRI", "http://example.org/x")
    assert iri.bind("https://w3id.org/hongqiao-kg/id/region/kunshan") == ox.NamedNode(
        "https://w3id.org/hongqiao-kg/id/region/kunshan")


@pytest.mark.parametrize("value", INJECTIONS)
@pytest.mark.parametrize("engine", ["oxigraph", pytest.param("rdflib", marks=pytest.mark.qc)])
def test_injection_attempts_find_nothing_and_change_nothing(value, engine, store, rdflib_graph):
    graph = store if engine == "oxigraph" else rdflib_graph
    size = len(store) if engine == "oxigraph" else len(rdflib_graph)
    assert run(find_query("region-profile"), graph, {"name": value}).rows == ()
    assert run(find_query("measures-using-instrument"), graph, {"instrument": value}).rows == ()
    assert run(find_query("projects-between"), graph, {"from": value, "to": "宁波"}).rows == ()
    assert (len(store) if engine == "oxigraph" else len(rdflib_graph)) == size
    # The same query with a clean value still answers: the value was data, not query text.
    assert run(find_query("region-profile"), graph, {"name": "太仓"}).rows


def as_text(query, params) -> object:
    """The question as a store reached by text gets it (its parameters bound in the text), read back to run."""
    return parse_query(bound_query(query, params), query.path, require_header=False)


def test_parameters_bound_in_the_text_answer_as_the_substitutions_do(store):
    parameterised = [q for q in all_queries() if q.params]
    assert len(parameterised) >= 5
    for query in parameterised:
        expected = run(query, store, query.example_params())
        assert expected.rows, f"{query.name}: the example should answer something on the seed"
        bound = as_text(query, query.example_params())
        assert not bound.params and "VALUES" in bound.sparql
        assert sorted(map(str, run(bound, store).rows)) == sorted(map(str, expected.rows)), query.name


@pytest.mark.parametrize("value", INJECTIONS)
def test_a_value_bound_in_the_text_stays_one_term(value, store):
    size = len(store)
    assert run(as_text(find_query("region-profile"), {"name": value}), store).rows == ()
    assert run(as_text(find_query("projects-between"), {"from": value, "to": "宁波"}), store).rows == ()
    assert len(store) == size
    with pytest.raises(QueryError, match="not an absolute IRI|expected an integer"):
        bound_query(find_query("measure-links"), {"number": "12 } UNION { ?s ?p ?o"})


@pytest.mark.parametrize("kind, value", [("integer", "12 } UNION { ?s ?p ?o"), ("integer", "twelve"),
                                         ("iri", "<http://x> } DROP ALL {"), ("iri", "not an iri")])
def test_values_that_do_not_fit_the_type_are_refused(kind, value):
    with pytest.raises(QueryError, match="parameter p:"):
        Param("p", kind, (), "", "").bind(value)


def test_a_choice_parameter_accepts_only_its_choices():
    with pytest.raises(QueryError, match="'city' is not one of province, prefecture, county"):
        bind_params(find_query("region-pairs"), {"level": "city"})


# --- errors ------------------------------------------------------------------------------------------------------

def test_unknown_name_lists_close_names():
    with pytest.raises(QueryError) as error:
        find_query("mesure-provinces")
    assert "unknown query 'mesure-provinces'" in str(error.value) and "measure-provinces" in str(error.value)


def test_missing_and_unknown_parameters_are_named():
    with pytest.raises(QueryError, match=r"missing parameter --param level=… \(level \(province\|prefecture\|county\)"):
        bind_params(find_query("region-pairs"), {})
    with pytest.raises(QueryError, match="unknown parameter lvl \\(it takes: level\\)"):
        bind_params(find_query("region-pairs"), {"level": "county", "lvl": "x"})
    with pytest.raises(QueryError, match="expected KEY=VALUE"):
        parse_param_args(["level"])
    with pytest.raises(QueryError, match="given twice"):
        parse_param_args(["level=county", "level=province"])


@pytest.mark.parametrize("engine, position", [("oxigraph", ":5:1: invalid SPARQL"), ("rdflib", ":4:3: invalid SPARQL")])
def test_invalid_sparql_gives_the_position(tmp_path, store, rdflib_graph, engine, position):
    path = write(tmp_path, "# broken\nSELECT ?x WHERE {\n  ?x ?y ?z .\n  FILTER(?x = }\n")
    graph = store if engine == "oxigraph" else rdflib_graph
    with pytest.raises(QueryError) as error:
        run(find_query(str(path)), graph)
    assert str(error.value).startswith(f"{path}{position}")


def test_construct_is_refused(tmp_path, store, rdflib_graph):
    path = write(tmp_path, "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o } LIMIT 1\n")
    for graph in (store, rdflib_graph):
        with pytest.raises(QueryError, match="only SELECT and ASK"):
            run(find_query(str(path)), graph)


def test_missing_graph_file(tmp_path):
    with pytest.raises(QueryError, match="graph file not found"):
        answer("section-overview", graph=tmp_path / "none.ttl")


def test_a_build_folder_is_accepted_as_graph(built):
    assert "促进“一核两带”融合发展" in answer("section-overview", graph=built.staging)


# --- formats -----------------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def provinces(store) -> Result:
    return run(find_query("measure-provinces"), store)


def test_json_is_sparql_results_json(provinces):
    document = json.loads(render(provinces, "json"))
    assert document["head"]["vars"] == ["measure", "province", "through"]
    first = document["results"]["bindings"][0]
    assert first["measure"] == {"type": "literal", "value": "1", "datatype": XSD + "integer"}
    assert first["province"] == {"type": "literal", "value": "上海市"}
    assert len(document["results"]["bindings"]) == len(provinces.rows)


def test_json_carries_iris_and_languages():
    result = Result(("s", "l", "u"), ((ox.NamedNode("http://x/a"), zh("苏州"), None),))
    (binding,) = json.loads(render(result, "json"))["results"]["bindings"]
    assert binding == {"s": {"type": "uri", "value": "http://x/a"},
                       "l": {"type": "literal", "value": "苏州", "xml:lang": "zh"}}  # unbound: left out
    assert json.loads(render(Result((), (), True), "json")) == {"head": {}, "boolean": True}


def test_csv_follows_sparql_csv(provinces):
    text = render(provinces, "csv")
    assert text.startswith("measure,province,through\r\n") and text.endswith("\r\n")
    rows = list(csv.reader(io.StringIO(text, newline="")))
    assert rows[1][:2] == ["1", "上海市"] and len(rows) == len(provinces.rows) + 1
    assert rows[1][2] == "“丝路电商”合作先行区, 虹桥国际中央商务区"  # quoted because of the comma
    iri = Result(("s",), ((ox.NamedNode("https://w3id.org/hongqiao-kg/id/region/kunshan"),),))
    assert render(iri, "csv") == "s\r\nhttps://w3id.org/hongqiao-kg/id/region/kunshan\r\n"


def test_tsv_follows_sparql_tsv(provinces):
    lines = render(provinces, "tsv").split("\n")
    assert lines[0] == "?measure\t?province\t?through"
    assert lines[1].split("\t")[:2] == ["1", '"上海市"']  # integers bare, strings quoted
    odd = Result(("a", "b", "c"), ((ox.NamedNode("http://x/a"), ox.Literal('say "hi"\tnow\n', language="en"),
                                    typed("2023-08-16", XSD + "date")),))
    assert render(odd, "tsv").split("\n")[1] == ('<http://x/a>\t"say \\"hi\\"\\tnow\\n"@en\t'
                                                 '"2023-08-16"^^<http://www.w3.org/2001/XMLSchema#date>')


def test_table_aligns_chinese_by_display_width(provinces):
    lines = to_table(provinces).splitlines()
    assert lines[-1] == f"({len(provinces.rows)} rows)"
    # The last column starts at the same display column on every line, whatever the Chinese before it.
    starts = {width(lines[0][:lines[0].index("through")])}
    for line, row in zip(lines[2:-1], provinces.rows):
        if row[2] is not None and row[2].value:  # an empty last cell (上海 reached as itself) has no start
            starts.add(width(line[:line.rindex(row[2].value)]))
    assert len(starts) == 1
    assert width("上海市") == 6 and width("abc") == 3 and width("e\u0301") == 1


def test_markdown_escapes_what_a_renderer_would_read(provinces):
    text = render(provinces, "md")
    assert text.splitlines()[:2] == ["| measure | province | through |", "| --- | --- | --- |"]
    hostile = Result(("x",), ((plain("<script>alert(1)</script> | [a](javascript:x) *b*"),),))
    row = render(hostile, "md").splitlines()[2]
    assert "<script>" not in row and "&lt;script&gt;" in row
    assert "\\|" in row and "\\[a\\]" in row and "\\*b\\*" in row
    assert row.count(" | ") == 0  # the pipe inside the cell is escaped, so there is one column


def test_every_format_renders_every_query(store):
    for path in sorted(QUERIES_DIR.glob("*.rq")):
        query = find_query(path.stem)
        result = run(query, store, query.example_params())
        for fmt in ("table", "csv", "tsv", "json", "md"):
            assert render(result, fmt).endswith("\n"), (path.stem, fmt)


# --- CLI --------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("fmt", ["table", "csv", "tsv", "json", "md"])
def test_cli_query_in_every_format(graph_file, fmt):
    result = CliRunner().invoke(main, ["query", "region-pairs", "--param", "level=province", "--graph",
                                       str(graph_file), "--format", fmt])
    assert result.exit_code == 0, result.output
    assert "江苏省" in result.stdout and "transport connection" in result.stdout


@pytest.mark.qc
def test_cli_query_runs_on_rdflib_too(graph_file):
    args = ["query", "measure-links", "-p", "number=12", "--graph", str(graph_file), "--format", "csv"]
    fast = CliRunner().invoke(main, args)
    slow = CliRunner().invoke(main, [*args, "--engine", "rdflib"])
    assert fast.exit_code == slow.exit_code == 0 and fast.stdout == slow.stdout
    assert "数字人民币试点" in fast.stdout


def test_cli_query_by_file(graph_file):
    result = CliRunner().invoke(main, ["query", str(QUERIES_DIR / "section-overview.rq"), "--graph", str(graph_file)])
    assert result.exit_code == 0 and "(3 rows)" in result.stdout


@pytest.mark.parametrize("args, message", [
    (["query", "mesure-provinces"], "unknown query 'mesure-provinces'; did you mean measure-provinces"),
    (["query", "region-pairs"], "missing parameter --param level="),
    (["query", "region-pairs", "-p", "level=county", "-p", "colour=red"], "unknown parameter colour"),
    (["query", "region-pairs", "-p", "level"], "expected KEY=VALUE"),
    (["query", "section-overview", "--graph", "/nonexistent/graph.ttl"], "graph file not found"),
])
def test_cli_errors_exit_1_with_one_line(graph_file, args, message):
    if "--graph" not in args:
        args = [*args, "--graph", str(graph_file)]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 1
    assert message in result.stderr and result.stderr.startswith("error: ")
    assert "Traceback" not in result.output


def test_cli_invalid_sparql_names_the_position(tmp_path, graph_file):
    path = write(tmp_path, "# broken\nSELECT ?x WHERE { ?x ?y ?z FILTER(?x = ) }\n")
    result = CliRunner().invoke(main, ["query", str(path), "--graph", str(graph_file)])
    assert result.exit_code == 1
    assert re.match(rf"error: {re.escape(str(path))}:\d+:\d+: invalid SPARQL: ", result.stderr), result.stderr


def test_cli_queries_lists_every_query():
    result = CliRunner().invoke(main, ["queries"])
    assert result.exit_code == 0
    for path in QUERIES_DIR.glob("*.rq"):
        assert f"  {path.stem}" in result.stdout
    assert "--param level=prefecture" in result.stdout
    assert "每条措施涉及哪些省级行政区" in result.stdout
    assert result.stdout.index("Checks") > result.stdout.index("measure-provinces")


def test_docs_list_every_query():
    docs = (QUERIES_DIR.parent / "docs" / "queries.md").read_text(encoding="utf-8")
    missing = [p.stem for p in QUERIES_DIR.glob("*.rq") if f"`{p.stem}`" not in docs]
    assert not missing, f"docs/queries.md does not list {missing}"


@pytest.mark.parametrize("fmt", ["csv", "tsv"])
def test_oxigraph_writes_csv_and_tsv_as_to_csv_and_to_tsv_do(store, fmt):
    """`hqkg query` lets Oxigraph write CSV and TSV; the project's writers (for rdflib's answers) give the same
    bytes on every query, so the format means one thing whichever engine answered."""
    own = {"csv": to_csv, "tsv": to_tsv}[fmt]
    for path in sorted(QUERIES_DIR.glob("*.rq")):
        query = find_query(path.stem)
        bindings = bind_params(query, query.example_params())
        solutions = store.query(query.sparql, bindings)
        oxigraph = solutions.serialize(format=OXIGRAPH_FORMATS[fmt]).decode()
        assert own(run(query, store, query.example_params())) == oxigraph, (path.stem, fmt)
