"""The README cannot lie: its two opening commands are the ones CI and the Makefile run."""
from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _opening_commands() -> list[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    block = re.search(r"```sh\n(.*?)```", text, re.S)
    assert block and text.index(block.group(0)) < 200, "README must open with its commands"
    return [line.split("#")[0].strip() for line in block.group(1).splitlines() if line.strip()]


def test_readme_opens_with_build_and_test_commands():
    assert _opening_commands() == ["make build", "make test"]


def test_ci_runs_the_readme_test_command():
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    commands = [line.strip() for line in ci.splitlines() if line.strip() and not line.lstrip().startswith(("#", "set ", "cd ", "export "))]
    assert commands == [_opening_commands()[1]], f".ci/run runs {commands}"


def test_makefile_targets_install_then_run():
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert re.search(r"^build: install\n\t\$\(PY\) build_graph.py$", makefile, re.M)
    assert re.search(r"^test: install-test browser stores\n\t\$\(PY\) -m pytest", makefile, re.M)


def _number(text: str) -> int:
    return int(text.replace(",", "").replace(" ", ""))


def test_readme_and_publishing_docs_give_the_builds_counts(built):
    """The seed's counts the README and docs/publishing.md state are the ones the build computes (one count
    everywhere: graph.outputs.describe.Counts)."""
    from graph import pipeline

    counts = pipeline.counts(built)
    graphs = {name.rsplit("/", 1)[-1]: n for name, n in counts.graphs}
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    said = re.search(r"prints\s+([\d,]+) triples \(([\d,]+) asserted in `graph.ttl`, ([\d,]+) inferred\) and writes\s+"
                     r"([\d,]+) quads in (\d+) named graphs to\s+`graph.trig` \(([\d,]+) of them", readme)
    assert said, "README no longer states the seed's counts in the expected sentence"
    assert tuple(map(_number, said.groups())) == (counts.triples, counts.asserted, counts.inferred, counts.quads,
                                                  len(counts.graphs), counts.description)

    publishing = (ROOT / "docs" / "publishing.md").read_text(encoding="utf-8")
    table = {name: _number(n) for name, n in
             re.findall(r"^\| \*{0,2}(triples|asserted|inferred|description|quads)\*{0,2} \|.*\| ([\d ]+) \|$",
                        publishing, re.M)}
    assert table == {"triples": counts.triples, "asserted": counts.asserted, "inferred": counts.inferred,
                     "description": counts.description, "quads": counts.quads}
    lists = re.findall(r"ontology ([\d ]+), entities ([\d ]+), documents ([\d ]+), provenance ([\d ]+), "
                       r"reach ([\d ]+), inferred ([\d ]+)", publishing)
    assert len(lists) == 2
    for found in lists:
        assert tuple(map(_number, found)) == tuple(
            graphs[g] for g in ("ontology", "entities", "documents", "provenance", "reach", "inferred"))
    assert re.search(rf"merged default graph {counts.triples:,}".replace(",", " "), publishing)
    message = re.search(r"The build prints `(.*?)`;", publishing, re.S)
    assert message and " ".join(message.group(1).split()) == counts.summary()
    data_quads = sum(n for g, n in graphs.items() if g != "dataset")
    overlap = re.search(r"six data graphs add up to ([\d ]+), (\w+) more than ([\d ]+)", publishing)
    assert overlap and (_number(overlap.group(1)), _number(overlap.group(3))) == (data_quads, counts.triples)
