"""The finder's columns in memory count what the item index's tables hold, are saved beside the index, and
are made again when the index changes."""
from __future__ import annotations

import shutil
import time
from pathlib import Path

import numpy as np
import pytest

from kg import facet_table
from kg.finder import Selection, find
from kg.item_index import FILE_NAME, ItemIndex


@pytest.fixture()
def index_copy(built_store_path: Path, tmp_path: Path) -> Path:
    """A writable copy of the bundled letters' item index (no saved table beside it)."""
    copy = tmp_path / FILE_NAME
    shutil.copy(built_store_path / FILE_NAME, copy)
    return copy


def _sql_counts(index: ItemIndex, sql: str) -> dict[str, int]:
    return {str(value): n for value, n in index.db.execute(sql) if value not in ("", None)}


def test_counts_match_the_index_tables(index_copy: Path) -> None:
    """Every facet's counts over all items are what grouping the index's own tables gives."""
    with ItemIndex(index_copy, read_only=True) as index:
        table = facet_table.load(index)
        everything = np.ones(table.size, dtype=bool)
        joined = "FROM items i JOIN letters l ON l.letter = i.letter"
        expected = {
            "category": f"SELECT i.category, COUNT(*) {joined} GROUP BY 1",
            "treatment": f"SELECT i.treatment, COUNT(*) {joined} GROUP BY 1",
            "year": f"SELECT i.year, COUNT(*) {joined} GROUP BY 1",
            "region": f"SELECT r.region, COUNT(DISTINCT i.item) {joined} JOIN item_regions r ON r.item = i.item GROUP BY 1",
            "icd-chapter": f"SELECT g.chapter, COUNT(DISTINCT i.item) {joined} JOIN letter_diagnoses g "
                           "ON g.letter = i.letter GROUP BY 1",
            "specialty": f"SELECT p.specialty, COUNT(DISTINCT i.item) {joined} JOIN letter_specialties p "
                         "ON p.letter = i.letter GROUP BY 1",
        }
        for facet, sql in expected.items():
            wanted = _sql_counts(index, sql)
            assert wanted, facet
            assert dict(table.counts(facet, everything)) == wanted, facet


def test_saved_table_reads_back_the_same(index_copy: Path) -> None:
    """The table saved beside the index reads back with the same key, columns and counts."""
    with ItemIndex(index_copy, read_only=True) as index:
        made = facet_table.table_of(index)
    saved = Path(str(index_copy) + facet_table.SUFFIX)
    assert saved.exists()
    again = facet_table._read(saved)
    assert again is not None and again.key == made.key
    assert np.array_equal(again.letter_of, made.letter_of) and np.array_equal(again.date, made.date)
    everything = np.ones(made.size, dtype=bool)
    for facet in ("outcome", "region", "topic", "icd", "priority"):
        assert again.counts(facet, everything) == made.counts(facet, everything), facet


def test_a_changed_index_is_counted_again(index_copy: Path) -> None:
    """Taking a letter out of a small index: the next look counts without it."""
    with ItemIndex(index_copy) as index:
        before = find(index, Selection())
        letter = index.db.execute("SELECT letter FROM items GROUP BY letter ORDER BY COUNT(*) DESC").fetchone()[0]
        gone = index.db.execute("SELECT COUNT(*) FROM items WHERE letter = ?", (letter,)).fetchone()[0]
        index.write([], [letter])
        after = find(index, Selection())
    assert gone > 0 and after.items == before.items - gone and after.cases == before.cases - 1


def test_a_large_changed_index_is_renewed_in_the_background(index_copy: Path,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    """Past the size for renewing at once, the table in hand answers while a new one is made; the new one then
    answers, and is saved."""
    monkeypatch.setattr(facet_table, "BACKGROUND_FROM", 1)
    with ItemIndex(index_copy) as index:
        first = facet_table.table_of(index)
        letter = index.db.execute("SELECT letter FROM letters LIMIT 1").fetchone()[0]
        index.write([], [letter])
        key = facet_table.current_key(index)
        assert key != first.key
        in_hand = facet_table.table_of(index)
        assert in_hand is first or in_hand.key == key  # the old one, unless the renewal was already done
        deadline = time.monotonic() + 30
        while facet_table.table_of(index).key != key:
            assert time.monotonic() < deadline, "the table was not renewed"
            time.sleep(0.05)
        renewed = facet_table.table_of(index)
    assert renewed.size < first.size
    saved = facet_table._read(Path(str(index_copy) + facet_table.SUFFIX))
    assert saved is not None and saved.key == key
