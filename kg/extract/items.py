"""Disputed items: one block per item in either layout, with its decision, citations and rationale.

2014-2015 letters give each item as a heading line ending in ":" with "Upheld" or "Overturned" on
the next line, then "Claims Administrator guideline:", "MAXIMUS guideline:" and "Decision
rationale:" paragraphs. 2013 notices list numbered findings ("has determined the request for X is
not medically necessary and appropriate") and then one "N) Regarding the request for X:" block
with "... Relied Upon by the Claims Administrator:", "... Relied Upon by the Expert Reviewer:" and
"Rationale Used by the Expert Reviewer:". "Not medically necessary" upholds the denial.
"""
from __future__ import annotations

import re
from functools import cache
from typing import NamedTuple

from kg.extract.citations import parse_citations
from kg.extract.requests import read_request
from kg.record import Item, Span

_DECISION_WORDS = {"upheld": "Upheld", "uphold": "Upheld", "overturned": "Overturned", "overturn": "Overturned"}
# An item heading ends with ":" and the decision word, on its line or the next.
_DECISION_MARK_RE = re.compile(
    r"[ \t*]*:[ \t*]*(?:\n[ \t]*){0,2}(?P<decision>upheld|overturned|uphold|overturn)\b\.?[ \t*]*$",
    re.IGNORECASE | re.MULTILINE)
_MAX_HEADING_LINES = 4
# "X was the original request. Y was authorized by the Claims Administrator. The remaining IMR eligible portion
# of the original request, Z is: Upheld" and "..., leaving the original request IMR eligible. The original
# request, Z is: Upheld": the disputed item is Z.
_ORIGINAL_RE = re.compile(r"(?P<original>\S.*?)\s+(?:was|is|were)\s+the\s+original\s+requests?\b", re.IGNORECASE | re.DOTALL)
_PORTION_RES = (
    re.compile(r"eligible\s+portion\s+of\s+the\s+original\s+requests?\s*(?:,|:|\bis\b(?:\s+for\b)?|\bwas\b)\s*"
               r"(?P<portion>\S.*?)(?:\s+(?:is|are|was|were))?\s*$", re.IGNORECASE | re.DOTALL),
    re.compile(r"eligible\s+portion\s+(?:is|was)\s*:?\s*(?P<portion>\S.*?)(?:\s+(?:is|are|was|were))?\s*$",
               re.IGNORECASE | re.DOTALL),
    re.compile(r"original\s+requests?\s+(?:IMR\s+)?eligible\s*\.\s*(?:the\s+original\s+requests?\s*,?\s*)?"
               r"(?P<portion>\S.*?)(?:\s+(?:is|are|was|were))?\s*$", re.IGNORECASE | re.DOTALL),
)
_ELIGIBLE_RE = re.compile(r"\boriginal\s+request|\beligible\s+portion", re.IGNORECASE)
_LABELS = {
    "claims": r"claims\s+administrator(?:'s)?\s+guidelines?",
    "reviewer": r"(?:maximus|imr|expert\s+reviewer(?:'s)?|reviewer(?:'s)?)\s+guidelines?",
    "rationale": r"decision\s+rationale|rationale\s+for\s+(?:the\s+)?decision",
}
_NO_EVIDENCE_RE = re.compile(r"\b(?:did\s+not|does\s+not|not)\s+(?:cite|provide|reference)|\bno\s+(?:medical\s+)?"
                             r"(?:evidence|guidelines?|citations?)\b|\bnone\b", re.IGNORECASE)
# A heading line may break right after a label whose value follows: "..., DOS:" / "11/11/2016: Upheld".
_OPEN_LABEL_RE = re.compile(r"\b(?:DOS|date\s+of\s+service|dated?|service\s+date)\s*:$", re.IGNORECASE)
_LABEL_LINE_RE = re.compile(r"(?:" + "|".join(_LABELS.values()) + r")\s*:", re.IGNORECASE)
_NOTICE_LABELS = {
    "claims": r"medical\s+treatment\s+guidelines?(?:\(s\))?\s+relied\s+upon\s+by\s+the\s+claims\s+administrator",
    "reviewer": r"medical\s+treatment\s+guidelines?(?:\(s\))?\s+relied\s+upon\s+by\s+the\s+(?:expert|physician)\s+reviewer",
    "rationale": r"rationale\s+used\s+by\s+the\s+(?:expert|physician)\s+reviewer",
}
_FINDING_RE = re.compile(
    r"(?P<number>\d+)[).]\s+[^\n]*?\bhas\s+determined\s+(?:that\s+)?the\s+request\s+for\s+(?P<request>.+?)\s+"
    r"(?:is|are|was|were)\s+(?P<negation>not\s+)?medically\s+necessary", re.IGNORECASE | re.DOTALL)
_BLOCK_RE = re.compile(r"^[ \t]*(?P<number>\d+)[).]\s+regarding\s+the\s+request\s+for\s+(?P<request>.+?)\s*:[ \t]*$",
                       re.IGNORECASE | re.MULTILINE | re.DOTALL)
_CONCLUSION_RE = re.compile(r"\b(?P<negation>not\s+)?medically\s+(?:necessary|reasonable)", re.IGNORECASE)


class _Block(NamedTuple):
    request: str
    request_span: Span
    decision: str | None
    start: int
    end: int
    original: str | None = None
    head: int = 0


def extract_items(text: str, start: int, end: int, notice: bool) -> tuple[list[Item], list[str]]:
    """The disputed items found in ``text[start:end]``, in letter order, and warnings."""
    if notice:
        blocks = _notice_blocks(text, start, end)
        labels = _NOTICE_LABELS
    else:
        blocks = _determination_blocks(text, start, end)
        labels = _LABELS
    items: list[Item] = []
    warnings: list[str] = []
    for number, block in enumerate(blocks, 1):
        item, problems = _item(text, block, labels, "numbered finding" if notice else "item heading")
        items.append(item)
        warnings.extend(f"item {number}: {p}" for p in problems)
    return items, warnings


def _determination_blocks(text: str, start: int, end: int) -> list[_Block]:
    marks = list(_DECISION_MARK_RE.finditer(text, start, end))
    blocks: list[_Block] = []
    floor = start
    for i, mark in enumerate(marks):
        head = _heading_start(text, floor, mark.start())
        request_span = _request_span(text, head, mark.start())
        if request_span is None:
            continue
        a, b = request_span
        if not text[a:b].strip():
            continue
        block_end = marks[i + 1].start() if i + 1 < len(marks) else end
        blocks.append(_Block(_clean(text[a:b]), (a, b), _DECISION_WORDS[mark["decision"].lower()], mark.end(),
                             block_end, _original(text, head, mark.start()), head))
        floor = mark.end()
    # A block ends where the next block's heading starts.
    return [block._replace(end=max(block.start, min(block.end, nxt.head)))
            for block, nxt in zip(blocks, blocks[1:])] + blocks[-1:]


def _line_start(text: str, position: int) -> int:
    return text.rfind("\n", 0, position) + 1


def _heading_start(text: str, floor: int, mark: int) -> int:
    """Where the heading that ends at ``mark`` begins: up to a blank line or the end of a sentence, and for an
    eligible-portion heading back to its "X was the original request" sentence."""
    start = _line_start(text, mark)
    if start < floor:
        return floor
    for _ in range(_MAX_HEADING_LINES - 1):
        if start <= floor:
            break
        previous_start = max(_line_start(text, start - 1), floor)
        previous = text[previous_start:start - 1].strip()
        if not previous or (previous[-1] in ".:;" and not _OPEN_LABEL_RE.search(previous)) \
                or _LABEL_LINE_RE.match(previous):
            break
        start = previous_start
    if _ELIGIBLE_RE.search(text, start, mark) or _ELIGIBLE_RE.search(text, max(floor, start - 200), start):
        original = text.rfind("original request", floor, mark)
        # Only within the heading's own paragraph: a rationale above may quote an eligible-portion sentence.
        if original >= 0 and "\n\n" not in text[original:start]:
            paragraph = max(text.rfind("\n\n", floor, original) + 2, floor)
            lead = _sentence_line_start(text, paragraph, original)
            start = min(start, lead)
    return start


def _sentence_line_start(text: str, floor: int, position: int) -> int:
    """The start of the line where the sentence containing ``position`` begins (lines after one that ends a
    sentence or introduces a list)."""
    start = _line_start(text, position)
    while start > floor:
        previous_start = max(_line_start(text, start - 1), floor)
        previous = text[previous_start:start - 1].strip()
        if not previous or previous[-1] in ".:;":
            break
        start = previous_start
    return start


def _request_span(text: str, head: int, mark: int) -> Span | None:
    """The disputed request within the heading ``text[head:mark]``: the eligible portion when there is one."""
    heading = text[head:mark]
    if _ELIGIBLE_RE.search(heading):
        for pattern in _PORTION_RES:
            found = pattern.search(heading)
            if found:
                return strip_span(text, head + found.start("portion"), head + found.end("portion"))
    a, b = strip_span(text, head, mark)
    while a < b and text[a] in "*":
        a += 1
    return (a, b) if b > a else None


def _original(text: str, head: int, mark: int) -> str | None:
    found = _ORIGINAL_RE.match(text, head, mark)
    return _clean(found["original"]) if found and _ELIGIBLE_RE.search(text, head, mark) else None


def _notice_blocks(text: str, start: int, end: int) -> list[_Block]:
    findings = {int(m["number"]): m for m in _FINDING_RE.finditer(text)}
    heads = list(_BLOCK_RE.finditer(text, start, end))
    blocks = []
    for i, head in enumerate(heads):
        block_end = heads[i + 1].start() if i + 1 < len(heads) else end
        finding = findings.get(int(head["number"]))
        decision = None
        if finding is not None:
            decision = "Upheld" if finding["negation"] else "Overturned"
        request = _clean(head["request"])
        blocks.append(_Block(request, head.span("request"), decision, head.end(), block_end))
    if not heads:
        for number, finding in sorted(findings.items()):
            decision = "Upheld" if finding["negation"] else "Overturned"
            blocks.append(_Block(_clean(finding["request"]), finding.span("request"), decision,
                                 finding.end(), finding.end()))
    return blocks


def new_item(request: str, request_span: Span, decision: str | None, end: int,
             original: str | None = None) -> tuple[Item, list[str]]:
    """An item for the heading ``request`` (at ``request_span``) with what the heading says, and its warnings."""
    facts = read_request(request)
    item = Item(
        request=request, decision=decision, original_request=original, treatment=facts.treatment,
        treatment_id=facts.treatment_id, category=facts.category, body_regions=facts.body_regions,
        body_region_ids=facts.body_region_ids,
        region_spans=[(request_span[0] + a, request_span[0] + b) for a, b in facts.region_spans],
        laterality=facts.laterality, quantity=facts.quantity, unit=facts.unit, frequency=facts.frequency,
        duration=facts.duration, span=(request_span[0], max(end, request_span[1])), request_span=request_span,
    )
    return item, list(facts.warnings)


def read_block(text: str, request: str, request_span: Span, decision: str | None, start: int, end: int,
               decision_source: str) -> tuple[Item, list[str]]:
    """An item from a heading and the labelled paragraphs after it ("Claims Administrator guideline:", ...);
    an undecided heading stays undecided (its wording was found unclear)."""
    block = _Block(request, request_span, decision, start, end, None, request_span[0])
    return _item(text, block, _LABELS, decision_source, conclude=False)


def _item(text: str, block: _Block, labels: dict[str, str], decision_source: str,
          conclude: bool = True) -> tuple[Item, list[str]]:
    parts = _labelled_parts(text, block.start, block.end, labels)
    item, problems = new_item(block.request, block.request_span, block.decision, block.end, block.original)
    for key, field in (("claims", "claims_administrator_guideline"), ("reviewer", "reviewer_guideline")):
        if key in parts:
            a, b = parts[key]
            setattr(item, field, parse_citations(text[a:b], a))
            if not getattr(item, field) and not _NO_EVIDENCE_RE.search(text[a:b]):
                who = "claims administrator" if key == "claims" else "reviewer"
                problems.append(f"the {who}'s guideline statement names no guideline that was recognised")
    if "rationale" in parts:
        a, b = parts["rationale"]
        item.rationale = _clean(text[a:b])
        item.rationale_span = (a, b)
    else:
        problems.append("no decision rationale found")
    item.field_sources["request"] = "eligible portion of the item heading" if block.original else "item heading"
    if item.decision is not None:
        item.field_sources["decision"] = decision_source
    elif item.rationale and conclude:
        conclusion = list(_CONCLUSION_RE.finditer(item.rationale))
        if conclusion:
            item.decision = "Upheld" if conclusion[-1]["negation"] else "Overturned"
            item.field_sources["decision"] = "conclusion of the rationale"
            item.fallback_fields.append("decision")
    if item.decision is None:
        problems.append("no decision (Upheld/Overturned) found")
    if "reviewer" not in parts:
        problems.append("no reviewer guideline statement found")
    return item, problems


def _labelled_parts(text: str, start: int, end: int, labels: dict[str, str]) -> dict[str, Span]:
    """Spans of the text after each label, up to the next label or the block's end."""
    pattern = _label_pattern(tuple(labels.items()))
    found = [(m.start(), m.end(), m.lastgroup) for m in pattern.finditer(text, start, end)]
    parts: dict[str, Span] = {}
    for i, (_, body_start, name) in enumerate(found):
        body_end = found[i + 1][0] if i + 1 < len(found) else end
        if name and name not in parts:
            a, b = strip_span(text, body_start, body_end)
            parts[name] = (a, b)
    return parts


@cache
def _label_pattern(labels: tuple[tuple[str, str], ...]) -> re.Pattern[str]:
    """A label at the start of a line, as a group named by its key, and the colon after it if any."""
    return re.compile(r"^[ \t]*(?:" + "|".join(f"(?P<{k}>{v})" for k, v in labels) + r")[ \t]*:?",
                      re.IGNORECASE | re.MULTILINE)


def strip_span(text: str, start: int, end: int) -> Span:
    """``(start, end)`` narrowed to leave out surrounding white space."""
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def _clean(text: str) -> str:
    """``text`` on one line, its runs of white space made single spaces (``str.split`` cuts where ``\\s+``
    would, without a regex pass over a long rationale), without the colons and asterisks around it."""
    return " ".join(text.split()).strip(" :*")
