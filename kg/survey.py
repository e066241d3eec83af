"""Surveying a corpus without gold: how often each field is found, and what the extractor did not understand.

This module owns the survey report: :func:`survey` folds CaseRecords into a :class:`Survey` (shares of
letters and items where each field was found, dates out of order, layouts, and the most frequent item
headings, specialties, citations, diagnoses, prior treatments and warnings that did not match the
vocabularies), and :func:`format_table` renders it as text. Reading the letters is the pipeline's job.
"""
from __future__ import annotations

import re
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from itertools import pairwise
from typing import Any

from kg.record import DATE_FIELDS, CaseRecord, Citation, Item

__all__ = ["Frequent", "Share", "Survey", "chaptered_guidelines", "dates_out_of_order", "format_table",
           "normalise_warning", "survey"]

LETTER_FIELDS = ("case_number",) + DATE_FIELDS + (
    "priority", "reviewer_specialties", "diagnoses", "prior_treatments", "items")
ITEM_FIELDS = ("decision", "treatment_matched", "claims_guideline_cited", "reviewer_guideline_cited",
               "rationale")
# The order dates must follow in a letter, earliest first.
DATE_ORDER = ("date_of_injury", "ur_denial_date", "application_received", "date_assigned", "decision_date")
UNMATCHED = {
    "item_headings": "Item headings whose treatment is not in the vocabulary",
    "specialties": "Reviewer specialties not in the vocabulary",
    "other_guideline_citations": 'Citations of "Other guideline"',
    "citations_without_chapter": "Citations without chapter or topic (guidelines that have chapters)",
    "diagnoses": "Diagnoses without an ICD-10-CM code",
    "prior_treatments": "Prior treatments not in the vocabulary",
    "warnings": "Warnings (item numbers and quoted values replaced)",
    "dates_out_of_order": "Dates out of order (first pair that is not)",
}
_QUOTED = re.compile(r"""(?<!\w)'[^\n]*?'(?!\w)|"[^"\n]*\"""")
_NUMBER = re.compile(r"\b\d+\b")
_WIDTH = 90


@dataclass(frozen=True)
class Share:
    """How many of ``total`` letters (or items) had something."""

    found: int
    total: int

    @property
    def share(self) -> float:
        """``found / total``, 0.0 when there is nothing to count."""
        return self.found / self.total if self.total else 0.0

    def to_dict(self) -> dict[str, Any]:
        """Count, total and share (rounded to four places)."""
        return {"found": self.found, "total": self.total, "share": round(self.share, 4)}


@dataclass(frozen=True)
class Frequent:
    """One thing that was not understood: its text, how often it occurred and the first file it came from."""

    text: str
    count: int
    example: str

    def to_dict(self) -> dict[str, Any]:
        """Text, count and example file."""
        return {"text": self.text, "count": self.count, "example": self.example}


@dataclass
class Survey:
    """What the extractor found in a corpus, field by field, and the most frequent things it did not match."""

    letters: int
    with_errors: int
    items: int
    fields: dict[str, Share]
    item_fields: dict[str, Share]
    dates_in_order: Share
    layouts: dict[str | None, int]
    unmatched: dict[str, list[Frequent]]
    top: int
    errors: list[Frequent] = field(default_factory=list)
    not_letters: list[str] = field(default_factory=list)  # files read that are not IMR letters (or not readable)
    fallbacks: dict[str, int] = field(default_factory=dict)  # field → letters where only a fallback found it

    def to_dict(self) -> dict[str, Any]:
        """The survey as plain JSON-able values (a missing layout is the key "none")."""
        return {
            "letters": self.letters,
            "with_errors": self.with_errors,
            "items": self.items,
            "fields": {name: share.to_dict() for name, share in self.fields.items()},
            "item_fields": {name: share.to_dict() for name, share in self.item_fields.items()},
            "dates_in_order": self.dates_in_order.to_dict(),
            "layouts": {_layout_name(name): count for name, count in self.layouts.items()},
            "errors": [f.to_dict() for f in self.errors],
            "unmatched": {name: [f.to_dict() for f in found] for name, found in self.unmatched.items()},
            "top": self.top,
            "not_letters": self.not_letters,
            "fallbacks": self.fallbacks,
        }


class _Tally:
    """Counts of texts grouped case- and space-insensitively, keeping the first spelling and file seen."""

    def __init__(self) -> None:
        self.counts: dict[str, int] = {}
        self.first: dict[str, tuple[str, str]] = {}

    def add(self, text: str, source: str) -> None:
        shown = " ".join(text.split())
        key = shown.casefold()
        self.counts[key] = self.counts.get(key, 0) + 1
        self.first.setdefault(key, (shown, source))

    def most_common(self, top: int) -> list[Frequent]:
        ranked = sorted(self.counts.items(), key=lambda pair: (-pair[1], pair[0]))[:top]
        return [Frequent(self.first[key][0], count, self.first[key][1]) for key, count in ranked]


def chaptered_guidelines() -> frozenset[str]:
    """Ids of the guidelines that have chapters in the guideline vocabulary (ACOEM, ODG)."""
    from kg.vocab import vocabulary

    return frozenset(parent for concept in vocabulary("guideline").concepts for parent in concept.broader)


def normalise_warning(warning: str) -> str:
    """A warning with quoted values replaced by '…' and numbers by N, so that similar warnings group."""
    return _NUMBER.sub("N", _QUOTED.sub("'…'", warning))


def dates_out_of_order(record: CaseRecord) -> list[tuple[str, str]]:
    """Consecutive present dates (in DATE_ORDER) where the earlier one is later: ``[(earlier, later)]``."""
    present = [(name, value) for name in DATE_ORDER if (value := getattr(record, name))]
    return [(a, b) for (a, first), (b, second) in pairwise(present) if first > second]


def survey(records: Iterable[CaseRecord], top: int = 20,
           chaptered: Collection[str] | None = None) -> Survey:
    """Fold records into a Survey; ``chaptered`` are the guideline ids expected to carry a chapter or topic."""
    chaptered = chaptered_guidelines() if chaptered is None else chaptered
    letters = with_errors = items = comparable = in_order = 0
    found = dict.fromkeys(LETTER_FIELDS, 0)
    item_found = dict.fromkeys(ITEM_FIELDS, 0)
    layouts: dict[str | None, int] = {}
    tallies = {name: _Tally() for name in UNMATCHED}
    errors = _Tally()
    not_letters: list[str] = []
    fallbacks: dict[str, int] = {}
    for record in records:
        source = record.source
        if record.layout is None and record.errors:
            # Not an IMR letter (or unreadable): listed apart, so that it does not lower the shares.
            not_letters.append(source)
            for error in record.errors:
                errors.add(normalise_warning(error.replace(source, "FILE")), source)
            continue
        letters += 1
        with_errors += bool(record.errors)
        for error in record.errors:
            errors.add(normalise_warning(error.replace(source, "FILE")), source)
        layouts[record.layout] = layouts.get(record.layout, 0) + 1
        for name in record.fallback_fields:
            fallbacks[name] = fallbacks.get(name, 0) + 1
        for name in LETTER_FIELDS:
            found[name] += bool(getattr(record, name))
        if sum(1 for name in DATE_ORDER if getattr(record, name)) >= 2:
            comparable += 1
            wrong = dates_out_of_order(record)
            in_order += not wrong
            if wrong:
                tallies["dates_out_of_order"].add(f"{wrong[0][0]} after {wrong[0][1]}", source)
        for item in record.items:
            items += 1
            for name, ok in _item_facts(item).items():
                item_found[name] += ok
            if item.treatment_id is None:
                tallies["item_headings"].add(item.request, source)
            for citation in item.claims_administrator_guideline + item.reviewer_guideline:
                kind = _citation_problem(citation, chaptered)
                if kind:
                    tallies[kind].add(citation.text, source)
        for mention in record.specialty_mentions:
            if mention.concept_id is None:
                tallies["specialties"].add(mention.label, source)
        for diagnosis in record.diagnoses:
            if diagnosis.icd10 is None:
                tallies["diagnoses"].add(diagnosis.label, source)
        for mention in record.prior_treatment_mentions:
            if mention.concept_id is None:
                tallies["prior_treatments"].add(mention.label, source)
        for warning in record.warnings:
            tallies["warnings"].add(normalise_warning(warning), source)
    return Survey(
        letters=letters, with_errors=with_errors, items=items,
        fields={name: Share(count, letters) for name, count in found.items()},
        item_fields={name: Share(count, items) for name, count in item_found.items()},
        dates_in_order=Share(in_order, comparable),
        layouts=dict(sorted(layouts.items(), key=lambda pair: (-pair[1], _layout_name(pair[0])))),
        unmatched={name: tally.most_common(top) for name, tally in tallies.items()},
        top=top, errors=errors.most_common(top), not_letters=not_letters, fallbacks=dict(sorted(fallbacks.items())))


def _item_facts(item: Item) -> dict[str, bool]:
    return {
        "decision": item.decision is not None,
        "treatment_matched": item.treatment_id is not None,
        "claims_guideline_cited": bool(item.claims_administrator_guideline),
        "reviewer_guideline_cited": bool(item.reviewer_guideline),
        "rationale": bool(item.rationale and item.rationale.strip()),
    }


def _citation_problem(citation: Citation, chaptered: Collection[str]) -> str | None:
    if citation.guideline_id == "other" or citation.guideline == "Other guideline":
        return "other_guideline_citations"
    if citation.guideline_id in chaptered and not citation.chapter and not citation.topic:
        return "citations_without_chapter"
    return None


def _layout_name(layout: str | None) -> str:
    return "none" if layout is None else layout


def _clip(text: str, width: int = _WIDTH) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def _share_line(name: str, share: Share) -> str:
    return f"  {name:<26} {100 * share.share:6.1f}%  {share.found:>6} / {share.total}"


def format_table(report: Survey) -> str:
    """The survey as a readable text report: shares per field, layouts, then the unmatched lists."""
    lines = [f"{report.letters} letters, {report.with_errors} with errors, {report.items} disputed items"]
    if report.not_letters:
        shown = ", ".join(report.not_letters[:5]) + (" ..." if len(report.not_letters) > 5 else "")
        lines.append(f"{len(report.not_letters)} files are not IMR letters and are not counted: {shown}")
    lines += ["", "Letters where the field was found:"]
    lines += [_share_line(name, share) for name, share in report.fields.items()]
    if report.fallbacks:
        lines += ["", "Letters where a field was found only by a fallback:"]
        lines += [f"  {name:<26} {count:>6}" for name, count in report.fallbacks.items()]
    lines += ["", "Items where the field was found:"]
    lines += [_share_line(name, share) for name, share in report.item_fields.items()]
    lines += ["", "Letters with two or more dates, in order:",
              _share_line("dates_in_order", report.dates_in_order)]
    lines += _frequent_lines(UNMATCHED["dates_out_of_order"], report.unmatched["dates_out_of_order"], report.top)
    lines += ["", "Layouts:"] + [f"  {count:>6}  {_layout_name(name)}" for name, count in report.layouts.items()]
    lines += _frequent_lines("Errors (file name replaced)", report.errors, report.top)
    for name, title in UNMATCHED.items():
        if name != "dates_out_of_order":
            lines += _frequent_lines(title, report.unmatched[name], report.top)
    return "\n".join(lines)


def _frequent_lines(title: str, found: list[Frequent], top: int) -> list[str]:
    return ["", f"{title} (top {top}):",
            *([f"  {f.count:>6}  {_clip(f.text)}  [{f.example}]" for f in found] or ["  (none)"])]
