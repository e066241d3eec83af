"""The item index: one row per disputed item, with what the pages filter and count by, in SQLite beside the store.

The graph stays the record; this index is derived from it, kept up to date by the same loader that writes the
letters (batch by batch, after the graphs) and rebuilt from the store by `kg recount`. Pages that count items
under filters that combine freely (the explorer's guideline → category → outcome links by region, specialty,
category and year) read it with SQL, where the same count over every letter graph in SPARQL grows with the
store. It lives in the store folder as ``items.sqlite`` (WAL mode: the server's readers and one writer at a
time, in any process).

What one letter contributes (:func:`letter_rows`, computed in the pipeline's workers) is plain data:

    {"letter": key, "sha256": ..., "year": 2016 | None, "specialties": [IRI ...],
     "items": [{"item": IRI, "category": IRI | "", "outcome": IRI | "", "regions": [IRI ... with the regions
                above them], "sources": [[level, guideline IRI, detail IRI, detail text] ...]}]}

``sources`` are the reviewer's citations naming a guideline, at each level of detail of the explorer
(guideline; chapter, else topic; topic, else chapter), as :mod:`kg.explorer` defines them.
"""
from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

from kg.rdf import mint
from kg.record import CaseRecord

FILE_NAME = "items.sqlite"
LetterRows = dict[str, Any]
Select = Callable[[str], list[dict[str, Any]]]
_IMR = "https://w3id.org/imr-kg/ontology#"
_SCHEMA = """
CREATE TABLE IF NOT EXISTS letters (letter TEXT PRIMARY KEY, sha256 TEXT NOT NULL, year INTEGER);
CREATE TABLE IF NOT EXISTS letter_specialties (letter TEXT NOT NULL, specialty TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS items (item TEXT PRIMARY KEY, letter TEXT NOT NULL, year INTEGER,
                                  category TEXT NOT NULL, outcome TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS item_regions (item TEXT NOT NULL, region TEXT NOT NULL, named INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS item_sources (item TEXT NOT NULL, level TEXT NOT NULL, guideline TEXT NOT NULL,
                                         detail_iri TEXT NOT NULL, detail TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS items_by_letter ON items (letter);
CREATE INDEX IF NOT EXISTS specialties_by_letter ON letter_specialties (letter, specialty);
CREATE INDEX IF NOT EXISTS specialties_by_value ON letter_specialties (specialty, letter);
CREATE INDEX IF NOT EXISTS regions_by_item ON item_regions (item, region);
CREATE INDEX IF NOT EXISTS regions_by_value ON item_regions (region, item);
CREATE INDEX IF NOT EXISTS sources_by_item ON item_sources (item, level);
CREATE INDEX IF NOT EXISTS sources_by_level ON item_sources (level, item);
"""


def letter_rows(record: CaseRecord, digest: str) -> LetterRows | None:
    """What one extracted letter puts in the index (None for a letter that will not be stored)."""
    from kg.vocab import vocabulary

    if record.case_number is None:
        return None
    key = mint.case_key(record.case_number, record.sha256)
    case = mint.case_iri(key)
    year = int(record.decision_date[:4]) if record.decision_date else None
    regions = vocabulary("body-region")
    items = []
    for number, item in enumerate(record.items, 1):
        closure: dict[str, int] = {}
        for region in item.body_region_ids:
            closure[str(mint.concept_iri("body-region", region))] = 1
        for region in item.body_region_ids:
            for concept in regions.ancestors(region):
                closure.setdefault(concept.iri, 0)
        sources = []
        for citation in item.reviewer_guideline:
            if citation.guideline_id:
                sources += _sources(str(mint.concept_iri("guideline", citation.guideline_id)),
                                    str(mint.concept_iri("guideline", citation.chapter_id)) if citation.chapter_id else "",
                                    citation.topic or "")
        outcome = mint.outcome_iri(item.decision)
        items.append({"item": str(mint.part_iri(case, "item", number)),
                      "category": str(mint.category_iri(item.category)) if item.category else "",
                      "outcome": str(outcome) if outcome else "", "regions": [[r, n] for r, n in closure.items()],
                      "sources": [list(s) for s in dict.fromkeys(sources)]})
    specialties = [str(mint.concept_iri("specialty", m.concept_id)) for m in record.specialty_mentions if m.concept_id]
    return {"letter": key, "sha256": digest, "year": year, "specialties": list(dict.fromkeys(specialties)),
            "items": items}


def _sources(guideline: str, chapter: str, topic: str) -> list[tuple[str, str, str, str]]:
    """One citation's explorer sources: (level, guideline, detail IRI, detail) at the three levels of detail."""
    by_chapter = chapter or topic
    by_topic = topic or chapter
    return [("guideline", guideline, "", ""),
            ("chapter", guideline, chapter if chapter and by_chapter == chapter else "", by_chapter),
            ("topic", guideline, chapter if chapter and by_topic == chapter else "", by_topic)]


class ItemIndex:
    """The SQLite item index at ``path`` (None: in memory, for a store in memory)."""

    def __init__(self, path: str | Path | None, read_only: bool = False) -> None:
        if path is None:
            self.db = sqlite3.connect(":memory:", check_same_thread=False)
        elif read_only:
            self.db = sqlite3.connect(f"file:{path}?mode=ro", uri=True, check_same_thread=False)
        else:
            self.db = sqlite3.connect(str(path), check_same_thread=False, timeout=60)
            self.db.execute("PRAGMA journal_mode=WAL")
        if not read_only:
            self.db.execute("PRAGMA synchronous=NORMAL")
            self.db.executescript(_SCHEMA)

    def close(self) -> None:
        """Close the database."""
        self.db.close()

    def __enter__(self) -> ItemIndex:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def write(self, letters: Iterable[LetterRows], removed: Iterable[str] = ()) -> None:
        """Put letters in (replacing what they held before) and take letters out, in one transaction."""
        letters = list(letters)
        with self.db:
            for key in [*removed, *(rows["letter"] for rows in letters)]:
                self._remove(key)
            for rows in letters:
                self.db.execute("INSERT INTO letters VALUES (?, ?, ?)", (rows["letter"], rows["sha256"], rows["year"]))
                self.db.executemany("INSERT INTO letter_specialties VALUES (?, ?)",
                                    [(rows["letter"], s) for s in rows["specialties"]])
                for item in rows["items"]:
                    self.db.execute("INSERT INTO items VALUES (?, ?, ?, ?, ?)",
                                    (item["item"], rows["letter"], rows["year"], item["category"], item["outcome"]))
                    self.db.executemany("INSERT INTO item_regions VALUES (?, ?, ?)",
                                        [(item["item"], r, n) for r, n in item["regions"]])
                    self.db.executemany("INSERT INTO item_sources VALUES (?, ?, ?, ?, ?)",
                                        [(item["item"], *source) for source in item["sources"]])

    def _remove(self, key: str) -> None:
        self.db.execute("DELETE FROM item_regions WHERE item IN (SELECT item FROM items WHERE letter = ?)", (key,))
        self.db.execute("DELETE FROM item_sources WHERE item IN (SELECT item FROM items WHERE letter = ?)", (key,))
        for table in ("items", "letter_specialties", "letters"):
            self.db.execute(f"DELETE FROM {table} WHERE letter = ?", (key,))

    def clear(self) -> None:
        """Empty every table."""
        with self.db:
            for table in ("item_regions", "item_sources", "items", "letter_specialties", "letters"):
                self.db.execute(f"DELETE FROM {table}")

    def letters(self) -> dict[str, str]:
        """Letter key -> file digest of every letter in the index."""
        return dict(self.db.execute("SELECT letter, sha256 FROM letters"))

    def counts(self, level: str, region: Iterable[str] = (), specialty: Iterable[str] = (),
               category: Iterable[str] = (), year: Iterable[int] = ()) -> tuple[list[tuple], list[tuple]]:
        """The explorer's counts: distinct decided items per (guideline, detail IRI, detail, category, outcome)
        at ``level``, and per (category, outcome), among items with a reviewer citation naming a guideline and
        matching the filters (IRIs; any value of a filter matches, all filters must)."""
        where, params = ["i.outcome != ''"], []
        for values, clause in (
                (list(category), "i.category IN ({})"),
                (list(year), "i.year IN ({})"),
                (list(region), "i.item IN (SELECT item FROM item_regions WHERE region IN ({}))"),
                (list(specialty), "i.letter IN (SELECT letter FROM letter_specialties WHERE specialty IN ({}))")):
            if values:
                where.append(clause.format(", ".join("?" * len(values))))
                params += values
        condition = " AND ".join(where)
        paths = self.db.execute(
            f"SELECT s.guideline, s.detail_iri, s.detail, i.category, i.outcome, COUNT(DISTINCT i.item) "
            f"FROM items i JOIN item_sources s ON s.item = i.item AND s.level = ? WHERE {condition} "
            f"GROUP BY s.guideline, s.detail_iri, s.detail, i.category, i.outcome", [level, *params]).fetchall()
        totals = self.db.execute(
            f"SELECT i.category, i.outcome, COUNT(*) FROM items i WHERE {condition} AND EXISTS "
            f"(SELECT 1 FROM item_sources s WHERE s.item = i.item AND s.level = 'guideline') "
            f"GROUP BY i.category, i.outcome", params).fetchall()
        return paths, totals

    def option_counts(self) -> dict[str, list[tuple[str, int]]]:
        """Every value each explorer filter takes among decided items with a reviewer citation naming a guideline
        (the explorer's own restriction), with its number of items."""
        cited = "i.outcome != '' AND EXISTS (SELECT 1 FROM item_sources s WHERE s.item = i.item AND s.level = 'guideline')"
        queries = {
            "region": f"SELECT r.region, COUNT(DISTINCT i.item) FROM items i JOIN item_regions r ON r.item = i.item "
                      f"WHERE {cited} AND r.named = 1 GROUP BY r.region",
            "category": f"SELECT i.category, COUNT(*) FROM items i WHERE {cited} AND i.category != '' GROUP BY i.category",
            "specialty": f"SELECT p.specialty, COUNT(DISTINCT i.item) FROM items i JOIN letter_specialties p "
                         f"ON p.letter = i.letter WHERE {cited} GROUP BY p.specialty",
            "year": f"SELECT CAST(i.year AS TEXT), COUNT(*) FROM items i WHERE {cited} AND i.year IS NOT NULL "
                    f"GROUP BY i.year"}
        return {name: [(str(v), int(n)) for v, n in self.db.execute(sql)] for name, sql in queries.items()}


def stored_rows(select: Select, keys_and_digests: Mapping[str, str]) -> list[LetterRows]:
    """The index rows of letters already in the store, read from their graphs (to rebuild the index)."""
    if not keys_and_digests:
        return []
    graphs = " ".join(f"<{mint.letter_graph(key)}>" for key in keys_and_digests)
    rows = select(f"""PREFIX imr: <{_IMR}>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
SELECT ?g ?item ?kind ?a ?b ?c ?date WHERE {{
  VALUES ?g {{ {graphs} }}
  GRAPH ?g {{
    ?case a imr:Case .
    OPTIONAL {{ ?case imr:decisionDate ?date }}
    {{ ?case imr:reviewerSpecialty ?a BIND("specialty" AS ?kind) }}
    UNION {{ ?case imr:disputedItem ?item BIND("item" AS ?kind)
             OPTIONAL {{ ?item imr:category ?a }} OPTIONAL {{ ?item imr:outcome ?b }} }}
    UNION {{ ?case imr:disputedItem ?item . ?item imr:citation ?cite .
             ?cite imr:citationRole imr:IMRReviewer ; imr:guideline ?a BIND("source" AS ?kind)
             OPTIONAL {{ ?cite imr:chapter ?b }} OPTIONAL {{ ?cite imr:topic ?c }} }}
  }}
}}""")
    rows += select(f"""PREFIX imr: <{_IMR}>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
SELECT ?g ?item ?kind ?region ?above WHERE {{
  VALUES ?g {{ {graphs} }}
  GRAPH ?g {{ ?case imr:disputedItem ?item . ?item imr:bodyRegion ?region BIND("region" AS ?kind) }}
  OPTIONAL {{ GRAPH <{GRAPH_VOCAB}> {{ ?region skos:broader* ?above }} }}
}}""")
    letters: dict[str, LetterRows] = {}
    items: dict[str, dict[str, Any]] = {}
    by_graph = {str(mint.letter_graph(key)): key for key in keys_and_digests}
    for row in rows:
        key = by_graph[str(row["g"])]
        date = row.get("date")
        rows_of = letters.setdefault(key, {"letter": key, "sha256": keys_and_digests[key], "year": None,
                                           "specialties": [], "items": []})
        if date and rows_of["year"] is None:
            rows_of["year"] = int(str(date)[:4])
        kind = row["kind"]
        if kind == "specialty":
            if str(row["a"]) not in rows_of["specialties"]:
                rows_of["specialties"].append(str(row["a"]))
            continue
        item = items.get(str(row["item"]))
        if item is None:
            item = items[str(row["item"])] = {"item": str(row["item"]), "category": "", "outcome": "",
                                              "regions": [], "sources": []}
            rows_of["items"].append(item)
        if kind == "item":
            item["category"], item["outcome"] = str(row.get("a") or ""), str(row.get("b") or "")
        elif kind == "region":
            named = str(row["region"])
            regions = dict(item["regions"])
            regions[named] = 1
            above = str(row["above"]) if row.get("above") else ""
            if above:
                regions.setdefault(above, 0)
            item["regions"] = [[r, n] for r, n in regions.items()]
        else:
            for source in _sources(str(row["a"]), str(row.get("b") or ""), str(row.get("c") or "")):
                if list(source) not in item["sources"]:
                    item["sources"].append(list(source))
    for key in keys_and_digests:  # a letter with no case facts still counts as indexed
        letters.setdefault(key, {"letter": key, "sha256": keys_and_digests[key], "year": None,
                                 "specialties": [], "items": []})
    return list(letters.values())


def sync(index: ItemIndex, select: Select, stored: Mapping[str, str], batch: int = 200) -> tuple[int, int]:
    """Make the index hold exactly the letters ``stored`` (key -> file digest, as in the store): letters missing
    or with another digest are read from their graphs, letters no longer stored are taken out. Returns (letters
    indexed, letters taken out). After an interrupted build this brings the index back in line with the store."""
    indexed = index.letters()
    gone = [key for key in indexed if key not in stored]
    todo = [key for key, digest in stored.items() if indexed.get(key) != digest]
    if gone:
        index.write([], gone)
    for start in range(0, len(todo), batch):
        chunk = {key: stored[key] for key in todo[start:start + batch]}
        index.write(stored_rows(select, chunk))
    return len(todo), len(gone)


GRAPH_VOCAB = "https://w3id.org/imr-kg/graph/vocab"

__all__ = ["FILE_NAME", "ItemIndex", "LetterRows", "letter_rows", "stored_rows", "sync"]
