"""Cutting letters into sections and telling their layout."""
from __future__ import annotations

from kg.extract.sections import LAYOUT_DETERMINATION, LAYOUT_NOTICE, split_sections

DETERMINATION = """Case Number: CM14-0000001
Date Assigned: 10/13/2014

HOW THE IMR FINAL DETERMINATION WAS MADE

The expert reviewer is Board Certified in Neurology and is licensed to practice in California.

Clinical Case Summary:

Diagnoses include cervicalgia.

IMR Issues, Decisions and Rationales

MRI of the neck:
Upheld
"""

NOTICE = """Notice of Independent Medical Review Determination
Dated: 9/24/2013

INDEPENDENT MEDICAL REVIEW DECISION AND RATIONALE

1) MAXIMUS Federal Services, Inc. has determined the request for MRI is not medically necessary and appropriate.

Medical Qualifications of the Expert Reviewer:
The physician reviewer is Board Certified in Neurology.

Expert Reviewer Case Summary:
The diagnoses include cervicalgia.

1) Regarding the request for MRI:
Rationale Used by the Expert Reviewer:
Not needed.
"""


def test_determination_sections_in_any_case() -> None:
    """Headings are found whatever their case and trailing colon, and the header ends at the first one."""
    parts = split_sections(DETERMINATION)
    assert parts.layout == LAYOUT_DETERMINATION
    assert [s.name for s in parts.sections] == ["reviewer", "summary", "issues"]
    assert "Board Certified in Neurology" in parts.body("reviewer")
    assert parts.body("summary").strip() == "Diagnoses include cervicalgia."
    assert DETERMINATION[: parts.header_end].startswith("Case Number")


def test_notice_sections() -> None:
    """The 2013 notice's sections are named like the later layout's, and its item blocks start the issues."""
    parts = split_sections(NOTICE)
    assert parts.layout == LAYOUT_NOTICE
    assert [s.name for s in parts.sections] == ["notice", "decision", "reviewer", "summary", "issues"]
    assert parts.body("issues").lstrip().startswith("1) Regarding the request for MRI")


def test_no_layout_for_other_text() -> None:
    """Text that is not an IMR letter has no layout."""
    assert split_sections("Dear customer, your order has shipped.").layout is None
