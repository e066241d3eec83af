"""Score extracted CaseRecords against hand-written gold files (``NAME.gold.json`` beside each letter).

Every field is counted as true positives (correct predictions), false positives (predictions made that
are wrong) and false negatives (gold values not found); a value that is null or empty is no prediction.
"""
from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kg.evaluation_match import ITEM_FIELDS, Tally, normalise, score_items, text

HEADER_FIELDS = ("case_number", "date_assigned", "date_of_injury", "decision_date", "ur_denial_date",
                 "application_received", "priority")
FIELDS: tuple[str, ...] = HEADER_FIELDS + ("reviewer_specialties", "diagnoses", "icd10",
                                           "prior_treatments") + ITEM_FIELDS
LETTER_SUFFIXES = (".md", ".txt", ".html", ".htm", ".pdf")
GOLD_SUFFIX = ".gold.json"
MICRO = "all fields (micro)"


@dataclass
class FieldScore:
    """True-positive, false-positive and false-negative counts for one field."""

    field: str
    tp: int = 0
    fp: int = 0
    fn: int = 0

    @property
    def precision(self) -> float:
        """Correct predictions / predictions made (1.0 when nothing was predicted)."""
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        """Correct predictions / gold values (1.0 when there was nothing to find)."""
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def f1(self) -> float:
        """Harmonic mean of precision and recall."""
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def add(self, other: FieldScore) -> None:
        """Add another score's counts to this one."""
        self.tp += other.tp
        self.fp += other.fp
        self.fn += other.fn

    def to_dict(self) -> dict[str, Any]:
        """Counts and rates as plain values."""
        return {"tp": self.tp, "fp": self.fp, "fn": self.fn, "precision": round(self.precision, 4),
                "recall": round(self.recall, 4), "f1": round(self.f1, 4)}


@dataclass
class LetterResult:
    """The scores of one letter's record (only the fields its gold file scores) and what went wrong."""

    source: str
    gold_path: str
    scores: dict[str, FieldScore]
    mismatches: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """The result as plain values."""
        return {"source": self.source, "gold_path": self.gold_path, "mismatches": list(self.mismatches),
                "scores": {name: score.to_dict() for name, score in self.scores.items()}}


@dataclass
class EvalReport:
    """Per-letter results and per-field totals (every field of FIELDS, in order)."""

    letters: list[LetterResult]
    totals: dict[str, FieldScore]

    @property
    def micro(self) -> FieldScore:
        """All fields' counts summed."""
        total = FieldScore(MICRO)
        for score in self.totals.values():
            total.add(score)
        return total

    def below(self, minimum: float) -> list[str]:
        """Fields whose total precision or recall is under ``minimum``."""
        return [name for name, s in self.totals.items() if s.precision < minimum or s.recall < minimum]

    def to_dict(self) -> dict[str, Any]:
        """The report as plain JSON-able values."""
        return {"letter_count": len(self.letters), "micro": self.micro.to_dict(),
                "totals": {name: score.to_dict() for name, score in self.totals.items()},
                "letters": [letter.to_dict() for letter in self.letters]}


def gold_path_for(letter_path: Path) -> Path | None:
    """The ``NAME.gold.json`` beside ``NAME.<ext>``, or None when there is none."""
    letter_path = Path(letter_path)
    candidate = letter_path.with_name(letter_path.stem + GOLD_SUFFIX)
    return candidate if candidate.is_file() else None


def find_gold_letters(paths: Iterable[Path]) -> list[tuple[Path, Path]]:
    """(letter, gold) pairs for the supported letters under ``paths`` (files or folders) that have gold."""
    found: set[tuple[Path, Path]] = set()
    for path in map(Path, paths):
        candidates = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
        for letter in candidates:
            if (letter.suffix.lower() in LETTER_SUFFIXES and letter.is_file()
                    and (gold := gold_path_for(letter)) is not None):
                found.add((letter, gold))
    return sorted(found)


def load_gold(path: Path) -> dict[str, Any]:
    """Read one gold file."""
    with open(path, encoding="utf-8") as handle:
        return json.load(handle)


def score_record(record: dict, gold: dict, source: str = "", gold_path: str = "") -> LetterResult:
    """Score one record (``CaseRecord.to_dict()``) against one gold dict."""
    if hasattr(record, "to_dict"):
        record = record.to_dict()
    s = Tally()
    for name in HEADER_FIELDS:
        if name in gold:
            g, p = text(gold[name]), text(record.get(name))
            s.judge(name, name, bool(g), bool(p), g == p, repr(g), repr(p))
    if "reviewer_specialties" in gold:
        want = {normalise(x).casefold(): x for x in gold["reviewer_specialties"] or [] if text(x)}
        have = {normalise(x).casefold(): x for x in record.get("reviewer_specialties") or [] if text(x)}
        s.count("reviewer_specialties", tp=len(want.keys() & have.keys()), fp=len(have.keys() - want.keys()),
                fn=len(want.keys() - have.keys()))
        s.mismatches += [f"reviewer_specialties: missing {want[k]!r}" for k in sorted(want.keys() - have)]
        s.mismatches += [f"reviewer_specialties: unexpected {have[k]!r}" for k in sorted(have.keys() - want)]
    if "diagnoses" in gold:
        gold_dx = [d if isinstance(d, dict) else {"text": d} for d in gold["diagnoses"] or []]
        pred_dx = [d if isinstance(d, dict) else {"label": d} for d in record.get("diagnoses") or []]
        s.phrases("diagnoses", [text(d.get("text", d.get("label"))) for d in gold_dx],
                  [text(d.get("label", d.get("text"))) for d in pred_dx])
        want_codes = {text(d.get("icd10")) for d in gold_dx} - {""}
        have_codes = {text(d.get("icd10")) for d in pred_dx} - {""}
        s.count("icd10", tp=len(want_codes & have_codes), fp=len(have_codes - want_codes),
                fn=len(want_codes - have_codes))
        s.mismatches += [f"icd10: missing {code!r}" for code in sorted(want_codes - have_codes)]
        s.mismatches += [f"icd10: unexpected {code!r}" for code in sorted(have_codes - want_codes)]
    if "prior_treatments" in gold:
        s.phrases("prior_treatments", [text(x) for x in gold["prior_treatments"] or []],
                  [text(x) for x in record.get("prior_treatments") or []], plural=True)
    if "items" in gold:
        score_items(s, list(gold["items"] or []), list(record.get("items") or []))
    scores = {name: FieldScore(name, *s.counts[name]) for name in FIELDS if name in s.counts}
    return LetterResult(source=source or str(record.get("source") or ""), gold_path=str(gold_path),
                        scores=scores, mismatches=s.mismatches)


def evaluate(pairs: Iterable[tuple[dict, dict, str, str]]) -> EvalReport:
    """Score (record, gold, source, gold path) tuples and add up the per-field totals."""
    letters = [score_record(record, gold, source, gold_path) for record, gold, source, gold_path in pairs]
    totals = {name: FieldScore(name) for name in FIELDS}
    for letter in letters:
        for name, score in letter.scores.items():
            totals.setdefault(name, FieldScore(name)).add(score)
    return EvalReport(letters=letters, totals=totals)


def format_table(report: EvalReport) -> str:
    """A fixed-width table: one row per field, a micro-average row and the number of letters."""
    width = max(len(MICRO), *(len(name) for name in report.totals))
    header = f"{'field':<{width}} {'tp':>6} {'fp':>6} {'fn':>6} {'precision':>9} {'recall':>9} {'f1':>9}"

    def row(score: FieldScore) -> str:
        return (f"{score.field:<{width}} {score.tp:>6} {score.fp:>6} {score.fn:>6} "
                f"{score.precision:>9.3f} {score.recall:>9.3f} {score.f1:>9.3f}")

    rule = "-" * len(header)
    lines = [header, rule, *(row(score) for score in report.totals.values()), rule, row(report.micro)]
    lines.append(f"letters: {len(report.letters)}")
    return "\n".join(lines)
