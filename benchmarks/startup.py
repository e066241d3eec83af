"""Start-up of the `kg` command: `--help`, `--version` and extracting one letter, against bare Python.

Each command runs as a fresh process (as a user starts it); the table gives the median of the runs and the
ratio against `python -c pass` measured in the same run. Extraction needs the ICD-10-CM index, which is
cached on disk after its first build: the first run of all may take longer.

    python benchmarks/startup.py --repeat 7
"""
from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
KG = Path(sys.executable).parent / "kg"
COMMANDS = {
    "python -c pass (baseline)": [sys.executable, "-c", "pass"],
    "kg --help": [str(KG), "--help"],
    "kg --version": [str(KG), "--version"],
    "kg extract (one letter)": [str(KG), "extract", "--quiet", str(ROOT / "letters" / "seed" / "CM14-0166055.md")],
}


def time_command(command: list[str], repeat: int) -> float:
    """Median wall-clock seconds of ``command`` over ``repeat`` runs (after one warm-up run)."""
    subprocess.run(command, check=True, capture_output=True)
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        subprocess.run(command, check=True, capture_output=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    results = {name: time_command(command, args.repeat) for name, command in COMMANDS.items()}
    base = results["python -c pass (baseline)"]
    print(f"{'command':<30} {'median s':>9} {'/ python':>9}")
    for name, seconds in results.items():
        print(f"{name:<30} {seconds:>9.3f} {seconds / base:>8.1f}x")


if __name__ == "__main__":
    main()
