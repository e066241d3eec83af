"""PDF text through PDFium, laid out from the characters' positions rather than their stream order.

A letter's header is a two-column table: read in content-stream order its labels and values
interleave, so the page is rebuilt from each character's box instead. Characters are grouped into
lines by their vertical extent, each line is read left to right with spaces where the gaps are,
and a blank line marks a vertical gap wider than the usual line spacing (a new paragraph). Pages
are separated by form feeds, which the normaliser turns into page breaks.
"""
from __future__ import annotations

import ctypes
import re
import statistics
from typing import Any, NamedTuple

from kg.errors import ReadError

# Gaps are measured in units of the line's height (font ascent plus descent).
_WORD_GAP = 0.12
_COLUMN_GAP = 1.5
_PARAGRAPH_GAP = 0.55
_SAME_LINE = 0.45
_RUN = re.compile(r"[^\s\x00\uffff]+")


class _Word(NamedTuple):
    """A run of characters with no whitespace between them in the content stream, and its box."""

    text: str
    left: float
    bottom: float
    right: float
    top: float


def _box(textpage: object, raw: Any, index: int, box: Any) -> tuple[float, float, float, float] | None:
    if not raw.FPDFText_GetLooseCharBox(textpage, index, ctypes.byref(box)):
        return None
    if box.right - box.left <= 0 and box.top - box.bottom <= 0:
        return None
    return box.left, box.bottom, box.right, box.top


def _page_words(textpage: object, raw: Any) -> list[_Word]:
    """Every word of a page with its box; only a word's first and last characters are measured."""
    count = raw.FPDFText_CountChars(textpage)
    if count <= 0:
        return []
    buffer = (ctypes.c_ushort * (count + 1))()
    written = raw.FPDFText_GetText(textpage, 0, count, buffer)
    chars = bytes(buffer)[: 2 * max(written - 1, 0)].decode("utf-16-le", errors="replace")
    # PDFium reports a hyphen that breaks a word at a line end as U+FFFE (or STX in older builds).
    chars = chars.replace("\ufffe", "-").replace("\x02", "-")
    if len(chars) != count:  # characters outside the BMP: ask for each one
        chars = "".join(chr(raw.FPDFText_GetUnicode(textpage, i) or 0xFFFD) for i in range(count))
    box = raw.FS_RECTF()
    words: list[_Word] = []
    for run in _RUN.finditer(chars):
        a, b = run.span()
        first, last = _box(textpage, raw, a, box), _box(textpage, raw, b - 1, box)
        if first is None or last is None or not _one_line(first, last, b - a):
            words.extend(_split_run(textpage, raw, chars, a, b, box))
            continue
        words.append(_Word(run.group(), first[0], min(first[1], last[1]), last[2], max(first[3], last[3])))
    return words


def _one_line(first: tuple[float, float, float, float], last: tuple[float, float, float, float], length: int) -> bool:
    """True when a run's first and last characters sit on one line, no wider apart than its characters can be
    (a run that jumps to another column or line is measured character by character instead)."""
    height = max(first[3] - first[1], last[3] - last[1], 1.0)
    same_line = abs((first[1] + first[3]) - (last[1] + last[3])) / 2 <= _SAME_LINE * height
    return same_line and first[0] <= last[0] <= first[0] + length * 1.2 * height


def _split_run(textpage: object, raw: Any, chars: str, start: int, end: int, box: Any) -> list[_Word]:
    """A run whose ends are not on one line (or not measurable): measured character by character and cut
    where the position jumps."""
    words: list[_Word] = []
    current: list[str] = []
    left = bottom = right = top = 0.0
    for index in range(start, end):
        found = _box(textpage, raw, index, box)
        if found is None:
            continue
        height = max(top - bottom, found[3] - found[1], 1.0)
        jump = not current or abs((found[1] + found[3]) - (bottom + top)) / 2 > _SAME_LINE * height \
            or found[0] < left or found[0] - right > _WORD_GAP * height
        if jump and current:
            words.append(_Word("".join(current), left, bottom, right, top))
            current = []
        if not current:
            left, bottom, right, top = found
        else:
            bottom, right, top = min(bottom, found[1]), max(right, found[2]), max(top, found[3])
        current.append(chars[index])
    if current:
        words.append(_Word("".join(current), left, bottom, right, top))
    return words


def _lines(words: list[_Word]) -> list[list[_Word]]:
    """Words grouped into lines, top of the page first, each line left to right."""
    lines: list[list[_Word]] = []
    centre = height = 0.0
    for word in sorted(words, key=lambda w: -(w.bottom + w.top)):
        middle, size = (word.bottom + word.top) / 2, word.top - word.bottom
        if lines and abs(centre - middle) <= _SAME_LINE * max(size, height):
            lines[-1].append(word)
        else:
            lines.append([word])
            centre, height = middle, size
    return [sorted(line, key=lambda w: w.left) for line in lines]


def _line_text(line: list[_Word], height: float) -> str:
    out: list[str] = []
    last: _Word | None = None
    for word in line:
        if last is not None:
            if word.text == last.text and abs(word.left - last.left) < 0.25 * height:
                continue  # the same word drawn twice (simulated bold)
            out.append("\t" if word.left - last.right > _COLUMN_GAP * height else " ")
        out.append(word.text)
        last = word
    return "".join(out)


def layout_page(words: list[_Word]) -> str:
    """One page's text: lines top to bottom, a blank line where a paragraph gap is."""
    lines = _lines(words)
    if not lines:
        return ""
    bounds = [(min(w.bottom for w in line), max(w.top for w in line)) for line in lines]
    usual = statistics.median(top - bottom for bottom, top in bounds)
    out: list[str] = []
    for i, line in enumerate(lines):
        if i and bounds[i - 1][0] - bounds[i][1] > _PARAGRAPH_GAP * usual:
            out.append("")
        out.append(_line_text(line, bounds[i][1] - bounds[i][0]))
    return "\n".join(out)


def pdf_text(data: bytes, source: str) -> tuple[str, int]:
    """The laid-out text of every page (pages separated by form feeds) and the number of pages."""
    # Imported here so that reading text letters never pays for loading PDFium.
    import pypdfium2 as pdfium
    import pypdfium2.raw as raw

    try:
        document = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        reason = str(exc)
        if "password" in reason.lower():
            raise ReadError(f"{source}: PDF is encrypted with a password; cannot read it") from exc
        raise ReadError(f"{source}: PDF could not be read ({reason or 'damaged file'})") from exc
    pages: list[str] = []
    try:
        for number in range(len(document)):
            page = document[number]
            textpage = page.get_textpage()
            try:
                pages.append(layout_page(_page_words(textpage.raw, raw)))
            finally:
                textpage.close()
                page.close()
        count = len(document)
    except pdfium.PdfiumError as exc:
        raise ReadError(f"{source}: PDF could not be read ({exc})") from exc
    finally:
        document.close()
    if not any(page.strip() for page in pages):
        raise ReadError(f"{source}: PDF has no text layer (a scanned image?); run OCR on it first")
    return "\n\f\n".join(pages), count
