"""What a disputed item asks for, read from its heading: treatment, category, regions, side and amounts.

"24 Massage therapy sessions for the cervical spine (neck), 2 times a month for 12 months" gives
treatment "massage therapy", category "Physical Medicine", region "cervical spine", quantity 24
sessions, frequency "2 per month", duration "12 months". Treatments, regions and sides come from the
vocabularies; amounts from the patterns below, which read counts ("#120", "12 sessions", "160
hours"), rates ("2 times a month", "4 hours per day"), spans of time ("for 6 weeks", "30-day
rental") and the "2x6" shorthand (2 a week for 6 weeks).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from kg.record import Span
from kg.vocab import Match, vocabulary

_NUMBER_WORDS = {w: i for i, w in enumerate(
    "zero one two three four five six seven eight nine ten eleven twelve".split())}
_NUM = r"(?:\d+(?:\.\d+)?|" + "|".join(_NUMBER_WORDS) + r")"
_PERIOD = r"(?:day|week|month|year|visit|session)"
_COUNT_UNITS = {
    "session": "session", "visit": "visit", "treatment": "session", "hour": "hour", "hr": "hour",
    "tablet": "tablet", "tab": "tablet", "capsule": "capsule", "cap": "capsule", "patch": "patch",
    "injection": "injection", "unit": "unit", "day": "day", "night": "day",
}
_UNIT_WORD = (r"(?P<unit>sessions?|visits?|treatments?|hours?|hrs?|tablets?|tabs?|capsules?|caps?|patch(?:es)?|"
              r"injections?|days?|nights?)")
_RATE_RE = re.compile(
    rf"\b(?P<n>{_NUM}|once|twice)\s*(?:(?P<what>times?|x|hours?|hrs?|days?|sessions?|visits?)\s*)?"
    rf"(?:(?:a|an|per|each|every|/)\s*(?P<period>{_PERIOD})\b|(?P<adverb>daily|weekly|monthly)\b)", re.IGNORECASE)
_ADVERB_PERIODS = {"daily": "day", "weekly": "week", "monthly": "month"}
_SHORTHAND_RE = re.compile(r"\b(?P<times>\d{1,2})\s*[x\u00d7]\s*(?P<weeks>\d{1,2})\b(?!\s*(?:mg|cm|mm|ml))", re.IGNORECASE)
_DURATION_RE = re.compile(
    rf"(?:(?:\bfor|\btimes|(?<![a-z])x)\s*(?:a\s+(?:total\s+of\s+)?)?(?P<n>{_NUM})\s*(?P<unit>days?|weeks?|months?|years?)\b"
    rf"|\b(?P<n2>\d+)[- ](?P<unit2>day|week|month)\b(?!s))", re.IGNORECASE)
_HASH_RE = re.compile(r"(?:#|\bqty:?\s*|\bquantity:?\s*|\bnumber\s+)(?P<n>\d+)\b", re.IGNORECASE)
_COUNT_RE = re.compile(rf"(?<!x\s)\b(?P<n>{_NUM})\s+(?:additional\s+|more\s+|further\s+|initial\s+)?{_UNIT_WORD}\b(?!\s*(?:a|an|per|each|/)\s+{_PERIOD})",
                       re.IGNORECASE)
_TIMES_RE = re.compile(r"(?:(?<=\s)|(?<=[a-z]))[x\u00d7]\s?(?P<n>\d{1,3})\b(?!\s*(?:mg|mcg|ml|%|/|-|days?|weeks?|months?|years?)\b)", re.IGNORECASE)
_LEADING_RE = re.compile(rf"^\s*(?P<n>{_NUM})\s+(?!(?:days?|weeks?|months?|years?)\b)(?=[a-z])", re.IGNORECASE)
# Spine levels name their region when the heading names none: "Facet injections L4-5, L5-S1" is lumbar.
_SPINE_LEVEL_RE = re.compile(r"\b(?P<level>[CTL])\d{1,2}(?:\s*[-/]\s*(?:[CTLS])?\d{1,2})?\b")
_LEVEL_REGIONS = {"C": "cervical-spine", "T": "thoracic-spine", "L": "lumbar-spine"}
# Limbs named in the plural with no side word are both sides ("EMG of the lower extremities").
_PAIRED_PLURAL_RE = re.compile(r"\b(?:extremities|limbs|legs|arms|knees|shoulders|hands|wrists|feet|hips|elbows|ankles"
                               r"|upper\s+and\s+lower|lower\s+and\s+upper)\b", re.IGNORECASE)
_DRUG_RE = re.compile(r"\b\d+(?:\.\d+)?\s*(?:mg|mcg|g|gm|gms|ml|%)(?![a-z])|#\s*\d+|\b(?:tablets?|capsules?|cream|gel|"
                      r"ointment|lotion|patch(?:es)?|solution|spray|ER|XR|SR|CR)\b", re.IGNORECASE)
_LOOSE_COUNT_RE = re.compile(rf"\b(?P<n>{_NUM})\s+(?:[a-z/-]+\s+){{0,3}}?{_UNIT_WORD}\b", re.IGNORECASE)
_AND_BETWEEN_RE = re.compile(r"\band\b|&|;", re.IGNORECASE)
_COMPOUND = "compounded-topical-analgesic"
_FORM_UNITS = (("capsule", "capsule"), ("patch", "patch"), ("cream", "unit"), ("gel", "unit"), ("injection", "injection"))


@dataclass
class RequestFacts:
    """Facts read from one item heading."""

    treatment: str | None = None
    treatment_id: str | None = None
    category: str = "Other"
    body_regions: list[str] = field(default_factory=list)
    body_region_ids: list[str] = field(default_factory=list)
    region_spans: list[Span] = field(default_factory=list)
    laterality: str | None = None
    quantity: float | int | None = None
    unit: str | None = None
    frequency: str | None = None
    duration: str | None = None
    warnings: list[str] = field(default_factory=list)


def read_request(request: str) -> RequestFacts:
    """Everything the heading of a disputed item says about what is requested."""
    facts = RequestFacts()
    _treatment(request, facts)
    _regions(request, facts)
    facts.laterality = laterality_of(request)
    if facts.laterality is None and facts.body_region_ids and _PAIRED_PLURAL_RE.search(request):
        facts.laterality = "bilateral"
    _amounts(request, facts)
    return facts


def laterality_of(text: str) -> str | None:
    """"left", "right" or "bilateral" as the text says, else None."""
    sides = {m.concept.pref_label for m in vocabulary("laterality").find_all(text)}
    if "bilateral" in sides or {"left", "right"} <= sides:
        return "bilateral"
    return next(iter(sides), None)


def _treatment(request: str, facts: RequestFacts) -> None:
    matches = vocabulary("treatment").find_all(request)
    # The words "compounded cream" name the kind of product, not one of its ingredients.
    drugs = [m for m in matches if m.concept.category == "Pharmaceuticals" and m.concept.id != _COMPOUND]
    if len(drugs) >= 2 and re.search(r"/|\bcompound|\bcream|\bgel|\bointment|\blotion", request, re.IGNORECASE):
        names = "/".join(dict.fromkeys(m.concept.pref_label for m in drugs))
        facts.treatment, facts.category = f"compounded topical ({names})", "Pharmaceuticals"
        facts.treatment_id = None
        return
    if matches:
        main = matches[0]
        facts.treatment = _treatment_label(main)
        facts.treatment_id = main.concept.id
        facts.category = main.concept.category or "Other"
        return
    words = re.split(r"\s+\d|\s*[,(#]|\s+(?:for|to|of|at|x)\s+", request.strip(), maxsplit=1)[0].strip(" -:")
    facts.treatment = words.lower() or request.strip().lower()
    if _DRUG_RE.search(request):
        facts.category = "Pharmaceuticals"
    facts.warnings.append(f"treatment '{request.strip()}' is not in the treatment vocabulary")


def _treatment_label(match: Match) -> str:
    if match.via == "brand":
        brand = next((b for b in match.concept.brand_names if b.lower() == match.surface.lower()), match.surface)
        return f"{brand} ({match.concept.pref_label})"
    return match.concept.pref_label


def _regions(request: str, facts: RequestFacts) -> None:
    regions = vocabulary("body-region")
    for match in regions.find_all(request):
        if match.concept.id not in facts.body_region_ids:
            facts.body_region_ids.append(match.concept.id)
            facts.body_regions.append(match.concept.pref_label)
            facts.region_spans.append((match.start, match.end))
    if facts.body_region_ids:
        return
    for level in _SPINE_LEVEL_RE.finditer(request):
        concept = regions.get(_LEVEL_REGIONS[level["level"]])
        if concept is not None and concept.id not in facts.body_region_ids:
            facts.body_region_ids.append(concept.id)
            facts.body_regions.append(concept.pref_label)
            facts.region_spans.append(level.span())


def _amounts(request: str, facts: RequestFacts) -> None:
    rates = [m for m in _RATE_RE.finditer(request)]
    taken = [m.span() for m in rates]
    facts.frequency = ", ".join(_rate_text(m) for m in rates) or None
    if duration := _DURATION_RE.search(request):
        n = duration["n"] or duration["n2"]
        unit = (duration["unit"] or duration["unit2"]).lower().rstrip("s")
        facts.duration = f"{_number(n)} {unit}{'' if _number(n) == 1 else 's'}"
        taken.append(duration.span())
    if shorthand := _SHORTHAND_RE.search(request):
        times, weeks = int(shorthand["times"]), int(shorthand["weeks"])
        facts.frequency = facts.frequency or f"{times} per week"
        facts.duration = facts.duration or f"{weeks} weeks"
        facts.quantity, facts.unit = times * weeks, "session"
        return
    free = lambda m: not any(a <= m.start() < b for a, b in taken)  # noqa: E731
    if (hashed := _HASH_RE.search(request)) and free(hashed):
        facts.quantity = int(hashed["n"])
        facts.unit = next((u for form, u in _FORM_UNITS if form in request.lower()), "tablet")
    elif len(loose := [m for m in _LOOSE_COUNT_RE.finditer(request) if free(m)]) > 1 and _AND_BETWEEN_RE.search(
            request, loose[0].end(), loose[-1].start()):
        # "two sessions for the lumbar spine and eight sessions for the left wrist": no one count is the item's
        facts.warnings.append(f"several counts in '{request.strip()}'; quantity left empty")
    elif counted := next((m for m in _COUNT_RE.finditer(request) if free(m)), None):
        facts.quantity = _number(counted["n"])
        facts.unit = _COUNT_UNITS.get(counted["unit"].lower().rstrip("s").replace("patche", "patch"), "unit")
    elif (leading := _LEADING_RE.match(request)) and free(leading):
        facts.quantity = _number(leading["n"])
        unit = re.search(_UNIT_WORD, request, re.IGNORECASE)
        facts.unit = _COUNT_UNITS.get(unit["unit"].lower().rstrip("s"), "unit") if unit else "unit"
    elif (multiplied := _TIMES_RE.search(request)) and free(multiplied):
        # "Synvisc injections x3": three of them
        facts.quantity = int(multiplied["n"])
        unit = re.search(_UNIT_WORD, request, re.IGNORECASE)
        facts.unit = _COUNT_UNITS.get(unit["unit"].lower().rstrip("s"), "unit") if unit else "unit"
    else:
        _quantity_from_rate(facts)


def _quantity_from_rate(facts: RequestFacts) -> None:
    """"2 times per week for 4 weeks" with no count of its own: 8 sessions."""
    rate = re.fullmatch(r"(\d+) per (week|month|day)", facts.frequency or "")
    span = re.fullmatch(r"(\d+) (week|month|day)s?", facts.duration or "")
    if rate and span and rate[2] == span[2]:
        facts.quantity, facts.unit = int(rate[1]) * int(span[1]), "session"


def _rate_text(match: re.Match[str]) -> str:
    n = match["n"].lower()
    count = {"once": 1, "twice": 2}.get(n) or _number(n)
    what = (match["what"] or "").lower().rstrip("s")
    period = (match["period"] or _ADVERB_PERIODS.get((match["adverb"] or "").lower(), "")).lower()
    if what in ("hour", "hr", "day", "session", "visit"):
        unit = "hour" if what == "hr" else what
        return f"{count} {unit}{'' if count == 1 else 's'} per {period}"
    return f"{count} per {period}"


def _number(text: str) -> int | float:
    text = text.lower()
    if text in _NUMBER_WORDS:
        return _NUMBER_WORDS[text]
    value = float(text)
    return int(value) if value.is_integer() else value
