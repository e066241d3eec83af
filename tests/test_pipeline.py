"""Bad input: every file yields a record, and a bad one says what is wrong and where."""
from __future__ import annotations

from pathlib import Path

import pytest

from kg import extract_file, extract_files, letter_paths
from tests.conftest import DATA_DIR, SEED


def _write(tmp_path: Path, name: str, content: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(content)
    return path


@pytest.mark.parametrize(
    ("name", "content", "problem"),
    [
        pytest.param("empty.txt", b"", "file is empty", id="empty"),
        pytest.param("binary.txt", bytes(range(256)) * 4, "binary", id="binary"),
        pytest.param("recipe.md", b"# Pancakes\n\nMix flour and eggs.\n", "not an IMR determination letter",
                     id="not-a-letter"),
        pytest.param("letter.docx", b"PK\x03\x04", "unsupported file type", id="unsupported-type"),
        pytest.param("broken.pdf", b"%PDF-1.4 nonsense", "PDF", id="broken-pdf"),
    ],
)
def test_unreadable_files_yield_records_with_errors(tmp_path: Path, name: str, content: bytes, problem: str) -> None:
    """The error names the file and the problem; no exception escapes."""
    record = extract_file(_write(tmp_path, name, content))
    assert record.errors, record
    assert name in record.errors[0]
    assert problem in record.errors[0]


def test_truncated_letter(tmp_path: Path) -> None:
    """A letter cut off before its decisions keeps its header facts and says that its items are missing."""
    text = SEED.read_text(encoding="utf-8")
    cut = text[: text.index("## IMR ISSUES")]
    record = extract_file(_write(tmp_path, "CM14-0166055.md", cut.encode()))
    assert record.case_number == "CM14-0166055"
    assert record.diagnoses[0].icd10 == "M54.2"
    assert any("no disputed items found" in e and "CM14-0166055.md" in e for e in record.errors)


def test_missing_file() -> None:
    """A path that does not exist is an error record, not a crash."""
    record = extract_file("no/such/letter.txt")
    assert record.errors and "no/such/letter.txt" in record.errors[0]


def test_batch_goes_on_after_a_bad_file(tmp_path: Path) -> None:
    """One bad file among good ones: every file gets its record, in order."""
    (tmp_path / "a").mkdir()
    _write(tmp_path / "a", "0-empty.txt", b"")
    _write(tmp_path / "a", "1-seed.md", SEED.read_bytes())
    records = list(extract_files([tmp_path]))
    assert [bool(r.errors) for r in records] == [True, False]
    assert records[1].case_number == "CM14-0166055"


def test_letter_paths_skip_gold_files() -> None:
    """Folders are searched recursively for letters only; gold JSON files are not letters."""
    found = list(letter_paths([DATA_DIR]))
    assert len(found) == 14
    assert all(p.suffix in {".md", ".txt", ".pdf"} for p in found)


def _marked(path: Path):
    """process_file, leaving a mark beside the letter when a worker starts on it."""
    from kg.pipeline import process_file

    path.with_suffix(".started").touch()
    return process_file(path)


def test_workers_never_run_far_ahead_of_the_reader(tmp_path) -> None:
    """With a slow reader, the letters handed to workers and not yet read stay within the window."""
    import time

    from kg.pipeline import process_files

    source = SEED.read_text(encoding="utf-8")
    paths = []
    for number in range(60):
        path = tmp_path / f"{number:03d}.md"
        path.write_text(source, encoding="utf-8")
        paths.append(path)
    seen, ahead = [], []
    for processed in process_files(paths, jobs=2, window=16, work=_marked):
        seen.append(processed.source)
        time.sleep(0.05)
        ahead.append(len(list(tmp_path.glob("*.started"))) - len(seen))
    assert seen == [str(p) for p in paths]
    assert max(ahead) <= 16  # started but not yet read: never more than the window
    assert max(ahead) >= 4  # the workers did run ahead, so the bound was tested


def _failing(path: Path):
    """A worker's job that fails on the letter named 013."""
    if path.stem == "013":
        raise RuntimeError(f"cannot process {path.name}")
    return path.name


def test_a_failing_worker_stops_the_run_with_its_error(tmp_path) -> None:
    """An error in a worker process reaches the reader, and the pool shuts down instead of waiting forever for
    its feeding thread (which waits for a slot in the window)."""
    import subprocess
    import sys
    import textwrap

    script = textwrap.dedent(f"""
        from pathlib import Path
        from kg.pipeline import process_files
        from tests.test_pipeline import _failing
        paths = [Path({str(tmp_path)!r}) / f"{{n:03d}}.md" for n in range(200)]
        for p in paths:
            p.write_text("x")
        done = []
        try:
            for name in process_files(paths, jobs=2, window=16, work=_failing):
                done.append(name)
        except RuntimeError as error:
            print("raised:", error, len(done))
    """)
    finished = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120,
                              cwd=Path(__file__).resolve().parent.parent)
    assert finished.returncode == 0, finished.stderr
    assert finished.stdout.startswith("raised: cannot process 013.md ")
    assert 8 <= int(finished.stdout.split()[-1]) <= 13  # letters before it came through (less its chunk's)
