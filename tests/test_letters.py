"""Tests for kg.letters: reading letters of every format into one normalised text."""
from __future__ import annotations

import hashlib
import html
import random
import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import kg.letters
from tests.pdfs import pdf_file
from kg.errors import ReadError
from kg.letters import READERS, SUPPORTED_SUFFIXES, LetterText, read_bytes, read_letter
from kg.letters.text import normalise

DATA_DIR = Path(__file__).parent.parent / "letters"
SEED = DATA_DIR / "seed" / "CM14-0166055.md"
PDF = DATA_DIR / "pdf" / "CM15-0204518.pdf"
TEXT_LETTERS = sorted([*DATA_DIR.glob("seed/*.md"), *DATA_DIR.glob("dev/*.md"), *DATA_DIR.glob("dev/*.txt")])
ALL_LETTERS = [*TEXT_LETTERS, PDF]


def norm(text: str) -> str:
    """Normalise text and drop the page count."""
    return normalise(text).text


# --- the public surface -------------------------------------------------------------------------


def test_package_exports_the_public_api() -> None:
    """The package re-exports exactly the reader entry points, the record and the registry."""
    assert set(kg.letters.__all__) == {"read_letter", "read_bytes", "LetterText", "READERS", "SUPPORTED_SUFFIXES"}
    assert set(SUPPORTED_SUFFIXES) == set(READERS) == {".txt", ".md", ".markdown", ".html", ".htm", ".pdf"}
    assert all(callable(reader) for reader in READERS.values())


def test_letter_text_is_frozen() -> None:
    """A LetterText cannot be changed after it is made, so offsets into it stay valid."""
    letter = read_letter(SEED)
    with pytest.raises(AttributeError):
        letter.text = "changed"  # type: ignore[misc]


@pytest.mark.parametrize("path", ALL_LETTERS, ids=lambda p: p.name)
def test_every_sample_letter_reads_cleanly(path: Path) -> None:
    """Every bundled letter reads into clean text: no CR, tabs, trailing spaces or blank-line runs."""
    letter = read_letter(path)
    data = path.read_bytes()
    assert letter.source == str(path)
    assert letter.sha256 == hashlib.sha256(data).hexdigest()
    assert letter.text.endswith("\n") and not letter.text.startswith("\n")
    assert "\r" not in letter.text and "\t" not in letter.text and "\f" not in letter.text
    assert "\n\n\n" not in letter.text and "  " not in letter.text
    assert all(line == line.strip() for line in letter.text.split("\n"))
    assert not re.search(r"(?m)^Page \d+ of \d+$", letter.text)
    assert "<b>" not in letter.text and "**" not in letter.text and not re.search(r"(?m)^#", letter.text)


@pytest.mark.parametrize("path", ALL_LETTERS, ids=lambda p: p.name)
def test_normalising_twice_changes_nothing(path: Path) -> None:
    """Normalisation is idempotent on real letters."""
    text = read_letter(path).text
    assert norm(text) == text


@pytest.mark.parametrize(
    ("path", "fmt", "encoding", "pages"),
    [
        (SEED, "markdown", "utf-8", 1),
        (DATA_DIR / "dev" / "CM13-0009871.txt", "text", "utf-8", 3),
        (DATA_DIR / "dev" / "CM13-0034812.txt", "text", "utf-8", 4),
        (DATA_DIR / "dev" / "CM15-0157332.txt", "text", "utf-8", 1),
        (PDF, "pdf", "pdf", 2),
    ],
    ids=["seed-markdown", "2013-three-pages", "2013-four-pages", "crlf-labels", "pdf"],
)
def test_format_encoding_and_page_count(path: Path, fmt: str, encoding: str, pages: int) -> None:
    """Each reader reports its format, the encoding it used and the number of pages it found."""
    letter = read_letter(path)
    assert (letter.format, letter.encoding, letter.pages) == (fmt, encoding, pages)


def test_read_bytes_matches_read_letter() -> None:
    """Reading an upload's bytes gives the same result as reading the file from disk."""
    assert read_bytes(SEED.read_bytes(), str(SEED), ".md") == read_letter(SEED)
    assert read_bytes(SEED.read_bytes(), str(SEED), "MD") == read_letter(SEED)


# --- the sample letters' quirks -------------------------------------------------------------------


def test_seed_header_table_becomes_label_value_lines() -> None:
    """The seed's <b> labels and tab-separated header cells become one 'Label: value' line each."""
    text = read_letter(SEED).text
    assert text.startswith("Case Number: CM14-0166055\nDate Assigned: 10/13/2014 Date of Injury: 09/15/1997\n")
    assert "\nHOW THE IMR FINAL DETERMINATION WAS MADE\n" in text
    assert "\n24 Massage therapy sessions for the cervical spine (neck), 2 times a month for 12 months:\nUpheld\n" in text
    assert "\nDecision rationale: The CA MTUS" in text


def test_paragraph_split_by_page_header_is_rejoined() -> None:
    """A sentence broken by 'Page N of M' and the case-number header is joined back together."""
    letter = read_letter(DATA_DIR / "dev" / "CM13-0034812.txt")
    assert "He used a clinic\nTENS unit during physical therapy but has not had a home trial.\n" in letter.text
    assert "Continued long-term use is not supported.\n" in letter.text
    assert letter.text.count("CM13-0034812") == 1  # only the header's own mention survives


def test_page_header_between_paragraphs_leaves_one_blank_line() -> None:
    """Page furniture between paragraphs is removed and the paragraphs stay one blank line apart."""
    text = read_letter(DATA_DIR / "dev" / "CM13-0009871.txt").text
    assert "Division of Workers' Compensation\n\nINDEPENDENT MEDICAL REVIEW DECISION AND RATIONALE\n" in text
    assert "medically necessary\nand appropriate.\n\n2) Regarding the request" in text
    assert text.count("CM13-0009871") == 1


def test_labels_on_their_own_lines_stay_there() -> None:
    """Labels followed by their value on the next line keep that line break (CRLF file)."""
    text = read_letter(DATA_DIR / "dev" / "CM15-0157332.txt").text
    assert text.startswith("Case Number:\nCM15-0157332\nDate Assigned:\n08/11/2015\n")


def test_pdf_text_is_cleaned_and_rejoined() -> None:
    """The PDF's wide spaces collapse, its page footer goes and the split sentence is rejoined."""
    text = read_letter(PDF).text
    assert text.startswith("Case Number: CM15-0204518\nDate Assigned: 10/08/2015 Date of Injury: 09/03/2013\n")
    assert "Diagnoses include partial-thickness rotator cuff tear" in text
    assert "neurovascular dysfunction, failure to progress in a strengthening program" in text
    assert "MRI of the left shoulder:\nUpheld\n" in text
    assert text.count("CM15-0204518") == 1


def _markdown_as_html(markdown: str) -> str:
    """Render a seed-style Markdown letter as a web page: a header <table>, <h3> and <p> blocks."""
    body = []
    for block in re.split(r"\n\s*\n", markdown.strip()):
        lines = [line.rstrip() for line in block.split("\n")]
        if "\t" in block:
            rows = ("<tr>" + "".join(f"<td>{cell}</td>" for cell in line.split("\t")) + "</tr>" for line in lines)
            body.append("<table>\n" + "\n".join(rows) + "\n</table>")
        elif block.startswith("#"):
            body.append(f"<h3>{html.escape(block.lstrip('# '))}</h3>")
        else:
            paragraph = "<br>\n".join(re.sub(r"\*\*(.+?)\*\*", r"<strong>\1</strong>", html.escape(line)) for line in lines)
            body.append(f"<p>{paragraph}</p>")
    return (
        "<!DOCTYPE html><html><head><title>IMR</title><style>td { padding: 2px }</style></head>\n<body>\n"
        + "\n".join(body)
        + "\n<script>var x = '<p>not text</p>';</script></body></html>"
    )


def test_html_rendering_of_the_seed_reads_like_the_markdown() -> None:
    """An HTML page of the seed letter gives 'Case Number: CM14-0166055' on one line, same as the .md."""
    page = _markdown_as_html(SEED.read_text(encoding="utf-8"))
    letter = read_bytes(page.encode("utf-8"), "upload/CM14-0166055.html", ".html")
    assert letter.format == "html"
    assert "Case Number: CM14-0166055\n" in letter.text
    assert "not text" not in letter.text and "padding" not in letter.text and "IMR\n" not in letter.text
    assert letter.text == read_letter(SEED).text


def test_web_page_saved_as_txt_is_read_as_html() -> None:
    """A .txt file that is really an HTML document is parsed as HTML, not stripped as text."""
    page = "<html><head><title>t</title></head><body><p>A &amp; B</p><p>C</p></body></html>"
    letter = read_bytes(page.encode(), "x.txt", ".txt")
    assert (letter.format, letter.text) == ("html", "A & B\n\nC\n")


# --- normalisation rules, one at a time -----------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("a\r\nb\r\n", "a\nb\n"),
        ("a\rb\r", "a\nb\n"),
        ("a\u2028b\u2029c", "a\nb\nc\n"),
        ("\u2018yes\u2019 and \u201cno\u201d", "'yes' and \"no\"\n"),
        ("pain\u00a0rated\u20036/10", "pain rated 6/10\n"),
        ("pages 98\u201399 and 1\u20142", "pages 98-99 and 1-2\n"),
        ("back \u2013 neck", "back \u2013 neck\n"),
        ("hyper\u00adtension", "hypertension\n"),
        ("caf\u0065\u0301", "caf\u00e9\n"),
        ("a\tb\t\tc", "a b c\n"),
        ("\ufb01brosis", "fibrosis\n"),
    ],
    ids=["crlf", "cr", "unicode-separators", "smart-quotes", "unicode-spaces", "dash-between-digits",
         "dash-between-words-kept", "soft-hyphen", "nfc", "tabs", "ligature"],
)
def test_line_endings_and_characters(raw: str, expected: str) -> None:
    """Line endings, quotes, spaces, dashes in number ranges and Unicode forms are unified."""
    assert norm(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("<b>Case Number:</b> CM1", "Case Number: CM1\n"),
        ("<strong>A</strong> <i>b</i> <u>c</u> <em>d</em>", "A b c d\n"),
        ('<span class="x">text</span>', "text\n"),
        ("Upheld<br>Next<br/>Last", "Upheld\nNext\nLast\n"),
        ("A &amp; B&nbsp;C &#39;q&#39; &lt;5", "A & B C 'q' <5\n"),
        ("pain < 5 and <5 mg, R&D", "pain < 5 and <5 mg, R&D\n"),
        ("### CLINICAL CASE SUMMARY\n\ntext", "CLINICAL CASE SUMMARY\n\ntext\n"),
        ("# One\n## Two ##\n###### Six", "One\nTwo\nSix\n"),
        ("cyclobenzaprine #60\n#60 tablets", "cyclobenzaprine #60\n#60 tablets\n"),
        ("**Decision rationale:** The", "Decision rationale: The\n"),
        ("__Upheld__", "Upheld\n"),
        ("my__snake__case and 2**3**4", "my__snake__case and 2**3**4\n"),
    ],
    ids=["bold-tag", "inline-tags", "tag-with-attributes", "br", "entities", "not-tags", "heading",
         "heading-levels", "hash-not-heading", "bold-stars", "bold-underscores", "not-emphasis"],
)
def test_markup_is_removed_in_any_format(raw: str, expected: str) -> None:
    """HTML tags, entities, Markdown headings and bold markers go; look-alikes in text stay."""
    assert norm(raw) == expected
    assert read_bytes(raw.encode(), "x.txt", ".txt").text == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("  a   b  \n  c\t\n", "a b\nc\n"),
        ("\n\n\na\n\n\n\nb\n\n\n", "a\n\nb\n"),
        ("a\n \n\t\nb", "a\n\nb\n"),
        ("MRI of the left shoulder:\nUpheld", "MRI of the left shoulder:\nUpheld\n"),
    ],
    ids=["spaces", "blank-runs", "whitespace-only-lines", "single-breaks-kept"],
)
def test_whitespace(raw: str, expected: str) -> None:
    """Spaces collapse, lines are trimmed, blank-line runs become one, single breaks stay."""
    assert norm(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected", "pages"),
    [
        ("One.\n\nPage 2 of 3\nCM13-0009871\n\nTwo.\n", "One.\n\nTwo.\n", 2),
        ("One.\nPage 2\nTwo.", "One.\nTwo.\n", 2),
        ("One.\n- 2 -\nTwo.", "One.\nTwo.\n", 2),
        ("One.\n2 of 3\nTwo.", "One.\nTwo.\n", 2),
        ("One.\n\f\nTwo.", "One.\nTwo.\n", 2),
        ("One.\n\nPage 1 of 2\n\n\fCM15-0204518\n\nTwo.\n\nPage 2 of 2\n\n\f", "One.\n\nTwo.\n", 2),
        ("Case Number:\nCM15-0157332\n\nText.", "Case Number:\nCM15-0157332\n\nText.\n", 1),
        ("Case Number:\nCM15-0157332\nPage 1 of 2\nText.", "Case Number:\nCM15-0157332\nText.\n", 2),
        ("Page(s): 58-59.\n4/5 strength", "Page(s): 58-59.\n4/5 strength\n", 1),
    ],
    ids=["marker-and-case-header", "page-n", "dashed-number", "n-of-m", "form-feed", "pdf-footers",
         "header-case-number-kept", "case-number-before-marker-kept", "not-markers"],
)
def test_page_furniture_is_removed_and_pages_counted(raw: str, expected: str, pages: int) -> None:
    """Page markers and case-number running headers go; the header's own case number stays."""
    assert normalise(raw) == (expected, pages)


def test_repeated_running_header_after_every_page_marker_is_removed() -> None:
    """A short line repeated right after every page marker is a running header and is removed."""
    raw = (
        "Notice of IMR Determination\nFirst page.\n\nPage 2 of 3\nNotice of IMR Determination\n\n"
        "Second page.\n\nPage 3 of 3\nNotice of IMR Determination\n\nThird page.\n"
    )
    assert normalise(raw) == ("Notice of IMR Determination\nFirst page.\n\nSecond page.\n\nThird page.\n", 3)


def test_line_repeated_after_only_one_page_marker_is_kept() -> None:
    """With a single page break a following line cannot be told from content, so it stays."""
    raw = "First page.\n\nPage 2 of 2\nSecond page starts.\n"
    assert norm(raw) == "First page.\n\nSecond page starts.\n"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("a clinic TENS unit but has\n\nPage 3 of 4\nCM13-0034812\n\nnot had a home trial.\n",
         "a clinic TENS unit but has not had a home trial.\n"),
        ("ends here.\n\nPage 2 of 3\n\nnew paragraph.\n", "ends here.\n\nnew paragraph.\n"),
        ("HEADING\n\nPage 2 of 3\n\nThe text.\n", "HEADING\n\nThe text.\n"),
        ("a partial-\n\nPage 2 of 3\n\nthickness tear\n", "a partial-thickness tear\n"),
        ("one, two,\nPage 2 of 4\nthree,\nPage 3 of 4\nfour.\n", "one, two, three, four.\n"),
    ],
    ids=["mid-sentence", "after-full-stop", "before-capital", "hyphenated-across-pages", "two-breaks"],
)
def test_paragraph_broken_by_page_is_rejoined(raw: str, expected: str) -> None:
    """Text split by a page break mid-sentence (lowercase continuation) is joined with one space."""
    assert norm(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("a partial-\nthickness tear", "a partial-thickness tear\n"),
        ("see the well-\nKnown case", "see the well-\nKnown case\n"),
        ("case CM13-\n0009871", "case CM13-\n0009871\n"),
        ("the list -\nitem", "the list -\nitem\n"),
    ],
    ids=["joined", "capital-next", "digit-next", "spaced-dash"],
)
def test_word_hyphenated_at_line_end(raw: str, expected: str) -> None:
    """A letter + '-' at a line end joins a lowercase next line, keeping the hyphen; nothing else."""
    assert norm(raw) == expected


# --- decoding ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "encoding"),
    [
        ("\u201cCase\u201d caf\u00e9".encode("utf-8"), "utf-8"),
        (b"\xef\xbb\xbf" + "\u201cCase\u201d caf\u00e9".encode("utf-8"), "utf-8-sig"),
        ("\u201cCase\u201d caf\u00e9".encode("cp1252"), "cp1252"),
        ('"Case" caf\u00e9'.encode("latin-1"), "cp1252"),
        ("\u201cCase\u201d caf\u00e9".encode("utf-16"), "utf-16"),
        (b"\xfe\xff" + "\u201cCase\u201d caf\u00e9".encode("utf-16-be"), "utf-16"),
        ("\u201cCase\u201d caf\u00e9".encode("utf-16-le"), "utf-16-le"),
        ("\u201cCase\u201d caf\u00e9".encode("utf-16-be"), "utf-16-be"),
    ],
    ids=["utf-8", "bom", "cp1252", "latin-1", "utf-16-bom-le", "utf-16-bom-be", "utf-16-le", "utf-16-be"],
)
def test_decoding(data: bytes, encoding: str) -> None:
    """UTF-8 with or without BOM, Windows cp1252 (and Latin-1 text, which it reads alike) and UTF-16 with or
    without a byte order mark all decode to the same text."""
    letter = read_bytes(data, "x.txt", ".txt")
    assert (letter.text, letter.encoding) == ('"Case" caf\u00e9\n', encoding)


# --- errors --------------------------------------------------------------------------------------


def test_a_file_too_large_for_a_letter_is_refused_before_it_is_read(tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """A text file past a tenth of KG_MAX_LETTER_MB (a PDF past the whole of it) is refused by its size, named,
    with the limit and the setting that moves it; a smaller one is read."""
    monkeypatch.setenv("KG_MAX_LETTER_MB", "1")
    big = tmp_path / "big.txt"
    big.write_bytes(b"CM16-0000001 words " * 8_000)  # 152,000 bytes: over 0.1 MB
    with pytest.raises(ReadError) as caught:
        read_letter(big)
    assert str(caught.value).startswith(f"{big}: file is too large for one letter (0.1 MB; text letters are read "
                                        "up to 0.1 MB, set by KG_MAX_LETTER_MB)")
    with pytest.raises(ReadError, match="too large"):
        read_bytes(big.read_bytes(), "upload.md", ".md")
    with pytest.raises(ReadError, match="PDF letters are read up to 1.0 MB"):
        read_bytes(b"%PDF-1.4\n" + bytes(1_100_000), "big.pdf", ".pdf")
    monkeypatch.setenv("KG_MAX_LETTER_MB", "20")
    assert "CM16-0000001" in read_letter(big).text


def _minimal_pdf_without_text() -> bytes:
    """Build a valid one-page PDF with no text layer, like a scan without OCR."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << >> >>",
        b"<< /Length 0 >>\nstream\n\nendstream",
    ]
    return pdf_file(objects)


@pytest.mark.parametrize(
    ("name", "data", "suffix", "problem"),
    [
        ("letters/x.txt", b"", ".txt", "file is empty"),
        ("letters/x.bin", b"hello", ".bin", "unsupported file type '.bin' (expected one of .htm, .html, .markdown, .md, .pdf, .txt)"),
        ("letters/x", b"hello", "", "unsupported file type (no suffix)"),
        ("x.txt", b"CM13\x00\x00\x01\x02binary", ".txt", "looks like binary data, not a text letter"),
        ("x.txt", random.Random(7).randbytes(2048), ".txt", "looks like binary data"),
        ("x.txt", b"\xff\xfe" + random.Random(9).randbytes(2048), ".txt", "looks like binary data"),
        ("x.md", b"  \r\n\t\r\n", ".md", "file contains no text"),
        ("x.pdf", random.Random(3).randbytes(2048), ".pdf", "PDF could not be read"),
        ("x.pdf", b"%PDF-1.4\n" + random.Random(5).randbytes(2048), ".pdf", "PDF could not be read"),
        ("x.pdf", _minimal_pdf_without_text(), ".pdf", "PDF has no text layer (a scanned image?)"),
    ],
    ids=["empty", "unknown-suffix", "no-suffix", "nul-bytes", "random-bytes", "utf-16-binary", "blank-text",
         "corrupt-pdf", "corrupt-pdf-with-header", "pdf-without-text"],
)
def test_read_bytes_errors_name_the_file_and_the_problem(name: str, data: bytes, suffix: str, problem: str) -> None:
    """Every failure is a ReadError whose message starts with the source name and says what is wrong."""
    with pytest.raises(ReadError) as caught:
        read_bytes(data, name, suffix)
    assert str(caught.value).startswith(f"{name}: ")
    assert problem in str(caught.value)


@pytest.mark.parametrize(
    ("name", "content", "problem"),
    [
        ("x.txt", None, "no such file"),
        ("x.txt", b"", "file is empty"),
        ("x.bin", b"text", "unsupported file type '.bin'"),
        ("x.pdf", random.Random(11).randbytes(512), "PDF could not be read"),
    ],
    ids=["missing", "empty", "unknown-suffix", "corrupt-pdf"],
)
def test_read_letter_errors_name_the_file(tmp_path: Path, name: str, content: bytes | None, problem: str) -> None:
    """Reading from disk reports a missing, empty, unsupported or corrupt file by its path."""
    path = tmp_path / name
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(ReadError) as caught:
        read_letter(path)
    assert str(caught.value) == f"{path}: {problem}" or str(caught.value).startswith(f"{path}: {problem}")


def test_directory_is_reported_not_raised_as_oserror(tmp_path: Path) -> None:
    """A directory given in place of a letter file gives a ReadError, not an OSError."""
    folder = tmp_path / "letters.txt"
    folder.mkdir()
    with pytest.raises(ReadError, match="is a directory"):
        read_letter(folder)


# --- properties ----------------------------------------------------------------------------------

_LETTER_TEXTS = {path.name: path.read_text(encoding="utf-8") for path in TEXT_LETTERS}
_LABEL = re.compile(r"(?m)(?:^|(?<=\t))([A-Z][A-Za-z()/' ]{1,60}:)(?=[ \t]|$)")
_WRAPPERS = [("", ""), ("**", "**"), ("<b>", "</b>"), ("<strong>", "</strong>")]


def _perturb(text: str, rnd: random.Random) -> str:
    """Re-mark labels, scatter spaces and tabs, double blank lines and use smart quotes and dashes."""
    text = re.sub(r"</?b>|\*\*", "", text)
    text = _LABEL.sub(lambda m: "{0}{2}{1}".format(*rnd.choice(_WRAPPERS), m.group(1)), text)
    text = re.sub(r"(?<=\d)-(?=\d)", lambda m: rnd.choice(["-", "\u2013"]), text)
    text = re.sub(r"'", lambda m: rnd.choice(["'", "\u2019"]), text)
    text = re.sub(r'"', lambda m: rnd.choice(['"', "\u201c", "\u201d"]), text)
    text = re.sub(r" ", lambda m: rnd.choice([" "] * 20 + ["  ", "\t", "\u00a0"]), text)
    lines = []
    for line in text.split("\n"):
        if not line.strip():
            lines.extend([rnd.choice(["", " ", "\t"])] * rnd.randint(1, 3))
        else:
            lines.append(rnd.choice(["", "", " ", "\t"]) + line + rnd.choice(["", "", " ", "  ", "\t", " \t"]))
    return rnd.choice(["\n", "\r\n", "\r"]).join(lines)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(name=st.sampled_from(sorted(_LETTER_TEXTS)), rnd=st.randoms(use_true_random=False),
       encoding=st.sampled_from(["utf-8", "utf-8-sig", "cp1252"]))
def test_normalised_text_ignores_layout_markup_and_encoding(name: str, rnd: random.Random, encoding: str) -> None:
    """Line endings, stray spaces/tabs, blank lines, bold markup, quotes and encoding do not change the text."""
    original = _LETTER_TEXTS[name]
    suffix = Path(name).suffix
    expected = read_bytes(original.encode("utf-8"), name, suffix)
    perturbed = _perturb(original, rnd)
    got = read_bytes(perturbed.encode(encoding), name, suffix)
    assert got.text == expected.text
    assert got.pages == expected.pages


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=300))
def test_any_text_normalises_to_clean_lines(raw: str) -> None:
    """Whatever the input, the output has no CR, tabs, edge spaces, blank-line runs or form feeds."""
    text, pages = normalise(raw)
    assert pages >= 1
    assert not set(text) & {"\r", "\t", "\f", "\u2028", "\u2029", "\x85"}
    assert "\n\n\n" not in text and not text.startswith("\n")
    assert all(line == line.strip() for line in text.split("\n"))
    assert text == "" or text.endswith("\n") and not text.endswith("\n\n")


@settings(max_examples=300, deadline=None)
@given(data=st.binary(max_size=400), suffix=st.sampled_from(SUPPORTED_SUFFIXES))
def test_arbitrary_bytes_give_a_letter_or_a_read_error(data: bytes, suffix: str) -> None:
    """No exception other than ReadError escapes a reader, whatever bytes it is given."""
    try:
        letter = read_bytes(data, "upload" + suffix, suffix)
    except ReadError as exc:
        assert str(exc).startswith("upload" + suffix + ": ")
    else:
        assert isinstance(letter, LetterText) and letter.text
