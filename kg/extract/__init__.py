"""From a letter's normalised text to a CaseRecord: the one entry point is ``extract_record``."""
from __future__ import annotations

from kg.extract.findings import extract_numbered_items
from kg.extract.header import BY_LABEL_ELSEWHERE, BY_PROSE, extract_header
from kg.extract.items import extract_items
from kg.extract.review_form import extract_qualifications, extract_review_items
from kg.extract.reviewer import credentials_listed, extract_licensure, extract_specialties
from kg.extract.sections import (
    LAYOUT_DOCS,
    LAYOUT_NOTICE,
    LAYOUT_PROFESSIONAL,
    TITLE_SECTIONS,
    split_sections,
)
from kg.extract.summary import DIAGNOSIS_SOURCES, TREATMENT_SOURCES, read_diagnoses, read_prior_treatments
from kg.letters import LetterText
from kg.record import HEADER_FIELDS, CaseRecord

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
    values, spans, warnings, sources = extract_header(text, header_end)
    for name, value in values.items():
        setattr(record, name, value)
    record.field_spans = spans
    record.warnings.extend(warnings)
    # The 2013 notice states its dates in sentences: there a sentence is the expected place.
    fallbacks = {BY_LABEL_ELSEWHERE} | ({BY_PROSE} if parts.layout != LAYOUT_NOTICE else set())
    for name, how in sources.items():
        _source(record.field_sources, record.fallback_fields, name, how, how in fallbacks)

    reviewer = parts.get("reviewer")
    if reviewer is not None:
        read = extract_qualifications if parts.layout == LAYOUT_PROFESSIONAL else extract_specialties
        body = parts.body("reviewer")
        mentions, problems = read(body, reviewer.start)
        if mentions:
            _source(record.field_sources, record.fallback_fields, "reviewer_specialties",
                    "credentials list" if credentials_listed(body) else "reviewer statement", False)
        record.reviewer_licensure = extract_licensure(body)
        record.specialty_mentions = mentions
        record.reviewer_specialties = list(dict.fromkeys(m.label for m in mentions))
        record.warnings.extend(problems)
    else:
        record.warnings.append("no expert reviewer section found")

    summary = parts.get("summary")
    if summary is not None:
        body = parts.body("summary")
        record.diagnoses, found_by = read_diagnoses(body, summary.start)
        record.warnings.extend(f"diagnosis '{d.written}' read as '{d.label}' (spelling corrected)"
                               for d in record.diagnoses if d.written)
        if found_by:
            _source(record.field_sources, record.fallback_fields, "diagnoses", found_by,
                    found_by == DIAGNOSIS_SOURCES[-1])
        record.prior_treatment_mentions, found_by = read_prior_treatments(body, summary.start)
        record.prior_treatments = [m.label for m in record.prior_treatment_mentions]
        if found_by:
            _source(record.field_sources, record.fallback_fields, "prior_treatments", found_by,
                    found_by == TREATMENT_SOURCES[-1])
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
    for item in record.items:
        if "request" not in item.field_sources:
            item.field_sources["request"] = _ITEM_SOURCES.get(parts.layout or "", "item heading")
        if item.decision is not None and "decision" not in item.field_sources:
            item.field_sources["decision"] = "determination wording"
    _check(record, letter.source)
    return record


_ITEM_SOURCES = {LAYOUT_PROFESSIONAL: "issue at dispute", LAYOUT_DOCS: "numbered finding"}


def _source(sources: dict[str, str], fallbacks: list[str], name: str, how: str, fallback: bool) -> None:
    sources[name] = how
    if fallback and name not in fallbacks:
        fallbacks.append(name)


# The order a case's dates must follow: injury, UR denial, IMR application, assignment, decision.
_DATE_ORDER = ("date_of_injury", "ur_denial_date", "application_received", "date_assigned", "decision_date")


def _check(record: CaseRecord, source: str) -> None:
    """Errors for what a usable record cannot lack."""
    if record.case_number is None:
        record.errors.append(f"{source}: no case number found (expected e.g. 'Case Number: CM14-0166055')")
    if not record.items:
        record.errors.append(f"{source}: no disputed items found (the letter may be truncated before its decisions)")
    for number, item in enumerate(record.items, 1):
        if item.decision is None:
            record.errors.append(f"{source}: item {number} ('{item.request}') has no decision")
    for name in HEADER_FIELDS:
        if getattr(record, name) is None:
            record.warnings.append(f"{name} not found")
    dates = [(name, getattr(record, name)) for name in _DATE_ORDER if getattr(record, name)]
    for (first, early), (second, late) in zip(dates, dates[1:]):
        if early > late:
            record.warnings.append(f"dates out of order: {first} {early} is after {second} {late}")
    for name in record.fallback_fields:
        record.warnings.append(f"{name} found by a fallback ({record.field_sources[name]}), not where expected")
    for number, item in enumerate(record.items, 1):
        for name in item.fallback_fields:
            record.warnings.append(f"item {number}: {name} found by a fallback ({item.field_sources[name]})")
