"""How well the similar decisions predict an outcome, on held-out items, against the category's base rate.

For every decided item of a built store (or a sample of them), the item is held out: its own letter is left
out, and only decisions made before it count. The ten most similar decisions (kg.similar) then predict its
outcome two ways, compared with the same two made from the overturn rate of its treatment category among the
other letters:

* majority: overturned when more than half of the ten were (the category's: when more than half of its items
  were) — accuracy;
* probability: the share overturned among the ten, smoothed towards the category's rate (add-2 prior), against
  the category's rate alone — Brier score (lower is better) and the area under the ROC curve (0.5 is chance).

    python benchmarks/similar_eval.py --store DIR [--sample 1000] [--json out.json]
"""
from __future__ import annotations

import argparse
import json
import random
import sys
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from kg.item_index import FILE_NAME, ItemIndex  # noqa: E402
from kg.similar import probe_of_item, similar  # noqa: E402

OVERTURNED = "https://w3id.org/imr-kg/vocab/outcome/overturned"


def auc(scores: list[float], truth: list[bool]) -> float | None:
    """Area under the ROC curve: the chance that an overturned item scores above an upheld one (ties half)."""
    positives = [s for s, t in zip(scores, truth) if t]
    negatives = [s for s, t in zip(scores, truth) if not t]
    if not positives or not negatives:
        return None
    wins = sum((p > n) + 0.5 * (p == n) for p in positives for n in negatives)
    return wins / (len(positives) * len(negatives))


def evaluate(index: ItemIndex, sample: int, seed: int = 7, top: int = 10) -> dict[str, float | int | None]:
    """The measures over held-out items (see the module's description)."""
    items = index.db.execute("SELECT i.item, i.letter, i.category, i.outcome FROM items i WHERE i.outcome != ''").fetchall()
    by_category: dict[str, list[tuple[str, bool]]] = defaultdict(list)
    for _, letter, category, outcome in items:
        by_category[category].append((letter, outcome == OVERTURNED))
    chosen = random.Random(seed).sample(items, min(sample, len(items)))
    truth, near, base, near_major, base_major, sizes = [], [], [], [], [], []
    started = time.perf_counter()
    for item, letter, category, outcome in chosen:
        others = [over for other, over in by_category[category] if other != letter]
        rate = sum(others) / len(others) if others else 0.0
        probe = probe_of_item(index, item)
        assert probe is not None
        found = similar(index, probe, top)
        n, over = len(found.matches), found.overturned
        truth.append(outcome == OVERTURNED)
        near.append((over + 2 * rate) / (n + 2))
        base.append(rate)
        near_major.append(n > 0 and over > n / 2)
        base_major.append(rate > 0.5)
        sizes.append(n)
    seconds = time.perf_counter() - started
    count = len(truth)

    def accuracy(predicted: list[bool]) -> float:
        return sum(p == t for p, t in zip(predicted, truth)) / count

    def brier(scores: list[float]) -> float:
        return sum((s - t) ** 2 for s, t in zip(scores, truth)) / count

    return {"held_out": count, "overturned": sum(truth), "median_matches": sorted(sizes)[count // 2],
            "accuracy_similar": accuracy(near_major), "accuracy_category": accuracy(base_major),
            "brier_similar": brier(near), "brier_category": brier(base),
            "auc_similar": auc(near, truth), "auc_category": auc(base, truth),
            "ms_per_item": 1000 * seconds / count}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", type=Path, required=True)
    parser.add_argument("--sample", type=int, default=1000)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    index = ItemIndex(args.store / FILE_NAME, read_only=True)
    if not index.current:
        raise SystemExit(f"{args.store}: no current item index (run kg recount)")
    result = evaluate(index, args.sample)
    for name, value in result.items():
        print(f"{name:<20} {value:.4f}" if isinstance(value, float) else f"{name:<20} {value}")
    if args.json:
        args.json.write_text(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
