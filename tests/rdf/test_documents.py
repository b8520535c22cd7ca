"""graph/rdf/documents.py: metadata, attachments, provision kinds and non-curated entities as quads."""
from pathlib import Path

import pyoxigraph as ox
import pytest

from graph.ingest.gazetteer import load_gazetteer
from graph.pipeline import load_documents
from graph.rdf.documents import document_quads
from graph.rdf.namespaces import ELI, HQ, HQR, RDF, RDFS

ROOT = Path(__file__).resolve().parents[2]
STATE_COUNCIL = ROOT / "data" / "corpus" / "gov-cn-state-council"


@pytest.fixture(scope="module")
def gazetteer():
    return load_gazetteer(ROOT / "data" / "entities")


def _store(gazetteer, *names):
    sources = load_documents([STATE_COUNCIL / n for n in names], gazetteer)
    store = ox.Store()
    store.extend(list(document_quads(gazetteer, sources)))
    return sources, store


def _objects(store, subject, predicate):
    return sorted(q.object.value for q in store.quads_for_pattern(ox.NamedNode(str(subject)),
                                                                   ox.NamedNode(str(predicate)), None))


def test_a_notice_its_number_date_and_the_plan_it_carries(gazetteer):
    sources, store = _store(gazetteer, "sc-007.html")
    assert [s.doc_id for s in sources] == ["sc-007", "sc-007-annex-1"]
    notice, plan = HQR["document/sc-007"], HQR["document/sc-007-annex-1"]
    assert _objects(store, notice, ELI.number) == ["国办发〔2018〕128号"]
    assert _objects(store, notice, ELI.date_document) == ["2018-12-29"]
    assert _objects(store, notice, HQ.hasAttachment) == [str(plan)]
    assert _objects(store, notice, HQ.verificationStatus) == [str(HQ.Extracted)]


def test_the_notice_cites_its_plan_by_title(gazetteer):
    sources, _ = _store(gazetteer, "sc-007.html")
    cited = [m for p in sources[0].linked.provisions for m in p.mentions if m.kind == "document"]
    assert [(m.quote, m.entity_id, m.origin) for m in cited] == [("“无废城市”建设试点工作方案", "sc-007-annex-1", "corpus")]


def test_package_entities_carry_status_labels_and_parents(gazetteer):
    sources, store = _store(gazetteer, "sc-014.html")
    mentions = {m.quote: m for d in sources for p in d.linked.provisions for m in p.mentions}
    county = mentions["张北"]
    assert (county.kind, county.origin, county.record, county.name) == ("region", "package", "cn:130722", "张北县")
    iri = HQR[f"region/{county.entity_id}"]
    assert _objects(store, iri, HQ.verificationStatus) == [str(HQ.FromPackage)]
    assert _objects(store, iri, RDF.type) == [str(HQ.CountyLevelRegion)]
    assert _objects(store, iri, HQ.gbCode) == ["130722"]
    chain, node = [], iri
    while _objects(store, node, HQ.parentRegion):
        node = _objects(store, node, HQ.parentRegion)[0]
        chain.append(node.rsplit("/", 1)[-1])
    assert chain == ["cn-130700", "cn-130000", "prc"], "张北县 < 张家口市 < 河北省 < the curated country"
    curated = {str(HQR[f"region/{e.id}"]) for e in gazetteer.of_kind("region")}
    parents = [q.object for q in store.quads_for_pattern(None, ox.NamedNode(str(HQ.parentRegion)), None)]
    assert parents, "sc-014 names places of the national gazetteer"
    for parent in parents:
        labelled = list(store.quads_for_pattern(parent, ox.NamedNode(str(RDFS.label)), None))
        assert parent.value in curated or labelled, f"{parent} is neither curated nor described"
