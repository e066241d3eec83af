"""Throughput of `kg extract` in one process over many letter files (copies of the bundled letters).

Reports letters per second for reading alone (the baseline) and for reading plus extraction, the
median time per letter for each, and their ratio, all measured in the same run.

    python benchmarks/extract_throughput.py --copies 5000
"""
from __future__ import annotations

import argparse
import shutil
import statistics
import tempfile
import time
from pathlib import Path

from kg import extract_file, read_letter
from kg.pipeline import letter_paths

ROOT = Path(__file__).resolve().parent.parent


def make_corpus(folder: Path, copies: int) -> list[Path]:
    """At least ``copies`` letter files in ``folder``, cycling through the bundled letters."""
    sources = list(letter_paths([ROOT / "letters"]))
    files = []
    for i in range(copies):
        source = sources[i % len(sources)]
        target = folder / f"{i:06d}-{source.name}"
        shutil.copyfile(source, target)
        files.append(target)
    return files


def timed(function, files: list[Path]) -> tuple[float, list[float]]:
    """Total seconds and per-file seconds of ``function`` over ``files``."""
    each = []
    start = time.perf_counter()
    for path in files:
        t = time.perf_counter()
        function(path)
        each.append(time.perf_counter() - t)
    return time.perf_counter() - start, each


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--copies", type=int, default=5000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        files = make_corpus(Path(tmp), args.copies)
        extract_file(files[0])  # load vocabularies and the ICD-10-CM index once, outside the timing
        read_total, read_each = timed(read_letter, files)
        full_total, full_each = timed(extract_file, files)
        pdfs = [t for t, f in zip(full_each, files) if f.suffix == ".pdf"]
        texts = [t for t, f in zip(full_each, files) if f.suffix != ".pdf"]
    print(f"letters: {len(files)} ({len(pdfs)} PDF)")
    print(f"read only (baseline): {len(files) / read_total:8.1f} letters/s, median {statistics.median(read_each) * 1e3:.2f} ms")
    print(f"read + extract:       {len(files) / full_total:8.1f} letters/s, median {statistics.median(full_each) * 1e3:.2f} ms")
    print(f"  text/markdown median {statistics.median(texts) * 1e3:.2f} ms, PDF median {statistics.median(pdfs) * 1e3:.2f} ms")
    print(f"extract/read ratio of medians: {statistics.median(full_each) / statistics.median(read_each):.1f}x")


if __name__ == "__main__":
    main()
