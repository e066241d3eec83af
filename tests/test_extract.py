"""Every bundled letter extracts exactly as its gold file says, and records keep their contract."""
from __future__ import annotations

from pathlib import Path

import pytest

from kg import extract_file
from kg.evaluation import score_record
from kg.record import CATEGORIES, DECISIONS, record_from_dict
from tests.conftest import DATA_DIR, SEED, gold_pairs, load_gold

CONTRACT_KEYS = {
    "case_number", "source", "date_assigned", "date_of_injury", "decision_date", "ur_denial_date",
    "application_received", "priority", "reviewer_specialties", "diagnoses", "prior_treatments", "items",
    "errors", "warnings",
}
ITEM_KEYS = {
    "request", "treatment", "category", "body_regions", "laterality", "quantity", "unit", "frequency", "duration",
    "decision", "claims_administrator_guideline", "reviewer_guideline", "rationale",
}


@pytest.mark.parametrize(("letter", "gold"), gold_pairs(), ids=lambda p: p.name if isinstance(p, Path) else "")
def test_letter_matches_gold(letter: Path, gold: Path) -> None:
    """The record agrees with the gold file on every scored field."""
    record = extract_file(letter)
    result = score_record(record.to_dict(), load_gold(gold), str(letter), str(gold))
    assert result.mismatches == []
    assert record.errors == []


def test_bundled_letters_are_all_scored() -> None:
    """Every layout is represented: Markdown, both plain-text layouts and the PDF."""
    suffixes = sorted({letter.suffix for letter, _ in gold_pairs()})
    assert suffixes == [".md", ".pdf", ".txt"]
    assert len(gold_pairs()) == len(list(DATA_DIR.rglob("*.gold.json")))


def test_record_has_contract_keys() -> None:
    """The JSON line carries every key of the CaseRecord contract, with values from the fixed value sets."""
    data = extract_file(SEED).to_dict()
    assert CONTRACT_KEYS <= data.keys()
    assert "text" not in data
    for item in data["items"]:
        assert ITEM_KEYS <= item.keys()
        assert item["category"] in CATEGORIES
        assert item["decision"] in DECISIONS
        for citation in item["reviewer_guideline"]:
            assert {"guideline", "topic", "pages", "text"} <= citation.keys()
    assert data["diagnoses"] == [
        {"label": "cervicalgia", "icd10": "M54.2", "icd10_label": "Cervicalgia", "span": data["diagnoses"][0]["span"],
         "uncertain": False, "written": None}]


def test_seed_item_in_full() -> None:
    """The seed's one item, every field."""
    (item,) = extract_file(SEED).items
    assert item.request == "24 Massage therapy sessions for the cervical spine (neck), 2 times a month for 12 months"
    assert (item.treatment, item.category, item.body_regions, item.laterality) == (
        "massage therapy", "Physical Medicine", ["cervical spine"], None)
    assert (item.quantity, item.unit, item.frequency, item.duration) == (24, "session", "2 per month", "12 months")
    assert item.decision == "Upheld"
    assert [c.guideline for c in item.claims_administrator_guideline] == ["MTUS ACOEM Practice Guidelines"]
    (cited,) = item.reviewer_guideline
    assert (cited.guideline, cited.topic, cited.pages) == (
        "MTUS Chronic Pain Medical Treatment Guidelines", "Massage Therapy", "60")
    assert item.rationale.startswith("The CA MTUS guidelines state")
    assert item.rationale.endswith("is not medically necessary and is non-certified.")


def test_spans_point_at_their_words() -> None:
    """Provenance spans index the normalised text: each fact's span holds the words it came from."""
    record = extract_file(SEED)
    text = record.text
    assert text[slice(*record.field_spans["case_number"])] == "CM14-0166055"
    assert text[slice(*record.field_spans["decision_date"])] == "11/25/2014"
    (item,) = record.items
    assert text[slice(*item.request_span)] == item.request
    assert text[slice(*item.reviewer_guideline[0].span)].startswith("MTUS Chronic Pain")
    assert [text[slice(*m.span)] for m in record.specialty_mentions] == [
        "Physical Medicine and Rehabilitation", "Pain Medicine"]
    assert [text[slice(*m.span)] for m in record.prior_treatment_mentions] == record.prior_treatments


def test_json_round_trip() -> None:
    """A record rebuilt from its JSON form is equal to the original."""
    record = extract_file(SEED)
    assert record_from_dict(record.to_dict(include_text=True)) == record


def test_region_spans_point_at_region_words() -> None:
    """Each body region of an item is traced to its words in the letter."""
    record = extract_file(DATA_DIR / "dev" / "CM15-0157332.txt")
    item = record.items[0]
    assert [record.text[slice(*s)] for s in item.region_spans] == ["lumbar", "thoracic spine"]
