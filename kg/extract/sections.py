"""Splitting a letter's normalised text into titled sections, and telling which layout it has.

Four layouts are known:

- ``determination-2014``: the 2014-2015 letters open with a header table and have the headings
  "HOW THE IMR FINAL DETERMINATION WAS MADE", "CLINICAL CASE SUMMARY" and "IMR ISSUES, DECISIONS AND
  RATIONALES".
- ``notice-2013``: the "Notice of Independent Medical Review Determination" has numbered findings, a
  "Medical Qualifications of the Expert Reviewer" paragraph, a case summary and one "Regarding the
  request for ..." block per item.
- ``determination-docs``: older MAXIMUS final determination letters, like the 2014 ones but with a
  "DOCUMENTS REVIEWED" list of the records the reviewer read, and "IMR DECISION(S) AND RATIONALE(S)"
  in place of "IMR ISSUES, DECISIONS AND RATIONALES".
- ``professional-review``: the "MEDICAL PROFESSIONAL REVIEW" form, with labelled sections ("ISSUE AT
  DISPUTE:", "CASE SUMMARY:", "DOCUMENTS REVIEWED FOR DETERMINATION:", "MEDICAL TREATMENT GUIDELINE(S)
  RELIED UPON BY PROFESSIONAL REVIEWER AND WHY:", "RATIONALE FOR WHY ...:", "MEDICAL REVIEWER
  QUALIFICATIONS:").

Sections are recognised by families of headings: each section name has several patterns, matched on
lines of their own, in any case, with or without a trailing colon, and possibly wrapped over lines, so
variations in wording and markup do not matter. In a professional review form its labels may also be
followed by their text on the same line, after the colon.
"""
from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

LAYOUT_DETERMINATION = "determination-2014"
LAYOUT_NOTICE = "notice-2013"
LAYOUT_DOCS = "determination-docs"
LAYOUT_PROFESSIONAL = "professional-review"
LAYOUTS = (LAYOUT_DETERMINATION, LAYOUT_NOTICE, LAYOUT_DOCS, LAYOUT_PROFESSIONAL)
#: Sections that are a letter's title, not part of its body: the header runs on after them.
TITLE_SECTIONS = frozenset({"notice", "form"})

_REVIEWER_WHO = r"(?:the\s+)?(?:medical\s+|professional\s+|physician\s+|peer\s+)?reviewer(?:'s)?"
# Section name → heading patterns, looked for in every letter. Sections are ordered by position.
HEADING_FAMILIES: dict[str, tuple[str, ...]] = {
    "notice": (r"notice\s+of\s+independent\s+medical\s+review\s+determination",),
    "decision": (r"independent\s+medical\s+review\s+decisions?\s+and\s+rationales?",),
    "form": (r"medical\s+professional\s+review(?:\s+(?:form|report|determination))?",),
    "reviewer": (r"how\s+the\s+(?:imr\s+)?final\s+determination\s+was\s+made",
                 r"medical\s+qualifications\s+of\s+the\s+(?:expert|physician)\s+reviewer"),
    "summary": (r"clinical\s+case\s+summary",
                r"(?:expert\s+reviewer\s+)?case\s+summary"),
    "issues": (r"imr\s+issues,?\s+decisions,?\s+and\s+rationales?",
               r"imr\s+decision(?:\s*\(s\)|s)?,?\s+and\s+rationale(?:\s*\(s\)|s)?"),
    "documents": ((r"(?:list\s+of\s+)?(?:medical\s+)?(?:documents|records)\s+reviewed"
                   r"(?:\s+(?:for|in)\s+(?:the\s+|this\s+)?(?:determination|review))?"),),
    "dispute": (r"(?:issues?|items?|treatments?|services?)(?:\s*\(s\))?\s+(?:at|in|under)\s+dispute",),
}
# The professional review form's other labels: looked for only in such a form.
FORM_FAMILIES: dict[str, tuple[str, ...]] = {
    "summary": (r"(?:clinical\s+)?(?:case\s+)?summary(?:\s+of\s+(?:the\s+)?(?:case|records))?",),
    "guidelines": ((r"(?:medical\s+treatment\s+)?guidelines?(?:\s*\(s\))?\s+(?:relied\s+upon|used|applied|cited)"
                    rf"(?:\s+by\s+{_REVIEWER_WHO})?(?:\s+and\s+why)?"),
                   r"(?:evidence[- ]based\s+)?(?:guidelines?|criteria)(?:\s*\(s\))?(?:\s+and\s+references?)?"),
    "rationale": ((r"rationale(?:\s+for\s+why\s+the\s+requested\s+[\w/\s]{1,40}?\s+(?:is|was|are|were|is\s*/\s*was)"
                   r"\s+(?:not\s+)?medically\s+(?:necessary|appropriate))?"),
                  r"rationale\s+for\s+(?:the\s+)?(?:determination|decision)",
                  rf"{_REVIEWER_WHO}\s+rationale"),
    "reviewer": (rf"{_REVIEWER_WHO}\s+(?:qualifications|credentials)",
                 rf"qualifications\s+of\s+{_REVIEWER_WHO}"),
    "determination": (r"(?:final\s+|review\s+)?(?:determination|decision)",),
}


def _alternatives(families: dict[str, tuple[str, ...]]) -> tuple[list[str], str]:
    names = [name for name, patterns in families.items() for _ in patterns]
    patterns = [pattern for group in families.values() for pattern in group]
    return names, "|".join(f"(?P<h{i}>{pattern})" for i, pattern in enumerate(patterns))


def _line_pattern(line: str) -> re.Pattern[str]:
    """A line that ``line`` matches from its start, found by the line break before it (see :func:`_lines`).

    A pattern that opens with "^" is tried at every position of a text; one that opens with a line break lets
    the regex engine go from line break to line break.
    """
    return re.compile(r"\n(?P<line>" + line + ")", re.IGNORECASE | re.MULTILINE)


def _lines(pattern: re.Pattern[str], text: str) -> Iterator[tuple[int, int, re.Match[str]]]:
    """(start, end, match) of every line of ``text`` that a :func:`_line_pattern` finds: the text is searched with
    a line break put in front, for its first line, and the offsets are those of ``text``."""
    for match in pattern.finditer("\n" + text):
        yield match.start("line") - 1, match.end("line") - 1, match


_NAMES, _ALTERNATIVES = _alternatives(HEADING_FAMILIES)
_HEADING_RE = _line_pattern(r"[ \t]*(?:" + _ALTERNATIVES + r")[ \t]*:?[ \t]*$")
_FORM_NAMES, _FORM_ALTERNATIVES = _alternatives({**FORM_FAMILIES, "dispute": HEADING_FAMILIES["dispute"],
                                                 "documents": HEADING_FAMILIES["documents"]})
# In a form, a label may stand alone or be followed by its text after a colon.
_FORM_LABEL_RE = _line_pattern(r"[ \t]*(?:" + _FORM_ALTERNATIVES + r")[ \t]*(?::[ \t]*|$)")
# The first per-item block of a 2013 notice starts the issues section.
_NOTICE_ITEMS_RE = _line_pattern(r"[ \t]*\d+[).]\s+regarding\s+the\s+request\s+for\b")


@dataclass(frozen=True)
class Section:
    """A titled part of the letter: ``text[start:end]`` is its body, after the heading line."""

    name: str
    heading: str
    start: int
    end: int


@dataclass(frozen=True)
class Sections:
    """The letter cut into its header and sections, with the layout they imply."""

    text: str
    layout: str | None
    header_end: int
    sections: tuple[Section, ...]

    def get(self, name: str) -> Section | None:
        """The first section with this name, if any."""
        return next((s for s in self.sections if s.name == name), None)

    def body(self, name: str) -> str:
        """The text of the named section, or an empty string."""
        section = self.get(name)
        return "" if section is None else self.text[section.start:section.end]


def split_sections(text: str) -> Sections:
    """Find the known headings in ``text``, tell the layout and cut the text into sections."""
    marks = _marks(_HEADING_RE, _NAMES, text)
    items = next(_lines(_NOTICE_ITEMS_RE, text), None)
    if items and not any(name == "issues" for *_, name, _ in marks):
        marks.append((items[0], items[0], "issues", ""))
    layout = _layout({name for *_, name, _ in marks}, items is not None)
    if layout == LAYOUT_PROFESSIONAL:
        taken = {start for start, *_ in marks}
        marks += [mark for mark in _marks(_FORM_LABEL_RE, _FORM_NAMES, text) if mark[0] not in taken]
    marks.sort()
    sections = []
    for i, (start, body_start, name, heading) in enumerate(marks):
        end = marks[i + 1][0] if i + 1 < len(marks) else len(text)
        sections.append(Section(name, heading, body_start, max(end, body_start)))
    header_end = marks[0][0] if marks else len(text)
    return Sections(text, layout, header_end, tuple(sections))


def _marks(pattern: re.Pattern[str], names: list[str], text: str) -> list[tuple[int, int, str, str]]:
    """(heading start, body start, section name, heading text) of every heading ``pattern`` finds."""
    marks = []
    for start, end, match in _lines(pattern, text):
        index = next(i for i in range(len(names)) if match.group(f"h{i}") is not None)
        marks.append((start, end, names[index], re.sub(r"\s+", " ", match["line"]).strip()))
    return marks


def _layout(names: set[str], notice_items: bool) -> str | None:
    """The layout the section names imply; ``notice_items``: the text has a 2013 notice's item blocks."""
    if "form" in names or ("dispute" in names and "issues" not in names and "notice" not in names):
        return LAYOUT_PROFESSIONAL
    if "notice" in names or "decision" in names or notice_items:
        return LAYOUT_NOTICE
    if "documents" in names and names & {"issues", "reviewer", "summary"}:
        return LAYOUT_DOCS
    if names & {"issues", "reviewer", "summary"}:
        return LAYOUT_DETERMINATION
    return None
