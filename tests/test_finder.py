"""The finder picks, counts and pages the items the SPARQL graph holds, by facets, dates and words."""
from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from kg.finder import FACETS, Selection, SelectionError, find, parse_selection, rows
from kg.item_index import FILE_NAME, ItemIndex
from kg.store import KGStore

IMR = "https://w3id.org/imr-kg/ontology#"


@pytest.fixture(scope="module")
def index(built_store_path: Path) -> Iterator[ItemIndex]:
    """The bundled letters' item index, read-only."""
    opened = ItemIndex(built_store_path / FILE_NAME, read_only=True)
    assert opened.current
    yield opened
    opened.close()


@pytest.fixture(scope="module")
def graph(built_store_path: Path) -> Iterator[KGStore]:
    """The bundled letters' store, read-only."""
    with KGStore(built_store_path, read_only=True) as store:
        yield store


def _items(graph: KGStore, pattern: str = "") -> set[str]:
    """The disputed items a SPARQL pattern over ?case and ?item picks."""
    found = graph.select(f"SELECT DISTINCT ?item WHERE {{ GRAPH ?g {{ ?case imr:disputedItem ?item . {pattern} }} }}")
    return {str(row["item"]) for row in found}


def _picked(index: ItemIndex, **args: list[str]) -> set[str]:
    return {row["item"] for row in rows(index, parse_selection(args))}


def test_no_choice_finds_every_item_and_case(index: ItemIndex, graph: KGStore) -> None:
    """Without a choice the finder holds every disputed item, in every case, with the outcomes counted."""
    found = find(index, Selection())
    every = _items(graph)
    assert found.items == len(every) > 30
    assert found.cases == 14
    upheld = _items(graph, "?item imr:outcome <https://w3id.org/imr-kg/vocab/outcome/upheld>")
    assert (found.upheld, found.upheld + found.overturned) == (len(upheld), len(every))
    assert _picked(index) == every


@pytest.mark.parametrize("args, pattern", [
    ({"category": ["imaging"]}, "?item imr:category <https://w3id.org/imr-kg/vocab/category/imaging>"),
    ({"outcome": ["overturned"]}, "?item imr:outcome <https://w3id.org/imr-kg/vocab/outcome/overturned>"),
    ({"region": ["spine"]}, "?item imr:bodyRegion ?r . GRAPH <https://w3id.org/imr-kg/graph/vocab> { "
                            "?r skos:broader* <https://w3id.org/imr-kg/vocab/body-region/spine> }"),
    ({"guideline": ["mtus-chronic-pain"]}, "?item imr:citation ?c . ?c imr:citationRole imr:IMRReviewer ; "
                                           "imr:guideline <https://w3id.org/imr-kg/vocab/guideline/mtus-chronic-pain>"),
    ({"specialty": ["pain-medicine"]}, "?case imr:reviewerSpecialty <https://w3id.org/imr-kg/vocab/specialty/pain-medicine>"),
    ({"icd": ["M54"]}, "?case imr:diagnosis/imr:icd10Code ?code FILTER(STRSTARTS(STR(?code), "
                       "'https://w3id.org/imr-kg/vocab/icd10cm/M54'))"),
    ({"priority": ["standard"]}, "?case imr:priority imr:Standard"),
    ({"from": ["2014-01-01"], "to": ["2014-12-31"]}, "?case imr:decisionDate ?d FILTER(YEAR(?d) = 2014)"),
    ({"category": ["pharmaceuticals", "imaging"], "outcome": ["upheld"]},
     "?item imr:category ?cat ; imr:outcome <https://w3id.org/imr-kg/vocab/outcome/upheld> "
     "FILTER(?cat IN (<https://w3id.org/imr-kg/vocab/category/pharmaceuticals>, "
     "<https://w3id.org/imr-kg/vocab/category/imaging>))"),
])
def test_choices_pick_what_sparql_picks(index: ItemIndex, graph: KGStore, args: dict, pattern: str) -> None:
    """Each facet, a date range and a combination pick exactly the items the same question in SPARQL does."""
    expected = _items(graph, pattern)
    assert _picked(index, **args) == expected
    assert find(index, parse_selection(args)).items == len(expected)


def test_facet_counts_are_the_items_of_each_value(index: ItemIndex, graph: KGStore) -> None:
    """The category and outcome counts match SPARQL's; a facet with a choice is counted without it."""
    rows_ = graph.select("SELECT ?c (COUNT(DISTINCT ?item) AS ?n) WHERE { GRAPH ?g { ?case imr:disputedItem ?item . "
                         "?item imr:category ?c } } GROUP BY ?c")
    expected = Counter({str(r["c"]).rsplit("/", 1)[-1]: int(r["n"]) for r in rows_})
    found = find(index, Selection())
    assert {v["id"]: v["items"] for v in found.facets["category"]} == expected
    chosen = find(index, parse_selection({"category": ["imaging"]}))
    assert {v["id"]: v["items"] for v in chosen.facets["category"]} == expected  # the other values stay offered
    assert [v["id"] for v in chosen.facets["category"] if v["chosen"]] == ["imaging"]
    outcomes = {v["id"]: v["items"] for v in chosen.facets["outcome"]}
    assert sum(outcomes.values()) == chosen.items  # other facets count within the choice
    assert set(found.facets) == set(FACETS) - {v for v in FACETS if not found.facets.get(v)}


def test_words_find_items_and_letters(index: ItemIndex, graph: KGStore) -> None:
    """Words find the items whose request or rationale has them, and every item of a letter whose text does;
    brand names find the drug; ranked by relevance the best match comes first."""
    massage = _picked(index, q=["massage"])
    named = _items(graph, "?item imr:request ?r FILTER(CONTAINS(LCASE(?r), 'massage'))")
    assert named and named <= massage
    in_text = _items(graph, "?case imr:letter ?l . ?l imr:text ?t FILTER(CONTAINS(LCASE(?t), 'massag'))")
    assert in_text <= massage  # every item of a letter whose text has the word
    assert massage <= in_text | _items(graph, "?item imr:treatment ?t . GRAPH <https://w3id.org/imr-kg/graph/vocab> "
                                              "{ ?t skos:prefLabel|skos:altLabel ?l FILTER(CONTAINS(LCASE(?l), 'massag')) }")
    assert len(massage) < len(_items(graph))
    best = find(index, parse_selection({"q": ["massage therapy"], "sort": ["relevance"]})).rows[0]
    assert "massage" in (best["treatment_label"] + best["request"]).lower()
    norco = _picked(index, q=["norco"])
    assert norco  # a brand name finds its letter or its drug
    assert _picked(index, q=["zzzz-nothing-like-this"]) == set()


def test_pages_cover_the_selection_once(index: ItemIndex) -> None:
    """Page after page gives every selected item once, in the order asked for."""
    everything = [row["item"] for row in rows(index, parse_selection({"sort": ["case"]}))]
    paged: list[str] = []
    page = 1
    while True:
        found = find(index, parse_selection({"sort": ["case"], "per_page": ["25"], "page": [str(page)]}), facets=False)
        paged += [row["item"] for row in found.rows]
        if page >= found.pages:
            break
        page += 1
    assert paged == everything and len(set(paged)) == len(paged) and page == 2
    numbers = [row["case_number"] for row in rows(index, parse_selection({"sort": ["case"]}))]
    assert numbers == sorted(numbers)
    dates = [row["decision_date"] for row in rows(index, parse_selection({}))]
    assert dates == sorted(dates, reverse=True)


@pytest.mark.parametrize("args, named", [({"from": ["07/01/2014"]}, "from"), ({"per_page": ["7"]}, "per_page"),
                                         ({"category": ["<script>"]}, "category"), ({"icd": ["not a code"]}, "icd"),
                                         ({"page": ["two"]}, "page")])
def test_bad_arguments_are_named(args: dict, named: str) -> None:
    """A malformed argument is refused with its name."""
    with pytest.raises(SelectionError, match=named):
        parse_selection(args)


def test_a_selection_survives_its_url() -> None:
    """The URL arguments of a selection read back as the same selection."""
    selection = parse_selection({"q": ["lumbar MRI"], "from": ["2015-01-01"], "category": ["imaging", "surgery"],
                                 "icd-block": ["M50-M54"], "sort": ["case"], "page": ["3"], "per_page": ["100"]})
    args: dict[str, list[str]] = {}
    for name, value in selection.to_args():
        args.setdefault(name, []).append(value)
    assert parse_selection(args) == selection
    assert ("category", "imaging") in selection.to_args() and ("page", "1") not in selection.to_args(page=1)


def test_kg_search_prints_what_the_finder_finds(built_store_path: Path, index: ItemIndex) -> None:
    """`kg search` gives the finder's items for words and facets, as a table, CSV or JSON; unknown facets and
    nothing found are told apart by the exit status."""
    import json

    from click.testing import CliRunner

    from kg.cli import cli

    runner = CliRunner()
    result = runner.invoke(cli, ["search", "massage", "--store", str(built_store_path), "--format", "json",
                                 "--limit", "100"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["items"] == len(data["rows"]) == len(_picked(index, q=["massage"]))
    assert any("*massage*" in row["snippet"].lower() for row in data["rows"])
    chosen = runner.invoke(cli, ["search", "--where", "category=imaging", "--store", str(built_store_path),
                                 "--format", "csv", "--limit", "100"])
    assert chosen.exit_code == 0
    assert len(chosen.stdout.strip().splitlines()) - 1 == len(_picked(index, category=["imaging"]))
    none = runner.invoke(cli, ["search", "zzzz-nothing-like-this", "--store", str(built_store_path)])
    assert none.exit_code == 1 and "0 items in 0 cases" in none.output
    unknown = runner.invoke(cli, ["search", "--where", "colour=red", "--store", str(built_store_path)])
    assert unknown.exit_code == 2 and "unknown facet 'colour'" in unknown.output


def test_the_text_search_joins_sparql(index: ItemIndex, graph: KGStore, client) -> None:
    """fn:matches(?item, "words") in SPARQL picks the items the finder finds for the words, in `kg query`'s store
    and through /sparql; a case matches when its letter or one of its items does."""
    query = ('PREFIX fn: <https://w3id.org/imr-kg/function#> SELECT DISTINCT ?i WHERE { GRAPH ?g { '
             '?c imr:disputedItem ?i } FILTER(fn:matches(?i, "injection")) }')
    expected = _picked(index, q=["injection"])
    assert expected and {str(r["i"]) for r in graph.select(query)} == expected
    answer = client.get("/sparql", query_string={"query": query}, headers={"Accept": "application/sparql-results+json"})
    assert answer.status_code == 200
    assert {b["i"]["value"] for b in answer.get_json()["results"]["bindings"]} == expected
    cases = graph.select('PREFIX fn: <https://w3id.org/imr-kg/function#> SELECT DISTINCT ?c WHERE { GRAPH ?g { '
                         '?c imr:disputedItem ?i } FILTER(fn:matches(?c, "injection")) }')
    assert {str(r["c"]) for r in cases} == {i.rsplit("/item/", 1)[0] for i in expected}
