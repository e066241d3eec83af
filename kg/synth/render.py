"""Blocks of a synthetic letter written as Markdown, plain text or HTML bytes (PDF: :mod:`kg.synth.pdf`).

Each letter draws its own look: heading markup, the header table as tab-separated cells, a Markdown
table, one label per line or labels above their values; plain text wrapped at 80-100 columns with
"Page N of M" footers and the case number repeated after each page break (inside paragraphs and item
headings too), now and then a double space after a full stop, CRLF line ends, Windows-1252 encoding.
"""
from __future__ import annotations

import html
import random
from collections.abc import Callable

from kg.synth.layouts import Block


def wrap(text: str, width: int, indent: str = "") -> list[str]:
    """Greedy word wrap at spaces (words are never broken); continuation lines start with ``indent``."""
    lines: list[str] = []
    current = ""
    for word in text.split(" "):
        if not current:
            current = word
        elif len(current) + 1 + len(word) <= width:
            current += " " + word
        else:
            lines.append(current)
            current = indent + word
    lines.append(current)
    return lines


def _marker(block: Block, index: int) -> str:
    return f"{index}{block.numbered[-1]}" if block.numbered else "-"


# --- Markdown ----------------------------------------------------------------------------------------------


def markdown(blocks: list[Block], rng: random.Random) -> bytes:
    """The letter as Markdown (UTF-8)."""
    heading = rng.choice(("### ", "## ", "**", ""))
    bold = rng.choice(("**", "**", "<b>", ""))
    header = rng.choice(("tabs", "table", "lines"))

    def strong(text: str) -> str:
        return f"<b>{text}</b>" if bold == "<b>" else f"{bold}{text}{bold}"

    parts: list[str] = []
    for block in blocks:
        kind = block.kind
        if kind == "marker":
            parts.append(block.text)
        elif kind == "title":
            parts.extend(f"**{line}**" for line in block.entries)
        elif kind == "header":
            parts.append(_markdown_header(block, header, strong))
        elif kind == "heading":
            parts.append(f"**{block.text}**" if heading == "**" else heading + block.text)
        elif kind == "para":
            if block.label:
                parts.append(strong(block.label) + ("\n" if block.own_line else " ") + block.text)
            else:
                parts.append(block.text)
        elif kind == "item":
            if block.decision is None:
                parts.append(f"**{block.text}**")
            elif block.same_line:
                parts.append(f"{block.text}: {block.decision}")
            else:
                parts.append(f"**{block.text}:**  \n{block.decision}")
        elif kind == "list":
            parts.append("\n".join(f"{_marker(block, i)} {entry}" for i, entry in enumerate(block.entries, 1)))
        elif kind == "lines":
            parts.append("  \n".join(block.entries))
    return ("\n\n".join(parts) + "\n").encode("utf-8")


def _markdown_header(block: Block, style: str, bold: Callable[[str], str]) -> str:
    if style == "lines":
        return "  \n".join(f"{bold(label)} {value}" for row in block.rows for label, value in row)
    if style == "table":
        width = max(len(row) for row in block.rows) * 2
        lines = ["|" + " |" * width, "|" + "---|" * width]
        for row in block.rows:
            cells = [c for label, value in row for c in (bold(label), value)]
            cells += [""] * (width - len(cells))
            lines.append("| " + " | ".join(cells) + " |")
        return "\n".join(lines)
    return "\n".join("\t".join(f"{bold(label)}\t{value}" for label, value in row) for row in block.rows)


# --- plain text --------------------------------------------------------------------------------------------


def text(blocks: list[Block], rng: random.Random, case_number: str) -> bytes:
    """The letter as plain text: wrapped, with page footers; UTF-8 or Windows-1252, LF or CRLF."""
    width = rng.randint(80, 100)
    header = rng.choice(("columns", "lines", "stacked"))
    spaced = rng.random() < 0.3
    lines: list[str] = []
    header_end = 0
    for block in blocks:
        if lines:
            lines.append("")
        lines.extend(_text_block(block, width, header, rng))
        if block.kind == "header":
            header_end = len(lines)
    if spaced:
        lines = [line.replace(". ", ".  ") if rng.random() < 0.3 else line for line in lines]
    lines = _paginate(lines, header_end, rng.randint(46, 60), case_number, rng)
    body = ("\r\n" if rng.random() < 0.2 else "\n").join(lines) + "\n"
    if rng.random() < 0.3:
        return body.encode("cp1252", errors="replace")
    return body.encode("utf-8")


def _text_block(block: Block, width: int, header: str, rng: random.Random) -> list[str]:
    kind = block.kind
    if kind == "marker":
        return [block.text]
    if kind in ("title", "lines"):
        return list(block.entries)
    if kind == "header":
        if header == "stacked":
            return [line for row in block.rows for label, value in row for line in (label, value)]
        if header == "lines":
            return [f"{label:<24}{value}" for row in block.rows for label, value in row]
        return [("".join(f"{label:<24}{value:<20}" for label, value in row)).rstrip() for row in block.rows]
    if kind == "heading":
        words = block.text.split()
        if len(block.text) > 30 and rng.random() < 0.35:
            cut = max(2, len(words) // 2)
            return [" ".join(words[:cut]), " ".join(words[cut:])]
        return [block.text]
    if kind == "para":
        if block.label and block.own_line:
            return [block.label] + wrap(block.text, width)
        return wrap(f"{block.label} {block.text}" if block.label else block.text, width)
    if kind == "item":
        if block.decision is None:
            return wrap(block.text, width)
        if block.same_line:
            return wrap(f"{block.text}: {block.decision}", width)
        return wrap(block.text + ":", width) + [block.decision]
    if kind == "list":
        return [line for i, entry in enumerate(block.entries, 1)
                for line in wrap(f"{_marker(block, i)} {entry}", width, "   ")]
    return []


def _paginate(lines: list[str], start: int, per_page: int, case_number: str, rng: random.Random) -> list[str]:
    """Lines with a "Page N of M" footer and the case number after every ``per_page`` lines (not in the header)."""
    cuts = list(range(max(per_page, start + 1), len(lines) - 3, per_page))
    if not cuts:
        return lines
    total = len(cuts) + 1
    out: list[str] = []
    previous = 0
    for page, cut in enumerate(cuts, 1):
        out.extend(lines[previous:cut])
        furniture = [f"Page {page} of {total}", case_number]
        if not lines[cut - 1]:  # between paragraphs: the footer stands apart
            out.extend([*furniture, ""] if lines[cut] else furniture)
        elif not lines[cut]:
            out.extend(["", *furniture])
        else:  # inside a paragraph or heading: the footer interrupts it
            out.extend(furniture)
        previous = cut
    out.extend(lines[previous:])
    if rng.random() < 0.5:
        out.extend(["", f"Page {total} of {total}"])
    return out


# --- HTML --------------------------------------------------------------------------------------------------


def page(blocks: list[Block], rng: random.Random, title: str) -> bytes:
    """The letter as an HTML page (UTF-8)."""
    e = lambda value: html.escape(value, quote=False)
    heading = rng.choice(("h2", "h3"))
    parts = ["<!DOCTYPE html>", '<html lang="en">', "<head>", '<meta charset="utf-8">',
             '<meta name="generator" content="kg synth">', f"<title>{e(title)}</title>", "</head>", "<body>"]
    for block in blocks:
        kind = block.kind
        if kind == "marker":
            parts.append(f'<p class="synthetic">{e(block.text)}</p>')
        elif kind == "title":
            parts.append("<p><b>" + "</b><br>\n<b>".join(e(line) for line in block.entries) + "</b></p>")
        elif kind == "header":
            parts.append("<table>")
            parts.extend("<tr>" + "".join(f"<td><b>{e(label)}</b></td><td>{e(value)}</td>" for label, value in row)
                         + "</tr>" for row in block.rows)
            parts.append("</table>")
        elif kind == "heading":
            parts.append(f"<{heading}>{e(block.text)}</{heading}>")
        elif kind == "para":
            lead = "" if not block.label else f"<b>{e(block.label)}</b>" + ("<br>\n" if block.own_line else " ")
            parts.append(f"<p>{lead}{e(block.text)}</p>")
        elif kind == "item":
            if block.decision is None:
                parts.append(f"<p><b>{e(block.text)}</b></p>")
            else:
                parts.append(f"<p><b>{e(block.text)}:</b>{' ' if block.same_line else '<br>'}{e(block.decision)}</p>")
        elif kind == "list" and block.numbered:
            parts.extend(f"<p>{_marker(block, i)} {e(entry)}</p>" for i, entry in enumerate(block.entries, 1))
        elif kind == "list":
            parts.append("<ul>" + "".join(f"<li>{e(entry)}</li>" for entry in block.entries) + "</ul>")
        elif kind == "lines":
            parts.append("<p>" + "<br>\n".join(e(line) for line in block.entries) + "</p>")
    parts += ["</body>", "</html>"]
    return ("\n".join(parts) + "\n").encode("utf-8")
