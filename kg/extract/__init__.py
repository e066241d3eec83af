"""From a letter's normalised text to a CaseRecord: the one entry point is ``extract_record``."""
from __future__ import annotations

from kg.extract.findings import extract_numbered_items
from kg.extract.header import extract_header
from kg.extract.items import extract_items
from kg.extract.review_form import extract_qualifications, extract_review_items
from kg.extract.reviewer import extract_specialties
from kg.extract.sections import (
    LAYOUT_DOCS,
    LAYOUT_NOTICE,
    LAYOUT_PROFESSIONAL,
    TITLE_SECTIONS,
    split_sections,
)
from kg.extract.summary import extract_diagnoses, extract_prior_treatments
from kg.letters import LetterText
from kg.record import CaseRecord

__all__ = ["extract_record"]


def extract_record(letter: LetterText) -> CaseRecord:
    """Every field of the CaseRecord contract that the letter states; problems go to errors and warnings."""
    text = letter.text
    record = CaseRecord(source=letter.source, format=letter.format, encoding=letter.encoding, sha256=letter.sha256,
                        text=text)
    parts = split_sections(text)
    record.layout = parts.layout
    if parts.layout is None:
        record.errors.append(f"{letter.source}: not an IMR determination letter (none of its section headings found)")
        return record
    body_starts = [s.start for s in parts.sections if s.name not in TITLE_SECTIONS]
    header_end = min(body_starts) if body_starts else len(text)
    values, spans, warnings = extract_header(text, header_end)
    for name, value in values.items():
        setattr(record, name, value)
    record.field_spans = spans
    record.warnings.extend(warnings)

    reviewer = parts.get("reviewer")
    if reviewer is not None:
        read = extract_qualifications if parts.layout == LAYOUT_PROFESSIONAL else extract_specialties
        mentions, problems = read(parts.body("reviewer"), reviewer.start)
        record.specialty_mentions = mentions
        record.reviewer_specialties = list(dict.fromkeys(m.label for m in mentions))
        record.warnings.extend(problems)
    else:
        record.warnings.append("no expert reviewer section found")

    summary = parts.get("summary")
    if summary is not None:
        record.diagnoses = extract_diagnoses(parts.body("summary"), summary.start)
        record.prior_treatment_mentions = extract_prior_treatments(parts.body("summary"), summary.start)
        record.prior_treatments = [m.label for m in record.prior_treatment_mentions]
    else:
        record.warnings.append("no clinical case summary found")

    issues = parts.get("issues")
    if parts.layout == LAYOUT_PROFESSIONAL:
        record.items, problems = extract_review_items(parts)
        record.warnings.extend(problems)
    elif issues is not None:
        items, problems = extract_items(text, issues.start, issues.end, parts.layout == LAYOUT_NOTICE)
        if not items and parts.layout == LAYOUT_DOCS:
            items, problems = extract_numbered_items(text, issues.start, issues.end)
        record.items = items
        record.warnings.extend(problems)
    _check(record, letter.source)
    return record


def _check(record: CaseRecord, source: str) -> None:
    """Errors for what a usable record cannot lack."""
    if record.case_number is None:
        record.errors.append(f"{source}: no case number found (expected e.g. 'Case Number: CM14-0166055')")
    if not record.items:
        record.errors.append(f"{source}: no disputed items found (the letter may be truncated before its decisions)")
    for number, item in enumerate(record.items, 1):
        if item.decision is None:
            record.errors.append(f"{source}: item {number} ('{item.request}') has no decision")
    for name in ("decision_date", "date_of_injury"):
        if getattr(record, name) is None:
            record.warnings.append(f"{name} not found")
