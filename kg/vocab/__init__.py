"""Controlled vocabularies as data (SKOS Turtle in ``ontology/vocab``) and matching text against them."""
from __future__ import annotations

from kg.vocab.concepts import Concept, Vocabulary, load_vocabularies, vocabulary
from kg.vocab.matcher import Match

__all__ = ["Concept", "Match", "Vocabulary", "load_vocabularies", "vocabulary"]
