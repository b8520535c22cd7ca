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


def materialise_reach(store: Store) -> int:
    """Replace the graph hqr:graph/reach with the rule's hq:reachesRegion and hq:leadsToRegion triples; returns
    how many reaches (provision, region)."""
    graph = to_ox(graph_iri("reach"))
    raw = store.raw()
    if graph in set(raw.named_graphs()):
        raw.remove_graph(graph)
    triples = reach_graph_triples(store)
    raw.extend(ox.Quad(ox.NamedNode(s), ox.NamedNode(p), ox.NamedNode(o), graph) for s, p, o in triples)
    return sum(1 for _, p, _ in triples if p == REACHES.value)
