"""The ICD-10-CM linker's shortcuts (kg.vocab.icd10) give what the plain search gives.

The candidates are found without reading the postings of the commonest words, and the best of them without
weighing those that cannot win; both are compared here with the plain way: every posting summed, every
candidate scored in turn.
"""
from __future__ import annotations

import pytest

from kg.vocab import icd10
from kg.vocab.icd10_index import Index, get_index
from tests.test_icd10 import GOLD

SIDES_AND_LEVELS = ("", "left ", "bilateral ", "chronic ", "L4-5 ", "other ")


def _phrases(index: Index) -> list[str]:
    """Gold diagnoses and a spread of ICD-10-CM descriptions, each also with a side, qualifier or level."""
    descriptions = sorted(index.descriptions.values())[::900]
    return [lead + phrase for phrase in [p for p, _ in GOLD] + descriptions for lead in SIDES_AND_LEVELS]


def _summed(q: icd10._Query, index: Index) -> list[tuple[int, float]]:
    """Every posting of every core word summed in the phrase's order, then the floor and the cap applied."""
    held: dict[int, float] = {}
    for word, weight in q.core.items():
        for doc in index.postings.get(word, ()):
            held[doc] = held.get(doc, 0.0) + weight
    if not held:
        return []
    floor = max(icd10._SHARE * q.core_total, icd10._OF_BEST * max(held.values()))
    kept = [(doc, hit) for doc, hit in held.items() if hit >= floor]
    by_length = sorted(kept, key=lambda pair: index.docs[pair[0]].total)
    return by_length[:icd10._MOST_CANDIDATES] if len(kept) > icd10._MOST_CANDIDATES else kept


def _scored_in_turn(q: icd10._Query, index: Index) -> tuple[float, str]:
    """Every candidate scored in order: a later one wins by a higher score, or an equal one and a shorter
    code."""
    score, code = 0.0, ""
    for doc_id, hit in _summed(q, index):
        doc = index.docs[doc_id]
        value = icd10._score(doc, q, hit)
        if value > score or (value == score and len(doc.code) < len(code)):
            score, code = value, doc.code
    return score, code


@pytest.fixture(scope="module")
def queries() -> list[icd10._Query]:
    index = get_index()
    parsed = [icd10._parse(phrase, index) for phrase in _phrases(index)]
    return [q for q in parsed if q is not None]


def test_candidates_are_those_of_every_posting_summed(queries: list[icd10._Query]) -> None:
    index = get_index()
    finder = icd10._Candidates(16)
    for q in queries:
        assert finder.of(q, index) == _summed(q, index), sorted(q.core)


def test_best_candidate_is_that_of_scoring_them_all(queries: list[icd10._Query]) -> None:
    index = get_index()
    assert len(queries) > 100
    for q in queries:
        assert icd10._best(q, index) == _scored_in_turn(q, index), sorted(q.core)


def test_no_bonus_exceeds_the_ceiling(queries: list[icd10._Query]) -> None:
    """_best prunes by _max_mult: no wording's multiplier may exceed it."""
    index = get_index()
    for q in queries[:200]:
        ceiling = icd10._max_mult(q)
        for doc_id, _ in icd10._Candidates(4).of(q, index):
            assert icd10._mult(index.docs[doc_id], q) <= ceiling * (1 + 1e-12)
