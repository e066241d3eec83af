"""Where a build's time goes: each stage of the pipeline and of the loader, per letter, in one process.

For N synthetic Markdown letters (``kg synth``), in order: reading and extraction, mapping to triples,
writing N-Triples, SHACL validation (the default engine), the rest of :func:`kg.pipeline.process_record`
(outcome facts, index rows, the report's text), then the loader's writes into a new store on disk: the bulk
load, the outcome counts and the item index, per batch of 500. Medians per letter in milliseconds, the
share of the total, and the letters per second one core would reach; with ``--jobs 2`` the workers share
two cores with the writer.

    python benchmarks/stages.py --letters 1000
"""
from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from kg.loading import LetterLoader  # noqa: E402
from kg.pipeline import extract_file, letter_paths, process_record  # noqa: E402
from kg.rdf.mapping import record_triples  # noqa: E402
from kg.rdf.ntriples import ntriples  # noqa: E402
from kg.store import KGStore  # noqa: E402
from kg.validate import validate_ntriples  # noqa: E402

KG = str(Path(sys.executable).parent / "kg")


def stage_times(paths: list[Path]) -> tuple[dict[str, list[float]], list[Any]]:
    """Seconds per letter of each worker stage, and the processed letters."""
    times: dict[str, list[float]] = {name: [] for name in ("read+extract", "map", "N-Triples", "validate",
                                                           "rest of process_record")}
    processed = []
    process_record(extract_file(paths[0]), "warm-up")  # vocabularies, shapes and engines load once
    for path in paths:
        start = time.perf_counter()
        record = extract_file(path)
        extracted = time.perf_counter()
        triples = record_triples(record, datetime.now(UTC))
        mapped = time.perf_counter()
        text = ntriples(triples)
        written = time.perf_counter()
        validate_ntriples(text, triples)
        validated = time.perf_counter()
        done = process_record(record, record.sha256 or "")  # all of it, to time what the stages above leave out
        whole = time.perf_counter() - validated
        times["read+extract"].append(extracted - start)
        times["map"].append(mapped - extracted)
        times["N-Triples"].append(written - mapped)
        times["validate"].append(validated - written)
        times["rest of process_record"].append(max(whole - (validated - extracted), 0.0))
        processed.append(done)
    return times, processed


def load_times(processed: list[Any], store_path: Path) -> dict[str, float]:
    """Seconds per letter the loader spends on each kind of write, into a new store."""
    spent = {"bulk load": 0.0, "outcome counts": 0.0, "item index": 0.0}
    with KGStore(store_path) as store:
        index = store.item_index()
        original = (store.add_new, store.update, store.index)

        def timed(name: str, function: Any) -> Any:
            def run(*args: Any) -> Any:
                start = time.perf_counter()
                try:
                    return function(*args)
                finally:
                    spent[name] += time.perf_counter() - start
            return run

        store.add_new = timed("bulk load", original[0])  # type: ignore[method-assign]
        store.update = timed("outcome counts", original[1])  # type: ignore[method-assign]
        store.index = timed("item index", original[2])  # type: ignore[method-assign]
        loader = LetterLoader(store, existing=set())
        for letter in processed:
            loader.take(letter)
        loader.finish()
        assert index is not None and index.letter_count() == len(processed)
    return {name: seconds / len(processed) for name, seconds in spent.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--letters", type=int, default=1000)
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as work:
        folder = Path(work) / "letters"
        subprocess.run([KG, "synth", str(args.letters), "--out", str(folder), "--seed", "5", "--formats", "md",
                        "-q"], check=True)
        paths = list(letter_paths([folder]))
        times, processed = stage_times(paths)
        writes = load_times(processed, Path(work) / "store")
    rows = {name: statistics.median(values) for name, values in times.items()}
    rows.update(writes)  # the writes are totals over batches, shown per letter
    total = sum(rows.values())
    print(f"{len(paths)} synthetic Markdown letters, one process")
    print(f"{'stage':<24} {'ms/letter':>10} {'share':>7}")
    for name, seconds in rows.items():
        print(f"{name:<24} {seconds * 1000:>10.2f} {seconds / total:>6.0%}")
    print(f"{'total':<24} {total * 1000:>10.2f}   -> {1 / total:.0f} letters/s on one core")
    if args.json:
        args.json.write_text(json.dumps({"letters": len(paths), "ms_per_letter": {k: v * 1000 for k, v in rows.items()}},
                                        indent=1))


if __name__ == "__main__":
    main()
