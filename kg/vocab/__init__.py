"""Controlled vocabularies as data (SKOS Turtle in ``ontology/vocab``) and matching text against them."""
from __future__ import annotations

from kg.vocab.concepts import Concept, Vocabulary, concept_of, load_vocabularies, vocabulary
from kg.vocab.matcher import Match

__all__ = ["Concept", "Match", "Vocabulary", "concept_of", "load_vocabularies", "vocabulary"]
