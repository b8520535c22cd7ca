"""The dataset's own description: VoID and DCAT for the dataset and each distribution, PROV-O for the build.

Input: the dataset's quads (as built, without this description), the metadata in data/dataset.yaml, the base
IRI and the dump files. Output: the triples of the graph `<base>graph/dataset` (written as build/void.ttl and
into the TriG). Counts, vocabularies, sources and example resources are computed from the quads; dates come from
the metadata, never from the clock, so that every build of the same data is byte-identical.

Dumps and the SPARQL endpoint live at the site root, one level above the base IRI: with the default base
`https://w3id.org/hongqiao-kg/id/` the N-Triples dump is `https://w3id.org/hongqiao-kg/graph.nt` and the
endpoint `https://w3id.org/hongqiao-kg/sparql` (the layout `hqkg serve` gives a build folder).
"""
from __future__ import annotations

import hashlib
import re
from collections import Counter, defaultdict
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pyoxigraph as ox
from rdflib import Literal, URIRef
from rdflib.term import Node

from graph import resources
from graph import __version__
from graph.outputs.gnusort import DistinctCount
from graph.ingest.yamlfile import DataError, LineMapping, read_yaml
from graph.rdf.namespaces import (
    curie,
    DCAT, DCTERMS, HQ, ONTOLOGY_IRI, OWL, PREFIXES, PROV, RDF, RDFS, VOID, XSD,
)

DEFAULT_METADATA = resources.DATASET

Triple = tuple[Node, Node, Node]

MEDIA_TYPES = "https://www.iana.org/assignments/media-types/"
FOAF = "http://xmlns.com/foaf/0.1/"
SPARQL_PROTOCOL = URIRef("https://www.w3.org/TR/sparql11-protocol/")
LANGUAGES = "http://id.loc.gov/vocabulary/iso639-1/"
# Namespaces of data, not of vocabularies: never listed as void:vocabulary.
_DATA_PREFIXES = ("hqr", "wd")
_MENTION_PROPERTIES = (HQ.mentionsRegion, HQ.mentionsProject, HQ.mentionsInstitution, HQ.usesInstrument)


class BaseIriError(ValueError):
    """A base IRI that cannot be used (not absolute http(s), or not ending in '/')."""


def check_base(base: str) -> str:
    """The base IRI unchanged, or BaseIriError saying what is wrong with it."""
    parts = urlsplit(base)
    if parts.scheme not in ("http", "https") or not parts.netloc or not base.endswith("/"):
        raise BaseIriError(f"base IRI must be an absolute http(s) IRI ending in '/', got {base!r}")
    if any(c in base for c in ' <>"{}|\\^`') or "?" in base or "#" in base:
        raise BaseIriError(f"base IRI must not contain spaces, '<>\"{{}}|\\^`', a query or a fragment: {base!r}")
    return base


def site_root(base: str) -> str:
    """Where the dumps and the endpoint live: the base IRI's parent ('…/hongqiao-kg/id/' -> '…/hongqiao-kg/')."""
    return urljoin(check_base(base), "..")


def description_graph(base: str) -> URIRef:
    """`<base>graph/dataset`: the named graph holding this description."""
    return URIRef(f"{base}graph/dataset")


@dataclass(frozen=True)
class Dump:
    """A file of the build published as a distribution."""

    key: str  # 'nt', 'trig-gz'…: the distribution's IRI is <base>dataset/distribution/<key>
    filename: str
    media_type: str  # e.g. 'application/n-triples'
    format_iri: str  # e.g. 'http://www.w3.org/ns/formats/N-Triples'
    title_en: str
    gzipped: bool = False


@dataclass(frozen=True)
class DatasetMetadata:
    title_zh: str
    title_en: str
    description_zh: str
    description_en: str
    keywords_zh: tuple[str, ...]
    keywords_en: tuple[str, ...]
    languages: tuple[str, ...]
    license: str
    creator: str
    issued: str
    modified: str


_TEXT_FIELDS = ("title_zh", "title_en", "description_zh", "description_en", "license", "creator", "issued",
                "modified")
_LIST_FIELDS = ("keywords_zh", "keywords_en", "languages")


def load_metadata(path: Path = DEFAULT_METADATA) -> DatasetMetadata:
    """Read data/dataset.yaml; any problem raises DataError naming the file and line."""
    label = str(path)
    root = read_yaml(path)
    if not isinstance(root, LineMapping):
        raise DataError(label, 1, "the file must be a mapping of field: value")
    values: dict[str, str | tuple[str, ...]] = {}
    for key, value in root.items():
        line = root.line_of(key)
        if key not in _TEXT_FIELDS + _LIST_FIELDS:
            raise DataError(label, line, f"unknown field {key!r}; expected {', '.join(_TEXT_FIELDS + _LIST_FIELDS)}")
        if key in _TEXT_FIELDS:
            if isinstance(value, (bool, list, dict)) or value is None or not str(value).strip():
                raise DataError(label, line, f"{key!r} must be a non-empty string")
            values[key] = str(value).strip()
        else:
            if not (isinstance(value, list) and value
                    and all(isinstance(i, (str, int, float)) and not isinstance(i, bool) and str(i).strip()
                            for i in value)):
                raise DataError(label, line, f"{key!r} must be a non-empty list of strings")
            values[key] = tuple(str(i).strip() for i in value)
        _check_value(label, line, key, values[key])
    missing = [k for k in _TEXT_FIELDS + _LIST_FIELDS if k not in values]
    if missing:
        raise DataError(label, 1, f"missing field(s) {', '.join(missing)}")
    if values["modified"] < values["issued"]:
        line = root.line_of("modified")
        raise DataError(label, line, f"modified {values['modified']} is before issued {values['issued']}")
    return DatasetMetadata(**values)  # type: ignore[arg-type]


def _check_value(label: str, line: int, key: str, value) -> None:
    if key in ("issued", "modified"):
        try:
            if not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", value):
                raise ValueError
            date.fromisoformat(value)
        except ValueError:
            raise DataError(label, line, f"{key!r} must be a date YYYY-MM-DD, got {value!r}") from None
    if key == "license" and urlsplit(value).scheme not in ("http", "https"):
        raise DataError(label, line, f"'license' must be an http(s) IRI, got {value!r}")
    if key == "languages" and not all(re.fullmatch(r"[a-z]{2}", v) for v in value):
        raise DataError(label, line, f"'languages' must be ISO 639-1 codes like zh, got {list(value)!r}")


# --- the counts ----------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Counts:
    """The one way the project counts its graph (the build's message, build-report.json, void.ttl and the docs).

    `triples` is the dataset's size, `void:triples` in void.ttl: distinct triples over all its named graphs except
    its own description, i.e. `asserted` (what graph.ttl holds) plus `inferred` (the reasoner's graph, whose
    triples are never asserted ones). `quads` counts a triple once per graph it is in, as graph.trig and a store
    do, `description` included; `graphs` gives the quads of each graph (each graph's `void:triples`).
    """

    triples: int
    asserted: int
    inferred: int
    description: int
    quads: int
    graphs: tuple[tuple[str, int], ...]

    def summary(self) -> str:
        return (f"{self.triples} triples ({self.asserted} asserted in graph.ttl + {self.inferred} inferred); "
                f"graph.trig: {self.quads} quads in {len(self.graphs)} named graphs, "
                f"{self.description} of them describing the dataset")

    def as_dict(self) -> dict:
        return {"triples": self.triples, "asserted": self.asserted, "inferred": self.inferred,
                "description": self.description, "quads": self.quads, "graphs": dict(self.graphs)}


def count(quads: Iterable, base: str, description: int | None = None) -> Counts:
    """The counts of a dataset's quads (Oxigraph quads or rdflib 4-tuples, with or without its description
    graph). `description`, when given, is the size of a description not among `quads` (one written beside them, as
    the build does)."""
    graphs: dict[str, list] = defaultdict(list)
    for s, p, o, g in quads:
        graphs[_graph_name(g)].append((s, p, o))
    return count_graphs(graphs, base, description)


def count_graphs(graphs: Mapping[str, Sequence[Hashable]], base: str, description: int | None = None) -> Counts:
    """count() of a dataset given as {graph IRI ('' for the default graph): its triples}, each triple any value
    that identifies it (a tuple of terms, or its N-Triples line as the export has them)."""
    own, inferred_graph = str(description_graph(base)), f"{base}graph/inferred"
    per_graph = {name: len(triples) for name, triples in graphs.items() if triples}
    asserted = set().union(*(triples for name, triples in graphs.items() if name not in (own, inferred_graph)))
    inferred = set(graphs.get(inferred_graph, ()))
    described = per_graph.get(own, 0) if description is None else description
    if description is not None:
        per_graph[own] = description
    return Counts(len(asserted | inferred), len(asserted), len(inferred - asserted), described,
                  sum(per_graph.values()), tuple(sorted(per_graph.items())))


def _graph_name(g) -> str:
    """A graph's IRI ('' for the default graph), from either term model."""
    if g is None or isinstance(g, ox.DefaultGraph):
        return ""
    return g.value if isinstance(g, ox.NamedNode) else str(g)


# --- the description ---------------------------------------------------------------------------------------------

def describe(stats: Statistics, metadata: DatasetMetadata, base: str, dumps: Sequence[Dump]) -> list[Triple]:
    """VoID + DCAT + PROV-O triples (rdflib terms) describing the dataset whose statistics are `stats` (statistics(),
    or the streamed exports' Tally; the description's own graph left out) published under `base` with `dumps`."""
    base = check_base(base)
    site = site_root(base)
    dataset = URIRef(f"{base}dataset")
    out: list[Triple] = []

    def add(s: Node, p: Node, o: Node) -> None:
        out.append((s, p, o))

    # The dataset (VoID + DCAT)
    for cls in (VOID.Dataset, DCAT.Dataset):
        add(dataset, RDF.type, cls)
    for lang, title, text in (("zh", metadata.title_zh, metadata.description_zh),
                              ("en", metadata.title_en, metadata.description_en)):
        add(dataset, DCTERMS.title, Literal(title, lang=lang))
        add(dataset, RDFS.label, Literal(title, lang=lang))
        add(dataset, DCTERMS.description, Literal(text, lang=lang))
    for lang, keywords in (("zh", metadata.keywords_zh), ("en", metadata.keywords_en)):
        for keyword in keywords:
            add(dataset, DCAT.keyword, Literal(keyword, lang=lang))
    for code in metadata.languages:
        add(dataset, DCTERMS.language, URIRef(LANGUAGES + code))
    add(dataset, DCTERMS.license, URIRef(metadata.license))
    creator = URIRef(f"{base}dataset/creator")  # DCAT-AP 3.0: dcterms:creator is a foaf:Agent, not a string
    add(dataset, DCTERMS.creator, creator)
    add(creator, RDF.type, URIRef(FOAF + "Agent"))
    add(creator, URIRef(FOAF + "name"), Literal(metadata.creator))
    add(dataset, DCTERMS.issued, Literal(metadata.issued, datatype=XSD.date))
    add(dataset, DCTERMS.modified, Literal(metadata.modified, datatype=XSD.date))
    add(dataset, OWL.versionInfo, Literal(__version__))
    add(dataset, VOID.uriSpace, Literal(base))
    add(dataset, DCAT.landingPage, URIRef(site))

    for prop, value in (("triples", stats.triples), ("entities", stats.entities),
                        ("distinctSubjects", stats.subjects), ("distinctObjects", stats.objects),
                        ("properties", len(stats.properties)), ("classes", len(stats.classes))):
        add(dataset, VOID[prop], Literal(value))
    for vocabulary in stats.vocabularies:
        add(dataset, VOID.vocabulary, URIRef(vocabulary))
    for example in stats.examples:
        add(dataset, VOID.exampleResource, example)
    for graph, count in sorted(stats.graphs.items()):
        add(dataset, VOID.subset, graph)
        add(graph, RDF.type, VOID.Dataset)
        add(graph, VOID.triples, Literal(count))
        if str(graph).startswith(f"{base}graph/"):
            add(graph, RDFS.label, Literal(f"{str(graph)[len(base) + 6:]} graph", lang="en"))
    for cls, count in sorted(stats.classes.items()):
        partition = URIRef(f"{base}dataset/class/{_slug(cls)}")
        add(dataset, VOID.classPartition, partition)
        add(partition, VOID["class"], cls)
        add(partition, VOID.entities, Literal(count))
    for prop, count in sorted(stats.properties.items()):
        partition = URIRef(f"{base}dataset/property/{_slug(prop)}")
        add(dataset, VOID.propertyPartition, partition)
        add(partition, VOID.property, prop)
        add(partition, VOID.triples, Literal(count))

    # Where it came from: the source documents and their published texts (prov:wasDerivedFrom: DCAT-AP 3.0 gives
    # dcterms:source the range dcat:Dataset, and a policy document is none)
    for document, text in stats.sources:
        add(dataset, PROV.wasDerivedFrom, document)
        add(dataset, PROV.wasDerivedFrom, text)

    # The SPARQL endpoint and the dumps
    endpoint = URIRef(f"{site}sparql")
    service = URIRef(f"{base}dataset/sparql")
    add(dataset, VOID.sparqlEndpoint, endpoint)
    add(service, RDF.type, DCAT.DataService)
    add(service, DCTERMS.title, Literal("SPARQL 1.1 endpoint (read-only)", lang="en"))
    add(service, DCAT.endpointURL, endpoint)
    add(service, DCAT.servesDataset, dataset)
    add(service, DCTERMS.conformsTo, SPARQL_PROTOCOL)
    sparql = URIRef(f"{base}dataset/distribution/sparql")
    add(dataset, DCAT.distribution, sparql)
    add(sparql, RDF.type, DCAT.Distribution)
    add(sparql, DCTERMS.title, Literal("SPARQL endpoint", lang="en"))
    add(sparql, DCAT.accessURL, endpoint)
    add(sparql, DCAT.accessService, service)
    add(sparql, DCTERMS.license, URIRef(metadata.license))
    for dump in dumps:
        url = URIRef(urljoin(site, dump.filename))
        distribution = URIRef(f"{base}dataset/distribution/{dump.key}")
        add(dataset, VOID.dataDump, url)
        add(dataset, DCAT.distribution, distribution)
        add(distribution, RDF.type, DCAT.Distribution)
        add(distribution, DCTERMS.title, Literal(dump.title_en, lang="en"))
        add(distribution, DCAT.downloadURL, url)
        add(distribution, DCAT.accessURL, url)
        add(distribution, DCAT.mediaType, URIRef(MEDIA_TYPES + dump.media_type))
        add(distribution, DCTERMS["format"], URIRef(dump.format_iri))
        add(distribution, DCTERMS.license, URIRef(metadata.license))
        add(distribution, DCTERMS.issued, Literal(metadata.issued, datatype=XSD.date))
        add(distribution, DCTERMS.modified, Literal(metadata.modified, datatype=XSD.date))
        if dump.gzipped:
            add(distribution, DCAT.compressFormat, URIRef(MEDIA_TYPES + "application/gzip"))

    # How it was made (PROV-O): this software, from the source texts and the ontology
    build = URIRef(f"{base}dataset/build")
    software = URIRef(f"{base}dataset/software")
    add(dataset, PROV.wasGeneratedBy, build)
    add(build, RDF.type, PROV.Activity)
    add(build, RDFS.label, Literal(f"Build of the dataset by hongqiao-kg {__version__}", lang="en"))
    add(build, PROV.generated, dataset)
    add(build, PROV.wasAssociatedWith, software)
    for _, text in stats.sources:
        add(build, PROV.used, text)
    if stats.has_ontology:
        add(build, PROV.used, ONTOLOGY_IRI)
    add(software, RDF.type, PROV.SoftwareAgent)
    add(software, RDFS.label, Literal(f"hongqiao-kg {__version__}"))
    add(software, OWL.versionInfo, Literal(__version__))
    _type_external(out, base)
    return sorted(set(out), key=lambda t: (str(t[0]), str(t[1]), t[2].n3()))


# DCAT-AP 3.0's shapes check the class of every value, also of IRIs published elsewhere (a licence, a media type):
# the description says what each is (SEMIC's shapes in ../shared/reference/shapes/ then find no violation).
_VALUE_CLASSES = {
    DCTERMS.license: DCTERMS.LicenseDocument, DCAT.mediaType: DCTERMS.MediaType,
    DCAT.compressFormat: DCTERMS.MediaType, DCTERMS["format"]: DCTERMS.MediaTypeOrExtent,
    DCTERMS.language: DCTERMS.LinguisticSystem, DCAT.accessURL: RDFS.Resource, DCAT.downloadURL: RDFS.Resource,
    DCAT.endpointURL: RDFS.Resource, DCAT.landingPage: URIRef(FOAF + "Document"),
    DCTERMS.conformsTo: DCTERMS.Standard,
}


def _type_external(out: list[Triple], base: str) -> None:
    for s, p, o in list(out):
        cls = _VALUE_CLASSES.get(p)
        if cls is not None and isinstance(o, URIRef):
            out.append((o, RDF.type, cls))


@dataclass
class Statistics:
    triples: int
    entities: int
    subjects: int
    objects: int
    graphs: dict[URIRef, int]
    classes: dict[URIRef, int]
    properties: dict[URIRef, int]
    vocabularies: list[str]
    sources: list[tuple[URIRef, URIRef]]
    examples: list[URIRef]
    has_ontology: bool


def statistics(graphs: Mapping[str, Sequence[str]], base: str) -> Statistics:
    """The statistics of a dataset given as {graph IRI: its triples' N-Triples lines}: its distinct lines, sorted,
    through the one tally the streamed exports use (graph/outputs/streamed.py)."""
    own = f"{base}graph/dataset"
    tally = Tally(base)
    for line in sorted(set().union(*(lines for name, lines in graphs.items() if name != own))):
        tally.add(line)
    return tally.finish({name: len(lines) for name, lines in graphs.items() if name and name != own and lines})


class Tally:
    """One counting pass over a dataset's distinct triples, given as N-Triples lines (without ' .') in sorted order
    (a line splits into its three terms at its first two spaces: IRIs and blank-node labels hold none).

    Sorted input is what lets it hold no set of triples or subjects: a subject's lines are contiguous, and a class's
    entities are its distinct rdf:type lines. Distinct objects are counted by GNU sort in a process of its own
    (`sort -u | wc -l`, memory-bounded), since a set of them in Python held about 800 MB at 10^7 triples. Before this,
    every quad was turned into rdflib terms and counted in sets: 5.5 s of 98 s of exports at 1.8·10^5 quads.
    """

    def __init__(self, base: str, folder: Path | None = None):
        self.base = base
        self.triples = self.subjects = self.entities = 0
        self.properties: Counter = Counter()
        self.classes: Counter = Counter()
        self.members: dict[str, set[str]] = {f"<{cls}>": set() for cls in (HQ.SourceText, HQ.PolicyDocument, HQ.Measure)}
        self.numbers: list[tuple[str, str]] = []
        self.cited: list[tuple[str, str]] = []
        self.named: Counter = Counter()
        self.has_ontology = False
        self._subject: str | None = None
        self._entity = f"<{base}"
        self._rdf_type, self._number, self._source = f"<{RDF.type}>", f"<{HQ.number}>", f"<{DCTERMS.source}>"
        self._mentions = {f"<{p}>" for p in _MENTION_PROPERTIES}
        self._ontology_line = f"<{ONTOLOGY_IRI}> {self._rdf_type} <{OWL.Ontology}>"
        self._objects = DistinctCount(folder=folder)

    def add(self, line: str) -> None:
        s, p, o = line.split(" ", 2)
        self.triples += 1
        self.properties[p] += 1
        if s != self._subject:
            self._subject = s
            self.subjects += 1
            if s.startswith(self._entity):
                self.entities += 1
        self._objects.add(o)
        if p == self._rdf_type:
            if o.startswith("<"):
                self.classes[o] += 1
                if o in self.members:
                    self.members[o].add(s)
                if line == self._ontology_line:
                    self.has_ontology = True
        elif p == self._number:
            self.numbers.append((s, o))
        elif p == self._source:
            self.cited.append((s, o))
        elif p in self._mentions and o.startswith("<"):
            self.named[o] += 1

    def finish(self, sizes: Mapping[str, int]) -> Statistics:
        """The statistics, given each named graph's size ({graph IRI: its triples}, the description's left out)."""
        classes = {URIRef(cls[1:-1]): n for cls, n in self.classes.items()}
        props = {URIRef(p[1:-1]): n for p, n in self.properties.items()}
        vocabularies = sorted({_namespace(t) for t in list(props) + list(classes)} - {None})
        texts, documents, measures = (self.members[f"<{cls}>"] for cls in (HQ.SourceText, HQ.PolicyDocument, HQ.Measure))
        sources = sorted((URIRef(s[1:-1]), URIRef(o[1:-1])) for s, o in self.cited if o in texts and s in documents)
        lexical = re.compile(r'"([+-]?[0-9]+)"')
        numbered = {URIRef(s[1:-1]): int(m.group(1)) for s, o in self.numbers
                    if s in measures and (m := lexical.match(o))}
        return Statistics(self.triples, self.entities, self.subjects, self._objects.count(),
                      {URIRef(g): n for g, n in sizes.items() if g and n},
                      classes, props, vocabularies, sources,
                      _examples(numbered, Counter({URIRef(o[1:-1]): n for o, n in self.named.items()}), sources),
                      self.has_ontology)


def _examples(numbers: dict[URIRef, int], named: Counter, sources: list[tuple[URIRef, URIRef]]) -> list:
    """Each source document, its first measure, and the entity its measures name most often."""
    examples: list[URIRef] = []
    for document, _ in sources:
        examples.append(document)
        measures = [m for m in numbers if str(m).startswith(f"{document}/measure/")]
        if measures:
            examples.append(min(measures, key=lambda m: (numbers[m], str(m))))
    if named:
        examples.append(min(named, key=lambda e: (-named[e], str(e))))
    return examples


def _namespace(term: Node) -> str | None:
    """The vocabulary a class or property belongs to (a known prefix's IRI, else cut at the last '#' or '/')."""
    iri = str(term)
    known = [ns for prefix, ns in PREFIXES.items() if prefix not in _DATA_PREFIXES and iri.startswith(ns)]
    if known:
        return max(known, key=len)
    if any(iri.startswith(PREFIXES[prefix]) for prefix in _DATA_PREFIXES):
        return None
    cut = max(iri.rfind("#"), iri.rfind("/"))
    return iri[:cut + 1] if cut > 0 else None


def _slug(term: URIRef) -> str:
    """'hq-Measure' for hq:Measure; a hash for an IRI outside the known prefixes."""
    iri = str(term)
    compact = curie(iri, local=r"[A-Za-z0-9_.-]*")
    if compact is not None:
        prefix, local = compact.split(":", 1)
        return f"{prefix}-{local}" if local else prefix
    return "iri-" + hashlib.sha1(iri.encode()).hexdigest()[:12]
