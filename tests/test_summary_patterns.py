"""The treatment-history pattern of kg.extract.summary opens with a lookahead of the two letters its wordings
start with; that lets the search skip ahead and must change no match."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from kg.extract import summary
from kg.extract.sections import split_sections
from kg.letters import read_letter

LETTERS = sorted((Path(__file__).resolve().parent.parent / "letters").rglob("*.md"))
GUARD = "(?=[chmoprtw][aehort])"


def _unguarded() -> re.Pattern[str]:
    pattern = summary._TREATMENT_RE
    assert pattern.pattern.startswith(GUARD)
    return re.compile(pattern.pattern[len(GUARD):], pattern.flags)


@pytest.mark.parametrize(
    "sentence",
    ["Prior treatment has included physical therapy and medications.",
     "Treatment to date has included acupuncture.",
     "Conservative care included rest.",
     "Management to date has consisted of injections.",
     "She has been treated with NSAIDs.",
     "He was treated conservatively with a brace.",
     "The patient has tried massage.",
     "Treatment history includes TENS.",
     "Previous treatments: chiropractic care.",
     "Other relevant therapies were yoga and pilates.",
     "PRIOR TREATMENT HAS INCLUDED SURGERY."],
)
def test_every_wording_starts_with_a_guarded_letter(sentence: str) -> None:
    expected = _unguarded().search(sentence)
    assert expected is not None
    found = summary._TREATMENT_RE.search(sentence)
    assert found is not None and found.span() == expected.span() and found["list"] == expected["list"]


def test_the_guard_changes_no_match_in_the_letters() -> None:
    unguarded = _unguarded()
    for path in LETTERS:
        flat = split_sections(read_letter(path).text).body("summary").replace("\n", " ")
        found = [m.span() for m in summary._TREATMENT_RE.finditer(flat)]
        assert found == [m.span() for m in unguarded.finditer(flat)]
