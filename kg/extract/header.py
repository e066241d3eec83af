"""Header facts of a letter: case number, the five dates and the priority.

Labels may sit beside their values or on lines of their own. The 2013 notice gives some dates only
in its prose ("An application ... was filed on 8/5/2013"), so prose patterns back up the labels.
"""
from __future__ import annotations

import re

from kg.extract.dates import DATE_PATTERN, parse_date
from kg.record import Span

CASE_NUMBER_PATTERN = r"\bCM\d{2}-\d{4,8}\b"
_CASE_RE = re.compile(CASE_NUMBER_PATTERN, re.IGNORECASE)
_GAP = r"[ \t|*]*:?[ \t|*]*(?:\n[ \t|*]*){0,2}"  # the value may follow on the next line, or after a blank one

# Field → label patterns tried in order, each followed by the value.
_DATE_LABELS: dict[str, tuple[str, ...]] = {
    "date_assigned": (r"date\s+assigned", r"assignment\s+date"),
    "date_of_injury": (r"date\s+of\s+injury", r"\bDOI"),
    "decision_date": (r"decision\s+date", r"(?<![\w ])dated", r"date\s+of\s+(?:final\s+)?determination"),
    "ur_denial_date": (r"UR\s+denial\s+date", r"utilization\s+review\s+denial\s+date", r"date\s+of\s+UR\s+denial"),
    "application_received": (r"application\s+received", r"date\s+application\s+received"),
}
# Prose that states a date, for letters (or fields) without a labelled header value.
_DATE_PROSE: dict[str, tuple[str, ...]] = {
    "date_assigned": (r"notice\s+of\s+assignment\s+and\s+request\s+for\s+information\s+was\s+(?:provided|sent|mailed)"
                      r"\s+to\s+the\s+above\s+parties\s+on",),
    "application_received": (r"application\s+for\s+independent\s+medical\s+review\s+was\s+(?:filed|received)\s+on",),
    "ur_denial_date": (r"disputing\s+the\s+utilization\s+review\s+(?:denial|decision)\s+dated",),
    "date_of_injury": (r"date\s+of\s+injury\s+(?:of|on|was)", r"(?:industrial|work(?:-related)?)\s+injury\s+"
                       r"(?:to\s+(?:the\s+|his\s+|her\s+)?[\w ]{1,40}?\s+)?on"),
}
_DATE_RES = {
    name: [re.compile(label + _GAP + r"(?P<value>" + DATE_PATTERN + r")", re.IGNORECASE) for label in labels]
    for name, labels in _DATE_LABELS.items()
}
# A table cell too narrow for its label wraps it: "Application    11/14/2016" then "Received:" on the next
# line. The value then sits between the label's words, and the label's closing colon proves the reading.
_WRAPPED_LABELS = {
    "date_assigned": "date assigned", "date_of_injury": "date of injury", "decision_date": "decision date",
    "ur_denial_date": "UR denial date", "application_received": "application received",
}


def _wrapped(label: str) -> list[re.Pattern[str]]:
    words = label.split()
    return [re.compile(r"\b" + r"\s+".join(words[:k]) + r"[ \t]+(?P<value>" + DATE_PATTERN + r")[ \t]*\n[ \t|*]*"
                       + r"\s+".join(words[k:]) + r"[ \t]*:", re.IGNORECASE) for k in range(1, len(words))]


_WRAPPED_RES = {name: _wrapped(label) for name, label in _WRAPPED_LABELS.items()}
for _name, _patterns in _WRAPPED_RES.items():
    _DATE_RES[_name].extend(_patterns)
_WRAPPED_RES_ALL = frozenset(p for patterns in _WRAPPED_RES.values() for p in patterns)

_PROSE_RES = {
    name: [re.compile(p + r"\s+(?P<value>" + DATE_PATTERN + r")", re.IGNORECASE) for p in patterns]
    for name, patterns in _DATE_PROSE.items()
}
_CASE_LABEL_RE = re.compile(r"(?:IMR\s+)?case\s+(?:number|no\.?|#)" + _GAP + r"(?P<value>" + CASE_NUMBER_PATTERN + ")",
                            re.IGNORECASE)
_PRIORITY_RE = re.compile(r"priority" + _GAP + r"(?P<value>standard|expedited|regular|urgent)\b", re.IGNORECASE)
_PRIORITY_NAMES = {"standard": "Standard", "regular": "Standard", "expedited": "Expedited", "urgent": "Expedited"}


_LABEL_LINE = re.compile(
    r"^[ \t|*]*(?P<label>(?:IMR\s+)?case\s+(?:number|no\.?|#)|date\s+assigned|date\s+of\s+injury|decision\s+date"
    r"|UR\s+denial\s+date|application\s+received|priority)[ \t|*]*:[ \t|*]*$", re.IGNORECASE | re.MULTILINE)
_VALUE_LINE = re.compile(r"^[ \t|*]*(?P<value>" + CASE_NUMBER_PATTERN + "|" + DATE_PATTERN +
                         r"|standard|expedited|regular|urgent)[ \t|*]*$", re.IGNORECASE | re.MULTILINE)
_LABEL_FIELDS = (("case", "case_number"), ("assigned", "date_assigned"), ("injury", "date_of_injury"),
                 ("decision", "decision_date"), ("denial", "ur_denial_date"), ("application", "application_received"),
                 ("priority", "priority"))


def _columns(head: str) -> dict[str, tuple[str, Span]]:
    """Labels and values read column by column ("Case Number:", "Date Assigned:", ..., then the values in the
    same order), as PDF text extraction gives a header table: each value goes to the first waiting label of
    its kind. Empty unless two labels stand on consecutive lines with no value between them."""
    marks = sorted([(m.start(), "label", m) for m in _LABEL_LINE.finditer(head)] +
                   [(m.start(), "value", m) for m in _VALUE_LINE.finditer(head)], key=lambda t: t[0])
    kinds = [kind for _, kind, _ in marks]
    if not any(a == b == "label" for a, b in zip(kinds, kinds[1:])):
        return {}
    waiting: list[str] = []
    found: dict[str, tuple[str, Span]] = {}
    for _, kind, match in marks:
        if kind == "label":
            label = match["label"].lower()
            waiting.append(next(f for key, f in _LABEL_FIELDS if key in label))
            continue
        value = match["value"]
        wanted = "case_number" if _CASE_RE.fullmatch(value) else "priority" if value.isalpha() else "date"
        field = next((f for f in waiting if f == wanted or (wanted == "date" and f not in ("case_number", "priority"))),
                     None)
        if field is not None:
            waiting.remove(field)
            found[field] = (value, match.span("value"))
    return found


# How a header value was found (recorded per field in CaseRecord.field_sources).
BY_LABEL = "header label"
BY_COLUMNS = "header table read column by column"
BY_WRAPPED_LABEL = "header label wrapped around its value"
BY_PROSE = "sentence in the letter"
BY_LABEL_ELSEWHERE = "label outside the header"
BY_CASE_NUMBER_ALONE = "case number pattern without a label"


def extract_header(
    text: str, header_end: int
) -> tuple[dict[str, str | None], dict[str, Span], list[str], dict[str, str]]:
    """Header fields from ``text`` (labels searched before ``header_end`` first), their spans, warnings, and how
    each field was found."""
    values: dict[str, str | None] = {}
    spans: dict[str, Span] = {}
    warnings: list[str] = []
    sources: dict[str, str] = {}
    head = text[:header_end] if header_end > 0 else text
    columns = _columns(head)
    if columns:
        for name, (value, span) in columns.items():
            if name == "case_number":
                values[name] = value.upper()
            elif name == "priority":
                values[name] = _PRIORITY_NAMES[value.lower()]
            else:
                values[name] = parse_date(value)
                if values[name] is None:
                    warnings.append(f"{name}: '{value}' is not a valid date")
            spans[name] = span
            sources[name] = BY_COLUMNS

    if "case_number" not in values:
        for where, pattern, how in ((head, _CASE_LABEL_RE, BY_LABEL), (text, _CASE_LABEL_RE, BY_LABEL_ELSEWHERE),
                                    (text, _CASE_RE, BY_CASE_NUMBER_ALONE)):
            if match := pattern.search(where):
                group = "value" if "value" in match.re.groupindex else 0
                values["case_number"] = match.group(group).upper()
                spans["case_number"] = match.span(group)
                sources["case_number"] = how
                break
    if "priority" not in values:
        for where, how in ((head, BY_LABEL), (text, BY_LABEL_ELSEWHERE)):
            if match := _PRIORITY_RE.search(where):
                values["priority"] = _PRIORITY_NAMES[match["value"].lower()]
                spans["priority"] = match.span("value")
                sources["priority"] = how
                break

    for name, patterns in _DATE_RES.items():
        if name in values:
            continue
        how = BY_LABEL
        found = _first(patterns, head)
        if found is None:
            how, found = BY_PROSE, _first(_PROSE_RES.get(name, ()), text)
        if found is None and header_end > 0:
            how, found = BY_LABEL_ELSEWHERE, _first(patterns, text)
        if found is not None:
            if how == BY_LABEL and found.re in _WRAPPED_RES_ALL:
                how = BY_WRAPPED_LABEL
            sources[name] = how
            iso = parse_date(found["value"])
            if iso is None:
                warnings.append(f"{name}: '{found['value']}' is not a valid date")
            values[name] = iso
            spans[name] = found.span("value")
    return values, spans, warnings, sources


def _first(patterns: "list[re.Pattern[str]] | tuple[re.Pattern[str], ...]", text: str) -> "re.Match[str] | None":
    for pattern in patterns:
        if match := pattern.search(text):
            return match
    return None
