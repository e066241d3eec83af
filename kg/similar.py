"""Similar decisions: for a disputed item (stored, or read from a letter) or a request typed in words, the earlier
decided items most like it, each with why, the share of them overturned, and the sentences that decided them.

An item is described by what a reviewer weighs (:class:`Probe`): the treatment requested, its category, the body
regions, the guidelines and chapters the reviewer cited, the case's diagnoses (ICD-10-CM codes, blocks and
chapters) and the words of the request. Candidates come from the item index (:mod:`kg.item_index`): items with
the same treatment, the same chapter cited, the same category and region, or the same words (full-text index);
each is scored by what it shares with the probe, with the weights of :data:`WEIGHTS`, and every shared feature
is named in its explanation. Only decisions made before the probe's own (when it has a date) count, as they are
the ones that could have been known.
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from kg.explorer import wilson_interval
from kg.item_index import ItemIndex
from kg.rdf import mint
from kg.record import CaseRecord
from kg.text_index import SearchSyntaxError, match_expression

#: How much each kind of shared feature adds to a candidate's score.
WEIGHTS = {"treatment": 5.0, "broader treatment": 2.0, "category": 1.0, "region": 2.0, "region above": 0.5,
           "chapter": 2.5, "guideline": 1.0, "code": 1.5, "block": 0.75, "words": 2.0}
CANDIDATES_PER_SIGNAL = 1500
_DECIDING = re.compile(r"\b(not )?(medically necessary|recommended|appropriate|indicated|supported|warranted)\b|"
                       r"\btherefore\b|\bguidelines? (state|support|recommend|do not)\b", re.IGNORECASE)
_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z\"(])")


@dataclass
class Probe:
    """What a decision is compared by (IRIs; codes as written; words)."""

    treatment: str = ""
    category: str = ""
    regions: set[str] = field(default_factory=set)  # named regions
    regions_above: set[str] = field(default_factory=set)  # and the regions above them
    guidelines: set[str] = field(default_factory=set)
    chapters: set[str] = field(default_factory=set)
    codes: set[str] = field(default_factory=set)
    words: str = ""
    before: str = ""  # only decisions before this date (YYYY-MM-DD), when given
    exclude_letter: str = ""  # the probe's own letter, never its own match


@dataclass
class Match:
    """One similar decision: the item, its score, why, and the sentences of its rationale that decided it."""

    item: str
    case: str
    case_number: str
    decision_date: str
    request: str
    outcome: str
    score: float
    reasons: list[str]
    deciding: list[str]


@dataclass
class Similar:
    """The most similar decisions, best first, and the share of them overturned (with its 95% interval)."""

    probe: Probe
    matches: list[Match]
    overturned: int = 0

    @property
    def share(self) -> float | None:
        """The share of the matches overturned."""
        return self.overturned / len(self.matches) if self.matches else None

    @property
    def interval(self) -> tuple[float, float] | None:
        """Its 95% Wilson score interval."""
        return wilson_interval(self.overturned, len(self.matches)) if self.matches else None


def probe_of_item(index: ItemIndex, item: str, words: bool = True) -> Probe | None:
    """The probe of a stored item (None when the index does not hold it): only earlier decisions, other letters."""
    row = index.db.execute("SELECT i.letter, i.treatment, i.category, i.request, l.decision_date FROM items i "
                           "JOIN letters l ON l.letter = i.letter WHERE i.item = ?", (item,)).fetchone()
    if row is None:
        return None
    letter, treatment, category, request, date = row
    probe = Probe(treatment=treatment, category=category, words=request if words else "", before=date or "",
                  exclude_letter=letter)
    for region, named in index.db.execute("SELECT region, named FROM item_regions WHERE item = ?", (item,)):
        (probe.regions if named else probe.regions_above).add(region)
    for level, guideline, detail in index.db.execute(
            "SELECT level, guideline, detail_iri FROM item_sources WHERE item = ? AND level IN ('guideline', 'chapter')",
            (item,)):
        probe.guidelines.add(guideline)
        if level == "chapter" and detail:
            probe.chapters.add(detail)
    probe.codes = {code for (code,) in index.db.execute(
        "SELECT code FROM letter_diagnoses WHERE letter = ? AND code != ''", (letter,))}
    return probe


def probe_of_record(record: CaseRecord, number: int) -> Probe:
    """The probe of item ``number`` (from 1) of an extracted letter that is not stored (an upload): its treatment,
    category, regions, the guidelines and chapters cited for it (by either party), the letter's diagnoses, and
    only decisions before the letter's own."""
    from kg.vocab import vocabulary

    item = record.items[number - 1]
    probe = Probe(treatment=str(mint.concept_iri("treatment", item.treatment_id)) if item.treatment_id else "",
                  category=str(mint.category_iri(item.category)) if item.category else "", words=item.request,
                  before=record.decision_date or "",
                  exclude_letter=mint.case_key(record.case_number, record.sha256) if record.case_number else "")
    regions = vocabulary("body-region")
    for region in item.body_region_ids:
        probe.regions.add(str(mint.concept_iri("body-region", region)))
        probe.regions_above.update(c.iri for c in regions.ancestors(region))
    for citation in [*item.reviewer_guideline, *item.claims_administrator_guideline]:
        if citation.guideline_id:
            probe.guidelines.add(str(mint.concept_iri("guideline", citation.guideline_id)))
        if citation.chapter_id:
            probe.chapters.add(str(mint.concept_iri("guideline", citation.chapter_id)))
    probe.codes = {d.icd10 for d in record.diagnoses if d.icd10}
    return probe


def probe_of_text(text: str) -> Probe:
    """The probe of a request typed in words ("lumbar MRI, MTUS low back, M54.5"): the treatment, body regions,
    guidelines and chapters the vocabularies find in it, ICD-10-CM codes written in it, and the words."""
    from kg.vocab import vocabulary

    probe = Probe(words=text)
    treatments = vocabulary("treatment").find_concepts(text)
    if treatments:
        probe.treatment = treatments[0].iri
        if treatments[0].category:
            probe.category = str(mint.category_iri(treatments[0].category))
    regions = vocabulary("body-region")
    for concept in regions.find_concepts(text):
        probe.regions.add(concept.iri)
        probe.regions_above.update(c.iri for c in regions.ancestors(concept.id))
    for concept in vocabulary("guideline").find_concepts(text):
        if concept.broader:
            probe.chapters.add(concept.iri)
            probe.guidelines.update(str(mint.concept_iri("guideline", above)) for above in concept.broader)
        else:
            probe.guidelines.add(concept.iri)
    probe.codes = {code.upper() for code in re.findall(r"\b[A-Za-z]\d[0-9A-Za-z](?:\.[0-9A-Za-z]{1,4})?\b", text)
                   if any(ch.isdigit() for ch in code[1:3])}
    return probe


def similar(index: ItemIndex, probe: Probe, top: int = 10) -> Similar:
    """The ``top`` decided items most similar to ``probe``, best first (ties: the more recent first)."""
    candidates = _candidates(index, probe)
    features = _features(index, candidates)
    scored = []
    for item, feature in features.items():
        score, reasons = _score(probe, feature)
        if score > 0:
            scored.append((score, feature["date"], item, reasons))
    scored.sort(key=lambda s: (-s[0], _descending(s[1]), s[2]))
    matches = []
    for score, _, item, reasons in scored[:top]:
        feature = features[item]
        matches.append(Match(item, str(mint.case_iri(feature["letter"])), feature["number"], feature["date"],
                             feature["request"], feature["outcome"], round(score, 2), reasons,
                             deciding_sentences(feature["rationale"])))
    overturned = sum(m.outcome.endswith("/overturned") for m in matches)
    return Similar(probe, matches, overturned)


def _descending(date: str) -> str:
    """A key that sorts dates newest first."""
    return "".join(chr(255 - ord(ch)) for ch in date)


def _candidates(index: ItemIndex, probe: Probe) -> set[str]:
    """Items sharing at least one strong feature with the probe (decided, earlier, of another letter): per
    feature, the most recent :data:`CANDIDATES_PER_SIGNAL` of them, picked from the finder's columns."""
    import numpy as np

    from kg.facet_table import date_number, locate, table_of

    table = table_of(index)
    date = table.date[table.letter_of]
    allowed = table.columns["outcome"][0] >= 0
    excluded = index.db.execute("SELECT rowid FROM letters WHERE letter = ?", (probe.exclude_letter,)).fetchone()
    if excluded is not None:
        at = np.searchsorted(table.letter_rowid, excluded[0])
        allowed &= table.letter_of != at
    if probe.before:
        allowed &= (date >= 0) & (date < date_number(probe.before))
    picked: list[Any] = []

    def take(mask: Any) -> None:
        chosen = np.flatnonzero(mask & allowed)
        picked.append(chosen[np.argsort(-date[chosen], kind="stable")][:CANDIDATES_PER_SIGNAL])

    if probe.treatment:
        take(table.item_mask("treatment", [probe.treatment]))
    for chapter in probe.chapters:
        take(table.item_mask("chapter", [chapter]))
    if probe.category and probe.regions:
        take(table.item_mask("category", [probe.category]) & table.item_mask("named-region", sorted(probe.regions)))
    if probe.words:
        try:
            expression = match_expression(" OR ".join(re.findall(r"\w{3,}", probe.words)[:12]) or probe.words)
        except SearchSyntaxError:
            expression = ""
        if expression:
            rowids = [r for (r,) in index.db.execute(
                "SELECT i.rowid FROM items i WHERE i.item IN (SELECT d.iri FROM search JOIN search_docs d "
                "ON d.doc = search.rowid WHERE search MATCH ? AND d.kind = 'item' ORDER BY bm25(search, 10.0, 4.0, 1.0) "
                "LIMIT 300)", (expression,))]
            mask = np.zeros(table.size, dtype=bool)
            at, inside = locate(table.item_rowid, rowids)
            mask[at[inside]] = True
            take(mask)
    chosen = np.unique(np.concatenate(picked)) if picked else np.zeros(0, dtype=np.int64)
    rowids = [int(r) for r in table.item_rowid[chosen]]
    found: set[str] = set()
    for start in range(0, len(rowids), 500):
        chunk = rowids[start:start + 500]
        found.update(item for (item,) in index.db.execute(
            f"SELECT item FROM items WHERE rowid IN ({', '.join('?' * len(chunk))})", chunk))
    return found


def _features(index: ItemIndex, items: Iterable[str]) -> dict[str, dict[str, Any]]:
    """What the scoring compares, for each candidate item."""
    items = list(items)
    features: dict[str, dict[str, Any]] = {}
    letters: dict[str, list[str]] = {}
    for start in range(0, len(items), 500):
        chunk = items[start:start + 500]
        marks = ", ".join("?" * len(chunk))
        for item, letter, number, date, treatment, category, outcome, request, rationale in index.db.execute(
                "SELECT i.item, i.letter, l.case_number, l.decision_date, i.treatment, i.category, i.outcome, "
                f"i.request, i.rationale FROM items i JOIN letters l ON l.letter = i.letter WHERE i.item IN ({marks})",
                chunk):
            features[item] = {"letter": letter, "number": number or letter, "date": date or "", "treatment": treatment,
                              "category": category, "outcome": outcome, "request": request, "rationale": rationale,
                              "regions": set(), "above": set(), "guidelines": set(), "chapters": set(),
                              "codes": set(), "words": request.lower()}
            letters.setdefault(letter, []).append(item)
        for item, region, named in index.db.execute(
                f"SELECT item, region, named FROM item_regions WHERE item IN ({marks})", chunk):
            features[item]["regions" if named else "above"].add(region)
        for item, level, guideline, detail in index.db.execute(
                f"SELECT item, level, guideline, detail_iri FROM item_sources WHERE item IN ({marks}) "
                "AND level IN ('guideline', 'chapter')", chunk):
            features[item]["guidelines"].add(guideline)
            if level == "chapter" and detail:
                features[item]["chapters"].add(detail)
    keys = list(letters)
    for start in range(0, len(keys), 500):
        chunk = keys[start:start + 500]
        for letter, code in index.db.execute(
                f"SELECT letter, code FROM letter_diagnoses WHERE code != '' AND letter IN ({', '.join('?' * len(chunk))})",
                chunk):
            for item in letters[letter]:
                features[item]["codes"].add(code)
    return features


def _score(probe: Probe, feature: dict[str, Any]) -> tuple[float, list[str]]:
    """A candidate's score and the reasons for it, in words."""
    from kg.vocab import concept_of
    from kg.vocab.icd10_blocks import block_of

    def label(iri: str) -> str:
        concept = concept_of(iri)
        return concept.pref_label if concept is not None else iri.rsplit("/", 1)[-1]

    score, reasons = 0.0, []
    if probe.treatment and feature["treatment"] == probe.treatment:
        score += WEIGHTS["treatment"]
        reasons.append(f"same treatment: {label(probe.treatment)}")
    elif probe.treatment and feature["treatment"] and _related(probe.treatment, feature["treatment"]):
        score += WEIGHTS["broader treatment"]
        reasons.append(f"related treatment: {label(feature['treatment'])}")
    if probe.category and feature["category"] == probe.category:
        score += WEIGHTS["category"]
        reasons.append(f"same category: {label(probe.category)}")
    shared = probe.regions & feature["regions"]
    if shared:
        score += WEIGHTS["region"] * len(shared)
        reasons.append("same body region: " + ", ".join(sorted(map(label, shared))))
    elif (probe.regions | probe.regions_above) & (feature["regions"] | feature["above"]):
        score += WEIGHTS["region above"]
        near = (probe.regions | probe.regions_above) & (feature["regions"] | feature["above"])
        reasons.append("nearby body region: " + ", ".join(sorted(map(label, near))[:2]))
    chapters = probe.chapters & feature["chapters"]
    if chapters:
        score += WEIGHTS["chapter"] * len(chapters)
        reasons.append("reviewer cited the same chapter: " + ", ".join(sorted(map(label, chapters))))
    guidelines = probe.guidelines & feature["guidelines"]
    if guidelines:
        score += WEIGHTS["guideline"] * len(guidelines)
        reasons.append("reviewer cited the same guideline: " + ", ".join(sorted(map(label, guidelines))))
    codes = {c.upper() for c in probe.codes} & {c.upper() for c in feature["codes"]}
    if codes:
        score += WEIGHTS["code"] * len(codes)
        reasons.append("same diagnosis code: " + ", ".join(sorted(codes)))
    else:
        blocks = {block_of(c) for c in probe.codes} & {block_of(c) for c in feature["codes"]} - {None}
        if blocks:
            score += WEIGHTS["block"] * len(blocks)
            reasons.append("diagnoses in the same ICD-10-CM block: " + ", ".join(sorted(b for b in blocks if b)))
    words = _shared_words(probe.words, feature["words"])
    if words:
        score += WEIGHTS["words"] * min(1.0, len(words) / 3)
        reasons.append("request shares the words: " + ", ".join(words[:5]))
    return score, reasons


_STOP = frozenset("the and for with of to a an in on at by or no not per from as is are was be this that".split())


def _shared_words(probe: str, other: str) -> list[str]:
    """The words (3 letters or more, not the commonest) of the probe's request that the other request has too."""
    theirs = set(re.findall(r"[a-z0-9]{3,}", other.lower()))
    return [w for w in dict.fromkeys(re.findall(r"[a-z0-9]{3,}", probe.lower())) if w in theirs and w not in _STOP]


def _related(a: str, b: str) -> bool:
    """Whether one treatment is above the other in the vocabulary, or they share the concept above them."""
    from kg.vocab import concept_of, vocabulary

    first, second = concept_of(a), concept_of(b)
    if first is None or second is None:
        return False
    scheme = vocabulary("treatment")
    above_first = {c.id for c in scheme.ancestors(first.id)}
    above_second = {c.id for c in scheme.ancestors(second.id)}
    return first.id in above_second or second.id in above_first or bool(set(first.broader) & set(second.broader))


def deciding_sentences(rationale: str, most: int = 2) -> list[str]:
    """The sentences of a rationale that state the decision or its reason (what is or is not medically
    necessary, recommended or supported by the guidelines), last ones first, at most ``most``."""
    sentences = [s.strip() for s in _SENTENCE.split(rationale or "") if s.strip()]
    deciding = [s for s in sentences if _DECIDING.search(s)]
    return [s if len(s) <= 400 else s[:397] + "…" for s in deciding[-most:]]


__all__ = ["Match", "Probe", "Similar", "WEIGHTS", "deciding_sentences", "probe_of_item", "probe_of_record",
           "probe_of_text", "similar"]
