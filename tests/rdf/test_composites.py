"""Composite names as resources with the status of their expansion, and the links made through them."""
from __future__ import annotations

from dataclasses import replace

import pytest

from graph.ingest.yamlfile import DataError
from graph.query.named import find_query, run
from graph.rdf.assemble import composite_ids, composite_quads

HQ = "https://w3id.org/hongqiao-kg/ontology#"
HQR = "https://w3id.org/hongqiao-kg/id/"
THROUGH = f"""
PREFIX hq: <{HQ}>
PREFIX oa: <http://www.w3.org/ns/oa#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT ?form ?status ?body ?quote WHERE {{
  ?a hq:throughComposite ?c ; oa:hasBody ?body ; oa:hasTarget/oa:hasSelector/oa:exact ?quote .
  ?c rdfs:label ?form ; hq:verificationStatus ?status .
}}"""


def test_each_composite_is_a_resource_with_its_curated_status(gazetteer, store):
    rows = {(r[0].value, r[1].value) for r in store.query(f"""
        PREFIX hq: <{HQ}> PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
        SELECT ?form ?status WHERE {{ ?c a hq:CompositeName ; rdfs:label ?form ; hq:verificationStatus ?status }}""")}
    expected = {"verified": f"{HQ}Verified", "unverified": f"{HQ}Unverified"}
    assert rows == {(form, expected[c.status]) for form, c in gazetteer.composites.items()}
    assert (("沪苏通", f"{HQ}Unverified") in rows and ("嘉昆太", f"{HQ}Verified") in rows)  # composites.yaml
    members = {r[0].value for r in store.query(f"""
        PREFIX hq: <{HQ}> SELECT ?m WHERE {{ <{HQR}composite/hu-su-tong> hq:expandsTo ?m }}""")}
    assert members == {f"{HQR}region/{r}" for r in ("shanghai", "suzhou", "nantong")}


def test_links_made_through_an_expansion_point_to_it(store):
    rows = {(r[0].value, r[1].value.rsplit("#", 1)[1], r[2].value.rsplit("/", 1)[1], r[3].value)
            for r in store.query(THROUGH)}
    # every quote is the composite's own words
    assert all(form == quote for form, _, _, quote in rows)
    unverified = {(form, body) for form, status, body, _ in rows if status == "Unverified"}
    # 沪苏通 (measure 19) and the country composites of measure 14 (中德合作, 中德（太仓）, 对德合作, 中新“国际化走廊”)
    assert unverified == {("沪苏通", "shanghai"), ("沪苏通", "suzhou"), ("沪苏通", "nantong"), ("中德", "prc"),
                          ("中德", "germany"), ("对德", "germany"), ("中新", "prc"), ("中新", "singapore")}
    assert ("沪乍杭", "Verified", "zhapu", "沪乍杭") in rows


def test_measure_links_shows_the_status_a_link_rests_on(store):
    rows = run(find_query("measure-links"), store, {"number": "19"}).records()
    through = {(r["label"].value, r["via"].value): r["status"].value for r in rows if r["via"].value}
    assert through[("苏州市", "沪苏通")] == "Unverified" and through[("南通市", "沪苏通")] == "Unverified"
    assert through[("苏州市", "通苏嘉甬")] == "Verified"  # the same city, also named through a verified expansion
    direct = {r["label"].value: r["status"].value for r in rows if not r["via"].value}
    assert direct["平湖市"] == "Verified" and direct["沪苏通铁路二期"] == "VerifiedSecondary"


def test_two_composites_with_one_slug_are_a_located_error(gazetteer):
    composites = dict(gazetteer.composites)
    composites["两带"] = replace(composites["两带"], id=None)
    composites["北向、南向拓展带"] = replace(composites["北向、南向拓展带"], id=None)
    clash = replace(gazetteer, composites=composites)
    with pytest.raises(DataError) as error:
        composite_ids(clash)
    second = composites["北向、南向拓展带"]
    assert str(error.value).startswith(f"{second.file}:{second.line}:") and "north-expansion-belt-south" in str(error.value)
    assert len(list(composite_quads(gazetteer))) > 0
