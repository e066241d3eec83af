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
start. Every word start (where some label can begin) is tried, so overlapping candidates are all seen before
the longest are kept. A matched surface is mapped back to its label by :func:`label_key`.

The word starts are found by one regular expression scan (in C), which also asks for the first letters of
some label, so the walk is entered only where one can begin. In the trie, runs of characters without a branch
are compared at once, and each node offers only the steps that the next character allows. A matcher
remembers the matches of the last few thousand texts it was given: the same short texts come back often (the
names of guideline chapters, letter after letter; the labels of a summary's lists).
"""
from __future__ import annotations

import re
import string
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:
    from kg.vocab.concepts import Concept

VIA_ORDER = {"pref": 0, "alt": 1, "brand": 2}

_SEP = r"[\s\-/\u2010-\u2013]*"
_AND = r"(?:and|&)"
# A label ends before a character that is not a letter or digit, nor a hyphen joining it to a word after
# (and starts after one: see _word_starts).
_BOUNDARY = r"(?![A-Za-z0-9])(?!-[A-Za-z0-9])"
_PLURAL = r"(?:e?s)?" + _BOUNDARY
_Y_PLURAL = r"(?:y|ies)"
_ENDINGS = {_BOUNDARY, _PLURAL, _Y_PLURAL, ""}
_TOKEN_RE = re.compile(r"[A-Za-z0-9]+|[^\sA-Za-z0-9\-/\u2010-\u2013]")
_OPTIONAL_PUNCT = {",", ".", "'", "\u2019"}
_NOT_KEY_RE = re.compile(r"[^a-z0-9]")
_ASCII_LOWER = str.maketrans(string.ascii_uppercase, string.ascii_lowercase)
_REMEMBERED = 4096  # texts whose matches each matcher keeps


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
        self._starts = tuple(_word_starts(trie) for trie in (self._insensitive, self._sensitive))
        self._remembered = lru_cache(maxsize=_REMEMBERED)(self._find_all)
        self._entry = lru_cache(maxsize=_REMEMBERED)(self.lookup)

    def find_all(self, text: str) -> list[Match]:
        """Every non-overlapping label in ``text``, in text order (longest wins where candidates overlap)."""
        return list(self._remembered(text))

    def _find_all(self, text: str) -> tuple[Match, ...]:
        """:meth:`find_all`, worked out (it hands out copies of what this returns)."""
        spans = set(_candidates(self._insensitive, self._starts[0], _ascii_lower(text)))
        spans.update(_candidates(self._sensitive, self._starts[1], text))
        if not spans:
            return ()
        taken = bytearray(len(text))
        matches = []
        for start, end in sorted(spans, key=lambda s: (s[0] - s[1], s[0])):
            if any(taken[start:end]):
                continue
            entry = self._entry(text[start:end])
            if entry is None:
                continue
            taken[start:end] = b"\x01" * (end - start)
            matches.append(Match(entry.concept, start, end, text[start:end], entry.via))
        matches.sort(key=lambda m: m.start)
        return tuple(matches)

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


def _ascii_lower(text: str) -> str:
    """``text`` with A-Z made lower case and every other character kept, so that offsets stay valid. For an
    ASCII text that is what ``str.lower`` does, many times faster than a translation table."""
    return text.lower() if text.isascii() else text.translate(_ASCII_LOWER)


_Step = tuple[str, str, "_Node"]  # (kind, value, node after it); "chars" steps hold a run of characters
_Node = tuple[dict[str, tuple[_Step, ...]], tuple[_Step, ...]]  # (steps by next character, steps for others)


def _compile(trie: dict) -> _Node:
    """The unit trie as nested nodes of decoded steps, endings last (longer labels are tried first).

    A chain of characters with no branch in between becomes one "chars" step, checked by one string comparison
    rather than one call per character. Each node also lists, for every character that starts one of its
    "chars" steps, the steps worth trying when the text goes on with that character, still in trie order: the
    walk never tries a sibling that cannot match the next character.
    """
    steps: list[_Step] = []
    for unit, child in sorted(trie.items(), key=lambda kv: kv[0] in _ENDINGS):
        kind, value = _decode(unit)
        if kind == "char":
            while len(child) == 1 and _decode(next(iter(child)))[0] == "char":
                ((unit, child),) = child.items()
                value += _decode(unit)[1]
            kind = "chars"
        node = _compile(child)
        if kind == "sep" and not node[1]:
            kind = "gap"  # what follows cannot start with a separator: only the whole run can match
        steps.append((kind, value, node))
    others = tuple(step for step in steps if step[0] != "chars")
    by_char = {value[0]: tuple(step for step in steps if step[0] != "chars" or step[1][0] == value[0])
               for kind, value, _ in steps if kind == "chars"}
    return by_char, others


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


def _word_starts(trie: _Node | None) -> re.Pattern[str] | None:
    """Where a label of ``trie`` may start: a word start (not after a letter or digit, nor after a hyphen
    joined to one: "Non-MTUS") where the text goes on with the first characters of some label. The regex
    engine scans for these, so the walk (in Python) is entered only where a label can begin."""
    if trie is None:
        return None
    return re.compile(r"(?<![A-Za-z0-9])(?<![A-Za-z0-9]-)(?=" + _lead(trie) + ")")


def _lead(node: _Node) -> str:
    """A regex for the characters that labels below ``node`` go on with before their first separator, optional
    character or ending (there the letters stop being certain, and the pattern stops)."""
    by_char, others = node
    if others:
        return ""
    return "(?:" + "|".join(re.escape(value) + _lead(child) for (_, value, child), in by_char.values()) + ")"


# A run of separators between the words of a label ("\s" accepts what str.isspace() does, and nothing else).
_SEPARATORS_RE = re.compile(_SEP)


def _is_word(char: str) -> bool:
    return char.isascii() and char.isalnum()


def _ends_here(text: str, at: int) -> bool:
    """The boundary after a label: no letter or digit next, nor a hyphen joining one."""
    if at < len(text) and _is_word(text[at]):
        return False
    return not (at + 1 < len(text) and text[at] == "-" and _is_word(text[at + 1]))


def _walk(node: _Node, text: str, at: int) -> int | None:
    """Where the first label (in trie order) matching at ``at`` ends, or None."""
    size = len(text)
    while True:
        by_char, others = node
        steps = by_char.get(text[at], others) if at < size else others
        if len(steps) != 1 or steps[0][0] not in ("chars", "gap"):
            break
        kind, value, node = steps[0]  # no other step to come back to: go on in place
        if kind == "gap":
            at = _SEPARATORS_RE.match(text, at).end()  # type: ignore[union-attr]  # "*" matches everywhere
        elif text.startswith(value, at):
            at += len(value)
        else:
            return None
    for kind, value, child in steps:
        end: int | None = None
        if kind == "chars":
            if text.startswith(value, at):
                end = _walk(child, text, at + len(value))
        elif kind == "gap":
            end = _walk(child, text, _SEPARATORS_RE.match(text, at).end())  # type: ignore[union-attr]
        elif kind == "sep":
            stop = _SEPARATORS_RE.match(text, at).end()  # type: ignore[union-attr]  # "*" matches everywhere
            for p in range(stop, at - 1, -1):  # greedy, as "*" is
                if (end := _walk(child, text, p)) is not None:
                    break
        elif kind == "and":
            for word in ("and", "&"):
                if text.startswith(word, at) and (end := _walk(child, text, at + len(word))) is not None:
                    break
        elif kind == "optional":
            if at < size and text[at] == value:
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


def _candidates(trie: _Node | None, starts: re.Pattern[str] | None, text: str) -> Iterator[tuple[int, int]]:
    """The span of the (longest-first) match at every word start where some label matches."""
    if trie is None or starts is None:
        return
    for start in starts.finditer(text):
        at = start.start()
        end = _walk(trie, text, at)
        if end is not None:
            yield at, end


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


