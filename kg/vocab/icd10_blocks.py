"""The ICD-10-CM block of a code ("M51.16" → "M50-M54", Other dorsopathies), without loading the code set.

Blocks group the three-character categories inside a chapter. The table (``data/icd10_blocks.tsv``) lists each
block's categories, because a block's categories are not a range in character order (C4A sorts after C49 but
belongs to C43-C44), so the look-up is by category.
"""
from __future__ import annotations

from functools import cache
from importlib import resources


@cache
def _blocks() -> tuple[dict[str, str], dict[str, str]]:
    """(category → block, block → title), read once."""
    by_category: dict[str, str] = {}
    titles: dict[str, str] = {}
    text = resources.files("kg.vocab").joinpath("data/icd10_blocks.tsv").read_text(encoding="utf-8")
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        block, title, categories = line.split("\t")
        titles[block] = title
        for category in categories.split():
            by_category[category] = block
    return by_category, titles


def block_of(code: str) -> str | None:
    """The block ("M50-M54") of an ICD-10-CM category or code ("M51.16", "M5116"), or None when its category is
    not in the code set."""
    return _blocks()[0].get(code.strip().upper()[:3])


def block_title(block: str) -> str:
    """A block's title ("Other dorsopathies"), or "" for an unknown block."""
    return _blocks()[1].get(block, "")


def blocks() -> dict[str, str]:
    """Every block with its title, in code-set order."""
    return dict(_blocks()[1])


def categories() -> tuple[str, ...]:
    """Every three-character category that lies in a block."""
    return tuple(_blocks()[0])
