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


def chapter_ranges() -> tuple[tuple[str, str, str], ...]:
    """(first category, last category, chapter number) of every chapter, in category order."""
    return _RANGES


#: Each chapter's title, as the code set gives it.
TITLES: dict[str, str] = {
    "1": "Certain infectious and parasitic diseases", "2": "Neoplasms",
    "3": "Diseases of the blood and blood-forming organs and certain disorders involving the immune mechanism",
    "4": "Endocrine, nutritional and metabolic diseases", "5": "Mental, Behavioral and Neurodevelopmental disorders",
    "6": "Diseases of the nervous system", "7": "Diseases of the eye and adnexa",
    "8": "Diseases of the ear and mastoid process", "9": "Diseases of the circulatory system",
    "10": "Diseases of the respiratory system", "11": "Diseases of the digestive system",
    "12": "Diseases of the skin and subcutaneous tissue",
    "13": "Diseases of the musculoskeletal system and connective tissue", "14": "Diseases of the genitourinary system",
    "15": "Pregnancy, childbirth and the puerperium", "16": "Certain conditions originating in the perinatal period",
    "17": "Congenital malformations, deformations and chromosomal abnormalities",
    "18": "Symptoms, signs and abnormal clinical and laboratory findings, not elsewhere classified",
    "19": "Injury, poisoning and certain other consequences of external causes", "20": "External causes of morbidity",
    "21": "Factors influencing health status and contact with health services", "22": "Codes for special purposes",
}


__all__ = ["TITLES", "chapter_of", "chapter_ranges"]
