"""Words broken by a hyphen at a line end ("radicul-opathy"), joined again where the word list proves it.

A PDF's text keeps the hyphen of a word broken across lines, since the reader cannot tell it from a real
compound ("sprain-strain", "ice-heat"). In a diagnosis phrase, a hyphenated word whose parts are not both
known words but whose joined form is (ICD-10-CM's descriptions and our vocabularies' labels) is joined.
Misspellings are not corrected: an edit-distance guess against a medical word list turns "trapezius" into
"trapezium" and "blunt" into "Blount", so words missing from the list are left as written.
"""
from __future__ import annotations

import re
from functools import lru_cache

from kg.vocab.concepts import vocabulary

_WORD_RE = re.compile(r"[A-Za-z]+(?:-[A-Za-z]+)*")
_MIN_LENGTH = 5
_SCHEMES = ("treatment", "body-region", "laterality")


@lru_cache(maxsize=1)
def known_words() -> frozenset[str]:
    """Every lower-case word of ICD-10-CM's descriptions and inclusion terms and of our vocabularies' labels."""
    from kg.vocab.icd10_index import get_index

    words = {w for w in get_index().idf if w.isalpha()}
    for scheme in _SCHEMES:
        for concept in vocabulary(scheme).concepts:
            for label in concept.labels:
                words.update(w.lower() for w in re.findall(r"[A-Za-z]+", label))
    return frozenset(words)


def correct_spelling(phrase: str) -> tuple[str, list[tuple[str, str]]]:
    """``phrase`` with its line-end-broken words joined, and the (written, corrected) pairs."""
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
    if "-" not in word or len(word) < _MIN_LENGTH:
        return None
    joined = word.replace("-", "")
    return joined if not all(_known(part) for part in word.split("-")) and _known(joined) else None
