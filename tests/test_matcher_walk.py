"""The vocabulary matcher's trie walk (kg.vocab.matcher) against the regular expression its units spell.

The matcher promises to end a match where an alternation of the same units, in trie order, would. Here that
expression is compiled for the smaller vocabularies (for thousands of labels it takes seconds) and asked at
every word start of many texts: labels written in the ways the rules allow, and the bundled letters.
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from kg.vocab import matcher, vocabulary

SCHEMES = ("laterality", "body-region", "specialty", "category", "outcome")
LETTERS = sorted((Path(__file__).resolve().parent.parent / "letters").rglob("*.md"))
WORD_START_RE = re.compile(r"(?<![A-Za-z0-9])(?<![A-Za-z0-9]-)")


def _trie(scheme: str, sensitive: bool) -> dict:
    """The unit trie of one vocabulary's labels of one kind (case-sensitive abbreviations or the others)."""
    trie: dict = {}
    for concept in vocabulary(scheme).concepts:
        for label in concept.labels:
            if matcher.label_key(label) and matcher.is_case_sensitive(label) == sensitive:
                matcher._insert(trie, matcher._units(label, sensitive))
    return trie


def _alternation(trie: dict) -> str:
    """The trie as one regular expression, its alternatives in the order the walk tries them."""
    ordered = sorted(trie.items(), key=lambda kv: kv[0] in matcher._ENDINGS)  # endings last, as in the walk
    parts = [unit + _alternation(child) for unit, child in ordered]
    if len(parts) <= 1:
        return "".join(parts)
    return "(?:" + "|".join(parts) + ")"


def _spellings(label: str) -> list[str]:
    """``label`` as the rules let a letter write it: other cases, separators, plurals, glued words."""
    return [label, label.upper(), label.lower(), label.title(), label.replace(" ", "-"),
            label.replace(" ", ""), label.replace(" ", " / "), label.replace("-", " "), label + "s",
            label + "es", label[:-1] + "ies", label.replace(" and ", " & "), label.replace("&", "and"),
            "Non-" + label, label + "-guided", f"({label}),", f"the {label} and {label.lower()}s."]


def _texts(scheme: str) -> list[str]:
    labels = [label for concept in vocabulary(scheme).concepts for label in concept.labels]
    texts = [spelling for label in labels for spelling in _spellings(label)]
    return texts + [" ".join(labels)] + [path.read_text(encoding="utf-8") for path in LETTERS]


# Every (scheme, kind of label) that has labels of that kind; a vocabulary without abbreviations has no
# case-sensitive trie to check.
KINDS = [(scheme, sensitive) for scheme in SCHEMES for sensitive in (False, True) if _trie(scheme, sensitive)]


def test_both_kinds_of_label_are_checked() -> None:
    """The case-sensitive walk is checked on at least one vocabulary, and every scheme's other labels are."""
    assert any(sensitive for _, sensitive in KINDS)
    assert {scheme for scheme, sensitive in KINDS if not sensitive} == set(SCHEMES)


@pytest.mark.parametrize(("scheme", "sensitive"), KINDS,
                         ids=[f"{s}-{'case-sensitive' if c else 'case-insensitive'}" for s, c in KINDS])
def test_walk_ends_where_the_alternation_does(scheme: str, sensitive: bool) -> None:
    """At every word start, the walk ends where the regular expression of the same units ends, or fails with
    it; and it is entered at every word start where that expression matches."""
    units = _trie(scheme, sensitive)
    expected_re = re.compile(_alternation(units))
    trie = matcher._compile(units)
    starts = matcher._word_starts(trie)
    assert starts is not None
    checked = 0
    for text in _texts(scheme):
        subject = text if sensitive else matcher._ascii_lower(text)
        entered = {m.start() for m in starts.finditer(subject)}
        for start in WORD_START_RE.finditer(subject):
            at = start.start()
            expected = expected_re.match(subject, at)
            walked = matcher._walk(trie, subject, at) if at in entered else None
            assert walked == (expected.end() if expected else None), (scheme, subject[at:at + 60])
            checked += expected is not None
    assert checked > 0


def test_ascii_lowering_keeps_every_other_character() -> None:
    """Only A-Z change, so offsets into the lowered text are offsets into the text (lowering "İ" adds one)."""
    text = "MRI of the LUMBAR Spine \u0130\u00c9 \u2013 X-RAY"
    lowered = matcher._ascii_lower(text)
    assert len(lowered) == len(text)
    assert lowered == "mri of the lumbar spine \u0130\u00c9 \u2013 x-ray"
    assert matcher._ascii_lower("ABC xyz") == "abc xyz"


def test_matches_are_handed_out_as_new_lists() -> None:
    """Matches are remembered per text; what one caller does to its list does not reach the next caller."""
    regions = vocabulary("body-region")
    first = regions.find_all("left knee and lumbar spine")
    first.clear()
    again = regions.find_all("left knee and lumbar spine")
    assert [m.concept.id for m in again] == ["knee", "lumbar-spine"]
