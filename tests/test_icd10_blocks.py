"""The ICD-10-CM block table agrees with the code set's own tree, category by category."""
from __future__ import annotations

from typing import Any

import pytest

from kg.vocab.icd10 import icd_package
from kg.vocab.icd10_blocks import block_of, block_title, blocks


@pytest.fixture(scope="module")
def icd() -> Any:
    """The code set (simple-icd-10-cm)."""
    return icd_package()


def test_every_category_is_in_its_block(icd: Any) -> None:
    """Each category of the code set has the block the code set puts it under, and no category is missing."""
    categories = [code for code in icd.get_all_codes(True) if icd.is_category(code)]
    assert len(categories) > 1900
    wrong = [(c, block_of(c), icd.get_parent(c)) for c in categories if block_of(c) != icd.get_parent(c)]
    assert wrong == []
    assert set(blocks()) == {icd.get_parent(c) for c in categories}


@pytest.mark.parametrize("code, block", [("M51.16", "M50-M54"), ("m5116", "M50-M54"), ("C4A.9", "C43-C44"),
                                         ("S83.241A", "S80-S89"), ("G89.29", "G89-G99"), ("Z99.89", "Z77-Z99"),
                                         ("XYZ", None), ("", None)])
def test_codes_and_categories_find_their_block(code: str, block: str | None) -> None:
    """A full code, a code without its dot, and a category all find the category's block; others none."""
    assert block_of(code) == block


def test_titles_read_as_the_code_set_says(icd: Any) -> None:
    """Titles are the code set's descriptions without the trailing range."""
    assert block_title("M50-M54") == "Other dorsopathies"
    assert block_title("M50-M54") in icd.get_description("M50-M54")
    assert block_title("no-such-block") == ""
