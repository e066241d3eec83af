"""Outcome counts kept in the store as RDF Data Cube observations, updated as letters are loaded.

Pages and example queries that count outcomes by category, treatment, body region, guideline, chapter or
reviewer specialty (and year) read these observations instead of grouping every disputed item per request.
One observation per (dimension, concept, decision year) in the ``graph/summaries`` graph:

    <summary/category/pharmaceuticals/2016> a qb:Observation ; qb:dataSet <summary/outcomes> ;
        imr:dimension "category" ; imr:dimensionValue cat:pharmaceuticals ; imr:year 2016 ;
        imr:items 10 ; imr:upheld 9 ; imr:overturned 1 .

The dimension "all" (value: the dataset itself) counts every item. A letter adds its items' counts when it is
loaded; a letter replaced first takes off what its earlier version added (read from its stored graph), so the
counts stay exact without ever being recomputed from all letters.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Protocol

from kg.namespaces import BASE, GRAPH
from kg.rdf import mint
from kg.record import CaseRecord

SUMMARY_GRAPH = GRAPH["summaries"]
DATASET = f"{BASE}summary/outcomes"
_IMR = "https://w3id.org/imr-kg/ontology#"
_QB = "http://purl.org/linked-data/cube#"
_XSD = "http://www.w3.org/2001/XMLSchema#"
DIMENSIONS = ("all", "category", "treatment", "region", "guideline", "chapter", "specialty")
# One fact: (dimension, value IRI, year or "", outcome "upheld" | "overturned")
Fact = tuple[str, str, str, str]
Cell = tuple[str, str, str]


class Reader(Protocol):
    """What updating the counts needs to read from the store."""

    def select(self, sparql: str) -> list[dict[str, Any]]:
        """Rows of a SELECT query, as plain values."""
        ...


def record_facts(record: CaseRecord) -> list[Fact]:
    """What one letter adds to the counts: a fact per decided item and dimension value."""
    year = (record.decision_date or "")[:4]
    specialties = [str(mint.concept_iri("specialty", m.concept_id)) for m in record.specialty_mentions
                   if m.concept_id]
    facts: list[Fact] = []
    for item in record.items:
        outcome = mint.OUTCOME_IDS.get(item.decision or "")
        if outcome is None:
            continue
        values: list[tuple[str, str]] = [("all", DATASET),
                                          ("category", str(mint.category_iri(item.category)))]
        if item.treatment_id:
            values.append(("treatment", str(mint.concept_iri("treatment", item.treatment_id))))
        values += [("region", str(mint.concept_iri("body-region", r))) for r in item.body_region_ids]
        cited = item.reviewer_guideline
        values += [("guideline", str(mint.concept_iri("guideline", c.guideline_id))) for c in cited if c.guideline_id]
        values += [("chapter", str(mint.concept_iri("guideline", c.chapter_id))) for c in cited if c.chapter_id]
        values += [("specialty", s) for s in specialties]
        facts += [(dimension, value, year, outcome) for dimension, value in dict.fromkeys(values)]
    return facts


def stored_facts_query(letter_graph: str) -> str:
    """A SELECT giving the facts an already stored letter added (from its own graph only)."""
    g = f"<{letter_graph}>"
    return f"""PREFIX imr: <{_IMR}>
SELECT DISTINCT ?item ?dimension ?value ?year ?outcome WHERE {{
  GRAPH {g} {{
    ?case imr:disputedItem ?item . ?item imr:outcome ?o .
    OPTIONAL {{ ?case imr:decisionDate ?date }}
    {{ BIND("all" AS ?dimension) BIND(<{DATASET}> AS ?value) }}
    UNION {{ ?item imr:category ?value BIND("category" AS ?dimension) }}
    UNION {{ ?item imr:treatment ?value BIND("treatment" AS ?dimension) }}
    UNION {{ ?item imr:bodyRegion ?value BIND("region" AS ?dimension) }}
    UNION {{ ?item imr:citation ?c . ?c imr:citationRole imr:IMRReviewer ; imr:guideline ?value
             BIND("guideline" AS ?dimension) }}
    UNION {{ ?item imr:citation ?c . ?c imr:citationRole imr:IMRReviewer ; imr:chapter ?value
             BIND("chapter" AS ?dimension) }}
    UNION {{ ?case imr:reviewerSpecialty ?value BIND("specialty" AS ?dimension) }}
  }}
  BIND(STRAFTER(STR(?o), "outcome/") AS ?outcome)
  BIND(IF(BOUND(?date), SUBSTR(STR(?date), 1, 4), "") AS ?year)
}}"""


def facts_from_rows(rows: Iterable[Mapping[str, Any]]) -> list[Fact]:
    """The facts of :func:`stored_facts_query`'s rows."""
    return [(str(r["dimension"]), str(r["value"]), str(r["year"] or ""), str(r["outcome"])) for r in rows
            if r.get("outcome") in ("upheld", "overturned")]


def deltas(added: Iterable[Fact], removed: Iterable[Fact] = ()) -> dict[Cell, list[int]]:
    """Per cell, the change in [items, upheld, overturned]."""
    change: dict[Cell, list[int]] = {}
    accumulate(change, added, removed)
    return {cell: counts for cell, counts in change.items() if any(counts)}


def accumulate(change: dict[Cell, list[int]], added: Iterable[Fact], removed: Iterable[Fact] = ()) -> None:
    """Add the facts of ``added`` to ``change`` and take off those of ``removed`` (a running total whose size
    is the number of cells touched, not of letters)."""
    for sign, facts in ((1, added), (-1, removed)):
        for dimension, value, year, outcome in facts:
            cell = change.get((dimension, value, year))
            if cell is None:
                cell = change[(dimension, value, year)] = [0, 0, 0]
            cell[0] += sign
            cell[1 if outcome == "upheld" else 2] += sign


def observation_iri(cell: Cell) -> str:
    """The observation of one (dimension, value, year) cell."""
    dimension, value, year = cell
    local = value.rsplit("/", 2)
    name = "-".join(local[-2:]) if dimension != "all" else "all"
    return f"{BASE}summary/{dimension}/{name}/{year or 'undated'}"


def update_counts(reader: Reader, change: Mapping[Cell, list[int]]) -> str | None:
    """One SPARQL Update applying ``change`` to the stored counts (None when there is nothing to change)."""
    if not change:
        return None
    cells = {observation_iri(cell): cell for cell in change}
    current: dict[str, list[int]] = {}
    names = list(cells)
    for start in range(0, len(names), 500):
        values = " ".join(f"<{name}>" for name in names[start:start + 500])
        for row in reader.select(
                f"PREFIX imr: <{_IMR}> SELECT ?obs ?items ?up ?over WHERE {{ GRAPH <{SUMMARY_GRAPH}> {{ "
                f"VALUES ?obs {{ {values} }} ?obs imr:items ?items ; imr:upheld ?up ; imr:overturned ?over }} }}"):
            current[str(row["obs"])] = [int(row["items"]), int(row["up"]), int(row["over"])]
    triples = []
    for name, cell in cells.items():
        counts = [a + b for a, b in zip(current.get(name, [0, 0, 0]), change[cell])]
        if counts[0] <= 0:
            continue
        dimension, value, year = cell
        year_triple = f' ; <{_IMR}year> "{year}"^^<{_XSD}gYear>' if year else ""
        value_triple = f" ; <{_IMR}dimensionValue> <{value}>" if dimension != "all" else ""
        triples.append(
            f"<{name}> a <{_QB}Observation> ; <{_QB}dataSet> <{DATASET}> ; <{_IMR}dimension> \"{dimension}\""
            f"{value_triple}{year_triple} ; <{_IMR}items> {counts[0]} ; "
            f"<{_IMR}upheld> {counts[1]} ; <{_IMR}overturned> {counts[2]} .")
    cleared = " ".join(f"<{name}>" for name in cells)
    operations = [f"DELETE {{ GRAPH <{SUMMARY_GRAPH}> {{ ?obs ?p ?o }} }} WHERE {{ GRAPH <{SUMMARY_GRAPH}> {{ "
                  f"VALUES ?obs {{ {cleared} }} ?obs ?p ?o }} }}"]
    if triples:
        triples.append(f"<{DATASET}> a <{_QB}DataSet> ; <http://www.w3.org/2000/01/rdf-schema#label> "
                       '"Outcomes of disputed items, by dimension and decision year" .')
        operations.append(f"INSERT DATA {{ GRAPH <{SUMMARY_GRAPH}> {{\n" + "\n".join(triples) + "\n} }")
    return " ;\n".join(operations)
