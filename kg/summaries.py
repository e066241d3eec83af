"""Outcome counts kept in the store as RDF Data Cube observations, updated as letters are loaded.

Pages and example queries that count outcomes by category, treatment, body region, guideline, chapter or
reviewer specialty (and year) read these observations instead of grouping every disputed item per request.
One observation per (dimension, concept, decision year) in the ``graph/summaries`` graph:

    <summary/category/pharmaceuticals/2016> a qb:Observation ; qb:dataSet <summary/outcomes> ;
        imr:dimension "category" ; imr:dimensionValue cat:pharmaceuticals ; imr:year 2016 ;
        imr:items 10 ; imr:upheld 9 ; imr:overturned 1 .

The dimension "all" (value: the dataset itself) counts every item. The dimension "topic" counts the items by
what the reviewer cited at its finest: the topic as written (its value an IRI under the chapter, or the guideline,
it belongs to: ``vocab/guideline/odg-knee-leg/topic/Compression%20stockings``, the topic percent-encoded), else
the chapter, else the guideline; its observations also carry ``imr:citedConcept`` and ``imr:citedTopic``, and
count all years together (no ``imr:year``): topics are many, and one observation per topic and year would make
every reader sum tens of thousands of them.

A second dataset counts cases: per body region named in a case's items ("case-region": cases and items) and per
ICD-10-CM chapter of a case's diagnoses ("case-chapter": cases and diagnoses), by decision year:

    <summary/case-region/body-region-lumbar-spine/2016> a qb:Observation ; qb:dataSet <summary/cases> ;
        imr:dimension "case-region" ; imr:dimensionValue region:lumbar-spine ; imr:year 2016 ;
        imr:cases 40 ; imr:items 52 .

A third dataset counts validation problems ("constraint": imr:letters having one, imr:problems in all) per
constraint and severity, with ``imr:constraintName`` and ``imr:severity`` on each observation; and the cases
dataset also counts cases by the days from application to decision ("case-days", one observation per number of
days and year, with ``imr:days``), from which any distribution of the wait can be summed.

A letter adds its counts when it is loaded; a letter replaced first takes off what its earlier version added (read from its stored graph), so the
counts stay exact without ever being recomputed from all letters.
"""
from __future__ import annotations

import json
import re
import urllib.parse
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import date
from typing import Any, Protocol

from kg.namespaces import BASE, GRAPH, from_named
from kg.rdf import mint
from kg.record import CaseRecord

_MONTH_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")

SUMMARY_GRAPH = GRAPH["summaries"]
DATASET = f"{BASE}summary/outcomes"
CASES_DATASET = f"{BASE}summary/cases"
QUALITY_DATASET = f"{BASE}summary/quality"
_GUIDELINE = f"{BASE}vocab/guideline/"
_DAYS = f"{BASE}summary/days/"
_MONTH = f"{BASE}summary/month/"
_SH = "http://www.w3.org/ns/shacl#"
_CONSTRAINT = f"{BASE}summary/constraint/"
_IMR = "https://w3id.org/imr-kg/ontology#"
_QB = "http://purl.org/linked-data/cube#"
_XSD = "http://www.w3.org/2001/XMLSchema#"
DIMENSIONS = ("all", "month", "category", "treatment", "region", "guideline", "chapter", "topic", "specialty")
CASE_DIMENSIONS = ("case-all", "case-region", "case-chapter", "case-days")
QUALITY_DIMENSIONS = ("constraint", "severity")
#: Dimensions counted over all years at once: their values are many (a topic is words as the reviewer wrote
#: them), so one observation per value and year would multiply what readers sum.
ALL_YEARS = ("topic",)
#: The layout of the observations; a store counted under another one is counted again by the next build.
LAYOUT = "2"
OUTCOMES = ("upheld", "overturned")
# What each dataset's observations count (imr: properties), the first deciding whether a cell still exists.
MEASURES = {DATASET: ("items", "upheld", "overturned"), CASES_DATASET: ("cases", "items", "diagnoses"),
            QUALITY_DATASET: ("letters", "problems")}
# One fact: (dimension, value IRI, year or "", what it adds one to): an outcome ("upheld" | "overturned",
# which adds one item too) for the outcome dimensions; "cases", "items" or "diagnoses" for the case dimensions;
# "letters" or "problems" for the quality dimension.
Fact = tuple[str, str, str, str]
Cell = tuple[str, str, str]
Counts = dict[str, int]


class Reader(Protocol):
    """What updating the counts needs to read from the store."""

    def select(self, sparql: str) -> list[dict[str, Any]]:
        """Rows of a SELECT query, as plain values."""
        ...


def topic_value(concept: str, topic: str | None) -> str:
    """The "topic" dimension's value for a citation of ``concept`` (a chapter, else a guideline IRI) and its
    topic as written: the concept itself when no topic was given."""
    return f"{concept}/topic/{urllib.parse.quote(topic, safe='')}" if topic else concept


def month_value(date: str) -> str:
    """The "month" dimension's value for a decision date ("2016-04-12" → …/summary/month/2016-04)."""
    return f"{_MONTH}{date[:7]}"


def days_value(days: int) -> str:
    """The "case-days" dimension's value for a wait of ``days`` days."""
    return f"{_DAYS}{days}"


def constraint_value(severity: str, constraint: str) -> str:
    """The "constraint" dimension's value for a SHACL result of ``severity`` ("Violation", "Warning", "Info")
    from the named constraint."""
    return f"{_CONSTRAINT}{urllib.parse.quote(severity, safe='')}/{urllib.parse.quote(constraint, safe='')}"


def waiting_days(received: str | None, decided: str | None) -> int | None:
    """Whole days from the application's receipt to the decision (None when a date is missing, not a date, or
    the decision comes first)."""
    try:
        days = (date.fromisoformat(decided or "") - date.fromisoformat(received or "")).days
    except ValueError:
        return None
    return days if days >= 0 else None


def record_facts(record: CaseRecord, results: Sequence[Sequence[str]] = ()) -> list[Fact]:
    """What one letter adds to the counts: a fact per decided item and dimension value, the case counts by body
    region, ICD-10-CM chapter and days waited, and one per validation problem in ``results`` (rows of
    :func:`kg.item_index.report_results`: id, constraint, severity, message)."""
    from kg.vocab.icd10_chapters import chapter_of

    year = (record.decision_date or "")[:4]
    specialties = [str(mint.concept_iri("specialty", m.concept_id)) for m in record.specialty_mentions
                   if m.concept_id]
    facts: list[Fact] = []
    regions: set[str] = set()
    for item in record.items:
        item_regions = [str(mint.concept_iri("body-region", r)) for r in dict.fromkeys(item.body_region_ids)]
        facts += [("case-region", region, year, "items") for region in item_regions]
        regions.update(item_regions)
        outcome = mint.OUTCOME_IDS.get(item.decision or "")
        if outcome is None:
            continue
        values: list[tuple[str, str]] = [("all", DATASET),
                                          ("category", str(mint.category_iri(item.category)))]
        if _MONTH_DATE.fullmatch(record.decision_date or ""):
            values.append(("month", month_value(record.decision_date or "")))
        if item.treatment_id:
            values.append(("treatment", str(mint.concept_iri("treatment", item.treatment_id))))
        values += [("region", region) for region in item_regions]
        cited = item.reviewer_guideline
        values += [("guideline", str(mint.concept_iri("guideline", c.guideline_id))) for c in cited if c.guideline_id]
        values += [("chapter", str(mint.concept_iri("guideline", c.chapter_id))) for c in cited if c.chapter_id]
        values += [("topic", topic_value(str(mint.concept_iri("guideline", c.chapter_id or c.guideline_id)), c.topic))
                   for c in cited if c.guideline_id]
        values += [("specialty", s) for s in specialties]
        facts += [(dimension, value, year, outcome) for dimension, value in dict.fromkeys(values)]
    facts += [("case-region", region, year, "cases") for region in sorted(regions)]
    chapters: set[str] = set()
    for diagnosis in record.diagnoses:
        chapter = chapter_of(diagnosis.icd10) if diagnosis.icd10 else None
        if chapter is not None:
            value = str(mint.icd10_iri(f"chapter-{chapter}"))
            facts.append(("case-chapter", value, year, "diagnoses"))
            chapters.add(value)
    facts += [("case-chapter", chapter, year, "cases") for chapter in sorted(chapters)]
    facts.append(("case-all", CASES_DATASET, year, "cases"))
    days = waiting_days(record.application_received, record.decision_date)
    if days is not None:
        facts.append(("case-days", days_value(days), year, "cases"))
    problems = [("constraint", constraint_value(severity, constraint), year) for _, constraint, severity, _ in results]
    facts += [(*cell, "problems") for cell in problems]
    facts += [(*cell, "letters") for cell in dict.fromkeys(problems)]
    severities = [("severity", f"{_SH}{severity}", year) for _, _, severity, _ in results]
    facts += [(*cell, "problems") for cell in severities]
    facts += [(*cell, "letters") for cell in dict.fromkeys(severities)]
    return facts


def stored_facts_query(*letter_graphs: str) -> str:
    """A SELECT giving the facts already stored letters added (from their own graphs, and the ICD-10-CM graph
    for the chapters of their codes). ?thing is what a fact counts (an item, a diagnosis, or the case).

    The query's dataset names the letters' graphs and their validation reports (``FROM NAMED``), so that
    ``GRAPH ?g`` ranges over those graphs only: the time grows with the batch, not with the store (a ``VALUES``
    list of graphs would not do, as a group inside ``GRAPH ?g`` is matched on its own before the join)."""
    named = [*letter_graphs, *(str(mint.validation_graph(key)) for g in letter_graphs
                               if (key := mint.key_from_iri(g)))]
    dataset = from_named(named)
    case = "GRAPH ?g { ?case a imr:Case . OPTIONAL { ?case imr:decisionDate ?date } }"
    report = ("GRAPH ?g { ?case imr:letter ?letter } GRAPH ?v { ?letter imr:validationReport ?report . "
              "?report sh:result ?r . ?r sh:resultSeverity ?sev . OPTIONAL { ?r imr:constraint ?named } "
              "OPTIONAL { ?r sh:sourceShape ?shape } } "
              'BIND(COALESCE(?named, STR(?shape), "(unnamed constraint)") AS ?constraint) '
              f'BIND(IRI(CONCAT("{_CONSTRAINT}", ENCODE_FOR_URI(STRAFTER(STR(?sev), "#")), "/", '
              'ENCODE_FOR_URI(?constraint))) AS ?value) BIND("constraint" AS ?dimension)')
    severity = ("GRAPH ?g { ?case imr:letter ?letter } GRAPH ?v { ?letter imr:validationReport ?report . "
                "?report sh:result ?r . ?r sh:resultSeverity ?value } BIND(\"severity\" AS ?dimension)")
    def item(pattern: str) -> str:
        """A decided item of the case, with more ``pattern`` on it."""
        return ("GRAPH ?g { ?case imr:disputedItem ?thing . ?thing imr:outcome ?o . " + pattern + " } "
                'BIND(STRAFTER(STR(?o), "outcome/") AS ?outcome) ')

    reviewer = "?thing imr:citation ?c . ?c imr:citationRole imr:IMRReviewer ; "
    branches = [
        f'{report} BIND(?r AS ?thing) BIND("problems" AS ?outcome)',
        f'{report} BIND(?letter AS ?thing) BIND("letters" AS ?outcome)',
        f'{severity} BIND(?r AS ?thing) BIND("problems" AS ?outcome)',
        f'{severity} BIND(?letter AS ?thing) BIND("letters" AS ?outcome)',
        f'BIND(?case AS ?thing) BIND(<{CASES_DATASET}> AS ?value) BIND("case-all" AS ?dimension) '
        'BIND("cases" AS ?outcome)',
        item("") + f'BIND("all" AS ?dimension) BIND(<{DATASET}> AS ?value)',
        item("?case imr:decisionDate ?when .") + 'BIND("month" AS ?dimension) '
        f'BIND(IRI(CONCAT("{_MONTH}", SUBSTR(STR(?when), 1, 7))) AS ?value)',
        item("?thing imr:category ?value .") + 'BIND("category" AS ?dimension)',
        item("?thing imr:treatment ?value .") + 'BIND("treatment" AS ?dimension)',
        item("?thing imr:bodyRegion ?value .") + 'BIND("region" AS ?dimension)',
        item(reviewer + "imr:guideline ?value .") + 'BIND("guideline" AS ?dimension)',
        item(reviewer + "imr:chapter ?value .") + 'BIND("chapter" AS ?dimension)',
        item(reviewer + "imr:guideline ?cg . OPTIONAL { ?c imr:chapter ?cc } OPTIONAL { ?c imr:topic ?ct }")
        + 'BIND(COALESCE(?cc, ?cg) AS ?cited) '
        'BIND(IF(BOUND(?ct), IRI(CONCAT(STR(?cited), "/topic/", ENCODE_FOR_URI(?ct))), ?cited) AS ?value) '
        'BIND("topic" AS ?dimension)',
        item("?case imr:reviewerSpecialty ?value .") + 'BIND("specialty" AS ?dimension)',
        'GRAPH ?g { ?case imr:disputedItem ?thing . ?thing imr:bodyRegion ?value } '
        'BIND("case-region" AS ?dimension) BIND("items" AS ?outcome)',
        'GRAPH ?g { ?case imr:disputedItem/imr:bodyRegion ?value } BIND(?case AS ?thing) '
        'BIND("case-region" AS ?dimension) BIND("cases" AS ?outcome)',
        'GRAPH ?g { ?case imr:diagnosis ?thing . ?thing imr:icd10Code ?code } '
        'BIND("case-chapter" AS ?dimension) BIND("diagnoses" AS ?outcome)',
        'GRAPH ?g { ?case imr:diagnosis/imr:icd10Code ?code } BIND(?case AS ?thing) '
        'BIND("case-chapter" AS ?dimension) BIND("cases" AS ?outcome)',
        'GRAPH ?g { ?case imr:applicationReceived ?received ; imr:decisionDate ?decided } '
        'BIND(STR(?decided - ?received) AS ?span) '
        'BIND(IF(?span = "PT0S", 0, xsd:integer(REPLACE(?span, "^P([0-9]+)D$", "$1"))) AS ?days) '
        f'BIND(IRI(CONCAT("{_DAYS}", STR(?days))) AS ?value) '
        'BIND(?case AS ?thing) BIND("case-days" AS ?dimension) BIND("cases" AS ?outcome)',
    ]
    union = "\n  UNION ".join(f"{{ {case} {branch} }}" for branch in branches)
    return f"""PREFIX imr: <{_IMR}>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX sh: <http://www.w3.org/ns/shacl#>
PREFIX xsd: <{_XSD}>
SELECT DISTINCT ?thing ?dimension ?value ?code ?year ?outcome
{dataset}
WHERE {{
  {union}
  FILTER(BOUND(?value) || BOUND(?code))
  BIND(IF(BOUND(?date), SUBSTR(STR(?date), 1, 4), "") AS ?year)
}}"""


class Writer(Reader, Protocol):
    """What recounting needs: reading, and running an update."""

    def update(self, sparql: str) -> None:
        """Run one SPARQL Update (one transaction)."""
        ...


#: How many letters' graphs one read of stored facts names (its time grows faster than the number of graphs).
READ_BATCH = 25


def recount(store: Writer, batch: int = 1000, progress: Callable[[int], None] | None = None) -> int:
    """Count everything again from the stored letters (after a crash, or for a store built before a kind of
    count existed): the summaries graph is cleared, then filled ``batch`` letters at a time (read
    :data:`READ_BATCH` at a time), so memory holds the counts one batch changes. Returns the number of letters
    counted."""
    from kg.namespaces import IMR

    graphs = [str(row["g"]) for row in store.select(
        f"SELECT DISTINCT ?g WHERE {{ GRAPH ?g {{ ?letter a <{IMR.Letter}> }} }} ORDER BY ?g")]
    store.update(f"DROP SILENT GRAPH <{SUMMARY_GRAPH}>")
    for start in range(0, len(graphs), batch):
        chunk = graphs[start:start + batch]
        change: dict[Cell, Counts] = {}
        for first in range(0, len(chunk), READ_BATCH):
            accumulate(change, facts_from_rows(store.select(stored_facts_query(*chunk[first:first + READ_BATCH]))))
        counts = update_counts(store, {cell: n for cell, n in change.items() if any(n.values())})
        if counts:
            store.update(counts)
        if progress is not None:
            progress(len(chunk))
    return len(graphs)


def facts_from_rows(rows: Iterable[Mapping[str, Any]]) -> list[Fact]:
    """The facts of :func:`stored_facts_query`'s rows. The ICD-10-CM chapter of a diagnosis is worked out here
    from its code (:func:`kg.vocab.icd10_chapters.chapter_of`, as loading does), then each thing counts once per
    chapter."""
    from kg.vocab.icd10_chapters import chapter_of

    known = set(OUTCOMES) | {"cases", "items", "diagnoses", "letters", "problems"}
    unique: dict[tuple[str, ...], Mapping[str, Any]] = {}
    for row in rows:
        value = row.get("value")
        if value is None:
            code = str(row.get("code") or "").rsplit("/", 1)[-1]
            chapter = chapter_of(urllib.parse.unquote(code)) if code else None
            if chapter is None:
                continue
            value = str(mint.icd10_iri(f"chapter-{chapter}"))
        key = (str(row.get("thing")), str(row["dimension"]), str(value), str(row.get("year") or ""), str(row["outcome"]))
        unique.setdefault(key, {**row, "value": value})
    rows = list(unique.values())
    return [(str(r["dimension"]), str(r["value"]), str(r["year"] or ""), str(r["outcome"])) for r in rows
            if r.get("outcome") in known and (r.get("outcome") in OUTCOMES) == (r["dimension"] in DIMENSIONS)]


def deltas(added: Iterable[Fact], removed: Iterable[Fact] = ()) -> dict[Cell, Counts]:
    """Per cell, the change in each of its measures."""
    change: dict[Cell, Counts] = {}
    accumulate(change, added, removed)
    return {cell: counts for cell, counts in change.items() if any(counts.values())}


def accumulate(change: dict[Cell, Counts], added: Iterable[Fact], removed: Iterable[Fact] = ()) -> None:
    """Add the facts of ``added`` to ``change`` and take off those of ``removed`` (a running total whose size
    is the number of cells touched, not of letters)."""
    for sign, facts in ((1, added), (-1, removed)):
        for dimension, value, year, counted in facts:
            if dimension in ALL_YEARS:
                year = ""
            cell = change.get((dimension, value, year))
            if cell is None:
                cell = change[(dimension, value, year)] = dict.fromkeys(MEASURES[dataset_of(dimension)], 0)
            if counted in OUTCOMES:
                cell["items"] += sign
            cell[counted] += sign


def dataset_of(dimension: str) -> str:
    """The dataset whose observations a dimension's cells are."""
    if dimension in CASE_DIMENSIONS:
        return CASES_DATASET
    return QUALITY_DATASET if dimension in QUALITY_DIMENSIONS else DATASET


def observation_iri(cell: Cell) -> str:
    """The observation of one (dimension, value, year) cell."""
    dimension, value, year = cell
    if dimension == "topic":  # the guideline or chapter, then the topic when there is one
        name = value.removeprefix(_GUIDELINE).replace("/topic/", "/")
    elif dimension in ("case-days", "constraint", "month"):
        name = value.removeprefix(_DAYS).removeprefix(_CONSTRAINT).removeprefix(_MONTH)
    elif dimension == "severity":
        name = value.rsplit("#", 1)[-1]
    elif dimension == "case-all":
        name = "all"
    else:
        local = value.rsplit("/", 2)
        name = "-".join(local[-2:]) if dimension != "all" else "all"
    if dimension in ALL_YEARS:
        return f"{BASE}summary/{dimension}/{name}"
    return f"{BASE}summary/{dimension}/{name}/{year or 'undated'}"


def _described(dimension: str, value: str) -> str:
    """What an observation of the topic, days or constraint dimension says besides its counts (Turtle
    predicate-object pairs, each after " ; "), all read off the value IRI."""
    if dimension == "topic":
        concept, _, topic = value.partition("/topic/")
        said = f" ; <{_IMR}citedConcept> <{concept}>"
        return said + (f" ; <{_IMR}citedTopic> {_string(urllib.parse.unquote(topic))}" if topic else "")
    if dimension == "case-days":
        return f" ; <{_IMR}days> {int(value.removeprefix(_DAYS))}"
    if dimension == "month":
        return f' ; <{_IMR}month> "{value.removeprefix(_MONTH)}"^^<{_XSD}gYearMonth>'
    if dimension == "constraint":
        severity, _, name = value.removeprefix(_CONSTRAINT).partition("/")
        return (f" ; <{_IMR}severity> <http://www.w3.org/ns/shacl#{urllib.parse.unquote(severity)}>"
                f" ; <{_IMR}constraintName> {_string(urllib.parse.unquote(name))}")
    return ""


def _string(text: str) -> str:
    """A SPARQL string literal (JSON's escapes are SPARQL's)."""
    return json.dumps(text, ensure_ascii=False)


def update_counts(reader: Reader, change: Mapping[Cell, Counts]) -> str | None:
    """One SPARQL Update applying ``change`` to the stored counts (None when there is nothing to change).

    The stored counts of the cells are read first; the update then deletes exactly those count triples
    (DELETE DATA, no pattern to match) and inserts each observation with its new counts (inserting a triple
    already there changes nothing). Only an observation whose count falls to zero is removed by pattern.
    """
    if not change:
        return None
    cells = {observation_iri(cell): cell for cell in change}
    current: dict[str, Counts] = {}
    names = list(cells)
    measures = {f"{_IMR}{m}": m for ms in MEASURES.values() for m in ms}
    for start in range(0, len(names), 500):
        values = " ".join(f"<{name}>" for name in names[start:start + 500])
        # One VALUES block only: a second one (for the measures) makes the engine join the two first, and
        # the read then grows with the square of the counts stored.
        for row in reader.select(f"SELECT ?obs ?measure ?n WHERE {{ VALUES ?obs {{ {values} }} "
                                 f"GRAPH <{SUMMARY_GRAPH}> {{ ?obs ?measure ?n }} }}"):
            measure = measures.get(str(row["measure"]))
            if measure is not None:
                current.setdefault(str(row["obs"]), {})[measure] = int(row["n"])
    stale = [f"<{name}> <{_IMR}{m}> {n} ." for name, counts in current.items() for m, n in counts.items()]
    triples, emptied, datasets = [], [], set()
    for name, cell in cells.items():
        dimension, value, year = cell
        dataset = dataset_of(dimension)
        stored = current.get(name, {})
        counts = {m: stored.get(m, 0) + change[cell].get(m, 0) for m in MEASURES[dataset]}
        if counts[MEASURES[dataset][0]] <= 0:
            if name in current:
                emptied.append(name)
            continue
        datasets.add(dataset)
        year_triple = f' ; <{_IMR}year> "{year}"^^<{_XSD}gYear>' if year else ""
        value_triple = f" ; <{_IMR}dimensionValue> <{value}>" if dimension not in ("all", "case-all") else ""
        measured = "".join(f" ; <{_IMR}{m}> {n}" for m, n in counts.items())
        triples.append(f"<{name}> a <{_QB}Observation> ; <{_QB}dataSet> <{dataset}> ; "
                       f"<{_IMR}dimension> \"{dimension}\"{value_triple}{year_triple}{measured}"
                       f"{_described(dimension, value)} .")
    operations = []
    if stale:
        operations.append(f"DELETE DATA {{ GRAPH <{SUMMARY_GRAPH}> {{\n" + "\n".join(stale) + "\n} }")
    for start in range(0, len(emptied), 500):
        gone = " ".join(f"<{name}>" for name in emptied[start:start + 500])
        operations.append(f"DELETE {{ GRAPH <{SUMMARY_GRAPH}> {{ ?obs ?p ?o }} }} WHERE {{ VALUES ?obs {{ {gone} }} "
                          f"GRAPH <{SUMMARY_GRAPH}> {{ ?obs ?p ?o }} }}")
    for dataset in sorted(datasets):
        triples.append(f"<{dataset}> a <{_QB}DataSet> ; <http://www.w3.org/2000/01/rdf-schema#label> "
                       f"\"{_DATASET_LABELS[dataset]}\" .")
    if triples:
        operations.append(f"INSERT DATA {{ GRAPH <{SUMMARY_GRAPH}> {{\n" + "\n".join(triples) + "\n} }")
    return " ;\n".join(operations) or None


_DATASET_LABELS = {DATASET: "Outcomes of disputed items, by dimension and decision year",
                   CASES_DATASET: "Cases by body region, ICD-10-CM chapter and days from application to "
                                  "decision, and decision year",
                   QUALITY_DATASET: "Validation problems by constraint and severity, and decision year"}
