"""Precision and recall of statements, IG components, roles and linkages against the hand-written gold.

`python -m bench.evaluate_statements [--gold bench/gold-statements/seed.yaml] [--source data/sources/…]` prints one
table; `evaluate()` returns the same numbers for `hqkg evaluate`. Matching is exact on the text's own words:
  statements   the statement's words (PDF line breaks removed, without its final 。 or ；);
  deontic      (statement words, deontic type), for every gold statement;
  components   (kind, words) per measure, one row per component kind;
  roles        (quote, entity, role) per measure, for regions and infrastructure projects;
  linkages     (kind, set of regions) per measure, one row per linkage kind.
Counts are multisets: a pair named twice (中德 in two statements of measure 14) counts twice.
"""
from __future__ import annotations

import argparse
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from graph import resources
from graph.ingest.gazetteer import load_gazetteer
from graph.ingest.linkages import document_statements
from graph.ingest.link import Matcher, link_document
from graph.ingest.parse import parse_file
from graph.ingest.statements import COMPONENTS, load_schemes
from graph.ingest.yamlfile import read_yaml

GOLD = Path(__file__).resolve().parent / "gold-statements" / "seed.yaml"
SOURCE = resources.SOURCES / "hongqiao-open-hub-measures-2023.txt"
SCHEMES = resources.DATA / "schemes" / "statements.yaml"
ROLE_KINDS = ("region", "project")


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


def _predicted(source: Path):
    gazetteer = load_gazetteer(resources.ENTITIES)
    linked = link_document(parse_file(source), Matcher(gazetteer))
    schemes = load_schemes(SCHEMES)
    return {int(ps.provision.key): ps for ps in document_statements(linked, schemes, gazetteer)
            if ps.provision.kind == "measure"}


def evaluate(gold_path: Path = GOLD, source: Path = SOURCE) -> list[Score]:
    gold = read_yaml(gold_path)
    predicted = _predicted(source)
    scores: dict[str, Score] = {}

    def score(name: str) -> Score:
        return scores.setdefault(name, Score(name))

    for number, entry in sorted(gold["measures"].items()):
        ps = predicted[int(number)]
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
        for role in ("actor", "partner", "location", "beneficiary", "object", "name-part"):
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


def table(scores: list[Score]) -> str:
    lines = [f"{'what':<34} {'gold':>5} {'found':>6} {'correct':>8} {'precision':>10} {'recall':>7}"]
    for s in scores:
        lines.append(f"{s.name:<34} {s.gold:>5} {s.found:>6} {s.correct:>8} {s.precision:>10.2f} {s.recall:>7.2f}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gold", type=Path, default=GOLD)
    parser.add_argument("--source", type=Path, default=SOURCE)
    args = parser.parse_args(argv)
    print(table(evaluate(args.gold, args.source)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
