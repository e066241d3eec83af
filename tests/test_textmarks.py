"""webapp.textmarks: a text and spans -> escaped, non-overlapping segments; a letter's spans -> facts."""
from __future__ import annotations

import random

import pytest

from webapp.lookups import Graphlet
from webapp.textmarks import Evidence, MarkedText, Segment, TextMark, mark_text, natural_key

IMR = "https://w3id.org/imr-kg/ontology#"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
CASE = "https://w3id.org/imr-kg/case/CM99-0000001"
LETTER = "https://w3id.org/imr-kg/letter/CM99-0000001"


def pieces(marked: MarkedText) -> list[tuple[str, tuple[str, ...]]]:
    """(text, covering ids) of every segment."""
    return [(s.text, s.span_ids) for s in marked.segments]


def covering_by_brute_force(text: str, marks: list[TextMark], start: int = 0, end: int | None = None) -> list[set[str]]:
    """For every character of the window, the ids of the marks that cover it (first occurrence of an id)."""
    end = len(text) if end is None else end
    first: dict[str, TextMark] = {}
    for mark in marks:
        if mark.id not in first and max(0, mark.start) < min(len(text), mark.end):
            first[mark.id] = mark
    return [{m.id for m in first.values() if m.start <= i < m.end} for i in range(start, end)]


def test_no_marks_is_one_plain_segment() -> None:
    marked = mark_text("plain text", [])
    assert pieces(marked) == [("plain text", ())]
    assert marked.skipped == () and marked.placed == ()
    assert not marked.segments[0].marked and marked.segments[0].innermost is None


def test_empty_text() -> None:
    assert mark_text("", []).segments == ()
    marked = mark_text("", [TextMark("a", 0, 3)])
    assert marked.segments == () and marked.skipped == ("a",)


def test_one_mark_in_the_middle_keeps_offsets() -> None:
    marked = mark_text("Diagnosis cervicalgia.", [TextMark("dx", 10, 21)])
    assert pieces(marked) == [("Diagnosis ", ()), ("cervicalgia", ("dx",)), (".", ())]
    assert [(s.start, s.end) for s in marked.segments] == [(0, 10), (10, 21), (21, 22)]
    assert marked.placed == ("dx",)


def test_marks_at_both_ends() -> None:
    marked = mark_text("abcdef", [TextMark("x", 0, 2), TextMark("y", 4, 6)])
    assert pieces(marked) == [("ab", ("x",)), ("cd", ()), ("ef", ("y",))]


def test_adjacent_marks_stay_separate() -> None:
    """Two spans that touch make two segments, each with its own id, and no empty segment between them."""
    marked = mark_text("onetwo", [TextMark("a", 0, 3), TextMark("b", 3, 6)])
    assert pieces(marked) == [("one", ("a",)), ("two", ("b",))]


def test_nested_mark_splits_the_outer_one() -> None:
    """A region mention inside an item's request: three pieces, the middle one covered by both (outer first)."""
    text = "24 Massage therapy sessions for the cervical spine (neck)"
    inner = text.index("cervical spine")
    marked = mark_text(text, [TextMark("region", inner, inner + 14), TextMark("item", 0, len(text))])
    assert pieces(marked) == [("24 Massage therapy sessions for the ", ("item",)),
                              ("cervical spine", ("item", "region")), (" (neck)", ("item",))]
    assert marked.segments[1].innermost == "region"
    assert marked.placed == ("item", "region")


def test_deep_nesting_orders_ids_outermost_first() -> None:
    marked = mark_text("abcdefg", [TextMark("c", 2, 4), TextMark("a", 0, 7), TextMark("b", 1, 5)])
    assert pieces(marked) == [("a", ("a",)), ("b", ("a", "b")), ("cd", ("a", "b", "c")), ("e", ("a", "b")),
                              ("fg", ("a",))]


def test_partial_overlap() -> None:
    marked = mark_text("0123456789", [TextMark("a", 1, 6), TextMark("b", 4, 9)])
    assert pieces(marked) == [("0", ()), ("123", ("a",)), ("45", ("a", "b")), ("678", ("b",)), ("9", ())]


def test_same_range_two_ids_keeps_the_given_order() -> None:
    marked = mark_text("abc", [TextMark("second", 0, 3), TextMark("first", 0, 3)])
    assert pieces(marked) == [("abc", ("second", "first"))]


def test_same_start_longer_span_is_outer() -> None:
    marked = mark_text("abcdef", [TextMark("short", 0, 2), TextMark("long", 0, 6)])
    assert pieces(marked) == [("ab", ("long", "short")), ("cdef", ("long",))]


@pytest.mark.parametrize("mark", [TextMark("zero", 3, 3), TextMark("reversed", 5, 2), TextMark("after", 20, 25),
                                  TextMark("before", -5, 0), TextMark("at-end", 10, 12)])
def test_unplaceable_marks_are_skipped(mark: TextMark) -> None:
    """Empty, reversed and outside spans are listed as skipped and change nothing in the segments."""
    marked = mark_text("0123456789", [mark, TextMark("ok", 1, 2)])
    assert marked.skipped == (mark.id,)
    assert pieces(marked) == [("0", ()), ("1", ("ok",)), ("23456789", ())]


def test_marks_running_past_the_text_are_cut() -> None:
    marked = mark_text("abcdef", [TextMark("tail", 4, 99), TextMark("head", -3, 2)])
    assert pieces(marked) == [("ab", ("head",)), ("cd", ()), ("ef", ("tail",))]
    assert marked.skipped == ()


def test_an_id_given_twice_is_placed_once() -> None:
    marked = mark_text("abcdef", [TextMark("x", 0, 2), TextMark("x", 4, 6)])
    assert pieces(marked) == [("ab", ("x",)), ("cdef", ())]
    # a first occurrence that cannot be placed does not hide a later one that can, nor is it reported
    marked = mark_text("abcdef", [TextMark("x", 9, 9), TextMark("x", 4, 6)])
    assert pieces(marked) == [("abcd", ()), ("ef", ("x",))] and marked.skipped == ()


def test_window_shows_only_its_part_and_keeps_whole_text_offsets() -> None:
    text = "line one\nline two has words\nline three"
    words = text.index("words")
    marks = [TextMark("w", words, words + 5), TextMark("outside", 0, 4), TextMark("across", 5, 14)]
    marked = mark_text(text, marks, start=9, end=27)
    assert "".join(s.text for s in marked.segments) == "line two has words"
    assert pieces(marked) == [("line ", ("across",)), ("two has ", ()), ("words", ("w",))]
    assert marked.segments[0].start == 9
    assert marked.skipped == ()  # "outside" is fine, just not in the window


def test_window_out_of_range_is_clamped() -> None:
    assert "".join(s.text for s in mark_text("abc", [], start=-4, end=99).segments) == "abc"
    assert mark_text("abc", [TextMark("a", 0, 1)], start=5, end=9).segments == ()


def test_segments_are_escaped_once() -> None:
    text = 'x <script>alert("&")</script> \'y\''
    marked = mark_text(text, [TextMark("s", 2, 10)])
    html = "".join(str(s.html) for s in marked.segments)
    assert "<script>" not in html
    assert html == "x &lt;script&gt;alert(&#34;&amp;&#34;)&lt;/script&gt; &#39;y&#39;"
    assert marked.segments[1].html == "&lt;script&gt;"
    assert isinstance(marked.segments[1], Segment)


def test_offsets_count_characters_not_bytes() -> None:
    text = "é 🙂 cervicalgia"
    start = text.index("cervicalgia")
    marked = mark_text(text, [TextMark("dx", start, start + 11)])
    assert pieces(marked)[-1] == ("cervicalgia", ("dx",))


def test_random_spans_agree_with_brute_force() -> None:
    """For random texts and spans, segments tile the window exactly, never overlap or come out empty, and each
    character is covered by exactly the spans that contain it; consecutive segments differ in coverage."""
    generator = random.Random(20141125)
    for _ in range(300):
        text = "".join(generator.choice("ab <&>\n") for _ in range(generator.randint(0, 40)))
        marks = [TextMark(f"m{generator.randint(0, 12)}", generator.randint(-5, 45), generator.randint(-5, 45))
                 for _ in range(generator.randint(0, 12))]
        start, end = sorted((generator.randint(0, len(text)), generator.randint(0, len(text))))
        marked = mark_text(text, marks, start, end)
        assert "".join(s.text for s in marked.segments) == text[start:end]
        position = start
        for segment in marked.segments:
            assert segment.start == position < segment.end
            position = segment.end
        coverage = covering_by_brute_force(text, marks, start, end)
        for segment in marked.segments:
            for i in range(segment.start, segment.end):
                assert set(segment.span_ids) == coverage[i - start]
        for left, right in zip(marked.segments, marked.segments[1:]):
            assert set(left.span_ids) != set(right.span_ids)


def test_natural_key() -> None:
    items = ["case/X/item/10", "case/X/item/2", "case/X/item/1"]
    assert sorted(items, key=natural_key) == ["case/X/item/1", "case/X/item/2", "case/X/item/10"]


# ---- Evidence: spans of a letter read from a graphlet -------------------------------------------------------

def uri(value: str) -> dict:
    return {"type": "uri", "value": value}


def lit(value: object) -> dict:
    return {"type": "literal", "value": str(value)}


def span(iri: str, start: int, end: int, text: str, denotes: str | None = None) -> list[tuple[dict, dict, dict]]:
    triples = [(uri(iri), uri(RDF_TYPE), uri(IMR + "TextSpan")), (uri(iri), uri(IMR + "inLetter"), uri(LETTER)),
               (uri(iri), uri(IMR + "startOffset"), lit(start)), (uri(iri), uri(IMR + "endOffset"), lit(end)),
               (uri(iri), uri(IMR + "exactText"), lit(text[start:end]))]
    if denotes:
        triples.append((uri(iri), uri(IMR + "denotes"), uri(denotes)))
    return triples


@pytest.fixture
def letter() -> tuple[str, Graphlet]:
    """A tiny letter: a case number, a diagnosis, one item with a region mention, a citation and a rationale."""
    text = "Case Number: CM99-0000001\nDiagnosis cervicalgia.\nMassage for the neck\nCited ODG.\nBecause."
    item, citation, dx = CASE + "/item/1", CASE + "/item/1/citation/reviewer-1", CASE + "/diagnosis/1"
    region = "https://w3id.org/imr-kg/vocab/body-region/cervical-spine"
    n = text.index
    triples = [
        (uri(CASE), uri(RDF_TYPE), uri(IMR + "Case")), (uri(CASE), uri(IMR + "evidence"), uri(CASE + "/span/case-number")),
        (uri(dx), uri(RDF_TYPE), uri(IMR + "Diagnosis")), (uri(dx), uri(RDFS_LABEL), lit("cervicalgia")),
        (uri(dx), uri(IMR + "evidence"), uri(dx + "/span")),
        (uri(item), uri(RDF_TYPE), uri(IMR + "DisputedItem")), (uri(item), uri(IMR + "itemNumber"), lit(1)),
        (uri(item), uri(IMR + "request"), lit("Massage for the neck")), (uri(item), uri(IMR + "evidence"), uri(item + "/span")),
        (uri(item), uri(IMR + "regionEvidence"), uri(item + "/span/region-1")),
        (uri(item), uri(IMR + "rationaleEvidence"), uri(item + "/span/rationale")),
        (uri(citation), uri(RDF_TYPE), uri(IMR + "GuidelineCitation")), (uri(citation), uri(RDFS_LABEL), lit("ODG")),
        (uri(citation), uri(IMR + "evidence"), uri(citation + "/span")),
        *span(CASE + "/span/case-number", n("CM99"), n("CM99") + 12, text),
        *span(dx + "/span", n("cervicalgia"), n("cervicalgia") + 11, text),
        *span(item + "/span", n("Massage"), n("Massage") + 20, text),
        *span(item + "/span/region-1", n("neck"), n("neck") + 4, text, region),
        *span(citation + "/span", n("ODG"), n("ODG") + 3, text),
        *span(item + "/span/rationale", n("Because"), n("Because") + 8, text),
        *span(CASE + "/span/broken", 5, 5, text),
    ]
    return text, Graphlet(triples, {region: "cervical spine"})


def test_evidence_names_every_fact(letter: tuple[str, Graphlet]) -> None:
    _, graphlet = letter
    evidence = Evidence(graphlet, LETTER)
    described = [(f.kind, f.css, f.label) for f in evidence.facts]
    assert described == [
        ("text span", "other", ""),  # the broken (empty) span: no owner, sorted first by offset
        ("case number", "field", "CM99-0000001"),
        ("diagnosis", "diagnosis", "cervicalgia"),
        ("disputed item", "item", "Item 1: Massage for the neck"),
        ("body region of item 1", "region", "cervical spine"),
        ("guideline citation (unknown role)", "citation", "ODG"),
        ("rationale", "rationale", "Rationale of item 1"),
    ]
    assert [f.id for f in evidence.facts] == [f"ev-{n}" for n in range(1, 8)]
    region_fact = evidence.by_span[CASE + "/item/1/span/region-1"]
    assert region_fact.href == "/vocab/body-region/cervical-spine" and region_fact.owner == CASE + "/item/1"
    item = graphlet.node(CASE + "/item/1")
    assert evidence.ids(item) == evidence.id_of(CASE + "/item/1/span")
    assert evidence.ids(item, "imr:rationaleEvidence") == "ev-7"
    assert evidence.region_ids(item, "https://w3id.org/imr-kg/vocab/body-region/cervical-spine") == "ev-5"
    assert evidence.ids(None) == "" and evidence.id_of("nope") == ""


def test_evidence_marks_the_whole_letter_or_one_item(letter: tuple[str, Graphlet]) -> None:
    text, graphlet = letter
    evidence = Evidence(graphlet, LETTER)
    whole = evidence.mark(text)
    assert "".join(s.text for s in whole.segments) == text
    assert whole.skipped == ("ev-1",)
    neck = next(s for s in whole.segments if s.text == "neck")
    assert neck.span_ids == ("ev-4", "ev-5")

    around = evidence.mark(text, around=CASE + "/item/1")
    shown = "".join(s.text for s in around.segments)
    assert shown == "Massage for the neck\nCited ODG.\nBecause."
    assert set(around.placed) == {"ev-4", "ev-5", "ev-6", "ev-7"}
    assert evidence.mark(text, around=CASE + "/item/9").segments == ()


def test_evidence_without_a_letter() -> None:
    evidence = Evidence(Graphlet([]), "")
    assert evidence.facts == [] and evidence.mark("some text").placed == ()
