"""Cut a text into non-overlapping segments, each knowing which spans cover it: the highlighting of a letter.

Spans may nest (a body-region mention inside an item's request), overlap partly, touch or repeat. Rather
than nesting ``<mark>`` elements (which partial overlaps cannot do), the text is split at every span
boundary, and each piece carries the ids of all the spans that cover it -- outermost first, so the last id
is the innermost span. Every piece's text is HTML-escaped once, here.

:class:`Evidence` reads a letter's ``imr:TextSpan`` nodes from a ``lookups.Graphlet`` and says what fact
each one is evidence of; the case and item pages turn those into marks.

>>> marked = mark_text("a <b> c", [TextMark("x", 2, 5)])
>>> [(str(s.html), s.span_ids) for s in marked.segments]
[('a ', ()), ('&lt;b&gt;', ('x',)), (' c', ())]
"""
from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import pairwise
from typing import TYPE_CHECKING

from markupsafe import Markup, escape

if TYPE_CHECKING:
    from webapp.lookups import Graphlet, Node

__all__ = ["Evidence", "Fact", "MarkedText", "Segment", "TextMark", "mark_text", "natural_key"]


@dataclass(frozen=True)
class TextMark:
    """A span to highlight: ``[start, end)`` character offsets into the text, and an id naming it."""

    id: str
    start: int
    end: int


@dataclass(frozen=True)
class Segment:
    """A piece ``[start, end)`` of the text and the ids of the spans covering it (outermost first)."""

    start: int
    end: int
    text: str
    span_ids: tuple[str, ...] = ()

    @property
    def html(self) -> Markup:
        """The piece's text, HTML-escaped."""
        return escape(self.text)

    @property
    def marked(self) -> bool:
        """Whether any span covers the piece."""
        return bool(self.span_ids)

    @property
    def innermost(self) -> str | None:
        """The id of the innermost span covering the piece (the one that started last), or None."""
        return self.span_ids[-1] if self.span_ids else None


@dataclass(frozen=True)
class MarkedText:
    """The segments, in text order, and the ids of spans that could not be placed in the text at all."""

    segments: tuple[Segment, ...]
    skipped: tuple[str, ...] = ()

    @property
    def placed(self) -> tuple[str, ...]:
        """The ids of the spans that cover at least one segment, in order of first appearance."""
        seen: dict[str, None] = {}
        for segment in self.segments:
            seen.update(dict.fromkeys(segment.span_ids))
        return tuple(seen)


def natural_key(text: str) -> tuple:
    """Sort key that puts ``item/2`` before ``item/10``."""
    parts = re.split(r"(\d+)", text)
    return tuple((0, int(part), "") if part.isdigit() else (1, 0, part.lower()) for part in parts)


def mark_text(text: str, marks: Iterable[TextMark], start: int = 0, end: int | None = None) -> MarkedText:
    """Split ``text[start:end]`` (the whole text by default) at every boundary of ``marks``.

    Segments keep offsets into the whole ``text``. A mark is *skipped* (listed in ``skipped``) when it cannot
    be shown anywhere in the text: it is empty, reversed or lies outside the text. A mark running past either
    end of the text is cut to it. A mark that is fine but lies outside the window ``[start, end)`` is neither
    shown nor skipped; one crossing the window's edge is cut to it. An id given twice is placed once (its
    first placeable range wins), so every id appears in at most one contiguous run of segments.
    """
    length = len(text)
    window_start = min(max(0, start), length)
    window_end = length if end is None else min(max(window_start, end), length)
    placed: list[tuple[int, int, int, str]] = []  # (start, end, order given, id)
    skipped: list[str] = []
    seen: set[str] = set()
    for order, mark in enumerate(marks):
        if mark.id in seen:
            continue
        low, high = max(0, mark.start), min(length, mark.end)
        if low >= high:
            skipped.append(mark.id)
            continue
        seen.add(mark.id)
        low, high = max(low, window_start), min(high, window_end)
        if low < high:
            placed.append((low, high, order, mark.id))
    # Outermost first: earlier start, then longer span, then the order given.
    placed.sort(key=lambda m: (m[0], -m[1], m[2]))
    boundaries = sorted({window_start, window_end, *(m[0] for m in placed), *(m[1] for m in placed)})
    segments: list[Segment] = []
    for low, high in pairwise(boundaries):
        covering = tuple(m[3] for m in placed if m[0] <= low and high <= m[1])
        segments.append(Segment(low, high, text[low:high], covering))
    return MarkedText(tuple(segments), tuple(dict.fromkeys(i for i in skipped if i not in seen)))


# ---- a letter's spans as the facts they are evidence of (read from a lookups.Graphlet) -----------------

_IMR = "https://w3id.org/imr-kg/ontology#"


@dataclass(frozen=True)
class Fact:
    """One text span of a letter as the page shows it: what it is evidence of, and its DOM id."""

    id: str
    span: str  # the imr:TextSpan IRI
    start: int
    end: int
    kind: str  # "diagnosis", "decision date", "guideline citation (IMR reviewer)", ...
    css: str  # a short class for colouring: field, diagnosis, prior, item, region, citation, rationale, other
    label: str
    href: str  # the page of the fact (the span's owner, or the concept a region mention denotes)
    owner: str  # the IRI of the node the span is evidence for


class Evidence:
    """Every span in a letter, as facts, with the ids that tie highlights in the text to facts on the page."""

    def __init__(self, graphlet: Graphlet, letter: str) -> None:
        spans = graphlet.node(letter).subjects("imr:inLetter") if letter else []
        found = []
        for span in spans:
            try:
                start, end = int(span.text("imr:startOffset")), int(span.text("imr:endOffset"))
            except ValueError:
                continue
            found.append((start, end, span))
        found.sort(key=lambda f: (f[0], -f[1], natural_key(f[2].iri)))
        self.facts = [_fact(graphlet, f"ev-{n}", span, start, end)
                      for n, (start, end, span) in enumerate(found, 1)]
        self.by_span = {fact.span: fact for fact in self.facts}
        self.by_id = {fact.id: fact for fact in self.facts}

    def ids(self, node: Node | None, prop: str = "imr:evidence") -> str:
        """The DOM ids of the spans ``node`` points to with ``prop``, space-separated ('' for none)."""
        values = node.values(prop) if node is not None else []
        return " ".join(self.by_span[v.iri].id for v in values if v.iri in self.by_span)

    def region_ids(self, item: Node, region: str) -> str:
        """The DOM ids of the item's mentions of one body region."""
        spans = [v.iri for v in item.values("imr:regionEvidence") if v.node.text("imr:denotes") == region]
        return " ".join(self.by_span[s].id for s in spans if s in self.by_span)

    def id_of(self, span: str) -> str:
        """The DOM id of one span IRI ('' when unknown)."""
        return self.by_span[span].id if span in self.by_span else ""

    def mark(self, text: str, around: str | None = None) -> MarkedText:
        """The text cut into highlighted segments; with ``around``, only the lines holding the facts of that
        node and of the nodes under it (an item's citations)."""
        facts = [f for f in self.facts
                 if around is None or f.owner == around or f.owner.startswith(around + "/")]
        marks = [TextMark(f.id, f.start, f.end) for f in facts]
        if around is None:
            return mark_text(text, marks)
        inside = [f for f in facts if 0 <= f.start < f.end <= len(text)]
        if not inside:
            return mark_text(text, [], 0, 0)
        start = text.rfind("\n", 0, min(f.start for f in inside)) + 1
        end = text.find("\n", max(f.end for f in inside))
        return mark_text(text, marks, start, len(text) if end < 0 else end)


def _fact(graphlet: Graphlet, dom_id: str, span: Node, start: int, end: int) -> Fact:
    """What ``span`` is evidence of, told by how its owner points to it and by the owner's class."""
    exact = span.text("imr:exactText")
    into = graphlet.into.get(span.iri, {})
    relations = ("rationaleEvidence", "regionEvidence", "evidence")
    relation = next((p for p in relations if into.get(_IMR + p)), "")
    if not relation:
        return Fact(dom_id, span.iri, start, end, "text span", "other", exact, span.href, span.iri)
    owner = graphlet.node(into[_IMR + relation][0])
    number = owner.text("imr:itemNumber")
    if relation == "rationaleEvidence":
        return Fact(dom_id, span.iri, start, end, "rationale", "rationale", f"Rationale of item {number}",
                    owner.href, owner.iri)
    if relation == "regionEvidence":
        region = span.one("imr:denotes")
        return Fact(dom_id, span.iri, start, end, f"body region of item {number}", "region",
                    region.label if region else exact, region.href if region else owner.href, owner.iri)
    kinds = {v.iri.rsplit("#", 1)[-1] for v in owner.values("rdf:type")}
    kind, css, label = "evidence", "other", owner.label
    if "Case" in kinds:
        kind, css, label = span.iri.rsplit("/", 1)[-1].replace("-", " "), "field", exact
    elif kinds & {"Injury", "UtilizationReview"}:
        kind, css, label = ("date of injury" if "Injury" in kinds else "UR denial date"), "field", exact
    elif "Diagnosis" in kinds:
        code = owner.one("imr:icd10Code")
        kind, css, label = "diagnosis", "diagnosis", owner.label + (f" ({code.label})" if code else "")
    elif "PriorTreatment" in kinds:
        kind, css = "prior treatment", "prior"
    elif "DisputedItem" in kinds:
        request = owner.text("imr:request") or owner.label
        kind, css, label = "disputed item", "item", f"Item {number}: {request}"
    elif "GuidelineCitation" in kinds:
        role = owner.one("imr:citationRole")
        kind, css = f"guideline citation ({role.label if role else 'unknown role'})", "citation"
    return Fact(dom_id, span.iri, start, end, kind, css, label or exact, owner.href, owner.iri)

