"""Disputed items and reviewer specialties of the "MEDICAL PROFESSIONAL REVIEW" form.

The form names the disputed items in its "ISSUE AT DISPUTE" section, as a question ("Whether the
request for X is medically necessary") or a numbered or bulleted list; it has no per-item blocks.
Each item's decision is read from the determination wording (a "DETERMINATION" section if there is
one, else the rationale): "X is not medically necessary" upholds the denial, "X is medically
necessary" overturns it, and wording that cannot be told leaves the decision empty with a warning.
The guidelines section gives the reviewer's citations, the reasons given for choosing them left out;
a numbered entry, or one that names an item, goes to that item only. The qualifications section
gives the reviewer's specialties.
"""
from __future__ import annotations

import re

from kg.extract.citations import parse_citations
from kg.extract.findings import build_item, conclude, relevance, statements, verdicts
from kg.extract.items import strip_span
from kg.extract.reviewer import extract_specialties
from kg.extract.sections import Section, Sections
from kg.record import Citation, Item, Mention, Span
from kg.vocab import vocabulary

# A list entry: "1.", "2)", "(a)", "a)", "-", "*" or a bullet at the start of a line.
_MARKER_RE = re.compile(r"^[ \t]*(?:(?P<number>\d{1,2})[.)]|\(?[a-h]\)|[-*\u2022])[ \t]+", re.MULTILINE)
_PARAGRAPH_RE = re.compile(r"\n[ \t]*\n")
_SENTENCE_END_RE = re.compile(r"(?<=[.?])\s+(?=[A-Z])|\n[ \t]*\n")
_ASKING_RE = re.compile(r"\b(?:whether|request|necessity)\b", re.IGNORECASE)
_REQUEST_LEAD_RE = re.compile(
    r"^(?:(?:issue|question)\s*:\s*)?(?:whether\s+(?:or\s+not\s+)?|(?:is|are)\s+)?(?:the\s+)?"
    r"(?:(?:medical\s+)?necessity\s+(?:of|for)\s+(?:the\s+)?)?"
    r"(?:(?:requests?|requested|proposed|prescribed)\s+(?:(?:treatment|service|item)s?(?:\s*\(s\))?\s*)?"
    r"(?:(?:for|of)\s+|:\s*)?)?(?:an?\s+|the\s+)?",
    re.IGNORECASE)
_REQUEST_TAIL_RE = re.compile(
    r"(?:\s+for\s+(?:this|the)\s+(?:patient|claimant|injured\s+worker|employee|applicant)\b[\s\S]*"
    r"|(?:\s*,)?\s+(?:(?:is|are|was|were|is/was|be)\s+)?(?:not\s+)?medically\s+(?:necessary|reasonable|appropriate)"
    r"[\s\S]*)?[\s.?;:,]*$",
    re.IGNORECASE)
_INTRO_RE = re.compile(r"\bfollowing\b[^:]*:\s*$|^\s*(?:whether|is|are)\b[^:]*\bfollowing\b", re.IGNORECASE)
# Where a guideline entry starts to say why the guideline was chosen.
_WHY_RE = re.compile(
    r"[\s,;:-]*\b(?:because|since|as\s+(?:it|they|this|these|the)"
    r"|which\s+(?!(?:is|are)\s+(?:not\s+)?(?:a\s+)?part\s+of)"
    r"(?:address(?:es)?|is|are|appl(?:y|ies)|recommends?|discuss(?:es)?)"
    r"|(?:this|these|the\s+above|the|such)\s+guidelines?\s+"
    r"(?:was|were|is|are|address(?:es)?|appl(?:y|ies)|provides?|recommends?)"
    r"|(?:it|they)\s+(?:address(?:es)?|is|are|was|were|appl(?:y|ies)|provides?|recommends?)"
    r"|(?:was|were|is|are)\s+(?:used|chosen|selected|relied\s+(?:up)?on|applied|cited|appropriate|applicable|relevant)"
    r"|address(?:es|ed)?|appl(?:y|ies|ied)|(?:was|were|is|are)\s+consulted|why)\b", re.IGNORECASE)
_CITE_LEAD_RE = re.compile(
    r"^(?:the\s+)?(?:(?:professional|medical|physician|peer)\s+)?reviewer\s+"
    r"(?:relied\s+(?:up)?on|used|referenced|cited)\s*(?:the\s+following(?:\s+guidelines?)?\s*:?)?\s*", re.IGNORECASE)
_SOURCE_RE = re.compile(
    r"\b(?:guidelines?|pages?|pp?\.|policy|bulletin|criteria|journal|[\w-]+\.(?:com|org|gov))(?!\w)", re.IGNORECASE)
_LABEL_RE = re.compile(r"(?P<label>[^:\n]{2,80}):\s+")
_CREDENTIAL_RE = re.compile(
    r"(?:board[- ]certified\s+(?:in|by\s+the\s+american\s+board\s+of)|certification\(?s?\)?\s*/\s*specialty\s*:"
    r"|specialt(?:y|ies)\s*:)[ \t]*(?P<value>[^\n.;]+)", re.IGNORECASE)


def extract_review_items(parts: Sections) -> tuple[list[Item], list[str]]:
    """The items named in the form's issue at dispute, with decisions, citations and rationales; warnings."""
    text = parts.text
    dispute = parts.get("dispute")
    if dispute is None:
        return [], ["no 'ISSUE AT DISPUTE' section found"]
    requests = _requests(text, dispute.start, dispute.end)
    if not requests:
        return [], ["the issue at dispute names no request"]
    items: list[Item] = []
    warnings: list[str] = []
    for request, span in requests:
        item, problems = build_item(text, request, span, None, span[1])
        items.append(item)
        warnings.extend(f"item {len(items)}: {p}" for p in problems)
    names = [[i.request] + ([i.treatment] if i.treatment else []) for i in items]
    citations = _citations(text, parts.get("guidelines"), names)
    rationales = _rationales(text, parts.get("rationale"), names)
    determination = parts.get("determination")
    for index, item in enumerate(items):
        problems = []
        item.reviewer_guideline = citations[index]
        if parts.get("guidelines") is None:
            problems.append("no reviewer guideline statement found")
        rationale = rationales[index]
        if rationale is not None:
            item.rationale, item.rationale_span = " ".join(text[rationale[0]:rationale[1]].split()), rationale
        else:
            problems.append("no decision rationale found")
        sources = [s for s in (_span_of(determination), rationale, _span_of(parts.get("rationale"))) if s]
        found: list[tuple[str, str]] = []
        for a, b in sources:
            found = verdicts(statements(text[a:b], a), names, index)
            if found:
                break
        item.decision, told = conclude(found)
        problems.extend(told)
        warnings.extend(f"item {index + 1}: {p}" for p in problems)
    return items, warnings


def extract_qualifications(section_text: str, offset: int) -> tuple[list[Mention], list[str]]:
    """Reviewer specialties from the qualifications section (spans offset into the letter), and warnings.

    The reviewer statement ("The reviewer is Board Certified in X") is read by
    :func:`kg.extract.reviewer.extract_specialties`; where it finds no specialty of the vocabulary, a
    short credential line ("Board Certified in X", "Certification(s)/Specialty: A, B") is read instead.
    """
    mentions, problems = extract_specialties(section_text, offset)
    credential = _CREDENTIAL_RE.search(section_text)
    if any(m.concept_id for m in mentions) or credential is None:
        return mentions, problems
    lead = "The reviewer is "
    statement = lead + credential["value"].rstrip() + ". "
    found, told = extract_specialties(statement, offset + credential.start("value") - len(lead))
    return (found, told) if any(m.concept_id for m in found) else (mentions, problems)


def _requests(text: str, start: int, end: int) -> list[tuple[str, Span]]:
    """(request, span) of each disputed item named in ``text[start:end]``."""
    entries = _entries(text, start, end)
    found = []
    for a, b in entries:
        entry = text[a:b]
        if _INTRO_RE.search(entry):
            continue
        lead = _REQUEST_LEAD_RE.match(entry)
        head = lead.end() if lead else 0
        tail = _REQUEST_TAIL_RE.search(entry, head)
        stop = tail.start() if tail else len(entry)
        s, e = strip_span(text, a + head, a + stop)
        request = " ".join(text[s:e].split()).strip(" :*\"'")
        if request:
            found.append((request, (s, e)))
    return found


def _entries(text: str, start: int, end: int) -> list[Span]:
    """List entries of ``text[start:end]`` if it is a list, else its sentences that name a request."""
    markers = list(_MARKER_RE.finditer(text, start, end))
    if markers:
        spans = []
        for i, marker in enumerate(markers):
            stop = markers[i + 1].start() if i + 1 < len(markers) else end
            blank = _PARAGRAPH_RE.search(text, marker.end(), stop)
            spans.append(strip_span(text, marker.end(), blank.start() if blank else stop))
        return spans
    asking = [span for sentence, span in _sentences(text, start, end) if _ASKING_RE.search(sentence)]
    return asking or [strip_span(text, start, end)]


def _sentences(text: str, start: int, end: int) -> list[tuple[str, Span]]:
    """The sentences (and paragraphs) of ``text[start:end]`` with their spans."""
    found = []
    position = start
    for match in [*_SENTENCE_END_RE.finditer(text, start, end), None]:
        stop = match.start() if match else end
        span = strip_span(text, position, stop)
        if span[1] > span[0]:
            found.append((text[span[0]:span[1]], span))
        position = match.end() if match else end
    return found


def _citations(text: str, section: Section | None, names: list[list[str]]) -> list[list[Citation]]:
    """The reviewer's citations for each item, from the guidelines section."""
    per_item: list[list[Citation]] = [[] for _ in names]
    if section is None:
        return per_item
    markers = list(_MARKER_RE.finditer(text, section.start, section.end))
    entries = _entries(text, section.start, section.end) if markers else _paragraphs(text, section.start, section.end)
    numbers = [m["number"] for m in markers]
    for position, (a, b) in enumerate(entries):
        number = numbers[position] if markers else None
        label = _LABEL_RE.match(text, a, b)
        if label and not _cites(label["label"]):
            a = label.end()
        targets = _targets(text[a:b], label["label"] if label else None, number, names)
        cited = _cite(text, a, b)
        for index in targets:
            per_item[index].extend(cited)
    return per_item


def _targets(entry: str, label: str | None, number: str | None, names: list[list[str]]) -> list[int]:
    """The items a guideline entry is for: by its number, its label or the item it names; else all."""
    if len(names) == 1:
        return [0]
    if number is not None and 1 <= int(number) <= len(names):
        return [int(number) - 1]
    for words in (label, entry):
        if words:
            scores = [max(relevance(words, n) for n in item_names) for item_names in names]
            best = max(scores)
            if best >= 0.5 and scores.count(best) == 1:
                return [scores.index(best)]
    return list(range(len(names)))


def _cite(text: str, start: int, end: int) -> list[Citation]:
    """Citations of one entry, its sentences cut where they start to say why the guideline was used."""
    found: list[Citation] = []
    for sentence, (a, b) in _sentences(text, start, end):
        lead = _CITE_LEAD_RE.match(sentence)
        a += lead.end() if lead else 0
        why = _WHY_RE.search(text, a, b)
        b = why.start() if why else b
        if b <= a or text[a:b].rstrip().endswith(":") or not _cites(text[a:b]):
            continue
        found.extend(parse_citations(text[a:b], a))
    # A guideline only named (no chapter, topic or pages) beside full citations is a mention, not a citation.
    if any(_specific(c) for c in found):
        found = [c for c in found if _specific(c)]
    return found


def _specific(citation: Citation) -> bool:
    return bool(citation.chapter or citation.topic or citation.pages)


def _cites(words: str) -> bool:
    """True when ``words`` name a guideline, a page or a source of guidance."""
    named = any(not m.concept.broader and m.concept.id != "other" for m in vocabulary("guideline").find_all(words))
    return named or bool(_SOURCE_RE.search(words))


def _paragraphs(text: str, start: int, end: int) -> list[Span]:
    spans = []
    position = start
    for match in [*_PARAGRAPH_RE.finditer(text, start, end), None]:
        stop = match.start() if match else end
        span = strip_span(text, position, stop)
        if span[1] > span[0]:
            spans.append(span)
        position = match.end() if match else end
    return spans


def _rationales(text: str, section: Section | None, names: list[list[str]]) -> list[Span | None]:
    """Each item's rationale: the paragraphs about it, or the whole section when none is its own."""
    if section is None:
        return [None for _ in names]
    whole = strip_span(text, section.start, section.end)
    if len(names) == 1:
        return [whole]
    numbered = [m for m in _MARKER_RE.finditer(text, section.start, section.end) if m["number"]]
    if [int(m["number"]) for m in numbered] == list(range(1, len(names) + 1)):
        stops = [m.start() for m in numbered[1:]] + [section.end]
        paragraphs = [strip_span(text, m.end(), stop) for m, stop in zip(numbered, stops)]
        owners = [[index] for index in range(len(names))]
    else:
        paragraphs = _paragraphs(text, section.start, section.end)
        owners = [_targets(text[a:b], None, None, names) for a, b in paragraphs]
    spans: list[Span | None] = []
    for index in range(len(names)):
        own = [p for p, owner in zip(paragraphs, owners) if owner == [index]]
        spans.append((own[0][0], own[-1][1]) if own else whole)
    return spans


def _span_of(section: Section | None) -> Span | None:
    return None if section is None else (section.start, section.end)
