"""The disputed items of a synthetic case: a treatment from the vocabulary, its heading, region, side and amount.

:func:`draw_item` draws one item of a treatment category: a treatment concept and one of its labels, a
body region (named by the label, usual for the treatment, the case's own region or another one) and
side, and a heading in one of the forms letters use ("12 sessions of physical therapy for the lumbar
spine", "Norco 10/325 mg #60", "Right carpal tunnel release", "MRI of the left knee without contrast").
A heading is kept only when the vocabularies read it back as the treatment, regions and side it was
written for, so the gold states what the letter says.
"""
from __future__ import annotations

import random
import re
from dataclasses import dataclass
from datetime import timedelta
from functools import cache, lru_cache
from typing import TYPE_CHECKING

from kg.synth import citations
from kg.synth.citations import Source
from kg.synth.tables import (
    COMPOUND_DRUGS,
    DEFAULT_STRENGTHS,
    LEVELS,
    LIMB_TESTS,
    OTHER_REGIONS,
    PLURALS,
    PROFILES,
    REGION_HINTS,
    REGION_WORDS,
    SIDED_REGIONS,
    SPINE_LEVEL_TREATMENTS,
    STRENGTHS,
    Profile,
)
from kg.vocab import Concept, vocabulary

if TYPE_CHECKING:
    from kg.synth.cases import Case

_REGIONAL = frozenset({"Physical Medicine", "Imaging", "Injections", "Surgery", "DME"})
# ODG chapters for treatments and regions outside the case profiles.
_ODG_BY_TREATMENT = {"carpal-tunnel-release": "carpal", "wrist-brace": "carpal", "metformin": "diabetes",
                     "hemoglobin-a1c": "diabetes", "pulmonary-function-test": "pulmonary",
                     "cpap": "pulmonary"}
_ODG_BY_REGION = {"eye": "eye", "groin": "hernia", "abdomen": "hernia", "lung": "pulmonary", "brain": "tbi"}
# The case profile whose guideline chapters cover a body region.
_PROFILE_OF_REGION = {
    "lumbar-spine": "lumbar", "sacrum": "lumbar", "spine": "lumbar", "thoracolumbar-spine": "lumbar",
    "sacroiliac-joint": "lumbar", "cervical-spine": "cervical", "thoracic-spine": "thoracic",
    "shoulder": "shoulder",
    "clavicle": "shoulder", "scapula": "shoulder", "upper-arm": "shoulder", "knee": "knee", "thigh": "knee",
    "lower-leg": "knee", "wrist": "wrist", "hand": "wrist", "finger": "wrist", "thumb": "wrist",
    "wrist-and-hand": "wrist",
    "forearm": "wrist", "elbow": "elbow", "ankle": "ankle", "foot": "ankle", "heel": "ankle", "toe": "ankle",
    "great-toe": "ankle", "hip": "hip", "pelvis": "hip", "groin": "hip", "buttock": "hip", "head": "head",
}


def weighted(rng: random.Random, weights: dict[str, float]) -> str:
    """One key of ``weights``, drawn in proportion to its weight."""
    return rng.choices(list(weights), weights=list(weights.values()))[0]


@dataclass
class Item:
    """One disputed item: the heading as written, what it asks for and the decision on it."""

    request: str
    treatment_id: str
    treatment: str  # the treatment's preferred label
    category: str
    label: str  # the treatment as the heading names it
    regions: list[str]
    laterality: str | None
    quantity: int | None
    decision: str
    reviewer: list[Source]
    claims: list[Source]
    original: str | None = None  # an eligible-portion item's original request
    authorized: str | None = None


@cache
def _pools() -> dict[str, tuple[tuple[Concept, tuple[str, ...]], ...]]:
    """Per category, the treatments with the labels a heading may use (each reads back as the treatment)."""
    treatments = vocabulary("treatment")
    pools: dict[str, list[tuple[Concept, tuple[str, ...]]]] = {}
    for concept in treatments.concepts:
        if concept.id in ("medications", "compounded-topical-analgesic"):
            continue
        usable = []
        for label in concept.labels:
            if re.search(r"[\d:()]", label) or len(label) < 3:
                continue
            matches = treatments.find_all(label)
            whole = len(matches) == 1 and matches[0].end - matches[0].start == len(label)
            if whole and matches[0].concept.id == concept.id:
                usable.append(label)
        if usable:
            if concept.pref_label in usable:  # the preferred label first: it is drawn most often
                usable.remove(concept.pref_label)
                usable.insert(0, concept.pref_label)
            pools.setdefault(concept.category or "Other", []).append((concept, tuple(usable)))
    return {category: tuple(entries) for category, entries in pools.items()}


def _classes(concept: Concept) -> tuple[str, ...]:
    return tuple(c.id for c in vocabulary("treatment").ancestors(concept.id))


@lru_cache(maxsize=4096)
def _region_words(text: str) -> tuple[str, ...]:
    return tuple(m.concept.id for m in vocabulary("body-region").find_all(text))


def draw_item(rng: random.Random, case: Case, category: str, used: set[str], overturn: float) -> Item | None:
    """One item of ``category`` for ``case``, or None when the drawn heading does not read back as meant."""
    if category == "Pharmaceuticals" and rng.random() < 0.07 and "compound" not in used:
        return _compound(rng, overturn)
    pool = [entry for entry in _pools().get(category, ()) if entry[0].id not in used]
    if not pool:
        return None
    concept, labels = rng.choice(pool)
    label = labels[0] if rng.random() < 0.65 or len(labels) == 1 else rng.choice(labels[1:])
    in_label = list(dict.fromkeys(_region_words(label)))
    region, side = _region_and_side(rng, case, concept, category, in_label)
    request, quantity, by_level = _heading(rng, concept, label, category, region, side, in_label)
    if category == "Pharmaceuticals" and case.style == "2016" and rng.random() < 0.1:
        service = case.dates["ur_denial_date"] - timedelta(days=rng.randint(5, 40))
        request += f", DOS: {service:%m/%d/%Y}"
    regions = list(dict.fromkeys(in_label + ([region] if region else [])))
    if not _reads_back(request, concept.id, set(in_label) | ({region} if region and not by_level else set()), side):
        return None
    classes = _classes(concept)
    profile = _profile_of(region) or case.profile
    odg = _ODG_BY_TREATMENT.get(concept.id) or _ODG_BY_REGION.get(region or "") or \
        (profile.name if profile.name in citations.ODG else "pain")
    acoem = 16 if region == "eye" else profile.acoem
    reviewer, claims = citations.sources_for(rng, concept.id, classes, category, concept.pref_label, odg, acoem,
                                             profile.acoem3, case.year)
    names = [vocabulary("body-region").get(r) for r in regions]
    item = Item(request, concept.id, concept.pref_label, category, label, [c.pref_label for c in names if c],
                side, quantity, "Overturned" if rng.random() < overturn else "Upheld", reviewer, claims)
    if case.style == "2016" and quantity and quantity >= 4 and rng.random() < 0.2:
        _eligible(rng, item)
    return item


def _region_and_side(rng: random.Random, case: Case, concept: Concept, category: str,
                     in_label: list[str]) -> tuple[str | None, str | None]:
    """The body region an item is for (None for none) and its side."""
    region: str | None = None
    if concept.id in LIMB_TESTS:
        return rng.choice(("lower-extremity", "upper-extremity")), "bilateral"
    if in_label:
        region = in_label[0]
    elif concept.id in REGION_HINTS:
        region = REGION_HINTS[concept.id]
    elif category in _REGIONAL or (category == "Evaluation and Management" and rng.random() < 0.4):
        region = case.profile.region if case.profile.region and rng.random() < 0.75 else None
        region = region or weighted(rng, _region_weights())
    if region not in SIDED_REGIONS:
        return region, None
    side = case.side if region == case.profile.region and case.side else \
        rng.choices(("right", "left", "bilateral"), (0.45, 0.4, 0.15))[0]
    concept_region = vocabulary("body-region").get(region or "")
    if side == "bilateral" and (concept_region is None or concept_region.pref_label not in PLURALS):
        side = "right"
    return region, side


@lru_cache(maxsize=1)
def _region_weights() -> dict[str, float]:
    return {**{c.id: 0.03 for c in vocabulary("body-region").concepts}, **OTHER_REGIONS}


def _reads_back(request: str, treatment_id: str, regions: set[str], side: str | None) -> bool:
    """True when the vocabularies read ``request`` as the treatment, regions and side it was written for."""
    matches = vocabulary("treatment").find_all(request)
    if not matches or matches[0].concept.id != treatment_id:
        return False
    if set(_region_words(request)) != regions:
        return False
    return {m.concept.pref_label for m in vocabulary("laterality").find_all(request)} == ({side} if side else set())


def _profile_of(region: str | None) -> Profile | None:
    name = _PROFILE_OF_REGION.get(region or "")
    return PROFILES[name][1] if name else None


def _where(rng: random.Random, region: str, side: str | None) -> str:
    """"the right knee", "both knees", "the low back": a region as a heading names it."""
    concept = vocabulary("body-region").get(region)
    assert concept is not None
    if side == "bilateral":
        return rng.choice(("the bilateral ", "both ")) + PLURALS[concept.pref_label]
    words = REGION_WORDS.get(region, ())
    name = rng.choice(words) if words and rng.random() < 0.3 else concept.pref_label
    return f"the {side} {name}" if side else f"the {name}"


def _count(rng: random.Random, n: int) -> str:
    words = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve"]
    return words[n] if n <= 12 and rng.random() < 0.25 else str(n)


def _heading(rng: random.Random, concept: Concept, label: str, category: str, region: str | None,
             side: str | None, in_label: list[str]) -> tuple[str, int | None, bool]:
    """(heading, quantity, whether the region is told only by spine levels)."""
    cap = label[0].upper() + label[1:]
    where = "" if region is None else _where(rng, region, side)
    for_where = f" for {where}" if where else ""
    if in_label and where and side != "bilateral" and rng.random() < 0.5:
        for_where = ""  # "Knee brace" names its region; a side goes in front
        cap = f"{side.capitalize()} {label}" if side else cap
    if category == "Pharmaceuticals":
        return _drug(rng, concept, cap)
    if concept.id in SPINE_LEVEL_TREATMENTS and region in LEVELS and not in_label:
        levels = rng.choice(LEVELS[region])
        if rng.random() < 0.5:
            return f"{cap} at {levels}", None, True
        return f"{cap}{for_where} at {levels}", None, False
    roll = rng.random()
    if category in ("Physical Medicine", "Behavioral Health"):
        n = rng.choice((4, 6, 6, 8, 10, 12, 12, 18, 24))
        if roll < 0.3:
            return f"{_count(rng, n).capitalize()} sessions of {label}{for_where}", n, False
        if roll < 0.5:
            k, w = rng.choice(((2, 3), (2, 4), (2, 6), (3, 4), (1, 6), (3, 2)))
            rate = ("once a week" if k == 1 else "twice a week" if k == 2 and rng.random() < 0.3
                    else f"{k} times a week")
            return f"{cap}{for_where}, {rate} for {w} weeks", k * w, False
        if roll < 0.6:
            k, w = rng.choice(((2, 3), (2, 4), (2, 6), (3, 4)))
            return f"{cap} {k}x{w}{for_where}", k * w, False
        if roll < 0.72:
            return f"Additional {label} ({n} visits){for_where}", n, False
        if roll < 0.82:
            return f"{cap} x {n}{for_where}", n, False
        return f"{cap}{for_where}", None, False
    if category in ("Imaging", "Diagnostic Testing") and where:
        form = rng.choice(("{cap} of {where}", "{cap} of {where} without contrast", "Repeat {label} of {where}")
                          if category == "Imaging" else ("{cap} of {where}",))
        return form.format(cap=cap, label=label, where=where), None, False
    if category == "Injections":
        if roll < 0.25 and label.endswith("injection"):
            n = rng.randint(2, 4)
            return f"{n} {label}s{for_where.replace(' for ', ' to ')}", n, False
        if roll < 0.45:
            n = rng.randint(2, 3)
            return f"{cap}{for_where} x{n}", n, False
        return f"{cap}{for_where.replace(' for ', rng.choice((' to ', ' for ', ' of ')))}", None, False
    if category == "Surgery":
        if where and side and side != "bilateral" and roll < 0.4 and not in_label:
            return f"{side.capitalize()} {label}", None, False
        return f"{cap}{for_where.replace(' for ', ' of ')}", None, False
    if category == "DME":
        if roll < 0.2:
            return f"{rng.choice((30, 60, 90))}-day rental of a {label}{for_where}", None, False
        if roll < 0.35:
            return f"Purchase of a {label}{for_where}", None, False
    if category == "Evaluation and Management" and roll < 0.3 and label.endswith(("visit", "session")):
        n = rng.randint(2, 6)
        return f"{n} {label}s{for_where}", n, False
    if category == "Programs" and roll < 0.5:
        n = rng.choice((80, 120, 160))
        return f"{cap}, {n} hours", n, False
    if category == "Home Health" and roll < 0.5:
        return f"{cap}, {rng.choice((4, 6, 8, 12))} hours per week", None, False
    if category == "Other" and roll < 0.4:
        return f"{cap} for {rng.choice((3, 6, 12))} months", None, False
    return f"{cap}{for_where}", None, False


def _drug(rng: random.Random, concept: Concept, cap: str) -> tuple[str, int | None, bool]:
    """A drug request with its strength and count: "Norco 10/325 mg #60"."""
    classes = _classes(concept)
    count = rng.choice((30, 60, 60, 90, 90, 120, 180))
    if "patch" in cap.lower():
        return f"{cap} 5% #{count}", count, False
    if "topical-analgesic" in classes or concept.id == "topical-analgesic":
        return f"{cap} {rng.choice(('cream', 'gel', 'lotion'))} {rng.choice((60, 120, 240))} g", None, False
    if "opioid" in classes and "acetaminophen" in concept.pref_label:
        strength = rng.choice(("5/325 mg", "7.5/325 mg", "10/325 mg"))
    else:
        strengths = next((STRENGTHS[c] for c in (concept.id, *classes) if c in STRENGTHS), DEFAULT_STRENGTHS)
        strength = rng.choice(strengths)
    refills = f" with {rng.randint(1, 3)} refills" if rng.random() < 0.15 else ""
    return f"{cap} {strength} #{count}{refills}", count, False


def _compound(rng: random.Random, overturn: float) -> Item:
    """A compounded topical cream of two drugs."""
    first, second = rng.sample(COMPOUND_DRUGS, 2)
    request = (f"Compounded cream {first} {rng.choice((5, 10, 20))}%/{second} {rng.choice((2, 5, 10))}% "
               f"{rng.choice((120, 180, 240))} g")
    reviewer = [Source("cpmtg", None, "Topical Analgesics", "111-113")]
    claims = list(reviewer) if rng.random() < 0.8 else []
    decision = "Overturned" if rng.random() < overturn else "Upheld"
    return Item(request, "compound", "compounded topical", "Pharmaceuticals", "compounded cream", [], None, None,
                decision, reviewer, claims)


_COUNTED = (r"#{n}\b", r"\b{n} sessions\b", r"\({n} visits\)", r"\bx ?{n}\b", r"\b{n} hours\b")


def _eligible(rng: random.Random, item: Item) -> None:
    """Make ``item`` the eligible remainder of a larger original request, part of which was authorized."""
    remaining = item.quantity or 0
    authorized = rng.choice((30, 60)) if "#" in item.request else rng.choice((2, 4, 6))
    for pattern in _COUNTED:
        found = re.search(pattern.format(n=remaining), item.request)
        if found:
            head, tail = item.request[:found.start()], item.request[found.end():]
            item.original = head + found.group().replace(str(remaining), str(remaining + authorized)) + tail
            item.authorized = head + found.group().replace(str(remaining), str(authorized)) + tail
            return
