"""Statements with roles -> typed linkages between places: which regions a statement binds, how, on which words.

A linkage has a kind (data/schemes/statements.yaml, scheme `linkage-kind`), its regions, its statement, and the
evidence: the words from the first to the last thing it rests on, with their offsets. The rules, per statement:

  foreign-cooperation   a foreign country (中德, 中新, 对德) with the statement's domestic places;
  transport-connection  a railway, port, airport or freight service named (not as a beneficiary) whose curated
                        `connects` holds two or more regions: those regions, with the project;
  mutual-recognition    互认 with the places in scope;
  policy-extension      推广到 (from the places before it to the places after it), or …功能拓展区 (from the place
                        the sentence starts with to the place whose function is extended);
  service               为X提供/开展 or 服务X: the actor (else another place of the statement, else the places
                        of the statement before it in the sentence: …建设，打造服务长三角…) serves X;
  joint-action          联动 / 协同 / 共建 / 共同 / 联合 with the statement's actors, partners and places (else,
                        with none, those of the statement before it in the sentence: …，共同打造…);
  co-mention            the fallback: two or more places named together (in two or more names: the parts of
                        one composite such as 一核两带 are one name) and no typed linkage among them.
A place is a region named with a role other than name-part, or a project or institution named with a role whose
curated `located_in` is one region (a project lying in several, such as a data-centre cluster, is no one place).
A region that holds another place of the same linkage (长三角 beside 合肥) is dropped: nesting says nothing; except
in a policy extension or a service, where a part and its whole are the linkage (推广到…全域, 虹桥商务区为长三角).
The evidence is the statement's own words from the first to the last thing the linkage rests on.
Mutual recognition and joint action inside one policy area (在虹桥国际开放枢纽区域内互认, 枢纽内…联动发展) are
linkages within that area: one region, no pair.
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from graph.ingest.gazetteer import Gazetteer
from graph.ingest.statements import Scheme, Statement, statements_of

TRANSPORT_TYPES = frozenset({"Railway", "Airport", "Port", "RailFreightService", "TransportHub", "LogisticsHub"})
PLACE_ROLES = frozenset({"actor", "partner", "location", "object"})
WITHIN_KINDS = ("mutual-recognition", "joint-action")


@dataclass(frozen=True)
class Linkage:
    kind: str  # a concept id of the linkage-kind scheme
    regions: tuple[str, ...]  # region ids, sorted
    statement: Statement
    quote: str
    start: int  # code-point offsets of the evidence in the source file
    end: int
    project: str | None = None  # the project that makes a transport connection

    @property
    def within(self) -> bool:
        return len(self.regions) == 1


def _cues(scheme: Scheme) -> dict[str, list[re.Pattern]]:
    return {c.id: [re.compile(q) for q in c.cues] for c in scheme.concepts}


class LinkageFinder:
    """The linkage rules over one gazetteer (its regions' parents and members, its projects' places)."""

    def __init__(self, gazetteer: Gazetteer, scheme: Scheme):
        self.g = gazetteer
        self.cues = _cues(scheme)
        regions = {e.id: e for e in gazetteer.of_kind("region")}
        self.regions = regions
        self.countries = frozenset(r for r, e in regions.items() if e.type == "Country")
        self.home = frozenset({gazetteer.home_country()}) & self.countries
        self.foreign = self.countries - self.home
        self.member_of: dict[str, list[str]] = {}
        for area_id, area in sorted(regions.items()):
            for member in area.members:
                self.member_of.setdefault(member, []).append(area_id)

    # --- places ---------------------------------------------------------------------------------------------

    def place_of(self, entity_id: str, kind: str) -> str | None:
        if kind == "region":
            return entity_id if entity_id not in self.home else None
        entity = self.g.entities.get(entity_id)
        if entity is None or len(entity.located_in) != 1:
            return None
        return entity.located_in[0]

    def _holds(self, outer: str, inner: str) -> bool:
        """outer is an ancestor of inner, or a policy area inner is (through members, and their parents) part of."""
        seen, stack = set(), [inner]
        while stack:
            current = stack.pop()
            if current in seen:
                continue
            seen.add(current)
            entity = self.regions.get(current)
            if entity is None:
                continue
            if entity.parent:
                stack.append(entity.parent)
            stack.extend(self.member_of.get(current, ()))
            # not located_in: 虹桥商务区 straddles parts of four districts, which do not hold it
        return outer in seen - {inner}

    def _distinct(self, places: Iterable[str]) -> tuple[str, ...]:
        unique = sorted(set(places))
        return tuple(p for p in unique if not any(q != p and self._holds(p, q) for q in unique))

    # --- the rules ------------------------------------------------------------------------------------------

    def linkages(self, statements: Sequence[Statement]) -> list[Linkage]:
        found: list[Linkage] = []
        by_sentence: dict[int, list[Statement]] = {}
        for s in statements:
            by_sentence.setdefault(s.sentence, []).append(s)
        for s in statements:
            found.extend(self._of_statement(s, by_sentence[s.sentence]))
        # Places named together in one statement and linked by a later clause of the same sentence (支持苏州、嘉兴
        # 打造…，共同打造…) are linked, not merely co-mentioned.
        typed = {(lk.statement.sentence, lk.regions) for lk in found if lk.kind != "co-mention"}
        return [lk for lk in found if lk.kind != "co-mention" or (lk.statement.sentence, lk.regions) not in typed]

    def _of_statement(self, s: Statement, sentence: list[Statement]) -> list[Linkage]:
        text, out = s.text, []
        roles = [r for r in s.roles if r.role != "name-part" or r.mention.entity_id in self.foreign]
        places = [(r, self.place_of(r.mention.entity_id, r.mention.kind)) for r in roles
                  if r.mention.entity_id not in self.foreign]
        places = [(r, p) for r, p in places if p is not None]

        def link(kind: str, regions: Iterable[str], evidence: Iterable[tuple[int, int]], project=None,
                 keep_single=False, nested=False):
            # nested: a part and its whole are the linkage itself (推广到 the whole hub, 服务长三角)
            regions = tuple(sorted(set(regions))) if nested else self._distinct(regions)
            evidence = [(a, b) for a, b in evidence if s.start <= a and b <= s.end]
            if len(regions) >= 2 or keep_single and len(regions) == 1:
                spans = list(evidence)
                start, end = min(a for a, _ in spans), max(b for _, b in spans)
                out.append(Linkage(kind, regions, s, self._quote(s, start, end), start, end, project))

        # foreign cooperation
        countries = [r for r in roles if r.mention.entity_id in self.foreign]
        if countries:
            domestic = [(r, p) for r, p in places if r.role in ("actor", "location", "object")]
            link("foreign-cooperation", [p for _, p in domestic] + [r.mention.entity_id for r in countries],
                 [(r.mention.start, r.mention.end) for r in countries] +
                 [(r.mention.start, r.mention.end) for r, _ in domestic])
        # transport connections
        for r in roles:
            entity = self.g.entities.get(r.mention.entity_id)
            if r.mention.kind == "project" and r.role != "beneficiary" and entity is not None \
                    and entity.type in TRANSPORT_TYPES and len(entity.connects) >= 2:
                link("transport-connection", entity.connects, [(r.mention.start, r.mention.end)], entity.id)
        # cue-driven kinds
        cue_at = {kind: [m for p in self.cues.get(kind, []) for m in p.finditer(text)
                         if not self._in_name(s, m.start())]
                  for kind in ("mutual-recognition", "policy-extension", "service", "joint-action")}
        place_roles = [(r, p) for r, p in places if r.role in PLACE_ROLES]
        if cue_at["mutual-recognition"]:
            cue = cue_at["mutual-recognition"][0]
            scope = [(r, p) for r, p in place_roles if r.role in ("location", "actor")]
            link("mutual-recognition", [p for _, p in scope],
                 [self._offsets(s, cue.start(), cue.end())] + [(r.mention.start, r.mention.end) for r, _ in scope],
                 keep_single=self._is_area(scope))
        for cue in cue_at["policy-extension"]:
            c0, c1 = self._offsets(s, cue.start(), cue.end())
            if cue.group().startswith("推广"):
                origin = [(r, p) for r, p in place_roles if r.mention.end <= c0]
                target = [(r, p) for r, p in place_roles if r.mention.start >= c1]
            else:  # …功能拓展区: the thing just before the cue is extended to where the sentence starts
                target = [(r, p) for r, p in place_roles if r.mention.end <= c0][-1:]
                first = [(r, p) for st in sentence for r, p in self._places_of(st)]
                origin = [x for x in first if not target or x[1] != target[0][1]][:1]
            if origin and target:
                link("policy-extension", [p for _, p in origin + target],
                     [(c0, c1)] + [(r.mention.start, r.mention.end) for r, _ in origin + target], nested=True)
        for cue in cue_at["service"]:
            c0, c1 = self._offsets(s, cue.start(), cue.end())
            served = [r for r in roles if r.role == "beneficiary"]
            served_places = [(r, self.place_of(r.mention.entity_id, r.mention.kind)) for r in served]
            served_places = [(r, p) for r, p in served_places if p is not None]
            providers = [(r, p) for r, p in places if r.role == "actor"] or \
                        [(r, p) for r, p in places if r.role in ("location", "object")] or \
                        self._carried_actor(s, sentence)
            if served_places and providers:
                link("service", [p for _, p in providers + served_places],
                     [(c0, c1)] + [(r.mention.start, r.mention.end) for r, _ in providers + served_places],
                     nested=True)
        if cue_at["joint-action"] and not countries:
            cue = cue_at["joint-action"][0]
            joint = [(r, p) for r, p in places if r.role in ("actor", "partner", "location")] or \
                    (self._carried_actor(s, sentence) if not places else [])
            link("joint-action", [p for _, p in joint],
                 [self._offsets(s, cue.start(), cue.end())] + [(r.mention.start, r.mention.end) for r, _ in joint],
                 keep_single=self._is_area(joint) and self._inside_cue(s, joint, cue.start()))
        typed = [lk for lk in out if not lk.within]
        if not typed:
            named = [(r, p) for r, p in places]
            regions = self._distinct(p for _, p in named)
            spans = {(r.mention.start, r.mention.end) for r, p in named}
            # the parts of one composite name (一核两带) are one place named, not places named together
            if len(regions) >= 2 and len(spans) >= 2:
                link("co-mention", regions, [(r.mention.start, r.mention.end) for r, _ in named])
        return out

    def _carried_actor(self, s: Statement, sentence: list[Statement]):
        """A statement without a place of its own (…建设，打造服务长三角…; 支持苏州、嘉兴打造…，共同打造…) acts through
        the places of the statement before it in its sentence: its actor, else its location or object."""
        before = [st for st in sentence if st.index < s.index]
        if not before:
            return []
        places = [(r, p) for r, p in self._places_of(before[-1]) if r.mention.entity_id not in self.foreign]
        return [(r, p) for r, p in places if r.role == "actor"] or \
               [(r, p) for r, p in places if r.role in ("location", "object")]

    def _places_of(self, s: Statement):
        for r in s.roles:
            if r.role in PLACE_ROLES:
                p = self.place_of(r.mention.entity_id, r.mention.kind)
                if p is not None:
                    yield r, p

    def _is_area(self, places) -> bool:
        regions = {p for _, p in places}
        return len(regions) == 1 and self.regions.get(next(iter(regions))) is not None \
            and self.regions[next(iter(regions))].type in ("PolicyArea", "BondedZone")

    def _inside_cue(self, s: Statement, places, cue_position: int) -> bool:
        """The area is the scope of the joint action (枢纽内…联动): 内 or 区域内 follows its name."""
        for r, _ in places:
            i = s.span.offsets.index(r.mention.end - 1) + 1 if (r.mention.end - 1) in s.span.offsets else None
            if i is not None and s.text.startswith(("内", "区域内"), i) and i <= cue_position:
                return True
        return False

    @staticmethod
    def _in_name(s: Statement, i: int) -> bool:
        offset = s.span.offsets[i]
        return any(r.mention.start <= offset < r.mention.end for r in s.roles)

    @staticmethod
    def _offsets(s: Statement, i: int, j: int) -> tuple[int, int]:
        return s.span.original_range(i, j)

    @staticmethod
    def _quote(s: Statement, start: int, end: int) -> str:
        return "".join(ch for ch, offset in zip(s.span.text, s.span.offsets) if start <= offset < end)


@dataclass(frozen=True)
class ProvisionStatements:
    """The statements and linkages of one provision (its heading first, then its body)."""

    provision: object  # graph.ingest.parse.Provision
    statements: tuple[Statement, ...]
    linkages: tuple[Linkage, ...]


def provision_statements(linked, schemes: dict[str, Scheme], finder: LinkageFinder) -> ProvisionStatements:
    """Statements, roles and linkages of one LinkedProvision."""
    statements: list[Statement] = []
    for span in (linked.provision.heading, linked.provision.body):
        if span.text:
            statements.extend(statements_of(
                span, linked.mentions, schemes, home_countries=finder.home, countries=finder.foreign,
                first_index=len(statements) + 1,
                first_sentence=(statements[-1].sentence + 1) if statements else 1))
    return ProvisionStatements(linked.provision, tuple(statements), tuple(finder.linkages(statements)))


def document_statements(linked_document, schemes: dict[str, Scheme],
                        gazetteer: Gazetteer) -> list[ProvisionStatements]:
    finder = LinkageFinder(gazetteer, schemes["linkage-kind"])
    return [provision_statements(lp, schemes, finder) for lp in linked_document.provisions]
