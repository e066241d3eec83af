"""`kg survey`: field shares, unmatched things and their example files, over hand-made records and real letters."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from kg.cli import cli
from kg.record import CaseRecord, Citation, Diagnosis, Item, Mention
from kg.survey import (
    ITEM_FIELDS,
    LETTER_FIELDS,
    UNMATCHED,
    Share,
    chaptered_guidelines,
    dates_out_of_order,
    format_table,
    normalise_warning,
    survey,
)
from tests.conftest import DATA_DIR, load_gold

REAL = Path(__file__).parents[2] / "shared" / "letters" / "real"
CHAPTERED = frozenset({"odg", "mtus-acoem"})


def _item(request: str, treatment_id: str | None = "x", **fields: object) -> Item:
    item = Item(request=request, decision="Upheld", treatment_id=treatment_id, rationale="Because.",
                claims_administrator_guideline=[Citation("MTUS (general)", "MTUS", "mtus")],
                reviewer_guideline=[Citation("MTUS (general)", "MTUS", "mtus")])
    for name, value in fields.items():
        setattr(item, name, value)
    return item


def _full(source: str, **fields: object) -> CaseRecord:
    """A record with every letter-level field found; ``fields`` override."""
    record = CaseRecord(
        source=source, case_number="CM16-0000001", date_of_injury="2010-01-01", ur_denial_date="2016-01-01",
        application_received="2016-01-10", date_assigned="2016-01-20", decision_date="2016-02-01",
        priority="Standard", reviewer_specialties=["Orthopedic Surgery"],
        diagnoses=[Diagnosis("low back pain", "M54.50")], prior_treatments=["physical therapy"],
        items=[_item("MRI of the lumbar spine")], layout="determination-2014")
    for name, value in fields.items():
        setattr(record, name, value)
    return record


def test_shares_of_letter_and_item_fields() -> None:
    """Each field's share counts the letters (or items) where it was found; files that are not letters are listed
    apart and do not count."""
    records = [
        _full("a.pdf"),
        _full("b.pdf", case_number=None, priority=None, diagnoses=[],
              items=[_item("Norco", decision=None), _item("Massage", treatment_id=None, rationale="  ",
                                                          claims_administrator_guideline=[])]),
        _full("c.pdf", reviewer_specialties=[], application_received=None),
        CaseRecord(source="d.pdf", errors=["d.pdf: not an IMR determination letter"]),
    ]
    report = survey(records, chaptered=CHAPTERED)
    assert (report.letters, report.with_errors, report.items) == (3, 0, 4)
    assert report.not_letters == ["d.pdf"]
    assert list(report.fields) == list(LETTER_FIELDS) and list(report.item_fields) == list(ITEM_FIELDS)
    assert report.fields["case_number"] == Share(2, 3)
    assert report.fields["priority"] == Share(2, 3)
    assert report.fields["application_received"] == Share(2, 3)
    assert report.fields["reviewer_specialties"] == Share(2, 3)
    assert report.fields["date_of_injury"] == Share(3, 3)
    assert report.fields["items"] == Share(3, 3)
    assert report.item_fields["decision"] == Share(3, 4)
    assert report.item_fields["treatment_matched"] == Share(3, 4)
    assert report.item_fields["claims_guideline_cited"] == Share(3, 4)
    assert report.item_fields["reviewer_guideline_cited"] == Share(4, 4)
    assert report.item_fields["rationale"] == Share(3, 4)
    assert report.errors[0].text == "FILE: not an IMR determination letter"
    assert report.errors[0].example == "d.pdf"


def test_unmatched_things_are_counted_with_their_first_file() -> None:
    """Unmatched headings, specialties, diagnoses and prior treatments: counted, grouped, first file kept."""
    records = [
        _full("a.pdf", items=[_item("Salonpas pad #60", treatment_id=None), _item("Norco 10/325")],
              specialty_mentions=[Mention("Orthopedic Surgery", "orthopedic-surgery"), Mention("education")],
              diagnoses=[Diagnosis("documented as cervicalgia"), Diagnosis("low back pain", "M54.50")],
              prior_treatment_mentions=[Mention("medications"), Mention("physical therapy", "physical-therapy")]),
        _full("b.pdf", items=[_item("salonpas  pad #60", treatment_id=None), _item("Wedge pillow", treatment_id=None)],
              specialty_mentions=[Mention("Education")], diagnoses=[Diagnosis("documented as cervicalgia")],
              prior_treatment_mentions=[Mention("medications"), Mention("rest")]),
    ]
    unmatched = survey(records, chaptered=CHAPTERED).unmatched
    assert set(unmatched) == set(UNMATCHED)
    assert [(f.text, f.count, f.example) for f in unmatched["item_headings"]] == [
        ("Salonpas pad #60", 2, "a.pdf"), ("Wedge pillow", 1, "b.pdf")]
    assert [(f.text, f.count, f.example) for f in unmatched["specialties"]] == [("education", 2, "a.pdf")]
    assert [(f.text, f.count) for f in unmatched["diagnoses"]] == [("documented as cervicalgia", 2)]
    assert [(f.text, f.count, f.example) for f in unmatched["prior_treatments"]] == [
        ("medications", 2, "a.pdf"), ("rest", 1, "b.pdf")]
    assert survey(records, top=1, chaptered=CHAPTERED).unmatched["item_headings"][0].text == "Salonpas pad #60"
    assert len(survey(records, top=1, chaptered=CHAPTERED).unmatched["item_headings"]) == 1


def test_citations_to_other_guidelines_or_without_chapter() -> None:
    """Other guideline citations, and ACOEM/ODG citations with neither chapter nor topic, are listed."""
    citations = [
        Citation("Other guideline", "www.aetna.com, Trigger point impedance imaging", "other"),
        Citation("ODG (Official Disability Guidelines)", "ODG", "odg"),
        Citation("ODG (Official Disability Guidelines)", "ODG Low Back Chapter", "odg", chapter="Low Back (ODG)"),
        Citation("MTUS ACOEM Practice Guidelines", "ACOEM, Surgical Considerations", "mtus-acoem",
                 topic="Surgical Considerations"),
        Citation("MTUS Chronic Pain Medical Treatment Guidelines", "MTUS Chronic Pain", "mtus-chronic-pain"),
    ]
    record = _full("a.pdf", items=[_item("MRI", claims_administrator_guideline=citations[:3],
                                         reviewer_guideline=citations[1:])])
    unmatched = survey([record], chaptered=CHAPTERED).unmatched
    assert [(f.text, f.count) for f in unmatched["other_guideline_citations"]] == [
        ("www.aetna.com, Trigger point impedance imaging", 1)]
    assert [(f.text, f.count, f.example) for f in unmatched["citations_without_chapter"]] == [("ODG", 2, "a.pdf")]
    assert CHAPTERED <= chaptered_guidelines()


def test_dates_out_of_order_compare_only_the_dates_present() -> None:
    """Dates in order are judged on letters with two or more dates; the first wrong pair is reported."""
    wrong = _full("late.pdf", ur_denial_date="2016-01-15", application_received="2016-01-10")
    gap = _full("gap.pdf", ur_denial_date=None, application_received=None, date_assigned=None)
    lonely = CaseRecord(source="one.pdf", decision_date="2016-01-01")
    skipping = CaseRecord(source="skip.pdf", date_of_injury="2016-03-01", decision_date="2016-02-01")
    report = survey([_full("ok.pdf"), wrong, gap, lonely, skipping], chaptered=CHAPTERED)
    assert report.dates_in_order == Share(2, 4)
    assert dates_out_of_order(wrong) == [("ur_denial_date", "application_received")]
    assert dates_out_of_order(skipping) == [("date_of_injury", "decision_date")]
    assert [(f.text, f.count, f.example) for f in report.unmatched["dates_out_of_order"]] == [
        ("date_of_injury after decision_date", 1, "skip.pdf"),
        ("ur_denial_date after application_received", 1, "late.pdf")]


def test_layouts_count_letters_without_one() -> None:
    """Layouts are counted, most frequent first, a missing layout included (as "none" in JSON)."""
    records = [_full("a.md"), _full("b.md"), _full("c.txt", layout="notice-2013"), CaseRecord(source="d.md")]
    report = survey(records, chaptered=CHAPTERED)
    assert report.layouts == {"determination-2014": 2, None: 1, "notice-2013": 1}
    data = json.loads(json.dumps(report.to_dict()))
    assert data["layouts"] == {"determination-2014": 2, "none": 1, "notice-2013": 1}
    assert data["fields"]["case_number"] == {"found": 3, "total": 4, "share": 0.75}


def test_similar_warnings_group_together() -> None:
    """Item numbers and quoted values are replaced, so one kind of warning is one row."""
    assert normalise_warning("item 12: treatment 'Tiger's balm 4%' is not in the treatment vocabulary") == \
        "item N: treatment '…' is not in the treatment vocabulary"
    records = [_full("a.pdf", warnings=["item 4: treatment 'Wedge pillow' is not in the treatment vocabulary",
                                        "application_received not found"]),
               _full("b.pdf", warnings=["item 1: treatment 'Urine Test' is not in the treatment vocabulary"])]
    warnings = survey(records, chaptered=CHAPTERED).unmatched["warnings"]
    assert [(f.text, f.count, f.example) for f in warnings] == [
        ("item N: treatment '…' is not in the treatment vocabulary", 2, "a.pdf"),
        ("application_received not found", 1, "a.pdf")]


def test_table_shows_shares_and_examples() -> None:
    """The text table has the totals, a line per field and the unmatched rows with their files."""
    records = [_full("a.pdf", items=[_item("Wedge pillow", treatment_id=None)]), _full("b.pdf", priority=None)]
    table = format_table(survey(records, chaptered=CHAPTERED))
    assert table.startswith("2 letters, 0 with errors, 2 disputed items")
    assert "  priority                     50.0%       1 / 2" in table
    assert "       1  Wedge pillow  [a.pdf]" in table
    assert "Layouts:\n       2  determination-2014" in table


def test_cli_survey_of_the_bundled_letters() -> None:
    """`kg survey letters/ --format json`: every bundled letter and item, and consistent unmatched counts."""
    result = CliRunner().invoke(cli, ["survey", str(DATA_DIR), "--format", "json", "--top", "50"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    golds = sorted(DATA_DIR.rglob("*.gold.json"))
    assert (data["letters"], data["with_errors"]) == (len(golds), 0) == (14, 0)
    assert data["items"] == sum(len(load_gold(g)["items"]) for g in golds)
    assert data["fields"]["case_number"] == {"found": 14, "total": 14, "share": 1.0}
    assert data["layouts"] == {"determination-2014": 12, "notice-2013": 2}
    assert data["dates_in_order"]["found"] == data["dates_in_order"]["total"] == 14
    headings = data["unmatched"]["item_headings"]
    assert data["item_fields"]["treatment_matched"]["found"] == data["items"] - sum(h["count"] for h in headings)
    assert all(Path(h["example"]).is_file() and Path(h["example"]).is_relative_to(DATA_DIR) for h in headings)
    assert "[14/14] letters read" in result.stderr
    table = CliRunner().invoke(cli, ["survey", str(DATA_DIR), "-q"])
    assert table.exit_code == 0 and table.stderr == ""
    assert table.stdout.startswith(f"14 letters, 0 with errors, {data['items']} disputed items")


def test_cli_survey_without_letters_is_a_usage_error(tmp_path: Path) -> None:
    """A folder with no letter files: exit 2 and a message naming it."""
    result = CliRunner().invoke(cli, ["survey", str(tmp_path)])
    assert result.exit_code == 2
    assert "no letter files" in result.stderr and str(tmp_path) in result.stderr


@pytest.fixture(scope="module")
def real_survey() -> dict:
    """`kg survey` over every real PDF letter, with two workers."""
    pdfs = sorted(REAL.rglob("*.pdf"))
    result = CliRunner().invoke(cli, ["survey", *map(str, pdfs), "--jobs", "2", "--top", "10",
                                      "--format", "json", "--quiet"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_survey_of_the_real_letters(real_survey: dict) -> None:
    """All 166 real letters are surveyed; shares, layouts and unmatched lists are well formed."""
    data = real_survey
    assert data["letters"] == 166 and 0 <= data["with_errors"] <= 166
    assert list(data["fields"]) == list(LETTER_FIELDS) and list(data["item_fields"]) == list(ITEM_FIELDS)
    for share in data["fields"].values():
        assert share["total"] == 166 and 0 <= share["found"] <= 166
        assert share["share"] == round(share["found"] / 166, 4)
    for share in data["item_fields"].values():
        assert share["total"] == data["items"] and 0 <= share["found"] <= data["items"]
    assert sum(data["layouts"].values()) == 166
    assert data["dates_in_order"]["total"] <= 166
    assert set(data["unmatched"]) == set(UNMATCHED)
    for found in [*data["unmatched"].values(), data["errors"]]:
        assert len(found) <= 10
        assert [f["count"] for f in found] == sorted((f["count"] for f in found), reverse=True)
        for entry in found:
            assert entry["count"] >= 1 and entry["text"]
            assert entry["example"].endswith(".pdf") and Path(entry["example"]).is_file()
