"""The CaseRecord contract: plain dataclasses passed from extraction to mapping, JSON-able.

Offsets (``span``) are character positions ``[start, end)`` in the letter's normalised text
(``LetterText.text``), which is stored with the graph so provenance can be shown.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

Span = tuple[int, int]

DATE_FIELDS = ("date_assigned", "date_of_injury", "decision_date", "ur_denial_date", "application_received")
HEADER_FIELDS = ("case_number",) + DATE_FIELDS + ("priority",)
CATEGORIES = (
    "Pharmaceuticals",
    "Physical Medicine",
    "Diagnostic Testing",
    "Imaging",
    "Surgery",
    "Injections",
    "DME",
    "Evaluation and Management",
    "Behavioral Health",
    "Home Health",
    "Programs",
    "Other",
)
DECISIONS = ("Upheld", "Overturned")


@dataclass
class Citation:
    """One guideline citation: which guideline, chapter, topic and pages, as written and where."""

    guideline: str
    text: str
    guideline_id: str | None = None
    chapter: str | None = None
    chapter_id: str | None = None
    topic: str | None = None
    pages: str | None = None
    edition: str | None = None  # "2004" (an MTUS document's year) or "3rd edition"
    span: Span | None = None


@dataclass
class Diagnosis:
    """A diagnosis as written in the letter, linked to the most specific ICD-10-CM code supported."""

    label: str
    icd10: str | None = None
    icd10_label: str | None = None
    span: Span | None = None
    uncertain: bool = False  # "possible ...", "rule out ...": not coded as a fact
    written: str | None = None  # the words as the letter spells them, when a misspelling was corrected


@dataclass
class Mention:
    """A vocabulary concept found in the text (prior treatment, specialty, body region)."""

    label: str
    concept_id: str | None = None
    span: Span | None = None


@dataclass
class Item:
    """One disputed item/service and the decision on it."""

    request: str
    decision: str | None = None
    original_request: str | None = None  # the whole request, when only a part of it was left for IMR
    treatment: str | None = None
    treatment_id: str | None = None
    category: str = "Other"
    body_regions: list[str] = field(default_factory=list)
    body_region_ids: list[str] = field(default_factory=list)
    region_spans: list[Span] = field(default_factory=list)
    laterality: str | None = None
    quantity: float | int | None = None
    unit: str | None = None
    frequency: str | None = None
    duration: str | None = None
    claims_administrator_guideline: list[Citation] = field(default_factory=list)
    reviewer_guideline: list[Citation] = field(default_factory=list)
    rationale: str | None = None
    span: Span | None = None
    request_span: Span | None = None
    rationale_span: Span | None = None
    field_sources: dict[str, str] = field(default_factory=dict)  # field → how it was found
    fallback_fields: list[str] = field(default_factory=list)  # fields found only by a fallback


@dataclass
class CaseRecord:
    """Everything extracted from one letter (the `kg extract` JSON line)."""

    source: str
    case_number: str | None = None
    date_assigned: str | None = None
    date_of_injury: str | None = None
    decision_date: str | None = None
    ur_denial_date: str | None = None
    application_received: str | None = None
    priority: str | None = None
    reviewer_specialties: list[str] = field(default_factory=list)
    reviewer_licensure: list[str] = field(default_factory=list)  # "State(s) of Licensure", as listed
    diagnoses: list[Diagnosis] = field(default_factory=list)
    prior_treatments: list[str] = field(default_factory=list)
    items: list[Item] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    layout: str | None = None
    format: str | None = None
    encoding: str | None = None
    sha256: str | None = None
    field_spans: dict[str, Span] = field(default_factory=dict)
    field_sources: dict[str, str] = field(default_factory=dict)  # field → how it was found
    fallback_fields: list[str] = field(default_factory=list)  # fields found only by a fallback, not where expected
    specialty_mentions: list[Mention] = field(default_factory=list)
    prior_treatment_mentions: list[Mention] = field(default_factory=list)
    text: str | None = None

    @property
    def ok(self) -> bool:
        """True when the letter was read and parsed without errors."""
        return not self.errors

    def to_dict(self, include_text: bool = False) -> dict[str, Any]:
        """The record as plain JSON-able values; the letter text only when asked for."""
        data = asdict(self)
        if not include_text:
            data.pop("text", None)
        return data


def citation_from_dict(data: dict[str, Any]) -> Citation:
    """Rebuild a Citation from its JSON form."""
    return Citation(**{**data, "span": _span(data.get("span"))})


def record_from_dict(data: dict[str, Any]) -> CaseRecord:
    """Rebuild a CaseRecord from its JSON form (the inverse of ``to_dict``)."""
    data = dict(data)
    data["diagnoses"] = [Diagnosis(**{**d, "span": _span(d.get("span"))}) for d in data.get("diagnoses", [])]
    data["specialty_mentions"] = [Mention(**{**m, "span": _span(m.get("span"))})
                                  for m in data.get("specialty_mentions", [])]
    data["prior_treatment_mentions"] = [Mention(**{**m, "span": _span(m.get("span"))})
                                        for m in data.get("prior_treatment_mentions", [])]
    items = []
    for raw in data.get("items", []):
        raw = dict(raw)
        for key in ("claims_administrator_guideline", "reviewer_guideline"):
            raw[key] = [citation_from_dict(c) for c in raw.get(key, [])]
        for key in ("span", "request_span", "rationale_span"):
            raw[key] = _span(raw.get(key))
        raw["region_spans"] = [_span(s) for s in raw.get("region_spans", [])]
        items.append(Item(**raw))
    data["items"] = items
    data["field_spans"] = {k: _span(v) for k, v in data.get("field_spans", {}).items()}
    return CaseRecord(**data)


def _span(value: Any) -> Span | None:
    return None if value is None else (int(value[0]), int(value[1]))
