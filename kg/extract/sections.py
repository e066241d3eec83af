"""Splitting a letter's normalised text into titled sections, and telling which layout it has.

Two layouts are known. The 2014-2015 letters open with a header table and have the headings
"HOW THE IMR FINAL DETERMINATION WAS MADE", "CLINICAL CASE SUMMARY" and "IMR ISSUES, DECISIONS AND
RATIONALES". The 2013 "Notice of Independent Medical Review Determination" has numbered findings, a
"Medical Qualifications of the Expert Reviewer" paragraph, a case summary and one "Regarding the
request for ..." block per item. Headings are matched on lines of their own, in any case, with or
without a trailing colon, so variations in wording and markup do not matter.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

LAYOUT_DETERMINATION = "determination-2014"
LAYOUT_NOTICE = "notice-2013"

# (section name, heading pattern). Order does not matter: sections are ordered by position.
_HEADINGS: tuple[tuple[str, str], ...] = (
    ("reviewer", r"how\s+the\s+(?:imr\s+)?final\s+determination\s+was\s+made"),
    ("summary", r"clinical\s+case\s+summary"),
    ("issues", r"imr\s+issues,?\s+decisions,?\s+and\s+rationales?"),
    ("notice", r"notice\s+of\s+independent\s+medical\s+review\s+determination"),
    ("decision", r"independent\s+medical\s+review\s+decisions?\s+and\s+rationales?"),
    ("reviewer", r"medical\s+qualifications\s+of\s+the\s+(?:expert|physician)\s+reviewer"),
    ("summary", r"(?:expert\s+reviewer\s+)?case\s+summary"),
)
_HEADING_RE = re.compile(
    r"^[ \t]*(?:" + "|".join(f"(?P<h{i}>{pattern})" for i, (_, pattern) in enumerate(_HEADINGS))
    + r")[ \t]*:?[ \t]*$",
    re.IGNORECASE | re.MULTILINE,
)
# The first per-item block of a 2013 notice starts the issues section.
_NOTICE_ITEMS_RE = re.compile(r"^[ \t]*\d+[).]\s+regarding\s+the\s+request\s+for\b", re.IGNORECASE | re.MULTILINE)


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
    """Find the known headings in ``text`` and cut it into sections."""
    marks: list[tuple[int, int, str, str]] = []
    for match in _HEADING_RE.finditer(text):
        index = next(i for i in range(len(_HEADINGS)) if match.group(f"h{i}") is not None)
        marks.append((match.start(), match.end(), _HEADINGS[index][0], match.group(0).strip()))
    items = _NOTICE_ITEMS_RE.search(text)
    if items and not any(name == "issues" for *_, name, _ in marks):
        marks.append((items.start(), items.start(), "issues", ""))
    marks.sort()
    sections = []
    for i, (start, body_start, name, heading) in enumerate(marks):
        end = marks[i + 1][0] if i + 1 < len(marks) else len(text)
        sections.append(Section(name, heading, body_start, end))
    header_end = marks[0][0] if marks else len(text)
    return Sections(text, _layout(text, {s.name for s in sections}), header_end, tuple(sections))


def _layout(text: str, names: set[str]) -> str | None:
    if "notice" in names or "decision" in names or _NOTICE_ITEMS_RE.search(text):
        return LAYOUT_NOTICE
    if names & {"issues", "reviewer", "summary"}:
        return LAYOUT_DETERMINATION
    return None
