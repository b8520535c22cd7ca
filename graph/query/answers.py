"""When two SPARQL engines give the same answer: one normal form for the rows of Oxigraph, rdflib, Jena and
Virtuoso, used wherever answers are compared across engines (the benchmark's digests, the published stores'
answers against the local graph).

An engine's rows are first read out as it gives them (`ox_rows`, `rdflib_rows`, `json_rows` for SPARQL JSON), then
`answer` writes each value in the compared form (`canonical`), and `digest` (order-free) or `sorted` compares them.
"""
from __future__ import annotations

import hashlib
import json
import re
import struct
from decimal import Decimal, InvalidOperation

import pyoxigraph as ox

XSD = "http://www.w3.org/2001/XMLSchema#"
RDF_LANGSTRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"
WKT = "http://www.opengis.net/ont/geosparql#wktLiteral"
CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"  # GeoSPARQL's default CRS, the same as none written
VIRTUOSO_GEOMETRY = "http://www.openlinksw.com/schemas/virtrdf#Geometry"
NUMERIC = {XSD + name for name in ("integer", "decimal", "int", "long", "short", "byte", "nonNegativeInteger",
                                   "positiveInteger", "nonPositiveInteger", "negativeInteger", "unsignedInt",
                                   "unsignedLong", "unsignedShort", "unsignedByte")}
FLOATING = {XSD + "double", XSD + "float"}
CONCAT_SEPARATOR = ", "  # the separator of every GROUP_CONCAT in queries/


def canonical(kind: str, value: str, language: str | None = None, datatype: str | None = None) -> str:
    """One RDF term in the form every engine's answer is compared in: N-Triples-like, with what the engines write
    differently made one (measured on Virtuoso 7.2.5, Jena 4.5, Oxigraph 0.5, rdflib 7):
      - language tags lowercased (Virtuoso and Oxigraph lowercase them, Jena keeps them as written);
      - "x"^^xsd:string written "x" (the same term in RDF 1.1; Virtuoso keeps them apart, Jena's JSON shows both);
      - a plain string holding ", " compared as its sorted parts: GROUP_CONCAT's order is not defined by SPARQL,
        and the engines concatenate in different orders (so "a, b" and "b, a" compare equal anywhere);
      - integers and decimals by value ("12.50" and "12.5"), and the integer types as one ("numeric"); doubles
        and floats by value to 12 digits;
      - a geo:wktLiteral (Virtuoso's own virtrdf:Geometry is the same) as its geometry's numbers at single
        precision (`wkt_numbers`);
      - blank nodes as one "some blank node" (their labels are each engine's own).
    """
    if kind == "bnode":
        return "_:b"
    if kind == "uri":
        return f"<{WKT if value == VIRTUOSO_GEOMETRY else value}>"
    if language:
        return f"{json.dumps(value, ensure_ascii=False)}@{language.lower()}"
    if datatype in (None, XSD + "string", RDF_LANGSTRING):
        if CONCAT_SEPARATOR in value:
            value = CONCAT_SEPARATOR.join(sorted(value.split(CONCAT_SEPARATOR)))
        return json.dumps(value, ensure_ascii=False)
    if datatype in (WKT, VIRTUOSO_GEOMETRY):
        return f"{json.dumps(wkt_numbers(value))}^^<{WKT}>"
    try:
        if datatype in NUMERIC:
            return f'"{format(Decimal(value).normalize(), "f")}"^^<numeric>'
        if datatype in FLOATING:
            return f'"{float(value):.12g}"^^<floating>'
    except (InvalidOperation, ValueError):
        pass
    return f"{json.dumps(value, ensure_ascii=False)}^^<{datatype}>"


_NUMBER = re.compile(r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")


def wkt_numbers(value: str) -> str:
    """A WKT text with each coordinate rounded to single precision (IEEE float32, written to 9 significant digits,
    enough to tell any two float32 apart), spaces and the default CRS IRI dropped, keywords upper-cased.

    Single precision because that is what Virtuoso 7.2.5 keeps of some points. Measured on the seed's 30 points
    (`POINT(lon lat)` as graph/rdf/assemble.py writes them from cpca's coordinates, 6 decimals): Virtuoso stores
    geo:wktLiteral as its own geometry type (virtrdf:Geometry in its answers, the text rewritten as
    `POINT(lon lat)`, no space after POINT); 28 came back as written, 2 as float32 written to 14 significant
    digits (`POINT(121.380831 31.1129)` -> `POINT(121.38082885742 31.112899780273)`, `POINT(120.585728 31.2974)`
    -> `POINT(120.58573150635 31.297399520874)`, 3.5e-6 degrees off at most). Which points it narrows is not a
    matter of length or of decimals (`31.1129` was narrowed, the same number written `31.11290` was not); a
    coordinate it keeps whole is written to 14 significant digits. Rounded to float32 on every side, both of its
    renderings equal the source; what is lost is below float32's step at these coordinates: 7.6e-6 degrees of
    longitude between 64 and 128 (1.5e-5 beyond), 1.9e-6 of latitude between 16 and 32 (3.8e-6 up to 64), about
    a metre, so a point moved by 1e-4 degrees (about 10 m) still differs. Virtuoso refuses a literal that opens
    with a CRS IRI ("RDF box with a geometry RDF type and a non-geometry content"); only GeoSPARQL's default CRS84
    is the same as none.

    The questions return the wktLiteral itself (not its STR), so its datatype says it is a geometry: a plain
    string is never read as one.
    """
    text = value.strip()
    if text.startswith(f"<{CRS84}>"):
        text = text[len(CRS84) + 2:]
    text = _NUMBER.sub(lambda m: f"{_float32(float(m.group())):.9g}", text.upper())
    return re.sub(r"\s+", " ", re.sub(r"\s*([(),])\s*", r"\1", text)).strip()


def _float32(number: float) -> float:
    return struct.unpack("f", struct.pack("f", number))[0]


# --- an engine's rows, read out -----------------------------------------------------------------------------------

def ox_rows(result) -> list[tuple]:
    """An Oxigraph result read out, as a user of pyoxigraph reads it: rows of terms (or the ASK boolean)."""
    if isinstance(result, ox.QueryBoolean):
        return [(bool(result),)]
    if isinstance(result, ox.QuerySolutions):
        names = [v.value for v in result.variables]
        return [tuple(row[name] for name in names) for row in result]
    return [(t.subject, t.predicate, t.object) for t in result]


def rdflib_rows(result) -> list[tuple]:
    """An rdflib result read out: rows of terms (or the ASK boolean)."""
    if result.type == "ASK":
        return [(bool(result.askAnswer),)]
    return [tuple(row) for row in result]


def json_rows(result: dict) -> list[tuple]:
    """A SPARQL JSON result (Jena, Virtuoso) read out: rows of its term dicts (or the ASK boolean)."""
    if "boolean" in result:
        return [(bool(result["boolean"]),)]
    names = result["head"]["vars"]
    return [tuple(binding.get(name) for name in names) for binding in result["results"]["bindings"]]


# --- compared -----------------------------------------------------------------------------------------------------

def answer(rows: list[tuple]) -> list[tuple[str, ...]]:
    """Rows of any engine with each value in the compared form (`canonical`); rdflib's terms are converted to
    Oxigraph's first (the boundary with the rdflib engine)."""
    from graph.rdf.terms import to_ox

    def form(value) -> str:
        if value is None:
            return ""
        if isinstance(value, bool):
            return str(value).lower()
        if isinstance(value, dict):  # SPARQL JSON; Virtuoso says "typed-literal" for a literal with a datatype
            kind = "literal" if value["type"] == "typed-literal" else value["type"]
            return canonical(kind, value["value"], value.get("xml:lang"), value.get("datatype"))
        term = value if isinstance(value, (ox.NamedNode, ox.BlankNode, ox.Literal)) else to_ox(value)
        if isinstance(term, ox.NamedNode):
            return canonical("uri", term.value)
        if isinstance(term, ox.BlankNode):
            return canonical("bnode", term.value)
        return canonical("literal", term.value, term.language, term.datatype.value)

    return [tuple(form(value) for value in row) for row in rows]


def digest(rows: list[tuple[str, ...]]) -> str:
    """Order-free: two engines agree when they return the same rows, whatever order they return them in."""
    text = "\n".join(sorted("\t".join(row) for row in rows))
    return hashlib.sha256(text.encode()).hexdigest()[:16]
