"""The ontology (``ontology/imr.ttl``) as plain data for documentation pages: terms with their labels,
definitions, domains, ranges, super-terms and alignments.

Parsing stays here so that the web layer only renders dataclasses:

>>> doc = load_ontology_doc()
>>> doc.term("Case").label
'Case'
>>> [ref.name for ref in doc.term("evidence").domains][:2]
['imr:Case', 'imr:Injury']
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import DCTERMS, OWL, RDF, RDFS, SKOS

from kg.namespaces import IMR, ONTOLOGY, PREFIXES, VANN
from kg.paths import ONTOLOGY_DIR

__all__ = ["ONTOLOGY_FILE", "OntologyDoc", "Term", "TermRef", "load_ontology_doc", "ontology_graph",
           "short_name"]

ONTOLOGY_FILE = ONTOLOGY_DIR / "imr.ttl"
NAMESPACE = str(IMR._NS)

#: Declaration type -> the kind a term is listed under, in the order the kinds are listed.
KINDS: tuple[tuple[URIRef, str], ...] = (
    (OWL.Class, "class"),
    (OWL.ObjectProperty, "object property"),
    (OWL.DatatypeProperty, "datatype property"),
    (OWL.AnnotationProperty, "annotation property"),
    (OWL.NamedIndividual, "individual"),
)
#: Properties that say how a term relates to terms of other vocabularies.
ALIGNMENTS: tuple[tuple[URIRef, str], ...] = (
    (SKOS.exactMatch, "exact match"), (SKOS.closeMatch, "close match"),
    (OWL.equivalentClass, "equivalent class"),
    (OWL.equivalentProperty, "equivalent property"), (RDFS.seeAlso, "see also"),
)


@dataclass(frozen=True)
class TermRef:
    """A reference to a term: its IRI, its compact name, and its anchor when it is an ``imr:`` term."""

    iri: str
    name: str
    anchor: str | None = None


@dataclass(frozen=True)
class Term:
    """One ``imr:`` term as documented in the ontology."""

    iri: str
    name: str  # the local name, also the term's anchor ("Case")
    kind: str  # one of the KINDS labels
    label: str
    definition: str
    comments: tuple[str, ...] = ()
    types: tuple[TermRef, ...] = ()  # for individuals: the classes they belong to
    characteristics: tuple[str, ...] = ()  # "functional", ...
    domains: tuple[TermRef, ...] = ()  # an owl:unionOf domain is spelt out
    ranges: tuple[TermRef, ...] = ()
    supers: tuple[TermRef, ...] = ()  # rdfs:subClassOf / rdfs:subPropertyOf
    subs: tuple[TermRef, ...] = ()  # the terms that name this one as their super-term
    alignments: tuple[tuple[str, TermRef], ...] = ()  # (relation, term)
    one_of: tuple[TermRef, ...] = ()  # a class equivalent to an enumeration
    keys: tuple[TermRef, ...] = ()  # owl:hasKey
    used_as_domain_of: tuple[TermRef, ...] = ()  # for classes: properties whose domain includes the class
    used_as_range_of: tuple[TermRef, ...] = ()  # for classes: properties whose range is the class


@dataclass(frozen=True)
class OntologyDoc:
    """The ontology's header and its terms by kind."""

    iri: str
    title: str
    description: str
    version: str
    license: str
    prefix: str
    namespace: str
    terms: tuple[Term, ...] = field(default_factory=tuple)

    def of_kind(self, kind: str) -> list[Term]:
        """The terms of one kind ("class", "object property", ...), sorted by name."""
        return [term for term in self.terms if term.kind == kind]

    def term(self, name: str) -> Term:
        """The term with local name ``name``; KeyError when there is none."""
        for term in self.terms:
            if term.name == name:
                return term
        raise KeyError(name)

    @property
    def kinds(self) -> list[tuple[str, list[Term]]]:
        """(kind, terms) for every kind that has terms, in the order of KINDS."""
        return [(kind, self.of_kind(kind)) for _, kind in KINDS if self.of_kind(kind)]


def short_name(iri: str) -> str:
    """``imr:Case`` for an IRI in a known namespace (the longest that fits), else the IRI itself."""
    best = max((p for p, ns in PREFIXES.items() if iri.startswith(ns) and iri != ns),
               key=lambda p: len(PREFIXES[p]), default=None)
    return f"{best}:{iri[len(PREFIXES[best]):]}" if best else iri


@lru_cache(maxsize=4)
def ontology_graph(path: Path = ONTOLOGY_FILE) -> Graph:
    """The parsed ontology file (cached: callers must not change it)."""
    return Graph().parse(path, format="turtle")


@lru_cache(maxsize=4)
def load_ontology_doc(path: Path = ONTOLOGY_FILE) -> OntologyDoc:
    """Read ``path`` (the project's ontology by default) into an :class:`OntologyDoc`."""
    graph = ontology_graph(path)
    terms = [_term(graph, subject, kind) for subject, kind in _declared(graph)]
    terms = _with_usage(terms)
    return OntologyDoc(
        iri=str(ONTOLOGY), title=_text(graph, ONTOLOGY, DCTERMS.title), namespace=NAMESPACE,
        description=_text(graph, ONTOLOGY, DCTERMS.description),
        version=_text(graph, ONTOLOGY, OWL.versionInfo), license=_text(graph, ONTOLOGY, DCTERMS.license),
        prefix=_text(graph, ONTOLOGY, VANN.preferredNamespacePrefix), terms=tuple(terms),
    )


def _declared(graph: Graph) -> list[tuple[URIRef, str]]:
    """(term, kind) of every ``imr:`` term, each under its first kind, sorted by kind then name."""
    seen: dict[URIRef, str] = {}
    for declaration, kind in KINDS:
        for subject in graph.subjects(RDF.type, declaration):
            if isinstance(subject, URIRef) and str(subject).startswith(NAMESPACE):
                seen.setdefault(subject, kind)
    order = {kind: n for n, (_, kind) in enumerate(KINDS)}
    return sorted(seen.items(), key=lambda pair: (order[pair[1]], str(pair[0]).lower()))


def _term(graph: Graph, subject: URIRef, kind: str) -> Term:
    types = [t for t in graph.objects(subject, RDF.type) if t not in (OWL.NamedIndividual,)]
    alignments = []
    for prop, relation in ALIGNMENTS:
        for target in graph.objects(subject, prop):
            if isinstance(target, URIRef):
                alignments.append((relation, _ref(target)))
    one_of: list[TermRef] = []
    for target in graph.objects(subject, OWL.equivalentClass):
        if isinstance(target, BNode):
            one_of += [_ref(m) for m in _members(graph, target, OWL.oneOf)]
    keys = [_ref(k) for node in graph.objects(subject, OWL.hasKey) for k in Collection(graph, node)
            if isinstance(k, URIRef)]
    supers = list(graph.objects(subject, RDFS.subClassOf)) + list(graph.objects(subject, RDFS.subPropertyOf))
    return Term(
        iri=str(subject), name=str(subject)[len(NAMESPACE):], kind=kind,
        label=_text(graph, subject, RDFS.label), definition=_text(graph, subject, SKOS.definition),
        comments=tuple(str(c) for c in graph.objects(subject, RDFS.comment)),
        types=tuple(_ref(t) for t in types if kind == "individual" and isinstance(t, URIRef)),
        characteristics=("functional",) if (subject, RDF.type, OWL.FunctionalProperty) in graph else (),
        domains=tuple(_refs(graph, subject, RDFS.domain)), ranges=tuple(_refs(graph, subject, RDFS.range)),
        supers=tuple(_ref(s) for s in supers if isinstance(s, URIRef)),
        alignments=tuple(alignments), one_of=tuple(one_of), keys=tuple(keys),
    )


def _with_usage(terms: list[Term]) -> list[Term]:
    """The terms again, with sub-terms and (for classes) the properties that use them as domain or range."""
    result = []
    for term in terms:
        subs = tuple(_ref(URIRef(t.iri)) for t in terms if any(s.iri == term.iri for s in t.supers))
        domain_of = tuple(_ref(URIRef(t.iri)) for t in terms if any(d.iri == term.iri for d in t.domains))
        range_of = tuple(_ref(URIRef(t.iri)) for t in terms if any(r.iri == term.iri for r in t.ranges))
        result.append(replace(term, subs=subs, used_as_domain_of=domain_of, used_as_range_of=range_of))
    return result


def _refs(graph: Graph, subject: URIRef, prop: URIRef) -> list[TermRef]:
    """The values of ``prop``, with an ``owl:unionOf`` class expression spelt out into its members."""
    found: list[TermRef] = []
    for value in graph.objects(subject, prop):
        if isinstance(value, URIRef):
            found.append(_ref(value))
        elif isinstance(value, BNode):
            found += [_ref(m) for m in _members(graph, value, OWL.unionOf)]
    return found


def _members(graph: Graph, node: BNode, prop: URIRef) -> list[URIRef]:
    members: list[URIRef] = []
    for head in graph.objects(node, prop):
        members += [m for m in Collection(graph, head) if isinstance(m, URIRef)]
    return members


def _ref(iri: URIRef) -> TermRef:
    text = str(iri)
    anchor = text[len(NAMESPACE):] if text.startswith(NAMESPACE) else None
    return TermRef(iri=text, name=short_name(text), anchor=anchor)


def _text(graph: Graph, subject: URIRef, prop: URIRef) -> str:
    """One value of ``prop`` as text, English first; '' when there is none."""
    values = list(graph.objects(subject, prop))
    values.sort(key=lambda v: (not (isinstance(v, Literal) and v.language in ("en", None)), str(v)))
    return str(values[0]) if values else ""
