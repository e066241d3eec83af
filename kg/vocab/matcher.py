"""Find the labels of one vocabulary in text: whole words, longest match first, spans in the original text.

Matching rules:

* Case-insensitive, except for short abbreviations: a label with no lower-case letter and at most four
  letters ("PT", "TENS", "CT", "ESI", "MTUS", "B/L") matches only as written, so "tens", "ct" or "pt"
  in ordinary prose do not match. The rule is applied to the labels as written in the data; the Turtle
  needs no flag for it.
* Whole words only. A word joined by a hyphen is one word: "MTUS" does not match inside "Non-MTUS", nor
  "ultrasound" inside "ultrasound-guided" (give such compounds their own label to match them).
* Between the words of a label, any run of spaces, hyphens and slashes matches, or none: "x-ray" matches
  "x ray", "xray" and "X-Ray"; "post-operative" matches "postoperative"; "EMG/NCV" matches "EMG-NCV".
  "&" and "and" match each other; commas, periods and apostrophes in a label are optional.
* The last word may take a plural: "s"/"es" ("injections", "x-rays"), or "ies" for a final consonant + "y"
  ("therapies", "extremities").
* Overlapping candidates are resolved longest first, then earliest; the matches returned never overlap and
  come in text order.

How: the labels go into two character tries, a case-insensitive one (walked over an ASCII-lowered copy of
the text, which keeps every offset) and a case-sensitive one (walked over the text itself). At every word
start the trie is walked depth first, trying longer labels before shorter ones, exactly as a regular
expression alternation of the same units would (and as an earlier version did with one); walking in Python
costs nothing to set up, where compiling such expressions for thousands of labels took seconds at every
start. Every word start is tried, so overlapping candidates are all seen before the longest are kept. A
matched surface is mapped back to its label by :func:`label_key`.
"""
from __future__ import annotations

import re
import string
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:
    from kg.vocab.concepts import Concept

VIA_ORDER = {"pref": 0, "alt": 1, "brand": 2}

_SEP = r"[\s\-/\u2010-\u2013]*"
_AND = r"(?:and|&)"
# A label starts after a character that is not a letter or digit, nor a hyphen joining it to a word
# before; consuming that character lets the regex engine skip to word starts. Texts get a leading space.
_BOUNDARY = r"(?![A-Za-z0-9])(?!-[A-Za-z0-9])"
_PLURAL = r"(?:e?s)?" + _BOUNDARY
_Y_PLURAL = r"(?:y|ies)"
_ENDINGS = {_BOUNDARY, _PLURAL, _Y_PLURAL, ""}
_TOKEN_RE = re.compile(r"[A-Za-z0-9]+|[^\sA-Za-z0-9\-/\u2010-\u2013]")
_OPTIONAL_PUNCT = {",", ".", "'", "\u2019"}
_NOT_KEY_RE = re.compile(r"[^a-z0-9]")
_ASCII_LOWER = str.maketrans(string.ascii_uppercase, string.ascii_lowercase)


@dataclass(frozen=True)
class Match:
    """A label found in a text: the concept, the span ``[start, end)`` and how it was named."""

    concept: Concept
    start: int
    end: int
    surface: str
    via: str  # "pref" | "alt" | "brand"


class Entry(NamedTuple):
    """One label of one concept, as the matcher indexes it."""

    label: str
    concept: Concept
    via: str


def label_key(text: str) -> str:
    """The form under which labels and matched surfaces are compared: lower case, letters and digits only."""
    return _NOT_KEY_RE.sub("", text.casefold().replace("&", "and"))


def is_case_sensitive(label: str) -> bool:
    """True for short all-capital abbreviations (at most four letters), which match only as written."""
    letters = [c for c in label if c.isalpha()]
    return 0 < len(letters) <= 4 and not any(c.islower() for c in letters)


class LabelMatcher:
    """Finds the labels of a set of entries in text; build once per vocabulary."""

    def __init__(self, entries: Iterable[Entry]) -> None:
        self._by_key: dict[str, Entry] = {}
        tries: tuple[dict, dict] = ({}, {})
        for entry in entries:
            key = label_key(entry.label)
            if not key:
                continue
            known = self._by_key.get(key)
            same = known is not None and known.concept is entry.concept
            if known is None or (same and VIA_ORDER[entry.via] < VIA_ORDER[known.via]):
                self._by_key[key] = entry
            sensitive = is_case_sensitive(entry.label)
            _insert(tries[sensitive], _units(entry.label, sensitive))
        self._insensitive, self._sensitive = (_compile(t) if t else None for t in tries)
        self._firsts = tuple(frozenset(value for (kind, value), _ in trie if kind == "char") if trie else frozenset()
                             for trie in (self._insensitive, self._sensitive))

    def find_all(self, text: str) -> list[Match]:
        """Every non-overlapping label in ``text``, in text order (longest wins where candidates overlap)."""
        spans = set(_candidates(self._insensitive, " " + text.translate(_ASCII_LOWER), self._firsts[0]))
        spans.update(_candidates(self._sensitive, " " + text, self._firsts[1]))
        taken = bytearray(len(text))
        matches = []
        for start, end in sorted(spans, key=lambda s: (s[0] - s[1], s[0])):
            if any(taken[start:end]):
                continue
            entry = self.lookup(text[start:end])
            if entry is None:
                continue
            taken[start:end] = b"\x01" * (end - start)
            matches.append(Match(entry.concept, start, end, text[start:end], entry.via))
        matches.sort(key=lambda m: m.start)
        return matches

    def lookup(self, surface: str) -> Entry | None:
        """The entry whose label ``surface`` spells, allowing the plural endings the patterns allow."""
        key = label_key(surface)
        candidates = [key]
        if key.endswith("ies"):
            candidates.append(key[:-3] + "y")
        if key.endswith("es"):
            candidates.append(key[:-2])
        if key.endswith("s"):
            candidates.append(key[:-1])
        for candidate in candidates:
            if candidate in self._by_key:
                return self._by_key[candidate]
        return None


_Node = tuple[tuple[tuple[str, str], "_Node"], ...]  # ((kind, value), child) in the order to try them


def _compile(trie: dict) -> _Node:
    """The unit trie as nested tuples of decoded units, endings last (longer labels are tried first)."""
    order = sorted(trie.items(), key=lambda kv: kv[0] in _ENDINGS)
    return tuple((_decode(unit), _compile(child)) for unit, child in order)


def _decode(unit: str) -> tuple[str, str]:
    if unit == _SEP:
        return ("sep", "")
    if unit == _AND:
        return ("and", "")
    if unit in (_BOUNDARY, _PLURAL, _Y_PLURAL, ""):
        return ({_BOUNDARY: "end", _PLURAL: "plural", _Y_PLURAL: "y", "": "stop"}[unit], "")
    if unit.endswith("?") and unit != "\\?":
        return ("optional", _unescape(unit[:-1]))
    return ("char", _unescape(unit))


def _unescape(unit: str) -> str:
    return unit.removeprefix("\\")


def _is_separator(char: str) -> bool:
    return char.isspace() or char in "-/\u2010\u2011\u2012\u2013"


def _is_word(char: str) -> bool:
    return char.isascii() and char.isalnum()


def _ends_here(text: str, at: int) -> bool:
    """The boundary after a label: no letter or digit next, nor a hyphen joining one."""
    if at < len(text) and _is_word(text[at]):
        return False
    return not (at + 1 < len(text) and text[at] == "-" and _is_word(text[at + 1]))


def _walk(node: _Node, text: str, at: int) -> int | None:
    """Where the first label (in trie order) matching at ``at`` ends, or None."""
    for (kind, value), child in node:
        end: int | None = None
        if kind == "char":
            if at < len(text) and text[at] == value:
                end = _walk(child, text, at + 1)
        elif kind == "sep":
            stop = at
            while stop < len(text) and _is_separator(text[stop]):
                stop += 1
            for p in range(stop, at - 1, -1):  # greedy, as "*" is
                if (end := _walk(child, text, p)) is not None:
                    break
        elif kind == "and":
            for word in ("and", "&"):
                if text.startswith(word, at) and (end := _walk(child, text, at + len(word))) is not None:
                    break
        elif kind == "optional":
            if at < len(text) and text[at] == value:
                end = _walk(child, text, at + 1)
            if end is None:
                end = _walk(child, text, at)
        elif kind == "y":
            for word in ("y", "ies"):
                if text.startswith(word, at) and (end := _walk(child, text, at + len(word))) is not None:
                    break
        elif kind == "plural":
            for word in ("es", "s", ""):
                if text.startswith(word, at) and _ends_here(text, at + len(word)):
                    end = at + len(word)
                    break
        elif kind == "end":
            end = at if _ends_here(text, at) else None
        else:  # "stop": a label ending in punctuation needs no boundary
            end = at
        if end is not None:
            return end
    return None


def _candidates(trie: _Node | None, text: str, firsts: frozenset[str]) -> Iterator[tuple[int, int]]:
    """The span of the (longest-first) match at every word start where some label matches, in ``text[1:]``."""
    if trie is None:
        return
    for at in range(1, len(text)):
        if text[at] not in firsts:
            continue
        before = text[at - 1]
        if _is_word(before) or (before == "-" and at > 1 and _is_word(text[at - 2])):
            continue
        end = _walk(trie, text, at)
        if end is not None:
            yield at - 1, end - 1


def _units(label: str, case_sensitive: bool) -> list[str]:
    """The label as a list of regex pieces: one per character of a word, plus separators and an ending."""
    tokens = _TOKEN_RE.findall(label)
    if not tokens or not tokens[0][0].isalnum() or tokens[0].lower() == "and":
        raise ValueError(f"vocabulary label {label!r} must start with a letter or digit")
    units: list[str] = []
    for i, token in enumerate(tokens):
        if i:
            units.append(_SEP)
        if token == "&" or token.lower() == "and":
            units.append(_AND)
        elif token[0].isalnum():
            units.extend(re.escape(c if case_sensitive else c.lower()) for c in token)
        else:
            units.append(re.escape(token) + ("?" if token in _OPTIONAL_PUNCT else ""))
    last = tokens[-1]
    if not last[-1].isalnum():
        units.append("")  # marks the end of the label in the trie
        return units
    if not last[-1].isalpha() or last.lower() == "and":
        units.append(_BOUNDARY)
    elif not case_sensitive and len(last) > 2 and last[-1] in "yY" and last[-2].lower() not in "aeiouy":
        units[-1] = _Y_PLURAL
        units.append(_BOUNDARY)
    else:
        units.append(_PLURAL)
    return units


def _insert(trie: dict, units: list[str]) -> None:
    node = trie
    for unit in units:
        node = node.setdefault(unit, {})


