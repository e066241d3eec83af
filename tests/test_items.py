"""Disputed items in both layouts: headings, decisions, labelled statements."""
from __future__ import annotations

import pytest

from kg.extract.items import extract_items

INTRO = ("IMR ISSUES, DECISIONS AND RATIONALES\n\nThe Final Determination was based on decisions for the disputed "
         "items/services set forth below:\n\n")


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        pytest.param("Norco 10/325mg #90:\nUpheld\n\nDecision rationale: Not needed.\n",
                     [("Norco 10/325mg #90", "Upheld")], id="decision-on-its-own-line"),
        pytest.param("Norco 10/325mg #90: Overturned.\n\nDecision rationale: Needed.\n",
                     [("Norco 10/325mg #90", "Overturned")], id="decision-on-the-heading-line"),
        pytest.param("Physical therapy 12 sessions for the lumbar spine and right\nhip:\nUpheld\n\n"
                     "Decision rationale: No.\n\nMRI of the right hip:\nOverturned\n\nDecision rationale: Yes.\n",
                     [("Physical therapy 12 sessions for the lumbar spine and right hip", "Upheld"),
                      ("MRI of the right hip", "Overturned")], id="wrapped-heading"),
        pytest.param("**Physical therapy 12 sessions for the lumbar spine and right\nhip:**\nUpheld\n\n"
                     "Decision rationale: No.\n",
                     [("Physical therapy 12 sessions for the lumbar spine and right hip", "Upheld")],
                     id="bold-heading-wrapped"),
        pytest.param("X-rays of the knee:\nUpheld\nDecision rationale: No x-rays are needed.\nMRI of the knee:\n"
                     "Upheld\nDecision rationale: No.\n",
                     [("X-rays of the knee", "Upheld"), ("MRI of the knee", "Upheld")], id="no-blank-lines"),
    ],
)
def test_determination_headings(body: str, expected: list[tuple[str, str]]) -> None:
    """Headings end in a colon and the decision word, on the same line or the next, wrapped or not."""
    text = INTRO + body
    items, _ = extract_items(text, 0, len(text), notice=False)
    assert [(i.request, i.decision) for i in items] == expected


def test_labelled_statements() -> None:
    """Claims administrator and reviewer citations and the rationale are read from their labels."""
    text = INTRO + ("Urine drug screen:\nUpheld\n\nClaims Administrator guideline: Decision based on MTUS Chronic Pain "
                    "Medical Treatment Guidelines.\n\nMAXIMUS guideline: Decision based on MTUS Chronic Pain Medical "
                    "Treatment Guidelines Drug testing Page(s): 43.\n\nDecision rationale: Not needed.\n")
    (item,), warnings = extract_items(text, 0, len(text), notice=False)
    assert [c.guideline for c in item.claims_administrator_guideline] == ["MTUS Chronic Pain Medical Treatment Guidelines"]
    assert [(c.topic, c.pages) for c in item.reviewer_guideline] == [("Drug testing", "43")]
    assert item.rationale == "Not needed." and warnings == []


def test_notice_items() -> None:
    """2013 notices: numbered findings give the decisions, "Regarding the request for" blocks the rest."""
    text = ("1) MAXIMUS Federal Services, Inc. has determined the request for MRI of the cervical spine is medically "
            "necessary and appropriate.\n2) MAXIMUS Federal Services, Inc. has determined the request for TENS unit "
            "is not medically necessary and appropriate.\n\n1) Regarding the request for MRI of the cervical spine:\n"
            "Rationale Used by the Expert Reviewer:\nNeeded.\n\n2) Regarding the request for TENS unit:\n"
            "Rationale Used by the Expert Reviewer:\nNot needed.\n")
    start = text.index("1) Regarding")
    items, _ = extract_items(text, start, len(text), notice=True)
    assert [(i.request, i.decision, i.rationale) for i in items] == [
        ("MRI of the cervical spine", "Overturned", "Needed."), ("TENS unit", "Upheld", "Not needed.")]


ELIGIBLE = """IMR ISSUES, DECISIONS AND RATIONALES
The Final Determination was based on decisions for the disputed items/services set forth below:

Physical therapy for 12 sessions was the original request. Physical therapy for 6 sessions
was authorized by the Claims Administrator. The remaining IMR eligible portion of the
original request, Physical therapy for 6 sessions is: Upheld

Claims Administrator guideline: Decision based on MTUS Chronic Pain Medical Treatment
2016, Section(s): Physical medicine treatment.

MAXIMUS guideline: Decision based on MTUS Chronic Pain Medical Treatment 2016,
Section(s): Physical medicine treatment.

Decision rationale: Given the above, the request for "Physical therapy for
12 sessions was the original request. The remaining IMR eligible portion of the original request, Physical
therapy for 6 sessions" is not medically necessary.

Norco 10/325mg #60 with 2
refills, DOS:
11/11/2016: Overturned

Claims Administrator guideline: The Claims Administrator did not cite any medical evidence for its decision.

MAXIMUS guideline: Decision based on Non-MTUS Citation http://www.example.org/opioids, https://example.com/x.

Decision rationale: Medically necessary.
"""


def test_eligible_portion_items_and_a_rationale_that_quotes_one() -> None:
    """The disputed item is the eligible remainder; a rationale quoting the eligible sentence does not swallow
    the next heading, which wraps over lines and after "DOS:"."""
    items, _ = extract_items(ELIGIBLE, 0, len(ELIGIBLE), notice=False)
    assert [(i.request, i.original_request, i.quantity, i.decision) for i in items] == [
        ("Physical therapy for 6 sessions", "Physical therapy for 12 sessions", 6, "Upheld"),
        ("Norco 10/325mg #60 with 2 refills, DOS: 11/11/2016", None, 60, "Overturned")]
    assert items[0].rationale is not None and items[0].rationale.endswith("is not medically necessary.")
    assert items[0].field_sources["request"] == "eligible portion of the item heading"
    assert [c.guideline for c in items[1].reviewer_guideline] == ["Other guideline", "Other guideline"]
    assert items[1].claims_administrator_guideline == []
