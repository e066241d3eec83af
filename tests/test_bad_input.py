"""Bad input beside good letters: each kind is kept out with a message naming the file and the problem, the rest
of the batch is loaded, nothing is lost (`kg rejected` lists every file kept out, which stays where it was), and
no traceback reaches the user."""
from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import DATA_DIR

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
    (letters / "huge.txt").write_bytes(seed.encode() * 800)  # some 5 MB: past the text limit of 2 MB
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


KEPT_OUT = {
    "empty.txt": "file is empty",
    "binary.md": "looks like binary data",
    "huge.txt": "file is too large for one letter",
    "unknown-layout.md": "not an IMR determination letter",
    "not-a-pdf.pdf": "PDF could not be read",
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
