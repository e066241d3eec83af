"""The item index: one row per disputed item, with what the pages filter and count by, in SQLite beside the store.

The graph stays the record; this index is derived from it, kept up to date by the same loader that writes the
letters (batch by batch, after the graphs) and rebuilt from the store by `kg recount`. Pages that count items
under filters that combine freely (the explorer's guideline → category → outcome links by region, specialty,
category and year) read it with SQL, where the same count over every letter graph in SPARQL grows with the
store. It lives in the store folder as ``items.sqlite`` (WAL mode: the server's readers and one writer at a
time, in any process).

What one letter contributes (:func:`letter_rows`, computed in the pipeline's workers) is plain data:

    {"letter": key, "sha256": ..., "year": 2016 | None, "specialties": [IRI ...],
     "received": application date | "", "priority": IRI | "", "text": the letter's text | "",
     "diagnoses": [[ICD-10-CM code | "", the diagnosis as written] ...],
     "items": [{"item": IRI, "number": 1, "category": IRI | "", "outcome": IRI | "", "treatment": IRI | "",
                "treatment_label": the treatment as written | "", "laterality": IRI | "",
                "request": the request as written, "rationale": the reviewer's rationale | "",
                "regions": [[IRI, 1 when named | 0 for a region above a named one] ...],
                "sources": [[level, guideline IRI, detail IRI, detail text] ...]}]}

``sources`` are the reviewer's citations naming a guideline, at each level of detail of the explorer
(guideline; chapter, else topic; topic, else chapter), as :mod:`kg.explorer` defines them. After validation
the pipeline adds ``"quality"``: the case number, source, decision date, build time, whether the letter
conforms, and its SHACL results as [result id, constraint, severity, message] (what the data-quality page counts).

The words of each item and letter are indexed for full-text search (:mod:`kg.text_index`) in the same
transaction, so the search never finds a letter the other tables do not hold.
"""
from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

from kg.namespaces import from_named, sparql_prologue
from kg import text_index
from kg.rdf import mint
from kg.record import CaseRecord
from kg.vocab.icd10_blocks import block_of
from kg.vocab.icd10_chapters import chapter_of

FILE_NAME = "items.sqlite"
SCHEMA_VERSION = 4  # raised whenever the tables change
LetterRows = dict[str, Any]
Select = Callable[[str], list[dict[str, Any]]]
_SCHEMA = """
CREATE TABLE IF NOT EXISTS letters (letter TEXT PRIMARY KEY, sha256 TEXT NOT NULL, year INTEGER,
                                    case_number TEXT, source TEXT, decision_date TEXT, generated TEXT,
                                    conforms INTEGER, violations INTEGER NOT NULL DEFAULT 0,
                                    warnings INTEGER NOT NULL DEFAULT 0, infos INTEGER NOT NULL DEFAULT 0,
                                    received TEXT, priority TEXT NOT NULL DEFAULT '');
CREATE TABLE IF NOT EXISTS letter_results (letter TEXT NOT NULL, result TEXT NOT NULL, constraint_name TEXT NOT NULL,
                                           severity TEXT NOT NULL, message TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS letter_specialties (letter TEXT NOT NULL, specialty TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS items (item TEXT PRIMARY KEY, letter TEXT NOT NULL, year INTEGER,
                                  category TEXT NOT NULL, outcome TEXT NOT NULL,
                                  treatment TEXT NOT NULL DEFAULT '', treatment_label TEXT NOT NULL DEFAULT '',
                                  number INTEGER NOT NULL DEFAULT 0, laterality TEXT NOT NULL DEFAULT '',
                                  request TEXT NOT NULL DEFAULT '', rationale TEXT NOT NULL DEFAULT '');
CREATE TABLE IF NOT EXISTS letter_diagnoses (letter TEXT NOT NULL, code TEXT NOT NULL, label TEXT NOT NULL,
                                             block TEXT NOT NULL, chapter TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS analyses (name TEXT PRIMARY KEY, version INTEGER NOT NULL, data TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS item_regions (item TEXT NOT NULL, region TEXT NOT NULL, named INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS item_sources (item TEXT NOT NULL, level TEXT NOT NULL, guideline TEXT NOT NULL,
                                         detail_iri TEXT NOT NULL, detail TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS items_by_letter ON items (letter);
CREATE INDEX IF NOT EXISTS diagnoses_by_letter ON letter_diagnoses (letter);
CREATE INDEX IF NOT EXISTS diagnoses_by_code ON letter_diagnoses (code, letter);
CREATE INDEX IF NOT EXISTS diagnoses_by_block ON letter_diagnoses (block, letter);
CREATE INDEX IF NOT EXISTS diagnoses_by_chapter ON letter_diagnoses (chapter, letter);
CREATE INDEX IF NOT EXISTS letters_by_date ON letters (decision_date);
CREATE INDEX IF NOT EXISTS results_by_letter ON letter_results (letter);
CREATE INDEX IF NOT EXISTS letters_by_problems ON letters (violations DESC, warnings DESC, infos DESC, letter);
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
        items.append({"item": str(mint.part_iri(case, "item", number)), "number": number,
                      "category": str(mint.category_iri(item.category)) if item.category else "",
                      "outcome": str(outcome) if outcome else "", "regions": [[r, n] for r, n in closure.items()],
                      "treatment": str(mint.concept_iri("treatment", item.treatment_id)) if item.treatment_id else "",
                      "treatment_label": item.treatment or "",
                      "laterality": str(mint.concept_iri("laterality", item.laterality)) if item.laterality else "",
                      "request": item.request, "rationale": item.rationale or "",
                      "sources": [list(s) for s in dict.fromkeys(sources)]})
    specialties = [str(mint.concept_iri("specialty", m.concept_id)) for m in record.specialty_mentions if m.concept_id]
    return {"letter": key, "sha256": digest, "year": year, "specialties": list(dict.fromkeys(specialties)),
            "received": record.application_received or "", "priority": priority_iri(record.priority),
            "diagnoses": [[d.icd10 or "", d.label] for d in record.diagnoses], "text": record.text or "",
            "items": items}


def priority_iri(priority: str | None) -> str:
    """The review priority's IRI ("Standard", "Expedited"), or "" when the letter gives none."""
    from kg.namespaces import IMR

    return str(IMR[priority]) if priority in ("Standard", "Expedited") else ""


def letter_quality(record: CaseRecord, extracted_at: datetime, conforms: bool, results: list[list[str]]) -> dict[str, Any]:
    """The data-quality facts of one letter, as the letter and report graphs state them."""
    return {"case_number": record.case_number, "source": record.source, "decision_date": record.decision_date,
            "generated": canonical_datetime(extracted_at),
            "conforms": int(conforms), "results": results}


def canonical_datetime(moment: datetime) -> str:
    """An xsd:dateTime in UTC in its canonical form, as the store gives it back: "Z", no trailing zeros in the
    fraction of a second (2026-12-07T03:43:21.5Z)."""
    text = moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S")
    fraction = f"{moment.microsecond:06d}".rstrip("0")
    return text + (f".{fraction}" if fraction else "") + "Z"


def report_results(report: Any, report_iri: Any) -> list[list[str]]:
    """[result id, constraint, severity, message] of each SHACL result in a report graph (message "" when the
    result has none)."""
    from rdflib.namespace import SH

    from kg.namespaces import IMR

    out = []
    for number, node in enumerate(sorted(report.objects(report_iri, SH.result), key=str)):
        severity = report.value(node, SH.resultSeverity)
        shape = report.value(node, SH.sourceShape)
        constraint = report.value(node, IMR.constraint) or (str(shape) if shape is not None else "(unnamed constraint)")
        out.append([str(number), str(constraint), str(severity).rsplit("#", 1)[-1] if severity else "",
                    str(report.value(node, SH.resultMessage) or "")])
    return out


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
        self.path = str(path) if path is not None else None
        if path is None:
            self.db = sqlite3.connect(":memory:", check_same_thread=False)
        elif read_only:
            self.db = sqlite3.connect(f"file:{path}?mode=ro", uri=True, check_same_thread=False)
        else:
            self.db = sqlite3.connect(str(path), check_same_thread=False, timeout=60)
            self.db.execute("PRAGMA journal_mode=WAL")
        #: False for an index written by another version of this module: not to be read (a build rewrites it).
        self.current = self.db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        self.reset = False  # True when this opening dropped an index of another layout
        if not read_only:
            self.db.execute("PRAGMA synchronous=NORMAL")
            if not self.current:  # derived data: an index of another layout is dropped and filled again
                # virtual tables first: dropping one drops the tables that hold its data
                for (table,) in self.db.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND "
                                                "sql LIKE 'CREATE VIRTUAL TABLE%'").fetchall():
                    self.db.execute(f'DROP TABLE IF EXISTS "{table}"')
                for (table,) in self.db.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall():
                    self.db.execute(f'DROP TABLE IF EXISTS "{table}"')
                self.db.executescript(_SCHEMA + text_index.SCHEMA)
                self.db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
                self.db.commit()
                self.reset = self.current = True

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
            self._bump()
            for key in [*removed, *(rows["letter"] for rows in letters)]:
                self._remove(key)
            for rows in letters:
                quality = rows.get("quality") or {}
                results = quality.get("results", [])
                severities = [sum(1 for r in results if r[2] == s) for s in ("Violation", "Warning", "Info")]
                self.db.execute("INSERT INTO letters VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                                (rows["letter"], rows["sha256"], rows["year"], quality.get("case_number"),
                                 quality.get("source"), quality.get("decision_date"), quality.get("generated"),
                                 quality.get("conforms"), *severities, rows.get("received") or None,
                                 rows.get("priority", "")))
                self.db.executemany("INSERT INTO letter_diagnoses VALUES (?, ?, ?, ?, ?)",
                                    [(rows["letter"], code, label, block_of(code) or "" if code else "",
                                      chapter_of(code) or "" if code else "")
                                     for code, label in rows.get("diagnoses", [])])
                self.db.executemany("INSERT INTO letter_results VALUES (?, ?, ?, ?, ?)",
                                    [(rows["letter"], *result) for result in results])
                self.db.executemany("INSERT INTO letter_specialties VALUES (?, ?)",
                                    [(rows["letter"], s) for s in rows["specialties"]])
                for item in rows["items"]:
                    self.db.execute("INSERT INTO items VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                                    (item["item"], rows["letter"], rows["year"], item["category"], item["outcome"],
                                     item.get("treatment", ""), item.get("treatment_label", ""),
                                     item.get("number", 0), item.get("laterality", ""), item.get("request", ""),
                                     item.get("rationale", "")))
                    self.db.executemany("INSERT INTO item_regions VALUES (?, ?, ?)",
                                        [(item["item"], r, n) for r, n in item["regions"]])
                    self.db.executemany("INSERT INTO item_sources VALUES (?, ?, ?, ?, ?)",
                                        [(item["item"], *source) for source in item["sources"]])
                text_index.add(self.db, rows, quality.get("case_number"))

    def _remove(self, key: str) -> None:
        self.db.execute("DELETE FROM item_regions WHERE item IN (SELECT item FROM items WHERE letter = ?)", (key,))
        self.db.execute("DELETE FROM item_sources WHERE item IN (SELECT item FROM items WHERE letter = ?)", (key,))
        for table in ("items", "letter_specialties", "letter_results", "letter_diagnoses", "letters"):
            self.db.execute(f"DELETE FROM {table} WHERE letter = ?", (key,))
        text_index.remove(self.db, key)

    def clear(self) -> None:
        """Empty every table."""
        with self.db:
            self._bump()
            for table in ("item_regions", "item_sources", "items", "letter_specialties", "letter_results",
                          "letter_diagnoses", "letters"):
                self.db.execute(f"DELETE FROM {table}")
            text_index.clear(self.db)

    def _bump(self) -> None:
        self.db.execute("INSERT INTO meta VALUES ('version', '1') "
                        "ON CONFLICT (name) DO UPDATE SET value = CAST(value AS INTEGER) + 1")

    def version(self) -> int:
        """A number that changes whenever the index does (what cached analyses are checked against)."""
        row = self.db.execute("SELECT value FROM meta WHERE name = 'version'").fetchone()
        return int(row[0]) if row else 0

    def cached(self, name: str) -> str | None:
        """An analysis stored for the index as it is now, or None."""
        row = self.db.execute("SELECT data FROM analyses WHERE name = ? AND version = ?",
                              (name, self.version())).fetchone()
        return row[0] if row else None

    def keep(self, name: str, version: int, data: str) -> None:
        """Store an analysis computed from the index at ``version`` (dropped when the index has changed since)."""
        with self.db:
            if self.version() == version:
                self.db.execute("DELETE FROM analyses WHERE version != ?", (version,))  # outdated ones go
                self.db.execute("INSERT OR REPLACE INTO analyses VALUES (?, ?, ?)", (name, version, data))

    def remembered(self, name: str, compute: Callable[[], Any]) -> Any:
        """``compute()`` (JSON-able), worked out once per state of the index: kept under ``name`` and read back
        until a letter changes. An index opened read-only computes every time."""
        kept = self.cached(name)
        if kept is not None:
            return json.loads(kept)
        version = self.version()
        value = compute()
        try:
            self.keep(name, version, json.dumps(value))
        except sqlite3.Error:  # read-only: the value is simply not kept
            pass
        return value

    def treatment_rows(self) -> Iterator[dict[str, str]]:
        """:data:`kg.analytics.TREATMENT_QUERY`'s rows, from the index (labels from the vocabulary), one at a
        time: memory holds one row, however many items there are."""
        rows = self.db.execute("SELECT i.letter, l.case_number, i.item, i.treatment, i.treatment_label "
                               "FROM items i JOIN letters l ON l.letter = i.letter")
        return ({"case": str(mint.case_iri(key)), "caseNumber": number or "", "item": item, "treatment": iri,
                 "treatmentLabel": written, "label": _label(iri) if iri else ""}
                for key, number, item, iri, written in rows)

    def citation_rows(self) -> Iterator[dict[str, str]]:
        """:data:`kg.analytics.CITATION_QUERY`'s rows for the reviewer's citations, from the index: one per
        guideline with its chapter, or its topic when no chapter is cited."""
        rows = self.db.execute("SELECT i.letter, l.case_number, i.item, s.guideline, s.detail_iri, s.detail "
                               "FROM item_sources s JOIN items i ON i.item = s.item JOIN letters l "
                               "ON l.letter = i.letter WHERE s.level = 'chapter'")
        return ({"case": str(mint.case_iri(key)), "caseNumber": number or "", "item": item, "guideline": gl,
                 "guidelineLabel": _label(gl), "chapter": chapter, "chapterLabel": _label(chapter) if chapter else "",
                 "topic": "" if chapter else detail} for key, number, item, gl, chapter, detail in rows)

    def letters(self) -> dict[str, str]:
        """Letter key -> file digest of every letter in the index."""
        return dict(self.db.execute("SELECT letter, sha256 FROM letters"))

    def counts(self, level: str, region: Iterable[str] = (), specialty: Iterable[str] = (),
               category: Iterable[str] = (), year: Iterable[int] = (), treatment: Iterable[str] = (),
               icd_chapter: Iterable[str] = (), icd_block: Iterable[str] = (), icd_code: Iterable[str] = (),
               date_from: str = "", date_to: str = "") -> tuple[list[tuple], list[tuple]]:
        """The explorer's counts: distinct decided items per (guideline, detail IRI, detail, category, outcome)
        at ``level``, and per (category, outcome), among items with a reviewer citation naming a guideline and
        matching the filters (IRIs; any value of a filter matches, all filters must). ``treatment`` is every
        treatment IRI to keep (the caller adds the narrower ones); the item's case has a diagnosis in one of
        the ICD-10-CM chapters ("13") or blocks ("M50-M54") or whose code, without its dot, begins with one of
        ``icd_code`` ("M545"); the case was decided between ``date_from`` and ``date_to`` (YYYY-MM-DD, inclusive,
        "" for no bound)."""
        from kg.facet_table import explorer_counts, table_of

        filters = {"category": list(category), "year": [str(y) for y in year], "treatment": list(treatment),
                   "region": list(region), "specialty": list(specialty), "icd-chapter": list(icd_chapter),
                   "icd-block": list(icd_block)}
        return explorer_counts(table_of(self), level, filters, list(icd_code), date_from, date_to)

    def option_counts(self) -> dict[str, list[tuple[str, int]]]:
        """Every value each explorer filter takes among decided items with a reviewer citation naming a guideline
        (the explorer's own restriction), with its number of items: for "icd", the ICD-10-CM chapters ("13") and
        blocks ("M50-M54") of the diagnoses of the items' cases; for "treatment", the item's own treatment."""
        cited = "i.outcome != '' AND EXISTS (SELECT 1 FROM item_sources s WHERE s.item = i.item AND s.level = 'guideline')"
        queries = {
            "region": f"SELECT r.region, COUNT(DISTINCT i.item) FROM items i JOIN item_regions r ON r.item = i.item "
                      f"WHERE {cited} AND r.named = 1 GROUP BY r.region",
            "category": f"SELECT i.category, COUNT(*) FROM items i WHERE {cited} AND i.category != '' GROUP BY i.category",
            "specialty": f"SELECT p.specialty, COUNT(DISTINCT i.item) FROM items i JOIN letter_specialties p "
                         f"ON p.letter = i.letter WHERE {cited} GROUP BY p.specialty",
            "year": f"SELECT CAST(i.year AS TEXT), COUNT(*) FROM items i WHERE {cited} AND i.year IS NOT NULL "
                    f"GROUP BY i.year",
            "treatment": f"SELECT i.treatment, COUNT(*) FROM items i WHERE {cited} AND i.treatment != '' "
                         f"GROUP BY i.treatment",
            "icd": " UNION ALL ".join(  # ICD-10-CM chapters and blocks of the items' cases' diagnoses
                f"SELECT * FROM (SELECT d.{column}, COUNT(DISTINCT i.item) FROM items i JOIN letter_diagnoses d "
                f"ON d.letter = i.letter WHERE {cited} AND d.{column} != '' GROUP BY d.{column})"
                for column in ("chapter", "block"))}
        return {name: [(str(v), int(n)) for v, n in self.db.execute(sql)] for name, sql in queries.items()}


    def quality_constraints(self) -> list[dict[str, Any]]:
        """SHACL results per constraint and severity: letters, results and the first example (key, message),
        as :func:`kg.quality.constraints_query` gives them."""
        rows = self.db.execute(
            "SELECT constraint_name, severity, COUNT(DISTINCT letter), COUNT(*), MIN(letter || char(9) || message) "
            "FROM letter_results GROUP BY constraint_name, severity")
        return [{"constraint": c, "severity": s, "letters": n, "results": r, "example": e} for c, s, n, r, e in rows]

    def quality_letters(self, limit: int | None = None) -> list[dict[str, Any]]:
        """Letters with their SHACL results per severity, the most problems first (``limit``: only so many),
        as :func:`kg.quality.letters_query` gives them."""
        rows = self.db.execute(
            "SELECT letter, case_number, source, decision_date, generated, conforms, violations, warnings, infos "
            "FROM letters ORDER BY violations DESC, warnings DESC, infos DESC, letter" +
            (f" LIMIT {int(limit)}" if limit is not None else ""))
        return [{"letter": str(mint.letter_iri(key)), "caseNumber": number, "source": source, "decisionDate": date,
                 "generated": built, "conforms": None if ok is None else bool(ok), "violations": v, "warnings": w,
                 "infos": i} for key, number, source, date, built, ok, v, w, i in rows]

    def quality_timeline(self, period: str) -> list[dict[str, Any]]:
        """Letters per decision month ("month") or build day ("build"), and how many have violations or
        warnings, as :func:`kg.quality.timeline_query` gives them."""
        column, width = {"month": ("decision_date", 7), "build": ("generated", 10)}[period]
        rows = self.db.execute(
            f"SELECT COALESCE(SUBSTR({column}, 1, {width}), '(none)') AS period, COUNT(*), "
            "SUM(violations > 0), SUM(warnings > 0) FROM letters GROUP BY period ORDER BY period")
        return [{"period": p, "letters": n, "withViolations": v, "withWarnings": w} for p, n, v, w in rows]

    def find_cases(self, fragment: str, limit: int = 100) -> list[tuple[str, str]]:
        """(case IRI, case number) of the cases whose number contains ``fragment`` (any case), by number."""
        pattern = "%" + fragment.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        rows = self.db.execute("SELECT letter, case_number FROM letters WHERE case_number LIKE ? ESCAPE '\\' "
                               "ORDER BY case_number LIMIT ?", (pattern, int(limit)))
        return [(str(mint.case_iri(key)), number) for key, number in rows]

    def letter_count(self) -> int:
        """How many letters the index holds."""
        return int(self.db.execute("SELECT COUNT(*) FROM letters").fetchone()[0])


def _label(iri: str) -> str:
    """A vocabulary concept's preferred label, or "" when the vocabularies do not know it."""
    from kg.vocab import concept_of

    concept = concept_of(iri)
    return concept.pref_label if concept is not None else ""


def stored_rows(select: Select, keys_and_digests: Mapping[str, str]) -> list[LetterRows]:
    """The index rows of letters already in the store, read from their graphs (to rebuild the index)."""
    if not keys_and_digests:
        return []
    graphs = [str(mint.letter_graph(key)) for key in keys_and_digests]
    rows = select(sparql_prologue("imr", "skos") + f"""SELECT ?g ?item ?kind ?a ?b ?c ?d ?date
{from_named(graphs)}
WHERE {{
  GRAPH ?g {{
    ?case a imr:Case .
    OPTIONAL {{ ?case imr:decisionDate ?date }}
    {{ ?case imr:reviewerSpecialty ?a BIND("specialty" AS ?kind) }}
    UNION {{ ?case imr:disputedItem ?item BIND("item" AS ?kind)
             OPTIONAL {{ ?item imr:category ?a }} OPTIONAL {{ ?item imr:outcome ?b }}
             OPTIONAL {{ ?item imr:treatment ?c }} OPTIONAL {{ ?item imr:treatmentLabel ?d }} }}
    UNION {{ ?case imr:disputedItem ?item . ?item imr:citation ?cite .
             ?cite imr:citationRole imr:IMRReviewer ; imr:guideline ?a BIND("source" AS ?kind)
             OPTIONAL {{ ?cite imr:chapter ?b }} OPTIONAL {{ ?cite imr:topic ?c }} }}
  }}
}}""")
    rows += select(sparql_prologue("imr", "skos") + f"""SELECT ?g ?item ?kind ?region ?above
{from_named([*graphs, GRAPH_VOCAB])}
WHERE {{
  GRAPH ?g {{ ?case imr:disputedItem ?item . ?item imr:bodyRegion ?region BIND("region" AS ?kind) }}
  FILTER(?g != <{GRAPH_VOCAB}>)
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
            item = items[str(row["item"])] = {"item": str(row["item"]), "number": 0, "category": "", "outcome": "",
                                              "treatment": "", "treatment_label": "", "laterality": "",
                                              "request": "", "rationale": "", "regions": [], "sources": []}
            rows_of["items"].append(item)
        if kind == "item":
            item["category"], item["outcome"] = str(row.get("a") or ""), str(row.get("b") or "")
            item["treatment"], item["treatment_label"] = str(row.get("c") or ""), str(row.get("d") or "")
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
    _stored_quality(select, letters, keys_and_digests)
    for key in keys_and_digests:  # a letter with no case facts still counts as indexed
        letters.setdefault(key, {"letter": key, "sha256": keys_and_digests[key], "year": None,
                                 "specialties": [], "items": []})
    _stored_details(select, letters, items, by_graph)
    return list(letters.values())


def _stored_details(select: Select, letters: dict[str, LetterRows], items: dict[str, dict[str, Any]],
                    by_graph: Mapping[str, str]) -> None:
    """Add what the finder and the search read (dates, priority, diagnoses, the letter's text; each item's
    number, side, request and rationale), from the letters' graphs."""
    from urllib.parse import unquote

    from kg.namespaces import ICD10CM

    for rows in letters.values():
        rows.update({"received": "", "priority": "", "diagnoses": [], "text": ""})
    diagnoses: dict[str, dict[str, list[str]]] = {}
    for row in select(sparql_prologue("imr", "rdfs") + f"""SELECT ?g ?kind ?node ?a ?b ?c
{from_named(by_graph)}
WHERE {{
  GRAPH ?g {{
    {{ ?case imr:letter ?letter . ?letter imr:text ?a BIND("text" AS ?kind) }}
    UNION {{ ?case a imr:Case ; imr:applicationReceived ?a BIND("received" AS ?kind) }}
    UNION {{ ?case a imr:Case ; imr:priority ?a BIND("priority" AS ?kind) }}
    UNION {{ ?case imr:diagnosis ?node . ?node rdfs:label ?a OPTIONAL {{ ?node imr:icd10Code ?b }}
             BIND("diagnosis" AS ?kind) }}
    UNION {{ ?case imr:disputedItem ?node . ?node imr:itemNumber ?a ; imr:request ?b
             OPTIONAL {{ ?node imr:rationale ?c }} BIND("item" AS ?kind) }}
    UNION {{ ?case imr:disputedItem ?node . ?node imr:laterality ?a BIND("laterality" AS ?kind) }}
  }}
}}"""):
        rows = letters[by_graph[str(row["g"])]]
        kind, a = row["kind"], row.get("a")
        if kind in ("text", "received", "priority"):
            rows[kind] = str(a)
        elif kind == "diagnosis":
            code = str(row["b"])[len(str(ICD10CM)):] if row.get("b") else ""
            diagnoses.setdefault(rows["letter"], {})[str(row["node"])] = [unquote(code), str(a)]
        elif kind == "item":
            item = items[str(row["node"])]
            item["number"], item["request"], item["rationale"] = int(str(a)), str(row["b"]), str(row.get("c") or "")
        elif kind == "laterality":
            items[str(row["node"])]["laterality"] = str(a)
    for key, found in diagnoses.items():  # in the letter's order: .../diagnosis/1, /2, ...
        letters[key]["diagnoses"] = [found[node] for node in sorted(found, key=lambda n: int(n.rsplit("/", 1)[1]))]


def _stored_quality(select: Select, letters: dict[str, LetterRows], keys_and_digests: Mapping[str, str]) -> None:
    """Add each letter's "quality" rows, read from its letter and validation graphs."""
    for key in keys_and_digests:
        letters.setdefault(key, {"letter": key, "sha256": keys_and_digests[key], "year": None,
                                 "specialties": [], "items": []})
    by_graph = {str(mint.letter_graph(key)): key for key in keys_and_digests}
    for row in select(sparql_prologue("imr", "dcterms", "prov")
                      + f"""SELECT ?g ?src ?built ?number ?date
{from_named(by_graph)}
WHERE {{
  GRAPH ?g {{ ?letter a imr:Letter . OPTIONAL {{ ?letter dcterms:source ?src }}
             OPTIONAL {{ ?letter prov:generatedAtTime ?built }}
             OPTIONAL {{ ?case imr:letter ?letter . OPTIONAL {{ ?case imr:caseNumber ?number }}
                         OPTIONAL {{ ?case imr:decisionDate ?date }} }} }}
}}"""):
        letters[by_graph[str(row["g"])]]["quality"] = {
            "case_number": _or_none(row.get("number")), "source": _or_none(row.get("src")),
            "decision_date": _or_none(row.get("date")), "generated": _or_none(row.get("built")),
            "conforms": None, "results": []}
    by_report = {str(mint.validation_graph(key)): key for key in keys_and_digests}
    for row in select(sparql_prologue("imr", "sh") + f"""SELECT ?v ?ok ?r ?named ?shape ?sev ?message
{from_named(by_report)}
WHERE {{
  GRAPH ?v {{ ?letter imr:validationReport ?report . OPTIONAL {{ ?report sh:conforms ?ok }}
             OPTIONAL {{ ?report sh:result ?r . ?r sh:resultSeverity ?sev
                         OPTIONAL {{ ?r imr:constraint ?named }} OPTIONAL {{ ?r sh:sourceShape ?shape }}
                         OPTIONAL {{ ?r sh:resultMessage ?message }} }} }}
}}"""):
        quality = letters[by_report[str(row["v"])]].setdefault("quality", {"results": []})
        if row.get("ok") is not None:
            quality["conforms"] = int(row["ok"] in (True, "true", "1"))
        if row.get("r") is not None:
            constraint = row.get("named") or row.get("shape") or "(unnamed constraint)"
            result = [str(row["r"]), str(constraint), str(row["sev"]).rsplit("#", 1)[-1], str(row.get("message") or "")]
            if result not in quality["results"]:
                quality["results"].append(result)


def _or_none(value: Any) -> str | None:
    return None if value is None else str(value)


def sync(index: ItemIndex, select: Select, stored: Mapping[str, str], batch: int = 25) -> tuple[int, int]:
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
