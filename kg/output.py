"""Writing records out: JSON lines and one CSV row per disputed item."""
from __future__ import annotations

import json
from typing import Any

from kg.record import CaseRecord, Citation

CSV_COLUMNS = (
    "case_number", "source", "date_assigned", "date_of_injury", "decision_date", "ur_denial_date",
    "application_received", "priority", "reviewer_specialties", "diagnoses", "icd10", "item", "request",
    "treatment", "category", "body_regions", "laterality", "quantity", "unit", "frequency", "duration",
    "decision", "claims_administrator_guideline", "reviewer_guideline", "errors",
)


def record_json(record: CaseRecord, include_text: bool = False) -> str:
    """One record as a single JSON line."""
    return json.dumps(record.to_dict(include_text=include_text), ensure_ascii=False)


def citation_text(citation: Citation) -> str:
    """A citation in one short readable string: guideline, chapter, topic, pages."""
    parts = [citation.guideline, citation.chapter, citation.topic]
    text = ", ".join(p for p in parts if p)
    return f"{text} p. {citation.pages}" if citation.pages else text


def item_rows(record: CaseRecord) -> list[dict[str, Any]]:
    """CSV rows for a record: one per item, or one row with the letter's facts and errors if it has none."""
    base: dict[str, Any] = {
        "case_number": record.case_number, "source": record.source, "date_assigned": record.date_assigned,
        "date_of_injury": record.date_of_injury, "decision_date": record.decision_date,
        "ur_denial_date": record.ur_denial_date, "application_received": record.application_received,
        "priority": record.priority, "reviewer_specialties": "; ".join(record.reviewer_specialties),
        "diagnoses": "; ".join(d.label for d in record.diagnoses),
        "icd10": "; ".join(d.icd10 or "" for d in record.diagnoses), "errors": " | ".join(record.errors),
    }
    if not record.items:
        return [base]
    rows = []
    for number, item in enumerate(record.items, 1):
        rows.append({
            **base, "item": number, "request": item.request, "treatment": item.treatment, "category": item.category,
            "body_regions": "; ".join(item.body_regions), "laterality": item.laterality, "quantity": item.quantity,
            "unit": item.unit, "frequency": item.frequency, "duration": item.duration, "decision": item.decision,
            "claims_administrator_guideline": " | ".join(citation_text(c) for c in item.claims_administrator_guideline),
            "reviewer_guideline": " | ".join(citation_text(c) for c in item.reviewer_guideline),
        })
    return rows


def format_table(names: list[str], rows: list[list[str]], max_width: int = 60) -> str:
    """A fixed-width text table with a header rule; long cells are cut with an ellipsis."""
    cut = [[c if len(c) <= max_width else c[: max_width - 1] + "\u2026" for c in row] for row in rows]
    widths = [max([len(n)] + [len(r[i]) for r in cut]) for i, n in enumerate(names)]
    lines = ["  ".join(n.ljust(w) for n, w in zip(names, widths)).rstrip(),
             "  ".join("-" * w for w in widths)]
    lines += ["  ".join(c.ljust(w) for c, w in zip(row, widths)).rstrip() for row in cut]
    lines.append(f"({len(rows)} row{'s' if len(rows) != 1 else ''})")
    return "\n".join(lines)
