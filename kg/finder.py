"""The case and item finder: disputed items chosen by facets and words, counted per facet value, sorted and paged.

A :class:`Selection` says what to look for, in the terms a URL carries (``?category=imaging&region=knee
&from=2016-01-01&q=MRI``): vocabulary ids rather than IRIs, dates as ISO dates, ICD-10-CM chapters, blocks and
codes as written. :func:`find` answers it from the item index (:mod:`kg.item_index`), read into columns in memory
(:mod:`kg.facet_table`): the matching items, one page of them, and for every facet how many matching items each
value has. Within a facet the
values are alternatives (any of them), across facets all must hold; the counts of a facet with a value chosen
are made without that facet's own choice, so its other values show what choosing them too would add.

Words (``q``) are looked up in the full-text index (:mod:`kg.text_index`): an item matches when its own words
(request, rationale, treatment names, guidelines cited) or its letter's (the whole text, diagnoses) contain them.
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from kg.errors import KGError
from kg.facet_table import FacetTable, table_of, text_ranks
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
    import numpy as np

    table = table_of(index)
    masks = _masks(index, table, selection)
    mask = _all(table, masks.values())
    upheld, overturned = _outcome_counts(table, mask)
    found = Found(selection, int(mask.sum()), int(np.unique(table.letter_of[mask]).size), upheld, overturned)
    found.rows = _page(index, table, selection, mask)
    if facets:
        found.facets = facet_counts(index, selection, masks)
    return found


def rows(index: ItemIndex, selection: Selection, limit: int | None = None) -> list[dict[str, Any]]:
    """Every item the selection picks (up to ``limit``), in its order, for CSV and JSON downloads."""
    table = table_of(index)
    mask = _all(table, _masks(index, table, selection).values())
    return _page(index, table, replace(selection, page=1), mask, limit=limit if limit is not None else -1)


def _outcome(name: str) -> str:
    return str(mint.concept_iri("outcome", name))


def _outcome_counts(table: FacetTable, mask: Any) -> tuple[int, int]:
    """(upheld, overturned) among the masked items."""
    counts = dict(table.counts("outcome", mask))
    return counts.get(_outcome("upheld"), 0), counts.get(_outcome("overturned"), 0)


def _iris(facet: str, values: Iterable[str]) -> list[str]:
    scheme = FACETS[facet][1]
    if facet == "priority":
        return [str(IMR[v.capitalize()]) for v in values]
    return [str(mint.concept_iri(scheme, v)) if scheme else v for v in values]


def _stored(facet: str, values: Sequence[str]) -> list[str]:
    """A facet's chosen values as the item index writes them."""
    if facet in ("icd-chapter", "topic"):
        return list(values)
    if facet == "icd-block":
        return [v.upper() for v in values]
    if facet == "year":
        return [str(int(v)) for v in values if v.isdigit()]
    return _iris(facet, values)


def _masks(index: ItemIndex, table: FacetTable, selection: Selection) -> dict[str, Any]:
    """Per condition the selection sets (each facet chosen, "dates", "q"), the items meeting it. Within a facet
    any value will do; an ICD-10-CM code finds itself and the codes below it; a body region takes in the
    regions inside it (the index lists those above each named region)."""
    masks: dict[str, Any] = {}
    if selection.date_from or selection.date_to:
        masks["dates"] = table.date_mask(selection.date_from, selection.date_to)
    for facet, values in selection.facets:
        if facet == "icd":
            import numpy as np

            prefixes = tuple(v.replace(".", "").upper() for v in values)
            codes = table.pairs["icd"].codes
            wanted = [k for k, code in enumerate(codes.values) if code.replace(".", "").upper().startswith(prefixes)]
            masks[facet] = table.pair_mask("icd", np.isin(table.pairs["icd"].values, wanted))
        else:
            masks[facet] = table.item_mask(facet, _stored(facet, values))
    if selection.q:
        masks["q"] = _text_ranks(index, table, selection.q) < float("inf")
    return masks


def _all(table: FacetTable, masks: Iterable[Any]) -> Any:
    """The items meeting every one of ``masks``."""
    import numpy as np

    mask = np.ones(table.size, dtype=bool)
    for one in masks:
        mask &= one
    return mask


def _text_ranks(index: ItemIndex, table: FacetTable, q: str) -> Any:
    """Per item, its best full-text rank for ``q`` (infinity: no match)."""
    try:
        expression = match_expression(q)
    except SearchSyntaxError as error:
        raise SelectionError(str(error)) from None

    def hits() -> list[tuple[int, int, float]]:
        return index.db.execute(
            "SELECT CASE d.kind WHEN 'item' THEN COALESCE(i.rowid, -1) ELSE 0 END, l.rowid, "
            "bm25(search, 10.0, 4.0, 1.0) FROM search JOIN search_docs d ON d.doc = search.rowid "
            "JOIN letters l ON l.letter = d.letter LEFT JOIN items i ON d.kind = 'item' AND i.item = d.iri "
            "WHERE search MATCH ?", (expression,)).fetchall()

    return text_ranks(table, expression, hits)


def _order(index: ItemIndex, table: FacetTable, selection: Selection, chosen: Any) -> Any:
    """The positions of the ``chosen`` items (an array of positions), sorted as the selection asks: newest or
    oldest first (undated last), by case number, treatment or outcome, or best match; ties by case number and
    item number."""
    import numpy as np

    letter = table.letter_of[chosen]
    date = table.date[letter]
    undated = date < 0
    case = table.case_rank[letter]
    number = table.number[chosen]
    order = selection.order
    keys: tuple[Any, ...]
    if order == "date-desc":
        keys = (number, case, -date, undated)
    elif order == "date-asc":
        keys = (number, case, date, undated)
    elif order == "case":
        keys = (number, case)
    elif order == "treatment":
        keys = (number, case, table.treatment_rank[chosen])
    elif order == "outcome":  # as the outcome IRIs sort, highest first (upheld before overturned)
        column, codes = table.columns["outcome"]
        rank = np.array([-1] + [sorted(codes.values).index(v) for v in codes.values])[column[chosen] + 1]
        keys = (number, case, -date, undated, -rank)
    else:  # relevance
        keys = (number, -date, undated, _text_ranks(index, table, selection.q)[chosen])
    return chosen[np.lexsort(keys)]


def _page(index: ItemIndex, table: FacetTable, selection: Selection, mask: Any,
          limit: int | None = None) -> list[dict[str, Any]]:
    """One page of the masked items (or the first ``limit``; -1 for all) with what the result table shows."""
    import numpy as np

    size = selection.per_page if limit is None else limit
    offset = 0 if limit is not None else (selection.page - 1) * selection.per_page
    ordered = _order(index, table, selection, np.flatnonzero(mask))
    picked = ordered[offset:] if size < 0 else ordered[offset:offset + size]
    rowids = [int(r) for r in table.item_rowid[picked]]
    found: dict[int, tuple[Any, ...]] = {}
    for start in range(0, len(rowids), 500):
        chunk = rowids[start:start + 500]
        found.update((row[0], row[1:]) for row in index.db.execute(
            "SELECT i.rowid, i.item, i.letter, l.case_number, l.decision_date, i.number, i.category, i.outcome, "
            "i.treatment, i.treatment_label, i.request, i.laterality FROM items i JOIN letters l ON l.letter = i.letter "
            f"WHERE i.rowid IN ({', '.join('?' * len(chunk))})", chunk))
    items = [found[r][0] for r in rowids if r in found]
    regions = _grouped(index, "SELECT item, region FROM item_regions WHERE named = 1 AND item IN ({})", items)
    guidelines = _grouped(index, "SELECT item, guideline FROM item_sources WHERE level = 'guideline' "
                                 "AND item IN ({})", items)
    chapters = _grouped(index, "SELECT item, detail_iri FROM item_sources WHERE level = 'chapter' AND detail_iri != '' "
                               "AND item IN ({})", items)
    out = []
    for item, key, number, date, n, category, outcome, treatment, written, request, side in (
            found[r] for r in rowids if r in found):
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


def facet_counts(index: ItemIndex, selection: Selection, masks: dict[str, Any] | None = None,
                 only: Iterable[str] | None = None) -> dict[str, list[dict[str, Any]]]:
    """For every facet (or those in ``only``), its values among the matching items with how many items each
    has (a facet with a choice made is counted without it), most first; each value with its id for the URL
    and its label."""
    table = table_of(index)
    masks = masks if masks is not None else _masks(index, table, selection)
    counts: dict[str, list[dict[str, Any]]] = {}
    for facet in only if only is not None else FACETS:
        mask = _all(table, (m for name, m in masks.items() if name != facet))
        chosen = set(selection.chosen(facet))
        values = []
        for value, n in table.counts(facet, mask):
            ident = value_id(facet, value)
            values.append({"id": ident, "label": value_label(facet, value), "items": n, "chosen": ident in chosen})
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
    import numpy as np

    table = table_of(index)
    mask = _all(table, _masks(index, table, selection).values())
    years, codes = table.columns["year"]
    outcomes, outcome_codes = table.columns["outcome"]
    decided = mask & (years >= 0) & (outcomes >= 0)
    overturned = outcome_codes.lookup([_outcome("overturned")])
    items = np.bincount(years[decided], minlength=len(codes.values))
    over = np.bincount(years[decided & np.isin(outcomes, overturned)], minlength=len(codes.values))
    return sorted((int(codes.values[k]), int(items[k]), int(over[k])) for k in np.flatnonzero(items))
