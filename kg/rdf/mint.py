"""Stable IRIs minted from content: the same letter always gets the same IRIs, so re-ingesting replaces it."""
from __future__ import annotations

import re
from urllib.parse import quote

from rdflib import URIRef

from kg.namespaces import BASE, GRAPH, ICD10CM, VOCAB

_SAFE = re.compile(r"[^A-Za-z0-9._-]+")


def case_key(case_number: str | None, sha256: str | None) -> str:
    """The key every IRI of a letter is built from: its case number, else a digest of the file."""
    if case_number:
        return _SAFE.sub("-", case_number.strip().upper())
    return "sha-" + (sha256 or "unknown")[:16]


def case_iri(key: str) -> URIRef:
    """The case."""
    return URIRef(f"{BASE}case/{key}")


def letter_iri(key: str) -> URIRef:
    """The letter the case was read from."""
    return URIRef(f"{BASE}letter/{key}")


def letter_graph(key: str) -> URIRef:
    """The named graph holding one letter's triples."""
    return GRAPH[f"letter/{key}"]


def validation_graph(key: str) -> URIRef:
    """The named graph holding one letter's SHACL report."""
    return GRAPH[f"validation/{key}"]


def part_iri(case: URIRef, *path: str | int) -> URIRef:
    """A resource inside a case: ``part_iri(case, "item", 1)`` is ``.../case/KEY/item/1``."""
    return URIRef(str(case) + "".join(f"/{quote(str(p), safe='')}" for p in path))


def concept_iri(scheme: str, concept_id: str) -> URIRef:
    """A vocabulary concept, e.g. ``concept_iri("treatment", "massage-therapy")``."""
    return VOCAB[f"{scheme}/{concept_id}"]


def category_iri(category: str) -> URIRef:
    """A treatment category by its label, e.g. ``category_iri("Physical Medicine")``."""
    return concept_iri("category", category.lower().replace(" ", "-"))


def outcome_iri(decision: str | None) -> URIRef | None:
    """The outcome concept of a decision ("Upheld" or "Overturned"), or None for anything else."""
    outcome = OUTCOME_IDS.get(decision or "")
    return concept_iri("outcome", outcome) if outcome else None


OUTCOME_IDS = {"Upheld": "upheld", "Overturned": "overturned"}


def icd10_iri(code: str) -> URIRef:
    """An ICD-10-CM code, block ("M50-M54") or chapter ("chapter-13")."""
    return ICD10CM[quote(code, safe="-.")]


def key_from_iri(iri: str) -> str | None:
    """The case key in a case, letter or graph IRI, or None."""
    match = re.match(re.escape(BASE) + r"(?:case|letter|graph/letter|graph/validation)/([^/]+)", iri)
    return match.group(1) if match else None
