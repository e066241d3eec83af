"""Fuzzing the readers and the extractor: whatever bytes or text come in, the only exceptions that escape are
the project's own (kg.errors.KGError), and an extracted record always names its source. Property-based tests
(hypothesis) here, and the coverage-guided target fuzz/fuzz_letters.py (atheris) run for a bounded number of
inputs from the bundled letters."""
from __future__ import annotations

import random
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kg.errors import KGError
from kg.letters import read_bytes
from kg.pipeline import extract_bytes
from tests.conftest import DATA_DIR, ROOT

SUFFIXES = (".txt", ".md", ".html", ".htm", ".markdown", ".pdf")
LETTERS = sorted(p for p in DATA_DIR.rglob("*") if p.suffix in (".md", ".txt") and not p.name.startswith("."))


def _read(data: bytes, suffix: str) -> None:
    try:
        letter = read_bytes(data, f"fuzz{suffix}", suffix)
    except KGError:
        return
    assert letter.text and letter.source == f"fuzz{suffix}"


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.binary(max_size=4096), suffix=st.sampled_from(SUFFIXES))
def test_any_bytes_read_as_a_letter_or_fail_in_words(data: bytes, suffix: str) -> None:
    _read(data, suffix)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=st.text(max_size=3000), suffix=st.sampled_from((".txt", ".md", ".html")),
       encoding=st.sampled_from(["utf-8", "utf-16", "utf-16-le", "cp1252"]))
def test_any_text_in_any_encoding_goes_through_extraction(text: str, suffix: str, encoding: str) -> None:
    record = extract_bytes(text.encode(encoding, errors="replace"), f"fuzz{suffix}", suffix)
    assert record.source == f"fuzz{suffix}"
    assert record.case_number is not None or record.errors


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 2**32 - 1), letter=st.sampled_from(LETTERS),
       edits=st.lists(st.tuples(st.sampled_from(["cut", "drop", "repeat", "swap", "flip"]), st.floats(0, 1),
                                st.floats(0, 1)), min_size=1, max_size=8))
def test_mangled_letters_are_read_or_kept_out_in_words(seed: int, letter: Path, edits: list) -> None:
    """A real letter of ours cut, with lines dropped, repeated or swapped, or bytes flipped: a record comes out,
    with a case number or errors, and nothing else escapes."""
    lines = letter.read_text(encoding="utf-8").splitlines(keepends=True)
    chance = random.Random(seed)
    for kind, a, b in edits:
        if not lines:
            break
        i, j = int(a * (len(lines) - 1)), int(b * (len(lines) - 1))
        if kind == "cut":
            lines = lines[:i]
        elif kind == "drop":
            del lines[i]
        elif kind == "repeat":
            lines[i:i] = lines[i:j + 1] * 3
        elif kind == "swap":
            lines[i], lines[j] = lines[j], lines[i]
        else:
            line = lines[i]
            if line:
                k = chance.randrange(len(line))
                lines[i] = line[:k] + chr(chance.randrange(32, 0x2FFF)) + line[k + 1:]
    record = extract_bytes("".join(lines).encode("utf-8"), letter.name, letter.suffix)
    assert record.case_number is not None or record.errors


@pytest.mark.parametrize("runs", [2000])
def test_the_atheris_target_runs_clean_from_the_bundled_letters(tmp_path: Path, runs: int) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    kinds = {".txt": 0, ".md": 1, ".html": 2}
    for number, path in enumerate(LETTERS[:8]):
        (corpus / f"letter{number}").write_bytes(bytes([kinds[path.suffix]]) + path.read_bytes()[:20000])
    done = subprocess.run([sys.executable, str(ROOT / "fuzz" / "fuzz_letters.py"), f"-runs={runs}", "-max_len=20000",
                           "-seed=7", str(corpus)], capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    assert f"Done {runs} runs" in done.stderr
