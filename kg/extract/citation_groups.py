"""Cutting a guideline statement into the sources it cites, for the "Decision based on ..." wording.

Letters from 2016 on write each statement as one or more sentences "Decision based on MTUS <document>
<year>, Section(s): <sections>, and <document> <year>, Section(s): <sections>." and "Decision based on
Non-MTUS Citation <source>, <source> and Other Medical Treatment Guidelines <source>." An MTUS document is
named without "ACOEM" ("Low Back Complaints 2004" is ACOEM chapter 12 as adopted by the MTUS); its year is
the edition, and its sections are the topic. The names of documents are found through the guideline
vocabulary, which is what tells "Initial Care, Follow-up Visits, and Forearm, Wrist, and Hand Complaints
2004" apart into two sections of one document and the name of the next.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from kg.record import Span
from kg.vocab import Concept, vocabulary

_DECISION_BASED_RE = re.compile(r"\bdecision\s+(?:was\s+)?based\s+(?:up)?on\b\s*:?\s*", re.IGNORECASE)
_OUTSIDE_RE = re.compile(
    r"(?:the\s+)?(?:expert\s+reviewer|claims\s+administrator|(?:physician\s+)?reviewer)\s+based\s+"
    r"(?:their|its|his/her|his|her|the)\s+decision\s+on\s+recommendations?(?:\(s\))?\s+outside\s+(?:of\s+)?"
    r"(?:the\s+)?MTUS(?:\s+guidelines?)?\s*\.?", re.IGNORECASE)
_NON_MTUS_RE = re.compile(r"\s*non-?\s*MTUS\s+citations?\s*:?\s*", re.IGNORECASE)
_MTUS_RE = re.compile(r"\s*(?:the\s+)?(?:CA\s+|California\s+)?MTUS\b\s*", re.IGNORECASE)
# "<document> 2004, Section(s):" or "<document> 2007." : a document's name ends at its year.
_YEAR_RE = re.compile(
    r"[ ,]+(?P<year>(?:19|20)\d\d)\b(?:\s+guidelines?)?\s*(?:,\s*)?"
    r"(?:(?P<sections>sections?(?:\(s\))?\s*:\s*)|(?=[.;]|\s*$|,?\s+and\s))", re.IGNORECASE)
_AND_RE = re.compile(r"(?:,\s*|\s+)and\s+|;\s*", re.IGNORECASE)
_SOURCE_CUT_RE = re.compile(
    r",?\s+and\s+other\s+medical\s+treatment\s+guidelines?\s*:?\s*|,\s+(?=https?://|www\.)"
    r"|(?<=\S)\s*,\s+and\s+(?=https?://|www\.)", re.IGNORECASE)
_NAME_FILLER_RE = re.compile(r"\b(?:the|mtus|ca|california|acoem|guidelines?|chapter|\d{1,2})\b|[\s,.:;()/&-]",
                             re.IGNORECASE)
_TRIM = " \t\n,.;:-"


@dataclass(frozen=True)
class Source:
    """One cited source: where it is in the statement and, for an MTUS document, its parts."""

    span: Span
    kind: str  # "mtus" (an MTUS document with year/sections), "non-mtus" or "plain"
    guideline: Concept | None = None
    chapter: Concept | None = None
    edition: str | None = None
    sections: Span | None = None


def decision_sentences(flat: str) -> list[tuple[str, Span]] | None:
    """("mtus" | "non-mtus" | "plain", body span) per "Decision based on" sentence, or None without one."""
    starts = [m for m in _DECISION_BASED_RE.finditer(flat)]
    if not starts:
        return None
    found = []
    for i, match in enumerate(starts):
        end = starts[i + 1].start() if i + 1 < len(starts) else len(flat)
        a, b = match.end(), end
        outside = _OUTSIDE_RE.search(flat, a, b)
        if outside:
            b = min(b, outside.start())
        if non_mtus := _NON_MTUS_RE.match(flat, a):
            found.append(("non-mtus", (non_mtus.end(), b)))
        elif mtus := _MTUS_RE.match(flat, a):
            found.append(("mtus" if _YEAR_RE.search(flat, mtus.end(), b) else "plain", (a, b)))
        else:
            found.append(("plain", (a, b)))
    return found


def mtus_documents(flat: str, span: Span) -> list[Source]:
    """The MTUS documents one sentence cites, each with its guideline, chapter, year and sections."""
    a, b = span
    lead = _MTUS_RE.match(flat, a)
    name_start = lead.end() if lead else a
    years = list(_YEAR_RE.finditer(flat, name_start, b))
    sources: list[Source] = []
    for i, year in enumerate(years):
        if i:
            previous = sources[-1]
            name_start = _name_start(flat, previous.sections[0] if previous.sections else years[i - 1].end(),
                                     year.start())
            if previous.sections is not None:
                cut = _and_before(flat, previous.sections[0], name_start)
                sources[-1] = _with_sections(previous, flat, previous.sections[0], cut)
        guideline, chapter = mtus_document(flat[name_start:year.start()])
        sections_end = years[i + 1].start() if i + 1 < len(years) else b
        sections = (year.end(), sections_end) if year["sections"] else None
        start = a if i == 0 else name_start
        sources.append(Source((start, sections_end if sections else year.end("year")), "mtus", guideline, chapter,
                              year["year"], sections))
    if sources and sources[-1].sections is not None:
        sources[-1] = _with_sections(sources[-1], flat, sources[-1].sections[0], b)
    return sources


def _with_sections(source: Source, flat: str, start: int, end: int) -> Source:
    end = start + len(flat[start:end].rstrip(_TRIM))
    return Source((source.span[0], max(end, source.span[0])), source.kind, source.guideline, source.chapter,
                  source.edition, (start, end) if end > start else None)


def _and_before(flat: str, start: int, name_start: int) -> int:
    """Where the separator before the next document's name begins."""
    cuts = [m.start() for m in _AND_RE.finditer(flat, start, name_start) if m.end() == name_start]
    return cuts[-1] if cuts else name_start


def _name_start(flat: str, start: int, year: int) -> int:
    """The start of the document name ending at ``year``: the longest name after an "and" that the vocabulary
    knows as a whole, else the text after the last "and"."""
    ends = [m.end() for m in _AND_RE.finditer(flat, start, year)]
    for end in ends:  # leftmost first: the longest candidate
        if mtus_document(flat[end:year], whole=True)[0] is not None:
            return end
    return ends[-1] if ends else start


def mtus_document(name: str, whole: bool = False) -> tuple[Concept | None, Concept | None]:
    """The MTUS guideline and ACOEM chapter a document name ("Low Back Complaints") stands for; with ``whole``
    only when the vocabulary's label covers the whole name."""
    scheme = vocabulary("guideline")
    for match in sorted(scheme.find_all(name), key=lambda m: m.start - m.end):
        concept = match.concept
        parent = scheme.get(concept.broader[0]) if concept.broader else concept
        if parent is None or not parent.id.startswith("mtus"):
            continue
        rest = name[:match.start] + " " + name[match.end:]
        if whole and _NAME_FILLER_RE.sub("", rest):
            continue
        return parent, (concept if concept.broader else None)
    return None, None


def non_mtus_sources(flat: str, span: Span) -> list[Span]:
    """The separate sources of a "Non-MTUS Citation" sentence."""
    a, b = span
    cuts = [(m.start(), m.end()) for m in _SOURCE_CUT_RE.finditer(flat, a, b)]
    spans = []
    position = a
    for start, end in cuts + [(b, b)]:
        piece = flat[position:start]
        lead = len(piece) - len(piece.lstrip(_TRIM))
        s, e = position + lead, position + len(piece.rstrip(_TRIM))
        if e > s:
            spans.append((s, e))
        position = end
    return spans
