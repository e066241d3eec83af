"""The expert reviewer's specialties, from "The expert reviewer is Board Certified in X, has a subspecialty in Y".

Specialty names are matched against the specialty vocabulary (longest match first), which keeps
"Physical Medicine and Rehabilitation and Pain Medicine" as two specialties, not three. Words that
name no known specialty are kept as they are, with a warning, rather than dropped.
"""
from __future__ import annotations

import re

from kg.record import Mention
from kg.vocab import vocabulary

_STATEMENT_RE = re.compile(
    r"(?:expert|physician|clinical|peer)?\s*reviewer\s+(?:is|was|holds)\s+(?P<spec>.+?)"
    r"(?:,?\s+and\s+(?:is|holds)\s+(?:a\s+)?licen[cs]ed?\s+to\s+practice|,?\s+(?:is\s+)?licen[cs]ed\s+to\s+practice"
    r"|\.\s)",
    re.IGNORECASE | re.DOTALL,
)
_FILLER_RE = re.compile(
    r"\b(?:board[- ]certified|certified|licen[cs]ed|diplomate|(?:has|with|and)\s+(?:a\s+)?sub-?specialty|"
    r"sub-?specialty|specialty|fellowship[- ]trained|trained|in|of|the|a|an|and|with|has|by|american|board)\b",
    re.IGNORECASE,
)


def extract_specialties(section_text: str, offset: int) -> tuple[list[Mention], list[str]]:
    """Specialty mentions (spans offset into the letter) and warnings, from the reviewer section text."""
    flat = section_text.replace("\n", " ")
    match = _STATEMENT_RE.search(flat)
    if match is None:
        return [], ["reviewer specialty statement not found"]
    start = match.start("spec")
    phrase = match["spec"]
    mentions: list[Mention] = []
    seen: set[str] = set()
    covered = list(phrase)
    for found in vocabulary("specialty").find_all(phrase):
        covered[found.start:found.end] = " " * (found.end - found.start)
        if found.concept.id in seen:
            continue
        seen.add(found.concept.id)
        span: tuple[int, int] | None = (offset + start + found.start, offset + start + found.end)
        mentions.append(Mention(found.concept.pref_label, found.concept.id, span))
    warnings = []
    for rest in re.split(r"\s*(?:,|;|\band\b)\s*", _FILLER_RE.sub(" ", "".join(covered))):
        words = rest.strip(" .,")
        if len(words) > 2 and not words.isdigit():
            at = phrase.find(words)
            span = (offset + start + at, offset + start + at + len(words)) if at >= 0 else None
            mentions.append(Mention(words, None, span))
            warnings.append(f"reviewer specialty '{words}' is not in the specialty vocabulary")
    mentions.sort(key=lambda m: m.span or (0, 0))
    return mentions, warnings
