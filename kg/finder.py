"""The case and item finder: disputed items chosen by facets and words, counted per facet value, sorted and paged.

A :class:`Selection` says what to look for, in the terms a URL carries (``?category=imaging&region=knee
&from=2016-01-01&q=MRI``): vocabulary ids rather than IRIs, dates as ISO dates, ICD-10-CM chapters, blocks and
codes as written. :func:`find` answers it from the item index (:mod:`kg.item_index`) with plain SQL: the
matching items, one page of them, and for every facet how many matching items each value has. Within a facet the
values are alternatives (any of them), across facets all must hold; the counts of a facet with a value chosen
are made without that facet's own choice, so its other values show what choosing them too would add.

Words (``q``) are looked up in the full-text index (:mod:`kg.text_index`): an item matches when its own words
(request, rationale, treatment names, guidelines cited) or its letter's (the whole text, diagnoses) contain them.
"""
from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from kg.errors import KGError
from kg.item_index import ItemIndex
from kg.namespaces import BASE, IMR
from kg.rdf import mint
from kg.text_index import SearchSyntaxError, match_expression
from kg.vocab.icd10_blocks import block_title
from kg.vocab.icd10_chapters import TITLES as CHAPTER_TITLES

#: The facets: URL name → (what it is called on the page, the vocabulary scheme its ids belong to, if any).
FACETS: dict[str, tuple[str, str | None]] = {
    "outcome": ("Outcome", "outcome"), "category": ("Category", "category"),
    "treatment": ("Treatment", "treatment"), "region": ("Body region", "body-region"),
    "side": ("Side", "laterality"), "guideline": ("Guideline (reviewer)", "guideline"),
    "chapter": ("Guideline chapter (reviewer)", "guideline"), "topic": ("Guideline topic (reviewer)", None),
    "specialty": ("Reviewer specialty", "specialty"),
    "icd-chapter": ("ICD-10-CM chapter", None), "icd-block": ("ICD-10-CM block", None),
    "icd": ("ICD-10-CM code", None), "priority": ("Priority", None), "year": ("Decision year", None),
}
SORTS = {"date-desc": "newest first", "date-asc": "oldest first", "case": "case number",
         "treatment": "treatment", "outcome": "outcome", "relevance": "best match"}
PER_PAGE = (25, 50, 100, 200)
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_ID = re.compile(r"[A-Za-z0-9._-]{1,80}")
_CODE = re.compile(r"[A-Za-z]\d[0-9A-Za-z](\.?[0-9A-Za-z]{0,4})?")
_TEXT = re.compile(r"[^\x00-\x1f<>]{1,200}")  # a topic as the letters write it


class SelectionError(KGError):
    """A finder request names something it cannot look for."""


@dataclass(frozen=True)
class Selection:
    """What to find: words, a range of decision dates, and facet values (any value within a facet, every
    facet), with the order and page of the results."""

    q: str = ""
    date_from: str = ""
    date_to: str = ""
    facets: tuple[tuple[str, tuple[str, ...]], ...] = ()
    sort: str = ""
    page: int = 1
    per_page: int = 50

    def chosen(self, facet: str) -> tuple[str, ...]:
        """The values chosen for ``facet``."""
        return dict(self.facets).get(facet, ())

    def without(self, facet: str) -> Selection:
        """The same selection with no value chosen for ``facet``."""
        return replace(self, facets=tuple((f, v) for f, v in self.facets if f != facet))

    @property
    def order(self) -> str:
        """The sort in effect: as asked, else best match first when there are words, else newest first."""
        if self.sort in SORTS and (self.sort != "relevance" or self.q):
            return self.sort
        return "relevance" if self.q else "date-desc"

    def to_args(self, **changes: Any) -> list[tuple[str, str]]:
        """The selection as URL arguments (with ``changes``: q, from, to, sort, page, per_page, or a facet
        name with a tuple of values), leaving out what is at its default."""
        values: dict[str, Any] = {"q": self.q, "from": self.date_from, "to": self.date_to,
                                  **{f: v for f, v in self.facets}, "sort": self.sort,
                                  "page": self.page, "per_page": self.per_page}
        values.update(changes)
        args: list[tuple[str, str]] = []
        for name, value in values.items():
            if isinstance(value, (tuple, list)):
                args += [(name, v) for v in value]
            elif value not in ("", None) and not (name == "page" and value == 1) \
                    and not (name == "per_page" and value == 50):
                args.append((name, str(value)))
        return args


def parse_selection(args: Mapping[str, Iterable[str]]) -> Selection:
    """A :class:`Selection` from URL arguments (each name with its list of values). Raises
    :class:`SelectionError` naming the argument when a value is malformed."""
    def one(name: str) -> str:
        values = [v.strip() for v in args.get(name, ()) if v.strip()]
        return values[0] if values else ""

    date_from, date_to = one("from"), one("to")
    for name, value in (("from", date_from), ("to", date_to)):
        if value and not _DATE.fullmatch(value):
            raise SelectionError(f"{name}={value[:40]!r} is not a date: write it as YYYY-MM-DD")
    facets = []
    for name in FACETS:
        values = tuple(dict.fromkeys(v.strip() for v in args.get(name, ()) if v.strip()))
        for value in values:
            pattern = _CODE if name == "icd" else _TEXT if name == "topic" else _ID
            if not pattern.fullmatch(value):
                raise SelectionError(f"{name}={value[:40]!r} is not a value the finder knows")
        if values:
            facets.append((name, values))
    text = one("q")
    if len(text) > 500:
        raise SelectionError("the words to search for are too long (500 characters at most)")
    try:
        page = max(1, int(one("page") or 1))
        per_page = int(one("per_page") or 50)
    except ValueError:
        raise SelectionError("page and per_page must be whole numbers") from None
    if per_page not in PER_PAGE:
        raise SelectionError(f"per_page must be one of {', '.join(map(str, PER_PAGE))}")
    return Selection(text, date_from, date_to, tuple(facets), one("sort"), page, per_page)


@dataclass
class Found:
    """The finder's answer: how many items and cases match, one page of items, and the counts per facet."""

    selection: Selection
    items: int
    cases: int
    upheld: int
    overturned: int
    rows: list[dict[str, Any]] = field(default_factory=list)
    facets: dict[str, list[dict[str, Any]]] = field(default_factory=dict)

    @property
    def pages(self) -> int:
        """How many pages the items fill."""
        return max(1, -(-self.items // self.selection.per_page))


def find(index: ItemIndex, selection: Selection, facets: bool = True) -> Found:
    """The items ``selection`` picks from ``index``: totals, the requested page, and (with ``facets``) the
    counts per facet value."""
    where, params = _conditions(selection)
    total = index.db.execute(
        "SELECT COUNT(*), COUNT(DISTINCT i.letter), COALESCE(SUM(i.outcome = ?), 0), COALESCE(SUM(i.outcome = ?), 0) "
        f"FROM items i JOIN letters l ON l.letter = i.letter WHERE {where}",
        [_outcome("upheld"), _outcome("overturned"), *params]).fetchone()
    found = Found(selection, int(total[0]), int(total[1]), int(total[2]), int(total[3]))
    found.rows = _page(index, selection, where, params)
    if facets:
        found.facets = kept_facet_counts(index, selection)
    return found


def kept_facet_counts(index: ItemIndex, selection: Selection) -> dict[str, list[dict[str, Any]]]:
    """:func:`facet_counts`, worked out once per selection (its words, dates and facets; not its order or page)
    and state of the index, and kept in it when it is open for writing."""
    key = "finder:" + json.dumps([selection.q, selection.date_from, selection.date_to, selection.facets])
    return index.remembered(key, lambda: facet_counts(index, selection))


def refresh(index: ItemIndex) -> None:
    """Count the facets of the finder's first page (no choice made), for the index as it is now."""
    kept_facet_counts(index, Selection())


def rows(index: ItemIndex, selection: Selection, limit: int | None = None) -> list[dict[str, Any]]:
    """Every item the selection picks (up to ``limit``), in its order, for CSV and JSON downloads."""
    where, params = _conditions(selection)
    return _page(index, replace(selection, page=1), where, params, limit=limit or -1)


def _outcome(name: str) -> str:
    return str(mint.concept_iri("outcome", name))


def _iris(facet: str, values: Iterable[str]) -> list[str]:
    scheme = FACETS[facet][1]
    if facet == "priority":
        return [str(IMR[v.capitalize()]) for v in values]
    return [str(mint.concept_iri(scheme, v)) if scheme else v for v in values]


#: Per facet, the condition on ``items i JOIN letters l`` its values set (any of them: ``{}`` takes their marks).
_CONDITIONS = {
    "outcome": "i.outcome IN ({})", "category": "i.category IN ({})", "treatment": "i.treatment IN ({})",
    "side": "i.laterality IN ({})", "priority": "l.priority IN ({})", "year": "i.year IN ({})",
    # a region finds the regions inside it too ("spine" finds "lumbar spine"): the index lists those above
    "region": "i.item IN (SELECT item FROM item_regions WHERE region IN ({}))",
    "guideline": "i.item IN (SELECT item FROM item_sources WHERE level = 'guideline' AND guideline IN ({}))",
    "chapter": "i.item IN (SELECT item FROM item_sources WHERE level = 'chapter' AND detail_iri IN ({}))",
    "topic": "i.item IN (SELECT item FROM item_sources WHERE level = 'topic' AND detail_iri = '' AND detail IN ({}))",
    "specialty": "i.letter IN (SELECT letter FROM letter_specialties WHERE specialty IN ({}))",
    "icd-chapter": "i.letter IN (SELECT letter FROM letter_diagnoses WHERE chapter IN ({}))",
    "icd-block": "i.letter IN (SELECT letter FROM letter_diagnoses WHERE block IN ({}))",
}


def _conditions(selection: Selection) -> tuple[str, list[Any]]:
    """The SQL condition over ``items i JOIN letters l`` that the selection sets, and its parameters."""
    where: list[str] = ["1"]
    params: list[Any] = []

    def among(sql: str, values: list[Any]) -> None:
        where.append(sql.format(", ".join("?" * len(values))))
        params.extend(values)

    if selection.date_from:
        where.append("l.decision_date >= ?")
        params.append(selection.date_from)
    if selection.date_to:
        where.append("l.decision_date <= ?")
        params.append(selection.date_to)
    for facet, values in selection.facets:
        if facet == "icd":  # a code finds itself and the codes below it
            where.append("i.letter IN (SELECT letter FROM letter_diagnoses WHERE "
                         + " OR ".join("REPLACE(code, '.', '') LIKE ?" for _ in values) + ")")
            params.extend(v.replace(".", "").upper() + "%" for v in values)
        elif facet in ("icd-chapter", "topic"):
            among(_CONDITIONS[facet], list(values))
        elif facet == "icd-block":
            among(_CONDITIONS[facet], [v.upper() for v in values])
        elif facet == "year":
            among(_CONDITIONS[facet], [int(v) if v.isdigit() else -1 for v in values])
        else:
            among(_CONDITIONS[facet], _iris(facet, values))
    if selection.q:
        try:
            expression = match_expression(selection.q)
        except SearchSyntaxError as error:
            raise SelectionError(str(error)) from None
        where.append("(i.item IN (SELECT d.iri FROM search JOIN search_docs d ON d.doc = search.rowid "
                     "WHERE search MATCH ? AND d.kind = 'item') OR i.letter IN (SELECT d.letter FROM search "
                     "JOIN search_docs d ON d.doc = search.rowid WHERE search MATCH ? AND d.kind = 'letter'))")
        params += [expression, expression]
    return " AND ".join(where), params


_ORDER = {"date-desc": "l.decision_date IS NULL, l.decision_date DESC, l.case_number, i.number",
          "date-asc": "l.decision_date IS NULL, l.decision_date, l.case_number, i.number",
          "case": "l.case_number, i.number",
          "treatment": "COALESCE(NULLIF(i.treatment_label, ''), i.request), l.case_number, i.number",
          "outcome": "i.outcome DESC, l.decision_date DESC, l.case_number, i.number"}


def _page(index: ItemIndex, selection: Selection, where: str, params: list[Any],
          limit: int | None = None) -> list[dict[str, Any]]:
    """One page of matching items with what the result table shows (the best-matching words first when the
    selection has words and asks for relevance)."""
    order = selection.order
    size = selection.per_page if limit is None else limit
    offset = 0 if limit is not None else (selection.page - 1) * selection.per_page
    columns = ("i.item, i.letter, l.case_number, l.decision_date, i.number, i.category, i.outcome, i.treatment, "
               "i.treatment_label, i.request, i.laterality")
    if order == "relevance":
        # an item ranks by its own best document, or by its letter's when only the letter matched
        sql = (f"WITH hits AS MATERIALIZED (SELECT d.kind, d.iri, d.letter, bm25(search, 10.0, 4.0, 1.0) AS rank "
               f"FROM search JOIN search_docs d ON d.doc = search.rowid WHERE search MATCH ?), "
               f"ranked AS (SELECT item, MIN(rank) AS rank FROM (SELECT iri AS item, rank FROM hits WHERE kind = 'item' "
               f"UNION ALL SELECT i.item, h.rank FROM hits h JOIN items i ON i.letter = h.letter "
               f"WHERE h.kind = 'letter') GROUP BY item) "
               f"SELECT {columns} FROM items i JOIN letters l ON l.letter = i.letter JOIN ranked r ON r.item = i.item "
               f"WHERE {where} ORDER BY r.rank, l.decision_date DESC, i.number LIMIT ? OFFSET ?")
        arguments = [match_expression(selection.q), *params, size, offset]
    else:
        sql = (f"SELECT {columns} FROM items i JOIN letters l ON l.letter = i.letter WHERE {where} "
               f"ORDER BY {_ORDER[order]} LIMIT ? OFFSET ?")
        arguments = [*params, size, offset]
    found = index.db.execute(sql, arguments).fetchall()
    items = [row[0] for row in found]
    regions = _grouped(index, "SELECT item, region FROM item_regions WHERE named = 1 AND item IN ({})", items)
    guidelines = _grouped(index, "SELECT item, guideline FROM item_sources WHERE level = 'guideline' "
                                 "AND item IN ({})", items)
    chapters = _grouped(index, "SELECT item, detail_iri FROM item_sources WHERE level = 'chapter' AND detail_iri != '' "
                               "AND item IN ({})", items)
    out = []
    for item, key, number, date, n, category, outcome, treatment, written, request, side in found:
        out.append({"item": item, "case": str(mint.case_iri(key)), "case_number": number or key,
                    "decision_date": date or "", "number": n, "category": category, "outcome": outcome,
                    "treatment": treatment, "treatment_label": written, "request": request, "side": side,
                    "regions": regions.get(item, []), "guidelines": guidelines.get(item, []),
                    "chapters": chapters.get(item, [])})
    return out


def _grouped(index: ItemIndex, sql: str, items: list[str]) -> dict[str, list[str]]:
    grouped: dict[str, list[str]] = {}
    for start in range(0, len(items), 500):
        chunk = items[start:start + 500]
        for item, value in index.db.execute(sql.format(", ".join("?" * len(chunk))), chunk):
            if value not in grouped.setdefault(item, []):
                grouped[item].append(value)
    return grouped


#: Per facet: the SQL giving (value, items) among the matching items ``i`` (with letters ``l``).
_FACET_SQL = {
    "outcome": "SELECT i.outcome, COUNT(*) FROM {from_} WHERE {where} AND i.outcome != '' GROUP BY 1",
    "category": "SELECT i.category, COUNT(*) FROM {from_} WHERE {where} AND i.category != '' GROUP BY 1",
    "treatment": "SELECT i.treatment, COUNT(*) FROM {from_} WHERE {where} AND i.treatment != '' GROUP BY 1",
    "side": "SELECT i.laterality, COUNT(*) FROM {from_} WHERE {where} AND i.laterality != '' GROUP BY 1",
    "region": "SELECT r.region, COUNT(DISTINCT i.item) FROM {from_} JOIN item_regions r ON r.item = i.item "
              "WHERE {where} GROUP BY 1",
    "guideline": "SELECT s.guideline, COUNT(DISTINCT i.item) FROM {from_} JOIN item_sources s ON s.item = i.item "
                 "AND s.level = 'guideline' WHERE {where} GROUP BY 1",
    "chapter": "SELECT s.detail_iri, COUNT(DISTINCT i.item) FROM {from_} JOIN item_sources s ON s.item = i.item "
               "AND s.level = 'chapter' AND s.detail_iri != '' WHERE {where} GROUP BY 1",
    "topic": "SELECT s.detail, COUNT(DISTINCT i.item) FROM {from_} JOIN item_sources s ON s.item = i.item "
             "AND s.level = 'topic' AND s.detail_iri = '' WHERE {where} GROUP BY 1",
    "specialty": "SELECT p.specialty, COUNT(DISTINCT i.item) FROM {from_} JOIN letter_specialties p "
                 "ON p.letter = i.letter WHERE {where} GROUP BY 1",
    "icd-chapter": "SELECT g.chapter, COUNT(DISTINCT i.item) FROM {from_} JOIN letter_diagnoses g "
                   "ON g.letter = i.letter AND g.chapter != '' WHERE {where} GROUP BY 1",
    "icd-block": "SELECT g.block, COUNT(DISTINCT i.item) FROM {from_} JOIN letter_diagnoses g "
                 "ON g.letter = i.letter AND g.block != '' WHERE {where} GROUP BY 1",
    "icd": "SELECT g.code, COUNT(DISTINCT i.item) FROM {from_} JOIN letter_diagnoses g "
           "ON g.letter = i.letter AND g.code != '' WHERE {where} GROUP BY 1",
    "priority": "SELECT l.priority, COUNT(*) FROM {from_} WHERE {where} AND l.priority != '' GROUP BY 1",
    "year": "SELECT i.year, COUNT(*) FROM {from_} WHERE {where} AND i.year IS NOT NULL GROUP BY 1",
}


def facet_counts(index: ItemIndex, selection: Selection) -> dict[str, list[dict[str, Any]]]:
    """For every facet, its values among the matching items with how many items each has (a facet with a
    choice made is counted without it), most first; each value with its id for the URL and its label."""
    counts: dict[str, list[dict[str, Any]]] = {}
    for facet in FACETS:
        scope = selection.without(facet) if selection.chosen(facet) else selection
        where, params = _conditions(scope)
        sql = _FACET_SQL[facet].format(from_="items i JOIN letters l ON l.letter = i.letter", where=where)
        chosen = set(selection.chosen(facet))
        values = []
        for value, n in index.db.execute(sql, params):
            ident = value_id(facet, str(value))
            values.append({"id": ident, "label": value_label(facet, str(value)), "items": int(n),
                           "chosen": ident in chosen})
        if facet == "year":
            values.sort(key=lambda v: -int(str(v["id"])))
        else:
            values.sort(key=lambda v: (-int(str(v["items"])), str(v["label"]).casefold()))
        counts[facet] = values
    return counts


def value_id(facet: str, value: str) -> str:
    """The id a facet value goes by in URLs: a vocabulary concept's id, the priority's name, or the value."""
    if FACETS[facet][1] or facet == "priority":
        return value.rstrip("/").rsplit("/", 1)[-1].rsplit("#", 1)[-1]
    return value


def value_label(facet: str, value: str) -> str:
    """What a facet value is called on the page."""
    from kg.vocab import concept_of

    if facet == "icd-chapter":
        return f"{value}. {CHAPTER_TITLES.get(value, '')}".rstrip(". ")
    if facet == "icd-block":
        return f"{value} {block_title(value)}".strip()
    if facet == "priority":
        return value_id(facet, value)
    if value.startswith(BASE):
        concept = concept_of(value)
        if concept is not None:
            return concept.pref_label
    return value_id(facet, value)


CSV_COLUMNS = ("case_number", "decision_date", "number", "treatment", "request", "category", "regions", "side",
               "outcome", "guidelines", "chapters", "item")


def plain_row(row: Mapping[str, Any]) -> dict[str, str]:
    """One result row with labels instead of IRIs, for CSV and JSON."""
    def label(facet: str, value: str) -> str:
        return value_label(facet, value) if value else ""

    return {"case_number": row["case_number"], "decision_date": row["decision_date"], "number": str(row["number"]),
            "treatment": label("treatment", row["treatment"]) or row["treatment_label"], "request": row["request"],
            "category": label("category", row["category"]),
            "regions": "; ".join(label("region", r) for r in row["regions"]),
            "side": label("side", row["side"]), "outcome": label("outcome", row["outcome"]),
            "guidelines": "; ".join(label("guideline", g) for g in row["guidelines"]),
            "chapters": "; ".join(label("chapter", c) for c in row["chapters"]), "item": row["item"]}


__all__ = ["CSV_COLUMNS", "FACETS", "Found", "SORTS", "Selection", "SelectionError", "facet_counts", "find",
           "parse_selection", "plain_row", "rows", "value_id", "value_label"]


def topic_selection(scope: str, topic: str, page: int = 1, per_page: int = 25) -> Selection | None:
    """The selection of the items whose reviewer cited ``topic`` (as written) under ``scope``, a guideline chapter
    or a guideline (IRIs), as the "topic" counts of :mod:`kg.summaries` name them; None for an unknown scope."""
    from kg.vocab import concept_of

    concept = concept_of(scope)
    if concept is None or concept.scheme != "guideline" or not _TEXT.fullmatch(topic):
        return None
    facet = "chapter" if concept.broader else "guideline"
    return Selection(facets=((facet, (concept.id,)), ("topic", (topic,))), page=page, per_page=per_page)


def concept_selection(iri: str, page: int = 1, per_page: int = 25) -> Selection | None:
    """The selection of the items a concept page lists: those requesting a treatment (or a narrower one), in a
    category, for a body region (or a part of it), on a side, with an outcome, citing a guideline or chapter,
    reviewed by a specialty, or whose case has a diagnosis under an ICD-10-CM code, block or chapter. None for
    a concept no facet is about."""
    from kg.vocab import concept_of, vocabulary

    icd = f"{BASE}vocab/icd10cm/"
    if iri.startswith(icd):
        name = iri[len(icd):]
        if name.startswith("chapter-"):
            facet, values = "icd-chapter", (name[len("chapter-"):],)
        elif "-" in name:
            facet, values = "icd-block", (name,)
        else:
            facet, values = "icd", (name,)
        return Selection(facets=((facet, values),), page=page, per_page=per_page)
    concept = concept_of(iri)
    if concept is None:
        return None
    scheme_facet = {"treatment": "treatment", "category": "category", "body-region": "region", "laterality": "side",
                    "outcome": "outcome", "specialty": "specialty"}.get(concept.scheme)
    if concept.scheme == "guideline":
        scheme_facet = "chapter" if concept.broader else "guideline"
    if scheme_facet is None:
        return None
    ids = [concept.id]
    if concept.scheme == "treatment":  # a treatment takes in the narrower ones
        treatments = vocabulary("treatment")
        ids += [c.id for c in treatments.concepts if concept.id in {a.id for a in treatments.ancestors(c.id)}]
    return Selection(facets=((scheme_facet, tuple(dict.fromkeys(ids))),), page=page, per_page=per_page)


def by_year(index: ItemIndex, selection: Selection) -> list[tuple[int, int, int]]:
    """(decision year, decided items, overturned) of the selected items, year by year."""
    where, params = _conditions(selection)
    return [(int(year), int(items), int(overturned)) for year, items, overturned in index.db.execute(
        "SELECT i.year, COUNT(*), SUM(i.outcome = ?) FROM items i JOIN letters l ON l.letter = i.letter "
        f"WHERE {where} AND i.year IS NOT NULL AND i.outcome != '' GROUP BY i.year ORDER BY i.year",
        [_outcome("overturned"), *params])]
