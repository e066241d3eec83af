"""The shipped example queries, run on the bundled letters, agree with counts made from the records directly."""
from __future__ import annotations

import math
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


# Counting every reviewer citation in every letter: what the example answered before it read the counts.
SCAN_CITATIONS = """PREFIX imr: <https://w3id.org/imr-kg/ontology#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
SELECT ?guideline ?topic ?outcome (SUM(?n) AS ?items)
WHERE {
  {
    SELECT ?gl ?t ?cited ?o (COUNT(DISTINCT ?item) AS ?n)
    WHERE {
      GRAPH ?g {
        ?item imr:citation ?c ; imr:outcome ?o .
        ?c imr:citationRole imr:IMRReviewer ; imr:guideline ?gl .
        OPTIONAL { ?c imr:topic ?t }
        OPTIONAL { ?c imr:chapter ?cited }
      }
    }
    GROUP BY ?gl ?t ?cited ?o
  }
  # ?chapterConcept is always bound, so the label look-up joins on it instead of on every chapter
  BIND(COALESCE(?cited, <urn:imr-kg:none>) AS ?chapterConcept)
  GRAPH <https://w3id.org/imr-kg/graph/vocab> { ?gl skos:prefLabel ?guideline . ?o skos:prefLabel ?outcome . }
  OPTIONAL { GRAPH <https://w3id.org/imr-kg/graph/vocab> { ?chapterConcept skos:prefLabel ?chapter } }
  BIND(COALESCE(?t, ?chapter, "(none)") AS ?topic)
}
GROUP BY ?guideline ?topic ?outcome
ORDER BY DESC(?items) ?guideline ?topic ?outcome"""


def test_guideline_citations_to_outcomes(built_store, records) -> None:
    """The example reads the topic counts, and its rows are those of a scan of every citation; guideline
    totals match the records."""
    example = example_query("guideline-citations-to-outcomes").sparql
    assert "graph/summaries" in example
    scanned = Counter()
    for row in built_store.select(SCAN_CITATIONS):
        scanned[(row["guideline"], row["topic"], row["outcome"])] += row["items"]
    got, by_guideline = Counter(), Counter()
    for row in built_store.select(example):
        assert row["items"] == row["upheld"] + row["overturned"]
        got[(row["guideline"], row["topic"], "Upheld")] += row["upheld"]
        got[(row["guideline"], row["topic"], "Overturned")] += row["overturned"]
        by_guideline[(row["guideline"], "Upheld")] += row["upheld"]
        by_guideline[(row["guideline"], "Overturned")] += row["overturned"]
    assert +got == +scanned and len(+got) > 20
    expected = Counter()
    for record in records:
        for item in record.items:
            for guideline in {c.guideline for c in item.reviewer_guideline}:
                expected[(guideline, item.decision)] += 1
    # a guideline cited twice for one item (two topics) counts once per topic row
    assert set(+by_guideline) == set(expected)
    assert all(by_guideline[k] >= expected[k] for k in expected)


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
    """The waits per decision year match date arithmetic on the records."""
    waits: dict[str, list[int]] = {}
    for r in records:
        days = (date.fromisoformat(r.decision_date) - date.fromisoformat(r.application_received)).days
        waits.setdefault(r.decision_date[:4], []).append(days)
    rows = built_store.select(example_query("days-application-to-decision").sparql)
    assert len(waits) > 1
    assert {r["year"]: (r["cases"], r["shortest"], r["longest"], r["within30Days"], r["within60Days"]) for r in rows} \
        == {y: (len(d), min(d), max(d), sum(x <= 30 for x in d), sum(x <= 60 for x in d)) for y, d in waits.items()}
    assert {r["year"]: float(r["meanDays"]) for r in rows} == \
        {y: math.floor(10 * sum(d) / len(d) + 0.5) / 10 for y, d in waits.items()}  # SPARQL's ROUND: halves up


def test_letters_failing_validation(built_store, records) -> None:
    """Problems by constraint: unknown treatments are reported as warnings, one per such item."""
    rows = built_store.select(example_query("letters-failing-validation").sparql)
    unknown = sum(1 for r in records for i in r.items if i.treatment_id is None)
    by_constraint = {r["constraint"]: r for r in rows}
    if unknown:
        matching = [r for c, r in by_constraint.items() if "treatment" in c.lower()]
        assert matching and matching[0]["problems"] == unknown and matching[0]["severity"] == "Warning"
    assert all(r["severity"] != "Violation" for r in rows)
