"""`kg build` at growing sizes: letters per second, time per letter, and peak memory of the writing process.

Copies of the bundled letters get distinct case numbers so each is a new letter. Memory that stays flat
as the letter count grows shows that build streams. Sizes run in one process, one after the other.

    python benchmarks/build_scale.py --sizes 200 800 --jobs 2
"""
from __future__ import annotations

import argparse
import re
import resource
import tempfile
import time
from pathlib import Path

from kg.build import build
from kg.pipeline import letter_paths
from kg.store import KGStore

ROOT = Path(__file__).resolve().parent.parent
CASE = re.compile(r"CM\d{2}-\d{7}")


def make_letters(folder: Path, count: int) -> None:
    """``count`` letters, each a bundled letter with its own case number (CM90-0000001 ...)."""
    sources = [p for p in letter_paths([ROOT / "letters"]) if p.suffix != ".pdf"]
    for i in range(count):
        source = sources[i % len(sources)]
        text = CASE.sub(f"CM90-{i:07d}", source.read_text(encoding="utf-8"))
        (folder / f"{i:06d}{source.suffix}").write_text(text, encoding="utf-8")


def run(count: int, jobs: int) -> tuple[float, float, int]:
    """Seconds, peak RSS in MiB of this process after the build, and triples stored."""
    with tempfile.TemporaryDirectory() as tmp:
        letters = Path(tmp) / "letters"
        letters.mkdir()
        make_letters(letters, count)
        start = time.perf_counter()
        with KGStore(Path(tmp) / "store") as store:
            build([letters], store, jobs=jobs)
            triples = store.triple_count()
        seconds = time.perf_counter() - start
    return seconds, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, triples


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[200, 800])
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args()
    results = []
    for count in args.sizes:
        seconds, rss, triples = run(count, args.jobs)
        results.append((count, seconds, rss, triples))
        print(f"{count:6d} letters: {seconds:7.1f} s, {count / seconds:6.2f} letters/s, "
              f"{1000 * seconds / count:6.1f} ms/letter, {triples / count:6.1f} triples/letter, "
              f"peak RSS {rss:7.1f} MiB (jobs={args.jobs})")
    if len(results) > 1:
        small, large = results[0], results[-1]
        print(f"size x{large[0] / small[0]:.1f}: time x{large[1] / small[1]:.2f}, "
              f"peak memory x{large[2] / small[2]:.2f}")


if __name__ == "__main__":
    main()
