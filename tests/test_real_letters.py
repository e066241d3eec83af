"""The real DWC letters (``../shared/letters/real``): gold letters at their gold, floors on all 166 PDFs.

The folder sits beside the repository (CI checks it out as ``../shared``) and is never copied into it.
Its 30 letters with a ``NAME.gold.json`` are held to their gold: header fields, item count, decisions and
reviewer specialties exactly, the other fields to a per-letter floor of the library's scores. All 166 PDFs
(the gold letters and ``unlabelled/``) are held to coverage floors: every header field, dates in order,
items with decisions, specialties from the vocabulary, no errors. Gaps that are known are listed in
KNOWN_GAPS, which must stay exact. The last part checks how the PDF reader handles these letters (a
two-column header table, a wrapped label, AES encryption with a "no copy" flag) and PDFs it cannot read.
"""
from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from kg.errors import ReadError
from kg.evaluation import FieldScore, LetterResult, evaluate, find_gold_letters
from kg.evaluation_match import ITEM_FIELDS
from kg.letters import read_bytes, read_letter
from kg.pipeline import extract_file
from kg.record import HEADER_FIELDS, CaseRecord
from kg.survey import DATE_ORDER
from tests.pdfs import pdf_file as _pdf

REAL = Path(__file__).resolve().parents[2] / "shared" / "letters" / "real"
MISSING_MESSAGE = (f"the real letters are missing: {REAL} does not exist. Check out the shared folder beside "
                   "the repository (../shared/letters/real) to run these tests.")
GOLD_LETTERS = 30   # NAME.pdf + NAME.gold.json in the folder itself
ALL_LETTERS = 166   # the gold letters and unlabelled/*.pdf

# Scored by `test_*_match_gold` exactly; the rest of the fields are held to the floors below.
EXACT_FIELDS = (*HEADER_FIELDS, "item_count", "decision", "reviewer_specialties")

# Micro F1 over every field the library scores for one letter. Measured: 1.0 on 11 letters, lowest
# 0.826 (CM16-0231884), next 0.897 (CM17-0007376); the misses are diagnoses, ICD-10-CM codes and prior
# treatments. The floor is 0.85 except for the letters listed, each with its own floor.
MIN_LETTER_F1 = 0.85
LETTER_F1_FLOORS = {
    # measured 0.826: the letter misspells both of its anxiety diagnoses (the gold fixes the typos), so
    # two diagnoses and three ICD-10-CM codes are missed.
    "CM16-0231884": 0.80,
}
# Micro F1 over the item fields only (request, treatment, category, body regions, laterality, quantity,
# decision, citations). Measured: 1.0 on 29 letters, lowest 0.983 (CM16-0245466, two items' region missed).
MIN_ITEM_FIELDS_F1 = 0.95

# Whole set, as `kg eval ../shared/letters/real --min 0.95`: every field's precision and recall reach
# MIN_FIELD_SCORE except these, each held to its own (precision, recall) floor. Measured over the 30
# letters: icd10 0.873 / 0.795 (codes the code set has since split, sides the gold took from elsewhere in the
# letter, sprain or strain, diagnoses the summary words loosely); every other field reaches 0.95 (diagnoses
# 0.964 / 0.976, prior treatments 0.963 / 0.988, body regions 1.0 / 0.964).
MIN_FIELD_SCORE = 0.95
LOW_FIELDS = {
    "icd10": (0.86, 0.78),
}

# Coverage gaps on the 166 letters that are known and accepted for now, as (check, file name, field, value).
# None today. Each coverage test compares the gaps it finds with its own entries here *exactly*: a new gap
# fails it, and so does a gap that has been fixed, until this set is updated.
KNOWN_GAPS: frozenset[tuple[str, str, str, str]] = frozenset()

# A header label, the field it fills and the pattern of the value written right after it.
_DATE = r"\d{2}/\d{2}/\d{4}"
HEADER_LABELS = [
    pytest.param("Case Number", "case_number", r"CM\d{2}-\d{7}", id="case-number"),
    pytest.param("Date Assigned", "date_assigned", _DATE, id="date-assigned"),
    pytest.param("Date of Injury", "date_of_injury", _DATE, id="date-of-injury"),
    pytest.param("Decision Date", "decision_date", _DATE, id="decision-date"),
    pytest.param("UR Denial Date", "ur_denial_date", _DATE, id="ur-denial-date"),
    pytest.param("Priority", "priority", r"[A-Z][a-z]+", id="priority"),
]
# "Application Received:" is laid out as "Application <date>" with "Received:" on the next line.
APPLICATION_RECEIVED = re.compile(rf"(?m)^Priority: \S+ Application ({_DATE})\nReceived:$"
                                  rf"|Application Received: ({_DATE})")
# PDF permission bit 5 (counting from 1): copying text and graphics is allowed.
PERMISSION_COPY = 1 << 4


def _require_real() -> None:
    if not REAL.is_dir():
        pytest.fail(MISSING_MESSAGE, pytrace=False)


def _gold_cases() -> list[Any]:
    """One parameter per gold letter (its case number); one failing parameter when the folder is missing."""
    if not REAL.is_dir():
        return [pytest.param("", id="real-letters-missing")]
    return [pytest.param(letter.stem, id=letter.stem) for letter, _ in find_gold_letters([REAL])]


@dataclass
class GoldLetter:
    """A gold letter: its record, its gold and the library's scores of the one against the other."""

    record: CaseRecord
    gold: dict[str, Any]
    result: LetterResult


@pytest.fixture(scope="module")
def records() -> dict[str, CaseRecord]:
    """Every real PDF read and extracted once, by file name (``unlabelled/`` included)."""
    _require_real()
    return {path.name: extract_file(path) for path in sorted(REAL.rglob("*.pdf"))}


@pytest.fixture(scope="module")
def gold_letters(records: dict[str, CaseRecord]) -> dict[str, GoldLetter]:
    """The gold letters by case number, scored with the library's scorer."""
    pairs = find_gold_letters([REAL])
    golds = [json.loads(gold.read_text(encoding="utf-8")) for _, gold in pairs]
    report = evaluate((records[letter.name].to_dict(), gold, str(letter), str(gold_path))
                      for (letter, gold_path), gold in zip(pairs, golds))
    return {letter.stem: GoldLetter(records[letter.name], gold, result)
            for (letter, _), gold, result in zip(pairs, golds, report.letters)}


def _micro(result: LetterResult, fields: tuple[str, ...] | None = None) -> FieldScore:
    total = FieldScore("micro")
    for name, score in result.scores.items():
        if fields is None or name in fields:
            total.add(score)
    return total


def _iso(date: str) -> str:
    return datetime.strptime(date, "%m/%d/%Y").date().isoformat()


def _assert_gaps(check: str, found: set[tuple[str, str, str, str]]) -> None:
    """The gaps a check found are exactly the known ones for that check."""
    known = {gap for gap in KNOWN_GAPS if gap[0] == check}
    new, fixed = sorted(found - known), sorted(known - found)
    assert not new and not fixed, (
        f"{check}: " + "".join(f"\n  new gap (file, field, value): {gap[1:]}" for gap in new)
        + "".join(f"\n  fixed, remove from KNOWN_GAPS: {gap[1:]}" for gap in fixed))


# --- the folder -----------------------------------------------------------------------------------


def test_the_real_letters_are_beside_the_repository() -> None:
    """The shared folder holds the 30 gold letters and 166 PDFs in all; without it these tests fail."""
    assert REAL.is_dir(), MISSING_MESSAGE
    assert len(find_gold_letters([REAL])) == GOLD_LETTERS
    assert len(sorted(REAL.rglob("*.pdf"))) == ALL_LETTERS


# --- the gold letters at their gold ---------------------------------------------------------------


@pytest.mark.parametrize("case", _gold_cases())
def test_header_fields_match_gold(gold_letters: dict[str, GoldLetter], case: str) -> None:
    """Case number, the five dates and the priority are exactly the gold's."""
    letter = gold_letters[case]
    assert {name: getattr(letter.record, name) for name in HEADER_FIELDS} == {
        name: letter.gold[name] for name in HEADER_FIELDS}


@pytest.mark.parametrize("case", _gold_cases())
def test_items_and_decisions_match_gold(gold_letters: dict[str, GoldLetter], case: str) -> None:
    """The letter has as many disputed items as the gold, with the gold's decisions in the same order."""
    letter = gold_letters[case]
    assert len(letter.record.items) == len(letter.gold["items"])
    assert [item.decision for item in letter.record.items] == [
        item["decision"] for item in letter.gold["items"]]


@pytest.mark.parametrize("case", _gold_cases())
def test_reviewer_specialties_match_gold(gold_letters: dict[str, GoldLetter], case: str) -> None:
    """The reviewer's specialties are the gold's vocabulary labels, in the letter's order."""
    letter = gold_letters[case]
    assert letter.record.reviewer_specialties == letter.gold["reviewer_specialties"]


@pytest.mark.parametrize("case", _gold_cases())
def test_letter_scores_reach_their_floor(gold_letters: dict[str, GoldLetter], case: str) -> None:
    """Scored by the library, the letter's micro F1 reaches its floor and its item fields reach 0.95."""
    result = gold_letters[case].result
    assert set(EXACT_FIELDS) <= set(result.scores)
    floor = LETTER_F1_FLOORS.get(case, MIN_LETTER_F1)
    assert _micro(result).f1 >= floor, "\n".join(result.mismatches)
    assert _micro(result, ITEM_FIELDS).f1 >= MIN_ITEM_FIELDS_F1, "\n".join(result.mismatches)


def test_letter_floors_name_gold_letters(gold_letters: dict[str, GoldLetter]) -> None:
    """Every letter given its own floor is a gold letter, and its floor is under the common one."""
    assert set(LETTER_F1_FLOORS) <= set(gold_letters)
    assert all(floor < MIN_LETTER_F1 for floor in LETTER_F1_FLOORS.values())


def test_every_field_reaches_the_threshold_over_the_gold_letters(
        gold_letters: dict[str, GoldLetter]) -> None:
    """Over all 30 letters every field's precision and recall reach 0.95, except LOW_FIELDS' own floors."""
    report = evaluate((g.record.to_dict(), g.gold, g.record.source, "") for g in gold_letters.values())
    assert len(report.letters) == GOLD_LETTERS
    assert set(report.below(MIN_FIELD_SCORE)) <= set(LOW_FIELDS), {
        name: (round(s.precision, 3), round(s.recall, 3)) for name, s in report.totals.items()
        if name in report.below(MIN_FIELD_SCORE)}
    for name, (precision, recall) in LOW_FIELDS.items():
        score = report.totals[name]
        assert (score.precision >= precision, score.recall >= recall) == (True, True), (
            f"{name}: precision {score.precision:.3f} (floor {precision}), "
            f"recall {score.recall:.3f} (floor {recall})")


# --- coverage floors on all 166 letters -----------------------------------------------------------


def test_every_letter_has_every_header_field(records: dict[str, CaseRecord]) -> None:
    """Case number, the five dates and the priority are found in every letter."""
    assert len(records) == ALL_LETTERS
    _assert_gaps("header", {("header", name, field, repr(getattr(record, field)))
                            for name, record in records.items() for field in HEADER_FIELDS
                            if not getattr(record, field)})


def test_dates_are_in_order(records: dict[str, CaseRecord]) -> None:
    """Injury, UR denial, application received, assignment and decision follow each other (present ones)."""
    gaps = set()
    for name, record in records.items():
        present = [(field, value) for field in DATE_ORDER if (value := getattr(record, field))]
        for i, (earlier, first) in enumerate(present):
            for later, second in present[i + 1:]:
                if first > second:
                    gaps.add(("dates", name, f"{earlier} > {later}", f"{first} > {second}"))
    _assert_gaps("dates", gaps)


def test_every_letter_has_items_with_decisions(records: dict[str, CaseRecord]) -> None:
    """Every letter has at least one disputed item, and every item has a decision."""
    gaps = {("items", name, "items", "[]") for name, record in records.items() if not record.items}
    gaps |= {("items", name, f"item {number} decision", item.request)
             for name, record in records.items() for number, item in enumerate(record.items, 1)
             if item.decision is None}
    _assert_gaps("items", gaps)


def test_every_reviewer_specialty_is_in_the_vocabulary(records: dict[str, CaseRecord]) -> None:
    """Every letter names the reviewer's specialties, and each is a concept of the specialty vocabulary."""
    gaps = {("specialties", name, "reviewer_specialties", "[]")
            for name, record in records.items() if not record.specialty_mentions}
    gaps |= {("specialties", name, "specialty_mentions", mention.label)
             for name, record in records.items() for mention in record.specialty_mentions
             if mention.concept_id is None}
    _assert_gaps("specialties", gaps)


def test_no_letter_has_errors(records: dict[str, CaseRecord]) -> None:
    """Every letter is read and extracted without errors."""
    _assert_gaps("errors", {("errors", name, "errors", error)
                            for name, record in records.items() for error in record.errors})


def test_known_gaps_name_real_letters_and_checks() -> None:
    """KNOWN_GAPS entries name a check that looks for them and a PDF in the folder."""
    _require_real()
    names = {path.name for path in REAL.rglob("*.pdf")}
    for check, name, _, _ in KNOWN_GAPS:
        assert check in {"header", "dates", "items", "specialties", "errors"}, check
        assert name in names, name


# --- reading the PDFs -----------------------------------------------------------------------------


@pytest.mark.parametrize(("label", "field", "value"), HEADER_LABELS)
def test_header_labels_pair_with_their_values(records: dict[str, CaseRecord], label: str, field: str,
                                              value: str) -> None:
    """In every letter the header table's label is followed by its own value, which is the one extracted.

    The table's labels and values sit in two columns; laid out from the characters' positions, each
    label is followed by its value on the same line, and the record's span points at that value.
    """
    pattern = re.compile(rf"(?m)(?:^|\s){re.escape(label)}: ({value})(?=\s)")
    wrong = []
    for name, record in records.items():
        text = record.text or ""
        found = pattern.search(text)
        if found is None:
            wrong.append(f"{name}: no '{label}: <value>' in {text[:200]!r}")
            continue
        written = found.group(1)
        expected = _iso(written) if value == _DATE else written
        span = record.field_spans.get(field)
        if getattr(record, field) != expected or span is None or text[span[0]:span[1]] != written:
            wrong.append(f"{name}: {label}: {written} but {field} = {getattr(record, field)!r}, "
                         f"span {span}")
    assert not wrong, "\n".join(wrong)


def test_application_received_is_read_although_its_label_wraps(records: dict[str, CaseRecord]) -> None:
    """"Application Received:" wraps around its value ("Application <date>", "Received:"), yet is read.

    All 166 letters have the wrapped label today; the unwrapped form is accepted too.
    """
    wrong, wrapped = [], 0
    for name, record in records.items():
        text = record.text or ""
        found = APPLICATION_RECEIVED.search(text)
        if found is None:
            wrong.append(f"{name}: no Application Received value in {text[:200]!r}")
            continue
        wrapped += found.group(1) is not None
        written = found.group(1) or found.group(2)
        span = record.field_spans.get("application_received")
        if record.application_received != _iso(written) or span is None or text[span[0]:span[1]] != written:
            wrong.append(f"{name}: Application Received {written} but "
                         f"{record.application_received!r}, span {span}")
    assert not wrong, "\n".join(wrong)
    assert wrapped > 0


def test_encrypted_no_copy_pdfs_are_read(records: dict[str, CaseRecord]) -> None:
    """Every real PDF is encrypted (empty user password) and forbids copying, and is read all the same."""
    import pypdfium2 as pdfium
    from pypdfium2 import raw

    unread = []
    for path in sorted(REAL.rglob("*.pdf")):
        document = pdfium.PdfDocument(path)
        try:
            revision = raw.FPDF_GetSecurityHandlerRevision(document.raw)
            permissions = raw.FPDF_GetDocPermissions(document.raw)
        finally:
            document.close()
        record = records[path.name]
        assert revision >= 2 and not permissions & PERMISSION_COPY, f"{path.name}: not encrypted no-copy"
        if (record.errors or record.format != "pdf" or not record.case_number
                or not (record.text or "").startswith(f"Case Number: {record.case_number}\n")):
            unread.append(f"{path.name}: {record.errors or (record.text or '')[:80]!r}")
    assert not unread, "\n".join(unread)


def _stream(data: bytes) -> bytes:
    return b"<< /Length %d >>\nstream\n%s\nendstream" % (len(data), data)


def _page(contents: bytes, resources: bytes = b"<< >>") -> list[bytes]:
    """Catalog, pages, one US-letter page and its content stream."""
    return [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources %s >>" % resources,
        _stream(contents),
    ]


# The standard security handler's password padding (PDF 32000-1, 7.6.3.3).
_PAD = bytes.fromhex("28BF4E5E4E758A4164004E56FFFA01082E2E00B6D0683E802F0CA9FE6453697A")


def _rc4(key: bytes, data: bytes) -> bytes:
    state = list(range(256))
    j = 0
    for i in range(256):
        j = (j + state[i] + key[i % len(key)]) % 256
        state[i], state[j] = state[j], state[i]
    out = bytearray()
    i = j = 0
    for byte in data:
        i = (i + 1) % 256
        j = (j + state[i]) % 256
        state[i], state[j] = state[j], state[i]
        out.append(byte ^ state[(state[i] + state[j]) % 256])
    return bytes(out)


def _password_protected_pdf(user_password: bytes, text: bytes) -> bytes:
    """A one-page PDF showing ``text``, encrypted (RC4, 40 bits, revision 2) with a user password."""
    padded = (user_password + _PAD)[:32]
    owner = _rc4(hashlib.md5((b"owner-" + user_password + _PAD)[:32]).digest()[:5], padded)
    permissions = (-44).to_bytes(4, "little", signed=True)
    file_id = hashlib.md5(b"imr-kg test").digest()
    key = hashlib.md5(padded + owner + permissions + file_id).digest()[:5]
    user = _rc4(key, _PAD)
    contents = b"BT /F1 24 Tf 72 700 Td (" + text + b") Tj ET"
    object_key = hashlib.md5(key + (4).to_bytes(3, "little") + (0).to_bytes(2, "little")).digest()[:10]
    objects = _page(_rc4(object_key, contents), b"<< /Font << /F1 5 0 R >> >>") + [
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Filter /Standard /V 1 /R 2 /O <%s> /U <%s> /P -44 >>" % (owner.hex().encode(),
                                                                      user.hex().encode()),
    ]
    identifier = file_id.hex().encode()
    return _pdf(objects, b"/Encrypt 6 0 R /ID [<%s> <%s>] " % (identifier, identifier))


def test_pdf_without_a_text_layer_is_a_read_error(tmp_path: Path) -> None:
    """A page with only a drawn rectangle (no text, like a scan) gives a ReadError saying "no text layer"."""
    data = _pdf(_page(b"0.2 0.4 0.8 rg 72 72 200 100 re f"))
    path = tmp_path / "drawing.pdf"
    path.write_bytes(data)
    for read in (lambda: read_letter(path), lambda: read_bytes(data, str(path), ".pdf")):
        with pytest.raises(ReadError) as caught:
            read()
        assert str(caught.value).startswith(f"{path}: ") and "no text layer" in str(caught.value)


def test_password_protected_pdf_is_a_read_error_naming_the_file(tmp_path: Path) -> None:
    """A PDF that needs a user password gives a ReadError naming the file and the password."""
    import pypdfium2 as pdfium

    data = _password_protected_pdf(b"secret", b"Locked letter")
    path = tmp_path / "locked.pdf"
    path.write_bytes(data)
    document = pdfium.PdfDocument(data, password="secret")  # the file itself is sound: the password opens it
    try:
        textpage = document[0].get_textpage()
        assert textpage.get_text_range().strip() == "Locked letter"
        textpage.close()
    finally:
        document.close()
    with pytest.raises(ReadError) as caught:
        read_letter(path)
    assert str(caught.value).startswith(f"{path}: ") and "password" in str(caught.value)
