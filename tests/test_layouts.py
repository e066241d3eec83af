"""The two further layouts: older MAXIMUS letters with "DOCUMENTS REVIEWED" and the "MEDICAL PROFESSIONAL REVIEW" form.

tests/data/layouts holds letters of both layouts (plain text, Markdown, HTML) with gold files: CM13-*
are "determination-docs" letters, CM17-* are professional review forms.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from kg import extract_file
from kg.evaluation import evaluate, find_gold_letters, format_table
from kg.extract import extract_record
from kg.extract.findings import classify, conclude, statements, verdicts
from kg.extract.sections import (
    LAYOUT_DETERMINATION,
    LAYOUT_DOCS,
    LAYOUT_NOTICE,
    LAYOUT_PROFESSIONAL,
    split_sections,
)
from kg.letters import read_letter
from kg.letters.text import LetterText
from tests.conftest import ROOT, SEED

LAYOUTS_DIR = ROOT / "tests" / "data" / "layouts"
LETTERS = sorted(p for p in LAYOUTS_DIR.iterdir() if not p.name.endswith(".json"))
AMBIGUOUS = LAYOUTS_DIR / "CM17-0447062.txt"


def _expected_layout(letter: Path) -> str:
    return LAYOUT_DOCS if letter.name.startswith("CM13-") else LAYOUT_PROFESSIONAL


def _record(text: str):
    return extract_record(LetterText(text=text, source="test.txt", format="text", encoding="utf-8", sha256="", pages=1))


def test_set_is_varied() -> None:
    """At least four letters of each layout, in plain text, Markdown and HTML."""
    layouts = [_expected_layout(p) for p in LETTERS]
    assert layouts.count(LAYOUT_DOCS) >= 4 and layouts.count(LAYOUT_PROFESSIONAL) >= 4
    assert {p.suffix for p in LETTERS} == {".txt", ".md", ".html"}
    assert all(p.with_name(p.stem + ".gold.json").is_file() for p in LETTERS)


@pytest.mark.parametrize("letter", LETTERS, ids=lambda p: p.name)
def test_layout_detected(letter: Path) -> None:
    """Each letter is recognised as its layout, and its documents list is a section of its own."""
    parts = split_sections(read_letter(letter).text)
    assert parts.layout == _expected_layout(letter)
    names = [s.name for s in parts.sections]
    assert "documents" in names
    wanted = {"reviewer", "summary", "issues"} if parts.layout == LAYOUT_DOCS else \
        {"dispute", "summary", "guidelines", "rationale", "reviewer"}
    assert wanted <= set(names)


def test_earlier_layouts_unchanged() -> None:
    """The 2014 letters and the 2013 notices keep their layouts."""
    assert split_sections(read_letter(SEED).text).layout == LAYOUT_DETERMINATION
    notice = ROOT / "letters" / "dev" / "CM13-0009871.txt"
    assert split_sections(read_letter(notice).text).layout == LAYOUT_NOTICE


def test_layout_letters_meet_gold() -> None:
    """`kg eval tests/data/layouts --min 0.95`: every field at least 0.95 precision and recall."""
    pairs = find_gold_letters([LAYOUTS_DIR])
    assert len(pairs) == len(LETTERS)
    report = evaluate((extract_file(letter).to_dict(), json.loads(gold.read_text(encoding="utf-8")), str(letter),
                       str(gold)) for letter, gold in pairs)
    assert report.below(0.95) == [], format_table(report)


@pytest.mark.parametrize("letter", LETTERS, ids=lambda p: p.name)
def test_documents_reviewed_is_not_read(letter: Path) -> None:
    """Nothing is extracted from the list of documents reviewed: no diagnosis, treatment, item or citation."""
    record = extract_file(letter)
    documents = split_sections(record.text or "").get("documents")
    assert documents is not None

    def inside(span: tuple[int, int] | None) -> bool:
        return span is not None and documents.start <= span[0] < documents.end

    spans = [d.span for d in record.diagnoses] + [m.span for m in record.prior_treatment_mentions]
    spans += [m.span for m in record.specialty_mentions]
    for item in record.items:
        spans += [item.request_span, item.rationale_span]
        spans += [c.span for c in item.reviewer_guideline + item.claims_administrator_guideline]
    assert not any(inside(span) for span in spans)


def test_documents_heading_keeps_diagnoses_out() -> None:
    """The form's summary states no diagnosis; the documents list after it does, and must not be read as one."""
    text = read_letter(LAYOUTS_DIR / "CM17-0433517.txt").text
    assert _record(text).diagnoses == []
    unrecognised = text.replace("Documents Reviewed for Determination:", "Also on file:")
    assert [d.label for d in _record(unrecognised).diagnoses]  # without the heading, the list would be read


def test_docs_letter_documents_not_items() -> None:
    """The "determination-docs" letter's items are its two decisions, not the requests named in its documents."""
    record = extract_file(LAYOUTS_DIR / "CM13-0071234.txt")
    assert [i.request for i in record.items] == ["Synvisc injections x3 to the left knee",
                                                 "Unloader knee brace for the left knee"]
    assert "lumbar strain" not in {d.label for d in record.diagnoses}


def test_ambiguous_decision_is_empty_with_warning() -> None:
    """Wording that cannot be told leaves the decision empty and says why."""
    record = extract_file(AMBIGUOUS)
    assert record.layout == LAYOUT_PROFESSIONAL
    assert [i.decision for i in record.items] == [None]
    assert any(w.startswith("item 1: the determination wording is ambiguous") for w in record.warnings)
    assert any("has no decision" in e for e in record.errors)


def test_numbered_findings_in_docs_letters() -> None:
    """Numbered item headings that state the finding give the request and the decision."""
    record = extract_file(LAYOUTS_DIR / "CM13-0068840.txt")
    assert [(i.request, i.decision) for i in record.items] == [
        ("Norco 10/325 mg #90", "Overturned"),
        ("Eight sessions of physical therapy for the lumbar spine, two times a week for four weeks", "Upheld"),
        ("Tramadol ER 150 mg #30", "Upheld"),
    ]
    assert all(i.rationale and i.reviewer_guideline for i in record.items)


def test_form_items_get_their_own_citations() -> None:
    """In a form with several items, each guideline entry goes to the item it names; reasons are left out."""
    record = extract_file(LAYOUTS_DIR / "CM17-0458813.txt")
    assert [i.decision for i in record.items] == ["Overturned", "Upheld", "Overturned"]
    assert [[c.pages for c in i.reviewer_guideline] for i in record.items] == [["341-343"], ["340"], ["111-113"]]
    assert all("because" not in c.text and "addresses" not in c.text
               for i in record.items for c in i.reviewer_guideline)
    assert record.items[1].rationale is not None and "brace" in record.items[1].rationale
    assert "Voltaren" not in record.items[1].rationale


FORM = """MEDICAL PROFESSIONAL REVIEW

Case Number: CM17-0400001
Date of Injury: 01/02/2016

ISSUE AT DISPUTE:
Whether the request for six sessions of acupuncture is medically necessary.

CASE SUMMARY:
Diagnoses include cervicalgia.

MEDICAL TREATMENT GUIDELINE(S) RELIED UPON BY PROFESSIONAL REVIEWER AND WHY:
MTUS Acupuncture Medical Treatment Guidelines, page 8.

RATIONALE FOR WHY THE REQUESTED TREATMENT/SERVICE IS/WAS NOT MEDICALLY NECESSARY:
{rationale}

MEDICAL REVIEWER QUALIFICATIONS:
Board Certified in Physical Medicine and Rehabilitation.
"""


@pytest.mark.parametrize(("rationale", "decision", "warning"), [
    (("Acupuncture may be used as an adjunct. The request for six sessions of acupuncture is not medically "
      "necessary."), "Upheld", None),
    ("The request for six sessions of acupuncture is medically necessary and appropriate.", "Overturned", None),
    ("The issue is whether the request is medically necessary. The records are incomplete.", None, "no statement"),
    ("The request may be medically necessary if a home program is documented.", None, "ambiguous"),
    ("The request is certified with modification to four sessions.", None, "ambiguous"),
    (("The prior request for acupuncture was certified. The request for six sessions of acupuncture is not "
      "medically necessary."), "Upheld", "contradicts"),
])
def test_form_decision_wording(rationale: str, decision: str | None, warning: str | None) -> None:
    """"Not medically necessary" upholds, "medically necessary" overturns; the rest is warned, not guessed."""
    record = _record(FORM.format(rationale=rationale))
    assert record.layout == LAYOUT_PROFESSIONAL
    assert record.case_number == "CM17-0400001" and record.date_of_injury == "2016-01-02"
    assert [i.request for i in record.items] == ["six sessions of acupuncture"]
    assert record.items[0].decision == decision
    assert record.reviewer_specialties == ["Physical Medicine and Rehabilitation"]
    assert [(c.guideline_id, c.pages) for c in record.items[0].reviewer_guideline] == [("mtus-acupuncture", "8")]
    if warning:
        assert any(warning in w for w in record.warnings)
    else:
        assert not any(w.startswith("item 1:") and "decision" in w for w in record.warnings)


def test_wrapped_and_inline_headings() -> None:
    """Form labels may wrap over two lines, lack a colon, or have their text after the colon."""
    text = """Medical Professional Review

Issue at
Dispute: Is the request for an MRI of the
lumbar spine medically necessary?

Case Summary: Diagnoses include lumbago.

MEDICAL TREATMENT GUIDELINE(S) RELIED UPON BY
PROFESSIONAL REVIEWER AND WHY
ODG Low Back chapter, MRIs.

Rationale for Why the Requested Treatment/Service
Is/Was Not Medically Necessary: The MRI of the lumbar spine is not medically necessary.
"""
    parts = split_sections(text)
    assert parts.layout == LAYOUT_PROFESSIONAL
    assert [s.name for s in parts.sections] == ["form", "dispute", "summary", "guidelines", "rationale"]
    assert parts.body("summary").strip() == "Diagnoses include lumbago."
    record = _record(text)
    assert [(i.request, i.decision) for i in record.items] == [("MRI of the lumbar spine", "Upheld")]


def test_classify_statements() -> None:
    """One statement of medical necessity, read."""
    assert classify("the request for X is not medically necessary and appropriate") == "Upheld"
    assert classify("X is medically necessary") == "Overturned"
    assert classify("the utilization review decision is overturned") == "Overturned"
    assert classify("medical necessity has not been established") == "Upheld"
    assert classify("X is partially medically necessary") == "unclear"
    assert classify("the patient is improving") is None


def test_questions_are_not_decisions() -> None:
    """"Whether X is medically necessary" asks, it does not decide."""
    found = verdicts(statements("Whether the request for X is medically necessary."), [["X"]], 0)
    assert found == []
    assert conclude(found)[0] is None
