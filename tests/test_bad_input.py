"""Bad input beside good letters: each kind is kept out with a message naming the file and the problem, the rest
of the batch is loaded, nothing is lost (`kg rejected` lists every file kept out, which stays where it was), and
no traceback reaches the user."""
from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import DATA_DIR
from tests.pdfs import pdf_file

KG = str(Path(sys.executable).parent / "kg")


def _seed_text() -> str:
    seeds = sorted(DATA_DIR.rglob("CM14-0166055.md"))
    assert seeds, "the seed letter is bundled"
    return seeds[0].read_text(encoding="utf-8")


def _run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([KG, *args], capture_output=True, text=True, timeout=600,
                          env={**os.environ, **(env or {})})


@pytest.fixture(scope="module")
def batch(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, subprocess.CompletedProcess[str]]:
    """A folder with the seed letter, its re-encodings and many kinds of bad input, built into a store once."""
    root = tmp_path_factory.mktemp("bad")
    letters = root / "letters"
    letters.mkdir()
    seed = _seed_text()
    (letters / "seed.md").write_text(seed, encoding="utf-8")
    # the letter in other encodings, each under a case number of its own: each must load
    for number, (name, data) in enumerate([
            ("seed-utf16-bom.txt", lambda text: text.encode("utf-16")),
            ("seed-utf16-le.txt", lambda text: text.encode("utf-16-le")),
            ("seed-cp1252.txt", lambda text: text.encode("cp1252", errors="replace")),
            ("seed-latin1.txt", lambda text: text.encode("latin-1", errors="replace"))], 1):
        (letters / name).write_bytes(data(seed.replace("CM14-0166055", f"CM14-016605{5 + number}")))
    # the same case number again, with other content: kept out, never put in the first one's place
    # (the link inside the folder is read first, sorted by name; then this, then the seed itself, a copy)
    (letters / "seed-again.md").write_text(seed + "\nA line added to the letter.\n")
    # bad input
    (letters / "empty.txt").write_bytes(b"")
    (letters / "binary.md").write_bytes(bytes(range(256)) * 40)
    (letters / "huge.txt").write_bytes(seed.encode() * (50_000_000 // len(seed.encode())))  # 50 MB
    (letters / "password.pdf").write_bytes(_encrypted_pdf())
    (letters / "scanned.pdf").write_bytes(_pdf_without_text())
    (letters / "unknown-layout.md").write_text("Dear reader,\n\nThis is a shopping list, not a letter.\n")
    (letters / "not-a-pdf.pdf").write_bytes(b"%PDF-1.4\n" + os.urandom(4096))
    (letters / "nested.html").write_text("<div>" * 20_000 + "deep" + "</div>" * 20_000)
    (letters / "a-folder.txt").mkdir()  # a folder named like a letter is a folder: searched, not read
    outside = root / "outside.md"
    outside.write_text(seed)
    (letters / "link-out.md").symlink_to(outside)
    (letters / "link-nowhere.md").symlink_to(root / "missing.md")
    (letters / "link-in.md").symlink_to(letters / "seed.md")
    (letters / "notes.docx").write_bytes(b"not looked at: not a letter suffix")
    store = root / "store"
    done = _run("build", str(letters), "--store", str(store))
    return letters, store, done


_PAGE = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
         b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << >> >>",
         b"<< /Length 0 >>\nstream\n\nendstream"]


def _pdf_without_text() -> bytes:
    """A one-page PDF with nothing written on it (as a scan without OCR reads)."""
    return pdf_file(_PAGE)


def _encrypted_pdf() -> bytes:
    """A PDF encrypted with a user password (the standard security handler; the password is not empty)."""
    handler = b"<< /Filter /Standard /V 1 /R 2 /O <" + b"11" * 32 + b"> /U <" + b"22" * 32 + b"> /P -4 >>"
    return pdf_file([*_PAGE, handler], b"/Encrypt 5 0 R /ID [<" + b"33" * 16 + b"> <" + b"33" * 16 + b">] ")


KEPT_OUT = {
    "empty.txt": "file is empty",
    "binary.md": "looks like binary data",
    "huge.txt": "file is too large for one letter",
    "unknown-layout.md": "not an IMR determination letter",
    "not-a-pdf.pdf": "PDF could not be read",
    "password.pdf": "PDF is encrypted with a password",
    "scanned.pdf": "PDF has no text layer",
    "nested.html": "not an IMR determination letter",
    "link-out.md": "symbolic link leading out of",
    "link-nowhere.md": "symbolic link to nothing",
    "seed-again.md": "case number CM14-0166055 is also that of",
    "seed.md": "a copy of",
}


def test_the_batch_goes_on_and_every_bad_file_is_named_with_its_problem(batch) -> None:
    letters, store, done = batch
    assert "Traceback" not in done.stderr and done.returncode == 1, done.stderr
    assert f"{len(KEPT_OUT)} kept out" in done.stderr
    for name, problem in KEPT_OUT.items():
        lines = [line for line in done.stderr.splitlines() if line.startswith(f"kept out: {letters / name}:")]
        assert lines and problem in lines[0], (name, done.stderr[-2000:])
    stats = json.loads(_run("stats", "--store", str(store), "--format", "json").stdout)
    assert stats["cases"] == 5  # the seed (through the link inside the folder) and its four re-encodings


def test_kg_rejected_lists_every_file_kept_out_and_the_files_stay(batch) -> None:
    letters, store, _ = batch
    listed = _run("rejected", "--store", str(store), "--format", "json")
    assert listed.returncode == 1 and "Traceback" not in listed.stderr
    found = {Path(entry["source"]).name: " ".join(entry["reasons"]) for entry in json.loads(listed.stdout)}
    assert set(found) == set(KEPT_OUT)
    for name, problem in KEPT_OUT.items():
        assert problem in found[name]
        assert (letters / name).is_symlink() or (letters / name).exists()
    text = _run("rejected", "--store", str(store))
    assert f"{letters / 'empty.txt'}: file is empty" in text.stdout.splitlines()
    assert text.stderr.strip().endswith(f"{len(KEPT_OUT)} letter files kept out")


def test_the_same_case_number_from_another_file_is_kept_out_across_builds(tmp_path: Path) -> None:
    """A letter stored from one file is not replaced by another file with its case number while the first file
    is there; once it has gone (moved or renamed), the other file's letter takes its place."""
    seed = _seed_text()
    first, second = tmp_path / "a", tmp_path / "b"
    first.mkdir()
    second.mkdir()
    (first / "letter.md").write_text(seed)
    (second / "letter.md").write_text(seed + "\nA line added to the letter.\n")
    store = tmp_path / "store"
    assert _run("build", str(first), "--store", str(store)).returncode == 0
    clash = _run("build", str(second), "--store", str(store))
    assert clash.returncode == 1 and "Traceback" not in clash.stderr
    assert (f"kept out: {second / 'letter.md'}: {second / 'letter.md'}: case number CM14-0166055 is already stored "
            f"from {first / 'letter.md'}, whose text differs; kept out (`kg delete CM14-0166055` first to load "
            "this one instead)") in clash.stderr
    (first / "letter.md").unlink()
    moved = _run("build", str(second), "--store", str(store))
    assert moved.returncode == 0 and "1 replaced" in moved.stderr, moved.stderr


def test_a_store_with_nothing_kept_out_says_so(tmp_path: Path) -> None:
    folder = tmp_path / "letters"
    folder.mkdir()
    (folder / "seed.md").write_text(_seed_text())
    store = tmp_path / "store"
    assert _run("build", str(folder), "--store", str(store)).returncode == 0
    listed = _run("rejected", "--store", str(store))
    assert (listed.returncode, listed.stdout, listed.stderr.strip()) == (0, "", "0 letter files kept out")


def test_a_port_in_use_is_one_line_and_a_non_zero_exit(batch) -> None:
    _, store, _ = batch
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = _run("serve", "--store", str(store), "--port", str(port))
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert done.stderr.strip() == (f"Error: cannot listen on 127.0.0.1:{port}: the port is in use by another "
                                   "program; choose another with --port")
    assert "serving" not in done.stderr


def _forever(letter: object) -> None:
    while True:  # an extraction that never ends
        pass


def test_a_letter_that_takes_too_long_is_stopped_and_the_batch_goes_on(tmp_path: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """Past KG_LETTER_TIMEOUT_S a letter is stopped and kept out with its reason; the others are processed, in
    one process and in worker processes alike."""
    import kg.extract
    from kg.pipeline import process_file, process_files

    real = kg.extract.extract_record
    slow = tmp_path / "slow.md"
    slow.write_text(_seed_text())
    fine = tmp_path / "fine.md"
    fine.write_text(_seed_text().replace("CM14-0166055", "CM14-0166056"))
    monkeypatch.setenv("KG_LETTER_TIMEOUT_S", "0.5")
    monkeypatch.setattr(kg.extract, "extract_record",
                        lambda letter: _forever(letter) if letter.source.endswith("slow.md") else real(letter))
    stopped = process_file(slow)
    assert stopped.key is None
    assert stopped.errors == [f"{slow}: took longer than 0.5 s (KG_LETTER_TIMEOUT_S); stopped and kept out"]
    for jobs in (1, 2):
        done = {Path(p.source).name: p for p in process_files([slow, fine, fine], jobs=jobs)}
        assert "took longer than 0.5 s" in done["slow.md"].errors[0]
        assert done["fine.md"].key == "CM14-0166056" and not done["fine.md"].errors


def _truncations() -> list[tuple[str, str]]:
    """Every bundled letter of each layout cut just before each of its section headings, and just after."""
    from kg.extract.sections import split_sections
    from kg.letters import read_letter

    cuts = []
    seen_layouts: set[str | None] = set()
    for path in sorted(DATA_DIR.rglob("*")):
        if path.suffix not in (".md", ".txt") or path.name.startswith("."):
            continue
        text = read_letter(path).text
        sections = split_sections(text)
        if sections.layout in seen_layouts:
            continue
        seen_layouts.add(sections.layout)
        for section in sections.sections:
            heading_start = text.rfind("\n", 0, max(section.start - 1, 0)) + 1
            cuts += [(f"{path.name}@{section.name}-before", text[:heading_start]),
                     (f"{path.name}@{section.name}-after", text[:section.start])]
    return cuts


@pytest.mark.parametrize(("name", "text"), _truncations(), ids=[n for n, _ in _truncations()])
def test_a_letter_cut_at_a_section_boundary_is_read_or_kept_out_in_words(name: str, text: str) -> None:
    """A letter truncated before or after any heading goes through the whole pipeline: it yields a graph, or
    errors that name it; no exception escapes."""
    from kg.pipeline import extract_bytes, process_record

    record = extract_bytes(text.encode("utf-8"), name, ".md")
    processed = process_record(record, "0" * 64)
    if processed.key is None:
        assert processed.errors and all(error.startswith(f"{name}: ") for error in processed.errors)
    else:
        assert processed.letter_nt and processed.report_nt


PAYLOAD = '<script>alert("imr")</script><img src=x onerror=alert(1)>'


def test_markup_and_script_in_every_field_are_shown_as_text(tmp_path: Path) -> None:
    """A letter with HTML and JavaScript at the end of every line loads, and no page renders the markup: the
    case, letter, finder, search, similar-decisions and quality pages show it as text."""
    from webapp import create_app
    from webapp.store import close_app

    folder = tmp_path / "letters"
    folder.mkdir()
    # at the end of every line with words in lower case (values and sentences; headings stay headings)
    (folder / "marked.md").write_text("\n".join(line + (" " + PAYLOAD if re.search("[a-z]", line) else "")
                                                for line in _seed_text().splitlines()))
    store = tmp_path / "store"
    built = _run("build", str(folder), "--store", str(store))
    assert "Traceback" not in built.stderr and "1 added" in built.stderr, built.stderr
    application = create_app({"TESTING": True, "STORE_PATH": str(store)})
    try:
        client = application.test_client()
        key = json.loads(_run("query", "--store", str(store), "--format", "json",
                              "SELECT ?n WHERE { GRAPH ?g { ?c imr:caseNumber ?n } }").stdout)
        number = key["results"]["bindings"][0]["n"]["value"] if "results" in key else key[0]["n"]
        pages = [f"/case/{number}", f"/case/{number}/item/1", f"/letter/{number}", "/cases?q=alert", "/search?q=script",
                 "/similar?q=" + PAYLOAD, "/quality", "/", "/cases?q=" + PAYLOAD]
        for page in pages:
            answer = client.get(page)
            body = answer.get_data(as_text=True)
            assert answer.status_code in (200, 400, 404), (page, answer.status_code)
            assert "<script>alert" not in body and "<img src=x" not in body, page
        case_page = client.get(f"/case/{number}").get_data(as_text=True)
        assert "&lt;script&gt;alert(&#34;imr&#34;)&lt;/script&gt;" in case_page  # shown, as text
    finally:
        close_app(application)


def test_a_folder_of_thousands_of_files_with_pipes_and_links(tmp_path: Path) -> None:
    """Two thousand files (letters, empty and binary files, links in and out, a pipe that would block a reader):
    the build finishes, loads every letter, and lists every other file with its reason."""
    folder = tmp_path / "many"
    folder.mkdir()
    seed = _seed_text()
    outside = tmp_path / "outside.md"
    outside.write_text(seed)
    expected_out = set()
    for n in range(2000):
        kind = n % 5
        path = folder / f"f{n:04d}.{'md' if kind != 3 else 'txt'}"
        if kind == 0:
            path.write_text(seed.replace("CM14-0166055", f"CM15-{n:07d}"))
        elif kind == 1:
            path.write_bytes(b"")
            expected_out.add(path.name)
        elif kind == 2:
            path.write_bytes(os.urandom(512))
            expected_out.add(path.name)
        elif kind == 3:
            path.symlink_to(outside)
            expected_out.add(path.name)
        else:
            path.write_text("Notes for the file, not a letter.\n")
            expected_out.add(path.name)
    os.mkfifo(folder / "pipe.md")
    expected_out.add("pipe.md")
    store = tmp_path / "store"
    done = _run("build", str(folder), "--store", str(store), "--jobs", "2")
    assert "Traceback" not in done.stderr and done.returncode == 1
    assert "400 added" in done.stderr and f"{len(expected_out)} kept out" in done.stderr, done.stderr[-500:]
    listed = json.loads(_run("rejected", "--store", str(store), "--format", "json").stdout)
    assert {Path(entry["source"]).name for entry in listed} == expected_out
    assert any("not a regular file" in " ".join(e["reasons"]) for e in listed if e["source"].endswith("pipe.md"))
