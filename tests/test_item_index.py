"""The item index beside the store: filled by the loader, rebuilt from the graphs, and counting the explorer's
links exactly as the SPARQL query over every letter does."""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from kg.build import build
from kg.explorer import Filters, explore, filter_options, to_dict
from kg.item_index import FILE_NAME, ItemIndex, letter_rows, stored_rows, sync
from kg.pipeline import extract_file, letter_paths
from kg.rdf import mint
from kg.store import KGStore
from tests.conftest import DATA_DIR

KG = str(Path(sys.executable).parent / "kg")


@pytest.fixture(scope="module")
def letters(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bundled letters and 60 synthetic ones in every layout, in one folder."""
    folder = tmp_path_factory.mktemp("index") / "letters"
    shutil.copytree(DATA_DIR, folder / "bundled")
    subprocess.run([KG, "synth", "60", "--out", str(folder / "synthetic"), "--seed", "9", "-q"], check=True)
    return folder


@pytest.fixture(scope="module")
def store(letters: Path, tmp_path_factory: pytest.TempPathFactory) -> KGStore:
    path = tmp_path_factory.mktemp("index-store") / "store"
    opened = KGStore(path)
    build([letters], opened, jobs=2)
    yield opened
    opened.close()


def _rows(index: ItemIndex) -> dict[str, tuple]:
    """Everything the index holds, per letter, in a comparable form."""
    out = {}
    for (key,) in index.db.execute("SELECT letter FROM letters"):
        out[key] = tuple(sorted(map(tuple, index.db.execute(
            "SELECT i.item, i.year, i.category, i.outcome, r.region, r.named, s.level, s.guideline, s.detail_iri, s.detail "
            "FROM items i LEFT JOIN item_regions r ON r.item = i.item LEFT JOIN item_sources s ON s.item = i.item "
            "WHERE i.letter = ?", (key,)).fetchall()), key=repr)) + tuple(sorted(
            s for (s,) in index.db.execute("SELECT specialty FROM letter_specialties WHERE letter = ?", (key,)))) + (
            index.db.execute("SELECT received, priority, decision_date, case_number FROM letters WHERE letter = ?",
                             (key,)).fetchone(),
            tuple(index.db.execute("SELECT number, laterality, request, rationale, treatment, treatment_label FROM "
                                   "items WHERE letter = ? ORDER BY number", (key,))),
            tuple(index.db.execute("SELECT code, label, block, chapter FROM letter_diagnoses WHERE letter = ?",
                                   (key,))),
            tuple(sorted(index.db.execute("SELECT d.kind, d.iri, s.title, s.terms, s.body FROM search s JOIN "
                                          "search_docs d ON d.doc = s.rowid WHERE d.letter = ?", (key,)))))
    return out


def test_the_build_fills_the_index_in_the_store_folder(store: KGStore, letters: Path) -> None:
    """Every stored letter is in items.sqlite with every one of its items."""
    assert store.path is not None and (store.path / FILE_NAME).is_file()
    index = store.item_index()
    assert index is not None
    stored = store.select("SELECT (COUNT(DISTINCT ?item) AS ?n) WHERE { GRAPH ?g { ?c "
                          "<https://w3id.org/imr-kg/ontology#disputedItem> ?item } }")[0]["n"]
    assert index.db.execute("SELECT COUNT(*) FROM items").fetchone()[0] == stored > 60
    assert len(index.letters()) == len(list(letter_paths([letters])))


def test_rows_read_back_from_the_graphs_are_the_rows_the_pipeline_wrote(store: KGStore) -> None:
    """Rebuilding from the store gives, letter by letter, what the loader put in (so sync can repair)."""
    index = store.item_index()
    assert index is not None
    written = _rows(index)
    rebuilt = ItemIndex(None)
    rebuilt.write(stored_rows(store.select, index.letters()))
    assert _rows(rebuilt) == written


@pytest.mark.parametrize("params", [
    {}, {"level": ["chapter"]}, {"level": ["topic"]}, {"region": ["spine"]},
    {"region": ["lumbar-spine", "knee"], "level": ["chapter"]}, {"category": ["pharmaceuticals", "imaging"]},
    {"specialty": ["pain-medicine"]}, {"year": ["2014", "2016"]},
    {"region": ["spine"], "specialty": ["orthopedic-surgery"], "level": ["topic"]},
    {"treatment": ["tadalafil"]}, {"treatment": ["physical-therapy", "acupuncture"], "level": ["chapter"]},
    {"treatment": ["manual-therapy"]},  # no item names it; its narrower treatments are requested
    {"icd": ["19"]}, {"icd": ["M20-M25", "M70-M79"]}, {"icd": ["M54.16", "G56"]}, {"icd": ["M96"]},
    {"from": ["2016-01-01"], "to": ["2019-12-31"]}, {"from": ["2015-11-10"], "to": ["2015-11-10"]},
    {"to": ["2015-06-30"], "level": ["topic"]},
    {"icd": ["13"], "treatment": ["opioid", "nsaid"], "from": ["2014-01-01"]},
    {"treatment": ["surgery"], "icd": ["M20-M25", "S80-S89", "M17"], "from": ["2016-01-01"], "to": ["2022-12-31"],
     "level": ["chapter"]},
    {"icd": ["M50-M54", "G56.0"], "specialty": ["orthopedic-surgery"], "to": ["2020-12-31"], "level": ["topic"]},
    {"category": ["pharmaceuticals"], "icd": ["6"], "year": ["2015", "2018"], "from": ["2015-03-20"]},
])
def test_the_explorer_counts_in_the_index_as_sparql_counts_every_letter(store: KGStore, params) -> None:
    """For each filter combination, the explorer from the index equals the explorer from SPARQL."""
    from kg.explorer import parse_filters

    filters = parse_filters(params)
    by_sparql = to_dict(explore(store.select, filters))
    by_index = to_dict(explore(store.select, filters, store.item_index()))
    assert by_index == by_sparql
    assert by_sparql["totals"]["items"] > 0 or params.get("specialty")
    if set(params) - {"level"}:  # every filter here leaves some items out
        assert by_sparql["totals"]["items"] < explore(store.select, Filters(), store.item_index()).totals["items"]


@pytest.mark.parametrize(("params", "where"), [
    ({"treatment": ["physical-therapy"]},
     "i.treatment IN ('{t}physical-therapy', '{t}aquatic-therapy', '{t}home-physical-therapy', "
     "'{t}physical-therapy-evaluation', '{t}post-operative-physical-therapy')"),
    ({"icd": ["13"]}, "i.letter IN (SELECT letter FROM letter_diagnoses WHERE code LIKE 'M%')"),
    ({"icd": ["M50-M54", "M75.1"]}, "i.letter IN (SELECT letter FROM letter_diagnoses WHERE block = 'M50-M54' OR "
                                    "code LIKE 'M75.1%')"),
    ({"from": ["2014-07-08"], "to": ["2015-11-10"]},
     "i.letter IN (SELECT letter FROM letters WHERE decision_date BETWEEN '2014-07-08' AND '2015-11-10')"),
])
def test_the_new_filters_count_what_plain_sql_counts(store: KGStore, params: dict, where: str) -> None:
    """Each new filter's total in the index is the number of cited, decided items a plain SQL query finds."""
    from kg.explorer import parse_filters

    index = store.item_index()
    assert index is not None
    total = explore(store.select, parse_filters(params), index).totals["items"]
    condition = where.format(t="https://w3id.org/imr-kg/vocab/treatment/")
    expected = index.db.execute(
        f"SELECT COUNT(*) FROM items i WHERE i.outcome != '' AND {condition} AND i.item IN "
        "(SELECT item FROM item_sources WHERE level = 'guideline')").fetchone()[0]
    assert total == expected > 0


def test_the_filter_lists_come_from_the_index_too(store: KGStore) -> None:
    """Every filter value with its item count, as the SPARQL options query gives them."""
    assert filter_options(store.select, store.item_index()) == filter_options(store.select)


def test_sync_repairs_an_index_left_behind(store: KGStore) -> None:
    """Letters missing from the index are read from the store; letters no longer stored are taken out."""
    index = store.item_index()
    assert index is not None
    before = _rows(index)
    keys = sorted(before)[:5]
    index.write([], keys)
    index.write([{"letter": "GONE-1", "sha256": "x", "year": None, "specialties": [], "items": []}])
    stored = {key: sha for key, sha in ((k, v) for k, v in index.letters().items()) if key != "GONE-1"}
    stored.update({key: before_sha for key, before_sha in _digests(store, keys).items()})
    assert sync(index, store.select, stored) == (5, 1)
    assert _rows(index) == before


def _digests(store: KGStore, keys: list[str]) -> dict[str, str]:
    out = {}
    for key in keys:
        row = store.select(f"SELECT ?sha WHERE {{ GRAPH <{mint.letter_graph(key)}> {{ ?l "
                           f"<https://w3id.org/imr-kg/ontology#sha256> ?sha }} }}")
        out[key] = str(row[0]["sha"])
    return out


def test_a_letter_without_a_case_number_has_no_rows() -> None:
    """Nothing to index for a letter that will not be stored."""
    record = extract_file(next(letter_paths([DATA_DIR])))
    record.case_number = None
    assert letter_rows(record, "x") is None


def test_deleting_a_letter_takes_it_out_of_the_index(letters: Path, tmp_path: Path) -> None:
    """`kg delete` removes the letter's rows with its graphs."""
    from kg.loading import delete_letters

    with KGStore(tmp_path / "store") as small:
        build([letters / "bundled"], small)
        index = small.item_index()
        assert index is not None and "CM14-0166055" in index.letters()
        assert delete_letters(small, ["CM14-0166055"]) == []
        assert "CM14-0166055" not in index.letters()
        assert not index.db.execute("SELECT 1 FROM items WHERE letter = 'CM14-0166055'").fetchall()


def test_the_quality_report_from_the_index_is_the_one_sparql_gives(store: KGStore) -> None:
    """Constraints, letters (all, and the worst few), months and build days: the same from either side."""
    from kg.quality import quality_report, to_dict

    by_sparql = to_dict(quality_report(store.select))
    by_index = to_dict(quality_report(store.select, store.item_index()))
    assert by_sparql["constraints"] and by_sparql["totals"]["warnings"] > 0
    assert by_index == by_sparql
    worst = quality_report(store.select, store.item_index(), letter_limit=3)
    assert worst.letters == quality_report(store.select).letters[:3]
    assert worst.totals == by_sparql["totals"]


def test_quality_rows_read_back_from_the_graphs_are_those_the_pipeline_wrote(store: KGStore) -> None:
    """Each letter's quality facts (all but the result ids, which only tell results apart) rebuild exactly."""
    index = store.item_index()
    assert index is not None
    rebuilt = ItemIndex(None)
    rebuilt.write(stored_rows(store.select, index.letters()))
    for db in (index, rebuilt):
        db.rows = (sorted(db.db.execute("SELECT * FROM letters").fetchall()),
                   sorted(db.db.execute("SELECT letter, constraint_name, severity, message FROM letter_results")))
    assert rebuilt.rows == index.rows


def test_build_times_are_written_as_the_store_gives_them_back() -> None:
    """The canonical xsd:dateTime of the UTC time the mapping writes: "Z", no trailing zeros in the fraction."""
    from datetime import datetime, timedelta, timezone

    import pyoxigraph as ox

    from kg.item_index import canonical_datetime

    for moment in (datetime(2026, 12, 7, 3, 43, 21, 504550, tzinfo=timezone.utc),
                   datetime(2026, 12, 7, 3, 43, 21, tzinfo=timezone(timedelta(hours=-8)))):
        store = ox.Store()
        literal = ox.Literal(moment.astimezone(timezone.utc).isoformat(), datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#dateTime"))
        store.add(ox.Quad(ox.NamedNode("http://example.org/s"), ox.NamedNode("http://example.org/p"), literal))
        assert next(iter(store)).object.value == canonical_datetime(moment)


@pytest.mark.parametrize("name", ["treatments", "guidelines", "cases"])
def test_network_projections_from_the_index_are_those_from_sparql(store: KGStore, name: str) -> None:
    """Nodes, edges and every attribute of each projection: the same from the index as from SPARQL."""
    from kg.analytics import node_link, projection

    assert node_link(projection(store.select, name, index=store.item_index())) == \
        node_link(projection(store.select, name))


def test_an_analysis_is_kept_until_the_index_changes(letters: Path, tmp_path: Path) -> None:
    """The network page's analyses are computed once per state of the index, and again after a change."""
    from kg.analytics import kept_overview, kept_projection, node_link, overview, projection

    with KGStore(tmp_path / "store") as small:
        build([letters / "bundled"], small)
        index = small.item_index()
        assert index is not None
        assert index.cached("projection:treatments:case:42") is not None  # made by the build
        assert index.cached("explore-options:2") is not None
        from kg.explorer import Filters, explore, to_dict

        unfiltered = index.cached('explore:["guideline", []]')
        assert unfiltered is not None
        assert to_dict(explore(small.select, Filters(), index)) == to_dict(explore(small.select, Filters()))
        kept = kept_projection(small.select, "treatments", None, index)
        assert node_link(kept) == node_link(projection(small.select, "treatments"))
        assert index.cached("overview:guidelines:item:42") is not None  # the network page's, made by the build
        seen = kept_overview(small.select, "guidelines", None, index)
        assert json.loads(json.dumps(overview(projection(small.select, "guidelines")))) == seen
        assert seen["pairs"] and seen["central"] and seen["nodes"] > 0
        version = index.version()
        index.write([], ["CM14-0166055"])
        assert index.version() > version and index.cached("projection:treatments:case:42") is None
        index.keep("projection:treatments:case:42", version, "{}")  # computed before the change: not kept
        assert index.cached("projection:treatments:case:42") is None


def test_an_index_of_another_layout_is_rebuilt_from_the_store(letters: Path, tmp_path: Path) -> None:
    """Opened for writing, an index written by another version is dropped and filled again from the graph;
    opened for reading, it is not used at all."""
    import sqlite3

    path = tmp_path / "store"
    with KGStore(path) as small:
        build([letters / "bundled"], small)
        expected = _rows(small.item_index())
    old = sqlite3.connect(path / FILE_NAME)
    old.execute("PRAGMA user_version = 1")
    old.commit()
    old.close()
    with KGStore(path, read_only=True) as reader:
        assert reader.item_index() is None
    with KGStore(path) as writer:
        index = writer.item_index()
        assert index is not None and index.reset
        assert _rows(index) == expected


@pytest.mark.parametrize("fragment", ["", "cm99-00000", "0166055", "CM14", "nothing-like-it"])
def test_cases_found_by_number_in_the_index_as_by_sparql(store: KGStore, fragment: str) -> None:
    """Part of a case number finds the same cases, in the same order, in the index as in the graph."""
    rows = store.select(f"""SELECT DISTINCT ?c ?n WHERE {{ GRAPH ?g {{ ?c a <https://w3id.org/imr-kg/ontology#Case> ;
      <https://w3id.org/imr-kg/ontology#caseNumber> ?n }} FILTER(CONTAINS(UCASE(STR(?n)), "{fragment.upper()}")) }}
      ORDER BY ?n LIMIT 100""")
    assert rows or fragment == "nothing-like-it"
    index = store.item_index()
    assert index is not None
    assert index.find_cases(fragment) == [(str(r["c"]), str(r["n"])) for r in rows]
