"""Readers: turn a letter file's bytes into a LetterText, one reader per file suffix.

This module owns decoding (BOM, UTF-8, cp1252, binary detection), HTML and PDF text extraction,
the ``READERS`` registry, and the two entry points ``read_letter`` and ``read_bytes``.
"""
from __future__ import annotations

import codecs
import hashlib
import os
import re
import stat
import unicodedata
from html.parser import HTMLParser
from pathlib import Path
from typing import Protocol

from kg.errors import ReadError
from kg.letters.pdf import pdf_text
from kg.letters.text import LetterText, normalise


class Reader(Protocol):
    """The contract every reader meets: raw bytes and the source name in, a LetterText out."""

    def __call__(self, data: bytes, source: str) -> LetterText:
        """Read one letter's bytes; raise ReadError naming ``source`` on any problem."""
        ...


# Control bytes other than tab, newline, vertical tab, form feed and carriage return.
_CONTROL_BYTES = bytes([*range(0x00, 0x09), *range(0x0E, 0x20), 0x7F])
_NOT_CONTROL = bytes(b for b in range(256) if b not in _CONTROL_BYTES)
_MAX_CONTROL_SHARE = 0.05
_HTML_START = re.compile(r"\s*<(?:!doctype\s+html|html[\s>])", re.IGNORECASE)


#: The largest letter file read, in bytes, by kind (``KG_MAX_LETTER_MB`` sets the PDF limit; text is a tenth of
#: it). A determination letter is a few pages: tens of kilobytes of text, a few hundred of PDF. Anything much
#: larger is not one letter, and reading it would only hold the rest of the batch up.
def max_bytes(kind: str) -> int:
    """The size limit for a letter file of ``kind`` ("pdf" or "text")."""
    try:
        megabytes = float(os.environ.get("KG_MAX_LETTER_MB", "20"))
    except ValueError:
        megabytes = 20.0
    limit = int(megabytes * 1024 * 1024)
    return limit if kind == "pdf" else max(limit // 10, 1)


def check_size(size: int, source: str, suffix: str) -> None:
    """Refuse a letter file larger than :func:`max_bytes` allows for its kind, saying how large it is."""
    kind = "pdf" if suffix.lower().lstrip(".") == "pdf" else "text"
    limit = max_bytes(kind)
    if size > limit:
        raise ReadError(f"{source}: file is too large for one letter ({size / 1048576:.1f} MB; "
                        f"{'PDF' if kind == 'pdf' else 'text'} letters are read up to {limit / 1048576:.1f} MB, "
                        f"set by KG_MAX_LETTER_MB)")


def _utf16_without_bom(data: bytes) -> str | None:
    """"utf-16-le" or "utf-16-be" when the bytes look like UTF-16 text without a byte order mark (most
    characters ASCII, so every other byte is zero), else None."""
    sample = data[:4096]
    if len(sample) < 4:
        return None
    even, odd = sample[0::2], sample[1::2]
    zero_even, zero_odd = even.count(0) / len(even), odd.count(0) / len(odd)
    if zero_odd > 0.4 and zero_even < 0.05:
        return "utf-16-le"
    if zero_even > 0.4 and zero_odd < 0.05:
        return "utf-16-be"
    return None


def decode(data: bytes, source: str) -> tuple[str, str]:
    """Decode letter bytes as UTF-16 (with a byte order mark, or recognisably without one), UTF-8 (BOM or not)
    or cp1252 (which reads Latin-1 text too), and name the encoding; refuse binary."""
    utf16 = "utf-16" if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) else _utf16_without_bom(data)
    if utf16 is not None:
        text = data.decode(utf16, errors="replace").lstrip("\ufeff")
        # control characters, undecodable units, unassigned and private code points: what random bytes give
        odd = sum(1 for ch in text if (ord(ch) < 32 and ch not in "\t\n\r\f\v") or ch == "\ufffd"
                  or unicodedata.category(ch) in ("Cn", "Co", "Cs"))
        if "\x00" in text or odd > _MAX_CONTROL_SHARE * max(len(text), 1):
            raise ReadError(f"{source}: looks like binary data, not a text letter")
        return text, utf16
    controls = len(data.translate(None, _NOT_CONTROL))
    if b"\x00" in data or controls > _MAX_CONTROL_SHARE * len(data):
        raise ReadError(f"{source}: looks like binary data, not a text letter")
    if data.startswith(codecs.BOM_UTF8):
        return data[len(codecs.BOM_UTF8):].decode("utf-8", errors="replace"), "utf-8-sig"
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        # Five byte values are undefined in cp1252; a stray one should not make a letter unreadable.
        return data.decode("cp1252", errors="replace"), "cp1252"


def _letter(
    raw: str, data: bytes, source: str, fmt: str, encoding: str, *, markup: bool = True
) -> LetterText:
    text, pages = normalise(raw, markup=markup)
    if not text:
        raise ReadError(f"{source}: file contains no text")
    return LetterText(text, source, fmt, encoding, hashlib.sha256(data).hexdigest(), pages)


class _HTMLText(HTMLParser):
    """Collects the visible text of an HTML document with blocks as lines and cells as tabs."""

    _SKIP = frozenset({"script", "style", "head", "title", "noscript", "template"})
    _PARAGRAPH = frozenset("p h1 h2 h3 h4 h5 h6 table ul ol dl blockquote pre hr".split())
    _LINE = frozenset(
        "div tr li dt dd section article header footer main nav aside address figure figcaption caption"
        " form fieldset body html thead tbody tfoot".split()
    )
    _CELL = frozenset({"td", "th"})
    _HTML_SPACE = re.compile(r"[ \t\n\r\f]+")

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0
        self._pre = 0
        self._pending = 0  # newlines owed before the next text; block boundaries do not stack

    def _flush(self) -> None:
        if self._pending:
            self.parts.append("\n" * self._pending)
            self._pending = 0

    def _boundary(self, tag: str) -> None:
        if tag in self._PARAGRAPH:
            self._pending = max(self._pending, 2)
        elif tag in self._LINE:
            self._pending = max(self._pending, 1)
        elif tag in self._CELL:
            self._flush()
            self.parts.append("\t")

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "body":  # a <head> left unclosed must not hide the whole body
            self._skip = 0
        if tag in self._SKIP:
            self._skip += 1
        elif tag == "br":
            self._flush()
            self.parts.append("\n")
        else:
            if tag == "pre":
                self._pre += 1
            self._boundary(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        # <br/> must count once, not as an opening plus a closing tag.
        self.handle_starttag(tag, attrs)
        if tag in self._SKIP:
            self._skip -= 1

    def handle_endtag(self, tag: str) -> None:
        if tag in self._SKIP:
            self._skip = max(0, self._skip - 1)
        elif tag != "br":
            if tag == "pre":
                self._pre = max(0, self._pre - 1)
            self._boundary(tag)

    def handle_data(self, data: str) -> None:
        if self._skip:
            return
        if not self._pre:
            data = self._HTML_SPACE.sub(" ", data)
            if data == " " and (self._pending or not self.parts):
                return
        self._flush()
        self.parts.append(data)


def html_to_text(markup: str, source: str) -> str:
    """Extract the visible text of an HTML document as lines (blocks) and tab-separated cells."""
    parser = _HTMLText()
    try:
        parser.feed(markup)
        parser.close()
    except Exception as exc:  # html.parser is lenient, but must never let its own errors escape
        raise ReadError(f"{source}: HTML could not be parsed ({_describe(exc)})") from exc
    return "".join(parser.parts)


def _describe(exc: BaseException) -> str:
    return str(exc).strip() or type(exc).__name__


def _read_plain(data: bytes, source: str, fmt: str) -> LetterText:
    raw, encoding = decode(data, source)
    if _HTML_START.match(raw[:512]):
        # A saved web page with the wrong suffix is still a web page.
        return _letter(html_to_text(raw, source), data, source, "html", encoding, markup=False)
    return _letter(raw, data, source, fmt, encoding)


def read_text(data: bytes, source: str) -> LetterText:
    """Read a plain-text letter."""
    return _read_plain(data, source, "text")


def read_markdown(data: bytes, source: str) -> LetterText:
    """Read a Markdown letter."""
    return _read_plain(data, source, "markdown")


def read_html(data: bytes, source: str) -> LetterText:
    """Read an HTML letter through html.parser."""
    raw, encoding = decode(data, source)
    return _letter(html_to_text(raw, source), data, source, "html", encoding, markup=False)


def read_pdf(data: bytes, source: str) -> LetterText:
    """Read a PDF letter's text layer through PDFium, laid out from the characters' positions."""
    if b"%PDF-" not in data[:1024]:
        raise ReadError(f"{source}: PDF could not be read (no PDF header; is it really a PDF?)")
    raw, pages = pdf_text(data, source)
    text = normalise(raw).text
    if not text:
        raise ReadError(f"{source}: PDF has no text layer (a scanned image?); run OCR on it first")
    return LetterText(text, source, "pdf", "pdf", hashlib.sha256(data).hexdigest(), pages)


READERS: dict[str, Reader] = {
    ".txt": read_text,
    ".md": read_markdown,
    ".markdown": read_markdown,
    ".html": read_html,
    ".htm": read_html,
    ".pdf": read_pdf,
}
SUPPORTED_SUFFIXES: tuple[str, ...] = tuple(sorted(READERS))


def _reader_for(source: str, suffix: str) -> Reader:
    key = suffix.lower() if suffix.startswith(".") or not suffix else "." + suffix.lower()
    reader = READERS.get(key)
    if reader is None:
        shown = f"'{suffix}'" if suffix else "(no suffix)"
        raise ReadError(
            f"{source}: unsupported file type {shown} (expected one of {', '.join(SUPPORTED_SUFFIXES)})"
        )
    return reader


def read_bytes(data: bytes, source: str, suffix: str) -> LetterText:
    """Read a letter from bytes already in memory (e.g. an upload); ``suffix`` picks the reader."""
    reader = _reader_for(source, suffix)
    if not data:
        raise ReadError(f"{source}: file is empty")
    check_size(len(data), source, suffix)
    return reader(bytes(data), source)


def read_letter(path: str | os.PathLike[str]) -> LetterText:
    """Read one letter file of any supported type into normalised text."""
    source = os.fspath(path)
    file = Path(source)
    reader = _reader_for(source, file.suffix)
    try:
        status = file.stat()
        if stat.S_ISDIR(status.st_mode):
            raise IsADirectoryError(source)
        if not stat.S_ISREG(status.st_mode):  # a pipe or a device would block or never end
            raise ReadError(f"{source}: not a regular file (a pipe, socket or device); not read")
        check_size(status.st_size, source, file.suffix)
        data = file.read_bytes()
    except FileNotFoundError as exc:
        raise ReadError(f"{source}: no such file") from exc
    except IsADirectoryError as exc:
        raise ReadError(f"{source}: is a directory, not a file") from exc
    except PermissionError as exc:
        raise ReadError(f"{source}: permission denied") from exc
    except OSError as exc:
        raise ReadError(f"{source}: file could not be read ({exc.strerror or _describe(exc)})") from exc
    if not data:
        raise ReadError(f"{source}: file is empty")
    return reader(data, source)
