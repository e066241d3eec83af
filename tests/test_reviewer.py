"""Reviewer specialties."""
from __future__ import annotations

import pytest

from kg.extract.reviewer import extract_specialties

LEAD = "MAXIMUS Federal Services sent the complete case file to an expert reviewer. "


@pytest.mark.parametrize(
    ("sentence", "specialties"),
    [
        pytest.param("The expert reviewer is Board Certified in Physical Medicine and Rehabilitation and Pain "
                     "Medicine and is licensed to practice in California.",
                     ["Physical Medicine and Rehabilitation", "Pain Medicine"], id="x-and-y"),
        pytest.param("The expert reviewer is Board Certified in Anesthesiology, has a subspecialty in Pain Medicine "
                     "and is licensed to practice in California.", ["Anesthesiology", "Pain Medicine"],
                     id="subspecialty"),
        pytest.param("The expert reviewer is Board Certified in Internal Medicine with a subspecialty in "
                     "Rheumatology and is licensed to practice in California.", ["Internal Medicine", "Rheumatology"],
                     id="with-a-subspecialty"),
        pytest.param("The expert reviewer is Licensed in Chiropractic, has a subspecialty in Acupuncture and is "
                     "licensed to practice in California.", ["Chiropractic", "Acupuncture"], id="licensed-in"),
        pytest.param("The physician reviewer is Board Certified in Occupational Medicine and is\nlicensed to "
                     "practice in California.", ["Occupational Medicine"], id="wrapped-line"),
    ],
)
def test_specialties(sentence: str, specialties: list[str]) -> None:
    """Specialty phrases are split on the vocabulary, not on every "and"."""
    mentions, warnings = extract_specialties(LEAD + sentence, 0)
    assert [m.label for m in mentions] == specialties
    assert warnings == []


def test_unknown_specialty_is_kept_with_a_warning() -> None:
    """A specialty missing from the vocabulary is kept as written and reported."""
    mentions, warnings = extract_specialties(
        "The expert reviewer is Board Certified in Family Practice and Underwater Medicine and is licensed to "
        "practice in California.", 0)
    assert [m.label for m in mentions] == ["Family Practice", "Underwater Medicine"]
    assert warnings == ["reviewer specialty 'Underwater Medicine' is not in the specialty vocabulary"]
