"""A provision's text and mentions -> its institutional statements, their IG-Core components and the roles of the
places, projects and institutions named in them. Knows the genre; knows nothing of RDF.

Institutional Grammar 2.0 (Frantz & Siddiki) splits a provision into statements, each with an Attribute (who
acts), a Deontic (how far the action is supported, allowed or required), an Aim (the action), its Object,
Activation conditions (when it applies) and Execution constraints (how, where, under which rule). The rules here
cover the patterns of the genre's measures (支持X做Y, 允许X…, X可按照…, 在…区域内…), read from the seed text:

  statements   a provision splits at 。 and ；, and inside a sentence at a comma followed by a deontic word
               (…，允许…；…，探索…) or, after a clause with an action of its own, by (adverbs and) an action verb
               (…，建立…，理顺…: a list of actions), never by a purpose verb (…，提升…, …，促进…) nor inside
               quotes or brackets; a leading piece with no verb of its own (在…的领域，按照《…》，依托…，) stays
               with the statement it introduces;
  deontic      the first deontic cue of the statement's first clause (data/schemes/statements.yaml), else
               `implied` (加强…, 构建…: the text itself commits to the action);
  attribute    the words between the deontic and the aim (支持[上海]…申请), or before a deontic that follows its
               actor ([…医疗机构]可按照), less any activation condition at their end;
  aim, object  the first action verb after them (runs of verbs kept together: 联动开展) and the rest of its clause;
  conditions   符合条件的 / 符合条件时 / 确有需求 / 有需求的 / 在…的领域 / 经…后 / 需持证上岗的;
  constraints  按照《…》(相关规定) / 按规定 / 依规定 / 依法依规 / 在一定额度内 / 在境内 / 在X(+verb) / X区域内 / X全域.
What they miss is measured against bench/gold-statements/ (the seed and corpus gold: python -m bench.evaluate_statements).

Roles of a mention (regions, projects, institutions; instruments and documents have none):
  name-part    inside the name of another named thing (浦东 in 浦东国际机场, 嘉昆太 in 嘉昆太协同创新圈);
  partner      a foreign country (中德, 中新), or named after 与 before a joint word (与合肥、芜湖…联动);
  beneficiary  right after 为 / 服务 / 面向 (为长三角地区开展…, 服务长三角);
  location     in a place constraint (在…, …区域内, …全域, 推广到…, 依托…, 位于…), followed by 内, or a region
               the object opens with ([虹桥国际开放枢纽]国际职业资格证书认可清单制度: the place it is of);
  actor        in the attribute;
  object       anything else the statement names.
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from graph.ingest.link import Mention
from graph.ingest.parse import Span
from graph.ingest.yamlfile import DataError, read_yaml

ROLES = ("actor", "partner", "location", "beneficiary", "object", "name-part")
COMPONENTS = ("attribute", "deontic", "aim", "object", "activation-condition", "execution-constraint")
ROLE_KINDS = ("region", "project", "institution")

SENTENCE_END = "。；！？;!?"
# A leading piece that only sets the scene for the statement after it.
LEADING = re.compile(r"^(?:在|按照|依照|根据|依托|围绕|对|以|为深入|为)")
# Action verbs of the genre, longest first so that 建立健全 wins over 建立.
AIM_VERBS = sorted({
    "打造", "引进", "培育发展", "培育", "试点", "配置", "申请", "开展", "建设", "构建", "接入", "开行", "强化",
    "发展", "深化", "加密", "提升", "设立", "举办", "参与", "优化", "承接", "拓展", "实施", "推广", "建立健全",
    "建立", "完善", "开放", "满足", "扩容升级", "集聚", "加强", "办理", "购汇", "上岗", "提供", "用好", "共建",
    "互认", "预留", "创造", "助力", "打通", "拓宽", "联动", "协同", "合作", "推进", "推动", "落地",
    "增强", "服务", "统筹", "尊重", "率先开放", "先行先试", "申请扩区", "扩区", "形成", "辐射带动", "支撑",
    "探索", "自由流动", "赋予",
    # the same genre's verbs in the State Council's and the Delta outline's lists of actions (data/corpus/)
    "理顺", "明确", "细化", "搭建", "激发", "畅通", "引导", "引领", "疏解", "取消", "降低", "招引", "引入", "释放",
    "巩固提升", "编制实施", "规划建设", "统筹规划", "保障", "保证", "办好", "做好", "创建", "实现", "扩大", "健全",
    "深化", "培育", "整合提升", "布局建设", "统一规划建设", "改扩建", "研究推进", "组织编制", "集成推进",
}, key=len, reverse=True)
AIM_PATTERN = re.compile("|".join(map(re.escape, AIM_VERBS)))
# Verbs that open a clause saying what the action before it is for (…建设，提升航空货运保障能力): no new statement.
PURPOSE = re.compile(r"(?:提升|提高|增强|助力|满足|促进|调动|成为|为)")
# Adverbs that may stand before the verb of a new action clause (…，率先开放…, …，同时要不断探索…).
CLAUSE_ADVERBS = re.compile(r"(?:率先|持续|进一步|积极|逐步|不断|大力|高质量|共同|加快|着力|有序|全面|深入|切实|及时|"
                            r"充分|稳步|适度|认真|紧紧|科学|重点|集中|滚动|联合|携手|合力|同时|要|并|统一|适当)*")
OPENERS, CLOSERS = "“（《(「", "”）》)」"
# Adverbs between an attribute and its aim (支持太仓[持续]深化…), not part of either.
ADVERBS = re.compile(r"(?:率先|持续|进一步|积极|逐步|不断|大力|高质量|更好|更多|依规定|依法依规|共同|加快)+$")
ATTRIBUTE_CUT = re.compile(r"[在为对]|，")
# Aims whose object stands before them (加快[嘉兴航空联运中心]建设).
NOMINAL_AIMS = ("建设",)
PREPOSITION = re.compile(r"^(?:在|将|为|对|以|与|依托|按照|位于|围绕|从)")
CONDITIONS = [re.compile(p) for p in (
    r"在?(?:确有需求且)?符合条件时", r"符合条件的", r"确有需求", r"有需求的", r"在不直接涉及[^，。；]*?的领域",
    r"经[^，。；]{2,20}?后", r"需持证上岗的",
)]
CONSTRAINTS = [re.compile(p) for p in (
    r"(?:按照|依照|根据)《[^》]+》(?:相关规定)?", r"按规定", r"依规定", r"依法依规", r"在一定额度内", r"在境内",
    r"在[^，。；在]{1,24}?等区域", r"在[^，。；在]{1,24}?(?:区域内|全域)", r"位于[^，。；]{1,30}?的", r"以[^，。；]{2,20}?为切入口", r"围绕[^，。；]{2,10}?(?=不断|[，。；])",
)]
PLACE_BEFORE_VERB = re.compile(r"在([^，。；在]{1,24}?)(?=举办|设立|构建|开展|建设|实施|探索)")
SCOPE_AFTER = re.compile(r"(?:区域内|内|全域)")
LOCATION_BEFORE = re.compile(r"(?:在|推广到|依托|位于|在虹桥—)$")
BENEFICIARY_BEFORE = re.compile(r"(?:为|服务|面向)$")
JOINT_AFTER = re.compile(r"联动|合作|协同|对接|共建")


@dataclass(frozen=True)
class Concept:
    id: str
    zh: str
    en: str
    definition_en: str | None = None
    cues: tuple[str, ...] = ()
    members: tuple[str, ...] = ()  # ids of curated entities the concept relates (instrument facets)
    where: tuple[str, int] = field(default=("", 0), compare=False)  # file and line, for errors


@dataclass(frozen=True)
class Scheme:
    id: str
    zh: str
    en: str
    status: str
    sources: tuple[str, ...]
    concepts: tuple[Concept, ...]

    def concept(self, concept_id: str) -> Concept:
        for c in self.concepts:
            if c.id == concept_id:
                return c
        raise KeyError(f"scheme {self.id} has no concept {concept_id!r}")


@dataclass(frozen=True)
class Component:
    kind: str  # one of COMPONENTS
    text: str  # the cleaned words
    start: int  # code-point offsets in the source file
    end: int


@dataclass(frozen=True)
class Role:
    mention: Mention
    role: str  # one of ROLES


@dataclass(frozen=True)
class Statement:
    index: int  # 1-based within the provision
    sentence: int  # 1-based sentence within the provision (several statements may share one)
    text: str
    start: int
    end: int
    deontic: str  # a concept id of the deontic scheme
    components: tuple[Component, ...]
    roles: tuple[Role, ...]
    # cleaned-text positions, for the linkage rules (not published)
    span: Span = field(repr=False, compare=False, default=Span.empty())

    def component(self, kind: str) -> list[Component]:
        return [c for c in self.components if c.kind == kind]


def load_schemes(path: Path) -> dict[str, Scheme]:
    """data/schemes/statements.yaml -> schemes by id; a malformed entry is a `file:line: message` DataError."""
    schemes: dict[str, Scheme] = {}
    for item in read_yaml(path, allow_empty=False):
        line = getattr(item, "line_of", lambda _k: 0)("scheme")
        for key in ("scheme", "zh", "en", "concepts"):
            if key not in item:
                raise DataError(str(path), line, f"scheme entry has no {key!r}")
        concepts = []
        for c in item["concepts"]:
            if "id" not in c or "zh" not in c or "en" not in c:
                raise DataError(str(path), line, f"a concept of scheme {item['scheme']!r} lacks id, zh or en")
            cues = tuple(c.get("cues") or ())
            for cue in cues:
                try:
                    re.compile(cue)
                except re.error as error:
                    raise DataError(str(path), line, f"cue {cue!r} of {c['id']!r}: {error}") from None
            members = c.get("members") or ()
            if not isinstance(members, (list, tuple)) or not all(isinstance(m, str) for m in members):
                raise DataError(str(path), line, f"members of {c['id']!r} must be a list of ids")
            concepts.append(Concept(c["id"], c["zh"], c["en"], c.get("definition_en"), cues, tuple(members),
                                    (str(path), getattr(c, "line_of", lambda _k: line)("id"))))
        schemes[item["scheme"]] = Scheme(item["scheme"], item["zh"], item["en"], item.get("status", "unverified"),
                                         tuple(item.get("sources") or ()), tuple(concepts))
    for needed in ("ig-component", "deontic", "role", "linkage-kind"):
        if needed not in schemes:
            raise DataError(str(path), 1, f"no scheme {needed!r}")
    return schemes


class _Text:
    """A span with helpers from cleaned positions to file offsets and back."""

    def __init__(self, span: Span):
        self.span = span
        self.text = span.text
        self.index = {offset: i for i, offset in enumerate(span.offsets)}

    def cleaned(self, start: int, end: int) -> tuple[int, int] | None:
        i, j = self.index.get(start), self.index.get(end - 1)
        return None if i is None or j is None else (i, j + 1)

    def component(self, kind: str, i: int, j: int) -> Component:
        start, end = self.span.original_range(i, j)
        return Component(kind, self.text[i:j], start, end)


def split_statements(text: str, deontic_cues: re.Pattern) -> list[tuple[int, int, int]]:
    """(start, end, sentence) in cleaned positions of each statement of `text`."""
    pieces: list[tuple[int, int, int]] = []
    sentence, begin = 0, 0
    for i in range(len(text) + 1):
        if i == len(text) or text[i] in SENTENCE_END:
            if text[begin:i].strip():
                sentence += 1
                pieces.extend((a, b, sentence) for a, b in _clauses(text, begin, i, deontic_cues))
            begin = i + 1
    return pieces


def _new_action_at(text: str, i: int, end: int, deontic_cues: re.Pattern, before: int) -> bool:
    """Does a new statement start at `i`, after a comma: a deontic word (…，允许…), or, after a clause with an
    action of its own, (adverbs and) an action verb that is no purpose verb (…，建立…; but …，提升… and …，促进…
    say what the action before is for)?"""
    adverbs = CLAUSE_ADVERBS.match(text, i, end)
    j = adverbs.end() if adverbs else i
    if PURPOSE.match(text, j, end):
        return False
    if deontic_cues.match(text, i):
        return True
    return bool(AIM_PATTERN.match(text, j, end) and AIM_PATTERN.search(text, before, i)
                and not LEADING.match(text, before, i))


def _clauses(text: str, begin: int, end: int, deontic_cues: re.Pattern) -> list[tuple[int, int]]:
    cuts = [begin]
    depth = 0
    for i in range(begin, end):
        ch = text[i]
        depth += ch in OPENERS
        depth -= ch in CLOSERS and depth > 0
        # A list of actions splits at each action (…，建立…，理顺…); a comma inside quotes or brackets never.
        if ch in "，," and depth == 0 and _new_action_at(text, i + 1, end, deontic_cues, cuts[-1]):
            cuts.append(i + 1)
    spans = [(a, (b - 1 if b != end else b)) for a, b in zip(cuts, cuts[1:] + [end])]
    merged: list[tuple[int, int]] = []
    carry = None
    for a, b in spans:
        a = carry if carry is not None else a
        piece = text[a:b]
        if LEADING.match(piece) and not deontic_cues.search(piece) and (a, b) != spans[-1]:
            carry = a  # a scene-setting piece joins the statement it introduces
            continue
        carry = None
        merged.append((a, b))
    if carry is not None:
        merged.append((carry, end))
    return [(a, b) for a, b in merged if text[a:b].strip("， ")]


def statements_of(span: Span, mentions: Sequence[Mention], schemes: dict[str, Scheme],
                  home_countries: Iterable[str] = ("prc",), countries: Iterable[str] = (),
                  first_index: int = 1, first_sentence: int = 1) -> list[Statement]:
    """The statements of one span of a provision's text (its heading, or its body), with components and roles.

    `countries` are the entity ids of foreign countries (their mentions are partners); `home_countries` the
    country whose policy it is (its mentions are the scope of a foreign cooperation, never a partner)."""
    deontic = schemes["deontic"]
    cue_patterns = [(c.id, re.compile(cue)) for c in deontic.concepts for cue in c.cues]
    any_cue = re.compile("|".join(f"(?:{cue})" for _id, cue in ((c.id, q) for c in deontic.concepts
                                                             for q in c.cues)))
    t = _Text(span)
    inside = [m for m in mentions if t.cleaned(m.start, m.end) is not None]
    named_mask = set()
    for m in inside:
        if m.kind != "instrument":
            a, b = t.cleaned(m.start, m.end)
            named_mask.update(range(a, b))
    countries, home = set(countries), set(home_countries)
    out = []
    pieces = split_statements(t.text, any_cue)
    sentence_offset = first_sentence - 1
    for number, (a, b, sentence) in enumerate(pieces, start=first_index):
        components, kind = _components(t, a, b, cue_patterns, named_mask)
        stmt_mentions = [m for m in inside if a <= t.cleaned(m.start, m.end)[0] < b]
        roles = tuple(Role(m, _role(m, t, stmt_mentions, components, countries, home)) for m in stmt_mentions
                      if m.kind in ROLE_KINDS)
        start, end = span.original_range(a, b)
        out.append(Statement(number, sentence + sentence_offset, t.text[a:b], start, end, kind,
                             tuple(sorted(components, key=lambda c: (c.start, c.kind))), roles,
                             Span(t.text[a:b], span.offsets[a:b])))
    return out


def _first_clause_end(text: str, a: int, b: int) -> int:
    """End of the first clause of a statement, after any leading scene-setting piece."""
    i = a
    while True:
        comma = text.find("，", i, b)
        if comma < 0:
            return b
        if LEADING.match(text, i) and i == a:
            i = comma + 1
            continue
        return comma


def _components(t: _Text, a: int, b: int, cue_patterns, named_mask: set[int]) -> tuple[list[Component], str]:
    text = t.text
    found: list[Component] = []
    clause_end = _first_clause_end(text, a, b)
    # deontic: the earliest cue of the first clause, not inside a name
    best = None
    for concept_id, pattern in cue_patterns:
        for match in pattern.finditer(text, a, clause_end):
            if match.start() in named_mask:
                continue
            if best is None or (match.start(), -match.end()) < (best[1], -best[2]):
                best = (concept_id, match.start(), match.end())
            break
    conditions = [(m.start(), m.end()) for p in CONDITIONS for m in p.finditer(text, a, b)]
    conditions = _outermost(conditions)
    constraints = [(m.start(), m.end()) for p in CONSTRAINTS for m in p.finditer(text, a, b)]
    constraints += [(m.start(), m.end()) for m in PLACE_BEFORE_VERB.finditer(text, a, b)]
    constraints = _outermost(constraints)
    for i, j in conditions:
        found.append(t.component("activation-condition", i, j))
    for i, j in constraints:
        found.append(t.component("execution-constraint", i, j))
    kind = "implied"
    body_start = a
    if best is not None:
        kind, d0, d1 = best
        found.append(t.component("deontic", d0, d1))
        before = text[a:d0]
        lead = _after_leading(text, a, d0)
        pre = text[lead:d0]
        if pre and not PREPOSITION.match(pre) and not AIM_PATTERN.search(pre.replace("的", "")[:2]):
            attribute = _trim_attribute(text, lead, d0, conditions)
            if attribute:
                found.append(t.component("attribute", *attribute))
        body_start = d1
        del before
    else:
        body_start = _after_leading(text, a, clause_end)
    aim = _aim(text, body_start, b, named_mask, skip=best is not None)
    if aim is not None:
        v0, v1 = aim
        fronted = text[v0:v1] in NOMINAL_AIMS and v0 > body_start
        if fronted:  # 推进[X]建设: X is what is built
            found.append(t.component("object", body_start, v0))
        elif best is not None and not any(c.kind == "attribute" for c in found):
            attribute = _trim_attribute(text, body_start, v0, conditions + constraints)
            if attribute and not PREPOSITION.match(text[attribute[0]:attribute[1]]):
                found.append(t.component("attribute", *attribute))
        found.append(t.component("aim", v0, v1))
        o_end = text.find("，", v1, b)
        o_end = b if o_end < 0 else o_end
        o0 = v1
        if o0 < o_end and not fronted:
            found.append(t.component("object", o0, o_end))
    return found, kind


def _after_leading(text: str, a: int, limit: int) -> int:
    """Where a statement's own words start, after a leading scene-setting piece (在…的领域，)."""
    if LEADING.match(text, a):
        comma = text.find("，", a, limit)
        if comma >= 0:
            return comma + 1
    return a


def _aim(text: str, start: int, end: int, named_mask: set[int], skip: bool) -> tuple[int, int] | None:
    i = start
    while i < end:
        match = AIM_PATTERN.search(text, i, end)
        if match is None:
            return None
        if match.start() in named_mask or text[match.end():match.end() + 1] == "的" \
                or text[match.start() - 1:match.start()] == "的" and match.start() > start:
            i = match.start() + 1
            continue
        v0, v1 = match.start(), match.end()
        while True:  # a run of verbs is one aim (联动开展, 协同开展)
            nxt = AIM_PATTERN.match(text, v1, end)
            if nxt is None or nxt.start() in named_mask:
                break
            v1 = nxt.end()
        return v0, v1
    return None


def _trim_attribute(text: str, i: int, j: int, conditions: list[tuple[int, int]]) -> tuple[int, int] | None:
    """The attribute's words between i and j, less conditions, places (在…, 为…) and adverbs at their end."""
    cut = ATTRIBUTE_CUT.search(text, i + 2, j)
    if cut is not None:
        j = cut.start()
    changed = True
    while changed and j > i:
        changed = False
        for c0, c1 in conditions:  # a condition on when (…时) is no part of the actor; 符合条件的 qualifies it
            if i < c0 < j and not text[c0:c1].endswith("的"):
                j, changed = c0, True
        stripped = ADVERBS.search(text, i, j)
        if stripped and stripped.start() > i and stripped.end() == j:
            j, changed = stripped.start(), True
    while j > i and text[j - 1] in "，、 ":
        j -= 1
    if j <= i:
        return None
    return i, j


def _outermost(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    kept: list[tuple[int, int]] = []
    for s in sorted(set(spans), key=lambda x: (x[0], -x[1])):
        if kept and s[0] < kept[-1][1]:
            continue
        kept.append(s)
    return kept


def _role(m: Mention, t: _Text, mentions: Sequence[Mention], components: list[Component],
          countries: set[str], home: set[str]) -> str:
    a, b = t.cleaned(m.start, m.end)
    if m.entity_id in countries:  # a foreign country is a partner, in a platform's name too (中新“国际化走廊”)
        return "partner"
    for other in mentions:
        if other.kind in ROLE_KINDS + ("document",) and other.start <= m.start and m.end <= other.end \
                and other.end - other.start > m.end - m.start:
            return "name-part"
    if m.entity_id in countries:
        return "partner"
    text = t.text
    if BENEFICIARY_BEFORE.search(text[max(0, a - 2):a]):
        return "beneficiary"
    clause_start = max(text.rfind("，", 0, a), text.rfind("。", 0, a)) + 1
    before = text[clause_start:a]
    if "与" in before and JOINT_AFTER.search(text, b, text.find("，", b) if text.find("，", b) >= 0 else len(text)):
        if before.rfind("与") > max(before.rfind("在"), -1):
            return "partner"
    if SCOPE_AFTER.match(text, b) or LOCATION_BEFORE.search(text[max(0, a - 3):a]):
        return "location"
    if m.entity_id in home:
        return "location"
    for c in components:
        if c.kind == "execution-constraint" and c.start <= m.start and m.end <= c.end:
            return "location"
    for c in components:
        if c.kind == "attribute" and c.start <= m.start and m.end <= c.end:
            return "actor"
    for c in components:  # [虹桥国际开放枢纽]国际职业资格证书认可清单制度: the place the object is of
        if c.kind == "object" and m.kind == "region" and c.start == m.start and m.end < c.end:
            return "location"
    return "object"
