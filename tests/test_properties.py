"""Property-based tests: the seed letter, perturbed the ways real files differ, gives the same record."""
from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kg import extract_file
from tests.conftest import SEED

VOLATILE = {"source", "encoding", "sha256", "format", "text"}


def _stable(value: Any) -> Any:
    """The record without what legitimately differs between copies: file facts and character offsets."""
    if isinstance(value, dict):
        return {k: _stable(v) for k, v in value.items() if k not in VOLATILE and "span" not in k}
    if isinstance(value, list):
        return [_stable(v) for v in value]
    return value


BASELINE = _stable(extract_file(SEED).to_dict())
SEED_TEXT = SEED.read_text(encoding="utf-8")

perturbation = st.fixed_dictionaries({
    "newline": st.sampled_from(["\n", "\r\n", "\r"]),
    "markup": st.sampled_from(["as-is", "none", "stars", "html-strong"]),
    "headings": st.sampled_from(["###", "none", "#"]),
    "header": st.sampled_from(["tabs", "spaces", "own-lines"]),
    "trailing": st.lists(st.sampled_from(["", " ", "  ", "\t", " \t "]), min_size=1, max_size=8),
    "blank_lines": st.integers(min_value=1, max_value=3),
    "quotes": st.sampled_from(["straight", "smart"]),
    "encoding": st.sampled_from(["utf-8", "utf-8-sig", "cp1252"]),
})


def _perturb(text: str, p: dict[str, Any]) -> bytes:
    if p["markup"] == "none":
        text = re.sub(r"</?b>|\*\*", "", text)
    elif p["markup"] == "stars":
        text = re.sub(r"<b>(.*?)</b>", r"**\1**", text)
    elif p["markup"] == "html-strong":
        text = re.sub(r"\*\*(.*?)\*\*", r"<strong>\1</strong>", text.replace("<b>", "<strong>").replace("</b>", "</strong>"))
    text = re.sub(r"^#+ ", "" if p["headings"] == "none" else p["headings"] + " ", text, flags=re.MULTILINE)
    header_end = text.index("HOW THE IMR")
    head, rest = text[:header_end], text[header_end:]
    if p["header"] == "spaces":
        head = re.sub(r"\t+", "    ", head)
    elif p["header"] == "own-lines":
        head = re.sub(r"\t+", "\n", head)
    text = head + rest
    lines = text.split("\n")
    lines = [line + p["trailing"][i % len(p["trailing"])] for i, line in enumerate(lines)]
    text = "\n".join(lines)
    text = re.sub(r"\n\n", "\n" * (p["blank_lines"] + 1), text)
    if p["quotes"] == "smart":
        text = re.sub(r"(\w)'(\w)", "\\1\u2019\\2", text)
        text = re.sub(r'"([^"\n]*)"', "\u201c\\1\u201d", text)
    text = text.replace("\n", p["newline"])
    return text.encode(p["encoding"])


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(p=perturbation)
def test_perturbed_seed_gives_the_same_record(tmp_path: Path, p: dict[str, Any]) -> None:
    """Line endings, markup, headings, header layout, whitespace, quotes and encoding do not change the record."""
    path = tmp_path / "CM14-0166055.md"
    path.write_bytes(_perturb(SEED_TEXT, p))
    assert _stable(extract_file(path).to_dict()) == BASELINE


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(suffix=st.sampled_from([".txt", ".md"]), p=perturbation)
def test_suffix_does_not_matter(tmp_path: Path, suffix: str, p: dict[str, Any]) -> None:
    """The same letter saved as .txt or .md reads the same."""
    path = tmp_path / f"letter{suffix}"
    path.write_bytes(_perturb(SEED_TEXT, p))
    assert _stable(extract_file(path).to_dict()) == BASELINE
