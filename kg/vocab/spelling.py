"""Misspellings and line-end breaks in diagnosis phrases, corrected only where the medical word list proves it.

Known words are those of ICD-10-CM's descriptions and inclusion terms, of the ICD-10-CM word bridges and of
our vocabularies' labels. Two repairs are made, each reported to the caller:

* a hyphenated word whose parts are not both known words but whose joined form is ("radicul-opathy", a PDF
  line break; "sprain-strain" and "ice-heat" stay as they are);
* an unknown word of five letters or more with exactly one common medical word (in 30 or more ICD-10-CM
  wordings) one edit away: "stain of neck muscle" is a strain, "generalize anxiety disorder" generalized.
  Rare words are never the answer: "trapezius" is not turned into "trapezium" nor "blunt" into "Blount".
"""
from __future__ import annotations

import re
import string
from functools import lru_cache

from kg.vocab.concepts import vocabulary

_WORD_RE = re.compile(r"[A-Za-z]+(?:-[A-Za-z]+)*")
_MIN_LENGTH = 5
_COMMON = 30  # a correction must be a word of at least this many ICD-10-CM wordings
_SCHEMES = ("treatment", "body-region", "laterality")


@lru_cache(maxsize=1)
def known_words() -> frozenset[str]:
    """Every lower-case word of ICD-10-CM's descriptions and inclusion terms and of our vocabularies' labels."""
    from kg.vocab.icd10_index import get_index

    index = get_index()
    words = {w for w in index.idf if w.isalpha()}
    for phrase in index.rules.terms:
        words.update(w for w in phrase if w.isalpha())
    for scheme in _SCHEMES:
        for concept in vocabulary(scheme).concepts:
            for label in concept.labels:
                words.update(w.lower() for w in re.findall(r"[A-Za-z]+", label))
    return frozenset(words)


def correct_spelling(phrase: str) -> tuple[str, list[tuple[str, str]]]:
    """``phrase`` with its misspelt and line-end-broken words corrected, and the (written, corrected) pairs."""
    corrections: list[tuple[str, str]] = []

    def fix(match: re.Match[str]) -> str:
        word = match.group()
        better = _correction(word.lower())
        if better is None:
            return word
        corrections.append((word, better))
        return better.capitalize() if word[:1].isupper() else better

    return _WORD_RE.sub(fix, phrase), corrections


def _known(word: str) -> bool:
    words = known_words()
    return any(form in words for form in (word, word[:-1] if word.endswith("s") else "",
                                          word[:-2] if word.endswith("es") else "",
                                          word[:-3] + "y" if word.endswith("ies") else ""))


@lru_cache(maxsize=4096)
def _correction(word: str) -> str | None:
    if len(word) < _MIN_LENGTH:
        return None
    if "-" in word:
        joined = word.replace("-", "")
        return joined if not all(_known(part) for part in word.split("-")) and _known(joined) else None
    if _known(word):
        return None
    candidates = {edit for edit in _edits(word) if edit in _common_words()}
    return candidates.pop() if len(candidates) == 1 else None


@lru_cache(maxsize=1)
def _common_words() -> frozenset[str]:
    from kg.vocab.icd10_index import get_index

    return frozenset(w for w, docs in get_index().postings.items() if w.isalpha() and len(docs) >= _COMMON)


def _edits(word: str) -> set[str]:
    """Every string one deletion, transposition, replacement or insertion away from ``word``."""
    letters = string.ascii_lowercase
    splits = [(word[:i], word[i:]) for i in range(len(word) + 1)]
    deletes = {a + b[1:] for a, b in splits if b}
    transposes = {a + b[1] + b[0] + b[2:] for a, b in splits if len(b) > 1}
    replaces = {a + c + b[1:] for a, b in splits if b for c in letters}
    inserts = {a + c + b for a, b in splits for c in letters}
    return deletes | transposes | replaces | inserts
