"""Link one diagnosis phrase from a review letter to the most specific ICD-10-CM code its words support.

Matching is offline, over every ICD-10-CM description and inclusion term (``simple_icd_10_cm``), with
the bridge rows of ``ontology/vocab/icd10-phrases.csv`` (see :mod:`kg.vocab.icd10_index`):

1. the phrase is tokenized like the descriptions; spine levels (``L4-5``, ``C5-C6``) give the region;
   side words (right/left/bilateral), spine regions and qualifiers (chronic, moderate, recurrent...) are
   set apart from the core words;
2. every wording sharing enough core words (found through an inverted index) is scored by the squared
   IDF-weighted share of the core words it has, times the square root of the share of its own words the
   phrase supports, times bonuses for a matching side/region/qualifier and penalties for a contradicting
   or invented one, another joint, or an injury (S/T) or status (Z) code the phrase does not ask for;
3. a sibling that says a side, region or qualifier of the phrase is preferred; then the hierarchy is
   descended while a child adds supported detail, else into the plain "unspecified" child while the code
   still needs a character; never into 7th-character extensions;
4. below ``MIN_SCORE`` nothing is linked; a phrase that fails whole is retried on its head
   ("GERD secondary to medications" -> "GERD").
"""
from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from kg.vocab.icd10_index import (
    ADJACENT, BODY, EMPTY, INJURY, LATERAL, LIMB, NEEDS_SITE, QUALIFIERS, REGIONS, SIDE_WORDS, SITES,
    SPINE_WORDS, UNSAID, VAGUE, Z_WORDS, Doc, Index, get_index, icd_package,
)

MIN_SCORE = 0.5
_BOTH_RE = re.compile(  # "both knees" is bilateral, "both psychological factors" is not
    r"\bboth\s+(?=(?:knee|shoulder|hand|wrist|elbow|hip|ankle|feet|foot|leg|arm|upper|lower|side))",
    re.IGNORECASE,
)
_STATUS_POST_RE = re.compile(r"(?<=\w)[\s,;]+(?:status\s+post|s/p)\b.*$", re.IGNORECASE)
# A size says nothing ICD-10-CM codes by: "3mm disc protrusion" is a disc protrusion.
_MEASURE_RE = re.compile(r"\b\d+(?:\.\d+)?\s*(?:mm|cm|millimeters?|centimeters?)\b", re.IGNORECASE)
# A cause the writer only supposes is not part of the diagnosis: "paresthesia most likely related to the neck".
_HEDGED_CAUSE_RE = re.compile(r"\s+(?:most\s+)?(?:likely|probably|possibly|presumably)\s+(?:related|due|secondary|"
                              r"attributable)\s+to\b.*$", re.IGNORECASE)
_ENUM_RE = re.compile(r"^\s*(?:\(?\d{1,2}[.)]|[-\u2022*])\s+")
_TAIL_RE = re.compile(r"[,;]|\s(?:secondary to|due to|related to|associated with|affecting|with|and)\s", re.IGNORECASE)
_RANGE_RE = re.compile(r"\s*\([A-Z][0-9A-Z]{2}(?:-[A-Z][0-9A-Z]{2})?\)$")
_LEVEL_RE = re.compile(r"\b([ctls])(\d{1,2})(?:\s*(?:-|/|\u2013|to)\s*([ctls]?)(\d{1,2}))?\b", re.IGNORECASE)
_LEVEL_MAX = {"c": 8, "t": 12, "l": 5, "s": 5}
_LEVEL_REGION = {"c": "cervical", "t": "thoracic", "l": "lumbar", "s": "sacral",
                 "ct": "cervicothoracic", "tl": "thoracolumbar", "ls": "lumbosacral"}


@dataclass(frozen=True)
class IcdLink:
    """An ICD-10-CM code linked to a diagnosis phrase."""

    code: str  # e.g. "M54.16"
    label: str  # the ICD-10-CM description, e.g. "Radiculopathy, lumbar region"
    score: float  # 0..1 confidence


@dataclass(frozen=True)
class _Query:
    core: dict[str, float]  # core word -> idf
    core_total: float
    words: frozenset[str]  # every word of the phrase that may match a description word
    quals: frozenset[str]  # qualifier and spine-level words: a bonus when a description has them
    side: str | None
    regions: frozenset[str]
    near: frozenset[str]  # regions adjacent to the named ones
    parts: frozenset[str]  # joints and limbs named
    injury: bool
    z_ok: bool


def _levels(text: str) -> tuple[str, set[str], set[str]]:
    """Cut spine levels out of ``text``; return the rest, the regions and the level words (c5, c6)."""
    regions: set[str] = set()
    words: set[str] = set()

    def cut(m: re.Match[str]) -> str:
        a, n1, b, n2 = m.group(1).lower(), int(m.group(2)), (m.group(3) or m.group(1)).lower(), m.group(4)
        n2i = int(n2) if n2 else n1
        if not (1 <= n1 <= _LEVEL_MAX[a] and 1 <= n2i <= _LEVEL_MAX[b]):
            return m.group(0)
        regions.add(_LEVEL_REGION[a if a == b else a + b])
        words.update({f"{a}{n1}", f"{b}{n2i}"})
        return " "

    return _LEVEL_RE.sub(cut, text), regions, words


def _parse(text: str, index: Index) -> _Query | None:
    rest = _STATUS_POST_RE.sub("", _BOTH_RE.sub("bilateral ", text))  # "X, status post Y" is about X
    rest, level_regions, level_words = _levels(rest)
    tokens = [t for t, f in index.rules.analyse(rest, frozenset(SIDE_WORDS)) if f != 2]  # negated: not asked
    sides = {SIDE_WORDS[t] for t in tokens if t in SIDE_WORDS}
    tokens = [t for t in tokens if t not in SIDE_WORDS]
    side = "bilateral" if "bilateral" in sides or len(sides) > 1 else next(iter(sides), None)
    regions = frozenset(level_regions or {REGIONS[t] for t in tokens if t in REGIONS})
    if regions:
        tokens = [SPINE_WORDS.get(t, t) for t in tokens]
    parts = BODY.intersection(tokens)
    core = {t: index.idf.get(t, index.default_idf) for t in tokens
            if t not in LATERAL and t not in REGIONS and t not in QUALIFIERS and t not in EMPTY
            and not (parts and t == "joint")}  # "knee joint pain" is "pain in knee"
    if not core or core.keys() <= VAGUE | SITES or not regions and core.keys() <= VAGUE | NEEDS_SITE:
        return None
    words = {t for t in tokens if t not in REGIONS or REGIONS[t] in regions}
    words |= level_words | {r for r in REGIONS if REGIONS[r] in level_regions} | sides
    if side in ("right", "left"):
        words.add("unilateral")
    limbs = {LIMB[t] for t in tokens if t in LIMB}
    if len(limbs) == 1:  # "left hand" is in the "left upper limb"
        words |= limbs | {"limb"}
    near = frozenset(n for r in regions for n in ADJACENT.get(r, ())) - regions
    words |= {r for r in REGIONS if REGIONS[r] in near}
    quals = frozenset(t for t in tokens if t in QUALIFIERS) | level_words
    return _Query(core, sum(core.values()), frozenset(words), quals, side, regions, near, parts,
                  bool(INJURY.intersection(tokens)), bool(Z_WORDS.intersection(tokens)))


# The bonuses of :func:`_mult`, the only factors above one it applies (see :func:`_max_mult`).
_SIDE_BONUS = 1.15
_REGION_BONUS = 1.15
_QUALIFIER_BONUS = 1.08


def _mult(doc: Doc, q: _Query) -> float:
    """Bonuses and penalties for side, region, qualifiers and injury chapter."""
    m = 1.0
    sides = doc.lat - {"unilateral"}
    if q.side is None:
        m *= 0.7 if sides else 1.0  # never invent a side
    elif sides:
        m *= _SIDE_BONUS if q.side in sides else 0.4
    elif q.side == "bilateral" and doc.lat:
        m *= 0.4
    if q.regions:
        if doc.regions:
            m *= _REGION_BONUS if doc.regions & q.regions else 1.05 if doc.regions & q.near else 0.5
        else:
            m *= 0.9
    elif doc.regions:
        m *= 0.85
    if q.parts and not q.parts.intersection(doc.weights) and BODY.intersection(doc.weights):
        m *= 0.6  # another joint
    m *= _QUALIFIER_BONUS ** len(q.quals.intersection(doc.weights))
    if UNSAID.intersection(doc.weights) - q.words:
        m *= 0.5
    if not doc.explicit and (doc.code[0] in "ST" and not q.injury or doc.code[0] == "Z" and not q.z_ok):
        m *= 0.6 if doc.code[0] != "Z" else 0.7
    return m


def _score(doc: Doc, q: _Query, hit: float | None = None) -> float:
    if hit is None:
        hit = sum(v for t, v in q.core.items() if t in doc.weights)
    return _raw_score(doc, q, hit) * _mult(doc, q)


def _raw_score(doc: Doc, q: _Query, hit: float) -> float:
    """The score before :func:`_mult`: the squared coverage of the core words times the root of the fit."""
    cov = hit / q.core_total
    if cov <= 0.0:
        return 0.0
    weights = doc.weights  # the weights of its words that the phrase has, added up in the wording's order
    fit = sum(map(weights.__getitem__, filter(q.words.__contains__, weights))) / doc.total
    return cov * cov * math.sqrt(fit)


def _code_score(code: str, q: _Query, index: Index) -> tuple[float, float]:
    """Best score over a code's wordings, and the multiplier of its own description."""
    return max(_score(index.docs[i], q) for i in index.by_code[code]), _own_mult(code, q, index)


def _own_mult(code: str, q: _Query, index: Index) -> float:
    """The multiplier of a code's own description (its first wording)."""
    return _mult(index.docs[index.by_code[code][0]], q)


def _descend(code: str, score: float, q: _Query, index: Index) -> tuple[str, float]:
    """Walk down while a child adds supported detail, else into the plain "unspecified" child."""
    mult = _own_mult(code, q, index)
    while code in index.children:
        parent = _content(code, index)
        rated = []
        for kid in index.children[code]:
            own, kid_mult = _code_score(kid, q, index)
            value = max(own, score * kid_mult / mult * 0.98)  # a child may lack the synonym that matched
            if _is_unspecified(kid, index) and _content(kid, index) <= parent | q.words:
                value *= 1.02
            rated.append((value, own, kid_mult, kid))
        value, _, kid_mult, kid = max(rated)
        if not (value > score or (value >= 0.85 * score and kid_mult >= mult * 0.99)):
            break
        score, mult, code = min(value, max(score, value / 1.02)), kid_mult, kid
    return code, score


def _sibling(code: str, score: float, q: _Query, index: Index) -> tuple[str, float]:
    """Prefer a sibling that says a side, region or qualifier of the phrase that the best code lacks."""
    parent = code[:-1].rstrip(".")
    if len(code) <= 3 or parent not in index.children:
        return code, score
    base = _own_mult(code, q, index) * 1.01
    best = (score, code)
    for sib in index.children[parent]:
        if _own_mult(sib, q, index) <= base:
            continue  # says no more of the phrase than the best code: its wordings need no scoring
        own = _code_score(sib, q, index)[0]
        if own >= 0.8 * score and (own, sib) > best:
            best = (own, sib)
    return best[1], max(best[0], score)


def _content(code: str, index: Index) -> set[str]:
    """Words of a code's description that are neither soft nor negated."""
    return {t for t, w in index.docs[index.by_code[code][0]].weights.items() if w >= 0.5 * index.idf[t]}


def _is_unspecified(code: str, index: Index) -> bool:
    weights = index.docs[index.by_code[code][0]].weights
    return "unspecified" in weights or "nos" in weights


_SHARE = 0.55  # a wording must hold at least this share of the phrase's core weight ...
_OF_BEST = 0.75  # ... and this share of the best wording's
_MOST_CANDIDATES = 150


class _Candidates:
    """Finds the candidate wordings of queries in one index, and remembers them by core words: phrases that
    differ only in side, region or qualifiers ("lumbar strain", "cervical strain") share their core words
    ("strain"), hence their candidates."""

    def __init__(self, size: int) -> None:
        self._size = size
        self._index: Index | None = None
        self._totals: list[float] = []
        self._found: dict[tuple[tuple[str, float], ...], list[tuple[int, float]]] = {}

    def of(self, q: _Query, index: Index) -> list[tuple[int, float]]:
        """Wordings holding enough of the core words of ``q``, with the core weight each holds."""
        if index is not self._index:
            self._index, self._found = index, {}
            self._totals = [doc.total for doc in index.docs]  # the sort key of a long list of candidates
        key = tuple(q.core.items())
        found = self._found.get(key)
        if found is None:
            if len(self._found) >= self._size:
                self._found.clear()  # a full memory starts afresh
            found = self._found[key] = self._collect(q, index)
        return found

    def _collect(self, q: _Query, index: Index) -> list[tuple[int, float]]:
        """Sum the postings of the core words (never a scan of all codes), in the phrase's order of words.

        A wording with only the commonest core words cannot reach the floor, so only the wordings in the
        postings of the other words (the short lists: a common word's list holds thousands) are summed. When
        some wording has every core word, the floor is known before summing (the best holds them all) and is
        the higher one, which leaves fewer words to read. The sums still run word by word in the phrase's
        order, so every total, and the order of the wordings, is what summing all the postings would give.
        """
        deciding = _deciding_words(q, _OF_BEST if _has_all(q, index) else _SHARE)
        wanted: set[int] = set().union(*(index.postings.get(t, ()) for t in deciding))
        acc: dict[int, float] = {}
        for t, v in q.core.items():
            docs = index.postings.get(t, ())
            if t not in deciding:
                docs = _among(docs, wanted, t, index)
            if acc:
                for d in docs:
                    acc[d] = acc.get(d, 0.0) + v
            else:
                acc = dict.fromkeys(docs, v)
        if not acc:
            return []
        floor = max(_SHARE * q.core_total, _OF_BEST * max(acc.values()))
        keep = [d for d, h in acc.items() if h >= floor]
        if len(keep) > _MOST_CANDIDATES:  # a very common word alone: the shortest wordings fit it best
            # what heapq.nsmallest would keep (a stable sort keeps the first of equals), sorted in C
            keep = sorted(keep, key=self._totals.__getitem__)[:_MOST_CANDIDATES]
        return [(d, acc[d]) for d in keep]


def _among(docs: Sequence[int], wanted: set[int], word: str, index: Index) -> list[int]:
    """The wordings of ``docs`` (the postings of ``word``) that are also in ``wanted``, in ascending order.
    When the list is much the longer, each wanted wording is asked whether it has the word instead."""
    if len(docs) > 4 * len(wanted):
        return [d for d in sorted(wanted) if word in index.docs[d].weights]
    return sorted(wanted.intersection(docs))


_CANDIDATES = _Candidates(1024)


def _has_all(q: _Query, index: Index) -> bool:
    """True when some wording has every core word of ``q``."""
    lists = sorted((index.postings.get(t, ()) for t in q.core), key=len)
    if len(lists) == 1:
        return bool(lists[0])
    common = set(lists[0])
    for docs in lists[1:]:
        common.intersection_update(docs)
    return bool(common)


def _deciding_words(q: _Query, share: float) -> frozenset[str]:
    """The core words a wording needs at least one of to hold ``share`` of the core weight: all but the
    commonest (lowest IDF) words whose weights together stay below it. A margin far above rounding error keeps
    the cut safe."""
    budget = share * q.core_total * (1 - 1e-9)
    words = sorted(q.core, key=q.core.__getitem__)
    spent = 0.0
    for n, t in enumerate(words):
        spent += q.core[t]
        if spent >= budget:
            return frozenset(words[n:])
    return frozenset()


def link_icd10(text: str) -> IcdLink | None:
    """Link a diagnosis phrase to its most specific supported ICD-10-CM code, or None if unsure."""
    return _linked(text or "")


@lru_cache(maxsize=4096)
def _linked(text: str) -> IcdLink | None:
    """:func:`link_icd10`, remembered: the letters of a batch name the same diagnoses again and again."""
    text = _HEDGED_CAUSE_RE.sub("", _MEASURE_RE.sub(" ", _ENUM_RE.sub("", text)))
    if not text.strip():
        return None
    index = get_index()
    found = _link(text, index)
    if found is None:  # "GERD secondary to medications", "morbid obesity, BMI 42": the head diagnosis alone
        head = _TAIL_RE.split(text, maxsplit=1)[0]
        if head != text and (found := _link(head, index)) is not None:
            found = (found[0], found[1] * 0.9)
    words = text.split()
    while found is None and len(words) > 1 and words[0].lower() in _LOOSE_MODIFIERS:
        # "degenerative spondylolisthesis at L4-5": a descriptive word ICD does not use hides the match
        words = words[1:]
        if (found := _link(" ".join(words), index)) is not None:
            found = (found[0], found[1] * 0.9)
    if found is None:
        return None
    label = index.descriptions.get(found[0]) or icd_package().get_description(found[0])
    return IcdLink(found[0], label, round(min(1.0, found[1]), 3))


_LOOSE_MODIFIERS = frozenset(
    "degenerative chronic acute severe mild moderate significant persistent progressive recurrent worsening "
    "symptomatic residual possible probable suspected multilevel multiple diffuse focal".split())


def _link(text: str, index: Index) -> tuple[str, float] | None:
    q = _parse(text, index)
    if q is None:
        return None
    best_score, best_code = _best(q, index)
    if best_score < MIN_SCORE:
        return None
    best_code, best_score = _sibling(best_code, best_score, q, index)
    return _descend(best_code, best_score, q, index)


def _best(q: _Query, index: Index) -> tuple[float, str]:
    """The best-scoring candidate wording's score and code: on equal scores the shorter code, then the one met
    first; (0.0, "") when none scores above zero.

    A score is the raw score times :func:`_mult`, which multiplies by no more than the bonuses the query
    allows. So the candidates are taken from the highest raw score down, and once even those bonuses could not
    lift one to the best so far, neither it nor any after it is weighed: the answer is the one scoring them
    all in turn would give.
    """
    ceiling = _max_mult(q) * (1 + 1e-9)  # the margin covers rounding in the products
    ranked = sorted(((_raw_score(index.docs[d], q, hit), rank, index.docs[d])
                     for rank, (d, hit) in enumerate(_CANDIDATES.of(q, index))), key=lambda r: -r[0])
    best: tuple[float, int, int, str] | None = None  # (score, minus code length, minus rank, code)
    for raw, rank, doc in ranked:
        if best is not None and raw * ceiling < best[0]:
            break  # nor can any after it
        score = raw * _mult(doc, q)
        if score > 0.0 and (best is None or (score, -len(doc.code), -rank) > best[:3]):
            best = (score, -len(doc.code), -rank, doc.code)
    return (best[0], best[3]) if best is not None else (0.0, "")


def _max_mult(q: _Query) -> float:
    """The largest multiplier :func:`_mult` can give for ``q``: every bonus the query allows, in its order."""
    side = _SIDE_BONUS if q.side is not None else 1.0
    region = _REGION_BONUS if q.regions else 1.0
    return side * region * _QUALIFIER_BONUS ** len(q.quals)


def _normalize(code: str) -> str | None:
    c = code.strip().upper()
    if len(c) > 3 and c[3] != "." and not c.isdigit() and "-" not in c:
        c = c[:3] + "." + c[3:]
    return c if c and icd_package().is_valid_item(c) else None


def is_valid_icd10(code: str) -> bool:
    """True for an ICD-10-CM category or code (with or without its dot), false for chapters and blocks."""
    c = _normalize(code)
    return c is not None and not c.isdigit() and "-" not in c


def icd10_label(code: str) -> str | None:
    """The ICD-10-CM description of a code, block or chapter, or None if unknown."""
    c = _normalize(code)
    if c is None:
        return None
    cm = icd_package()
    return _range_free(cm.get_description(c)) if c.isdigit() or "-" in c else cm.get_description(c)


def icd10_hierarchy(code: str) -> list[tuple[str, str, str]]:
    """``[(code, label, kind)]`` from the code up to its chapter; kind is code/category/block/chapter."""
    c = _normalize(code)
    if c is None:
        return []
    cm = icd_package()
    out: list[tuple[str, str, str]] = []
    prev = ""
    for item in [c, *cm.get_ancestors(c)]:
        if item == prev:  # a block holding a single category shares its name
            out.append((item, _range_free(cm.get_description(item, prioritize_blocks=True)), "block"))
        elif item.isdigit():
            out.append((item, _range_free(cm.get_description(item)), "chapter"))
        elif "-" in item:
            out.append((item, _range_free(cm.get_description(item)), "block"))
        else:
            out.append((item, cm.get_description(item), "category" if cm.is_category(item) else "code"))
        prev = item
    return out


def _range_free(label: str) -> str:
    """A block or chapter label without its trailing code range: "Other dorsopathies (M50-M54)"."""
    return _RANGE_RE.sub("", label)
