"""Normalisation, one-to-one matching and item/citation scoring behind :mod:`kg.evaluation`."""
from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any

_APOSTROPHES = re.compile(r"['\u2019\u2018`]")
_NOT_WORD = re.compile(r"[^\w\s-]|_")
_LOOSE_HYPHEN = re.compile(r"(?<![^\W_])-|-(?![^\W_])")
_SPACES = re.compile(r"\s+")
_ARTICLE = re.compile(r"^(?:a|an|the) ")
_DASHES = re.compile(r"[\u2010-\u2015\u2212~]")
_PAGE_PREFIX = re.compile(r"^(?:pages?|pp?)\.?\s*")
ITEM_FIELDS = ("item_count", "request", "treatment", "category", "body_regions", "laterality", "quantity",
               "decision", "claims_guideline", "reviewer_guideline", "reviewer_topic", "reviewer_pages")


def normalise(phrase: str | None) -> str:
    """Lowercase, drop punctuation (keeping hyphens inside words), collapse spaces, drop a leading article."""
    if not phrase:
        return ""
    value = _APOSTROPHES.sub("", str(phrase).lower())
    value = _NOT_WORD.sub(" ", value)
    value = _LOOSE_HYPHEN.sub(" ", value)
    value = _SPACES.sub(" ", value).strip()
    return _ARTICLE.sub("", value)


def singular(normalised: str) -> str:
    """Strip one trailing "s" from every word of an already normalised phrase."""
    return " ".join(word[:-1] if len(word) > 2 and word.endswith("s") else word
                    for word in normalised.split())


def phrase_score(gold: str, pred: str) -> int:
    """2 when two normalised phrases are equal, 1 when one contains the other at word boundaries, else 0."""
    if not gold or not pred:
        return 0
    if gold == pred:
        return 2
    padded_gold, padded_pred = f" {gold} ", f" {pred} "
    return 1 if padded_gold in padded_pred or padded_pred in padded_gold else 0


def tokens(phrase: str | None) -> set[str]:
    """The set of words of a normalised phrase."""
    return set(normalise(phrase).split())


def jaccard(left: set[str], right: set[str]) -> float:
    """Token-set Jaccard similarity (0.0 when both sets are empty)."""
    union = left | right
    return len(left & right) / len(union) if union else 0.0


def normalise_pages(pages: object) -> str:
    """Page ranges compared loosely: lowercase, no "pp."/"pages" prefix, one kind of dash, no spaces."""
    if pages is None:
        return ""
    value = _DASHES.sub("-", str(pages).strip().lower())
    value = _PAGE_PREFIX.sub("", value)
    return _SPACES.sub("", value)


def greedy_pairs(n_gold: int, n_pred: int, score: Callable[[int, int], float],
                 minimum: float) -> dict[int, int]:
    """One-to-one gold->pred pairs with score >= minimum, best first (ties: nearest position, then order)."""
    candidates = []
    for gi in range(n_gold):
        for pi in range(n_pred):
            value = score(gi, pi)
            if value >= minimum:
                candidates.append((-value, abs(gi - pi), gi, pi))
    candidates.sort()
    pairs: dict[int, int] = {}
    used: set[int] = set()
    for _, _, gi, pi in candidates:
        if gi not in pairs and pi not in used:
            pairs[gi] = pi
            used.add(pi)
    return pairs


def match_phrases(gold: Sequence[str], pred: Sequence[str],
                  plural: bool = False) -> tuple[list[tuple[int, int]], list[int], list[int]]:
    """Match phrases one-to-one (equal beats contained); returns pairs, unmatched gold, unmatched pred."""
    prep = (lambda s: singular(normalise(s))) if plural else normalise
    gold_n = [prep(g) for g in gold]
    pred_n = [prep(p) for p in pred]
    pairs = greedy_pairs(len(gold_n), len(pred_n), lambda gi, pi: phrase_score(gold_n[gi], pred_n[pi]), 1)
    used = set(pairs.values())
    return (sorted(pairs.items()), [i for i in range(len(gold)) if i not in pairs],
            [i for i in range(len(pred)) if i not in used])


def align_items(gold_requests: Sequence[str | None], pred_requests: Sequence[str | None],
                minimum: float = 0.5) -> dict[int, int]:
    """Gold item index -> predicted item index: most similar request (Jaccard >= minimum), else same index."""
    gold_t = [tokens(r) for r in gold_requests]
    pred_t = [tokens(r) for r in pred_requests]
    pairs = greedy_pairs(len(gold_t), len(pred_t), lambda gi, pi: jaccard(gold_t[gi], pred_t[pi]), minimum)
    used = set(pairs.values())
    for gi in range(len(gold_t)):
        if gi not in pairs and gi < len(pred_t) and gi not in used:
            pairs[gi] = gi
            used.add(gi)
    return dict(sorted(pairs.items()))


def text(value: Any) -> str:
    """A value as a stripped string ("" for None)."""
    return "" if value is None else str(value).strip()


def number(value: Any) -> float | None:
    """A value as a float, or None when it is not a number."""
    try:
        return None if value is None or isinstance(value, bool) else float(value)
    except (TypeError, ValueError):
        return None


def haystack(citations: list[dict[str, Any]]) -> str:
    """Lowercased guideline + text of citations, joined."""
    return " ".join(f"{c.get('guideline') or ''} {c.get('text') or ''}" for c in citations).lower()


def topic_text(citation: dict[str, Any]) -> str:
    """Lowercased chapter + topic of a citation."""
    return f"{citation.get('chapter') or ''} {citation.get('topic') or ''}".lower().strip()


class Tally:
    """Accumulates per-field [tp, fp, fn] counts and mismatch messages for one letter."""

    def __init__(self) -> None:
        self.counts: dict[str, list[int]] = {}
        self.mismatches: list[str] = []

    def count(self, name: str, tp: int = 0, fp: int = 0, fn: int = 0) -> None:
        """Add to a field's counts (adding zeros marks the field as scored)."""
        counts = self.counts.setdefault(name, [0, 0, 0])
        counts[0], counts[1], counts[2] = counts[0] + tp, counts[1] + fp, counts[2] + fn

    def judge(self, name: str, where: str, gold_has: bool, pred_has: bool, correct: bool,
              expected: str, got: str) -> None:
        """Scalar rule: tp when both present and correct; fn for a gold value, fp for a prediction, else."""
        if gold_has and pred_has and correct:
            self.count(name, tp=1)
            return
        self.count(name, fp=int(pred_has), fn=int(gold_has))
        if gold_has or pred_has:
            self.mismatches.append(f"{where}: expected {expected if gold_has else 'nothing'}, "
                                   f"got {got if pred_has else 'nothing'}")

    def phrases(self, name: str, gold: list[str], pred: list[str], plural: bool = False) -> None:
        """Count one-to-one phrase matches between gold and predicted phrases."""
        pred = [p for p in pred if text(p)]
        pairs, lost, extra = match_phrases(gold, pred, plural)
        self.count(name, tp=len(pairs), fp=len(extra), fn=len(lost))
        self.mismatches += [f"{name}: missing {gold[i]!r}" for i in lost]
        self.mismatches += [f"{name}: unexpected {pred[i]!r}" for i in extra]


def score_items(s: Tally, gold_items: list[dict], pred_items: list[dict]) -> None:
    """Count item_count, align items and score every item field."""
    for name in ITEM_FIELDS:
        s.count(name)
    right = len(gold_items) == len(pred_items)
    s.judge("item_count", "item_count", True, True, right, str(len(gold_items)), str(len(pred_items)))
    pairs = align_items([g.get("request") for g in gold_items], [p.get("request") for p in pred_items])
    for gi, gold_item in enumerate(gold_items):
        pi = pairs.get(gi)
        _score_item(s, f"item {gi + 1}", gold_item, None if pi is None else pred_items[pi])
    used = set(pairs.values())
    for pi, pred_item in enumerate(pred_items):
        if pi not in used:
            _score_item(s, f"extra item {pi + 1} ({text(pred_item.get('request'))!r})", None, pred_item)


def _score_item(s: Tally, where: str, g: dict | None, p: dict | None) -> None:
    """Score an aligned item pair; ``g`` None is an extra prediction, ``p`` None a missed gold item."""
    extra, gold, pred = g is None, g or {}, p or {}

    def scored(key: str) -> bool:
        return extra or key in gold

    if scored("request"):
        gr, pr = normalise(gold.get("request")), normalise(pred.get("request"))
        s.judge("request", f"{where} request", bool(gr), bool(pr), gr == pr,
                repr(gold.get("request")), repr(pred.get("request")))
    anys = [a.lower() for a in gold.get("treatment_any") or [] if a]
    if extra or anys:
        treatment = text(pred.get("treatment")).lower()
        s.judge("treatment", f"{where} treatment", bool(anys), bool(treatment),
                any(a in treatment for a in anys), f"any of {anys}", repr(pred.get("treatment")))
    if scored("category"):
        gc, pc = text(gold.get("category")), text(pred.get("category"))
        s.judge("category", f"{where} category", bool(gc), bool(pc), gc == pc, repr(gc), repr(pc))
    if scored("body_regions_all"):
        _score_regions(s, where, [r.lower() for r in gold.get("body_regions_all") or [] if r],
                       [text(r) for r in pred.get("body_regions") or [] if text(r)])
    if scored("laterality"):
        gl, pl = text(gold.get("laterality")).casefold(), text(pred.get("laterality")).casefold()
        s.judge("laterality", f"{where} laterality", bool(gl), bool(pl), gl == pl, repr(gl), repr(pl))
    if scored("quantity"):
        gq, pq = number(gold.get("quantity")), pred.get("quantity")
        s.judge("quantity", f"{where} quantity", gq is not None, pq is not None, gq == number(pq),
                repr(gold.get("quantity")), repr(pq))
    if scored("decision"):
        gd, pd = text(gold.get("decision")), text(pred.get("decision"))
        s.judge("decision", f"{where} decision", bool(gd), bool(pd), gd == pd, repr(gd), repr(pd))
    if scored("claims_guideline_contains"):
        subs = [c.lower() for c in gold.get("claims_guideline_contains") or [] if c]
        cited = pred.get("claims_administrator_guideline") or []
        hay = haystack(cited)
        s.judge("claims_guideline", f"{where} claims_guideline", bool(subs), bool(cited),
                all(c in hay for c in subs), f"all of {subs}", repr(hay.strip()))
    if scored("reviewer_guidelines"):
        _score_citations(s, where, list(gold.get("reviewer_guidelines") or []),
                         list(pred.get("reviewer_guideline") or []))


def _score_regions(s: Tally, where: str, wanted: list[str], regions: list[str]) -> None:
    lowered = [r.lower() for r in regions]
    lost = [w for w in wanted if not any(w in r for r in lowered)]
    extra = [r for r, low in zip(regions, lowered) if not any(w in low for w in wanted)]
    s.count("body_regions", tp=len(wanted) - len(lost), fp=len(extra), fn=len(lost))
    if lost or extra:
        s.mismatches.append(f"{where} body_regions: expected all of {wanted}, got {regions}")


def _citation_checks(gold: dict, pred: dict) -> tuple[bool, bool, bool]:
    """(guideline, topic, pages) correctness of one predicted citation against one gold citation."""
    hay = haystack([pred])
    guideline_ok = all(c.lower() in hay for c in gold.get("contains") or [])
    anys = [t.lower() for t in gold.get("topic_any") or [] if t]
    topic_ok = any(t in topic_text(pred) for t in anys) if anys else not text(pred.get("topic"))
    pages_ok = normalise_pages(gold.get("pages")) == normalise_pages(pred.get("pages"))
    return guideline_ok, topic_ok, pages_ok


def _score_citations(s: Tally, where: str, gold: list[dict], pred: list[dict]) -> None:
    def agreement(gi: int, pi: int) -> float:
        hay = haystack([pred[pi]])
        contains = gold[gi].get("contains") or []
        partial = sum(c.lower() in hay for c in contains) / len(contains) if contains else 0.0
        return sum(_citation_checks(gold[gi], pred[pi])) + partial / 10

    pairs = greedy_pairs(len(gold), len(pred), agreement, 0.0)
    used = set(pairs.values())
    for gi, g in enumerate(gold):
        pi = pairs.get(gi)
        _score_citation(s, f"{where} reviewer citation {gi + 1}", g, None if pi is None else pred[pi])
    for pi, p in enumerate(pred):
        if pi not in used:
            _score_citation(s, f"{where} extra reviewer citation {pi + 1}", None, p)


def _score_citation(s: Tally, where: str, g: dict | None, p: dict | None) -> None:
    gold, pred = g or {}, p or {}
    guideline_ok, topic_ok, pages_ok = _citation_checks(gold, pred)
    contains = [c.lower() for c in gold.get("contains") or []]
    anys = [t.lower() for t in gold.get("topic_any") or []]
    hay = haystack([pred]).strip()
    s.judge("reviewer_guideline", f"{where} guideline", g is not None, p is not None and bool(hay),
            guideline_ok, f"all of {contains}", repr(hay))
    topic = topic_text(pred) if anys or g is None else text(pred.get("topic")).lower()
    s.judge("reviewer_topic", f"{where} topic", bool(anys), bool(topic), topic_ok,
            f"any of {anys}", repr(topic))
    gp, pp = normalise_pages(gold.get("pages")), normalise_pages(pred.get("pages"))
    s.judge("reviewer_pages", f"{where} pages", bool(gp), bool(pp), pages_ok,
            repr(gold.get("pages")), repr(pred.get("pages")))
