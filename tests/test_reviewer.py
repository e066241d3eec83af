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


def test_credentials_list_gives_specialties_and_states() -> None:
    """The 2016 credentials: specialties split and normalised ("&" is "and", "Pain Management" is Pain
    Medicine), a wrapped list read whole, a misspelling read with a warning, and the states of licensure."""
    from kg.extract.reviewer import extract_licensure

    section = ("The Expert Reviewer has the following credentials:\n"
               "State(s) of Licensure: Texas,New York,California\n"
               "Certification(s)/Specialty: Physical Medicine & Rehabilitation, Pain Management, Ocupational\n"
               "Medicine\n\nCLINICAL CASE SUMMARY\n")
    mentions, warnings = extract_specialties(section, 0)
    assert [m.label for m in mentions] == ["Physical Medicine and Rehabilitation", "Pain Medicine",
                                           "Occupational Medicine"]
    assert all(m.concept_id for m in mentions)
    assert warnings == ["reviewer specialty 'Ocupational Medicine' read as 'Occupational Medicine' (spelling differs)"]
    assert extract_licensure(section) == ["Texas", "New York", "California"]


def test_boilerplate_about_the_reviewer_is_not_a_specialty() -> None:
    """"selected based on his/her clinical experience, education, background" names no specialty."""
    section = ("The expert reviewer was selected based on his/her clinical experience, education, background, "
               "and expertise in the same or similar specialties.\nCertification(s)/Specialty: Family Practice\n")
    mentions, _ = extract_specialties(section, 0)
    assert [m.label for m in mentions] == ["Family Practice"]
