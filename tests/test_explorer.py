"""kg.explorer: the Wilson interval, the filters, and the guideline → category → outcome counts on the bundled
letters' store, checked against plain SPARQL COUNT queries written independently of the explorer's query."""
from __future__ import annotations

import csv
import io
import math
from collections.abc import Iterator
from itertools import combinations
from pathlib import Path

import pytest

from kg.explorer import (LEVELS, PARAMETERS, ExplorerError, Filters, explore, filter_options, items_query,
                         parse_filters, to_csv, to_dict, wilson_interval)
from kg.store import KGStore

VOCAB = "https://w3id.org/imr-kg/vocab/"
OVERTURNED = VOCAB + "outcome/overturned"
VOCAB_GRAPH = "https://w3id.org/imr-kg/graph/vocab"
ICD_GRAPH = "https://w3id.org/imr-kg/graph/icd10cm"


@pytest.fixture(scope="module")
def store(built_store_path: Path) -> Iterator[KGStore]:
    """The bundled letters' store, read-only, for this module."""
    opened = KGStore(built_store_path, read_only=True)
    yield opened
    opened.close()


def counts(store: KGStore, where: str, group: str = "") -> dict[str, tuple[int, int]]:
    """Independent counts: distinct items (and overturned items) that have an IMR reviewer citation and match ``where``
    (a pattern inside the letter's graph, on ?item, ?case and ?gl), per ``group`` variable or in all ("")."""
    select = f"?{group} " if group else ""
    rows = store.select(f"""
        SELECT {select}(COUNT(DISTINCT ?item) AS ?items) (COUNT(DISTINCT ?over) AS ?overturned) WHERE {{
          GRAPH ?g {{
            ?case imr:disputedItem ?item .
            ?item imr:citation ?cite . ?cite imr:citationRole imr:IMRReviewer ; imr:guideline ?gl .
            {where}
            OPTIONAL {{ ?item imr:outcome out:overturned . BIND(?item AS ?over) }}
          }}
        }} {f"GROUP BY ?{group}" if group else ""}""")
    return {str(row.get(group, "")): (row["items"], row["overturned"]) for row in rows}


def expected_for(filters: Filters) -> str:
    """A pattern (FILTER EXISTS per filter) keeping the items ``filters`` allows, written apart from kg.explorer."""
    parts = []
    for name, prop, subject in (("region", "imr:bodyRegion", "?item"), ("category", "imr:category", "?item"),
                                ("specialty", "imr:reviewerSpecialty", "?case")):
        values = getattr(filters, name)
        if values:
            scheme = {"region": "body-region", "category": "category", "specialty": "specialty"}[name]
            iris = ", ".join(f"<{VOCAB}{scheme}/{v}>" for v in values)
            parts.append(f"FILTER EXISTS {{ {subject} {prop} ?v_{name} . FILTER(?v_{name} IN ({iris})) }}")
    if filters.year:
        years = ", ".join(str(y) for y in filters.year)
        parts.append(f"FILTER EXISTS {{ ?case imr:decisionDate ?d . FILTER(YEAR(?d) IN ({years})) }}")
    if filters.treatment:  # the treatment or one below it, along skos:broader in the vocabulary graph
        chosen = " ".join(f"<{VOCAB}treatment/{v}>" for v in filters.treatment)
        parts.append(f"FILTER EXISTS {{ ?item imr:treatment ?v_t . VALUES ?v_tc {{ {chosen} }} "
                     f"GRAPH <{VOCAB_GRAPH}> {{ ?v_t skos:broader* ?v_tc }} }}")
    if filters.icd:  # a diagnosis code at or below the chapter, block or code in the ICD-10-CM graph's hierarchy
        groups = " ".join(f"<{VOCAB}icd10cm/{'chapter-' + v if v.isdigit() else v}>" for v in filters.icd)
        parts.append(f"FILTER EXISTS {{ ?case imr:diagnosis/imr:icd10Code ?v_code . VALUES ?v_group {{ {groups} }} "
                     f"GRAPH <{ICD_GRAPH}> {{ ?v_code skos:broader* ?v_group }} }}")
    bounds = [f'?d_range {op} "{day}"^^xsd:date' for op, day in ((">=", filters.date_from), ("<=", filters.date_to))
              if day]
    if bounds:  # compared as dates
        parts.append(f"FILTER EXISTS {{ ?case imr:decisionDate ?d_range . FILTER({' && '.join(bounds)}) }}")
    return "\n".join(parts)


# ---------------------------------------------------------------- Wilson score interval


@pytest.mark.parametrize(("k", "n", "low", "high"), [
    (0, 10, 0.0, 0.2775), (5, 10, 0.2366, 0.7634), (10, 10, 0.7225, 1.0), (1, 10, 0.0179, 0.4042),
    (9, 39, 0.1265, 0.3834), (1, 1, 0.2065, 1.0), (50, 100, 0.4038, 0.5962),
])
def test_wilson_known_values(k: int, n: int, low: float, high: float) -> None:
    """Published Wilson intervals (z = 1.96) to four decimals."""
    got = wilson_interval(k, n)
    assert got[0] == pytest.approx(low, abs=5e-5) and got[1] == pytest.approx(high, abs=5e-5)


def test_wilson_edges_and_symmetry() -> None:
    """n = 0 says nothing: (0, 1). The bounds stay inside [0, 1], hit them exactly at 0 and n, and mirror."""
    assert wilson_interval(0, 0) == (0.0, 1.0)
    assert wilson_interval(0, 7)[0] == 0.0 and wilson_interval(7, 7)[1] == 1.0
    for n in (1, 2, 3, 10, 57, 1000):
        for k in range(n + 1):
            low, high = wilson_interval(k, n)
            assert 0.0 <= low <= k / n <= high <= 1.0
            mirror = wilson_interval(n - k, n)
            assert low == pytest.approx(1 - mirror[1], abs=1e-12)
    # a wider z gives a wider interval
    assert wilson_interval(3, 10, z=2.575829)[0] < wilson_interval(3, 10)[0]
    for bad in ((-1, 5), (6, 5), (1, -1)):
        with pytest.raises(ValueError):
            wilson_interval(*bad)


# ---------------------------------------------------------------- parameters


def test_parse_filters_normalises() -> None:
    """Local names or full IRIs, repeated values de-duplicated and sorted, blanks ignored, years as ints."""
    filters = parse_filters({"level": ["chapter"], "region": [VOCAB + "body-region/knee", "cervical-spine", "knee", ""],
                             "category": ["imaging"], "year": ["2015", "2014", "2015"], "specialty": []})
    assert filters == Filters(level="chapter", region=("cervical-spine", "knee"), category=("imaging",), year=(2014, 2015))
    assert filters.params() == [("level", "chapter"), ("region", "cervical-spine"), ("region", "knee"),
                                ("category", "imaging"), ("year", "2014"), ("year", "2015")]
    assert parse_filters({}) == Filters()
    assert parse_filters({"level": ["guideline"]}).params() == []


def test_parse_filters_normalises_the_new_filters() -> None:
    """Treatments as names or IRIs; ICD-10-CM chapters, blocks and codes in one written form, chapters first; the
    dates as given; all of them in the shareable parameters, after the older filters."""
    filters = parse_filters({"treatment": [VOCAB + "treatment/mri", "massage-therapy", "mri"],
                             "icd": ["m54.5", "M545", "13", "m50-m54", "G56.0", "M96", " "],
                             "from": ["2014-01-01"], "to": ["2015-06-30"], "year": ["2015"]})
    assert filters.treatment == ("massage-therapy", "mri")
    # chapter 6's code before chapter 13, whose number comes before its blocks and codes
    assert filters.icd == ("G56.0", "13", "M50-M54", "M54.5", "M96")
    assert filters.diagnoses() == (("13",), ("M50-M54", "M96"), ("G560", "M545"))
    assert (filters.date_from, filters.date_to) == ("2014-01-01", "2015-06-30")
    params = filters.params()
    assert params[0] == ("year", "2015") and params[-2:] == [("from", "2014-01-01"), ("to", "2015-06-30")]
    assert [v for k, v in params if k == "treatment"] == ["massage-therapy", "mri"]
    assert [v for k, v in params if k == "icd"] == list(filters.icd)
    assert parse_filters({k: [v for n, v in params if n == k] for k in dict(params)}) == filters  # a URL round trip
    assert parse_filters({"to": ["2015-01-01"]}).params() == [("to", "2015-01-01")]
    # a treatment takes in the narrower ones, from the vocabulary
    assert set(Filters(treatment=("physical-therapy",)).treatments()) >= {"physical-therapy", "aquatic-therapy",
                                                                          "post-operative-physical-therapy"}
    assert Filters(treatment=("massage-therapy",)).treatments() == ("massage-therapy",)


@pytest.mark.parametrize(("params", "words"), [
    ({"level": ["page"]}, "level must be one of"),
    ({"level": ["topic", "chapter"]}, "level must be one of"),
    ({"year": ["20x5"]}, "not a year"),
    ({"year": ["1492"]}, "not a year"),
    ({"region": ["knee> } ; DROP ALL ; <x"]}, "not the name of a body-region concept"),
    ({"category": ['imaging" . ?s ?p ?o']}, "not the name of a category concept"),
    ({"specialty": ["https://example.org/other/pain-medicine"]}, "specialty concept"),
    ({"regions": ["knee"]}, "unknown parameter 'regions'"),
    ({"year": ["2015"] * 101}, "too many values"),
    ({"from": ["2015-1-1"]}, "from '2015-1-1' is not a date: write it as YYYY-MM-DD"),
    ({"to": ["2015-02-30"]}, "to '2015-02-30' is not a date"),
    ({"to": ["30/06/2015"]}, "to '30/06/2015' is not a date"),
    ({"from": ["2015-01-01", "2016-01-01"]}, "from takes one date"),
    ({"from": ["2016-01-01"], "to": ["2015-12-31"]}, r"from \(2016-01-01\) is after to \(2015-12-31\)"),
    ({"icd": ["23"]}, "icd '23' is not an ICD-10-CM chapter"),
    ({"icd": ["0"]}, "icd '0' is not an ICD-10-CM chapter"),
    ({"icd": ["M50-M59"]}, "icd 'M50-M59' is not an ICD-10-CM block"),
    ({"icd": ["M54.5'"]}, "icd \"M54.5'\" is not an ICD-10-CM chapter number"),
    ({"icd": ["lumbago"]}, "icd 'lumbago' is not an ICD-10-CM chapter number"),
    ({"treatment": ["mri> } DROP ALL { <x"]}, "not the name of a treatment concept"),
])
def test_parse_filters_refuses(params: dict, words: str) -> None:
    """Anything that is not a well-formed value is refused with a message, never pasted into a query."""
    with pytest.raises(ExplorerError, match=words):
        parse_filters(params)


# ---------------------------------------------------------------- counts on the bundled letters


def test_totals_match_independent_counts(store: KGStore) -> None:
    """Total items and overturned items are the distinct reviewer-cited items; every item is one."""
    result = explore(store.select, Filters())
    items, overturned = counts(store, "")[""]
    assert (result.totals["items"], result.totals["overturned"]) == (items, overturned)
    all_items = store.select("SELECT (COUNT(DISTINCT ?i) AS ?n) WHERE { GRAPH ?g { ?i a imr:DisputedItem } }")[0]["n"]
    assert items == all_items > 30
    assert 0 < overturned < items
    assert result.totals["overturn_rate"] == overturned / items
    assert (result.totals["wilson_low"], result.totals["wilson_high"]) == wilson_interval(overturned, items)


def test_guideline_level_matches_independent_counts(store: KGStore) -> None:
    """Items and overturned per guideline, per category and per outcome; each guideline → category link too."""
    result = explore(store.select, Filters())
    nodes = {n.id: n for n in result.nodes}
    per_guideline = counts(store, "", "gl")
    assert {n.iri: (n.items, n.overturned) for n in result.nodes if n.column == "source"} == per_guideline
    per_category = counts(store, "?item imr:category ?cat .", "cat")
    assert {n.iri: (n.items, n.overturned) for n in result.nodes if n.column == "category"} == per_category
    per_outcome = counts(store, "?item imr:outcome ?o .", "o")
    assert {n.iri: (n.items, n.overturned) for n in result.nodes if n.column == "outcome"} == per_outcome
    pairs = {}
    for (gl, cat) in {(nodes[link.path[0]].iri, nodes[link.path[1]].iri)
                      for link in result.links if link.kind == "source-category"}:
        pairs[(gl, cat)] = counts(store, f"FILTER(?gl = <{gl}>) ?item imr:category <{cat}> .")[""]
    assert {(nodes[link.path[0]].iri, nodes[link.path[1]].iri): (link.items, link.overturned)
            for link in result.links if link.kind == "source-category"} == pairs
    assert sum(pairs.values(), ())  # there are links at all


@pytest.mark.parametrize("level", LEVELS)
def test_links_add_up(store: KGStore, level: str) -> None:
    """At every level: paths add up to their guideline → category link, category → outcome links to the category,
    outcome nodes to the total; a path's rate is 0 or 1 with the outcome; every Wilson interval is the formula's."""
    result = explore(store.select, Filters(level=level))
    nodes = {n.id: n for n in result.nodes}
    by_kind: dict[str, list] = {}
    for link in result.links:
        by_kind.setdefault(link.kind, []).append(link)
        assert (link.wilson_low, link.wilson_high) == wilson_interval(link.overturned, link.items)
        assert link.overturn_rate == link.overturned / link.items
    for link in by_kind["source-category"]:
        paths = [p for p in by_kind["path"] if p.path[:2] == link.path]
        assert sum(p.items for p in paths) == link.items
        assert sum(p.overturned for p in paths) == link.overturned
    for path in by_kind["path"]:
        assert path.overturn_rate == (1.0 if path.path[2] == "o:" + OVERTURNED else 0.0)
    for node in (n for n in result.nodes if n.column == "category"):
        out = [link for link in by_kind["category-outcome"] if link.path[0] == node.id]
        assert sum(link.items for link in out) == node.items
    outcomes = [n for n in result.nodes if n.column == "outcome"]
    assert sum(n.items for n in outcomes) == result.totals["items"]
    # an item citing several guidelines counts under each: the left column adds up to at least the total
    assert sum(n.items for n in result.nodes if n.column == "source") >= result.totals["items"]
    assert {n.column for n in nodes.values()} == {"source", "category", "outcome"}


def test_chapter_and_topic_levels_match_independent_counts(store: KGStore) -> None:
    """Chapter nodes count the items citing that chapter; topic nodes the items citing that topic under that
    guideline with no chapter (chapter level) or whatever the chapter (topic level)."""
    chapter = explore(store.select, Filters(level="chapter"))
    per_chapter = counts(store, "?cite imr:chapter ?ch .", "ch")
    assert {n.iri: (n.items, n.overturned) for n in chapter.nodes if n.kind == "chapter"} == per_chapter
    topics = [n for n in chapter.nodes if n.kind == "topic" and n.label != "(none)"]
    assert topics
    for node in topics:
        label = node.label.replace("\\", "\\\\").replace('"', '\\"')
        where = (f'FILTER(?gl = <{node.guideline_iri}>) ?cite imr:topic "{label}" . '
                 "FILTER NOT EXISTS { ?cite imr:chapter ?anyChapter }")
        assert (node.items, node.overturned) == counts(store, where)[""], node.label
    topic = explore(store.select, Filters(level="topic"))
    for node in (n for n in topic.nodes if n.kind == "topic" and n.label != "(none)"):
        label = node.label.replace("\\", "\\\\").replace('"', '\\"')
        where = f'FILTER(?gl = <{node.guideline_iri}>) ?cite imr:topic "{label}" .'
        assert (node.items, node.overturned) == counts(store, where)[""], node.label


def _one_and_two(options: list[dict]) -> list[tuple[str, ...]]:
    values = [o["value"] for o in options]
    return [(values[0],), (values[-1],)] + [pair for pair in combinations(values, 2)][:2]


@pytest.mark.parametrize("name", ["region", "category", "specialty", "year", "treatment", "icd"])
def test_each_filter_narrows_the_totals(store: KGStore, name: str) -> None:
    """One value or two (OR) of each filter: totals equal the independent counts and never exceed the unfiltered."""
    everything = explore(store.select, Filters()).totals
    options = filter_options(store.select)[name]
    assert options, f"no {name} in the bundled letters"
    for values in _one_and_two(options):
        filters = parse_filters({name: list(values)})
        result = explore(store.select, filters)
        items, overturned = counts(store, expected_for(filters))[""]
        assert (result.totals["items"], result.totals["overturned"]) == (items, overturned), values
        assert 0 < result.totals["items"] <= everything["items"]
        assert sum(n.items for n in result.nodes if n.column == "outcome") == items
        if len(values) == 1:
            assert items == next(o["items"] for o in options if o["value"] == values[0])
    if len(options) > 1:
        one = explore(store.select, parse_filters({name: [options[0]["value"]]})).totals["items"]
        assert one < everything["items"] or name == "year"


def test_filters_combine_with_and(store: KGStore) -> None:
    """Category AND year AND region: the intersection, as the independent count says; no match gives empty results."""
    combined = parse_filters({"category": ["pharmaceuticals", "imaging"], "year": ["2015"]})
    result = explore(store.select, combined)
    assert (result.totals["items"], result.totals["overturned"]) == counts(store, expected_for(combined))[""]
    assert result.totals["items"] < explore(store.select, parse_filters({"year": ["2015"]})).totals["items"]
    assert all(n.label in ("Pharmaceuticals", "Imaging") for n in result.nodes if n.column == "category")
    newer = parse_filters({"treatment": ["physical-therapy", "opioid", "mri"], "icd": ["13", "G50-G59"],
                           "from": ["2014-03-04"], "to": ["2015-09-15"], "region": ["spine", "knee", "shoulder"]})
    result = explore(store.select, newer)
    assert (result.totals["items"], result.totals["overturned"]) == counts(store, expected_for(newer))[""]
    assert 0 < result.totals["items"] < explore(store.select, parse_filters({"icd": ["13", "G50-G59"]})).totals["items"]
    empty = explore(store.select, parse_filters({"year": ["1999"]}))
    assert empty.totals["items"] == 0 and empty.links == [] and empty.nodes == []
    assert empty.totals["overturn_rate"] is None and (empty.totals["wilson_low"], empty.totals["wilson_high"]) == (0, 1)


def test_filter_options_match_independent_counts(store: KGStore) -> None:
    """Every option's count is the number of reviewer-cited items with that value."""
    options = filter_options(store.select)
    regions = counts(store, "?item imr:bodyRegion ?r .", "r")
    assert {VOCAB + "body-region/" + o["value"]: o["items"] for o in options["region"]} == \
        {k: v[0] for k, v in regions.items()}
    years = store.select("SELECT DISTINCT ?y WHERE { GRAPH ?g { ?c imr:decisionDate ?d } BIND(YEAR(?d) AS ?y) }")
    assert sorted(int(o["value"]) for o in options["year"]) == sorted(r["y"] for r in years)
    assert [o["value"] for o in options["year"]] == sorted((o["value"] for o in options["year"]), reverse=True)
    assert all(o["label"] and o["items"] > 0 for name in options for o in options[name])
    # a treatment counts its items and those of the treatments below it (skos:broader in the vocabulary graph)
    treatments = counts(store, f"?item imr:treatment ?t . GRAPH <{VOCAB_GRAPH}> {{ ?t skos:broader* ?above }}", "above")
    assert {VOCAB + "treatment/" + o["value"]: o["items"] for o in options["treatment"]} == \
        {k: v[0] for k, v in treatments.items()}
    assert len(options["treatment"]) > 20
    # the ICD-10-CM chapters and blocks of the cases' diagnoses, as the ICD-10-CM graph's hierarchy puts them
    groups = counts(store, f"?case imr:diagnosis/imr:icd10Code ?code . GRAPH <{ICD_GRAPH}> {{ ?code skos:broader* "
                           '?group . ?group imr:icd10Level ?level FILTER(?level IN ("chapter", "block")) }', "group")
    assert {VOCAB + "icd10cm/" + ("chapter-" if o["kind"] == "chapter" else "") + o["value"]: o["items"]
            for o in options["icd"]} == {k: v[0] for k, v in groups.items()}
    icd = {o["value"]: o for o in options["icd"]}
    assert icd["13"]["label"] == "Chapter 13: Diseases of the musculoskeletal system and connective tissue"
    assert icd["M50-M54"]["label"] == "M50-M54 Other dorsopathies" and icd["M50-M54"]["kind"] == "block"
    values = [o["value"] for o in options["icd"]]  # each chapter, then its blocks
    assert values.index("6") < values.index("G50-G59") < values.index("13") < values.index("M50-M54")


@pytest.mark.parametrize("level", LEVELS)
def test_items_query_lists_the_items_of_each_row(store: KGStore, level: str) -> None:
    """The workbench query of every table row lists exactly as many items as the row counts."""
    filters = Filters(level=level, year=(2014, 2015))
    result = explore(store.select, filters)
    for row in result.table:
        query = items_query(filters, row)
        assert query is not None
        assert len(store.select(query)) == row["items"], row
    assert items_query(filters, {**result.table[0], "guideline_iri": "https://x.org/a> } DROP ALL { <b"}) is None
    if level != "guideline":  # a topic is text from a letter: quotes, backslashes and line breaks stay inside the string
        odd = {**result.table[-1], "detail_iri": "", "detail": 'say "no" \\ or\n} DROP ALL {'}
        assert store.select(items_query(filters, odd) or "") == []


def test_csv_has_the_json_rows(store: KGStore) -> None:
    """to_csv writes the table: the same rows, in order, with exact numbers."""
    result = explore(store.select, Filters(level="topic"))
    data = to_dict(result)
    rows = list(csv.DictReader(io.StringIO(to_csv(result))))
    assert len(rows) == len(data["table"]) > 0
    for got, want in zip(rows, data["table"]):
        assert list(got) == list(want)
        for key, value in want.items():
            if isinstance(value, float):
                assert float(got[key]) == value
            else:
                assert got[key] == ("" if value is None else str(value))
    assert set(data["parameters"]) == set(PARAMETERS)
    assert data["parameters"]["level"]["value"] == "topic"
    assert math.isclose(sum(r["items"] for r in data["table"] if r["link"] == "category-outcome"),
                        data["totals"]["items"])


def test_region_filter_follows_the_hierarchy(store: KGStore) -> None:
    """A broader region keeps the items of the regions below it: spine = cervical + thoracic + lumbar items."""
    spine = explore(store.select, parse_filters({"region": ["spine"]})).totals["items"]
    parts = store.select(
        "SELECT (COUNT(DISTINCT ?i) AS ?n) WHERE { GRAPH ?g { ?i imr:bodyRegion ?r } "
        "VALUES ?r { br:cervical-spine br:thoracic-spine br:lumbar-spine } }")[0]["n"]
    assert spine == parts > 0


def test_treatment_filter_takes_in_the_narrower_treatments(store: KGStore) -> None:
    """physical-therapy keeps the items requesting post-operative physical therapy too; a broader treatment no
    item names (manual-therapy) keeps massage and chiropractic items, and its option says so."""
    tr = VOCAB + "treatment/"
    therapy = explore(store.select, parse_filters({"treatment": ["physical-therapy"]})).totals
    own = counts(store, f"?item imr:treatment <{tr}physical-therapy> .")[""]
    below = counts(store, f"?item imr:treatment ?t . VALUES ?t {{ <{tr}physical-therapy> <{tr}aquatic-therapy> "
                          f"<{tr}home-physical-therapy> <{tr}physical-therapy-evaluation> "
                          f"<{tr}post-operative-physical-therapy> }}")[""]
    assert (therapy["items"], therapy["overturned"]) == below and below[0] > own[0] > 0
    manual = explore(store.select, parse_filters({"treatment": ["manual-therapy"]})).totals["items"]
    assert counts(store, f"?item imr:treatment <{tr}manual-therapy> .")[""][0] == 0
    assert manual == counts(store, f"?item imr:treatment ?t . VALUES ?t {{ <{tr}massage-therapy> "
                                   f"<{tr}chiropractic-treatment> }}")[""][0] > 0
    assert next(o for o in filter_options(store.select)["treatment"] if o["value"] == "manual-therapy")["items"] == manual
    full = parse_filters({"treatment": [tr + "massage-therapy"]})
    assert full.treatment == ("massage-therapy",)
    assert explore(store.select, full).totals["items"] == counts(store, f"?item imr:treatment <{tr}massage-therapy> .")[""][0] > 0


def test_diagnosis_filter_by_chapter_block_and_code(store: KGStore) -> None:
    """A chapter keeps more than one of its blocks, a block more than a code in it; a code keeps the codes that
    begin with it, however it is written; each count is the independent one (by the code's text here)."""
    icd = VOCAB + "icd10cm/"

    def by_text(condition: str) -> tuple[int, int]:
        return counts(store, f"?case imr:diagnosis/imr:icd10Code ?code . BIND(STRAFTER(STR(?code), \"{icd}\") AS ?t) "
                             f"FILTER({condition})")[""]

    def totals(*values: str) -> tuple[int, int]:
        result = explore(store.select, parse_filters({"icd": list(values)})).totals
        return result["items"], result["overturned"]

    chapter = totals("13")
    assert chapter == by_text('STRSTARTS(?t, "M")')  # chapter 13 is M00-M99
    block = totals("M50-M54")
    assert block == by_text('SUBSTR(?t, 1, 3) IN ("M50", "M51", "M53", "M54")')
    code = totals("M54.5")
    assert code == totals("m545") == by_text('STRSTARTS(?t, "M54.5")')
    assert chapter[0] > block[0] > code[0] > 0
    assert totals("M54.50") == by_text('?t = "M54.50"') and totals("M54.50")[0] > 0
    assert totals("M54.5", "G50-G59")[0] == by_text('STRSTARTS(?t, "M54.5") || SUBSTR(?t, 1, 3) IN '
                                                    '("G50", "G51", "G52", "G53", "G54", "G55", "G56", "G57", "G58", "G59")')[0]
    assert totals("M54.5", "G50-G59")[0] > max(code[0], totals("G50-G59")[0])
    assert totals("2") == (0, 0)  # no neoplasms in the bundled letters


def test_decision_date_range_is_inclusive(store: KGStore) -> None:
    """from and to keep the cases decided on those days and between; one day keeps that day's cases only."""
    dates = sorted(str(r["d"]) for r in store.select("SELECT DISTINCT ?d WHERE { GRAPH ?g { ?c imr:decisionDate ?d } }"))
    assert len(dates) > 5
    day = dates[3]

    def totals(**bounds: str) -> tuple[int, int]:
        result = explore(store.select, parse_filters({k.replace("date_", ""): [v] for k, v in bounds.items()})).totals
        return result["items"], result["overturned"]

    one = totals(date_from=day, date_to=day)
    assert one == counts(store, f'?case imr:decisionDate "{day}"^^xsd:date .')[""] and one[0] > 0
    assert totals(date_from=dates[0], date_to=dates[-1]) == counts(store, "")[""]
    assert totals(date_from=day) == counts(store, f'?case imr:decisionDate ?d . FILTER(?d >= "{day}"^^xsd:date)')[""]
    assert totals(date_to=day) == counts(store, f'?case imr:decisionDate ?d . FILTER(?d <= "{day}"^^xsd:date)')[""]
    assert totals(date_from=day)[0] + totals(date_to=day)[0] == counts(store, "")[""][0] + one[0]
    assert totals(date_from="2014-01-01", date_to="2014-12-31") == \
        (lambda t: (t["items"], t["overturned"]))(explore(store.select, Filters(year=(2014,))).totals)
    after = f"{int(dates[-1][:4]) + 1}-01-01"
    assert totals(date_from=after) == (0, 0)


@pytest.mark.parametrize("params", [{"icd": ["13"], "from": ["2014-03-04"]}, {"treatment": ["physical-therapy", "opioid"]},
                                    {"icd": ["M54.5", "F40-F48"], "to": ["2015-06-30"], "level": ["chapter"]}])
def test_items_query_follows_the_new_filters(store: KGStore, params: dict) -> None:
    """The workbench query of every row lists as many items as the row counts, with the new filters too."""
    filters = parse_filters(params)
    result = explore(store.select, filters)
    assert result.table
    for row in result.table:
        assert len(store.select(items_query(filters, row) or "")) == row["items"], row
