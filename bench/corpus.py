"""A synthetic corpus of policy texts of the genre, for measuring the build and the queries at scale.

Each text has what data/sources/*.txt has: a title wrapped over two lines, a preamble, sections '一、…' with an
intro, numbered measures '（一）…' (sometimes restarting in each section), PDF line breaks every ~28 characters
with blank lines between, page-number lines ('— 2 —') and the stray space that starts a page. The sentences name
the curated regions, projects, institutions, instruments, documents and composite names (their surface forms, taken
from the gazetteer) in varied combinations, and a few uncurated place names, so the linker has real work to do.

Text i of seed s depends only on (s, i) and the gazetteer: the first n texts of a larger corpus are the corpus of
n texts, which is what lets the benchmark compare builds of 1x and 10x the input.

`python -m bench.corpus OUT_DIR --texts N [--seed S]` writes policy-00001.txt … into OUT_DIR.
"""
from __future__ import annotations

import argparse
import random
import sys
from dataclasses import dataclass
from pathlib import Path

from graph.ingest.gazetteer import Gazetteer, load_gazetteer
from graph.ingest.parse import MEASURE_LABEL, PAGE_NUMBER, SECTION_HEADING, TITLE_ENDINGS

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SEED = 2023
LINE_WIDTH = 28  # characters per PDF line, as in the published text
TITLE_WIDTH = 16
PAGE_LINES = (20, 26)  # a page holds this many text lines (a random number in the range)
NO_LINE_START = "，。；：、）》”"

TITLE_VERBS = ("推动", "支持", "加快", "促进", "深化")
TITLE_TOPICS = ("高质量发展", "协同开放", "进一步提升能级", "一体化发展", "开放创新", "产业协同发展")
TITLE_ENDS = ("若干政策措施", "实施意见", "行动方案", "若干措施", "实施方案", "工作方案")
HEADING_VERBS = ("强化", "促进", "提升", "推动", "深化", "优化")
HEADING_TOPICS = ("核心功能", "融合发展", "开放水平", "协同创新", "枢纽能级", "服务功能", "产业合作")
INTROS = (
    "大力发展{R}高能级总部经济，加快打造{I}新平台。",
    "尊重市场规律，统筹区域空间，支持{R}和{R}打造长三角城市群重要节点城市。",
    "依托{C}和{P}，推动{R}与{R}联动发展，共同打造具有全球影响力的国际开放枢纽。",
    "围绕{T}和{T}，优化功能布局，增强{R}服务辐射能力。",
)
# Clauses of a measure. R region, P project, I institution, T instrument, D cited document, C composite name,
# U an uncurated place (which becomes a candidate for curation).
CLAUSES = (
    "支持{R}打造{I}",
    "推动{R}与{R}共建{I}",
    "依托{P}加快{T}",
    "鼓励{I}在{R}开展{T}",
    "按照《{D}》相关规定，在{R}探索{T}",
    "加强{P}与{P}联动发展",
    "推进{C}区域内{T}",
    "支持{I}和{I}在{R}设立分支机构",
    "积极承接{R}转移的{T}项目",
    "完善{U}至{R}的{T}",
    "研究推进{U}与{P}衔接",
    "提升{P}服务{R}的能力",
    "探索{R}、{R}、{R}{T}新模式",
    "落实{R}{T}政策",
)


@dataclass(frozen=True)
class Vocabulary:
    """Surface forms to draw from, per slot, each entity's forms grouped so every entity is equally likely."""

    regions: tuple[tuple[str, ...], ...]
    projects: tuple[tuple[str, ...], ...]
    institutions: tuple[tuple[str, ...], ...]
    instruments: tuple[tuple[str, ...], ...]
    documents: tuple[tuple[str, ...], ...]
    composites: tuple[str, ...]
    places: tuple[str, ...]  # uncurated place names (full names of prefecture-level cities)

    def slot(self, key: str) -> tuple[tuple[str, ...], ...]:
        return {"R": self.regions, "P": self.projects, "I": self.institutions, "T": self.instruments,
                "D": self.documents, "C": tuple((c,) for c in self.composites),
                "U": tuple((p,) for p in self.places)}[key]


@dataclass(frozen=True)
class PolicyText:
    name: str  # file name, 'policy-00001.txt'
    text: str
    sections: int
    measures: int


def vocabulary(gazetteer: Gazetteer) -> Vocabulary:
    def forms(kind: str) -> tuple[tuple[str, ...], ...]:
        # Instrument types classify instruments and are never linked; the texts name concrete instruments.
        return tuple(e.surface_forms() for e in gazetteer.of_kind(kind) if e.type != "InstrumentType")

    places = tuple(name for name, records in gazetteer.places.items()
                   if any(p.name == name and p.code[4:6] == "00" and p.code[2:4] != "00" for p in records))
    return Vocabulary(forms("region"), forms("project"), forms("institution"), forms("instrument"),
                      forms("document"), tuple(sorted(gazetteer.composites)), places)


def chinese_numeral(n: int) -> str:
    """24 -> '二十四' (1 ≤ n < 1000), the inverse of graph.parse.chinese_number."""
    digits = "零一二三四五六七八九"
    if not 0 < n < 1000:
        raise ValueError(f"no numeral for {n}")
    hundreds, tens, ones = n // 100, n // 10 % 10, n % 10
    out = f"{digits[hundreds]}百" if hundreds else ""
    if tens:
        out += ("" if tens == 1 and not hundreds else digits[tens]) + "十"
    elif hundreds and ones:
        out += "零"
    return out + (digits[ones] if ones else "")


def _fill(template: str, vocab: Vocabulary, rng: random.Random) -> str:
    out, i = [], 0
    while i < len(template):
        if template[i] == "{" and template[i + 2] == "}":
            out.append(rng.choice(rng.choice(vocab.slot(template[i + 1]))))
            i += 3
        else:
            out.append(template[i])
            i += 1
    return "".join(out)


def _measure_text(vocab: Vocabulary, rng: random.Random) -> str:
    sentences = []
    for _ in range(rng.randint(1, 2)):
        clauses = [_fill(rng.choice(CLAUSES), vocab, rng) for _ in range(rng.randint(1, 3))]
        sentences.append("，".join(clauses) + "。")
    return "".join(sentences)


def _is_structure(line: str) -> bool:
    """Would the parser read this line as a heading, a measure label or a page number?"""
    line = line.strip()
    return bool(SECTION_HEADING.match(line) or MEASURE_LABEL.match(line) or PAGE_NUMBER.match(line))


def _wrap(paragraph: str, width: int) -> list[str]:
    """PDF-style lines; a break moves earlier when the next line would start with punctuation (as typesetters
    avoid) or look like structure to the parser."""
    lines, start = [], 0
    while start < len(paragraph):
        end = min(start + width, len(paragraph))
        while end < len(paragraph) and end - start > 1 and (
                paragraph[end] in NO_LINE_START or _is_structure(paragraph[end:end + width])):
            end -= 1
        lines.append(paragraph[start:end])
        start = end
    return lines


def _title_lines(title: str) -> list[str]:
    """Two lines, split so that the first does not already end like a title."""
    cut = min(TITLE_WIDTH, len(title) - 2)
    while title[:cut].endswith(TITLE_ENDINGS) or _is_structure(title[cut:]):
        cut -= 1
    return [title[:cut], title[cut:]] if len(title) > TITLE_WIDTH else [title]


def _layout(title: list[str], paragraphs: list[str], rng: random.Random) -> str:
    """Lines separated by blank lines; at each page end a page number (or not) and a stray space."""
    out = [" " + title[0]] + title[1:]
    page, left = 1, rng.randint(*PAGE_LINES) - len(title)
    for paragraph in paragraphs:
        for line in _wrap(paragraph, LINE_WIDTH):
            if left == 0:
                page += 1
                left = rng.randint(*PAGE_LINES)
                # The page number sits right under the page's last line; the next page starts with a space.
                number = f"\n — {page} —" if rng.random() < 0.7 else ""
                out[-1] += f"{number}\n {line}"
            else:
                out.append(line)
            left -= 1
    return "\n\n".join(out) + "\n"


def policy_text(index: int, vocab: Vocabulary, seed: int = DEFAULT_SEED) -> PolicyText:
    """Text number `index` (1-based) of the corpus of `seed`."""
    rng = random.Random(f"hongqiao-kg bench {seed} {index}")
    focus = rng.choice([f for forms in vocab.regions for f in forms if "（" not in f and "“" not in f])
    ending = rng.choice(TITLE_ENDS)
    title = f"关于{rng.choice(TITLE_VERBS)}{focus}{rng.choice(TITLE_TOPICS)}的{ending}"
    preamble = _fill("近年来，{R}和{R}按照{I}决策部署，深入贯彻落实《{D}》，{C}功能布局初步形成。", vocab, rng) \
        + f"为{rng.choice(TITLE_VERBS)}{focus}{rng.choice(TITLE_TOPICS)}，制定以下{ending[-4:]}。"
    restarts = rng.random() < 0.2  # some texts number measures from （一） again in each section
    paragraphs, measure = [preamble], 0
    sections = rng.randint(2, 5)
    for s in range(1, sections + 1):
        heading = _fill(f"{rng.choice(HEADING_VERBS)}{{R}}{rng.choice(HEADING_TOPICS)}", vocab, rng)
        paragraphs.append(f"{chinese_numeral(s)}、{heading}")
        paragraphs.append(_fill(rng.choice(INTROS), vocab, rng))
        for local in range(1, rng.randint(3, 9) + 1):
            measure += 1
            label = chinese_numeral(local if restarts else measure)
            paragraphs.append(f"（{label}）{_measure_text(vocab, rng)}")
    text = _layout(_title_lines(title), paragraphs, rng)
    return PolicyText(f"policy-{index:05d}.txt", text, sections, measure)


def long_text(measures: int, vocab: Vocabulary, seed: int = DEFAULT_SEED, per_section: int = 30) -> PolicyText:
    """One long text of the genre: `measures` measures in sections of `per_section`, numbered from （一） again in
    each section (as the long plans number them). Measure i is the same in texts of any length, so a text of 2,400
    measures is the text of 240 continued: what the one-document linearity check compares."""
    rng = random.Random(f"hongqiao-kg long {seed}")
    focus = rng.choice([f for forms in vocab.regions for f in forms if "（" not in f and "“" not in f])
    title = f"关于{rng.choice(TITLE_VERBS)}{focus}{rng.choice(TITLE_TOPICS)}的实施方案"
    preamble = _fill("近年来，{R}和{R}按照{I}决策部署，深入贯彻落实《{D}》，{C}功能布局初步形成。", vocab, rng) \
        + f"为{rng.choice(TITLE_VERBS)}{focus}{rng.choice(TITLE_TOPICS)}，制定以下方案。"
    paragraphs = [preamble]
    sections = -(-measures // per_section)
    for s in range(1, sections + 1):
        section = random.Random(f"hongqiao-kg long {seed} section {s}")
        heading = _fill(f"{section.choice(HEADING_VERBS)}{{R}}{section.choice(HEADING_TOPICS)}", vocab, section)
        paragraphs.append(f"{chinese_numeral(s)}、{heading}")
        paragraphs.append(_fill(section.choice(INTROS), vocab, section))
        for local in range(1, min(per_section, measures - (s - 1) * per_section) + 1):
            paragraphs.append(f"（{chinese_numeral(local)}）{_measure_text(vocab, section)}")
    text = _layout(_title_lines(title), paragraphs, random.Random(f"hongqiao-kg long {seed} layout"))
    return PolicyText(f"long-{measures:05d}.txt", text, sections, measures)


def write_corpus(out_dir: Path, count: int, gazetteer: Gazetteer, seed: int = DEFAULT_SEED) -> list[Path]:
    """Write texts 1..count into out_dir (created if needed); return their paths in order."""
    out_dir.mkdir(parents=True, exist_ok=True)
    vocab = vocabulary(gazetteer)
    paths = []
    for index in range(1, count + 1):
        text = policy_text(index, vocab, seed)
        path = out_dir / text.name
        path.write_text(text.text, encoding="utf-8")
        paths.append(path)
    return paths


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Write a synthetic corpus of policy texts.")
    parser.add_argument("out", type=Path, help="folder to write policy-NNNNN.txt into")
    parser.add_argument("--texts", type=int, required=True, help="how many texts")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--entities", type=Path, default=ROOT / "data" / "entities")
    args = parser.parse_args(argv)
    paths = write_corpus(args.out, args.texts, load_gazetteer(args.entities), args.seed)
    print(f"wrote {len(paths)} texts into {args.out}", file=sys.stderr)


if __name__ == "__main__":
    main()
