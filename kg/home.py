"""The home page's figures: how much the store holds, the overturn rate month by month, the most frequent
treatments, categories, guidelines and specialties with their overturn rates, and the data-quality status.

Everything is read from the counts kept as letters load (:mod:`kg.summaries`, Data Cube observations in
``graph/summaries``), so the figures cost a few small queries however many letters the store holds, and work
the same on a SPARQL server as on a store folder. Rates come with 95% Wilson score intervals.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from kg.explorer import wilson_interval
from kg.namespaces import sparql_prologue
from kg.summaries import SUMMARY_GRAPH

Select = Callable[[str], list[dict[str, Any]]]
#: The lists of the most frequent concepts: dimension → heading.
TOPS = {"treatment": "Treatments", "category": "Treatment categories", "guideline": "Guidelines the reviewers cited",
        "specialty": "Reviewer specialties"}
TOP_SIZE = 10


@dataclass
class Rate:
    """How many decided items, how many overturned, the share and its 95% Wilson interval (None without items)."""

    items: int
    overturned: int

    @property
    def share(self) -> float | None:
        """Overturned / items."""
        return self.overturned / self.items if self.items else None

    @property
    def interval(self) -> tuple[float, float] | None:
        """The 95% Wilson score interval of the share."""
        return wilson_interval(self.overturned, self.items) if self.items else None

    def as_dict(self) -> dict[str, Any]:
        """Plain values, for JSON."""
        low, high = self.interval or (None, None)
        return {"items": self.items, "overturned": self.overturned, "share": self.share, "low": low, "high": high}


@dataclass
class Overview:
    """What the home page shows."""

    letters: int = 0
    items: Rate = field(default_factory=lambda: Rate(0, 0))
    first_month: str | None = None
    last_month: str | None = None
    months: list[tuple[str, Rate | None]] = field(default_factory=list)  # every month from first to last
    tops: dict[str, list[tuple[str, str, Rate]]] = field(default_factory=dict)  # dimension → (IRI, label, rate)
    severities: dict[str, int] = field(default_factory=dict)  # "Violation" → letters with one
    rejected: int = 0

    def as_dict(self) -> dict[str, Any]:
        """Plain values, for JSON."""
        return {"letters": self.letters, "items": self.items.as_dict(), "first_month": self.first_month,
                "last_month": self.last_month,
                "months": [{"month": m, **(r.as_dict() if r else {"items": 0, "overturned": 0, "share": None,
                                                                   "low": None, "high": None})}
                           for m, r in self.months],
                "tops": {d: [{"iri": iri, "label": label, **rate.as_dict()} for iri, label, rate in rows]
                         for d, rows in self.tops.items()},
                "letters_with": self.severities, "rejected": self.rejected}


def overview(select: Select) -> Overview:
    """The home page's figures, from the kept counts."""
    graph = f"<{SUMMARY_GRAPH}>"
    seen = Overview()
    rows = select(sparql_prologue("imr") + f"""SELECT ?d (SUM(?n) AS ?items) (SUM(?o) AS ?overturned) (SUM(?c) AS ?cases)
WHERE {{ GRAPH {graph} {{ ?obs imr:dimension ?d . VALUES ?d {{ "all" "case-all" }}
  OPTIONAL {{ ?obs imr:items ?n ; imr:overturned ?o }} OPTIONAL {{ ?obs imr:cases ?c }} }} }} GROUP BY ?d""")
    for row in rows:
        if row["d"] == "all":
            seen.items = Rate(int(row.get("items") or 0), int(row.get("overturned") or 0))
        else:
            seen.letters = int(row.get("cases") or 0)
    monthly = {str(row["month"]): Rate(int(row["items"]), int(row["overturned"])) for row in select(
        sparql_prologue("imr") + f"""SELECT ?month ?items ?overturned WHERE {{ GRAPH {graph} {{
  ?obs imr:dimension "month" ; imr:month ?m ; imr:items ?items ; imr:overturned ?overturned }}
  BIND(STR(?m) AS ?month) }}""")}
    if monthly:
        seen.first_month, seen.last_month = min(monthly), max(monthly)
        seen.months = [(month, monthly.get(month)) for month in _months(seen.first_month, seen.last_month)]
    for dimension in TOPS:
        found = select(sparql_prologue("imr") + f"""SELECT ?v (SUM(?n) AS ?items) (SUM(?o) AS ?overturned)
WHERE {{ GRAPH {graph} {{ ?obs imr:dimension "{dimension}" ; imr:dimensionValue ?v ; imr:items ?n ;
  imr:overturned ?o }} }} GROUP BY ?v ORDER BY DESC(?items) ?v LIMIT {TOP_SIZE}""")
        seen.tops[dimension] = [(str(r["v"]), _label(str(r["v"])), Rate(int(r["items"]), int(r["overturned"])))
                                for r in found]
    for row in select(sparql_prologue("imr") + f"""SELECT ?severity (SUM(?l) AS ?letters) WHERE {{ GRAPH {graph} {{
  ?obs imr:dimension "severity" ; imr:dimensionValue ?s ; imr:letters ?l }} BIND(STRAFTER(STR(?s), "#") AS ?severity) }}
GROUP BY ?severity"""):
        seen.severities[str(row["severity"])] = int(row["letters"])
    rejected = select(sparql_prologue("imr") + """SELECT (COUNT(?r) AS ?n) WHERE {
  GRAPH <https://w3id.org/imr-kg/graph/rejected> { ?r a imr:RejectedLetter } }""")
    seen.rejected = int(rejected[0]["n"]) if rejected else 0
    return seen


def _months(first: str, last: str) -> list[str]:
    """Every month from ``first`` to ``last`` ("2014-11" … "2015-02"), so that a month without decisions shows as
    a gap rather than being skipped."""
    year, month = int(first[:4]), int(first[5:7])
    out = []
    while f"{year:04d}-{month:02d}" <= last:
        out.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return out


def _label(iri: str) -> str:
    from kg.vocab import concept_of

    concept = concept_of(iri)
    return concept.pref_label if concept is not None else iri.rstrip("/").rsplit("/", 1)[-1]


__all__ = ["Overview", "Rate", "TOPS", "overview"]
