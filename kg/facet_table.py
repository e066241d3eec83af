"""The finder's columns in memory: every item's facet values as integer arrays, for counting at any corpus size.

Counting facet values with SQL means one grouped join per facet over every matching item; at 100,000 letters
(200,000 items) that is half a second per facet and several seconds per page. Here the item index is read once
into columns instead (one array per single-valued field, one (row, value) pair list per many-valued one, values
coded as small integers), and a selection becomes a boolean mask over the items: counting a facet is then one
``bincount`` over the mask, a few milliseconds for hundreds of thousands of items.

A :class:`FacetTable` is made from an :class:`~kg.item_index.ItemIndex` as it is at one moment; :func:`table_of`
keeps one per index file and makes it again when the index has changed since (a letter added or taken out).
Memory: about 40 bytes per item and 10 per region, guideline or diagnosis row (some 250 MB at 1.3 million
letters).
"""
from __future__ import annotations

import threading
from pathlib import Path
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np

    from kg.item_index import ItemIndex

#: Item fields with one value per item (a column of the items table).
ITEM_FIELDS = ("outcome", "category", "treatment", "side", "year")
#: Fields with any number of values per item: facet → (table of (item, value) rows, value, condition).
ITEM_PAIRS = {
    "region": ("item_regions", "t.region", "1"),
    "named-region": ("item_regions", "t.region", "t.named = 1"),  # the regions an item names itself
    "guideline": ("item_sources", "t.guideline", "t.level = 'guideline'"),
    "chapter": ("item_sources", "t.detail_iri", "t.level = 'chapter' AND t.detail_iri != ''"),
    "topic": ("item_sources", "t.detail", "t.level = 'topic' AND t.detail_iri = ''"),
    # the explorer's sources at each of its levels: guideline, detail IRI and detail, joined by SOURCE_JOIN
    **{f"source-{level}": ("item_sources", "t.guideline || char(31) || t.detail_iri || char(31) || t.detail",
                           f"t.level = '{level}'") for level in ("guideline", "chapter", "topic")},
}
#: Fields with any number of values per letter: facet → (table of (letter, value) rows, value, condition).
LETTER_PAIRS = {
    "specialty": ("letter_specialties", "t.specialty", "1"),
    "icd-chapter": ("letter_diagnoses", "t.chapter", "t.chapter != ''"),
    "icd-block": ("letter_diagnoses", "t.block", "t.block != ''"),
    "icd": ("letter_diagnoses", "t.code", "t.code != ''"),
}
SOURCE_JOIN = "\x1f"


class Codes:
    """Strings coded as consecutive integers in the order first met."""

    def __init__(self) -> None:
        self.ids: dict[str, int] = {}
        self.values: list[str] = []

    def code(self, value: str) -> int:
        """The integer for ``value`` (a new one the first time)."""
        found = self.ids.get(value)
        if found is None:
            found = self.ids[value] = len(self.values)
            self.values.append(value)
        return found

    def lookup(self, values: Iterable[str]) -> list[int]:
        """The integers of those ``values`` that have one."""
        return [self.ids[v] for v in values if v in self.ids]


@dataclass
class Pairs:
    """A many-valued field: row ``rows[k]`` (an item or a letter position) has value ``values[k]``."""

    rows: np.ndarray  # positions in the table's items (ITEM_PAIRS) or letters (LETTER_PAIRS)
    values: np.ndarray
    codes: Codes


@dataclass
class FacetTable:
    """The item index's facet values, columns of integers aligned on the items (in the order of their rowids)."""

    key: tuple[Any, ...]
    item_rowid: np.ndarray  # per item: its rowid in the index's items table (sorted)
    letter_rowid: np.ndarray  # per letter: its rowid in the letters table (sorted)
    letter_of: np.ndarray  # per item: its letter's position
    number: np.ndarray  # per item: its number in the letter
    columns: dict[str, tuple[np.ndarray, Codes]]  # single-valued item fields (-1: none)
    pairs: dict[str, Pairs]  # many-valued fields, of items (ITEM_PAIRS) or letters (LETTER_PAIRS)
    priority: tuple[np.ndarray, Codes]  # per letter (-1: none)
    date: np.ndarray  # per letter: the decision date as YYYYMMDD (-1: none)
    case_rank: np.ndarray  # per letter: rank of its case number in sorted order
    treatment_rank: np.ndarray  # per item: rank of its treatment as written (else its request), sorted
    text_hits: dict[str, np.ndarray] = field(default_factory=dict)

    @property
    def size(self) -> int:
        """How many items the table holds."""
        return len(self.item_rowid)

    def item_mask(self, facet: str, values: Sequence[str]) -> np.ndarray:
        """The items having any of ``values`` (coded as the index writes them) for ``facet``."""
        import numpy as np

        if facet in self.columns:
            column, codes = self.columns[facet]
            return np.isin(column, codes.lookup(values))
        if facet == "priority":
            column, codes = self.priority
            return np.isin(column, codes.lookup(values))[self.letter_of]
        pairs = self.pairs[facet]
        return self.pair_mask(facet, np.isin(pairs.values, pairs.codes.lookup(values)))

    def pair_mask(self, facet: str, chosen: np.ndarray) -> np.ndarray:
        """The items reached by the chosen pairs (a boolean array over ``pairs[facet]``)."""
        import numpy as np

        pairs = self.pairs[facet]
        if facet in ITEM_PAIRS:
            mask = np.zeros(self.size, dtype=bool)
            mask[pairs.rows[chosen]] = True
            return mask
        letters = np.zeros(len(self.letter_rowid), dtype=bool)
        letters[pairs.rows[chosen]] = True
        return letters[self.letter_of]

    def date_mask(self, date_from: str, date_to: str) -> np.ndarray:
        """The items whose letter was decided within the dates (ISO; "" for no bound)."""
        import numpy as np

        letters = np.ones(len(self.letter_rowid), dtype=bool)
        if date_from:
            letters &= self.date >= date_number(date_from)
        if date_to:
            letters &= (self.date <= date_number(date_to)) & (self.date >= 0)
        return letters[self.letter_of]

    def counts(self, facet: str, mask: np.ndarray) -> list[tuple[str, int]]:
        """(value, matching items having it) for every value of ``facet`` some matching item has."""
        import numpy as np

        if facet in self.columns or facet == "priority":
            column, codes = self.columns[facet] if facet in self.columns else self.priority
            picked = column[mask] if facet != "priority" else column[self.letter_of[mask]]
            tally = np.bincount(picked[picked >= 0], minlength=len(codes.values))
        elif facet in ITEM_PAIRS:
            pairs = self.pairs[facet]
            tally = np.bincount(pairs.values[mask[pairs.rows]], minlength=len(pairs.codes.values))
        else:  # a letter's value counts each of its matching items
            pairs = self.pairs[facet]
            per_letter = np.bincount(self.letter_of[mask], minlength=len(self.letter_rowid))
            tally = np.bincount(pairs.values, weights=per_letter[pairs.rows], minlength=len(pairs.codes.values))
        codes = self.columns[facet][1] if facet in self.columns else self.priority[1] if facet == "priority" \
            else self.pairs[facet].codes
        return [(codes.values[k], int(n)) for k in np.flatnonzero(tally) if codes.values[k] != ""
                for n in (tally[k],)]


def date_number(iso: str) -> int:
    """An ISO date as the integer YYYYMMDD the table keeps (-1 for what is not a date)."""
    return int(iso[:10].replace("-", "")) if iso[:4].isdigit() else -1


_TABLES: dict[Any, FacetTable] = {}
_REFRESHING: set[Any] = set()
_LOCK = threading.Lock()
#: From this many items on, a table found out of date is made again in the background while the one in hand
#: answers (a few seconds per 100,000 letters); smaller ones are made again at once.
BACKGROUND_FROM = 50_000
SUFFIX = ".facets.npz"
FORMAT = "2"  # raised whenever the columns saved change


def current_key(index: ItemIndex) -> tuple[Any, ...]:
    """What identifies the state of ``index``: its version and highest rowids."""
    row = index.db.execute("SELECT (SELECT value FROM meta WHERE name = 'version'), "
                           "(SELECT MAX(rowid) FROM items), (SELECT MAX(rowid) FROM letters)").fetchone()
    return (FORMAT, *(str(v) for v in row))


def table_of(index: ItemIndex) -> FacetTable:
    """The facet table of ``index``: the one kept for its file (in memory, else saved beside it) when nothing has
    changed since it was made; else a new one. A large index that has changed goes on being answered from the
    table in hand while a new one is made in the background (new letters show in the counts a few seconds
    late, never half of a letter)."""
    where = index.path if index.path is not None else id(index.db)
    key = current_key(index)
    with _LOCK:
        table = _TABLES.get(where)
        if table is None and index.path is not None:
            table = _read(Path(index.path + SUFFIX))
            if table is not None:
                _TABLES[where] = table
        if table is not None and table.key == key:
            return table
        if table is not None and table.size >= BACKGROUND_FROM and index.path is not None:
            if where not in _REFRESHING:
                _REFRESHING.add(where)
                threading.Thread(target=_refresh, args=(index.path,), daemon=True).start()
            return table
        table = _TABLES[where] = load(index, key)
    if index.path is not None:
        save(table, Path(index.path + SUFFIX))
    return table


def _refresh(path: str) -> None:
    """Make the table of the index at ``path`` again (in a thread of its own, with a connection of its own)."""
    from kg.item_index import ItemIndex

    try:
        with ItemIndex(path, read_only=True) as index:
            table = load(index, current_key(index))
        with _LOCK:
            _TABLES[path] = table
        save(table, Path(path + SUFFIX))
    except Exception as error:  # noqa: BLE001 - the table in hand goes on answering; say why it was not renewed
        import logging

        logging.getLogger(__name__).warning("%s: the finder's counts were not renewed: %s", path, error)
    finally:
        with _LOCK:
            _REFRESHING.discard(path)


def save(table: FacetTable, path: Path) -> None:
    """Write ``table`` to ``path`` (replacing what was there in one step); a folder that cannot be written is
    left alone (the table is then made again by the next process that needs it)."""
    import numpy as np

    arrays: dict[str, Any] = {"key": np.array(table.key, dtype=str), "item_rowid": table.item_rowid,
                              "letter_rowid": table.letter_rowid, "letter_of": table.letter_of,
                              "number": table.number, "date": table.date, "case_rank": table.case_rank,
                              "treatment_rank": table.treatment_rank, "priority": table.priority[0],
                              "priority.codes": _strings(table.priority[1].values)}
    for name, (column, codes) in table.columns.items():
        arrays[f"column.{name}"], arrays[f"column.{name}.codes"] = column, _strings(codes.values)
    for name, pairs in table.pairs.items():
        arrays[f"pairs.{name}.rows"], arrays[f"pairs.{name}.values"] = pairs.rows, pairs.values
        arrays[f"pairs.{name}.codes"] = _strings(pairs.codes.values)
    partial = path.with_name(path.name + ".partial")
    try:
        with open(partial, "wb") as out:
            np.savez(out, **arrays)
        partial.replace(path)
    except OSError:
        partial.unlink(missing_ok=True)


def _strings(values: list[str]) -> Any:
    import numpy as np

    return np.array(values, dtype=str)


def _codes(values: Any) -> Codes:
    coded = Codes()
    for value in values.tolist():
        coded.code(str(value))
    return coded


def _read(path: Path) -> FacetTable | None:
    """The table saved at ``path``, or None when there is none (or it cannot be read)."""
    import numpy as np

    if not path.exists():
        return None
    try:
        with np.load(path, allow_pickle=False) as saved:
            a = {name: saved[name] for name in saved.files}
    except (OSError, ValueError, KeyError):
        return None
    try:
        return FacetTable(
            key=tuple(str(v) for v in a["key"].tolist()), item_rowid=a["item_rowid"], letter_rowid=a["letter_rowid"],
            letter_of=a["letter_of"], number=a["number"],
            columns={name: (a[f"column.{name}"], _codes(a[f"column.{name}.codes"])) for name in ITEM_FIELDS},
            pairs={name: Pairs(a[f"pairs.{name}.rows"], a[f"pairs.{name}.values"], _codes(a[f"pairs.{name}.codes"]))
                   for name in (*ITEM_PAIRS, *LETTER_PAIRS)},
            priority=(a["priority"], _codes(a["priority.codes"])), date=a["date"], case_rank=a["case_rank"],
            treatment_rank=a["treatment_rank"])
    except KeyError:
        return None


def load(index: ItemIndex, key: tuple[Any, ...] = ()) -> FacetTable:
    """Read the item index into a :class:`FacetTable`. SQLite does the sorting and coding (the dense rank of a
    value among the distinct values, read in the same order); Python only receives integers."""
    import numpy as np

    db = index.db

    def ints(sql: str, width: int) -> np.ndarray:
        rows = db.execute(sql).fetchall()
        return np.array(rows, dtype=np.int64).reshape(len(rows), width)

    def codes(column: str, source: str) -> Codes:
        """The distinct values of ``column`` over ``source`` (FROM ... WHERE ...), in the order ranks count."""
        coded = Codes()
        for (value,) in db.execute(f"SELECT DISTINCT {column} FROM {source} ORDER BY 1"):
            coded.code("" if value is None else str(value))
        return coded

    def coded(ranks: np.ndarray, values: Codes) -> np.ndarray:
        """Dense ranks (counted from 1) as codes, with -1 for the empty value."""
        out = ranks.astype(np.int32) - 1
        if "" in values.ids:
            out[out == values.ids[""]] = -1
        return out

    letters = ints("SELECT rowid, CASE WHEN decision_date GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]*' "
                   "THEN CAST(REPLACE(SUBSTR(decision_date, 1, 10), '-', '') AS INTEGER) ELSE -1 END, "
                   "DENSE_RANK() OVER (ORDER BY case_number), DENSE_RANK() OVER (ORDER BY priority) "
                   "FROM letters ORDER BY rowid", 4)
    letter_rowid = letters[:, 0]
    priorities = codes("priority", "letters")
    joined = "items i JOIN letters l ON l.letter = i.letter"
    names = {"outcome": "i.outcome", "category": "i.category", "treatment": "i.treatment", "side": "i.laterality",
             "year": "i.year"}
    ranks = ", ".join(f"DENSE_RANK() OVER (ORDER BY {column})" for column in names.values())
    items = ints(f"SELECT i.rowid, l.rowid, i.number, {ranks}, DENSE_RANK() OVER (ORDER BY "
                 f"COALESCE(NULLIF(i.treatment_label, ''), i.request)) FROM {joined} ORDER BY i.rowid", 4 + len(names))
    item_rowid = items[:, 0]
    columns = {}
    for k, (name, column) in enumerate(names.items()):
        values = codes(column, joined)
        columns[name] = (coded(items[:, 3 + k], values), values)
    pairs = {}
    for facet, (table, value, condition) in (*ITEM_PAIRS.items(), *LETTER_PAIRS.items()):
        owner, rowids, on = (("items", item_rowid, "item") if facet in ITEM_PAIRS
                             else ("letters", letter_rowid, "letter"))
        source = f"{table} t JOIN {owner} o ON o.{on} = t.{on} WHERE {condition}"
        found = ints(f"SELECT DISTINCT o.rowid, DENSE_RANK() OVER (ORDER BY {value}) FROM {source}", 2)
        if facet in ITEM_PAIRS:  # an item whose letter is missing is not in the table
            found = found[np.isin(found[:, 0], item_rowid)]
        pairs[facet] = Pairs(np.searchsorted(rowids, found[:, 0]).astype(np.int32),
                             (found[:, 1] - 1).astype(np.int32), codes(value, source))
    return FacetTable(
        key=key, item_rowid=item_rowid, letter_rowid=letter_rowid,
        letter_of=np.searchsorted(letter_rowid, items[:, 1]).astype(np.int32), number=items[:, 2].astype(np.int32),
        columns=columns, pairs=pairs, priority=(coded(letters[:, 3], priorities), priorities), date=letters[:, 1],
        case_rank=letters[:, 2].astype(np.int32), treatment_rank=items[:, -1].astype(np.int32))


def locate(sorted_rowids: np.ndarray, rowids: Any) -> tuple[np.ndarray, np.ndarray]:
    """Where each of ``rowids`` is in ``sorted_rowids`` (the items or letters of a table), and which of them are
    there at all (a rowid the table does not hold has no place)."""
    import numpy as np

    wanted = np.asarray(rowids, dtype=np.int64)
    at = np.searchsorted(sorted_rowids, wanted)
    if not len(sorted_rowids):
        return at, np.zeros(len(wanted), dtype=bool)
    return at, (at < len(sorted_rowids)) & (sorted_rowids[np.minimum(at, len(sorted_rowids) - 1)] == wanted)


def text_ranks(table: FacetTable, q: str, hits: Callable[[], list[tuple[int, int, float]]]) -> np.ndarray:
    """Per item, how well it matches the words ``q`` (lower is better; infinity for no match): an item ranks by
    its own best document, or its letter's when only the letter matched. ``hits`` gives (item rowid or 0 for a
    letter's document, letter rowid, rank) of every matching document; the answer is kept per ``q`` while the
    table lasts."""
    import numpy as np

    kept = table.text_hits.get(q)
    if kept is not None:
        return kept
    found = np.array(hits(), dtype=np.float64).reshape(-1, 3)
    item_rank = np.full(table.size, np.inf)
    letter_rank = np.full(len(table.letter_rowid), np.inf)
    for rowids, own, rank in ((found[:, 0], table.item_rowid, item_rank), (found[:, 1], table.letter_rowid, letter_rank)):
        chosen = (found[:, 0] > 0) if own is table.item_rowid else (found[:, 0] == 0)
        at, inside = locate(own, rowids[chosen])
        np.minimum.at(rank, at[inside], found[chosen, 2][inside])
    ranks = np.minimum(item_rank, letter_rank[table.letter_of])
    if len(table.text_hits) >= 32:  # a handful of recent searches is enough
        table.text_hits.pop(next(iter(table.text_hits)))
    table.text_hits[q] = ranks
    return ranks


def explorer_counts(table: FacetTable, level: str, filters: dict[str, list[str]], code_prefixes: Sequence[str],
                    date_from: str, date_to: str) -> tuple[list[tuple[Any, ...]], list[tuple[str, str, int]]]:
    """The explorer's counts (:meth:`kg.item_index.ItemIndex.counts`): decided items per (guideline, detail IRI,
    detail, category, outcome) at ``level``, and per (category, outcome) among items citing a guideline.
    ``filters`` holds, per field ("category", "year", "treatment", "region", "specialty", "icd-chapter",
    "icd-block"), the values to keep; the ICD-10-CM ones and ``code_prefixes`` (codes without their dot, upper
    case) are alternatives to one another."""
    import numpy as np

    outcomes, outcome_codes = table.columns["outcome"]
    categories, category_codes = table.columns["category"]
    mask = outcomes >= 0
    for name in ("category", "year", "treatment", "region", "specialty"):
        if filters.get(name):
            mask &= table.item_mask(name, filters[name])
    diagnosis = [table.item_mask(name, filters[name]) for name in ("icd-chapter", "icd-block") if filters.get(name)]
    if code_prefixes:
        icd = table.pairs["icd"]
        wanted = [k for k, code in enumerate(icd.codes.values)
                  if code.replace(".", "").upper().startswith(tuple(code_prefixes))]
        diagnosis.append(table.pair_mask("icd", np.isin(icd.values, wanted)))
    if diagnosis:
        mask &= np.logical_or.reduce(diagnosis)
    if date_from or date_to:
        mask &= table.date_mask(date_from, date_to)
    n_cat, n_out = len(category_codes.values) + 1, len(outcome_codes.values)
    cell = (categories + 1) * n_out + outcomes  # category -1 (none) becomes 0

    def label(k: int) -> tuple[str, str]:
        cat, out = divmod(k, n_out)
        return (category_codes.values[cat - 1] if cat else "", outcome_codes.values[out])

    sources = table.pairs[f"source-{level}"]
    chosen = mask[sources.rows]
    keyed = sources.values[chosen].astype(np.int64) * (n_cat * n_out) + cell[sources.rows[chosen]]
    found, counted = np.unique(keyed, return_counts=True)
    paths: list[tuple[Any, ...]] = []
    for key, n in zip(found.tolist(), counted.tolist()):
        source, rest = divmod(key, n_cat * n_out)
        guideline, detail_iri, detail = sources.codes.values[source].split(SOURCE_JOIN)
        paths.append((guideline, detail_iri, detail, *label(rest), n))
    citing = np.zeros(table.size, dtype=bool)
    citing[table.pairs["source-guideline"].rows] = True
    tally = np.bincount(cell[mask & citing], minlength=n_cat * n_out)
    totals = [(*label(int(k)), int(tally[k])) for k in np.flatnonzero(tally)]
    return paths, totals
