"""Synthetic IMR letters for benchmarks and scale tests: ``kg synth N --out DIR``.

Letters are drawn from a seed (the same seed gives the same bytes), in every known layout and file type,
with the category mix and outcome rates of the published IMR figures. Each one says in its first line
that it is synthetic (:data:`MARKER`) and has a case number in the reserved range ``CM99-xxxxxxx``; with
``gold`` a ``NAME.gold.json`` beside it states what the letter says, so ``kg eval`` can score the
extractor on it. They are test data, never evidence about real cases.
"""
from __future__ import annotations

import json
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kg.synth.cases import Case, draw_case, overturn_probabilities
from kg.synth.layouts import build
from kg.synthetic import CASE_PREFIX, MARKER, is_synthetic
from kg.synth.pdf import write_pdf
from kg.synth.render import markdown, page, text
from kg.synth.tables import CATEGORY_SHARES, FORMAT_SHARES, LAYOUT_SHARES

__all__ = ["CASE_PREFIX", "FORMAT_SHARES", "LAYOUT_SHARES", "MARKER", "Options", "SynthLetter", "allocate",
           "generate", "is_synthetic", "parse_shares", "render", "write_letters"]

LAYOUTS = tuple(LAYOUT_SHARES)
FORMATS = tuple(FORMAT_SHARES)
_SUFFIXES = {"md": ".md", "txt": ".txt", "html": ".html", "pdf": ".pdf"}
_LAST_NUMBER = 9_999_999


@dataclass
class Options:
    """What to generate: how many letters, from which seed, in which layouts and formats, at what rates."""

    count: int
    seed: int = 0
    start: int = 1  # the first case number is CM99-<start>
    layouts: dict[str, float] = field(default_factory=lambda: dict(LAYOUT_SHARES))
    formats: dict[str, float] = field(default_factory=lambda: dict(FORMAT_SHARES))
    overturn_rate: float = 0.115
    categories: dict[str, float] = field(default_factory=lambda: dict(CATEGORY_SHARES))

    def check(self) -> None:
        """Raise ValueError when the options cannot be met."""
        if self.count < 0:
            raise ValueError("the number of letters cannot be negative")
        if self.start < 0 or self.start + self.count - 1 > _LAST_NUMBER:
            raise ValueError(f"case numbers CM99-{self.start:07d} onward leave no room for {self.count} letters")
        for name, shares, known in (("layout", self.layouts, LAYOUTS), ("format", self.formats, FORMATS),
                                    ("category", self.categories, tuple(CATEGORY_SHARES))):
            unknown = sorted(set(shares) - set(known))
            if unknown:
                raise ValueError(f"unknown {name}(s): {', '.join(unknown)} (known: {', '.join(known)})")
            if any(v < 0 for v in shares.values()) or sum(shares.values()) <= 0:
                raise ValueError(f"{name} shares must be non-negative and not all zero")
        if not 0 <= self.overturn_rate <= 1:
            raise ValueError("the overturn rate must be between 0 and 1")


@dataclass
class SynthLetter:
    """One generated letter: its file name (without suffix), format, bytes and the case it states."""

    name: str
    format: str
    data: bytes
    case: Case

    @property
    def filename(self) -> str:
        """The letter's file name."""
        return self.name + _SUFFIXES[self.format]

    def gold(self) -> dict[str, Any]:
        """The gold record (``NAME.gold.json``) of the letter."""
        return self.case.gold()


def parse_shares(spec: str, defaults: dict[str, float]) -> dict[str, float]:
    """Shares from "md,txt" (those names, at their default shares) or "md:40,pdf:10" (shares as given)."""
    shares: dict[str, float] = {}
    for part in (p.strip() for p in spec.split(",")):
        if not part:
            continue
        name, _, share = part.partition(":")
        name = name.strip().lower()
        if name not in defaults:
            raise ValueError(f"unknown name {name!r} (known: {', '.join(defaults)})")
        try:
            value = float(share) if share.strip() else defaults[name]
        except ValueError:
            raise ValueError(f"share of {name!r} is not a number: {share!r}") from None
        if value < 0:
            raise ValueError(f"share of {name!r} is negative")
        shares[name] = value
    if not shares or sum(shares.values()) <= 0:
        raise ValueError(f"no shares given (known names: {', '.join(defaults)})")
    return shares


def allocate(shares: dict[str, float], count: int, rng: random.Random) -> list[str]:
    """``count`` labels in the given shares exactly (largest remainders), in a shuffled order."""
    total = sum(shares.values())
    exact = {k: count * v / total for k, v in shares.items()}
    counts = {k: int(v) for k, v in exact.items()}
    order = sorted(exact, key=lambda k: (counts[k] - exact[k], list(shares).index(k)))
    for key in order[: count - sum(counts.values())]:
        counts[key] += 1
    labels = [k for k in shares for _ in range(counts[k])]
    rng.shuffle(labels)
    return labels


def generate(options: Options) -> Iterator[SynthLetter]:
    """The letters ``options`` asks for, one at a time, in case-number order."""
    options.check()
    master = random.Random(f"kg-synth:{options.seed}")
    layouts = allocate(options.layouts, options.count, master)
    formats = allocate(options.formats, options.count, master)
    shares = {k: v for k, v in options.categories.items() if v > 0}
    overturn = overturn_probabilities(options.overturn_rate, shares)
    for index in range(options.count):
        rng = random.Random(f"kg-synth:{options.seed}:{index}")
        number = f"{CASE_PREFIX}{options.start + index:07d}"
        case = draw_case(rng, number, layouts[index], overturn, shares)
        yield SynthLetter(number, formats[index], render(case, formats[index], rng), case)


def render(case: Case, fmt: str, rng: random.Random) -> bytes:
    """The bytes of ``case`` written as a letter file of format ``fmt`` (md, txt, html or pdf)."""
    blocks = build(case, rng)
    title = f"Synthetic IMR letter {case.case_number}"
    if fmt == "md":
        return markdown(blocks, rng)
    if fmt == "txt":
        return text(blocks, rng, case.case_number)
    if fmt == "html":
        return page(blocks, rng, title)
    return write_pdf(blocks, case.case_number, rng, title)


def write_letters(out: Path, options: Options, gold: bool = False,
                  progress: Callable[[int], None] | None = None) -> dict[str, int]:
    """Write the letters (and with ``gold`` their gold files) into ``out``; counts per layout and format."""
    out.mkdir(parents=True, exist_ok=True)
    counts: dict[str, int] = {}
    for number, letter in enumerate(generate(options), 1):
        (out / letter.filename).write_bytes(letter.data)
        if gold:
            (out / f"{letter.name}.gold.json").write_text(json.dumps(letter.gold(), indent=2) + "\n", encoding="utf-8")
        for key in (letter.case.layout, letter.format):
            counts[key] = counts.get(key, 0) + 1
        if progress is not None:
            progress(number)
    return counts
