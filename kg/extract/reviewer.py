"""The expert reviewer's specialties, from a credentials list or from a sentence about the reviewer.

Letters from 2016 on list them: "Certification(s)/Specialty: Physical Medicine & Rehabilitation, Pain
Management" (the list may wrap over lines); earlier ones say "The expert reviewer is Board Certified in X,
has a subspecialty in Y". Each listed name is looked up in the specialty vocabulary as a whole, then
allowing a small misspelling (reported as a warning); a name the vocabulary lacks is kept as written.

Specialty names are matched against the specialty vocabulary (longest match first), which keeps
"Physical Medicine and Rehabilitation and Pain Medicine" as two specialties, not three. Words that
name no known specialty are kept as they are, with a warning, rather than dropped.
"""
from __future__ import annotations

import re
from difflib import SequenceMatcher
from functools import lru_cache

from kg.record import Mention
from kg.vocab import Concept, vocabulary
from kg.vocab.matcher import label_key

# "Certification(s)/Specialty:", "Board Certification:", "Specialties:" and similar labels of a list.
_CREDENTIALS_RE = re.compile(
    r"^[ \t*]*(?:certifications?(?:\(s\))?\s*/\s*specialt(?:y|ies)(?:\(ies\))?|board\s+certifications?(?:\(s\))?"
    r"|specialt(?:y|ies)(?:\(ies\))?|certifications?(?:\(s\))?)[ \t*]*:[ \t*]*",
    re.IGNORECASE | re.MULTILINE)
# The list ends at a blank line or at the next "Label:" line.
_LIST_END_RE = re.compile(r"\n[ \t]*\n|\n(?=[^\n:]{1,40}:)")
_MIN_SIMILARITY = 0.88

_STATEMENT_RE = re.compile(
    r"(?:expert|physician|clinical|peer)?\s*reviewer\s+(?:is|was|holds)\s+(?P<spec>.+?)"
    r"(?:,?\s+and\s+(?:is|holds)\s+(?:a\s+)?licen[cs]ed?\s+to\s+practice|,?\s+(?:is\s+)?licen[cs]ed\s+to\s+practice"
    r"|\.\s)",
    re.IGNORECASE | re.DOTALL,
)
_FILLER_RE = re.compile(
    r"\b(?:board[- ]certified|certified|licen[cs]ed|diplomate|(?:has|with|and)\s+(?:a\s+)?sub-?specialty|"
    r"sub-?specialty|specialty|fellowship[- ]trained|trained|in|of|the|a|an|and|with|has|by|american|board)\b",
    re.IGNORECASE,
)


def extract_specialties(section_text: str, offset: int) -> tuple[list[Mention], list[str]]:
    """Specialty mentions (spans offset into the letter) and warnings, from the reviewer section text."""
    listed = _CREDENTIALS_RE.search(section_text)
    if listed is not None:
        end = _LIST_END_RE.search(section_text, listed.end())
        return _listed(section_text, listed.end(), end.start() if end else len(section_text), offset)
    flat = section_text.replace("\n", " ")
    match = _STATEMENT_RE.search(flat)
    if match is None:
        return [], ["reviewer specialty statement not found"]
    start = match.start("spec")
    phrase = match["spec"]
    mentions: list[Mention] = []
    seen: set[str] = set()
    covered = list(phrase)
    for found in vocabulary("specialty").find_all(phrase):
        covered[found.start:found.end] = " " * (found.end - found.start)
        if found.concept.id in seen:
            continue
        seen.add(found.concept.id)
        span: tuple[int, int] | None = (offset + start + found.start, offset + start + found.end)
        mentions.append(Mention(found.concept.pref_label, found.concept.id, span))
    warnings = []
    for rest in re.split(r"\s*(?:,|;|\band\b)\s*", _FILLER_RE.sub(" ", "".join(covered))):
        words = rest.strip(" .,")
        if len(words) > 2 and not words.isdigit():
            at = phrase.find(words)
            span = (offset + start + at, offset + start + at + len(words)) if at >= 0 else None
            mentions.append(Mention(words, None, span))
            warnings.append(f"reviewer specialty '{words}' is not in the specialty vocabulary")
    mentions.sort(key=lambda m: m.span or (0, 0))
    return mentions, warnings


_LICENSURE_RE = re.compile(r"^[ \t*]*(?:states?(?:\(s\))?\s+of\s+licensure|licensed\s+in|licensure)[ \t*]*:[ \t*]*"
                           r"(?P<states>[^\n]+(?:\n(?![^\n:]{1,40}:)[^\n]+)*)", re.IGNORECASE | re.MULTILINE)


def extract_licensure(section_text: str) -> list[str]:
    """The states in the reviewer's "State(s) of Licensure:" list, as written."""
    listed = _LICENSURE_RE.search(section_text)
    if listed is None:
        return []
    states = (re.sub(r"\s+", " ", s).strip(" .") for s in re.split(r"[,;]|\band\b", listed["states"]))
    return list(dict.fromkeys(s for s in states if s))


def credentials_listed(section_text: str) -> bool:
    """True when the reviewer section has a credentials list ("Certification(s)/Specialty: ...")."""
    return _CREDENTIALS_RE.search(section_text) is not None


def _listed(text: str, start: int, end: int, offset: int) -> tuple[list[Mention], list[str]]:
    """Specialties from a comma- or semicolon-separated credentials list in ``text[start:end]``."""
    mentions: list[Mention] = []
    warnings: list[str] = []
    seen: set[str] = set()
    for part in re.finditer(r"[^,;]+", text[start:end]):
        words = re.sub(r"\s+", " ", part.group()).strip(" .")
        if not words:
            continue
        lead = part.start() + len(part.group()) - len(part.group().lstrip(" \n.")) + start
        span = (offset + lead, offset + lead + len(part.group().strip(" \n.")))
        concept = _specialty(words)
        if concept is None:
            mentions.append(Mention(words, None, span))
            warnings.append(f"reviewer specialty '{words}' is not in the specialty vocabulary")
            continue
        if label_key(words) not in _keys(concept):
            warnings.append(f"reviewer specialty '{words}' read as '{concept.pref_label}' (spelling differs)")
        if concept.id not in seen:
            seen.add(concept.id)
            mentions.append(Mention(concept.pref_label, concept.id, span))
    if not mentions:
        warnings.append("reviewer credentials list is empty")
    return mentions, warnings


def _specialty(words: str) -> Concept | None:
    """The specialty ``words`` name: exactly (any label), or the closest label when it is spelt nearly alike."""
    key = label_key(words)
    exact = _by_key().get(key)
    if exact is not None:
        return exact
    best, score = None, 0.0
    for label_key_, concept in _by_key().items():
        ratio = SequenceMatcher(None, key, label_key_).ratio()
        if ratio > score:
            best, score = concept, ratio
    return best if score >= _MIN_SIMILARITY else None


@lru_cache(maxsize=1)
def _by_key() -> dict[str, Concept]:
    found: dict[str, Concept] = {}
    for concept in vocabulary("specialty").concepts:
        for label in (concept.pref_label, *concept.alt_labels):
            found.setdefault(label_key(label), concept)
    return found


def _keys(concept: Concept) -> set[str]:
    return {label_key(label) for label in (concept.pref_label, *concept.alt_labels)}
