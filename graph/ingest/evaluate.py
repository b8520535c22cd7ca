"""Measure the parser and the linker against the hand-annotated gold set (bench/gold/*.yaml, see its README).

Each gold provision is found in the text by its `starts` words (whitespace ignored), in document order; it runs to
the next gold provision, a heading, or text that belongs to no provision (a 落款, a title). A predicted mention
counts in the gold provision its quote starts in, once per entity; it is right when a gold entry of that provision
has the same kind and the same text. Predictions outside every gold provision (chapters out of scope) are not
counted. The gold links no name nested inside a longer linked name (宁波 in 宁波舟山港, 北京 in 北京大兴国际机场,
沪乍杭 the places in 沪乍杭 the conjunct of 沪乍杭铁路), where the graph links both on purpose: a predicted mention
covered by a longer one is scored as the gold would have written it, not at all (see `outermost`). Structure: the numbered paragraphs per style and the plain paragraphs, against the gold's counts.
"""
from __future__ import annotations

import re
from bisect import bisect_right
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from graph.ingest.gazetteer import Gazetteer
from graph.ingest.link import Matcher, link_document
from graph.ingest.parse import parse_file
from graph.ingest.yamlfile import DataError, read_yaml

KINDS = ("region", "institution", "project", "document", "country")
SPACE = re.compile(r"[\s\u3000\u00a0]+")


@dataclass
class Score:
    tp: int = 0
    predicted: int = 0
    gold: int = 0

    def add(self, other: "Score") -> None:
        self.tp += other.tp
        self.predicted += other.predicted
        self.gold += other.gold

    @property
    def precision(self) -> float | None:
        return self.tp / self.predicted if self.predicted else None

    @property
    def recall(self) -> float | None:
        return self.tp / self.gold if self.gold else None


@dataclass
class DocumentResult:
    file: str
    provisions: int
    found: int  # gold provisions whose starts was found
    scores: dict[str, Score] = field(default_factory=dict)
    structure_gold: dict[str, int] = field(default_factory=dict)
    structure_ours: dict[str, int] = field(default_factory=dict)
    misses: list[tuple[str, str, str]] = field(default_factory=list)  # (provision starts, kind, text)
    wrong: list[tuple[str, str, str]] = field(default_factory=list)

    @property
    def structure_exact(self) -> bool:
        return self.structure_gold == self.structure_ours


def _compact(text: str) -> str:
    return SPACE.sub("", text)


def _evaluation_kind(mention, gazetteer: Gazetteer | None = None) -> str:
    """The gold's kinds: a foreign country (from the package, or curated as a partner) is a country."""
    if mention.origin == "package" and mention.record.startswith(("iso:", "m49:")):
        return "country"
    if gazetteer is not None and mention.kind == "region":
        entity = gazetteer.entities.get(mention.entity_id)
        if entity is not None and entity.type == "Country" and entity.id != gazetteer.home_country():
            return "country"
    return mention.kind


def evaluate_document(gold_path: Path, corpus_dir: Path, matcher: Matcher) -> DocumentResult:
    gold = read_yaml(gold_path, str(gold_path))
    path = next(iter(sorted(corpus_dir.rglob(gold["file"]))), None)
    if path is None:
        raise DataError(str(gold_path), 1, f"the file {gold['file']!r} is not in {corpus_dir}")
    document = parse_file(path)
    documents = [document, *document.attachments]
    stream = document.stream
    if stream is None:
        raise DataError(str(gold_path), 1, f"{gold['file']}: only HTML and Markdown texts are evaluated")
    offsets = stream.offsets
    # allowed: stream positions inside some provision; cuts: where a heading starts
    allowed = [False] * len(stream.text)
    cuts = set()
    for doc in documents:
        for p in doc.provisions:
            for span in (p.heading, p.body):
                if span.text:
                    i = bisect_right(offsets, span.start) - 1
                    for k in range(max(0, i - len(p.label)), i + len(span.text)):
                        allowed[k] = True
            if p.kind == "section" and (p.heading.text or p.body.text):
                first = p.heading if p.heading.text else p.body
                cuts.add(bisect_right(offsets, first.start) - 1 - len(p.label))
    compact_chars = [(k, c) for k, c in enumerate(stream.text) if not SPACE.match(c)]
    compact = "".join(c for _, c in compact_chars)
    starts, position = [], 0
    for provision in gold["provisions"]:
        key = _compact(str(provision["starts"]))
        at = compact.find(key, position)
        starts.append(compact_chars[at][0] if at >= 0 else None)
        if at >= 0:
            position = at + len(key)
    located = sorted((s, n) for n, s in enumerate(starts) if s is not None)
    spans = {}
    for index, (s, n) in enumerate(located):
        limit = located[index + 1][0] if index + 1 < len(located) else len(stream.text)
        end = s + 1
        while end < limit and allowed[end] and end not in cuts:
            end += 1
        spans[n] = (s, end)

    def gold_provision(stream_index: int) -> int | None:
        for n, (s, e) in spans.items():
            if s <= stream_index < e:
                return n
        return None

    predicted: dict[int, dict[tuple, tuple[str, str]]] = {}
    year = int(str(gold.get("signed"))[:4]) if gold.get("signed") else None
    for doc in documents:
        for linked in link_document(doc, matcher, national=True, year=year).provisions:
            for m in outermost([m for m in linked.mentions if m.kind != "instrument"]):
                n = gold_provision(bisect_right(offsets, m.start) - 1)
                if n is None:
                    continue
                predicted.setdefault(n, {}).setdefault((m.origin, m.kind, m.entity_id),
                                                       (_evaluation_kind(m, matcher.gazetteer), _compact(m.quote)))
    result = DocumentResult(gold["file"], len(gold["provisions"]), len(spans))
    result.scores = {kind: Score() for kind in KINDS}
    for n, provision in enumerate(gold["provisions"]):
        wanted = Counter((e["kind"], _compact(e["text"])) for e in provision.get("entities") or [])
        got = Counter(predicted.get(n, {}).values())
        for kind in KINDS:
            score = result.scores[kind]
            w = Counter({k: v for k, v in wanted.items() if k[0] == kind})
            g = Counter({k: v for k, v in got.items() if k[0] == kind})
            score.gold += sum(w.values())
            score.predicted += sum(g.values())
            score.tp += sum((w & g).values())
            result.misses += [(provision["starts"], k[0], k[1]) for k in (w - g)]
            result.wrong += [(provision["starts"], k[0], k[1]) for k in (g - w)]
    result.structure_gold = {str(k): int(v) for k, v in (gold.get("structure") or {}).items()}
    ours: Counter = Counter()
    for doc in documents:
        ours.update(dict(doc.structure))
    result.structure_ours = {k: v for k, v in ours.items() if v or k in result.structure_gold}
    return result


def outermost(mentions: list) -> list:
    """The mentions not nested in another one, in text order: covered by a longer quote, or by a quote of the
    same extent that stands for a longer name (the conjunct 沪乍杭 of 沪乍杭铁路 over the places 沪乍杭). A title
    inside a title is the gold's exception (〈〉 inside 《》: both linked)."""
    def covers(n, m) -> bool:
        if n is m or n.entity_id == m.entity_id or m.kind == n.kind == "document" or not (n.start <= m.start and m.end <= n.end):
            return False
        if n.end - n.start > m.end - m.start:
            return True
        return n.origin == "extracted" and len(n.name) > len(n.quote) and m.origin != "extracted"

    return sorted((m for m in mentions if not any(covers(n, m) for n in mentions)), key=lambda m: m.start)


def evaluate(gold_dir: Path, corpus_dir: Path, gazetteer: Gazetteer) -> list[DocumentResult]:
    matcher = Matcher(gazetteer)
    return [evaluate_document(path, corpus_dir, matcher) for path in sorted(Path(gold_dir).glob("*.yaml"))]


def _pct(value: float | None) -> str:
    return "–" if value is None else f"{100 * value:.1f}"


def table(results: list[DocumentResult]) -> str:
    """The evaluation as Markdown: per kind, per document, and the structure counts."""
    total = {kind: Score() for kind in KINDS}
    for r in results:
        for kind, score in r.scores.items():
            total[kind].add(score)
    overall = Score()
    for score in total.values():
        overall.add(score)
    lines = ["| kind | gold | predicted | correct | precision % | recall % |", "|---|---|---|---|---|---|"]
    for kind in KINDS:
        s = total[kind]
        lines.append(f"| {kind} | {s.gold} | {s.predicted} | {s.tp} | {_pct(s.precision)} | {_pct(s.recall)} |")
    lines.append(f"| **all** | {overall.gold} | {overall.predicted} | {overall.tp} | {_pct(overall.precision)} | "
                 f"{_pct(overall.recall)} |")
    lines += ["", "| document | provisions (found) | precision % | recall % | structure |", "|---|---|---|---|---|"]
    for r in results:
        s = Score()
        for score in r.scores.values():
            s.add(score)
        structure = "exact" if r.structure_exact else (
            "; ".join(f"{k} {r.structure_gold.get(k, 0)}→{r.structure_ours.get(k, 0)}"
                      for k in sorted(set(r.structure_gold) | set(r.structure_ours))
                      if r.structure_gold.get(k, 0) != r.structure_ours.get(k, 0)))
        lines.append(f"| {r.file} | {r.provisions} ({r.found}) | {_pct(s.precision)} | {_pct(s.recall)} | "
                     f"{structure} |")
    return "\n".join(lines) + "\n"
