"""Letter text: the LetterText record and the pure functions that turn extracted text into it.

Every reader ends in :func:`normalise`, so the offsets later stages compute into ``LetterText.text``
mean the same thing whatever the file's format, encoding, line endings or markup were.
"""
from __future__ import annotations

import html
import re
import unicodedata
from dataclasses import dataclass
from typing import NamedTuple


@dataclass(frozen=True)
class LetterText:
    """One letter's normalised text and where it came from."""

    text: str
    source: str
    format: str
    encoding: str
    sha256: str
    pages: int


class Normalised(NamedTuple):
    """Normalised text plus the number of pages detected while removing page furniture."""

    text: str
    pages: int


# --- line endings ------------------------------------------------------------------------------
_NEWLINE = re.compile("\r\n?|[\u2028\u2029\x85\x0b]")
_FORM_FEED = re.compile("\n?\f\n?")

# --- markup ------------------------------------------------------------------------------------
_ATTRS = r"(?:\s[^<>]*)?/?>"
_TAG = re.compile(
    r"(?P<drop><!--.*?-->|</?(?:b|strong|i|em|u|span|font|small|big|sup|sub|mark|s|strike|del|ins"
    r"|a|abbr|tt|code|center)" + _ATTRS + ")"
    r"|(?P<line></?(?:br|p|div|li|ul|ol|tr|table|thead|tbody|tfoot|h[1-6]|blockquote|section"
    r"|article|header|footer|hr|body|html|pre)" + _ATTRS + ")"
    r"|(?P<cell></?t[dh]" + _ATTRS + ")",
    re.IGNORECASE | re.DOTALL,
)
_TAG_REPLACEMENT = {"drop": "", "line": "\n", "cell": "\t"}
# Only entities closed by ';' are decoded: html.unescape alone would also turn "R&D&copy" style
# text without semicolons into symbols.
_ENTITY = re.compile(r"&(?:#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});")
_HEADING = re.compile(r"^#{1,6} +(.*?)(?: +#+)?$", re.MULTILINE)
# Emphasis markers must open after a non-word character and close before one, so identifiers
# such as snake__case__name and arithmetic like 2**3 are left alone.
_STRONG_STARS = re.compile(r"(?<![\w*])\*\*([^\s*](?:[^\n]*?[^\s*])?)\*\*(?![\w*])")
_STRONG_UNDERSCORES = re.compile(r"(?<!\w)__([^\s_](?:[^\n]*?[^\s_])?)__(?!\w)")

# --- characters --------------------------------------------------------------------------------
_CHAR_MAP: dict[int, str | None] = {
    **{ord(c): "'" for c in "\u2018\u2019\u201a\u201b\u2032"},
    **{ord(c): '"' for c in "\u201c\u201d\u201e\u201f\u2033"},
    **{ord(c): " " for c in "\t\u00a0\u1680\u202f\u205f\u3000"},
    **{cp: " " for cp in range(0x2000, 0x200B)},
    **{ord(c): None for c in "\u00ad\u200b\u200c\u200d\u2060\ufeff"},
    **{ord(c): "-" for c in "\u2010\u2011"},
    # PDF extraction often yields typographic ligatures; NFC does not split them.
    **{0xFB00: "ff", 0xFB01: "fi", 0xFB02: "fl", 0xFB03: "ffi", 0xFB04: "ffl"},
    **{cp: None for cp in (*range(0x00, 0x09), *range(0x0E, 0x20), *range(0x7F, 0xA0))},
}
# A soft hyphen at a line end marks a word the typesetter broke: the two halves belong together.
_SOFT_HYPHEN_BREAK = re.compile(r"\u00ad *\n *(?=\S)")
_DIGIT_DASH = re.compile(r"(?<=\d)[\u2013\u2014\u2212](?=\d)")

# --- whitespace --------------------------------------------------------------------------------
_SPACES = re.compile(r" {2,}")
_LINE_EDGE_SPACE = re.compile(r" ?\n ?")
_BLANK_RUN = re.compile(r"\n{3,}")
_HYPHEN_BREAK = re.compile(r"(?<=[^\W\d_])-\n(?=[a-z\u00df-\u00f6\u00f8-\u00ff])")

# --- page furniture ----------------------------------------------------------------------------
# "N/M" alone is only a marker with the word "Page": a bare "4/5" line may be a score or a value.
_PAGE_OF = re.compile(r"(?:page (\d+) ?(?:of|/) ?(\d+))|(?:(\d+) of (\d+))", re.IGNORECASE)
_PAGE_MARKER = re.compile(
    r"\f|page \d+(?: ?(?:of|/) ?\d+)?|\d+ of \d+|[-\u2013\u2014] ?\d+ ?[-\u2013\u2014]", re.IGNORECASE
)
_ANY_PAGE_MARKER = re.compile(r"^(?:" + _PAGE_MARKER.pattern + r")$", re.IGNORECASE | re.MULTILINE)
_CASE_NUMBER_LINE = re.compile(r"(?:(?:imr )?case (?:number|no\.?):? ?)?CM\d{2}-\d{5,8}", re.IGNORECASE)
_SENTENCE_END = ".:;?!"
_TEXT, _BLANK, _MARKER, _CASE_NUMBER = range(4)
_MAX_HEADER_LEN = 60


def normalise_newlines(text: str) -> str:
    """Turn every line-ending convention into "\\n" and put each form feed on its own line."""
    text = _NEWLINE.sub("\n", text)
    return _FORM_FEED.sub("\n\f\n", text) if "\f" in text else text


def strip_tags(text: str) -> str:
    """Remove simple HTML tags (block tags and <br> become line breaks) and decode entities."""
    if "<" in text:
        text = _TAG.sub(lambda m: _TAG_REPLACEMENT[m.lastgroup or "drop"], text)
    if "&" in text:
        text = _ENTITY.sub(lambda m: html.unescape(m.group()), text)
    return text


def normalise_characters(text: str) -> str:
    """Straighten quotes, unify spaces and dashes in number ranges, drop invisible characters, NFC."""
    if "\u00ad" in text:
        text = _SOFT_HYPHEN_BREAK.sub("", text)
    text = text.translate(_CHAR_MAP)
    text = _DIGIT_DASH.sub("-", text)
    return unicodedata.normalize("NFC", text)


def collapse_spaces(text: str) -> str:
    """Collapse runs of spaces inside lines and strip spaces at both ends of every line."""
    return _LINE_EDGE_SPACE.sub("\n", _SPACES.sub(" ", text)).strip(" ")


def strip_markdown(text: str) -> str:
    """Remove heading markers at line starts and ** / __ emphasis markers around words."""
    if "#" in text:
        text = _HEADING.sub(r"\1", text)
    if "**" in text:
        text = _STRONG_STARS.sub(r"\1", text)
    if "__" in text:
        text = _STRONG_UNDERSCORES.sub(r"\1", text)
    return text


def join_hyphenated(text: str) -> str:
    """Join a word hyphenated at a line end with its lowercase continuation, keeping the hyphen."""
    return _HYPHEN_BREAK.sub("-", text) if "-\n" in text else text


def _kind(line: str) -> int:
    if not line:
        return _BLANK
    if _PAGE_MARKER.fullmatch(line):
        return _MARKER
    if _CASE_NUMBER_LINE.fullmatch(line):
        return _CASE_NUMBER
    return _TEXT


def _furniture_groups(lines: list[str], kinds: list[int]) -> list[list[int]]:
    """Find [start, end) runs of page furniture: blanks, markers and case numbers after a marker."""
    groups: list[list[int]] = []
    i, n = 0, len(lines)
    while i < n:
        if kinds[i] == _TEXT:
            i += 1
            continue
        j = i + 1
        while j < n and kinds[j] != _TEXT:
            j += 1
        first = next((k for k in range(i, j) if kinds[k] == _MARKER), None)
        if first is not None:
            # A case number *before* the first marker is content (e.g. under "Case Number:").
            groups.append([max([i] + [k + 1 for k in range(i, first) if kinds[k] == _CASE_NUMBER]), j])
        i = j
    return groups


def _drop_running_headers(lines: list[str], kinds: list[int], internal: list[list[int]]) -> None:
    """Extend each page break over short header lines that repeat right after every break."""
    for _ in range(3):
        if len(internal) < 2:
            return
        first = lines[internal[0][1]]
        if (
            len(first) > _MAX_HEADER_LEN
            or first.endswith(":")
            or any(lines[g[1]] != first for g in internal)
            or lines.count(first) > len(internal) + 1
        ):
            return
        for group in internal:
            end = group[1] + 1
            while end < len(lines) and kinds[end] != _TEXT:
                end += 1
            group[1] = end
        internal[:] = [g for g in internal if g[1] < len(lines)]


def _joinable(before: str, after: str) -> bool:
    return bool(before) and bool(after) and before[-1] not in _SENTENCE_END and after[0].islower()


def _join(before: str, after: str) -> str:
    if before.endswith("-") and len(before) > 1 and before[-2].isalpha():
        return before + after
    return before + " " + after


def remove_page_furniture(text: str) -> Normalised:
    """Drop page markers and running headers, rejoin split paragraphs and count the pages."""
    if not _ANY_PAGE_MARKER.search(text):
        return Normalised(text, 1)
    lines = text.split("\n")
    kinds = [_kind(line) for line in lines]
    groups = _furniture_groups(lines, kinds)
    first_text = next((k for k, kind in enumerate(kinds) if kind not in (_BLANK, _MARKER)), len(lines))
    internal = [g for g in groups if g[0] > first_text and g[1] < len(lines)]
    pages = len(internal) + 1
    _drop_running_headers(lines, kinds, internal)
    internal_ids = {id(g) for g in internal}

    out: list[str] = []
    pos = 0
    for group in groups:
        start, end = group
        if start < pos:  # swallowed by the previous break's running-header lines
            continue
        out.extend(lines[pos:start])
        pos = end
        if id(group) not in internal_ids or not out:
            continue
        after = lines[end]
        if _joinable(out[-1], after):
            out[-1] = _join(out[-1], after)
            pos = end + 1
        elif "" in lines[start:end]:
            out.append("")
    out.extend(lines[pos:])
    for line, kind in zip(lines, kinds):
        if kind == _MARKER and (m := _PAGE_OF.fullmatch(line)):
            page, total = (int(g) for g in m.groups() if g is not None)
            if page <= total:
                pages = max(pages, page)
    return Normalised("\n".join(out), pages)


def finish_blank_lines(text: str) -> str:
    """Collapse blank-line runs to one blank line; no blank lines at the ends; end with one newline."""
    text = _BLANK_RUN.sub("\n\n", text).strip("\n")
    return text + "\n" if text else ""


def normalise(raw: str, *, markup: bool = True) -> Normalised:
    """Apply every normalisation rule to extracted text; ``markup=False`` skips HTML tag removal."""
    text = normalise_newlines(raw)
    if markup:
        text = strip_tags(text)
    text = collapse_spaces(normalise_characters(text))
    text = strip_markdown(text)
    text, pages = remove_page_furniture(text)
    text = finish_blank_lines(join_hyphenated(text))
    return Normalised(text, pages)
