"""The chapter table gives, for every category of the code set, the chapter the code set's own tree gives."""
from __future__ import annotations

from kg.vocab.icd10 import icd10_hierarchy, icd_package
from kg.vocab.icd10_chapters import chapter_of


def test_every_category_is_in_its_code_set_chapter() -> None:
    """All categories of ICD-10-CM, walked up the code set's tree, reach the chapter the table names."""
    cm = icd_package()
    categories = [c for c in cm.get_all_codes() if len(c) == 3 and not c.isdigit() and cm.is_category(c)]
    assert len(categories) > 1500
    wrong = []
    for category in categories:
        chapters = [notation for notation, _, kind in icd10_hierarchy(category) if kind == "chapter"]
        if chapters != [chapter_of(category)]:
            wrong.append((category, chapters, chapter_of(category)))
    assert not wrong, wrong[:10]


def test_codes_with_and_without_dots_and_things_that_are_not_codes() -> None:
    """Full codes read by their category; words, numbers and empty text have no chapter."""
    assert chapter_of("M51.16") == chapter_of("m5116") == "13"
    assert chapter_of("U07.1") == "22" and chapter_of("O9A.1") == "15" and chapter_of("S83.2") == "19"
    for text in ("", "12", "M5", "!!!"):
        assert chapter_of(text) is None


def test_chapter_titles_are_the_code_sets() -> None:
    """Every chapter has the code set's title (without its range)."""
    from kg.vocab.icd10_chapters import TITLES

    cm = icd_package()
    assert set(TITLES) == {str(n) for n in range(1, 23)}
    for number, title in TITLES.items():
        assert cm.get_description(number).startswith(title)
