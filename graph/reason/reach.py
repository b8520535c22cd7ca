"""Reach: the one definition of which regions a provision applies in, materialised once as hq:reachesRegion.

Every reader (queries/*.rq, graph/outputs/network.py, the pages' queries, the served endpoint) reads the
materialised hq:reachesRegion triples in the graph hqr:graph/reach, never a property path of its own; the test
tests/reason/test_reach.py fails if any of them disagrees with REACH_RULE.

A provision reaches a region when one of its statements names, in a role that places it (actor, partner,
location or scope, object; not beneficiary, not a place inside another name):
  - the region itself (a foreign country is a partner, never reached);
  - a policy area as the location or scope: also the regions it is made of (hq:hasMember, transitively);
  - a project or institution: the regions it hq:connects or lies in (hq:locatedIn);
and every region so reached reaches its parents (hq:parentRegion, transitively).

The same rule records, for each participation, the regions it brings to its provision's reach
(hq:leadsToRegion), so that a question asking *through what* a provision reaches a region (belt-measures) looks
it up instead of walking the rule's paths again (TDB2 took over ten minutes on that walk, Virtuoso refused it).
"""
from __future__ import annotations

import pyoxigraph as ox

from graph.rdf.namespaces import HQ, graph_iri, scheme_iri
from graph.rdf.store import Store, to_ox

REACH_ROLES = ("actor", "partner", "location", "object")

REACH_RULE = f"""
PREFIX hq: <{HQ}>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
CONSTRUCT {{ ?provision hq:reachesRegion ?region . ?part hq:leadsToRegion ?region }}
WHERE {{
  ?statement hq:statementOf ?provision ;
      hq:hasParticipation ?part .
  ?part hq:role ?role ;
      hq:participant ?thing .
  VALUES ?role {{ {" ".join(f"<{scheme_iri('role', r)}>" for r in REACH_ROLES)} }}
  FILTER NOT EXISTS {{ ?thing a hq:Country }}
  {{
    ?thing a ?class .
    ?class rdfs:subClassOf* hq:Region .
    BIND(?thing AS ?place)
  }} UNION {{
    # (the role is matched inside the branch: a FILTER here could not see the outer ?role)
    ?part hq:role <{scheme_iri('role', 'location')}> .
    ?thing hq:hasMember+ ?place .
  }} UNION {{
    ?thing hq:connects|hq:locatedIn ?place .
    FILTER NOT EXISTS {{ ?thing a ?regionClass . ?regionClass rdfs:subClassOf* hq:Region }}
  }}
  ?place hq:parentRegion* ?region .
}}
"""


REACHES = ox.NamedNode(str(HQ.reachesRegion))
LEADS_TO = ox.NamedNode(str(HQ.leadsToRegion))


def _rule_triples(store: Store, predicate: ox.NamedNode) -> set[tuple[str, str]]:
    return {(t.subject.value, t.object.value) for t in store.query(REACH_RULE) if t.predicate == predicate}


def reach_triples(store: Store) -> set[tuple[str, str]]:
    """(provision IRI, region IRI) of every reach the rule derives from the store's asserted graphs."""
    return _rule_triples(store, REACHES)


def reach_graph_triples(store: Store) -> list[tuple[str, str, str]]:
    """(subject, predicate, object) IRIs of what the graph hqr:graph/reach holds: the rule's hq:reachesRegion and
    hq:leadsToRegion triples, sorted."""
    return sorted({(t.subject.value, t.predicate.value, t.object.value) for t in store.query(REACH_RULE)})


# The rule's parts, each read once: the participations (a join without paths), and the few entity-level facts the
# paths walk (which things are regions or countries; members, locations, parents), walked here with each walk made
# once per thing and place. Oxigraph evaluates the rule's paths again for every participation: at 10^7 triples,
# on the disk store, the rule took most of the assembly step. tests/reason/test_reach.py holds the two to the same
# triples (on the real corpus and on a fixture of cycles, members, countries and projects).
_PARTICIPATIONS = f"""
PREFIX hq: <{HQ}>
SELECT ?provision ?part ?thing ?role WHERE {{
  ?statement hq:statementOf ?provision ;
      hq:hasParticipation ?part .
  ?part hq:role ?role ;
      hq:participant ?thing .
  VALUES ?role {{ {" ".join(f"<{scheme_iri('role', r)}>" for r in REACH_ROLES)} }}
}}
"""
_REGIONS = f"""
PREFIX hq: <{HQ}>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT DISTINCT ?thing WHERE {{ ?class rdfs:subClassOf* hq:Region . ?thing a ?class }}
"""
_COUNTRIES = f"PREFIX hq: <{HQ}> SELECT DISTINCT ?thing WHERE {{ ?thing a hq:Country }}"
_EDGES = f"""
PREFIX hq: <{HQ}>
SELECT DISTINCT ?s ?p ?o WHERE {{ VALUES ?p {{ hq:hasMember hq:connects hq:locatedIn hq:parentRegion }} ?s ?p ?o }}
"""
LOCATION = ox.NamedNode(scheme_iri("role", "location"))


def _beyond(start, edges: dict, memo: dict) -> frozenset:
    """What `start` reaches by one or more `edges` (a path `+`), each node's answer made once."""
    found = memo.get(start)
    if found is None:
        seen, todo = set(), list(edges.get(start, ()))
        while todo:
            node = todo.pop()
            if node in seen:
                continue
            seen.add(node)
            done = memo.get(node)
            if done is not None:
                seen |= done
            else:
                todo.extend(edges.get(node, ()))
        found = memo[start] = frozenset(seen)
    return found


def derived_reach_triples(store: Store) -> list[tuple[str, str, str]]:
    """reach_graph_triples, the rule evaluated from its parts (see _PARTICIPATIONS): the same triples, sorted."""
    regions = {row["thing"] for row in store.query(_REGIONS)}
    countries = {row["thing"] for row in store.query(_COUNTRIES)}
    edges: dict[str, dict] = {"hasMember": {}, "located": {}, "parentRegion": {}}
    for row in store.query(_EDGES):
        name = row["p"].value.rsplit("#", 1)[-1]
        edges["located" if name in ("connects", "locatedIn") else name].setdefault(row["s"], []).append(row["o"])
    members, parents, places_of, regions_of = {}, {}, {}, {}

    def places(thing, role) -> frozenset:
        key = (thing, role == LOCATION)
        found = places_of.get(key)
        if found is None:
            found = set()
            if thing in regions:
                found.add(thing)
            if role == LOCATION:
                found |= _beyond(thing, edges["hasMember"], members)
            if thing not in regions:
                found.update(edges["located"].get(thing, ()))
            found = places_of[key] = frozenset(found)
        return found

    def reached(place) -> frozenset:  # the path hq:parentRegion* from the place
        found = regions_of.get(place)
        if found is None:
            found = regions_of[place] = _beyond(place, edges["parentRegion"], parents) | {place}
        return found

    triples = set()
    for row in store.query(_PARTICIPATIONS):
        thing = row["thing"]
        if thing in countries:
            continue
        provision, part = row["provision"].value, row["part"].value
        for place in places(thing, row["role"]):
            for region in reached(place):
                triples.add((provision, REACHES.value, region.value))
                triples.add((part, LEADS_TO.value, region.value))
    return sorted(triples)


def materialise_reach(store: Store) -> int:
    """Replace the graph hqr:graph/reach with the rule's hq:reachesRegion and hq:leadsToRegion triples; returns
    how many reaches (provision, region)."""
    graph = to_ox(graph_iri("reach"))
    raw = store.raw()
    if graph in set(raw.named_graphs()):
        raw.remove_graph(graph)
    triples = derived_reach_triples(store)
    raw.extend(ox.Quad(ox.NamedNode(s), ox.NamedNode(p), ox.NamedNode(o), graph) for s, p, o in triples)
    return sum(1 for _, p, _ in triples if p == REACHES.value)
