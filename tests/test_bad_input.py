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
    # the same letter in other encodings: each must load (as the same case, replacing the one before)
    (letters / "seed-utf16-bom.txt").write_bytes(seed.encode("utf-16"))
    (letters / "seed-utf16-le.txt").write_bytes(seed.encode("utf-16-le"))
    (letters / "seed-cp1252.txt").write_bytes(seed.replace("\u2019", "'").encode("cp1252", errors="replace"))
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
}


def test_the_batch_goes_on_and_every_bad_file_is_named_with_its_problem(batch) -> None:
    letters, store, done = batch
    assert "Traceback" not in done.stderr and done.returncode == 1, done.stderr
    assert "0 kept out" not in done.stderr
    for name, problem in KEPT_OUT.items():
        lines = [line for line in done.stderr.splitlines() if line.startswith(f"kept out: {letters / name}:")]
        assert lines and problem in lines[0], (name, done.stderr[-2000:])
    stats = json.loads(_run("stats", "--store", str(store), "--format", "json").stdout)
    assert stats["cases"] == 1  # the seed, in all its encodings and through the link inside the folder


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
