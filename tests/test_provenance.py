"""Every extracted value says how it was found, and incomplete extractions say so in warnings and in the graph."""
from __future__ import annotations

from rdflib import Literal

from kg.extract import extract_record
from kg.letters import read_bytes
from kg.namespaces import IMR
from kg.rdf.mapping import record_to_graph
from kg.record import CaseRecord
from tests.conftest import ROOT, SEED

SEED_TEXT = SEED.read_text(encoding="utf-8")


def _extract(text: str) -> CaseRecord:
    return extract_record(read_bytes(text.encode("utf-8"), "letter.md", ".md"))


def test_seed_fields_come_from_their_expected_places() -> None:
    """The seed's header values come from header labels and nothing was found by a fallback."""
    record = _extract(SEED_TEXT)
    assert {record.field_sources[name] for name in ("case_number", "date_of_injury", "application_received")} == {
        "header label"}
    assert record.field_sources["reviewer_specialties"] == "reviewer statement"
    assert record.field_sources["diagnoses"] == "diagnosis statement"
    assert record.field_sources["prior_treatments"] == "treatment history statement"
    assert record.fallback_fields == []
    assert record.items[0].field_sources == {"request": "item heading", "decision": "item heading"}
    assert not any("not found" in w or "fallback" in w for w in record.warnings)


def test_a_date_read_from_a_sentence_is_a_fallback_with_a_warning() -> None:
    """Without its header label, the date of injury is read from the summary's sentence, marked as a fallback."""
    text = SEED_TEXT.replace("<b>Date of Injury:</b>\t09/15/1997", "").replace(
        "sustained a remote industrial injury on 09/15/1997", "sustained a remote industrial injury on 09/15/1997")
    record = _extract(text)
    assert record.date_of_injury == "1997-09-15"
    assert record.field_sources["date_of_injury"] == "sentence in the letter"
    assert record.fallback_fields == ["date_of_injury"]
    assert any(w.startswith("date_of_injury found by a fallback (sentence in the letter)") for w in record.warnings)


def test_missing_header_field_and_dates_out_of_order_are_warned() -> None:
    """A header field that is not there, and dates in an impossible order, give warnings (the value stays empty)."""
    text = SEED_TEXT.replace("<b>Application Received:</b>\t10/08/2014", "").replace(
        "<b>UR Denial Date:</b>\t10/03/2014", "<b>UR Denial Date:</b>\t10/03/1996")
    record = _extract(text)
    assert record.application_received is None
    assert "application_received not found" in record.warnings
    assert "dates out of order: date_of_injury 1997-09-15 is after ur_denial_date 1996-10-03" in record.warnings


def test_a_decision_read_from_the_rationale_is_a_fallback() -> None:
    """In a 2013 notice whose numbered findings are gone, each item's decision comes from the conclusion of its
    rationale: recorded as a fallback, with a warning."""
    notice = (ROOT / "letters" / "dev" / "CM13-0009871.txt").read_text(encoding="utf-8")
    with_findings = extract_record(read_bytes(notice.encode(), "notice.txt", ".txt"))
    assert with_findings.items[0].field_sources["decision"] == "numbered finding"
    without = notice.replace("has determined the request for", "has reviewed the request for")
    record = extract_record(read_bytes(without.encode(), "notice.txt", ".txt"))
    first = record.items[0]
    assert first.decision == with_findings.items[0].decision
    assert first.field_sources["decision"] == "conclusion of the rationale"
    assert first.fallback_fields == ["decision"]
    assert "item 1: decision found by a fallback (conclusion of the rationale)" in record.warnings


def test_field_sources_reach_the_graph() -> None:
    """Each field source becomes an imr:FieldSource node with the field's name, the method and the fallback flag."""
    text = SEED_TEXT.replace("<b>Date of Injury:</b>\t09/15/1997", "")
    graph = record_to_graph(_extract(text))
    fallbacks = {str(graph.value(node, IMR.fieldName)) for node in graph.subjects(IMR.fallback, Literal(True))}
    assert fallbacks == {"date_of_injury"}
    methods = {str(m) for m in graph.objects(None, IMR.method)}
    assert {"header label", "sentence in the letter", "item heading"} <= methods
    assert any("found by a fallback" in str(w) for w in graph.objects(None, IMR.warning))
