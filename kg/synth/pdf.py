"""A minimal PDF writer for synthetic letters: Type1 Helvetica, one text line per ``Td``/``Tj``, no dependency.

The page is US Letter with one-inch margins. The header table is laid out in two label/value columns
by position (as DWC's letters are, so that a reader must pair labels and values by their place, not by
the order of the text), and "Application Received:" may wrap inside its cell. Paragraphs are wrapped
with Helvetica's character widths; headings and item headings are kept on one page; every page has a
"Page N of M" footer and, after the first, the case number at the top.
"""
from __future__ import annotations

import random
from dataclasses import dataclass

from kg.synth.layouts import Block

_PAGE_W, _PAGE_H, _MARGIN = 612, 792, 72
_TOP, _BOTTOM = _PAGE_H - _MARGIN, _MARGIN + 10
_SIZE, _LEADING, _GAP = 10, 12.5, 8
# Helvetica advance widths (1/1000 em) for the printable ASCII characters, space first.
_ASCII_WIDTHS = (
    278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278, 278, *([556] * 10), 278, 278, 584, 584,
    584, 556, 1015, 667, 667, 722, 722, 667, 611, 778, 722, 278, 500, 667, 556, 833, 722, 778, 667, 778, 722, 667,
    611, 722, 667, 944, 667, 667, 611, 278, 278, 278, 469, 556, 333, 556, 556, 500, 556, 556, 278, 556, 556, 222,
    222, 500, 222, 833, 556, 556, 556, 556, 333, 500, 278, 556, 500, 722, 500, 500, 500, 334, 260, 334, 584)
_WIDTHS = {chr(32 + i): w for i, w in enumerate(_ASCII_WIDTHS)}
_WIDTHS.update({"\u2014": 1000, "\u2013": 556, "\u2018": 222, "\u2019": 222, "\u201c": 333, "\u201d": 333})


def text_width(text: str, size: float = _SIZE, bold: bool = False) -> float:
    """The width in points of ``text`` set in Helvetica (bold about 6% wider)."""
    units = sum(_WIDTHS.get(c, 556) for c in text)
    return units * size / 1000 * (1.06 if bold else 1.0)


@dataclass
class _Line:
    text: str
    x: float
    bold: bool = False


def _wrap(text: str, width: float, bold: bool = False) -> list[str]:
    lines: list[str] = []
    current: list[str] = []
    used = 0.0
    space = text_width(" ", bold=bold)
    for word in text.split(" "):
        size = text_width(word, bold=bold)
        if current and used + space + size > width:
            lines.append(" ".join(current))
            current, used = [word], size
        else:
            used += (space if current else 0.0) + size
            current.append(word)
    lines.append(" ".join(current))
    return lines


def _block_lines(block: Block, rng: random.Random) -> list[list[_Line]]:
    """The block as rows of positioned lines (a row is one baseline; header rows may hold several cells)."""
    width = _PAGE_W - 2 * _MARGIN
    kind = block.kind
    if kind == "marker":
        return [[_Line(block.text, _MARGIN, bold=True)]]
    if kind == "title":
        return [[_Line(line, _MARGIN, bold=True)] for line in block.entries]
    if kind == "header":
        return _header_rows(block, rng)
    if kind == "heading":
        return [[_Line(line, _MARGIN, bold=True)] for line in _wrap(block.text, width, bold=True)]
    if kind == "para":
        if block.label and block.own_line:
            below = [[_Line(line, _MARGIN)] for line in _wrap(block.text, width)]
            return [[_Line(block.label, _MARGIN, bold=True)], *below]
        body = f"{block.label} {block.text}" if block.label else block.text
        return [[_Line(line, _MARGIN)] for line in _wrap(body, width)]
    if kind == "item":
        if block.decision is None:
            return [[_Line(line, _MARGIN, bold=True)] for line in _wrap(block.text, width, bold=True)]
        if block.same_line:
            return [[_Line(line, _MARGIN)] for line in _wrap(f"{block.text}: {block.decision}", width)]
        return [[_Line(line, _MARGIN, bold=True)] for line in _wrap(block.text + ":", width, bold=True)] + \
            [[_Line(block.decision, _MARGIN)]]
    if kind == "list":
        rows = []
        for i, entry in enumerate(block.entries, 1):
            mark = f"{i}{block.numbered[-1]}" if block.numbered else "-"
            wrapped = _wrap(entry, width - 18)
            rows.append([_Line(mark, _MARGIN), _Line(wrapped[0], _MARGIN + 18)])
            rows.extend([[_Line(line, _MARGIN + 18)] for line in wrapped[1:]])
        return rows
    return [[_Line(line, _MARGIN)] for line in block.entries if line] or [[_Line("", _MARGIN)]]


def _header_rows(block: Block, rng: random.Random) -> list[list[_Line]]:
    columns = (_MARGIN, _MARGIN + 125, _MARGIN + 250, _MARGIN + 360)
    rows: list[list[_Line]] = []
    wrap_label = rng.random() < 0.5
    for row in block.rows:
        cells: list[_Line] = []
        extra: list[_Line] = []
        for index, (label, value) in enumerate(row):
            x_label, x_value = columns[2 * index], columns[2 * index + 1]
            if wrap_label and index == 1 and label == "Application Received:":
                cells.append(_Line("Application", x_label, bold=True))
                extra.append(_Line("Received:", x_label, bold=True))
            else:
                cells.append(_Line(label, x_label, bold=True))
            cells.append(_Line(value, x_value))
        rows.append(cells)
        if extra:
            rows.append(extra)
    return rows


def write_pdf(blocks: list[Block], case_number: str, rng: random.Random, title: str) -> bytes:
    """The letter as a PDF file."""
    pages: list[list[tuple[_Line, float]]] = [[]]
    y: float = _TOP
    for number, block in enumerate(blocks):
        rows = _block_lines(block, rng)
        height = len(rows) * _LEADING
        if number and y - height < _BOTTOM and (not block.split or y - 3 * _LEADING < _BOTTOM):
            pages.append([])
            y = _TOP - 2 * _LEADING
        for row in rows:
            if y - _LEADING < _BOTTOM:
                pages.append([])
                y = _TOP - 2 * _LEADING
            y -= _LEADING
            pages[-1].extend((line, y) for line in row)
        y -= _GAP
    return _document([_content(page, index, len(pages), case_number) for index, page in enumerate(pages, 1)], title)


def _escape(text: str) -> bytes:
    raw = text.encode("cp1252", errors="replace")
    return raw.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)")


def _content(placed: list[tuple[_Line, float]], number: int, total: int, case_number: str) -> bytes:
    ops: list[bytes] = []

    def show(text: str, x: float, y: float, font: str, size: float) -> None:
        ops.append(b"BT /%s %g Tf %.2f %.2f Td (" % (font.encode(), size, x, y) + _escape(text) + b") Tj ET")

    if number > 1:
        show(case_number, _MARGIN, _TOP, "F1", 9)
    for line, y in placed:
        if line.text:
            show(line.text, line.x, y, "F2" if line.bold else "F1", _SIZE)
    show(f"Page {number} of {total}", _PAGE_W / 2 - 25, _MARGIN / 2, "F1", 9)
    return b"\n".join(ops)


def _document(contents: list[bytes], title: str) -> bytes:
    """A PDF file with one page per content stream, Helvetica as F1 and Helvetica-Bold as F2."""
    objects: list[bytes] = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"",  # the page tree, filled in below
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica-Bold /Encoding /WinAnsiEncoding >>",
        b"<< /Producer (kg synth) /Title (" + _escape(title) + b") /Subject (SYNTHETIC LETTER - not a real "
        b"determination) >>",
    ]
    kids = []
    for content in contents:
        objects.append(b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream")
        objects.append(b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 %d %d] /Resources << /Font << /F1 3 0 R "
                       b"/F2 4 0 R >> >> /Contents %d 0 R >>" % (_PAGE_W, _PAGE_H, len(objects)))
        kids.append(len(objects))
    objects[1] = b"<< /Type /Pages /Kids [" + b" ".join(b"%d 0 R" % k for k in kids) + b"] /Count %d >>" % len(kids)
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R /Info 5 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)
