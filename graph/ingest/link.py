"""Find mentions of curated entities in each provision's text, with the original offsets of every quote.

Four independent layers, each matched leftmost-longest without overlap inside the layer:
  named      — projects, institutions and cited documents ('沪乍杭铁路', '国家超级计算昆山中心');
  place      — regions ('昆山', '嘉昆太协同创新圈');
  composite  — composite names and abbreviations ('嘉昆太' → 嘉定 + 昆山 + 太仓);
  instrument — the policy instruments' signal words ('互认', '数字人民币试点').
Layers may overlap each other on purpose: '沪乍杭铁路' names a railway *and*, through '沪乍杭', three places.
Where two layers reach the same entity at the same place, the longer quote is kept. An instrument's words inside a
longer name or a cited title ('协同创新' in '嘉昆太协同创新圈', '临床急需药品临时进口' in
'《临床急需药品临时进口工作方案》') are part of that name, not a use of the instrument, and are dropped.
Strings that look like entities but match nothing curated become candidates, never silently dropped.
"""
from __future__ import annotations

import re
from functools import lru_cache
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import ahocorasick

from graph.ingest.gazetteer import Gazetteer
from graph.ingest.parse import Document, Provision, Span

LAYER_KINDS = {"named": ("project", "institution", "document"), "place": ("region",), "composite": (),
               "instrument": ("instrument",)}
CONTEXT_CHARS = 12
# Endings of things the genre names: railways, ports, centres, bases, zones… (longest first).
CANDIDATE_ENDINGS = ("铁路", "港区", "机场", "中心", "基地", "枢纽", "集群", "通道", "专线", "园区", "示范区",
                     "开发区", "实验室", "博览会", "交易所", "港", "委员会", "工程", "新区", "试验区", "联席会议",
                     "领导小组", "工作小组", "办公室")
# Characters that end a name on its left: punctuation and the genre's function words and verbs.
CANDIDATE_LEFT_STOP = re.compile(r"[，。；：、“”《》（）()\s]|支持|推动|推进|加快|依托|打造|建设|设立|实施|建立|鼓励|"
                                 r"加强|构建|开展|共建|引进|位于|在|与|和|及|的|(?<![高平同对均上中初])等|将|为|对|于|用好|发展|接入|提升|"
                                 r"承接|积极|满足|拓展|培育|优化|完善|依法依规|紧扣|增强|利用|连接|塑造|确定|是|选取|优先|审核|了|研究|"
                                 r"目前|该|集中|尽快|申报|落实|探索|形成|深化|强化|健全|组建|成立|包括|通过|按照|"
                                 r"根据|围绕|面向|参与|加大|促进|引导|规范|做好|提供|统筹|协调|有序|分类|各类|"
                                 r"一批|若干|具有|符合|有条件的|一个|同意|统称|简称|把|推广|引领|规划|做大做强|享受|"
                                 r"并入|纳入|发生|带动|要(?!素)|以(?=[0-9]|国家|全国)|[0-9]+(?:起|个|家|项|批|条|所|座|名)|其(?!他)")
# '中心城市' is a central city, not a centre.
CANDIDATE_NOT_BEFORE = ("城市",)
CANDIDATE_MAX_CHARS = 16
# A provisional name may be longer: 淮南－南京－上海1000千伏特高压交流输电工程 (the stops cut it on the left).
PROVISIONAL_MAX_CHARS = 26


@dataclass(frozen=True)
class Mention:
    entity_id: str
    kind: str  # the entity's kind: region, project, institution, instrument, document
    quote: str  # the cleaned words of the text ('嘉昆太')
    start: int  # code-point offsets of the quote in the original file
    end: int
    prefix: str
    suffix: str
    via: str | None = None  # the composite form the entity was reached through
    origin: str = "curated"  # curated | package (the national gazetteer) | extracted (endings, 《》 titles)
    name: str = ""  # for package and extracted entities: the standard name (嘉兴市 for 嘉兴)
    record: str = ""  # for package entities: the national gazetteer's record id ('cn:330400', 'iso:DE')


@dataclass(frozen=True)
class Candidate:
    provision: str  # 'measure 19', 'section 2', 'preamble'
    text: str
    start: int
    end: int
    rule: str  # 'ending:铁路' or 'place'
    suggestion: str  # e.g. a cpca code for a place


@dataclass(frozen=True)
class LinkedProvision:
    provision: Provision
    mentions: tuple[Mention, ...]


@dataclass(frozen=True)
class LinkedDocument:
    document: Document
    provisions: tuple[LinkedProvision, ...]
    candidates: tuple[Candidate, ...]


class FormIndex:
    """Where a set of strings occurs in a text: leftmost, then longest, without overlap (as a regex alternation
    of the strings, longest first, would find them).

    An Aho-Corasick automaton finds every occurrence in one pass; a regex alternation tried each of cpca's 6,000
    place names in turn at every character, which was over half of the linking time on a corpus.
    """

    def __init__(self, forms: Iterable[str]):
        self._automaton = ahocorasick.Automaton()
        for form in forms:
            self._automaton.add_word(form, len(form))
        self._empty = len(self._automaton) == 0
        if not self._empty:
            self._automaton.make_automaton()

    def finditer(self, text: str) -> Iterator[tuple[int, int, str]]:
        """(start, end, form) of each occurrence kept."""
        if self._empty:
            return
        # iter() gives (index of the last character, length) of every occurrence, overlapping ones included.
        found = sorted((last + 1 - length, -length) for last, length in self._automaton.iter(text))
        position = 0
        for start, negative_length in found:
            if start >= position:
                position = start - negative_length
                yield start, position, text[start:position]


class Matcher:
    """Indexed surface forms of a gazetteer, one index per layer."""

    def __init__(self, gazetteer: Gazetteer):
        self.gazetteer = gazetteer
        self.curated_codes = {e.code: e.id for e in gazetteer.of_kind("region") if e.code}
        self.curated_forms = frozenset(f for e in gazetteer.entities.values() if e.kind != "instrument"
                                       for f in e.surface_forms()) | frozenset(gazetteer.composites)
        self.layers: dict[str, tuple[FormIndex, dict[str, tuple[tuple[str, str | None], ...]]]] = {}
        for layer, kinds in LAYER_KINDS.items():
            targets: dict[str, list[tuple[str, str | None]]] = {}
            for entity in gazetteer.entities.values():
                # Instrument types (供给型, 金融支持…) classify instruments; only concrete instruments are linked.
                if entity.kind in kinds and entity.type != "InstrumentType":
                    for form in entity.surface_forms():
                        targets.setdefault(form, []).append((entity.id, None))
            if layer == "composite":
                for form, composite in gazetteer.composites.items():
                    targets.setdefault(form, []).extend((eid, form) for eid in composite.expands_to)
            frozen = {form: tuple(sorted(set(ids))) for form, ids in targets.items()}
            self.layers[layer] = (FormIndex(frozen), frozen)
        # Uncurated places: full names ('资源县'), and short names of prefecture-level cities only ('湖州'):
        # short county names are too often plain words ('合作', '江海', '通道').
        places = {}
        for name, records in gazetteer.places.items():
            kept = tuple(p for p in records if name == p.name or _is_prefecture(p.code))
            if kept and len(name) >= 2:
                places[name] = kept
        self.place_index = FormIndex(places)
        self.places = places
        self.ending_pattern = re.compile("(?:" + "|".join(map(re.escape, CANDIDATE_ENDINGS)) + ")")

    def find(self, span: Span) -> list[Mention]:
        mentions = []
        for layer, (index, targets) in self.layers.items():
            for i, j, form in index.finditer(span.text):
                start, end = span.original_range(i, j)
                prefix = span.text[max(0, i - CONTEXT_CHARS):i]
                suffix = span.text[j:j + CONTEXT_CHARS]
                for entity_id, via in targets[form]:
                    kind = self.gazetteer.entities[entity_id].kind
                    mentions.append(Mention(entity_id, kind, form, start, end, prefix, suffix, via))
        longest: dict[tuple[str, int], Mention] = {}
        for mention in mentions:
            key = (mention.entity_id, mention.start)
            if key not in longest or mention.end > longest[key].end:
                longest[key] = mention
        return list(longest.values())

    def candidates(self, span: Span, mentions: list[Mention], where: str,
                   endings_only: bool = False) -> list[Candidate]:
        covered = set()
        for mention in mentions:
            if mention.kind != "instrument":
                covered.update(range(mention.start, mention.end))
        found: dict[tuple[int, int], Candidate] = {}
        for match in self.ending_pattern.finditer(span.text):
            end = match.end()
            if span.offsets[end - 1] in covered or span.text.startswith(CANDIDATE_NOT_BEFORE, end):
                continue
            begin = max(0, end - CANDIDATE_MAX_CHARS)
            stops = list(CANDIDATE_LEFT_STOP.finditer(span.text, begin, match.start()))
            if stops:
                begin = stops[-1].end()
            if match.start() - begin < 2:  # a bare ending ('港', '中心') names nothing
                continue
            start_off, end_off = span.original_range(begin, end)
            found[(start_off, end_off)] = Candidate(where, span.text[begin:end], start_off, end_off,
                                                    f"ending:{match.group()}", "")
        for i, j, name in ([] if endings_only else self.place_index.finditer(span.text)):
            start_off, end_off = span.original_range(i, j)
            if covered & set(range(start_off, end_off)):
                continue
            codes = " ".join(f"{p.code}:{p.name}" for p in self.places[name])
            found[(start_off, end_off)] = Candidate(where, name, start_off, end_off, "place", codes)
        return [found[key] for key in sorted(found)]


def _is_prefecture(adcode: str) -> bool:
    """A prefecture-level code: 'PPCC00…' with CC not 00 (province-level codes end in 0000)."""
    return adcode[4:6] == "00" and adcode[2:4] != "00"


def provision_name(provision: Provision) -> str:
    return "preamble" if provision.kind == "preamble" else f"{provision.kind} {provision.key}"


# China itself (中国, 我国, 全国) is the frame of every text, not a place it names.
NOT_LINKED = frozenset({"iso:CN"})
# World regions (m49: 欧洲, 中东…) have no parent in the region hierarchy and no reader asked for them yet.
NOT_LINKED_PREFIXES = ("m49:",)
NATIONAL_KIND = {"division": "region", "country": "region", "world_region": "region", "area": "region",
                 "central_body": "institution", "local_body": "institution"}
# Provisional names: a head ending that names a thing of a kind, cut on the left as the candidates are.
PROVISIONAL_KIND = {"铁路": "project", "港区": "project", "机场": "project", "枢纽": "project", "通道": "project",
                    "专线": "project", "工程": "project", "中心": "institution", "基地": "institution",
                    "实验室": "institution", "委员会": "institution", "博览会": "institution",
                    "联席会议": "institution", "领导小组": "institution", "工作小组": "institution",
                    "办公室": "institution",
                    "交易所": "institution", "园区": "region", "示范区": "region", "开发区": "region",
                    "新区": "region", "试验区": "region"}
CITED_TITLE = re.compile(r"《([^《》]{2,80})》")
INNER_TITLE = re.compile(r"〈([^〈〉《》]{2,80})〉")
# '有关部门', '有关委员会': what stands before an ending and makes it generic, not a name.
GENERIC_LEFT = ("有关", "相关", "各", "本", "该", "上述", "其他", "所在", "地方", "国家级", "省级", "区域")


def national_mentions(span: Span, taken: set[int], year: int | None = None,
                      curated_codes: dict[str, str] | None = None) -> list[Mention]:
    """Places, countries and government bodies of the national gazetteer, where no curated mention is. A place
    whose code a curated region has is that curated region (curated entries keep priority and identifiers)."""
    from graph.ingest import national  # built at first use (about 4 s), so texts without it stay fast

    g = national.build()
    found = []
    for hit in national.match(span.text, year=year):
        if not hit.id or not hit.accepted or hit.id in NOT_LINKED or hit.id.startswith(NOT_LINKED_PREFIXES):
            continue
        start, end = span.original_range(hit.start, hit.end)
        if taken & set(range(start, end)):
            continue
        record = g.records.get(hit.id)
        name = record.name if record else hit.text
        kind = NATIONAL_KIND.get(hit.kind)
        if kind is None:
            continue
        prefix = span.text[max(0, hit.start - CONTEXT_CHARS):hit.start]
        suffix = span.text[hit.end:hit.end + CONTEXT_CHARS]
        quote = span.text[hit.start:hit.end]
        if kind == "region" and record is not None and record.code in (curated_codes or {}):
            found.append(Mention(curated_codes[record.code], kind, quote, start, end, prefix, suffix))
            continue
        found.append(Mention(_slug(hit.id), kind, quote, start, end, prefix, suffix, None, "package", name, hit.id))
    return found


def national_blocked(span: Span) -> list[tuple[int, int]]:
    """File offsets of the national gazetteer's blocker strings in a span (国务院有关部门: no body is named)."""
    from graph.ingest import national

    return [span.original_range(h.start, h.end) for h in national.match(span.text, explain=True)
            if h.kind == "blocker"]


@lru_cache(maxsize=1)
def own_country_forms() -> frozenset[str]:
    """中国, 中华人民共和国…: the country every text is about is not a place it names."""
    from graph.ingest import national

    g = national.build()
    return frozenset(surface for surface, forms in g.forms.items()
                     if any(f.record_id in NOT_LINKED for f in forms))


def _slug(record_id: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", record_id.lower()).strip("-")


def cited_titles(span: Span, taken: set[int], titles: dict[str, str] | None = None) -> list[Mention]:
    """Titles cited in 《》, and a title marked 〈〉 inside one: a document of the build when the title is one's
    (a cross-document citation), otherwise an extracted document."""
    found = []
    for pattern in (CITED_TITLE, INNER_TITLE):
        for match in pattern.finditer(span.text):
            i, j = match.span(1)
            start, end = span.original_range(i, j)
            if pattern is CITED_TITLE and taken & set(range(start, end)):
                continue
            if pattern is INNER_TITLE and not any(m.start <= start and end <= m.end for m in found):
                continue
            title = match.group(1)
            prefix, suffix = span.text[max(0, i - CONTEXT_CHARS):i], span.text[j:j + CONTEXT_CHARS]
            known = (titles or {}).get(title_key(title))
            if known is not None:
                found.append(Mention(known, "document", title, start, end, prefix, suffix, None, "corpus", title))
            else:
                found.append(Mention(extracted_id("document", title), "document", title, start, end, prefix,
                                     suffix, None, "extracted", title))
    return found


# A document cited by its number (发文字号): 国科发高〔2018〕235号 after a bracket or a comma, 国务院令第707号.
CITED_NUMBER = re.compile(r"(?<=[（(，,、；：“《\s])[\u4e00-\u9fa5]{1,6}〔[0-9]{4}〕[0-9]+号|"
                          r"(?:中华人民共和国)?国务院令第[0-9]+号")


def cited_numbers(span: Span, titles_found: list[Mention]) -> list[Mention]:
    """Documents cited by their number. A number in the bracket right after a cited title (《…》（国发〔2004〕20号）)
    is that title's document, not another one."""
    found = []
    for match in CITED_NUMBER.finditer(span.text):
        i, j = match.span()
        start, end = span.original_range(i, j)
        number = match.group()
        prefix, suffix = span.text[max(0, i - CONTEXT_CHARS):i], span.text[j:j + CONTEXT_CHARS]
        before = span.text[max(0, i - 2):i]
        title = next((t for t in titles_found if before in ("》（", "》(") and 0 <= start - t.end <= 2), None)
        if title is not None:
            found.append(Mention(title.entity_id, "document", number, start, end, prefix, suffix, None,
                                 title.origin, title.name, title.record))
        else:
            found.append(Mention(extracted_id("document", number), "document", number, start, end, prefix,
                                 suffix, None, "extracted", number))
    return found


# Provisional names: the ending that makes a name and the kind it names (the longest ending at a place wins).
# Facilities, lines, hubs, systems and named events are projects; bodies and enterprises institutions; named zones,
# belts and metropolitan areas regions (bench/gold/README-B.md, rules 6 and 7).
PROVISIONAL_ENDINGS = {
    "project": ("项目", "建设试点", "试点", "出海口", "铁路", "高铁", "高速公路", "公路", "港区", "港", "码头", "机场", "枢纽", "通道", "专线", "工程", "大桥",
                "二桥", "隧道", "航道网", "航道", "水道", "电站", "电厂", "接收站", "转运）站", "管道", "联络线", "电网",
                "基地", "系统", "平台", "骨干网络", "水库", "冬奥会", "冬残奥会", "博览会", "国家公园"),
    "institution": ("中心", "实验室", "委员会", "联席会议", "领导小组", "工作小组", "协调小组", "办公室", "交易所",
                    "有限责任公司", "公司", "煤矿", "气矿", "天文台", "气象台", "军区", "生产建设兵团"),
    "region": ("园区", "示范区", "开发区", "高新区", "新区", "试验区", "合作区", "发展区", "集聚区", "功能区", "产业园",
               "合作园", "分区", "都市圈", "城市带", "经济带", "文化带", "创新带", "生态带", "走廊", "城市副中心",
               "革命老区", "老区", "地区"),
}
PROVISIONAL_KIND = {ending: kind for kind, endings in PROVISIONAL_ENDINGS.items() for ending in endings}
# A centre of transport, logistics or data is a facility (上海国际航运中心), not a body.
FACILITY_CENTRES = ("航运中心", "集散中心", "物流中心", "数据中心", "联运服务中心", "航空联运中心")
# What may follow an ending without the name going on: 港口, 港澳 and 中心城市 are words, not names; a 枢纽功能 is
# a city's role (杭州、南京、合肥区域航空枢纽功能: the cities are meant).
ENDING_NOT_BEFORE = {"港": ("口", "澳", "航", "务", "城", "产"), "中心": ("城市", "区", "镇"), "枢纽": ("功能",),
                     "公路": ("网",), "平台": ("经济",)}
# Endings that only make an enterprise; its name is what stands after the place it is in (大同市杏儿沟煤矿).
ENTERPRISE_ENDINGS = ("有限责任公司", "公司", "煤矿", "气矿")
# Systems and platforms of the whole country have no place in their name (国家企业信用信息公示系统).
NATIONAL_PREFIXES = ("国家", "全国")
NATIONAL_ENDINGS = ("系统", "平台", "骨干网络", "委员会", "领导小组", "协调小组", "联席会议")
PHASE = re.compile(r"[一二三四五]期")
# 项目 names a project only as the head of a list (沪苏湖、合新等规划项目) or after a figure (60万吨乙烯项目).
LIST_ONLY_ENDINGS = ("项目",)
# 试点 and 工程 after a quoted name (“无废城市”建设试点); 试点 needs the quotes.
QUOTED_ENDINGS = ("建设试点", "试点")
# What may not stand right before an ending: 上下游 is 'up- and downstream', no reach.
ENDING_NOT_AFTER = {"下游": ("上",), "地区": ("其他", "有关", "相关", "周边", "沿海", "贫困", "西部", "东部", "中部",
                                                "上游", "中游", "下游")}
# A river's reaches and basin: 长江上游, 长江中上游, 淮河流域.
REACH = re.compile(r"上中游|中上游|中下游|上游|中游|下游")
# A figure with a unit makes a 项目 a named project (60万吨乙烯项目); a date does not.
QUANTITY = re.compile(r"[0-9]+(?:万|千|亿)?(?:吨|千瓦|千伏|公里|立方米|兆瓦)")
# On the left of a body's name only punctuation and function words stop it: a body's name holds verbs
# (京津冀协同发展领导小组, 国家职业教育指导咨询委员会).
INSTITUTION_LEFT_STOP = re.compile(r"[，。；：、“”《》（）()\s]|在|与|和|及|的|(?<![高平同对均上中初])等|将|为|对|于|由|经|"
                                   r"是|了|同意|设立|建立|成立|组建|撤销|设|请|向|会同|并入|纳入|按照|根据|其|该|各|支持|推动|加强|通过|参加|"
                                   r"参与|承担|征得|要(?!素)|以(?=国家|全国)|"
                                   r"[0-9]+(?:起|个|家|项|批|条|所|座|名)")
LIST_SEPARATORS = "、和及"
CONJUNCT_MAX = 12
# Between 等 and the shared head: 宁马、合宁、京沪等高速公路; 常泰、龙潭等过江通道; 桐城、宁国等抽水蓄能电站.
LIST_HEAD_MODIFIER = re.compile(r"(?:(?<![高平同对均上中初])等|(?<=[\u4e00-\u9fa5])[0-9一二三四五六七八九十两]+个)"
                                r"([\u4e00-\u9fa5]{0,6}?)$")


def _provisional_ending_index():
    return re.compile("|".join(map(re.escape, sorted(PROVISIONAL_KIND, key=len, reverse=True))))


PROVISIONAL_ENDING = _provisional_ending_index()


def _left_edge(text: str, limit: int, end: int, stops_pattern: re.Pattern | None = None,
               quoted: bool = False) -> int | None:
    """Where a name that ends at `end` begins: after the last stop (punctuation, function word, verb) within
    PROVISIONAL_MAX_CHARS; a bracketed part inside a name (苏州（太仓）港, 淮北矿业（集团）公司) does not stop it."""
    begin = max(limit, end - PROVISIONAL_MAX_CHARS)
    position = end
    while True:
        stops = list((stops_pattern or CANDIDATE_LEFT_STOP).finditer(text, begin, position))
        if not stops:
            # no stop within reach: the start of the text or the name before, else no name can be cut out
            return begin if begin in (0, limit) else None
        last = stops[-1]
        if quoted and last.group() in ("”", '"'):
            opening = text.rfind("“", begin, last.start())
            if opening >= begin and 1 <= last.start() - opening - 1 <= 12:
                return opening  # “无废城市”建设试点, “千村示范、万村整治”工程: the quoted name begins it
        if last.group() in ("）", ")"):
            opening = max(text.rfind("（", begin, last.start()), text.rfind("(", begin, last.start()))
            if opening > begin and 1 <= last.start() - opening - 1 <= 6 and _is_name_char(text[opening - 1]):
                position = opening
                continue
        return last.end()


def _is_name_char(c: str) -> bool:
    return "\u4e00" <= c <= "\u9fff" or c.isalnum()


def _leading_division(text: str, full_only: bool = False) -> int:
    """Length of a province-level name, or of any division's full name, that `text` starts with (安徽, 大同市),
    when something of at least 2 characters is left after it; 0 otherwise."""
    from graph.ingest import national

    g = national.build()
    for k in range(min(len(text) - 2, 9), 1, -1):
        for f in g.forms.get(text[:k], ()):
            record = g.records[f.record_id]
            if record.kind == "division" and (f.form == "full" or (not full_only and record.level == "province")):
                return k
    return 0


def provisional_mentions(span: Span, existing: list[Mention], matcher: "Matcher") -> list[Mention]:
    """Names found by their ending, as extracted (never curated) entities: a name may hold the places or bodies
    already found (宁波舟山港 holds 宁波 and 舟山) but never cuts one in two, and is never inside a longer one.
    The conjuncts of a list before a shared head are names of the same kind (沪苏湖、通苏嘉甬、沪乍杭铁路;
    宁马、合宁、京沪等高速公路), each named conjunct + head."""
    text = span.text
    spans_found = [(m.start, m.end) for m in existing if m.kind != "instrument"]

    def free(start: int, end: int, conjunct: bool) -> bool:
        """Neither crossing nor inside a name already found, nor equal to one (苏州工业园区, curated, is not found
        again as an extracted name) unless it is a conjunct (宁海 of 宁海、长龙山…抽水蓄能电站 stands for more)."""
        return not any(a < end and start < b and (not (start <= a and b <= end) or
                                                  (not conjunct and (a, b) == (start, end)))
                       for a, b in spans_found)

    found: list[Mention] = []

    def add(kind: str, quote_i: int, quote_j: int, name: str) -> None:
        start, end = span.original_range(quote_i, quote_j)
        if not free(start, end, name != text[quote_i:quote_j]) or any(m.start <= start and end <= m.end for m in found):
            return
        inner = [m for m in found if start <= m.start and m.end <= end]
        if kind != "institution" and inner and all(
                m.start > start or not _has_proper_part(text[quote_i + (m.end - start):quote_j], matcher)
                for m in inner if m.end < end):
            # 上海国际航运中心|集装箱枢纽港: a name that only goes on with a generic phrase is the name before it
            if any(m.end < end and m.start == start for m in inner):
                return
        found[:] = [m for m in found if not (start <= m.start and m.end <= end)]
        found.append(Mention(extracted_id(kind, name), kind, text[quote_i:quote_j], start, end,
                             text[max(0, quote_i - CONTEXT_CHARS):quote_i], text[quote_j:quote_j + CONTEXT_CHARS],
                             None, "extracted", name))

    previous_end = 0
    for match in PROVISIONAL_ENDING.finditer(text):
        ending = match.group()
        kind = PROVISIONAL_KIND[ending]
        end = match.end()
        if text.startswith(CANDIDATE_NOT_BEFORE + ENDING_NOT_BEFORE.get(ending, ()), end) or \
                text[:match.start()].endswith(ENDING_NOT_AFTER.get(ending, ("\0",))):
            continue
        phase = PHASE.match(text, end)
        if phase:
            end = phase.end()
        # an enterprise's name starts after the enterprise named before it (淮北矿业（集团）公司芦岭煤矿)
        limit = previous_end if ending in ENTERPRISE_ENDINGS else 0
        if kind == "institution" and ending == "中心" and text[:end].endswith(FACILITY_CENTRES):
            kind = "project"
        stops = INSTITUTION_LEFT_STOP if kind == "institution" else CANDIDATE_LEFT_STOP
        begin = _left_edge(text, limit, match.start(), stops, quoted=ending in QUOTED_ENDINGS + ("工程",))
        if begin is None:
            continue
        ending_start, _ = span.original_range(match.start(), match.end())
        if any(a <= ending_start < b for a, b in spans_found):
            continue  # the ending is part of a name already found (港 of 连云港, 中心 of 城市副中心)
        head = LIST_HEAD_MODIFIER.search(text, max(0, match.start() - 7), match.start())
        listed = head is not None
        if listed:
            item_end = head.start()
            item_begin = _list_item_start(text, item_end)
            if item_begin is None:
                continue
            shared = text[head.start(1):end]
            items = [(item_begin, item_end)]
        else:
            if ending in LIST_ONLY_ENDINGS and not QUANTITY.search(text[begin:match.start()]):
                continue  # 项目: a name only in 宁马、合宁等…项目 or with a figure (60万吨乙烯项目)
            shared = ""
            items = [(begin, end)]
        a, b = items[0]
        stem = text[a:b] if listed else text[a:match.start()]
        if len(stem) < 2 or stem.startswith(GENERIC_LEFT):
            continue
        if ending in QUOTED_ENDINGS and not re.search(r"[“\"]", stem):
            continue  # “无废城市”建设试点: a pilot is a name only with its quoted name
        if ending == "港" and not _made_of_places(re.sub(r"[（(）)]", "", stem), matcher):
            continue  # 上海港, 宁波舟山港, 苏州（太仓）港: a port is named by its places only (上海临港 is a place)

        def proper(i: int, j: int) -> bool:
            part = text[i:j]
            return _has_proper_part(part, matcher) or (
                ending in ENTERPRISE_ENDINGS and (_leading_division(part) > 0 or (limit and i == limit))) or (
                ending in NATIONAL_ENDINGS and part.startswith(NATIONAL_PREFIXES) and j - i - len(ending) >= 4)

        first_proper = proper(a, b if listed else match.start())
        # the conjuncts before it: names of the same kind when each holds a place, or (facilities) is short
        conjuncts = []
        k = a
        # bodies listed side by side each carry their own name (新疆维吾尔自治区人民政府和新疆生产建设兵团)
        while kind != "institution" and k > 0 and text[k - 1] in LIST_SEPARATORS:
            item_begin = _list_item_start(text, k - 1)
            if item_begin is None:
                break
            if not (proper(item_begin, k - 1) or (kind == "project" and k - 1 - item_begin <= 4)
                    or _ends_with_ending(text[item_begin:k - 1])):
                break  # 京津及周边其他城市、北京大兴国际机场: no list of airports
            conjuncts.append((item_begin, k - 1))
            k = item_begin
        if not (first_proper or (listed and any(_has_proper_part(text[i:j], matcher) for i, j in conjuncts + items))):
            continue
        # the conjuncts share the head (宁海、长龙山…抽水蓄能电站), or each has its own (…LNG接收站和江苏沿海输气管道)
        in_list = listed or any(not PROVISIONAL_ENDING.search(text[i:j]) for i, j in conjuncts)
        previous_end = end
        if in_list and not listed:
            # the head the conjuncts share: the last item after its own place (金寨|抽水蓄能电站, 宁波|都市圈)
            i, j = items[0]
            own = min((k for k in range(2, j - i - len(ending) + 1) if _has_proper_part(text[i:i + k], matcher)),
                      default=0)
            shared = text[i + own:j] if own and j - i - own - len(ending) >= 2 else ending
        for n, (i, j) in enumerate(items + conjuncts if in_list else items):
            if in_list:
                i += _leading_division(text[i:j])  # 浙江宁海、长龙山: the province first is a place of its own
            elif ending in ENTERPRISE_ENDINGS:
                # 山西左权县|河南村煤矿: so are the places of a mine, but not 河南 of the village 河南村
                while (cut := _leading_division(text[i:j])) and text[i + cut] not in "村镇乡县市区省":
                    i += cut
            if j - i < 2:
                continue
            if n == 0 and not listed:
                add(kind, i, j, text[i:j])
            else:
                item = text[i:j]
                add(kind, i, j, item if _ends_with_ending(item) else item + (shared or ending))
    # 环太湖, 长江上游: reaches and surroundings of a water body are places of their own
    found.extend(_surroundings(span, existing, found))
    return found


def _surroundings(span: Span, existing: list[Mention], found: list[Mention]) -> list[Mention]:
    """环太湖, 环杭州湾 (around a water body), 长江上游, 长江中上游, 淮河流域 (its reaches and basin): extracted
    regions holding the water body's mention."""
    from graph.ingest import national

    g = national.build()
    text = span.text
    taken = [(m.start, m.end) for m in existing + found if m.kind != "instrument"]
    more = []
    for m in existing:
        if m.origin != "package" or not m.record.startswith("area:") or (g.records[m.record].note or "") != "water":
            continue
        i = span.offsets.index(m.start)
        j = i + len(m.quote)
        a, b = i, j
        if text[i - 1:i] == "环":
            a = i - 1
        reach = REACH.match(text, j)
        if reach:
            b = reach.end()
        if (a, b) == (i, j):
            continue
        start, end = span.original_range(a, b)
        if any(x < end and start < y and not (start <= x and y <= end) for x, y in taken):
            continue
        name = text[a:b]
        more.append(Mention(extracted_id("region", name), "region", name, start, end,
                            text[max(0, a - CONTEXT_CHARS):a], text[b:b + CONTEXT_CHARS], None, "extracted", name))
    return more


def province_runs(span: Span, existing: list[Mention]) -> list[Mention]:
    """苏浙皖, 浙沪, 浙皖闽赣: provinces named together by their one-character abbreviations, one extracted region.
    The run is bounded by characters that begin no city's name, or by a name already found (沪苏|长江口); 沪苏湖
    (湖 for Huzhou) is a run of cities, not of provinces."""
    text = span.text
    initials = _place_initials()
    spans_found = [(m.start, m.end) for m in existing]
    starts = {a for a, _ in spans_found}
    ends = {b for _, b in spans_found}
    found = []
    # 港, 澳 and 台 left out: 港澳 is mostly an adjective (港澳同胞, 港澳地区).
    for match in re.finditer("[" + PROVINCE_ABBREVIATIONS.replace("港澳台", "") + "]{2,5}", text):
        i, j = match.span()
        run = match.group()
        if len(set(run)) != len(run):
            continue
        start, end = span.original_range(i, j)
        if j < len(text) and text[j] in initials and end not in starts:
            continue
        if i > 0 and text[i - 1] in initials and start not in ends:
            continue
        if any(a < end and start < b and not (a <= start and end <= b) for a, b in spans_found) or \
                (start, end) in spans_found:
            continue  # crosses or repeats a name found already (京沪 of 京沪等高速公路 is the road's)
        if any(m.start <= start and end <= m.end and m.origin != "extracted" for m in existing):
            continue  # inside a name of the gazetteer or the curated data
        found.append(Mention(extracted_id("region", run), "region", run, start, end,
                             text[max(0, i - CONTEXT_CHARS):i], text[j:j + CONTEXT_CHARS], None, "extracted", run))
    return found


def _ends_with_ending(item: str) -> bool:
    """沪通铁路二期, 温武吉铁路: a list item that is a name by its own ending (and phase)."""
    return bool(re.search("(?:" + PROVISIONAL_ENDING.pattern + ")(?:" + PHASE.pattern + ")?$", item))


def _made_of_places(text: str, matcher: "Matcher") -> bool:
    """宁波舟山 = 宁波 + 舟山: the text splits into curated forms and divisions of the national gazetteer."""
    from graph.ingest import national

    g = national.build()
    if not text:
        return True
    return any((text[:k] in matcher.curated_forms or any(g.records[f.record_id].kind == "division"
                                                          for f in g.forms.get(text[:k], ())))
               and _made_of_places(text[k:], matcher) for k in range(len(text), 1, -1))


def _list_item_start(text: str, end: int) -> int | None:
    """Where the list item that ends at `end` (before a separator or 等) begins: after the previous separator or
    stop, within CONJUNCT_MAX characters; None when there is none (not a list of short names)."""
    a = max(0, end - CONJUNCT_MAX)
    position = end
    while True:
        stops = [m for m in CANDIDATE_LEFT_STOP.finditer(text, a, position)]
        separators = [x for x in range(a, position) if text[x] == "、"]
        candidates = [m.end() for m in stops] + [x + 1 for x in separators]
        if not candidates:
            return 0 if a == 0 else None
        begin = max(candidates)
        if text[begin - 1:begin] == "等" and begin > 0:
            return None  # 常泰、崇海等过江通道和东海二桥: the item after 等 is the head of the list before
        if begin > 0 and text[begin - 1] in "）)" and begin < end:
            opening = max(text.rfind("（", a, begin), text.rfind("(", a, begin))
            if opening > a and _is_name_char(text[opening - 1]):
                position = opening
                continue
        return begin if end - begin >= 1 else None


def title_key(title: str) -> str:
    """A title as compared across documents: spaces and quote variants do not count."""
    return re.sub(r"[\s\u3000“”\"'‘’〈〉<>]", "", title)


PROPER_MARKS = re.compile(r"[“”\"A-Za-z0-9]")


# A county's short name is a place in a name only if it is no common word: jionlp's idf of 港口 is 6.7, of 滨海 7.9,
# of 金寨 11.8 (about the level national.py takes a name for a place at).
PLACE_IDF = 7.5


def _has_proper_part(stem: str, matcher: "Matcher") -> bool:
    """A name found by its ending is a name only if the words before the ending hold a place name (a division or
    country of the national gazetteer, or a curated form), a quoted part or a code; '国家自主创新示范区' and
    '产业园区' are categories. Measured on the gold set (with the longer-national-name rule, added at the same time):
    precision 69 % -> 79 %, recall 59 % -> 57 %."""
    from graph.ingest import national

    if PROPER_MARKS.search(re.sub(r"[（(][^（）()]*[）)]", "", stem)):
        return True  # a quoted part, a code or a figure (液化天然气（LNG）: a gloss in brackets is none)
    g = national.build()
    initials = _place_initials()
    if 2 <= len(stem) <= 5 and all(c in initials for c in stem[:-1]) and (
            stem[-1] in initials or len(stem) >= 3):
        # 商合杭, 沪苏湖: places abbreviated to a character each. Only a stem made of them all: two such
        # characters side by side anywhere let 国家高新技术产业开发区 and 科技创新重大平台 through (about 260 of the
        # commonest characters begin some city's name).
        return True
    for i in range(len(stem)):
        for j in range(i + 2, min(len(stem), i + 8) + 1):
            part = stem[i:j]
            if part in matcher.curated_forms or any(
                    g.records[f.record_id].kind in ("division", "country", "area", "central_body")
                    and not (f.form == "short" and g.records[f.record_id].level in ("county", "town")
                             and g.lexicon.get(part, PLACE_IDF) < PLACE_IDF)
                    for f in g.forms.get(part, ())):
                return True
    return False


# The one-character abbreviations of the province-level divisions (GB/T 2260 简称, with their second forms).
PROVINCE_ABBREVIATIONS = "京津冀晋蒙辽吉黑沪苏浙皖闽赣鲁豫鄂湘粤桂琼渝川蜀贵黔云滇藏陕秦甘陇青宁新港澳台"
# Cities' one-character names that are not their first character (甬 Ningbo, 锡 Wuxi, 榕 Fuzhou, 穗 Guangzhou,
# 蓉 Chengdu, 邕 Nanning, 筑 Guiyang, 鹭 Xiamen): 通苏嘉甬, 沪舟甬.
CITY_ABBREVIATIONS = "甬锡榕穗蓉邕筑鹭"


@lru_cache(maxsize=1)
def _place_initials() -> frozenset[str]:
    """First characters of the province- and prefecture-level names, and the provinces' abbreviations."""
    from graph.ingest import national

    g = national.build()
    return frozenset(PROVINCE_ABBREVIATIONS + CITY_ABBREVIATIONS) | frozenset(
        r.name[0] for r in g.records.values()
        if r.kind == "division" and r.level in ("province", "prefecture") and r.years[1] is None)



def extracted_id(kind: str, name: str) -> str:
    """A stable IRI-safe id for an extracted name: 'x-' and the hex of its UTF-8 bytes' hash, readable prefix."""
    import hashlib
    return f"x-{hashlib.sha1(f'{kind}:{name}'.encode()).hexdigest()[:12]}"


def link_document(document: Document, matcher: Matcher, *, national: bool = False,
                  year: int | None = None, titles: dict[str, str] | None = None) -> LinkedDocument:
    """Mentions for every provision (a section's heading counts with its intro) and the candidates left over.
    With national=True also the national gazetteer's places and bodies, the cited titles, the provisional names,
    and the short forms the text defines (（以下简称X）) as mentions of what they stand for."""
    found_by: list[tuple[Provision, Span, list[Mention]]] = []
    for provision in document.provisions:
        for span in (provision.heading, provision.body):
            if span.text:
                found = matcher.find(span)
                if national:
                    # a cited title is one name: the places and bodies inside it are not mentions of their own
                    more = cited_titles(span, set(), titles)
                    more += cited_numbers(span, more)
                    inside = {o for m in more for o in range(m.start - 1, m.end + 1)}
                    blocked = national_blocked(span)
                    found = [m for m in found if m.kind == "instrument" or not (
                        inside & set(range(m.start, m.end)) or m.quote in own_country_forms()
                        or any(b0 <= m.start and m.end <= b1 for b0, b1 in blocked))]
                    taken = inside.copy()
                    national_found = national_mentions(span, taken, year, matcher.curated_codes)
                    # a longer name of the national gazetteer (国务院办公厅) wins over a curated one inside it (国务院),
                    # and a division's name over a composite abbreviation it crosses (德阳 over 对德 in 对德阳)
                    found = [m for m in found if m.kind == "instrument" or not any(
                        (n.start <= m.start and m.end <= n.end and (n.end - n.start) > (m.end - m.start))
                        or (m.via is not None and n.start < m.end and m.start < n.end
                            and not (m.start <= n.start and n.end <= m.end))
                        for n in national_found)]
                    taken = {o for m in found if m.kind != "instrument" for o in range(m.start, m.end)} | inside
                    more += [n for n in national_found if not taken & set(range(n.start, n.end))]
                    taken |= {o for m in more for o in range(m.start, m.end)}
                    more += provisional_mentions(span, [m for m in found + more if m.kind != "instrument"], matcher)
                    more += province_runs(span, [m for m in found + more if m.kind != "instrument"])
                    found = found + more
                found_by.append((provision, span, found))
    if national:
        found_by = _defined_short_forms(found_by)
    linked, candidates = [], []
    by_provision: dict[int, list[Mention]] = {}
    for provision, span, found in found_by:
        found = names_over_instruments(span, found)
        by_provision.setdefault(id(provision), []).extend(found)
        # the curator's list: everything not curated, the package and extracted entities included
        candidates.extend(matcher.candidates(span, [m for m in found if m.origin == "curated"],
                                             provision_name(provision)))
    for provision in document.provisions:
        mentions = by_provision.get(id(provision), [])
        mentions.sort(key=lambda m: (m.start, m.kind, m.entity_id))
        linked.append(LinkedProvision(provision, tuple(mentions)))
    return LinkedDocument(document, tuple(linked), tuple(candidates))


def names_over_instruments(span: Span, mentions: list[Mention]) -> list[Mention]:
    """Drop an instrument mention that lies inside a longer mention of another kind (a region, project,
    institution or document, curated, of the national gazetteer or found by its ending; a composite's places count
    as the composite's words) or inside a title cited in 《》 (its marks included, so a title that is nothing but
    the instrument's words counts too): 协同创新 in 嘉昆太协同创新圈 is part of a region's name, not a use of
    collaborative innovation. An instrument word that only crosses a name is kept, and so is one that ends a name:
    the end of a Chinese name is its head, so the name is one of that instrument's kind (“无废城市”建设试点 is a
    pilot, 嘉兴综合保税区 a comprehensive bonded zone). A title's marks are part of it, so no word ends a title."""
    names = {(m.start, m.end) for m in mentions if m.kind != "instrument"}
    names |= {span.original_range(*match.span()) for match in CITED_TITLE.finditer(span.text)}
    return [m for m in mentions if m.kind != "instrument" or not any(
        a <= m.start and m.end < b for a, b in names)]


# （以下简称X）, and with the cited document's number first: （国发〔2004〕20号，以下简称《决定》）.
DEFINITION = re.compile(r"[（(](?:[^（）()，,]{1,30}[，,])?以下(?:简称|称)(?:为)?[“\"《]?([^）)”\"》，,]{2,20})[”\"》]?[）)]")


def _defined_short_forms(found_by):
    """'《中华人民共和国个人所得税法》（以下简称个人所得税法）': later 个人所得税法 is that law. The short form
    stands for the mention that ends right before the bracket. It holds from its definition on (以下, hereafter),
    and a form defined in title marks (以下简称《规划》) is that document only in title marks: the plain word 规划
    before or after it is no citation (measured on the gold set: 6 false documents of sc-022 gone)."""
    forms: dict[str, Mention] = {}
    since: dict[str, int] = {}  # file offset of the definition
    marked: set[str] = set()
    for _, span, found in found_by:
        for match in DEFINITION.finditer(span.text):
            before = span.offsets[match.start() - 1] + 1 if match.start() > 0 else None
            named = [m for m in found if m.kind != "instrument" and before is not None and 0 <= before - m.end <= 1]
            if named and match.group(1) not in forms:
                forms[match.group(1)] = max(named, key=lambda m: m.end - m.start)
                since[match.group(1)] = span.offsets[match.start()]
                if span.text[match.start(1) - 1] == "《":
                    marked.add(match.group(1))
    if not forms:
        return found_by
    index = FormIndex(forms)
    result = []
    for provision, span, found in found_by:
        kept = [m for m in found if not (m.origin == "extracted" and m.quote in forms)]
        taken = {o for m in kept if m.kind != "instrument" for o in range(m.start, m.end)}
        for i, j, form in index.finditer(span.text):
            start, end = span.original_range(i, j)
            if taken & set(range(start, end)) or span.text[max(0, i - 5):i].rstrip("《“\"").endswith(
                    ("简称", "简称为", "称")):
                continue
            if start < since[form] or (form in marked and not (span.text[i - 1:i] == "《" and
                                                                 span.text[j:j + 1] == "》")):
                continue
            t = forms[form]
            kept.append(Mention(t.entity_id, t.kind, form, start, end, span.text[max(0, i - CONTEXT_CHARS):i],
                                span.text[j:j + CONTEXT_CHARS], None, t.origin, t.name, t.record))
        result.append((provision, span, kept))
    return result
