"""The controlled vocabularies (SKOS Turtle in ``ontology/vocab``) as plain Python objects.

Each ``skos:ConceptScheme`` under ``https://w3id.org/imr-kg/vocab/`` becomes one :class:`Vocabulary`,
named after the last segment of the scheme IRI ("treatment", "body-region", ...). The files are parsed
once per folder; :func:`vocabulary` hands out the vocabularies of the project's own folder.

>>> vocabulary("treatment").by_label("Norco").pref_label
'hydrocodone/acetaminophen'
>>> [m.concept.pref_label for m in vocabulary("body-region").find_all("cervical spine (neck)")]
['cervical spine', 'cervical spine']
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property, lru_cache
from pathlib import Path

from rdflib import RDF, SKOS, Graph, Literal, Namespace, URIRef

from kg.errors import KGError
from kg.paths import VOCAB_DIR
from kg.vocab.matcher import Entry, LabelMatcher, Match

IMR = Namespace("https://w3id.org/imr-kg/ontology#")
VOCAB_BASE = "https://w3id.org/imr-kg/vocab/"


@dataclass(frozen=True)
class Concept:
    """One SKOS concept with its labels and the project's own properties."""

    iri: str
    id: str
    scheme: str
    pref_label: str
    alt_labels: tuple[str, ...] = ()
    brand_names: tuple[str, ...] = ()
    definition: str | None = None
    broader: tuple[str, ...] = ()
    category: str | None = None
    wcio_code: str | None = None
    chapter_number: int | None = None

    @property
    def labels(self) -> tuple[str, ...]:
        """Every label: the preferred one, then alternatives, then brand names."""
        return (self.pref_label, *self.alt_labels, *self.brand_names)


@dataclass(frozen=True)
class Vocabulary:
    """The concepts of one scheme, with look-ups by id, IRI and label and a text matcher."""

    scheme: str
    concepts: tuple[Concept, ...]

    def get(self, id_or_iri: str) -> Concept | None:
        """The concept with this local name or IRI, or None."""
        return self._by_id.get(id_or_iri) or self._by_iri.get(id_or_iri)

    def by_label(self, label: str) -> Concept | None:
        """The concept with exactly this label (any kind, case-insensitive, spaces collapsed), or None."""
        return self._by_label.get(_fold(label))

    def find_all(self, text: str) -> list[Match]:
        """Every concept label in ``text``, longest match first, never overlapping, in text order."""
        return self._matcher.find_all(text)

    def find_concepts(self, text: str) -> list[Concept]:
        """The distinct concepts named in ``text``, in order of first mention."""
        return list({m.concept.id: m.concept for m in self.find_all(text)}.values())

    def best(self, text: str) -> Match | None:
        """The longest match in ``text``, the earliest one on ties, or None."""
        return min(self.find_all(text), key=lambda m: (m.start - m.end, m.start), default=None)

    def ancestors(self, id: str) -> list[Concept]:
        """The concepts above ``id`` along skos:broader, nearest first (breadth-first, no repeats)."""
        seen: dict[str, Concept] = {}
        frontier = list(self._by_id[id].broader) if id in self._by_id else []
        while frontier:
            parent = self._by_id.get(frontier.pop(0))
            if parent is not None and parent.id not in seen:
                seen[parent.id] = parent
                frontier.extend(parent.broader)
        return list(seen.values())

    @cached_property
    def _by_id(self) -> dict[str, Concept]:
        return {c.id: c for c in self.concepts}

    @cached_property
    def _by_iri(self) -> dict[str, Concept]:
        return {c.iri: c for c in self.concepts}

    @cached_property
    def _by_label(self) -> dict[str, Concept]:
        index: dict[str, Concept] = {}
        for concept in self.concepts:
            for label in reversed(concept.labels):
                index[_fold(label)] = concept
        for concept in self.concepts:  # a preferred label always wins
            index[_fold(concept.pref_label)] = concept
        return index

    @cached_property
    def _matcher(self) -> LabelMatcher:
        entries = []
        for concept in self.concepts:
            entries.append(Entry(concept.pref_label, concept, "pref"))
            entries.extend(Entry(label, concept, "alt") for label in concept.alt_labels)
            entries.extend(Entry(label, concept, "brand") for label in concept.brand_names)
        return LabelMatcher(entries)


def load_vocabularies(vocab_dir: Path | None = None) -> dict[str, Vocabulary]:
    """Every vocabulary in the Turtle files of ``vocab_dir`` (default: the project's), by scheme name."""
    return dict(_load(Path(vocab_dir or VOCAB_DIR).resolve()))


def concept_of(iri: str) -> Concept | None:
    """The concept of any vocabulary with this IRI (…/vocab/SCHEME/ID), or None."""
    if not iri.startswith(VOCAB_BASE):
        return None
    vocabularies = _project_vocabularies()
    scheme = vocabularies.get(iri[len(VOCAB_BASE):].split("/", 1)[0])
    return scheme.get(iri) if scheme is not None else None


@lru_cache(maxsize=1)
def _project_vocabularies() -> dict[str, Vocabulary]:
    """The project's vocabularies (the folder's path is resolved once: looking it up costs file-system calls)."""
    return _load(Path(VOCAB_DIR).resolve())


@lru_cache(maxsize=None)
def vocabulary(scheme: str) -> Vocabulary:
    """The project's vocabulary of one scheme ("treatment", "category", "body-region", ...)."""
    vocabularies = _project_vocabularies()
    if scheme not in vocabularies:
        raise KeyError(f"no vocabulary {scheme!r} in {VOCAB_DIR}; known: {', '.join(sorted(vocabularies))}")
    return vocabularies[scheme]


@lru_cache(maxsize=None)
def _load(vocab_dir: Path) -> dict[str, Vocabulary]:
    graph = _parse(vocab_dir)
    by_scheme: dict[str, list[Concept]] = {}
    for node in sorted(set(graph.subjects(RDF.type, SKOS.Concept)), key=str):
        concept = _concept(graph, node)
        by_scheme.setdefault(concept.scheme, []).append(concept)
    for scheme in graph.subjects(RDF.type, SKOS.ConceptScheme):
        by_scheme.setdefault(_scheme_name(scheme), [])
    return {name: Vocabulary(name, tuple(concepts)) for name, concepts in sorted(by_scheme.items())}


def _parse(vocab_dir: Path) -> Graph:
    paths = sorted(vocab_dir.glob("*.ttl"))
    if not paths:
        raise KGError(f"{vocab_dir}: no vocabulary files (*.ttl) found")
    graph = Graph()
    for path in paths:
        try:
            graph.parse(path, format="turtle")
        except Exception as exc:  # rdflib raises several unrelated types for bad Turtle
            raise KGError(f"{path}: not valid Turtle: {exc}") from exc
    return graph


def _concept(graph: Graph, node: object) -> Concept:
    assert isinstance(node, URIRef)
    scheme = graph.value(node, SKOS.inScheme)
    if not isinstance(scheme, URIRef) or not str(scheme).startswith(VOCAB_BASE):
        raise KGError(f"vocabulary concept {node} has no skos:inScheme under {VOCAB_BASE}")
    pref = graph.value(node, SKOS.prefLabel)
    if pref is None:
        raise KGError(f"vocabulary concept {node} has no skos:prefLabel")
    category = graph.value(node, IMR.category)
    chapter = graph.value(node, IMR.chapterNumber)
    return Concept(
        iri=str(node),
        id=_local_name(node, scheme),
        scheme=_scheme_name(scheme),
        pref_label=str(pref),
        alt_labels=_strings(graph, node, SKOS.altLabel),
        brand_names=_strings(graph, node, IMR.brandName),
        definition=_optional(graph.value(node, SKOS.definition)),
        broader=tuple(sorted(_local_name(b, scheme) for b in graph.objects(node, SKOS.broader))),
        category=_optional(graph.value(category, SKOS.prefLabel)) if category is not None else None,
        wcio_code=_optional(graph.value(node, IMR.wcioCode)),
        chapter_number=int(chapter) if isinstance(chapter, Literal) else None,
    )


def _strings(graph: Graph, node: URIRef, predicate: URIRef) -> tuple[str, ...]:
    return tuple(sorted(str(o) for o in graph.objects(node, predicate)))


def _optional(value: object) -> str | None:
    return None if value is None else str(value)


def _scheme_name(scheme: object) -> str:
    return str(scheme)[len(VOCAB_BASE):].strip("/")


def _local_name(node: object, scheme: URIRef) -> str:
    text = str(node)
    return text[len(str(scheme)):] if text.startswith(str(scheme)) else text.rsplit("/", 1)[-1]


def _fold(label: str) -> str:
    return " ".join(label.casefold().split())
