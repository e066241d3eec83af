"""Synthetic letters (`kg synth`): deterministic, in the published shares, in every layout and format, marked as
synthetic, and read back by the extractor as the gold says."""
from __future__ import annotations

import json
import statistics
from collections import Counter
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner

from kg.cli import cli
from kg.evaluation import evaluate, find_gold_letters
from kg.letters import read_letter
from kg.pipeline import extract_file
from kg.synth import MARKER, Options, SynthLetter, allocate, generate, is_synthetic, parse_shares
from kg.synth.pdf import text_width
from kg.synth.render import wrap
from tests.conftest import SEED

LAYOUTS = {"determination": "determination-2014", "notice": "notice-2013", "docs": "determination-docs",
           "review": "professional-review"}
SUFFIXES = {"md": ".md", "txt": ".txt", "html": ".html", "pdf": ".pdf"}
DATES = ("date_of_injury", "ur_denial_date", "application_received", "date_assigned", "decision_date")


@pytest.fixture(scope="module")
def many() -> list[SynthLetter]:
    """2,000 letters with the default shares."""
    return list(generate(Options(2000, seed=11)))


@pytest.fixture(scope="module")
def forty(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """40 letters with gold files, written by the command, mixed layouts and formats, seed fixed."""
    out = tmp_path_factory.mktemp("synthetic") / "letters"
    result = CliRunner().invoke(cli, ["synth", "40", "--out", str(out), "--seed", "2024", "--gold"])
    assert result.exit_code == 0, result.output
    return out


def _items(letters: list[SynthLetter]) -> list:
    return [item for letter in letters for item in letter.case.items]


# --- determinism ---------------------------------------------------------------------------------------------


def test_the_same_seed_gives_the_same_bytes() -> None:
    """Two runs with one seed write identical files (PDFs included); another seed writes other letters."""
    formats = {"md": 1.0, "txt": 1.0, "html": 1.0, "pdf": 1.0}
    first = [(x.filename, x.data, json.dumps(x.gold())) for x in generate(Options(24, seed=5, formats=formats))]
    again = [(x.filename, x.data, json.dumps(x.gold())) for x in generate(Options(24, seed=5, formats=formats))]
    other = [(x.filename, x.data, json.dumps(x.gold())) for x in generate(Options(24, seed=6, formats=formats))]
    assert first == again
    assert [name.split(".")[0] for name, _, _ in first] == [name.split(".")[0] for name, _, _ in other]
    assert sum(a[1] != b[1] for a, b in zip(first, other)) == len(first)


def test_the_command_writes_the_same_bytes_twice(tmp_path: Path) -> None:
    """`kg synth` with the same seed fills two folders with byte-identical files."""
    runner = CliRunner()
    for name in ("a", "b"):
        result = runner.invoke(cli, ["synth", "12", "--out", str(tmp_path / name), "--seed", "9", "--gold", "-q"])
        assert result.exit_code == 0, result.output
    files = sorted(p.name for p in (tmp_path / "a").iterdir())
    assert len(files) == 24 and files == sorted(p.name for p in (tmp_path / "b").iterdir())
    assert all((tmp_path / "a" / f).read_bytes() == (tmp_path / "b" / f).read_bytes() for f in files)


# --- shares ------------------------------------------------------------------------------------------------


def test_outcomes_and_categories_follow_the_published_figures(many: list[SynthLetter]) -> None:
    """About 10-13% of items overturned, pharmaceuticals about a third, 1-5 items per letter, mostly 1-2."""
    items = _items(many)
    overturned = sum(item.decision == "Overturned" for item in items) / len(items)
    assert 0.10 <= overturned <= 0.13
    categories = Counter(item.category for item in items)
    assert 0.29 <= categories["Pharmaceuticals"] / len(items) <= 0.37
    assert categories.most_common(2)[1][0] == "Physical Medicine"
    assert len(categories) == 12  # every treatment category occurs
    counts = Counter(len(letter.case.items) for letter in many)
    assert set(counts) == {1, 2, 3, 4, 5}
    assert (counts[1] + counts[2]) / len(many) >= 0.65 and counts[1] > counts[2] > counts[3] > counts[5]
    assert 1.7 <= statistics.mean(len(letter.case.items) for letter in many) <= 2.3


def test_layouts_and_formats_come_in_their_shares(many: list[SynthLetter]) -> None:
    """Shares are met exactly: determination 70%, notice, docs and review 10% each; md 35, txt 35, html 25, pdf 5."""
    assert Counter(x.case.layout for x in many) == {"determination": 1400, "notice": 200, "docs": 200, "review": 200}
    assert Counter(x.format for x in many) == {"md": 700, "txt": 700, "html": 500, "pdf": 100}
    styles = Counter(x.case.style for x in many if x.case.layout == "determination")
    assert styles["2016"] > styles["2014"] > 100  # both the 2014-15 and the 2016-17 forms


def test_the_vocabularies_are_drawn_from_across_their_range(many: list[SynthLetter]) -> None:
    """Many treatments, regions, sides, specialties, guideline kinds and diagnoses occur, not a handful."""
    items = _items(many)
    assert len({item.treatment_id for item in items}) > 250
    assert len({region for item in items for region in item.regions}) > 25
    assert {item.laterality for item in items} == {None, "left", "right", "bilateral"}
    assert len({s for x in many for s in x.case.specialties}) > 40
    kinds = {s.kind for item in items for s in item.reviewer}
    assert kinds >= {"cpmtg", "acoem", "odg", "acoem3", "acupuncture", "postsurgical", "web"}
    assert len({(s.kind, s.chapter) for item in items for s in item.reviewer}) > 30  # chapters too
    assert len({code for x in many for _, code in x.case.diagnoses}) > 40
    assert sum(item.original is not None for item in items) > 20  # eligible-portion items


def test_dates_are_in_order_within_the_decade(many: list[SynthLetter]) -> None:
    """Injury < UR denial < application < assignment < decision; decisions from 2015 to 2024."""
    for letter in many:
        dates = [letter.case.dates[name] for name in DATES]
        assert dates == sorted(dates) and len(set(dates)) == 5
        assert date(2015, 1, 1) <= dates[-1] <= date(2024, 12, 31)
    years = {letter.case.dates["decision_date"].year for letter in many}
    assert years == set(range(2015, 2025))


def test_letters_are_messy_as_real_ones_are(many: list[SynthLetter]) -> None:
    """Plain text in Windows-1252 and with CRLF now and then, page footers, typographic quotes."""
    texts = [x.data for x in many if x.format == "txt"]
    undecodable = 0
    for data in texts:
        try:
            data.decode("utf-8")
        except UnicodeDecodeError:
            undecodable += 1
    assert 0.15 < undecodable / len(texts) < 0.45
    assert 0.1 < sum(b"\r\n" in data for data in texts) / len(texts) < 0.3
    assert sum(b"Page 1 of " in data for data in texts) / len(texts) > 0.8
    assert any("\u201c".encode() in x.data for x in many if x.format == "md")


def test_allocation_and_share_options() -> None:
    """Shares are met exactly and parsed from "md,txt" or "md:40,pdf:10"; unknown names are refused."""
    import random

    labels = allocate({"a": 0.7, "b": 0.2, "c": 0.1}, 10, random.Random(1))
    assert Counter(labels) == {"a": 7, "b": 2, "c": 1}
    assert parse_shares("md,pdf", {"md": 35, "txt": 35, "pdf": 5}) == {"md": 35, "pdf": 5}
    assert parse_shares("md:40, pdf:10", {"md": 35, "pdf": 5}) == {"md": 40, "pdf": 10}
    for bad in ("xls", "md:x", "md:-1", "", "pdf:0"):
        with pytest.raises(ValueError):
            parse_shares(bad, {"md": 35, "pdf": 5})
    with pytest.raises(ValueError):
        Options(5, start=9_999_999).check()


def test_text_helpers() -> None:
    """Words are never broken when wrapping; Helvetica widths are those of the font."""
    lines = wrap("one two three four five six seven", 10, "  ")
    assert lines == ["one two", "  three", "  four", "  five six", "  seven"]
    assert text_width("iiii") < text_width("MMMM") and text_width("a b", 10) == pytest.approx(13.9)


# --- every layout and format, marked ------------------------------------------------------------------------


def test_every_layout_and_format_is_written(forty: Path) -> None:
    """40 letters hold every layout and every file type, and the extractor tells the four layouts apart."""
    letters = sorted(p for p in forty.iterdir() if not p.name.endswith(".gold.json"))
    assert len(letters) == 40 and {p.suffix for p in letters} == set(SUFFIXES.values())
    assert {extract_file(p).layout for p in letters} == set(LAYOUTS.values())


def test_every_letter_is_marked_synthetic(forty: Path) -> None:
    """Each letter's text opens with the marker and its case number is in the reserved CM99 range."""
    letters = sorted(p for p in forty.iterdir() if not p.name.endswith(".gold.json"))
    for path in letters:
        text = read_letter(path).text
        assert text.startswith(MARKER), path.name
        assert is_synthetic(text) and path.stem.startswith("CM99-")
        assert extract_file(path).case_number == path.stem
    real = read_letter(SEED).text
    assert not is_synthetic(real, "CM14-0166055") and is_synthetic(None, "CM99-0000001")


def test_extraction_reads_back_numbers_dates_and_decisions(forty: Path) -> None:
    """Case numbers, the five dates, the item count and every decision come back exactly as written."""
    for letter, gold_path in find_gold_letters([forty]):
        gold = json.loads(gold_path.read_text(encoding="utf-8"))
        record = extract_file(letter)
        assert not record.errors, (letter.name, record.errors)
        assert record.case_number == gold["case_number"], letter.name
        for name in DATES + ("priority",):
            assert getattr(record, name) == gold[name], (letter.name, name)
        assert [i.decision for i in record.items] == [i["decision"] for i in gold["items"]], letter.name


def test_pdf_letters_pair_header_labels_with_their_values(tmp_path: Path) -> None:
    """The PDF header is a two-column table laid out by position; PDFium reads every date beside its label."""
    for letter in generate(Options(6, seed=3, formats={"pdf": 1})):
        path = tmp_path / letter.filename
        path.write_bytes(letter.data)
        assert letter.data.startswith(b"%PDF-1.4") and b"/BaseFont /Helvetica" in letter.data
        record = extract_file(path)
        assert record.format == "pdf" and not record.errors
        assert {name: getattr(record, name) for name in DATES} == \
            {name: letter.case.dates[name].isoformat() for name in DATES}


def test_kg_eval_scores_the_extractor_on_synthetic_letters(forty: Path) -> None:
    """`kg eval` on the 40 letters: micro F1 at least 0.95, item counts and decisions exact."""
    result = CliRunner().invoke(cli, ["eval", str(forty), "--format", "json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["letter_count"] == 40
    assert report["micro"]["f1"] >= 0.95
    for name in ("item_count", "decision", "case_number", "decision_date"):
        assert report["totals"][name]["fp"] == report["totals"][name]["fn"] == 0, name
    pairs = find_gold_letters([forty])
    inputs = [(extract_file(letter).to_dict(), json.loads(gold.read_text(encoding="utf-8")), str(letter), str(gold))
              for letter, gold in pairs]
    assert evaluate(inputs).micro.f1 == pytest.approx(report["micro"]["f1"], abs=1e-4)


# --- the command ---------------------------------------------------------------------------------------------


def test_the_command_writes_letters_and_gold_with_progress(tmp_path: Path) -> None:
    """`kg synth N --out DIR --gold`: N letters, N gold files, progress and a summary on stderr."""
    out = tmp_path / "new" / "dir"
    result = CliRunner().invoke(cli, ["synth", "15", "--out", str(out), "--seed", "1", "--gold",
                                      "--formats", "md:1,html:1", "--layouts", "review,notice"])
    assert result.exit_code == 0, result.output
    assert "[15/15] letters written" in result.stderr and "15 synthetic letters with gold" in result.stderr
    assert result.stdout == ""
    files = sorted(out.iterdir())
    assert len([p for p in files if p.name.endswith(".gold.json")]) == 15
    assert {p.suffix for p in files if not p.name.endswith(".gold.json")} == {".md", ".html"}
    assert {extract_file(p).layout for p in files if not p.name.endswith(".json")} == {"professional-review",
                                                                                      "notice-2013"}


def test_the_command_refuses_a_folder_that_is_not_empty(tmp_path: Path) -> None:
    """Exit 2 when DIR holds files, unless --force; then the letters are written beside them."""
    (tmp_path / "keep.txt").write_text("x", encoding="utf-8")
    runner = CliRunner()
    refused = runner.invoke(cli, ["synth", "3", "--out", str(tmp_path)])
    assert refused.exit_code == 2 and "not empty" in refused.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["keep.txt"]
    forced = runner.invoke(cli, ["synth", "3", "--out", str(tmp_path), "--force", "-q", "--start", "500"])
    assert forced.exit_code == 0 and forced.stderr == ""
    assert len(list(tmp_path.glob("CM99-0000[5]0[0-2].*"))) == 3


@pytest.mark.parametrize("arguments", [
    ["synth", "3", "--out", "{tmp}", "--formats", "md,doc"],
    ["synth", "3", "--out", "{tmp}", "--layouts", "letter"],
    ["synth", "3", "--out", "{tmp}", "--formats", "pdf:0"],
    ["synth", "0", "--out", "{tmp}"],
    ["synth", "3", "--out", "{tmp}", "--overturn-rate", "1.5"],
    ["synth", "3", "--out", "{tmp}", "--start", "9999999"],
    ["synth", "3"],
])
def test_usage_errors_exit_2(tmp_path: Path, arguments: list[str]) -> None:
    """Unknown formats or layouts, no shares, a count below one, bad rates or numbers: exit 2, nothing written."""
    out = tmp_path / "out"
    result = CliRunner().invoke(cli, [a.replace("{tmp}", str(out)) for a in arguments])
    assert result.exit_code == 2, result.output
    assert not out.exists() or not any(out.iterdir())


def test_the_command_refuses_a_file_as_folder(tmp_path: Path) -> None:
    """--out naming a file is a usage error."""
    target = tmp_path / "file.txt"
    target.write_text("x", encoding="utf-8")
    result = CliRunner().invoke(cli, ["synth", "2", "--out", str(target)])
    assert result.exit_code == 2


def test_synthetic_letters_are_marked_in_the_graph(tmp_path) -> None:
    """A synthetic letter's graph says imr:synthetic true; a real letter's says nothing of the kind."""
    from rdflib import Literal

    from kg.namespaces import IMR
    from kg.pipeline import extract_file
    from kg.rdf.mapping import record_to_graph
    from kg.synth import Options, write_letters
    from tests.conftest import SEED

    write_letters(tmp_path / "out", Options(count=3, seed=11, formats={"md": 1.0}))
    synthetic = record_to_graph(extract_file(sorted((tmp_path / "out").glob("*.md"))[0]))
    assert list(synthetic.subjects(IMR.synthetic, Literal(True)))
    assert not list(record_to_graph(extract_file(SEED)).objects(None, IMR.synthetic))
