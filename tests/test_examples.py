"""The shipped example queries, run on the bundled letters, agree with counts made from the records directly."""
from __future__ import annotations

from collections import Counter
from datetime import date

import pytest

from kg import extract_files
from kg.examples import example_queries, example_query
from kg.vocab.icd10 import icd10_hierarchy
from tests.conftest import DATA_DIR


@pytest.fixture(scope="module")
def records():
    """Every bundled letter's record."""
    return list(extract_files([DATA_DIR]))


def test_every_example_has_title_and_description() -> None:
    """Each query file states what it answers."""
    queries = example_queries()
    assert len(queries) >= 7
    for query in queries.values():
        assert query.title and query.description and "SELECT" in query.sparql


def test_unknown_example_lists_the_names() -> None:
    """Asking for a missing example names the ones there are."""
    with pytest.raises(Exception, match="upheld-rate-by-category"):
        example_query("no-such-query")


def test_upheld_rate_by_category(built_store, records) -> None:
    """Items per category and their outcomes match the records."""
    expected = Counter((i.category, i.decision) for r in records for i in r.items)
    rows = built_store.select(example_query("upheld-rate-by-category").sparql)
    got = Counter()
    for row in rows:
        got[(row["category"], "Upheld")] += row["upheld"]
        got[(row["category"], "Overturned")] += row["overturned"]
        assert row["items"] == row["upheld"] + row["overturned"]
    assert +got == expected


def test_guideline_citations_to_outcomes(built_store, records) -> None:
    """Reviewer citations counted per guideline and outcome match the records."""
    expected = Counter()
    for record in records:
        for item in record.items:
            for guideline in {c.guideline for c in item.reviewer_guideline}:
                expected[(guideline, item.decision)] += 1
    got = Counter()
    for row in built_store.select(example_query("guideline-citations-to-outcomes").sparql):
        got[(row["guideline"], row["outcome"])] += row["items"]
    # a guideline cited twice for one item (two topics) counts once per topic row
    assert set(got) == set(expected)
    assert all(got[k] >= expected[k] for k in expected)


def test_cases_by_body_region(built_store, records) -> None:
    """Cases per region match the regions of the records' items."""
    expected = Counter()
    for record in records:
        for region in {r for i in record.items for r in i.body_regions}:
            expected[region] += 1
    rows = built_store.select(example_query("cases-by-body-region").sparql)
    assert {r["region"]: r["cases"] for r in rows} == dict(expected)
    assert all(r["wcio"] for r in rows)


def test_cases_by_icd10_chapter(built_store, records) -> None:
    """Cases per ICD-10-CM chapter match the chapters of the records' codes."""
    expected = Counter()
    for record in records:
        chapters = {icd10_hierarchy(d.icd10)[-1][0] for d in record.diagnoses if d.icd10}
        expected.update(chapters)
    rows = built_store.select(example_query("cases-by-icd10-chapter").sparql)
    assert {r["chapter"]: r["cases"] for r in rows} == dict(expected)


def test_specialty_vs_outcome(built_store, records) -> None:
    """Outcomes per reviewer specialty match the records."""
    expected = Counter()
    for record in records:
        for specialty in record.reviewer_specialties:
            expected.update((specialty, i.decision) for i in record.items)
    got = Counter()
    for row in built_store.select(example_query("specialty-vs-outcome").sparql):
        got[(row["specialty"], "Upheld")] += row["upheld"]
        got[(row["specialty"], "Overturned")] += row["overturned"]
    assert +got == expected


def test_days_application_to_decision(built_store, records) -> None:
    """Days from application to decision match date arithmetic on the records."""
    expected = {r.case_number: (date.fromisoformat(r.decision_date) - date.fromisoformat(r.application_received)).days
                for r in records}
    rows = built_store.select(example_query("days-application-to-decision").sparql)
    assert {r["caseNumber"]: r["days"] for r in rows} == expected
    assert [r["days"] for r in rows] == sorted((r["days"] for r in rows), reverse=True)


def test_letters_failing_validation(built_store, records) -> None:
    """Problems by constraint: unknown treatments are reported as warnings, one per such item."""
    rows = built_store.select(example_query("letters-failing-validation").sparql)
    unknown = sum(1 for r in records for i in r.items if i.treatment_id is None)
    by_constraint = {r["constraint"]: r for r in rows}
    if unknown:
        matching = [r for c, r in by_constraint.items() if "treatment" in c.lower()]
        assert matching and matching[0]["problems"] == unknown and matching[0]["severity"] == "Warning"
    assert all(r["severity"] != "Violation" for r in rows)
