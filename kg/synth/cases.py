"""The facts of a synthetic case, drawn at random: dates, reviewer, diagnoses and the disputed items.

:func:`draw_case` makes a :class:`Case` for one letter from a seeded ``random.Random``: dates in their
order (injury, UR denial, application, assignment, decision) with decisions from 2015 to 2024, the
reviewer's specialties from the specialty vocabulary, diagnoses of the body part the case is about with
their ICD-10-CM codes, prior treatments, and 1-5 items (:mod:`kg.synth.items`). :meth:`Case.gold` is the
``NAME.gold.json`` content, in the format of ``letters/seed/*.gold.json``.
"""
from __future__ import annotations

import random
import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache
from typing import Any

from kg.synth import citations
from kg.synth.items import Item, draw_item, weighted
from kg.synth.tables import (
    CATEGORY_SHARES,
    COMORBID,
    ITEM_COUNT_WEIGHTS,
    OVERTURN_ODDS,
    PRIOR_TREATMENTS,
    PROFILES,
    SPECIALTY_SPELLINGS,
    SPECIALTY_WEIGHTS,
    STATES,
    Profile,
)
from kg.vocab import vocabulary

STYLES = {"determination": ("2014", "2016"), "notice": ("notice",), "docs": ("2014",), "review": ("review",)}
_FIRST_DAY, _LAST_DAY = date(2015, 1, 15), date(2024, 12, 20)


@dataclass
class Case:
    """Everything a synthetic letter states, and the layout and style it is written in."""

    case_number: str
    layout: str
    style: str
    dates: dict[str, date]
    priority: str
    specialties: list[str]
    written_specialties: list[str]
    licensure: list[str]
    diagnoses: list[tuple[str, str]]
    prior: list[str]
    profile: Profile
    side: str | None
    age: int
    sex: str
    items: list[Item] = field(default_factory=list)

    @property
    def year(self) -> int:
        """The year of the decision."""
        return self.dates["decision_date"].year

    def gold(self) -> dict[str, Any]:
        """The gold record of this letter, in the format of ``letters/seed/*.gold.json``."""
        style = self.style
        return {
            "case_number": self.case_number,
            **{name: self.dates[name].isoformat() for name in
               ("date_assigned", "date_of_injury", "decision_date", "ur_denial_date", "application_received")},
            "priority": self.priority,
            "reviewer_specialties": list(self.specialties),
            "diagnoses": [{"text": text, "icd10": code} for text, code in self.diagnoses],
            "prior_treatments": [re.sub(r"^an? ", "", p) for p in self.prior],
            "items": [{
                "request": item.request,
                "treatment_any": [_treatment_word(item)],
                "category": item.category,
                "body_regions_all": list(item.regions),
                "laterality": item.laterality,
                "quantity": item.quantity,
                "decision": item.decision,
                "claims_guideline_contains": [] if style == "review" else citations.claims_gold(item.claims),
                "reviewer_guidelines": [citations.gold(s, style) for s in item.reviewer],
            } for item in self.items],
        }


def _treatment_word(item: Item) -> str:
    return "compounded topical" if item.treatment_id == "compound" else item.treatment.lower()


def overturn_probabilities(rate: float, shares: dict[str, float]) -> dict[str, float]:
    """Per-category overturn probability giving ``rate`` overall with the category ``shares``."""
    mean = sum(shares[c] * OVERTURN_ODDS.get(c, 1.0) for c in shares) / sum(shares.values())
    return {c: min(0.95, rate * OVERTURN_ODDS.get(c, 1.0) / mean) for c in shares}


def draw_case(rng: random.Random, case_number: str, layout: str, overturn: dict[str, float],
              shares: dict[str, float] | None = None) -> Case:
    """A random case for a letter of ``layout`` (determination, notice, docs or review)."""
    shares = shares or CATEGORY_SHARES
    decided = _FIRST_DAY + timedelta(days=rng.randrange((_LAST_DAY - _FIRST_DAY).days))
    assigned = decided - timedelta(days=rng.randint(10, 45))
    application = assigned - timedelta(days=rng.randint(2, 20))
    denial = application - timedelta(days=rng.randint(3, 30))
    injury = denial - timedelta(days=rng.randint(60, 12 * 365))
    style = "2016" if layout == "determination" and decided >= date(2016, 1, 1) and rng.random() < 0.8 \
        else STYLES[layout][0]
    profile = PROFILES[weighted(rng, {k: w for k, (w, _) in PROFILES.items()})][1]
    side = rng.choices(("right", "left", "bilateral"), (0.45, 0.4, 0.15))[0] if profile.sided else None
    specialties = _specialties(rng)
    written = [rng.choice((s,) + SPECIALTY_SPELLINGS.get(s, ())) if style == "2016" else s for s in specialties]
    licensure = ["California"] if rng.random() < 0.6 else rng.sample(STATES, rng.randint(2, 3))
    case = Case(case_number, layout, style,
                {"date_of_injury": injury, "ur_denial_date": denial, "application_received": application,
                 "date_assigned": assigned, "decision_date": decided},
                "Expedited" if rng.random() < 0.06 else "Standard", specialties, written, licensure,
                _diagnoses(rng, profile, side), rng.sample(PRIOR_TREATMENTS, rng.randint(2, 6)), profile, side,
                rng.randint(24, 66), rng.choice(("male", "female")))
    count = rng.choices(range(1, 6), ITEM_COUNT_WEIGHTS)[0]
    used: set[str] = set()
    attempts = 0
    while len(case.items) < count and (attempts < 500 or not case.items):
        attempts += 1
        category = weighted(rng, shares)
        item = draw_item(rng, case, category, used, overturn[category])
        if item is not None and not any(_overlaps(item.request, other.request) for other in case.items):
            used.add(item.treatment_id)
            case.items.append(item)
    return case


def _overlaps(a: str, b: str) -> bool:
    """True when one heading's words are all among the other's (a reader could not tell them apart)."""
    wa, wb = set(re.findall(r"[a-z][a-z'-]{2,}", a.lower())), set(re.findall(r"[a-z][a-z'-]{2,}", b.lower()))
    return wa <= wb or wb <= wa


@lru_cache(maxsize=1)
def _specialty_weights() -> dict[str, float]:
    return {c.pref_label: SPECIALTY_WEIGHTS.get(c.pref_label, 0.2) for c in vocabulary("specialty").concepts}


def _specialties(rng: random.Random) -> list[str]:
    weights = dict(_specialty_weights())
    first = weighted(rng, weights)
    if rng.random() < 0.55:
        return [first]
    weights.pop(first)
    return [first, weighted(rng, weights)]


def _diagnoses(rng: random.Random, profile: Profile, side: str | None) -> list[tuple[str, str]]:
    chosen = rng.sample(profile.diagnoses, min(len(profile.diagnoses), rng.choice((1, 1, 2, 2, 3))))
    found = [dx.written(side) for dx in chosen]
    if rng.random() < 0.3:
        extra = rng.choice(COMORBID).written(None)
        if extra[1] not in {code for _, code in found}:
            found.append(extra)
    return found
