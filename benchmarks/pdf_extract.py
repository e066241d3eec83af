"""PDF letters: `kg extract` against `pdftotext -layout` over the real DWC letters, in the same run.

Times, over every PDF under the folder (by default ``../shared/letters/real``, 166 letters):

- ``pdftotext -layout FILE -`` (Debian's poppler-utils), one subprocess per letter: the baseline;
- ``kg extract`` in one Python process: read and extract each letter (``kg.pipeline.extract_file``);
- the ``kg extract --quiet FILE...`` command as one subprocess over the whole list (start-up included);
- reading alone (``kg.letters.read_letter``: PDFium text laid out from character positions).

Each is run ``--repeat`` times (interleaved); the medians of the runs are printed, in total and per letter,
with the ratio of each to pdftotext. Exit status 2 when pdftotext or the letters are missing.

    python benchmarks/pdf_extract.py --repeat 5
"""
from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from kg.letters import read_letter
from kg.pipeline import extract_file

ROOT = Path(__file__).resolve().parent.parent
REAL = ROOT.parent / "shared" / "letters" / "real"


def kg_command() -> list[str]:
    """The `kg` script beside this interpreter, else ``python -m kg``."""
    script = Path(sys.executable).with_name("kg")
    return [str(script)] if script.is_file() else [sys.executable, "-m", "kg"]


def pdftotext(path: Path) -> None:
    """Run ``pdftotext -layout FILE -`` and discard its text."""
    subprocess.run(["pdftotext", "-layout", str(path), "-"], check=True, stdout=subprocess.DEVNULL)


def each_file(function: Callable[[Path], object], files: list[Path]) -> tuple[float, list[float]]:
    """Total seconds and per-file seconds of ``function`` over ``files``."""
    each = []
    start = time.perf_counter()
    for path in files:
        t = time.perf_counter()
        function(path)
        each.append(time.perf_counter() - t)
    return time.perf_counter() - start, each


def cli_run(files: list[Path]) -> float:
    """Seconds of one ``kg extract --quiet`` process over every file (output discarded)."""
    start = time.perf_counter()
    done = subprocess.run([*kg_command(), "extract", "--quiet", *map(str, files)], check=False,
                          stdout=subprocess.DEVNULL)
    seconds = time.perf_counter() - start
    if done.returncode not in (0, 1):  # 1: some letters had errors, still a full run
        sys.exit(f"kg extract exited with status {done.returncode}")
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", nargs="?", type=Path, default=REAL, help="folder searched for *.pdf")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    if shutil.which("pdftotext") is None:
        print("pdftotext not found: it is in Debian's poppler-utils (apt-get install poppler-utils)",
              file=sys.stderr)
        sys.exit(2)
    files = sorted(args.folder.rglob("*.pdf")) if args.folder.is_dir() else []
    if not files:
        print(f"no PDF letters in {args.folder}", file=sys.stderr)
        sys.exit(2)
    extract_file(files[0])  # load vocabularies and the ICD-10-CM index once, outside the timing
    pdftotext(files[0])
    methods: dict[str, Callable[[Path], object]] = {
        "pdftotext -layout (subprocess each)": pdftotext,
        "kg extract, one process": extract_file,
        "read_letter only (PDFium)": read_letter,
    }
    cli_name = "kg extract --quiet (one subprocess)"
    totals: dict[str, list[float]] = {name: [] for name in [*methods, cli_name]}
    letters: dict[str, list[float]] = {name: [] for name in methods}
    for _ in range(args.repeat):
        for name, function in methods.items():
            total, each = each_file(function, files)
            totals[name].append(total)
            letters[name].extend(each)
        totals[cli_name].append(cli_run(files))

    count = len(files)
    baseline = statistics.median(totals["pdftotext -layout (subprocess each)"])
    width = max(map(len, totals))
    print(f"letters: {count} PDFs in {args.folder}, {args.repeat} runs, medians")
    print(f"{'':<{width}}  {'total s':>8}  {'ms/letter':>9}  {'median letter ms':>16}  {'/ pdftotext':>11}")
    for name, runs in totals.items():
        total = statistics.median(runs)
        median_letter = f"{statistics.median(letters[name]) * 1e3:16.2f}" if name in letters else f"{'':>16}"
        print(f"{name:<{width}}  {total:8.2f}  {total / count * 1e3:9.2f}  {median_letter}  {total / baseline:10.2f}x")


if __name__ == "__main__":
    main()
