"""Precision and recall of statements, IG components, roles and linkages against the hand-written gold.

`python -m bench.evaluate_statements [--gold FILE …]` prints three tables: the seed's gold
(bench/gold-statements/seed.yaml), the corpus gold (bench/gold-statements/corpus/*.yaml, measures of texts of
data/corpus/ annotated by hand) and all of it together. `evaluate()` returns the numbers of one gold file,
`evaluate_files()` those of several. Each gold file names its text (`source`, relative to the checkout; the seed's
default is data/sources/hongqiao-open-hub-measures-2023.txt), and the text is linked as the build links it (a
curated document with the curated entities, any other text with the national gazetteer too). Matching is exact on
the text's own words:
  statements   the statement's words (PDF line breaks removed, without its final 。 or ；);
  deontic      (statement words, deontic type), for every gold statement;
  components   (kind, words) per measure, one row per component kind;
  roles        (quote, entity, role) per measure, for regions and infrastructure projects;
  linkages     (kind, set of regions) per measure, one row per linkage kind.
Counts are multisets: a pair named twice (中德 in two statements of measure 14) counts twice. A gold statement
whose words are not in its measure, or a component not in its statement, is an error (`file: message`).
"""
from __future__ import annotations

import argparse
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from graph import pipeline, resources
from graph.ingest.gazetteer import load_gazetteer
from graph.ingest.linkages import ProvisionStatements, document_statements
from graph.ingest.statements import COMPONENTS, load_schemes
from graph.ingest.yamlfile import read_yaml

GOLD_DIR = Path(__file__).resolve().parent / "gold-statements"
GOLD = GOLD_DIR / "seed.yaml"
CORPUS_GOLD = tuple(sorted((GOLD_DIR / "corpus").glob("*.yaml")))
SOURCE = resources.SOURCES / "hongqiao-open-hub-measures-2023.txt"
SCHEMES = resources.DATA / "schemes" / "statements.yaml"
ROLE_KINDS = ("region", "project")
ROLES = ("actor", "partner", "location", "beneficiary", "object", "name-part")


class GoldError(ValueError):
    """A gold file that does not fit its text."""


@dataclass
class Score:
    name: str
    gold: int = 0
    found: int = 0
    correct: int = 0

    def add(self, gold: Counter, found: Counter) -> None:
        self.gold += sum(gold.values())
        self.found += sum(found.values())
        self.correct += sum((gold & found).values())

    @property
    def precision(self) -> float:
        return self.correct / self.found if self.found else 1.0

    @property
    def recall(self) -> float:
        return self.correct / self.gold if self.gold else 1.0


def source_of(gold_path: Path, gold: dict) -> Path:
    """The text a gold file annotates: its `source` (relative to the checkout), else the seed text."""
    return resources.CHECKOUT / gold["source"] if gold.get("source") else SOURCE


def _predicted(source: Path) -> dict[str, ProvisionStatements]:
    """The rules' statements of every measure of `source`, linked as the build links it."""
    gazetteer = load_gazetteer(resources.ENTITIES)
    schemes = load_schemes(SCHEMES)
    document = pipeline.load_documents([source], gazetteer)[0]
    return {ps.provision.key: ps for ps in document_statements(document.linked, schemes, gazetteer)
            if ps.provision.kind == "measure"}


def _check(gold_path: Path, number: str, entry: dict, ps: ProvisionStatements | None) -> None:
    if ps is None:
        raise GoldError(f"{gold_path}: measure {number} is not a measure of the text")
    body = ps.provision.body.text
    for s in entry.get("statements") or []:
        if s["text"] not in body:
            raise GoldError(f"{gold_path}: measure {number}: statement {s['text'][:30]!r}… is not in the text")
        for kind in COMPONENTS:
            for words in s.get(kind) or []:
                if kind != "deontic" and words not in s["text"]:
                    raise GoldError(f"{gold_path}: measure {number}: {kind} {words!r} is not in its statement")


def evaluate(gold_path: Path = GOLD, source: Path | None = None,
             scores: dict[str, Score] | None = None) -> list[Score]:
    """The scores of one gold file (added to `scores` when given, so that several files sum up)."""
    gold = read_yaml(gold_path)
    predicted = _predicted(source or source_of(gold_path, gold))
    scores = {} if scores is None else scores

    def score(name: str) -> Score:
        return scores.setdefault(name, Score(name))

    for name in ("statements", "deontic type", *(f"component: {k}" for k in COMPONENTS if k != "deontic"),
                 "roles", *(f"role: {r}" for r in ROLES), "linkages"):
        score(name)
    for number, entry in sorted(gold["measures"].items(), key=lambda item: int(item[0])):
        ps = predicted.get(str(number))
        _check(gold_path, str(number), entry, ps)
        g_statements = entry.get("statements") or []
        score("statements").add(Counter(s["text"] for s in g_statements), Counter(s.text for s in ps.statements))
        score("deontic type").add(Counter((s["text"], s["deontic"]) for s in g_statements),
                                  Counter((s.text, s.deontic) for s in ps.statements))
        for kind in COMPONENTS:
            if kind == "deontic":
                continue
            g = Counter((kind, w) for s in g_statements for w in (s.get(kind) or []))
            f = Counter((kind, c.text) for s in ps.statements for c in s.components if c.kind == kind)
            score(f"component: {kind}").add(g, f)
        g_roles = Counter(tuple(r.split(" ")) for r in entry.get("roles") or [])
        f_roles = Counter((r.mention.quote, r.mention.entity_id, r.role) for s in ps.statements for r in s.roles
                          if r.mention.kind in ROLE_KINDS)
        score("roles").add(g_roles, f_roles)
        for role in ROLES:
            score(f"role: {role}").add(Counter(x for x in g_roles.elements() if x[2] == role),
                                       Counter(x for x in f_roles.elements() if x[2] == role))
        g_links = Counter()
        for text in entry.get("linkages") or []:
            kind, regions = text.split(":", 1)
            g_links[(kind.strip(), frozenset(regions.split()))] += 1
        f_links = Counter((lk.kind, frozenset(lk.regions)) for lk in ps.linkages)
        score("linkages").add(g_links, f_links)
        for kind in sorted({k for k, _ in g_links} | {k for k, _ in f_links}):
            score(f"linkage: {kind}").add(Counter({x: n for x, n in g_links.items() if x[0] == kind}),
                                          Counter({x: n for x, n in f_links.items() if x[0] == kind}))
    return list(scores.values())


def evaluate_files(paths) -> list[Score]:
    """The scores of several gold files summed (counts, then precision and recall of the sums)."""
    scores: dict[str, Score] = {}
    for path in paths:
        evaluate(Path(path), scores=scores)
    return list(scores.values())


def measures_in(paths) -> int:
    return sum(len(read_yaml(Path(p))["measures"]) for p in paths)


def table(scores: list[Score]) -> str:
    lines = [f"{'what':<34} {'gold':>5} {'found':>6} {'correct':>8} {'precision':>10} {'recall':>7}"]
    for s in scores:
        if s.gold or s.found:
            lines.append(f"{s.name:<34} {s.gold:>5} {s.found:>6} {s.correct:>8} {s.precision:>10.2f} "
                         f"{s.recall:>7.2f}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gold", type=Path, action="append",
                        help="A gold file (repeatable); default: the seed's, then the corpus gold, then all.")
    args = parser.parse_args(argv)
    try:
        if args.gold:
            print(table(evaluate_files(args.gold)))
            return 0
        groups = [("seed", [GOLD]), ("corpus", list(CORPUS_GOLD)), ("all", [GOLD, *CORPUS_GOLD])]
        for n, (name, paths) in enumerate(groups):
            names = ", ".join(p.stem for p in paths)
            print(f"{'' if n == 0 else chr(10)}== {name}: {measures_in(paths)} measures ({names})")
            print(table(evaluate_files(paths)))
    except GoldError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
