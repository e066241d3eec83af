"""The ICD-10-CM chapter of a code, from the chapters' published category ranges, without loading the code set.

Counting cases by chapter happens for every letter loaded; the full code set (simple-icd-10-cm) takes seconds to
import, the table below microseconds. tests/test_icd10_chapters.py checks the table against the code set's own tree for
every category.
"""
from __future__ import annotations

from bisect import bisect_right

# (first category, last category, chapter number), in category order: chapter 22 (codes for special
# purposes, U00-U85) lies between chapters 19 and 20 in that order.
_RANGES: tuple[tuple[str, str, str], ...] = (
    ("A00", "B99", "1"), ("C00", "D49", "2"), ("D50", "D89", "3"), ("E00", "E89", "4"), ("F01", "F99", "5"),
    ("G00", "G99", "6"), ("H00", "H59", "7"), ("H60", "H95", "8"), ("I00", "I99", "9"), ("J00", "J99", "10"),
    ("K00", "K95", "11"), ("L00", "L99", "12"), ("M00", "M99", "13"), ("N00", "N99", "14"),
    ("O00", "O9A", "15"), ("P00", "P96", "16"), ("Q00", "QA0", "17"), ("R00", "R99", "18"),
    ("S00", "T88", "19"), ("U00", "U85", "22"), ("V00", "Y99", "20"), ("Z00", "Z99", "21"),
)
_STARTS = [first for first, _, _ in _RANGES]


def chapter_of(code: str) -> str | None:
    """The chapter number ("13") of an ICD-10-CM category or code ("M51.16", "M5116"), or None when its
    category lies in no chapter."""
    category = code.strip().upper()[:3]
    if len(category) < 3 or not category[0].isalpha():
        return None
    at = bisect_right(_STARTS, category) - 1
    if at < 0:
        return None
    first, last, chapter = _RANGES[at]
    return chapter if first <= category <= last else None


__all__ = ["chapter_of"]
