"""Operational edges: a store folder that is not a store, a file where a folder should be, a folder that cannot
be written, a disk that fills up, a port in use (in test_bad_input.py). Each is one line and exit status 1,
never a traceback."""
from __future__ import annotations

import os
import resource
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import DATA_DIR

KG = str(Path(sys.executable).parent / "kg")
SEED = DATA_DIR / "seed"


def _kg(*args: str, preexec_fn=None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([KG, *args], capture_output=True, text=True, timeout=600, preexec_fn=preexec_fn,
                          env={**os.environ, "KG_STORE": ""})


def _one_line(done: subprocess.CompletedProcess[str], start: str) -> None:
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr
    lines = [line for line in done.stderr.splitlines() if line.startswith("Error:")]
    assert len(lines) == 1 and lines[0].startswith(f"Error: {start}"), done.stderr


@pytest.mark.parametrize("command", [["stats"], ["query", "SELECT * WHERE { ?s ?p ?o } LIMIT 1"], ["rejected"],
                                     ["export", "--format", "nquads"]])
def test_reading_a_folder_that_is_not_a_store(tmp_path: Path, command: list[str]) -> None:
    folder = tmp_path / "papers"
    folder.mkdir()
    (folder / "notes.txt").write_text("not a store")
    _one_line(_kg(*command, "--store", str(folder)), f"{folder}: no store here (build one with: kg build LETTERS")
    assert sorted(p.name for p in folder.iterdir()) == ["notes.txt"]  # nothing written there


def test_building_into_a_folder_of_other_files_is_refused_and_writes_nothing(tmp_path: Path) -> None:
    folder = tmp_path / "papers"
    folder.mkdir()
    (folder / "notes.txt").write_text("not a store")
    done = _kg("build", str(SEED), "--store", str(folder))
    _one_line(done, f"{folder}: this folder holds other files (notes.txt) and no store; give --store an empty")
    assert sorted(p.name for p in folder.iterdir()) == ["notes.txt"]


def test_a_file_given_as_the_store(tmp_path: Path) -> None:
    file = tmp_path / "store.txt"
    file.write_text("a file")
    _one_line(_kg("stats", "--store", str(file)), f"{file}: is a file, not a store folder")
    _one_line(_kg("build", str(SEED), "--store", str(file)), f"{file}: is a file, not a store folder")
    _one_line(_kg("build", str(SEED), "--store", str(file / "inside")), f"{file / 'inside'}: cannot make the store "
                                                                         "folder (Not a directory)")


def test_a_folder_that_cannot_be_written(tmp_path: Path) -> None:
    """/sys cannot be written, even by root (a folder made read-only with chmod can be, by root)."""
    _one_line(_kg("build", str(SEED), "--store", "/sys/imr-kg-store"), "/sys/imr-kg-store: cannot make the store "
                                                                        "folder (")


def _small_files() -> None:
    """In the child: files may not grow past 300 kB, and going past it is an error, not a signal."""
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (300_000, 300_000))


def test_a_disk_that_fills_up_while_building(tmp_path: Path) -> None:
    """When the store can write no more (here: a limit on file size, as a full disk would), the build ends with
    one line naming the store, and the store still opens afterwards."""
    store = tmp_path / "store"
    done = _kg("build", str(DATA_DIR), "--store", str(store), preexec_fn=_small_files)
    _one_line(done, f"{store}: ")
    assert "file too large" in done.stderr or "disk is full" in done.stderr
    after = _kg("stats", "--store", str(store))
    assert after.returncode == 0 and "Traceback" not in after.stderr, after.stderr
