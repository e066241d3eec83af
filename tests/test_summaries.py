"""Outcome counts kept as Data Cube observations agree with counting every item, through adds and replacements."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from kg.build import build
from kg.examples import example_query
from kg.store import KGStore
from kg.summaries import SUMMARY_GRAPH, deltas, update_counts
from tests.conftest import DATA_DIR

IMR = "https://w3id.org/imr-kg/ontology#"
SCANS = {
    "all": "",
    "category": "?item imr:category ?value .",
    "treatment": "?item imr:treatment ?value .",
    "region": "?item imr:bodyRegion ?value .",
    "guideline": "?item imr:citation ?c . ?c imr:citationRole imr:IMRReviewer ; imr:guideline ?value .",
    "chapter": "?item imr:citation ?c . ?c imr:citationRole imr:IMRReviewer ; imr:chapter ?value .",
    "specialty": "?case imr:reviewerSpecialty ?value .",
}


def _scanned(store: KGStore, dimension: str) -> dict[tuple[str, str], tuple[int, int]]:
    """(value, outcome) counts of decided items, counted the slow way from every letter graph."""
    pattern = SCANS[dimension]
    value = "?value" if pattern else '"all"'
    rows = store.select(f"""PREFIX imr: <{IMR}>
SELECT ?v ?o (COUNT(DISTINCT ?item) AS ?n) WHERE {{
  GRAPH ?g {{ ?case imr:disputedItem ?item . ?item imr:outcome ?out . {pattern} }}
  BIND(STR({value}) AS ?v) BIND(STRAFTER(STR(?out), "outcome/") AS ?o)
}} GROUP BY ?v ?o""")
    counts: dict[tuple[str, str], tuple[int, int]] = {}
    for row in rows:
        up, over = counts.get((row["v"], ""), (0, 0))
        counts[(row["v"], "")] = (up + (row["n"] if row["o"] == "upheld" else 0),
                                  over + (row["n"] if row["o"] == "overturned" else 0))
    return counts


def _cube(store: KGStore, dimension: str) -> dict[tuple[str, str], tuple[int, int]]:
    """The same counts read from the observations, summed over years."""
    rows = store.select(f"""PREFIX imr: <{IMR}>
SELECT ?v (SUM(?u) AS ?up) (SUM(?o) AS ?over) WHERE {{
  GRAPH <{SUMMARY_GRAPH}> {{ ?obs imr:dimension "{dimension}" ; imr:upheld ?u ; imr:overturned ?o .
                            OPTIONAL {{ ?obs imr:dimensionValue ?value }} }}
  BIND(COALESCE(STR(?value), "all") AS ?v)
}} GROUP BY ?v""")
    return {(row["v"], ""): (row["up"], row["over"]) for row in rows}


@pytest.fixture(scope="module")
def store_and_folder(tmp_path_factory: pytest.TempPathFactory) -> tuple[KGStore, Path]:
    folder = tmp_path_factory.mktemp("cube") / "letters"
    shutil.copytree(DATA_DIR, folder)
    store = KGStore()
    build([folder], store)
    return store, folder


@pytest.mark.parametrize("dimension", list(SCANS))
def test_observations_agree_with_counting_every_item(store_and_folder: tuple[KGStore, Path], dimension: str) -> None:
    """For every dimension, the observations hold exactly the counts a scan of every item gives."""
    store, _ = store_and_folder
    scanned = _scanned(store, dimension)
    assert scanned, "the bundled letters have decided items in every dimension"
    assert _cube(store, dimension) == scanned


def test_a_replaced_letter_moves_its_counts(store_and_folder: tuple[KGStore, Path]) -> None:
    """When a letter changes (its first item's decision flips) and is built again, the counts follow: the old
    version's counts come off, the new one's go on."""
    store, folder = store_and_folder
    seed = next(folder.rglob("CM14-0166055.md"))
    seed.write_text(seed.read_text(encoding="utf-8").replace("Upheld", "Overturned", 1), encoding="utf-8")
    before = _cube(store, "all")[("all", "")]
    summary = build([folder], store)
    assert summary.replaced == 1
    after = _cube(store, "all")[("all", "")]
    assert after == (before[0] - 1, before[1] + 1)
    for dimension in SCANS:
        assert _cube(store, dimension) == _scanned(store, dimension), dimension
    for name, scan in CASE_SCANS.items():
        assert _sorted(store.select(example_query(name).sparql)) == _sorted(store.select(scan)), name


def test_deltas_cancel_out() -> None:
    """Adding and removing the same facts changes nothing; a flipped outcome moves one count."""
    facts = [("category", "c", "2016", "upheld")]
    assert deltas(facts, facts) == {}
    assert deltas([("category", "c", "2016", "overturned")], facts) == {
        ("category", "c", "2016"): {"items": 0, "upheld": -1, "overturned": 1}}
    cases = [("case-region", "r", "2016", "cases"), ("case-region", "r", "2016", "items")]
    assert deltas(cases) == {("case-region", "r", "2016"): {"cases": 1, "items": 1, "diagnoses": 0}}


def test_a_deleted_letter_takes_its_counts_with_it(store_and_folder: tuple[KGStore, Path]) -> None:
    """`kg delete` removes what the letter counted."""
    from kg.loading import delete_letters

    store, _ = store_and_folder
    assert delete_letters(store, ["CM14-0166055"]) == []
    for dimension in SCANS:
        assert _cube(store, dimension) == _scanned(store, dimension), dimension
    for name, scan in CASE_SCANS.items():
        assert _sorted(store.select(example_query(name).sparql)) == _sorted(store.select(scan)), name


# The case examples as they were written before the case counts existed: a scan of every letter graph.
CASE_SCANS = {
    "cases-by-body-region": """PREFIX imr: <https://w3id.org/imr-kg/ontology#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
SELECT ?region ?wcio (COUNT(DISTINCT ?case) AS ?cases) (COUNT(DISTINCT ?item) AS ?items)
WHERE {
  GRAPH ?g { ?case imr:disputedItem ?item . ?item imr:bodyRegion ?r . }
  GRAPH <https://w3id.org/imr-kg/graph/vocab> { ?r skos:prefLabel ?region . OPTIONAL { ?r imr:wcioCode ?wcio } }
}
GROUP BY ?region ?wcio""",
    "cases-by-icd10-chapter": """PREFIX imr: <https://w3id.org/imr-kg/ontology#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
SELECT ?chapter ?title (COUNT(DISTINCT ?case) AS ?cases) (COUNT(DISTINCT ?diagnosis) AS ?diagnoses)
WHERE {
  GRAPH ?g { ?case imr:diagnosis ?diagnosis . ?diagnosis imr:icd10Code ?code . }
  GRAPH <https://w3id.org/imr-kg/graph/icd10cm> {
    ?code skos:broader* ?top .
    ?top imr:icd10Level "chapter" ; skos:notation ?chapter ; skos:prefLabel ?title .
  }
}
GROUP BY ?chapter ?title""",
}


def _sorted(rows: list[dict]) -> list[tuple]:
    return sorted(tuple(sorted((k, str(v)) for k, v in row.items())) for row in rows)


@pytest.mark.parametrize("name", list(CASE_SCANS))
def test_case_examples_read_the_counts_and_answer_as_a_scan_would(store_and_folder: tuple[KGStore, Path],
                                                                   name: str) -> None:
    """`cases-by-body-region` and `cases-by-icd10-chapter` read the case counts; rows as a scan gives them."""
    store, _ = store_and_folder
    assert "graph/summaries" in example_query(name).sparql
    scanned = store.select(CASE_SCANS[name])
    assert scanned
    assert _sorted(store.select(example_query(name).sparql)) == _sorted(scanned)


SCAN_BY_CATEGORY = """PREFIX imr: <https://w3id.org/imr-kg/ontology#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
SELECT ?category (COUNT(?item) AS ?items) (SUM(?up) AS ?upheld) (SUM(?over) AS ?overturned)
       (ROUND(1000 * SUM(?over) / COUNT(?item)) / 10 AS ?overturnedPercent)
WHERE {
  GRAPH ?g { ?item a imr:DisputedItem ; imr:category ?c ; imr:outcome ?o . }
  GRAPH <https://w3id.org/imr-kg/graph/vocab> { ?c skos:prefLabel ?category . ?o skos:prefLabel ?outcome . }
  BIND(IF(?outcome = "Upheld", 1, 0) AS ?up)
  BIND(IF(?outcome = "Overturned", 1, 0) AS ?over)
}
GROUP BY ?category
ORDER BY DESC(?items) ?category"""


def test_the_example_reads_the_counts_and_answers_as_a_scan_would(built_store: KGStore) -> None:
    """`upheld-rate-by-category` now reads the observations; its rows are those of counting every item."""
    from kg.examples import example_query

    assert "graph/summaries" in example_query("upheld-rate-by-category").sparql
    assert built_store.select(example_query("upheld-rate-by-category").sparql) == built_store.select(SCAN_BY_CATEGORY)


def test_outcomes_by_year_example_adds_up_to_every_decided_item(built_store: KGStore) -> None:
    """The yearly counts sum to the decided items of the bundled letters, year by year."""
    from collections import Counter

    from kg.examples import example_query
    from kg.pipeline import extract_files

    records = list(extract_files([DATA_DIR]))
    expected = Counter((r.decision_date or "")[:4] for r in records for i in r.items if i.decision)
    rows = built_store.select(example_query("outcomes-by-year").sparql)
    assert {str(row["year"]): row["items"] for row in rows} == dict(expected)
    assert all(row["items"] == row["upheld"] + row["overturned"] for row in rows)


def _observations(store: KGStore) -> set[tuple[str, str, str]]:
    rows = store.select(f"SELECT ?o ?p ?v WHERE {{ GRAPH <{SUMMARY_GRAPH}> {{ ?o ?p ?v }} }}")
    return {(str(r["o"]), str(r["p"]), str(r["v"])) for r in rows}


def test_recounting_from_the_letters_gives_the_counts_kept_while_loading(tmp_path: Path) -> None:
    """`kg recount` clears the counts and counts every stored letter again, in batches: same observations."""
    import subprocess
    import sys

    from kg.summaries import recount

    store_path = tmp_path / "store"
    with KGStore(store_path) as store:
        build([DATA_DIR], store)
        kept = _observations(store)
        for dimension in ("case-chapter", "case-region", "case-days", "case-all", "topic", "constraint", "severity",
                          "month"):
            assert any(f"/summary/{dimension}/" in o for o, _, _ in kept), dimension
        store.update(f"DROP GRAPH <{SUMMARY_GRAPH}>")
        assert recount(store, batch=3) == len(list(DATA_DIR.rglob("*.gold.json")))
        assert _observations(store) == kept
        store.update(f"DROP GRAPH <{SUMMARY_GRAPH}>")
    kg = str(Path(sys.executable).parent / "kg")
    done = subprocess.run([kg, "recount", "--store", str(store_path)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stderr.startswith("counted ")
    with KGStore(store_path, read_only=True) as store:
        assert _observations(store) == kept


@pytest.mark.parametrize("text", ["Massage Therapy", "Manual therapy & manipulation", "NSAIDs (non-steroidal anti-"
                                  "inflammatory drugs)", "Opioids, criteria for use", "a/b?c#d%e~f_g.h-i", "100% "
                                  "\"quoted\" 'single' *star* !bang", "Ünïcødé – dash, 漢字", "tab\tand\nnewline"])
def test_value_iris_are_the_same_from_records_and_from_the_store(text: str) -> None:
    """A topic or constraint name becomes the same IRI in Python (loading) as in SPARQL (replacing, recounting),
    and the observation reads it back exactly."""
    from kg.summaries import _described, constraint_value, topic_value

    store = KGStore()
    literal = json.dumps(text, ensure_ascii=False)
    row = store.select(f'SELECT (IRI(CONCAT("https://w3id.org/imr-kg/vocab/guideline/odg/topic/", ENCODE_FOR_URI('
                       f'{literal}))) AS ?t) (IRI(CONCAT("https://w3id.org/imr-kg/summary/constraint/Warning/", '
                       f'ENCODE_FOR_URI({literal}))) AS ?c) WHERE {{}}')[0]
    topic = topic_value("https://w3id.org/imr-kg/vocab/guideline/odg", text)
    constraint = constraint_value("Warning", text)
    assert (str(row["t"]), str(row["c"])) == (topic, constraint)
    change = {("topic", topic, "2016"): {"items": 1, "upheld": 1, "overturned": 0},
              ("constraint", constraint, "2016"): {"letters": 1, "problems": 2}}
    store.update(update_counts(store, change) or "")
    said = store.select(f"SELECT ?topic ?name ?concept WHERE {{ GRAPH <{SUMMARY_GRAPH}> {{ "
                        f"?t imr:citedTopic ?topic ; imr:citedConcept ?concept . ?c imr:constraintName ?name }} }}")
    assert [(str(r["topic"]), str(r["name"]), str(r["concept"])) for r in said] == \
        [(text, text, "https://w3id.org/imr-kg/vocab/guideline/odg")]


def test_topics_are_counted_over_all_years_and_a_store_of_another_layout_is_counted_again(tmp_path: Path) -> None:
    """A topic's observation has no year (one per topic); a store whose counts were laid out otherwise is counted
    again by the next build, even when no letter changed."""
    from kg.summaries import LAYOUT

    with KGStore(tmp_path / "store") as store:
        build([DATA_DIR], store)
        assert store.meta()["summaries"] == LAYOUT
        topics = store.select(f"PREFIX imr: <{IMR}> SELECT ?obs ?year WHERE {{ GRAPH <{SUMMARY_GRAPH}> {{ "
                              '?obs imr:dimension "topic" OPTIONAL { ?obs imr:year ?year } } }')
        assert topics and not any(row["year"] for row in topics)
        kept = _observations(store)
        stray = f"{SUMMARY_GRAPH}-stray"
        store.update(f'PREFIX imr: <{IMR}> INSERT DATA {{ GRAPH <{SUMMARY_GRAPH}> {{ <{stray}> imr:dimension "topic" ; '
                     f'imr:items 5 ; imr:upheld 5 ; imr:overturned 0 }} }}')
        build([DATA_DIR], store)  # same layout: nothing is counted again
        assert any(o == stray for o, _, _ in _observations(store))
        store.set_meta({"summaries": "1"})
        build([DATA_DIR], store)
        assert _observations(store) == kept and store.meta()["summaries"] == LAYOUT
