"""Guideline citations as both layouts write them."""
from __future__ import annotations

import pytest

from kg.extract.citations import parse_citations


def _parts(statement: str) -> list[tuple[str, str | None, str | None, str | None]]:
    return [(c.guideline, c.chapter, c.topic, c.pages) for c in parse_citations(statement)]


@pytest.mark.parametrize(
    ("statement", "expected"),
    [
        pytest.param(
            "Decision based on MTUS Chronic Pain Treatment Guidelines Massage Therapy Page(s): 60.",
            [("MTUS Chronic Pain Medical Treatment Guidelines", None, "Massage Therapy", "60")], id="seed"),
        pytest.param("Decision based on MTUS ACOEM.", [("MTUS ACOEM Practice Guidelines", None, None, None)],
                     id="guideline-only"),
        pytest.param(
            "Decision based on MTUS Chronic Pain Medical Treatment Guidelines Opioids Page(s): 74-96; "
            "Tramadol Page(s): 113.",
            [("MTUS Chronic Pain Medical Treatment Guidelines", None, "Opioids", "74-96"),
             ("MTUS Chronic Pain Medical Treatment Guidelines", None, "Tramadol", "113")], id="second-topic-with-pages"),
        pytest.param(
            "Decision based on Non-MTUS Citation Official Disability Guidelines (ODG), Knee & Leg Chapter, "
            "Venous thrombosis; Continuous-flow cryotherapy.",
            [("ODG (Official Disability Guidelines)", "Knee & Leg (ODG)",
              "Venous thrombosis; Continuous-flow cryotherapy", None)], id="second-topic-without-pages"),
        pytest.param(
            "Decision based on MTUS ACOEM Chapter 8 Neck and Upper Back Complaints, Special Studies and "
            "Diagnostic and Treatment Considerations Page(s): 177-178.",
            [("MTUS ACOEM Practice Guidelines", "Neck and Upper Back Complaints",
              "Special Studies and Diagnostic and Treatment Considerations", "177-178")], id="acoem-chapter-and-topic"),
        pytest.param(
            "The Expert Reviewer relied on the Chronic Pain Medical Treatment Guidelines (2009), Cyclobenzaprine "
            "(Flexeril), pages 41-42, and Muscle relaxants (for pain), pages 63-66, which are part of the MTUS.",
            [("MTUS Chronic Pain Medical Treatment Guidelines", None, "Cyclobenzaprine (Flexeril)", "41-42"),
             ("MTUS Chronic Pain Medical Treatment Guidelines", None, "Muscle relaxants (for pain)", "63-66")],
            id="notice-two-topics"),
        pytest.param(
            "The Claims Administrator based its decision on the ACOEM Practice Guidelines, 2nd Edition (2004), "
            "Chapter 8, pages 177-178, which is part of the MTUS.",
            [("MTUS ACOEM Practice Guidelines", "Neck and Upper Back Complaints", None, "177-178")],
            id="notice-chapter-by-number"),
        pytest.param(
            "The Expert Reviewer relied on the American College of Occupational and Environmental Medicine "
            "(ACOEM) Practice Guidelines, Elbow Disorders (Revised 2007), which is part of the MTUS, and the "
            "Official Disability Guidelines (ODG), Elbow Chapter, Platelet-rich plasma (PRP), which is not part "
            "of the MTUS.",
            [("MTUS ACOEM Practice Guidelines", "Elbow Complaints", None, None),
             ("ODG (Official Disability Guidelines)", "Elbow (ODG)", "Platelet-rich plasma (PRP)", None)],
            id="notice-two-guidelines"),
        pytest.param("The Claims Administrator did not cite any evidence-based criteria for its decision.", [],
                     id="none-cited"),
        pytest.param("", [], id="empty"),
    ],
)
def test_parse_citations(statement: str, expected: list) -> None:
    """Each cited source becomes one citation with its guideline, chapter, topic and pages."""
    assert _parts(statement) == expected


def test_citation_spans_point_into_the_letter() -> None:
    """A citation's span, offset into the letter, covers its own words."""
    letter = "MAXIMUS guideline: Decision based on MTUS Chronic Pain Medical Treatment Guidelines Opioids Page(s): 74-96."
    start = letter.index("Decision")
    (citation,) = parse_citations(letter[start:], start)
    assert citation.span is not None
    assert letter[slice(*citation.span)].startswith("MTUS Chronic Pain")
    assert letter[slice(*citation.span)].endswith("74-96")


def test_mtus_documents_and_non_mtus_sources_of_2016_letters() -> None:
    """One citation per MTUS document (the ACOEM chapter found without "ACOEM", the year as edition, the
    sections as topic) and per non-MTUS source, the ACOEM 3rd edition recognised as a guideline of its own."""
    found = parse_citations(
        "Decision based on MTUS Low Back Complaints 2004, Section(s): Summary, and Chronic Pain Medical Treatment "
        "2016, Section(s): Facet blocks. Decision based on Non-MTUS Citation ACOEM Occupational Medicine "
        "Practice Guidelines, 3rd ed., Low Back Disorders, pg. 607.")
    assert [(c.guideline_id, c.chapter_id, c.topic, c.edition, c.pages) for c in found] == [
        ("mtus-acoem", "acoem-chapter-12", "Summary", "2004", None),
        ("mtus-chronic-pain", None, "Facet blocks", "2016", None),
        ("acoem-3rd", "acoem-3rd-low-back", None, "3rd edition", "607"),
    ]


def test_no_citation_when_none_is_cited() -> None:
    """"did not cite any medical evidence" gives no citation."""
    assert parse_citations("The Claims Administrator did not cite any medical evidence for its decision.") == []
