"""Data quality of the graph: the stored SHACL results by constraint and by letter, over time, and the letters kept out.

Each letter's SHACL report lives in its validation graph (``imr:validationReport``, ``sh:result``,
``sh:resultSeverity``, ``sh:resultMessage``, ``imr:constraint``); rejected letters are in ``graph/rejected``.
The functions are pure: the ``*_query`` functions write SPARQL, :func:`quality_from_rows` reads the rows, and
:func:`quality_report` joins them through any ``select`` callable (``KGStore.select`` or the web app's workers).
"""
from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

from kg.namespaces import GRAPH, sparql_prologue

if TYPE_CHECKING:
    from kg.item_index import ItemIndex

Select = Callable[[str], list[dict[str, Any]]]
Rows = Iterable[Mapping[str, Any]]

SEVERITIES = ("Violation", "Warning", "Info")
#: How a letter's date is cut into periods: the letter's decision month, or the day it was built (UTC).
PERIODS = {"month": ("?case imr:letter ?letter ; imr:decisionDate ?when .", 7),
           "build": ("?letter prov:generatedAtTime ?when .", 10)}
_PREFIXES = sparql_prologue("imr", "sh", "prov", "dcterms")
# Counts a result (or a letter) only when its severity is the one named: other rows leave the variable unbound.
_BY_SEVERITY = "\n".join(f"  BIND(IF(?sev = sh:{s}, {{0}}, ?unbound) AS ?{s.lower()})" for s in SEVERITIES)


@dataclass
class Quality:
    """Everything the data-quality page shows."""

    totals: dict[str, Any] = field(default_factory=dict)
    constraints: list[dict[str, Any]] = field(default_factory=list)
    letters: list[dict[str, Any]] = field(default_factory=list)
    by_month: list[dict[str, Any]] = field(default_factory=list)
    by_build_date: list[dict[str, Any]] = field(default_factory=list)
    rejected: list[dict[str, Any]] = field(default_factory=list)


def constraints_query() -> str:
    """SHACL results per constraint and severity: letters, results, and one example (letter key and message)."""
    return _PREFIXES + """SELECT ?constraint ?severity (COUNT(DISTINCT ?letter) AS ?letters) (COUNT(DISTINCT ?r) AS ?results)
       (MIN(?example) AS ?example)
WHERE {
  GRAPH ?v {
    ?letter imr:validationReport ?report . ?report sh:result ?r . ?r sh:resultSeverity ?sev .
    OPTIONAL { ?r imr:constraint ?named } OPTIONAL { ?r sh:sourceShape ?shape } OPTIONAL { ?r sh:resultMessage ?message }
  }
  BIND(COALESCE(?named, STR(?shape), "(unnamed constraint)") AS ?constraint)
  BIND(STRAFTER(STR(?sev), "#") AS ?severity)
  # key and message in one string, so the example message belongs to the example letter
  BIND(CONCAT(STRAFTER(STR(?letter), "/letter/"), "\\t", COALESCE(STR(?message), "")) AS ?example)
}
GROUP BY ?constraint ?severity
"""


def letters_query() -> str:
    """Every letter: key, case number, source, decision date, build time, conforms, and results per severity."""
    counts = " ".join(f"(COUNT(DISTINCT ?{s.lower()}) AS ?{s.lower()}s)" for s in SEVERITIES)
    return _PREFIXES + f"""SELECT ?letter (SAMPLE(?number) AS ?caseNumber) (SAMPLE(?src) AS ?source)
       (SAMPLE(?date) AS ?decisionDate) (SAMPLE(?built) AS ?generated) (SAMPLE(?ok) AS ?conforms) {counts}
WHERE {{
  GRAPH ?lg {{
    ?letter a imr:Letter .
    OPTIONAL {{ ?letter dcterms:source ?src }} OPTIONAL {{ ?letter prov:generatedAtTime ?built }}
    OPTIONAL {{ ?case imr:letter ?letter . OPTIONAL {{ ?case imr:caseNumber ?number }} OPTIONAL {{ ?case imr:decisionDate ?date }} }}
  }}
  OPTIONAL {{ GRAPH ?vg {{ ?letter imr:validationReport ?report . OPTIONAL {{ ?report sh:conforms ?ok }}
                          OPTIONAL {{ ?report sh:result ?r . ?r sh:resultSeverity ?sev }} }} }}
{_BY_SEVERITY.format("?r")}
}}
GROUP BY ?letter
"""


def timeline_query(period: str) -> str:
    """Letters per period ("month" of the decision date or "build" day), and how many have violations or warnings."""
    pattern, width = PERIODS[period]
    return _PREFIXES + f"""SELECT ?period (COUNT(DISTINCT ?letter) AS ?letters)
       (COUNT(DISTINCT ?violation) AS ?withViolations) (COUNT(DISTINCT ?warning) AS ?withWarnings)
WHERE {{
  GRAPH ?lg {{ ?letter a imr:Letter . OPTIONAL {{ {pattern} }} }}
  BIND(COALESCE(SUBSTR(STR(?when), 1, {width}), "(none)") AS ?period)
  OPTIONAL {{ GRAPH ?vg {{ ?letter imr:validationReport ?report . ?report sh:result ?r . ?r sh:resultSeverity ?sev }} }}
{_BY_SEVERITY.format("?letter")}
}}
GROUP BY ?period
ORDER BY ?period
"""


def rejected_query() -> str:
    """The letters kept out of the graph: node, source path, reasons and when."""
    return _PREFIXES + f"""SELECT ?node ?source ?reason ?at
WHERE {{
  GRAPH <{GRAPH}rejected> {{
    ?node a imr:RejectedLetter .
    OPTIONAL {{ ?node dcterms:source ?source }} OPTIONAL {{ ?node imr:rejectionReason ?reason }}
    OPTIONAL {{ ?node prov:generatedAtTime ?at }}
  }}
}}
ORDER BY ?source ?reason
"""


def _int(value: Any) -> int:
    return int(value or 0)


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def quality_from_rows(constraints: Rows, letters: Rows, by_month: Rows, by_build_date: Rows, rejected: Rows) -> Quality:
    """The report from the rows of the five queries (values as Python values or strings)."""
    rank = {s: i for i, s in enumerate(SEVERITIES)}
    result = Quality()
    for row in constraints:
        key, _, message = _text(row.get("example")).partition("\t")
        result.constraints.append({"constraint": _text(row.get("constraint")), "severity": _text(row.get("severity")),
                                   "letters": _int(row.get("letters")), "results": _int(row.get("results")),
                                   "example_letter": key, "example_message": message})
    result.constraints.sort(key=lambda c: (rank.get(c["severity"], 9), -c["letters"], -c["results"], c["constraint"]))
    for row in letters:
        iri = _text(row.get("letter"))
        conforms = row.get("conforms")
        result.letters.append({
            "key": iri.rsplit("/letter/", 1)[-1], "letter": iri, "case_number": _text(row.get("caseNumber")),
            "source": _text(row.get("source")), "decision_date": _text(row.get("decisionDate")),
            "generated": _text(row.get("generated")),
            "conforms": None if conforms is None else conforms in (True, "true", "1"),
            **{s.lower() + "s": _int(row.get(s.lower() + "s")) for s in SEVERITIES}})
    result.letters.sort(key=lambda l: (-l["violations"], -l["warnings"], -l["infos"], l["key"]))
    for rows, target in ((by_month, result.by_month), (by_build_date, result.by_build_date)):
        target.extend({"period": _text(r.get("period")), "letters": _int(r.get("letters")),
                       "with_violations": _int(r.get("withViolations")), "with_warnings": _int(r.get("withWarnings"))}
                      for r in rows)
    kept_out: dict[str, dict[str, Any]] = {}
    for row in rejected:
        entry = kept_out.setdefault(_text(row.get("node")), {"source": _text(row.get("source")), "reasons": [],
                                                              "at": _text(row.get("at"))})
        if row.get("reason") and row["reason"] not in entry["reasons"]:
            entry["reasons"].append(_text(row["reason"]))
    result.rejected = sorted(kept_out.values(), key=lambda r: r["source"])
    result.totals = _totals(result)
    return result


def _totals(report: Quality) -> dict[str, Any]:
    # from the per-month counts, where every letter falls in exactly one period, so a cut-off letter list cannot skew them
    totals = {key: sum(p[key] for p in report.by_month) for key in ("letters", "with_violations", "with_warnings")}
    for severity in SEVERITIES:
        totals[severity.lower() + "s"] = sum(c["results"] for c in report.constraints if c["severity"] == severity)
    totals["constraints_failed"] = len({c["constraint"] for c in report.constraints})
    totals["rejected"] = len(report.rejected)
    return totals


def quality_report(select: Select, index: ItemIndex | None = None, letter_limit: int | None = None) -> Quality:
    """The report: from the item index when there is one (kg.item_index, where the pipeline keeps each letter's
    SHACL results; the letters listed are then the ``letter_limit`` with the most problems), else by running the
    five queries through ``select``. The letters kept out are always read from the graph."""
    if index is None:
        return quality_from_rows(select(constraints_query()), select(letters_query()),
                                 select(timeline_query("month")), select(timeline_query("build")),
                                 select(rejected_query()))
    return quality_from_rows(index.quality_constraints(), index.quality_letters(letter_limit),
                             index.quality_timeline("month"), index.quality_timeline("build"),
                             select(rejected_query()))


def to_dict(report: Quality) -> dict[str, Any]:
    """The report as JSON-able data."""
    return asdict(report)
