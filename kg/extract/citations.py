"""Guideline citations: "MTUS Chronic Pain Treatment Guidelines Massage Therapy Page(s): 60" → guideline, topic, pages.

One statement may cite several sources, separated by ";" or by the 2013 wording ", which is part of
the MTUS, and the ...". Each source is split into the guideline (matched against the guideline
vocabulary), its chapter (ACOEM chapter number or title, ODG chapter name), the topic and the pages.
A part that names no guideline continues the previous one: with its own pages it is a new citation
of the same guideline, without pages it is one more topic of the previous citation.
"""
from __future__ import annotations

import re
from functools import cache, lru_cache

from kg.extract.citation_groups import Source, decision_sentences, mtus_documents, non_mtus_sources
from kg.record import Citation, Span
from kg.vocab import Concept, vocabulary

_NO_CITATION_RE = re.compile(
    r"\b(?:did\s+not\s+(?:cite|provide|reference)|no\s+(?:guidelines?|evidence[- ]based\s+criteria|citations?)"
    r"\s+(?:was|were)?\s*(?:cited|provided)|not\s+cite|none\b)", re.IGNORECASE)
_LEAD_RE = re.compile(
    r"^\s*(?:decision\s+based\s+on|the\s+claims\s+administrator\s+based\s+its\s+decision\s+on|"
    r"the\s+(?:expert|physician|imr)\s+reviewer\s+(?:relied\s+(?:up)?on|based\s+(?:his/her|his|her|the)\s+decision\s+on)"
    r"|based\s+on)\s*(?:the\s+)?", re.IGNORECASE)
_MTUS_CLAUSE_RE = re.compile(r",?\s*which\s+(?:is|are)\s+(?:not\s+)?(?:a\s+)?part\s+of\s+the\s+MTUS\b[,.]?",
                             re.IGNORECASE)
_PAGES_RE = re.compile(
    r"[,;]?\s*\b(?:page\(s\)|pages?|pgs?\.?|pp?\.)\s*:?\s*"
    r"(?P<pages>\d+(?:\s*[-\u2013]\s*\d+)?(?:\s*(?:,|and|&)\s*\d+(?:\s*[-\u2013]\s*\d+)?)*)",
    re.IGNORECASE)
_SPLIT_AFTER_PAGES_RE = re.compile(r"(?P<cited>" + _PAGES_RE.pattern + r")\s*,?\s*and\s+(?:the\s+)?", re.IGNORECASE)
_NON_MTUS_RE = re.compile(r"\bnon-?\s*MTUS\s+citation\s*:?\s*|\bnon-?MTUS\b\s*:?\s*", re.IGNORECASE)
_CHAPTER_NUMBER_RE = re.compile(r"\bchapter\s+(?P<number>\d{1,2})\b[,:]?", re.IGNORECASE)
_EDITION_RE = re.compile(
    r"\b(?:practice\s+guidelines?|occupational\s+medicine\s+practice\s+guidelines?|\d(?:st|nd|rd|th)\s+edition"
    r"|(?:19|20)\d\d\s+edition|guidelines?)\b|\(\s*(?:revised\s+)?(?:19|20)\d\d\s*\)", re.IGNORECASE)
_CHAPTER_WORD_RE = re.compile(r"\bchapter\b", re.IGNORECASE)
_URL_RE = re.compile(r"(?:https?://|www\.)\S+", re.IGNORECASE)
_ORDINAL_EDITION_RE = re.compile(r"\b(?P<edition>\d(?:st|nd|rd|th)|first|second|third|fourth)\s+ed(?:ition|\.|\b)",
                                 re.IGNORECASE)
_SECTION_WORDS_RE = re.compile(r"\b(?:sections?(?:\(s\))?|topics?)\b\s*:?|[\u00ae\u2122]", re.IGNORECASE)
_TRIM = " \t\n,.;:-"


def parse_citations(statement: str, offset: int = 0) -> list[Citation]:
    """All citations in one guideline statement; ``offset`` places spans in the letter text."""
    flat = statement.replace("\n", " ")
    if not flat.strip(_TRIM) or _NO_CITATION_RE.search(flat):
        return []
    sentences = decision_sentences(flat)
    if sentences is None:
        lead = _LEAD_RE.match(flat)
        return _parse_span(flat, lead.end() if lead else 0, len(flat), offset)
    citations: list[Citation] = []
    for kind, (a, b) in sentences:
        if kind == "mtus":
            citations.extend(_mtus_citation(flat, source, offset) for source in mtus_documents(flat, (a, b)))
        elif kind == "non-mtus":
            for s, e in non_mtus_sources(flat, (a, b)):
                citations.extend(_parse_span(flat, s, e, offset))
        else:
            citations.extend(_parse_span(flat, a, b, offset))
    return citations


def _mtus_citation(flat: str, source: Source, offset: int) -> Citation:
    """A citation of one MTUS document: its guideline, ACOEM chapter, edition year and sections."""
    guideline = source.guideline or vocabulary("guideline").get("mtus")
    topic, pages = None, None
    if source.sections is not None:
        pages, sections = _take_pages(flat[source.sections[0]:source.sections[1]])
        topic = _clean_topic(sections) or None
    a, b = source.span
    return Citation(
        guideline=guideline.pref_label if guideline else "MTUS (general)",
        guideline_id=guideline.id if guideline else None,
        chapter=source.chapter.pref_label if source.chapter else None,
        chapter_id=source.chapter.id if source.chapter else None,
        topic=topic, pages=pages, edition=source.edition, text=flat[a:b].strip(_TRIM),
        span=(offset + a, offset + b),
    )


def _parse_span(flat: str, start: int, end: int, offset: int) -> list[Citation]:
    """Citations of the sources written in ``flat[start:end]``, in the older free wording."""
    citations: list[Citation] = []
    for a, b in _parts(flat[:end], start):
        part = flat[a:b]
        previous = citations[-1] if citations else None
        citation = _parse_part(part, (offset + a, offset + b), previous)
        if citation is None:
            continue
        if citation.guideline == "" and previous is not None:
            if citation.pages:
                citation.guideline, citation.guideline_id = previous.guideline, previous.guideline_id
                citation.chapter = citation.chapter or previous.chapter
                citation.chapter_id = citation.chapter_id or previous.chapter_id
            else:
                _merge_topic(previous, citation)
                continue
        if citation.guideline == "":
            other = vocabulary("guideline").by_label("Other guideline")
            citation.guideline = other.pref_label if other else "Other guideline"
            citation.guideline_id = other.id if other else None
        citations.append(citation)
    return citations


def _parts(flat: str, start: int) -> list[Span]:
    """Spans of the separate sources cited in ``flat[start:]``."""
    cuts = [start]
    for pattern in (_MTUS_CLAUSE_RE, re.compile(r";"), _SPLIT_AFTER_PAGES_RE):
        for match in pattern.finditer(flat, start):
            cut = match.end() if pattern is not _SPLIT_AFTER_PAGES_RE else match.end("cited")
            cuts.append(cut)
            if pattern is _MTUS_CLAUSE_RE:
                cuts.append(-match.start())  # marks the clause itself as a gap
    spans: list[Span] = []
    ends = sorted({abs(c) for c in cuts} | {len(flat)})
    gaps = {-c for c in cuts if c < 0}
    for a, b in zip(ends, ends[1:]):
        if a in gaps:
            continue
        text = flat[a:b]
        lead = len(text) - len(text.lstrip(_TRIM + " "))
        lead_and = re.match(r"(?:and|&)\s+(?:the\s+)?", text[lead:], re.IGNORECASE)
        a2 = a + lead + (lead_and.end() if lead_and else 0)
        b2 = a + len(text.rstrip(_TRIM))
        if b2 > a2:
            spans.append((a2, b2))
    return spans


def _take_pages(words: str) -> tuple[str | None, str]:
    """The pages cited in ``words`` ("pg. 60-62" → "60-62"), and the words without them."""
    match = _PAGES_RE.search(words)
    if match is None:
        return None, words
    pages = re.sub(r"\s*[-\u2013]\s*", "-", match["pages"]).replace(" ", "")
    return pages, words[:match.start()] + " " + words[match.end():]


def _parse_part(part: str, span: Span, previous: Citation | None) -> Citation | None:
    text = part.strip(_TRIM)
    pages, body = _take_pages(_NON_MTUS_RE.sub(" ", text))
    # The edition is read first but left in place: "ACOEM ..., 3rd ed." names the third edition, a guideline of
    # its own, and must be matched whole.
    edition = None
    if match := _ORDINAL_EDITION_RE.search(body):
        edition = match["edition"].lower() + " edition"
    guideline = _find_guideline(body)
    if guideline is not None:
        body = body[:guideline[1]] + " " + body[guideline[2]:]
    if match := _ORDINAL_EDITION_RE.search(body):
        body = body[:match.start()] + " " + body[match.end():]
    chapter: Concept | None = None
    if guideline is not None:
        chapter, body = _find_chapter(guideline[0], body)
    elif previous is not None and previous.guideline_id:
        parent = vocabulary("guideline").get(previous.guideline_id)
        if parent is not None:
            chapter, body = _find_chapter(parent, body)
    topic = "" if _URL_RE.fullmatch(text) else _clean_topic(body)
    if guideline is None and chapter is None and not topic and not pages and not _URL_RE.fullmatch(text):
        return None
    return Citation(
        guideline=guideline[0].pref_label if guideline else "",
        guideline_id=guideline[0].id if guideline else None,
        chapter=chapter.pref_label if chapter else None,
        chapter_id=chapter.id if chapter else None,
        topic=topic or None,
        pages=pages,
        edition=edition,
        text=text,
        span=span,
    )


def _find_guideline(body: str) -> tuple[Concept, int, int] | None:
    """The guideline named in ``body`` (a top concept of the scheme) and where its name is."""
    for match in vocabulary("guideline").find_all(body):
        if not match.concept.broader:
            return match.concept, match.start, match.end
    return None


def _find_chapter(guideline: Concept, body: str) -> tuple[Concept | None, str]:
    """The chapter of ``guideline`` cited in ``body`` (by number or by name), and the body without it."""
    chapters = _chapters(guideline.id)
    if not chapters:
        return None, body
    number = _CHAPTER_NUMBER_RE.search(body)
    by_number = None
    if number:
        by_number = next((c for c in chapters if c.chapter_number == int(number["number"])), None)
        body = body[:number.start()] + " " + body[number.end():]
    pattern = _chapter_pattern(guideline.id)
    named = pattern.search(body) if pattern else None
    if named:
        body = body[:named.start()] + " " + body[named.end():]
        concept = _chapter_groups(guideline.id)[named.lastgroup or ""]
        return by_number or concept, _CHAPTER_WORD_RE.sub(" ", body)
    return by_number, body


@lru_cache(maxsize=None)
def _chapters(guideline_id: str) -> tuple[Concept, ...]:
    return tuple(c for c in vocabulary("guideline").concepts if guideline_id in c.broader)


@cache
def _chapter_groups(guideline_id: str) -> dict[str, Concept]:
    """The chapters of a guideline by the name of their group in :func:`_chapter_pattern` (unique there)."""
    return {_group_name(concept): concept for concept in _chapters(guideline_id)}


@lru_cache(maxsize=None)
def _chapter_pattern(guideline_id: str) -> re.Pattern[str] | None:
    alternatives = []
    for concept in _chapters(guideline_id):
        labels = sorted({concept.pref_label, *concept.alt_labels}, key=len, reverse=True)
        words = "|".join(_label_regex(label) for label in labels)
        alternatives.append(f"(?P<{_group_name(concept)}>{words})")
    if not alternatives:
        return None
    return re.compile(r"(?<![\w&])(?:" + "|".join(alternatives) + r")(?:\s+chapter)?(?![\w&])", re.IGNORECASE)


def _label_regex(label: str) -> str:
    parts = re.split(r"\s*(?:&|\band\b)\s*|\s+", label.strip())
    return r"[\s,]*(?:&|and)?[\s,]*".join(re.escape(p) for p in parts if p)


def _group_name(concept: Concept) -> str:
    return "c_" + re.sub(r"\W", "_", concept.id)


def _clean_topic(body: str) -> str:
    body = _SECTION_WORDS_RE.sub(" ", _EDITION_RE.sub(" ", body))
    body = re.sub(r"\(\s*\)", " ", body)
    body = re.sub(r"\s+", " ", body)
    body = re.sub(r"^(?:[\s,.;:&/-]|\band\b|\bthe\b)+|(?:[\s,.;:&/-]|\band\b)+$", "", body, flags=re.IGNORECASE)
    return body.strip()


def _merge_topic(previous: Citation, extra: Citation) -> None:
    if extra.topic:
        previous.topic = f"{previous.topic}; {extra.topic}" if previous.topic else extra.topic
    previous.text = f"{previous.text}; {extra.text}"
    if previous.span and extra.span:
        previous.span = (previous.span[0], extra.span[1])
