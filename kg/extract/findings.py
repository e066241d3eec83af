"""Decisions told in words, and disputed items built from a request and its parts.

Letters that do not head each item with "Upheld" or "Overturned" state the outcome in words: "the
request for X is not medically necessary" upholds the denial, "X is medically necessary and
appropriate" overturns it. :func:`classify` reads one statement; :func:`verdicts` and :func:`conclude`
weigh the statements about one item and, when they cannot be told apart (hedged, partial or contradictory
wording, or none at all), gives no decision and says why rather than guessing.

Older MAXIMUS letters ("determination-docs") may also number their items with such a finding as
the heading ("1. MRI of the lumbar spine is not medically necessary and appropriate."), followed
by the usual "Claims Administrator guideline:", "MAXIMUS guideline:" and "Decision rationale:"
paragraphs: :func:`extract_numbered_items` reads those.
"""
from __future__ import annotations

import re

from kg.extract.items import new_item, read_block
from kg.record import Item, Span

UPHELD, OVERTURNED = "Upheld", "Overturned"
UNCLEAR = "unclear"

_NECESSITY = (r"medically\s+(?:necessary|reasonable|indicated|appropriate)"
              r"(?:\s+(?:and|or)\s+(?:appropriate|necessary|reasonable))?")
_NEGATIVE_RE = re.compile(
    rf"\bnot\s+{_NECESSITY}|\b(?:is|are|was|were|be|is/was)\s+not\s+(?:certified|supported|warranted|indicated|"
    r"recommended|approved)\b|\bnon-?certifi(?:ed|cation)\b|\bnot\s+(?:been\s+)?established\b"
    r"|\b(?:denial|non-?certification|(?:UR|utilization\s+review)\s+(?:decision|determination))\s+"
    r"(?:is|was|should\s+be)\s+upheld\b|\buphold\b",
    re.IGNORECASE)
_POSITIVE_RE = re.compile(
    rf"\b(?:is|are|was|were|be|is/was|appears|remains?)\s+(?:(?:now|therefore|thus|also)\s+)?{_NECESSITY}"
    r"|\b(?:is|are|was|were)\s+(?:certified|approved)\b|\bhas\s+been\s+established\b"
    r"|\b(?:denial|non-?certification|(?:UR|utilization\s+review)\s+(?:decision|determination))\s+"
    r"(?:is|was|should\s+be)\s+overturned\b|\boverturn\b",
    re.IGNORECASE)
_HEDGE_RE = re.compile(
    rf"\b(?:may|might|could)\s+(?:not\s+)?be\s+(?:considered\s+)?{_NECESSITY}"
    rf"|\b(?:partially|conditionally)\s+(?:certified|approved|authorized|overturned|upheld|{_NECESSITY})"
    r"|\b(?:certified|approved|authorized|overturned|upheld|necessary|appropriate)\s+(?:only\s+)?in\s+part\b"
    r"|\bwith\s+modifications?\b|\bas\s+modified\b|\bmodified\s+(?:to|certification|approval)\b"
    r"|\b(?:cannot|could\s+not|can\s*not)\s+be\s+(?:determined|decided|told)\b"
    r"|\bunable\s+to\s+(?:determine|decide)\b|\bundetermined\b|\bindeterminate\b|\bdeferred\b",
    re.IGNORECASE)
_QUESTION_RE = re.compile(r"\bwhether\b|\?\s*$", re.IGNORECASE)
_GENERIC_RE = re.compile(
    r"\brequest(?:s|ed)?\b|\b(?:this|the\s+proposed)\s+(?:treatment|service|procedure|medication|item|surgery|study|"
    r"test|evaluation|therapy)\b|\bmedical\s+necessity\b", re.IGNORECASE)
_SENTENCE_RE = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9(\"'])|\n[ \t]*\n")
_CLAUSE_RE = re.compile(r";|,?\s+(?:because|since|whereas|although|but|however)\s+|,\s+as\s+(?!well\b)"
                        r"|,\s+(?=guidelines?\b)", re.IGNORECASE)
_STOP = frozenset({
    "the", "for", "and", "with", "per", "each", "times", "time", "week", "weeks", "month", "months", "day", "days",
    "request", "requested", "treatment", "service", "services", "additional", "initial", "sessions", "session",
    "visits", "visit", "tablets", "tablet", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine",
    "ten", "twelve", "both", "left", "right", "bilateral",
})

_NUMBERED_RE = re.compile(
    r"^[ \t*]*(?P<number>\d{1,2})[.)][ \t]+(?:(?:the\s+)?request(?:ed)?\s+(?:for\s+)?)?"
    r"(?P<request>[^\n]+?(?:\n(?![ \t]*\n)[^\n]+?){0,2}?)\s+"
    r"(?P<wording>(?:is|are|was|were)\s+(?:not\s+)?medically\s+(?:necessary|reasonable)(?:\s+and\s+appropriate)?)"
    r"[ \t*]*\.?[ \t*]*$",
    re.IGNORECASE | re.MULTILINE)


def classify(statement: str) -> str | None:
    """"Upheld", "Overturned" or "unclear" for one statement of medical necessity; None when it states none."""
    negative = bool(_NEGATIVE_RE.search(statement))
    # A positive phrase is only counted where it is not part of a negative one ("is not medically necessary").
    positive = bool(_POSITIVE_RE.search(_NEGATIVE_RE.sub(" ", statement)))
    necessity = re.search(_NECESSITY + r"|\bmedical\s+necessity\b", statement, re.IGNORECASE)
    if _HEDGE_RE.search(statement) and (negative or positive or necessity):
        return UNCLEAR
    if negative and positive:
        return UNCLEAR
    return UPHELD if negative else OVERTURNED if positive else None


def words(text: str) -> set[str]:
    """The significant words of a request or statement, lowercased."""
    return {w for w in re.findall(r"[a-z][a-z'-]{2,}", text.lower()) if w not in _STOP}


def relevance(clause: str, request: str) -> float:
    """How much of ``request``'s significant words ``clause`` repeats (0.0 to 1.0)."""
    wanted = words(request)
    return len(wanted & words(clause)) / len(wanted) if wanted else 0.0


def statements(text: str, offset: int = 0) -> list[tuple[str, Span]]:
    """The sentences of ``text`` with where they are, questions ("whether ...") left out."""
    found = []
    position = 0
    for match in [*_SENTENCE_RE.finditer(text), None]:
        end = match.start() if match else len(text)
        sentence = text[position:end]
        if sentence.strip() and not _QUESTION_RE.search(sentence.strip()):
            lead = len(sentence) - len(sentence.lstrip())
            found.append((" ".join(sentence.split()), (offset + position + lead, offset + end)))
        position = match.end() if match else len(text)
    return found


def verdicts(sentences: list[tuple[str, Span]], names: list[list[str]], index: int) -> list[tuple[str, str]]:
    """(verdict, sentence) of each sentence that states a decision on item ``index``, in order.

    ``names`` holds each item's names (its request, its treatment). A clause speaks of the item when it
    repeats at least half of the words of one of its names (and no other item's more), or, when it names
    no item, speaks of "the request" in general. A sentence whose clauses disagree is "unclear".
    """
    found: list[tuple[str, str]] = []
    for sentence, _ in sentences:
        seen = {v for clause in _CLAUSE_RE.split(sentence) if _about(clause, names, index)
                and (v := classify(clause)) is not None}
        if seen:
            found.append((UNCLEAR if len(seen) > 1 else seen.pop(), sentence))
    return found


def conclude(found: list[tuple[str, str]]) -> tuple[str | None, list[str]]:
    """The decision told by the last of ``found`` (see :func:`verdicts`), and warnings.

    Nothing found, or hedged or mixed wording in the concluding sentence, leaves the decision empty with a
    warning; an earlier statement that says otherwise than the conclusion is reported.
    """
    if not found:
        return None, ["no statement of medical necessity found for this item; decision left empty"]
    verdict, sentence = found[-1]
    if verdict == UNCLEAR:
        return None, [f"the determination wording is ambiguous ('{_short(sentence)}'); decision left empty"]
    warnings = []
    if any(v not in (verdict, UNCLEAR) for v, _ in found[:-1]):
        warnings.append(f"an earlier statement contradicts the conclusion ('{_short(sentence)}'), which was taken")
    return verdict, warnings


def _about(clause: str, names: list[list[str]], index: int) -> bool:
    scores = [max((relevance(clause, name) for name in item_names), default=0.0) for item_names in names]
    if scores[index] >= 0.5 and scores[index] >= max(scores):
        return True
    return max(scores, default=0.0) < 0.5 and bool(_GENERIC_RE.search(clause))


def _short(sentence: str, limit: int = 160) -> str:
    return sentence if len(sentence) <= limit else sentence[:limit - 3].rstrip() + "..."


def build_item(text: str, request: str, request_span: Span, decision: str | None, end: int) -> tuple[Item, list[str]]:
    """An item whose heading is ``request`` (at ``request_span``) and whose block ends at ``end``."""
    return new_item(request, request_span, decision, end)


def extract_numbered_items(text: str, start: int, end: int) -> tuple[list[Item], list[str]]:
    """Items headed by numbered findings in ``text[start:end]``, and warnings.

    A heading reads "1. MRI of the lumbar spine is not medically necessary and appropriate."; the block after it
    has the "Claims Administrator guideline:", "MAXIMUS guideline:" and "Decision rationale:" paragraphs.
    """
    heads = list(_NUMBERED_RE.finditer(text, start, end))
    items: list[Item] = []
    warnings: list[str] = []
    for number, head in enumerate(heads, 1):
        block_end = heads[number].start() if number < len(heads) else end
        request = " ".join(head["request"].split()).strip(" :*,;")
        span = (head.start("request"), head.start("request") + len(head["request"].rstrip(" \t\n:*,;")))
        decision = classify(head["wording"])
        item, problems = read_block(text, request, span, None if decision == UNCLEAR else decision, head.end(),
                                    block_end, "numbered finding")
        items.append(item)
        warnings.extend(f"item {number}: {p}" for p in problems)
    return items, warnings
