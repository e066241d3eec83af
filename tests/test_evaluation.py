"""Scoring extracted records against the gold files beside the letters."""
from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from kg.evaluation import (FIELDS, EvalReport, FieldScore, evaluate, find_gold_letters, format_table,
                           gold_path_for, load_gold, score_record)
from kg.evaluation_match import match_phrases, normalise, normalise_pages
from kg.record import CaseRecord, Citation, Diagnosis, Item

LETTERS = Path(__file__).resolve().parent.parent / "letters"
GOLD_FILES = sorted(LETTERS.glob("*/*.gold.json"))

MISS = (-1, 0, 1)   # a correct value turned into a missing one
WRONG = (-1, 1, 1)  # a correct value turned into a wrong one
EXTRA = (0, 1, 0)   # a prediction the gold does not have


def record_from_gold(gold: dict[str, Any]) -> dict[str, Any]:
    """A record (``CaseRecord.to_dict()``) that says exactly what the gold file says."""
    items = []
    for g in gold.get("items", []):
        items.append(Item(
            request=g["request"],
            decision=g["decision"],
            treatment=g["treatment_any"][0] if g["treatment_any"] else None,
            category=g["category"],
            body_regions=[f"{region} region" for region in g["body_regions_all"]],
            laterality=g["laterality"],
            quantity=g["quantity"],
            claims_administrator_guideline=(
                [Citation(guideline=" ".join(g["claims_guideline_contains"]), text="as cited")]
                if g["claims_guideline_contains"] else []),
            reviewer_guideline=[
                Citation(guideline=" ".join(c["contains"]), text="as cited",
                         topic=c["topic_any"][0] if c["topic_any"] else None, pages=c["pages"])
                for c in g["reviewer_guidelines"]],
        ))
    record = CaseRecord(
        source=f"{gold['case_number']}.md",
        **{name: gold[name] for name in FIELDS[:7]},
        reviewer_specialties=list(gold["reviewer_specialties"]),
        diagnoses=[Diagnosis(label=d["text"], icd10=d["icd10"]) for d in gold["diagnoses"]],
        prior_treatments=list(gold["prior_treatments"]),
        items=items,
    )
    return record.to_dict()


def _gold(name: str) -> dict[str, Any]:
    return load_gold(next(p for p in GOLD_FILES if p.name == f"{name}.gold.json"))


def _counts(score: FieldScore) -> tuple[int, int, int]:
    return score.tp, score.fp, score.fn


def assert_only_changed(gold: dict[str, Any], record: dict[str, Any],
                        changes: dict[str, tuple[int, int, int]]) -> list[str]:
    """Score ``record``; check each field differs from a perfect record's score by exactly ``changes``."""
    perfect = score_record(record_from_gold(gold), gold).scores
    result = score_record(record, gold)
    assert result.scores.keys() == perfect.keys()
    for name, score in perfect.items():
        delta = changes.get(name, (0, 0, 0))
        expected = tuple(base + d for base, d in zip(_counts(score), delta))
        assert _counts(result.scores[name]) == expected, name
    return result.mismatches


def test_find_gold_letters_in_the_repository() -> None:
    """All 14 letters with a gold file are found, the PDF included, sorted and paired with their gold."""
    pairs = find_gold_letters([LETTERS])
    assert len(pairs) == 14
    assert pairs == sorted(pairs)
    assert any(letter.suffix == ".pdf" for letter, _ in pairs)
    for letter, gold in pairs:
        assert gold == letter.with_name(letter.stem + ".gold.json")
        assert gold.is_file()


def test_find_gold_letters_skips_unsupported_and_goldless(tmp_path: Path) -> None:
    """Letters without gold and files of unsupported types are skipped; files may be given directly."""
    (tmp_path / "sub").mkdir()
    for name in ("a.md", "a.gold.json", "sub/b.HTML", "sub/b.gold.json", "c.txt", "d.docx", "d.gold.json"):
        (tmp_path / name).write_text("x", encoding="utf-8")
    assert [p.name for p, _ in find_gold_letters([tmp_path])] == ["a.md", "b.HTML"]
    assert find_gold_letters([tmp_path / "a.md", tmp_path / "a.md"]) == [
        (tmp_path / "a.md", tmp_path / "a.gold.json")]
    assert gold_path_for(tmp_path / "c.txt") is None
    assert gold_path_for(tmp_path / "a.md") == tmp_path / "a.gold.json"


@pytest.mark.parametrize("gold_path", GOLD_FILES, ids=[p.stem.replace(".gold", "") for p in GOLD_FILES])
def test_perfect_record_scores_one_everywhere(gold_path: Path) -> None:
    """A record saying exactly what the gold says has precision and recall 1.0 in every field."""
    gold = load_gold(gold_path)
    result = score_record(record_from_gold(gold), gold, "letter", str(gold_path))
    assert result.mismatches == []
    assert set(result.scores) == set(FIELDS)
    for name, score in result.scores.items():
        assert (score.precision, score.recall, score.f1) == (1.0, 1.0, 1.0), name
        assert score.fp == score.fn == 0, name
    assert result.scores["item_count"].tp == 1
    assert result.gold_path == str(gold_path)


def _set(path: str, value: Any) -> Callable[[dict], None]:
    def change(record: dict) -> None:
        *keys, last = path.split(".")
        target: Any = record
        for key in keys:
            target = target[int(key)] if key.isdigit() else target[key]
        target[int(last) if last.isdigit() else last] = value
    return change


def _append(path: str, value: Any) -> Callable[[dict], None]:
    def change(record: dict) -> None:
        target: Any = record
        for key in path.split("."):
            target = target[int(key)] if key.isdigit() else target[key]
        target.append(value)
    return change


def _drop_item(index: int) -> Callable[[dict], None]:
    return lambda record: record["items"].pop(index)


EXTRA_ITEM = {"request": "Lidoderm patches #30", "treatment": "lidocaine", "category": "Pharmaceuticals",
              "body_regions": [], "laterality": None, "quantity": 30, "decision": "Upheld",
              "claims_administrator_guideline": [],
              "reviewer_guideline": [{"guideline": "MTUS", "text": "MTUS", "chapter": None,
                                      "topic": "Lidoderm", "pages": "56-57"}]}

ERRORS = [
    pytest.param("CM13-0034812", _set("date_of_injury", "2011-05-17"), {"date_of_injury": WRONG},
                 id="wrong-date"),
    pytest.param("CM13-0034812", _set("ur_denial_date", None), {"ur_denial_date": MISS}, id="missing-date"),
    pytest.param("CM13-0034812", _set("priority", "standard"), {"priority": WRONG}, id="priority-case"),
    pytest.param("CM14-0087231", _append("reviewer_specialties", "Neurology"),
                 {"reviewer_specialties": EXTRA}, id="extra-specialty"),
    pytest.param("CM14-0087231", _set("reviewer_specialties", ["ANESTHESIOLOGY", "pain medicine"]), {},
                 id="specialty-case-ignored"),
    pytest.param("CM14-0087231", _set("diagnoses.1.icd10", "M51.27"), {"icd10": WRONG}, id="wrong-icd10"),
    pytest.param("CM14-0087231", _set("diagnoses.1.label", "disc protrusion at L4-5"), {},
                 id="diagnosis-contained"),
    pytest.param("CM14-0087231", _set("diagnoses.1.label", "disc herniation"), {"diagnoses": WRONG},
                 id="wrong-diagnosis"),
    pytest.param("CM14-0087231", _set("prior_treatments.3", "NSAID"), {}, id="prior-treatment-singular"),
    pytest.param("CM14-0087231", _set("prior_treatments.3", "muscle relaxants"), {"prior_treatments": WRONG},
                 id="wrong-prior-treatment"),
    pytest.param("CM13-0009871", _drop_item(1),
                 {"item_count": WRONG, "request": MISS, "treatment": MISS, "category": MISS,
                  "body_regions": MISS, "laterality": MISS, "quantity": MISS, "decision": MISS,
                  "claims_guideline": MISS, "reviewer_guideline": MISS, "reviewer_topic": MISS,
                  "reviewer_pages": MISS}, id="missing-item"),
    pytest.param("CM13-0009871", _append("items", EXTRA_ITEM),
                 {"item_count": WRONG, "request": EXTRA, "treatment": EXTRA, "category": EXTRA,
                  "quantity": EXTRA, "decision": EXTRA, "reviewer_guideline": EXTRA, "reviewer_topic": EXTRA,
                  "reviewer_pages": EXTRA}, id="extra-item"),
    pytest.param("CM14-0087231", _set("items.0.treatment", "oxycodone"), {"treatment": WRONG},
                 id="wrong-treatment"),
    pytest.param("CM14-0087231", _set("items.0.quantity", 120.0), {}, id="quantity-float-equal"),
    pytest.param("CM14-0087231", _set("items.0.quantity", 90), {"quantity": WRONG}, id="wrong-quantity"),
    pytest.param("CM14-0087231", _set("items.0.laterality", "left"), {"laterality": EXTRA},
                 id="laterality-not-in-gold"),
    pytest.param("CM14-0087231", _set("items.2.decision", "Overturned"), {"decision": WRONG},
                 id="wrong-decision"),
    pytest.param("CM14-0087231", _set("items.0.category", "Other"), {"category": WRONG}, id="wrong-category"),
    pytest.param("CM15-0157332", _set("items.0.body_regions", ["lumbar spine"]), {"body_regions": MISS},
                 id="missing-body-region"),
    pytest.param("CM15-0157332", _append("items.0.body_regions", "knee"), {"body_regions": EXTRA},
                 id="extra-body-region"),
    pytest.param("CM14-0087231", _set("items.1.reviewer_guideline.0.pages", "47"), {"reviewer_pages": WRONG},
                 id="wrong-reviewer-pages"),
    pytest.param("CM14-0087231", _set("items.0.reviewer_guideline.0.pages", "74 \u2013 96"), {},
                 id="reviewer-pages-dash-spacing"),
    pytest.param("CM14-0087231", _set("items.0.reviewer_guideline.0.topic", "NSAIDs"),
                 {"reviewer_topic": WRONG},
                 id="wrong-reviewer-topic"),
    pytest.param("CM14-0087231", _set("items.0.reviewer_guideline.0.guideline", "ODG"),
                 {"reviewer_guideline": WRONG}, id="wrong-reviewer-guideline"),
    pytest.param("CM15-0157332", _set("items.1.reviewer_guideline.0.chapter", "Acupuncture Treatment"),
                 {}, id="chapter-allowed-without-topic"),
    pytest.param("CM15-0157332", _set("items.1.reviewer_guideline.0.topic", "Acupuncture"),
                 {"reviewer_topic": EXTRA}, id="topic-when-gold-has-none"),
    pytest.param("CM14-0087231", _set("items.2.reviewer_guideline", []),
                 {"reviewer_guideline": (-2, 0, 2), "reviewer_topic": (-2, 0, 2), "reviewer_pages": MISS},
                 id="missing-reviewer-citations"),
    pytest.param("CM13-0034812", _set("items.2.claims_administrator_guideline",
                                      [{"guideline": "MTUS", "text": "MTUS Chronic Pain"}]),
                 {"claims_guideline": EXTRA}, id="claims-citation-not-in-gold"),
    pytest.param("CM13-0034812", _set("items.0.claims_administrator_guideline", []),
                 {"claims_guideline": MISS}, id="missing-claims-citation"),
    pytest.param("CM13-0034812", _set("items.0.claims_administrator_guideline",
                                      [{"guideline": "ODG", "text": "ODG Neck"}]),
                 {"claims_guideline": WRONG}, id="wrong-claims-citation"),
]


@pytest.mark.parametrize("name, change, changes", ERRORS)
def test_each_error_lowers_only_its_field(name: str, change: Callable[[dict], None],
                                          changes: dict[str, tuple[int, int, int]]) -> None:
    """One kind of mistake changes exactly the expected field's counts and is reported as a mismatch."""
    gold = _gold(name)
    record = record_from_gold(gold)
    change(record)
    mismatches = assert_only_changed(gold, record, changes)
    assert bool(mismatches) == bool(changes)


def test_mismatch_message_is_readable() -> None:
    """A wrong treatment is described with the item number, the accepted values and the prediction."""
    gold = _gold("CM14-0087231")
    record = record_from_gold(gold)
    record["items"][0]["treatment"] = "oxycodone"
    assert score_record(record, gold).mismatches == [
        "item 1 treatment: expected any of ['norco', 'hydrocodone'], got 'oxycodone'"]


@pytest.mark.parametrize("order", [[2, 1, 0], [1, 2, 0], [2, 0, 1]], ids=["reversed", "rotated", "shuffled"])
def test_item_alignment_survives_reordering(order: list[int]) -> None:
    """Items predicted in another order are aligned by their requests and still score perfectly."""
    gold = _gold("CM14-0021934")
    record = record_from_gold(gold)
    record["items"] = [record["items"][i] for i in order]
    result = score_record(record, gold)
    assert result.mismatches == []
    assert all(s.fp == s.fn == 0 for s in result.scores.values())


def test_item_alignment_tolerates_reworded_requests() -> None:
    """A reordered item with a slightly reworded request is still aligned: only "request" is wrong."""
    gold = _gold("CM14-0142876")
    record = record_from_gold(gold)
    record["items"][2]["request"] = "Cold therapy unit for right wrist (purchase only)"
    record["items"].reverse()
    assert_only_changed(gold, record, {"request": WRONG})


def test_unscored_fields_are_left_out() -> None:
    """A gold key that is missing, or an empty treatment_any, means the field is not scored."""
    gold = copy.deepcopy(_gold("CM14-0087231"))
    del gold["priority"], gold["diagnoses"]
    gold["items"][0]["treatment_any"] = []
    record = record_from_gold(_gold("CM14-0087231"))
    record["priority"] = "Urgent"
    record["items"][0]["treatment"] = "anything"
    scores = score_record(record, gold).scores
    assert "priority" not in scores and "diagnoses" not in scores and "icd10" not in scores
    assert _counts(scores["treatment"]) == (2, 0, 0)


def test_below_lists_fields_under_the_threshold() -> None:
    """`below` names exactly the fields whose precision or recall falls under the minimum."""
    golds = [load_gold(p) for p in GOLD_FILES]
    records = [record_from_gold(g) for g in golds]
    records[0]["date_of_injury"] = "1900-01-01"
    records[1]["reviewer_specialties"].append("Dermatology")
    report = evaluate((r, g, f"letter{i}", "") for i, (r, g) in enumerate(zip(records, golds)))
    assert report.below(0.98) == ["date_of_injury", "reviewer_specialties"]
    assert report.below(0.5) == []
    assert report.totals["reviewer_specialties"].recall == 1.0


def test_evaluate_table_and_dict() -> None:
    """Perfect records give micro F1 1.0, a table with every field, and a JSON-able dict."""
    golds = [load_gold(p) for p in GOLD_FILES]
    report = evaluate((record_from_gold(g), g, g["case_number"], str(p)) for g, p in zip(golds, GOLD_FILES))
    assert isinstance(report, EvalReport) and list(report.totals) == list(FIELDS)
    assert report.micro.f1 == 1.0 and report.below(1.0) == []
    table = format_table(report)
    lines = table.splitlines()
    assert lines[0].split() == ["field", "tp", "fp", "fn", "precision", "recall", "f1"]
    assert [line.split()[0] for line in lines[2:2 + len(FIELDS)]] == list(FIELDS)
    assert "all fields (micro)" in table and lines[-1] == "letters: 14"
    assert "1.000" in lines[2]
    data = json.loads(json.dumps(report.to_dict()))
    assert data["letter_count"] == 14 and data["totals"]["item_count"]["tp"] == 14


def test_field_score_rates() -> None:
    """Precision and recall are 1.0 with nothing to count; F1 is their harmonic mean."""
    assert (FieldScore("x").precision, FieldScore("x").recall) == (1.0, 1.0)
    score = FieldScore("x", tp=1, fp=1, fn=3)
    assert (score.precision, score.recall) == (0.5, 0.25)
    assert score.f1 == pytest.approx(1 / 3)
    assert FieldScore("x", fp=1, fn=1).f1 == 0.0


@pytest.mark.parametrize("raw, expected", [
    ("The Right  lateral epicondylitis.", "right lateral epicondylitis"),
    ("post-laminectomy syndrome, lumbar", "post-laminectomy syndrome lumbar"),
    ("de Quervain\u2019s tenosynovitis", "de quervains tenosynovitis"),
    ("EMG/NCV - upper extremities", "emg ncv upper extremities"),
    ("an MRI", "mri"),
], ids=["article-and-period", "inner-hyphen", "apostrophe", "slash-and-loose-dash", "article-an"])
def test_normalise(raw: str, expected: str) -> None:
    """Normalisation lowercases, strips punctuation but keeps hyphens inside words, drops articles."""
    assert normalise(raw) == expected


@pytest.mark.parametrize("gold, pred, plural, matched", [
    ("lumbar radiculopathy", "Lumbar radiculopathy, chronic", False, True),
    ("chronic pain syndrome", "pain", False, True),
    ("radiculopathy", "radiculopath", False, False),
    ("NSAIDs", "NSAID", True, True),
    ("NSAIDs", "NSAID", False, False),
], ids=["gold-inside-pred", "pred-inside-gold", "no-partial-words", "plural", "plural-only-when-asked"])
def test_phrase_matching(gold: str, pred: str, plural: bool, matched: bool) -> None:
    """Phrases match when equal or one contains the other at word boundaries."""
    pairs, _, _ = match_phrases([gold], [pred], plural)
    assert bool(pairs) == matched


def test_phrase_matching_is_one_to_one_and_prefers_equality() -> None:
    """An exact match is taken before a containment; each prediction is used at most once."""
    pairs, lost, extra = match_phrases(["physical therapy", "therapy"], ["therapy", "massage"])
    assert pairs == [(1, 0)] and lost == [0] and extra == [1]


@pytest.mark.parametrize("pages", ["74-96", "74 - 96", "74\u201396", "pp. 74-96"],
                         ids=["plain", "spaced", "en-dash", "pp-prefix"])
def test_pages_normalisation(pages: str) -> None:
    """Page ranges compare equal whatever the dash or spacing."""
    assert normalise_pages(pages) == "74-96"
