"""Diagnoses and prior treatments, read from the clinical case summary.

"Diagnoses include A, B, and C." lists the diagnoses; "Prior treatment has included X, Y and Z."
(or "Treatment to date has included", "has been treated with") the prior treatments. Lists are cut
at commas, semicolons and the final "and"; a fragment that only qualifies the one before it
("..., right knee", "..., lumbar") is joined back to it. Each diagnosis is linked to ICD-10-CM.
"""
from __future__ import annotations

import re

from kg.record import Diagnosis, Mention
from kg.vocab import Match, vocabulary
from kg.vocab.icd10 import link_icd10
from kg.vocab.spelling import correct_spelling

_SENTENCE_END = r"(?:\.(?=\s+[A-Z(\"']|\s*$)|\.$)"
# Families of wordings that introduce the diagnoses, most explicit first. The first sentence of the most explicit
# family found gives the list: a later "was diagnosed with neck pain" restates symptoms, not the diagnoses.
_DIAGNOSIS_LEADS = (
    ((r"\b(?:diagnoses|diagnosis|dx)\s*(?:that\s+)?(?:include[sd]?|are|is|were|was|consist\s+of|of|:)?"
     r"(?:\s+(?:documented|noted|listed|reported)(?:\s+(?:as|to\s+(?:be|include)))?)?\s*:?"),
     r"\bdiagnosed\s+(?:as\s+having|as|with)"),
    ((r"\b(?:is|was|are|were)\s+(?:currently\s+|also\s+|still\s+)?(?:being\s+)?(?:undergoing\s+treatment|treated"
     r"|followed)\s+for"),
     r"\b(?:has|have)\s+(?:also\s+)?been\s+(?:being\s+)?treated\s+for"),
    (r"\bfiled\s+a\s+claim\s+for",),
)
_LIST_END = r"[\"']?(?:\.[\"']?(?=\s+[A-Z(\"']|\s*$)|\.$)"
_DIAGNOSIS_RES = tuple(
    re.compile(r"(?:" + "|".join(leads) + r")\s+(?:as\s+follows\s*:\s*)?[\"']?"
               r"(?P<list>[^.]+?(?:\.\d[^.]*?)*?)" + _LIST_END, re.IGNORECASE)
    for leads in _DIAGNOSIS_LEADS)
# What a diagnosis list runs into in narrative sentences: the injury it is tied to, or who gave it.
_DIAGNOSIS_TAIL_RE = re.compile(
    r"\s+(?:(?:reportedly|allegedly|apparently)\s+)?(?:associated\s+with|attributed\s+to|arising\s+(?:out\s+of|from)"
    r"|sustained\s+(?:on|in)|following\s+an?\s+(?:industrial|work)|(?:now\s+)?recovering\b).*$", re.IGNORECASE)
_NEGATED_RE = re.compile(r"\b(?:no|not|without|denie[sd]|negative\s+for)\s+(?:\w+\s+){0,2}$", re.IGNORECASE)
_UNCERTAIN_RE = re.compile(r"^(?:possible|probable|possibly|probably|suspected|suspect|presumed|questionable|likely"
                           r"|rule\s+out|r/o|query|\?)\b\s*", re.IGNORECASE)
# The sentence that lists the treatment history, in the wordings letters use. Every wording starts with one of
# the first letters of the lookahead and goes on with one of the second: the search passes over other places
# at once.
_HISTORY = r"(?:treatments?|care|therapy|therapies|management)"
_TREATMENT_RE = re.compile(
    r"(?=[chmoprtw][aehort])(?P<lead>"
    rf"(?:(?:other|relevant|prior|previous|past|conservative|the)\s+)*{_HISTORY}"
    r"(?:\s+(?:and|&)\s+(?:evaluations?|diagnostic\s+testing|diagnostics|work-?up))?"
    r"(?:\s+(?:rendered|received|provided|given|tried))?(?:\s+to\s+date)?\s+"
    r"(?:(?:has|have)\s+)?(?:(?:been|was|were)\s+)?(?:(?:noted|reported|documented)\s+to\s+)?"
    r"(?:include[sd]?|consist(?:s|ed)?\s+of|involved|were)"
    r"|(?:has|have|was|were)\s+(?:\w+\s+)?(?:been\s+)?treated\s+(?:\w+\s+)?with"
    r"|(?:has|have)\s+(?:\w+\s+)?tried"
    r"|treatment\s+history\s+(?:includes|included)|(?:prior|previous)\s+treatments?\s*:"
    r")\s*:?\s*(?P<list>.+?)" + _SENTENCE_END,
    re.IGNORECASE)
# Where no treatment history is told, the medications the summary lists were the treatment given.
_MEDICATION_LIST_RE = re.compile(
    r"\b(?:medication\s+(?:list|regimen)|medications)\s+(?:has\s+|have\s+)?(?:listed|include[sd]?|included|were)\s*:?\s*"
    r"(?P<list>.+?)" + _SENTENCE_END, re.IGNORECASE)
_UNDERWENT_SENTENCE_RE = re.compile(r"\bunderwent\s+(?:an?\s+|the\s+)?(?P<list>[^.]+?)" + _SENTENCE_END,
                                    re.IGNORECASE)
_QUALIFIER_WORDS = {
    "mid", "and", "or",
    "right", "left", "bilateral", "both", "chronic", "acute", "mild", "moderate", "severe", "lumbar", "cervical",
    "thoracic", "lumbosacral", "recurrent", "single", "episode", "unspecified", "sided", "side", "knee", "shoulder",
    "wrist", "elbow", "hand", "hip", "ankle", "foot", "spine", "region", "upper", "lower", "extremity",
    "extremities", "initial", "subsequent", "encounter", "with", "without", "the", "of",
}
_LEAD_NOISE_RE = re.compile(
    r"^(?:(?:and|or|also|including|as\s+well\s+as)\s+)*(?:an?\s+|the\s+|his\s+|her\s+)?(?:(?:history\s+of|course\s+of|"
    r"trial\s+of|total\s+of|series\s+of|number\s+of|multiple|several|prior|previous|\d+|one|two|three|four|five|six|"
    r"seven|eight|nine|ten|twelve)\s+(?:(?:sessions?|visits?|treatments?|courses?|rounds?)\s+of\s+)?)*",
    re.IGNORECASE)
_TAIL_NOISE_RE = re.compile(
    r"\s+(?:in|on|dated|from|since|through|during|at\s+a\s+dose|that|which|with\s+(?:good|some|no|minimal|"
    r"temporary|partial|\d)|without|providing|provided|for\s+\d|shows?|showed|reveal(?:s|ed)?|demonstrat(?:es|ed)"
    r"|was|were|is|are)\b.*$"
    r"|\s*\((?:[^()]*)\)", re.IGNORECASE)
# A fragment that reports what happened to a request, or that nothing was noted, is no treatment.
_NOT_A_TREATMENT_RE = re.compile(r"(?:not|none|no|unknown|denied|ordered|requested|approved|authorized|modified|"
                                 r"certified|non-?certified|recommended|pending)\b", re.IGNORECASE)
_INCLUDING_RE = re.compile(r"^(?:[\w-]+\s+)?(?:medications?|drugs?|meds)\s+(?:including|such\s+as|consisting\s+of)\s+",
                           re.IGNORECASE)
_BINDS_AND_RE = re.compile(r"\b(?:with|status\s+post|s/p|secondary\s+to|due\s+to|following|after)\b", re.IGNORECASE)
_RELATIVE_RE = re.compile(r"(?:\w+\s+of\s+)?(?:which|whom|that|who|where|when|whereas|although|however|but)\b",
                          re.IGNORECASE)
_MONTHS_AND_NUMBERS_RE = re.compile(
    r"(?:[#\d\W_]|\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?\b)*", re.IGNORECASE)

_ENUMERATOR_RE = re.compile(r"^(?:\(?\d{1,2}[).]|\(?[a-h]\))\s*")  # "1)", "(a)" before a list element
_ARTICLE_RE = re.compile(r"^(?:an?|the)\s+", re.IGNORECASE)
_THREE_LETTERS_RE = re.compile(r"[A-Za-z]{3}")
_BRACKETED_RE = re.compile(r"\s*\([^()]*\)")
_PIECE_LEAD_RE = re.compile(r"\s*(?:(?:and|or)\s+)?")
_SIDE_LEAD_RE = re.compile(r"^(?:the|both|right|left|bilateral)\s+", re.IGNORECASE)
_WORDS_RE = re.compile(r"[a-z0-9-]+")

# How the diagnoses were found, per family of _DIAGNOSIS_LEADS; the last is a fallback.
DIAGNOSIS_SOURCES = ("diagnosis statement", "treated-for statement", "claim narrative")
TREATMENT_SOURCES = ("treatment history statement", "medication list")


def extract_diagnoses(summary: str, offset: int) -> list[Diagnosis]:
    """Diagnoses stated in the case summary, each linked to its ICD-10-CM code when the words support one;
    "possible ..." and "rule out ..." diagnoses are kept, marked uncertain and not coded."""
    return read_diagnoses(summary, offset)[0]


def read_diagnoses(summary: str, offset: int) -> tuple[list[Diagnosis], str | None]:
    """The diagnoses (as :func:`extract_diagnoses`) and which kind of statement gave them."""
    flat = summary.replace("\n", " ")
    diagnoses: list[Diagnosis] = []
    seen: set[str] = set()
    found = _first_statement(flat)
    for family, match in found:
        end = match.end("list")
        if tail := _DIAGNOSIS_TAIL_RE.search(flat, match.start("list"), end):
            end = tail.start()
        for start, stop in _split_list(flat, match.start("list"), end, merge_qualifiers=True):
            label = _ENUMERATOR_RE.sub("", flat[start:stop].strip(" \"'"))
            label = _ARTICLE_RE.sub("", label)
            key = label.casefold()
            if not label or key in seen or not _THREE_LETTERS_RE.search(label):
                continue
            seen.add(key)
            diagnoses.append(_diagnosis(label, (offset + stop - len(label), offset + stop)))
    return diagnoses, (DIAGNOSIS_SOURCES[min(family for family, _ in found)] if found and diagnoses else None)


def _first_statement(flat: str) -> list[tuple[int, re.Match[str]]]:
    """The first diagnosis statement of the most explicit family that has one (none when negated), with the
    family's number; the claim a narrative summary opens with ("has filed a claim for chronic low back pain")
    names a condition too, and joins the statement found."""
    best = next(((family, match) for family in range(len(_DIAGNOSIS_RES))
                 if (match := _first_unnegated(flat, family)) is not None), None)
    if best is None:
        return []
    claim_family = len(_DIAGNOSIS_RES) - 1
    claim = _first_unnegated(flat, claim_family) if best[0] != claim_family else None
    return sorted([best] + ([(claim_family, claim)] if claim else []), key=lambda f: f[1].start())


def _first_unnegated(flat: str, family: int) -> re.Match[str] | None:
    return next((m for m in _DIAGNOSIS_RES[family].finditer(flat)
                 if not _NEGATED_RE.search(flat, max(0, m.start() - 40), m.start())), None)


def _diagnosis(written: str, span: tuple[int, int]) -> Diagnosis:
    label, corrections = correct_spelling(written)
    as_written = written if corrections else None
    if _UNCERTAIN_RE.match(label):
        return Diagnosis(label, None, None, span, uncertain=True, written=as_written)
    link = link_icd10(_BRACKETED_RE.sub("", label) or label)
    return Diagnosis(label, link.code if link else None, link.label if link else None, span, written=as_written)


def extract_prior_treatments(summary: str, offset: int) -> list[Mention]:
    """Treatments the summary says were tried before, as listed; without a treatment history sentence, the
    medications it lists."""
    return read_prior_treatments(summary, offset)[0]


def read_prior_treatments(summary: str, offset: int) -> tuple[list[Mention], str | None]:
    """The prior treatments (as :func:`extract_prior_treatments`) and which kind of statement gave them."""
    flat = summary.replace("\n", " ")
    mentions: list[Mention] = []
    for match in _TREATMENT_RE.finditer(flat):
        # "He underwent X in 2011. ... Other prior treatment has included ...": a procedure told earlier in
        # the same paragraph is part of the treatment history.
        paragraph = max(summary.rfind("\n\n", 0, match.start()), 0)
        for sentence in _UNDERWENT_SENTENCE_RE.finditer(flat, paragraph, match.start()):
            mentions.extend(_treatments(flat, sentence.start("list"), sentence.end("list"), offset, whole=True))
        mentions.extend(_treatments(flat, match.start("list"), match.end("list"), offset))
        break
    if mentions:
        return mentions, TREATMENT_SOURCES[0]
    if listed := _MEDICATION_LIST_RE.search(flat):
        mentions.extend(_treatments(flat, listed.start("list"), listed.end("list"), offset))
    return mentions, (TREATMENT_SOURCES[1] if mentions else None)


def _treatments(flat: str, start: int, end: int, offset: int, whole: bool = False) -> list[Mention]:
    found = []
    spans = [(start, end)] if whole else _split_list(flat, start, end, merge_qualifiers=False)
    for a, b in spans:
        fragment = flat[a:b]
        if _RELATIVE_RE.match(fragment) or _NOT_A_TREATMENT_RE.match(fragment):
            continue
        lead = _LEAD_NOISE_RE.match(fragment)
        cut = lead.end() if lead else 0
        including = _INCLUDING_RE.match(fragment[cut:])
        if including:
            cut += including.end()
            if not whole and re.search(r"\s+and\s+", fragment[cut:]):
                found.extend(_treatments(flat, a + cut, b, offset))
                continue
        label = _TAIL_NOISE_RE.sub("", fragment[cut:]).strip(" ,.;:")
        if not label or _MONTHS_AND_NUMBERS_RE.fullmatch(label) \
                or any(m.label.casefold() == label.casefold() for m in found):
            continue
        match = vocabulary("treatment").best(label)
        concept_id = match.concept.id if match else None
        found.append(Mention(label, concept_id, (offset + a + cut, offset + a + cut + len(label))))
    return found


def _split_list(flat: str, start: int, end: int, merge_qualifiers: bool) -> list[tuple[int, int]]:
    """Spans of the elements of an enumeration in ``flat[start:end]``. Diagnoses (``merge_qualifiers``) are cut at
    semicolons and commas both; a piece that only qualifies or continues the one before it joins it again."""
    text = flat[start:end]
    semicolons = ";" in text
    separator = r";|,(?![^()]*\))" if merge_qualifiers else (r";" if semicolons else r",(?![^()]*\))")
    cuts = [m.span() for m in re.finditer(separator, text)]
    pieces: list[tuple[int, int]] = []
    position = 0
    after = ""
    for a, b in cuts + [(len(text), len(text))]:
        piece = text[position:a]
        lead = _PIECE_LEAD_RE.match(piece)
        s = position + (lead.end() if lead else 0)
        e = position + len(piece.rstrip())
        if e > s:
            if merge_qualifiers and pieces and _joins_previous(text[s:e], after == "," and semicolons):
                pieces[-1] = (pieces[-1][0], e)
            else:
                pieces.append((s, e))
        position = b
        after = text[a:b]
    if merge_qualifiers:
        pieces = _merge_leading_regions(text, pieces)
    min_words = 2 if cuts and merge_qualifiers else 1
    pieces = [part for piece in pieces for part in _split_conjoined(text, piece, min_words, merge_qualifiers)]
    if merge_qualifiers:
        pieces = [part for piece in pieces for part in _split_histories(text, piece)]
    return [(start + s, start + e) for s, e in pieces]


def _split_histories(text: str, piece: tuple[int, int]) -> list[tuple[int, int]]:
    """"status post crush injury status post laparotomy": a second history in one piece is a diagnosis of its own."""
    s, e = piece
    if not _STATUS_POST_RE.match(text, s):
        return [piece]
    cuts = [m.start() for m in _STATUS_POST_RE.finditer(text, s + 1, e) if text[m.start() - 1].isspace()]
    bounds = [s, *cuts, e]
    return [(a, a + len(text[a:b].rstrip())) for a, b in zip(bounds, bounds[1:]) if text[a:b].strip()]


def _joins_previous(piece: str, inside_element: bool) -> bool:
    """A qualifier ("right knee", "moderate"), a region, or words that continue the diagnosis before ("with ...");
    inside a semicolon-separated element, "status post ..." continues it too."""
    if _only_qualifiers(piece) or _only_regions(piece) or _CONTINUES_RE.match(piece):
        return True
    return inside_element and bool(_STATUS_POST_RE.match(piece))


def _merge_leading_regions(text: str, pieces: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """"cervical, thoracic, lumbar myoligamentous injury": pieces that only name a region belong to the next."""
    merged: list[tuple[int, int]] = []
    waiting: int | None = None
    for s, e in pieces:
        if _is_region(text[s:e]) or _only_qualifiers(text[s:e]):
            waiting = s if waiting is None else waiting
            continue
        merged.append((s if waiting is None else waiting, e))
        waiting = None
    if waiting is not None:
        merged.append((waiting, pieces[-1][1]))
    return merged


def _split_conjoined(text: str, piece: tuple[int, int], min_words: int,
                     shared_head: bool = False) -> list[tuple[int, int]]:
    """Cut "A and B" inside one element, unless the "and" belongs to a phrase: "with X and Y", "status post
    open reduction and internal fixation", "the neck and upper back", or a right side too short to stand alone.
    """
    s, e = piece
    words = text[s:e]
    spanning: list[Match] | None = None  # the treatments named in the piece, looked up at its first "and"
    parts = []
    for joint in re.finditer(r"\s+and\s+(?!or\b)", words):
        a, b = s + joint.start(), s + joint.end()
        right = re.split(r"\s+and\s+", text[b:e], maxsplit=1)[0]
        binds = _BINDS_AND_RE.search(text[s:a]) and len(re.findall(r"[A-Za-z][\w'-]*", right)) < 3
        inside = text[s:a].count("(") > text[s:a].count(")")  # an "and" within parentheses joins nothing
        # "neck and shoulder strain": with ``shared_head``, a left side that only names a region shares the noun.
        if (inside or binds or _is_region(right) or (shared_head and _is_region(text[s:a]))
                or len(re.findall(r"[A-Za-z][\w'-]*", right)) < min_words):
            continue
        if spanning is None:
            spanning = vocabulary("treatment").find_all(words)
        if any(m.start < joint.start() < m.end for m in spanning):  # "cervical discectomy and fusion"
            continue
        parts.append((s, a))
        s = b
    parts.append((s, e))
    return parts


def _is_region(words: str) -> bool:
    """True when ``words`` name only a body region ("upper back", "the left knee")."""
    words = _SIDE_LEAD_RE.sub("", words.strip())
    region = vocabulary("body-region").best(words)
    return region is not None and region.start == 0 and region.end >= len(words.rstrip(" .,"))


# A list piece that only continues the one before it: "fracture, status post open reduction ...".
_CONTINUES_RE = re.compile(r"(?:secondary\s+to|due\s+to|with|without)\b", re.IGNORECASE)
_STATUS_POST_RE = re.compile(r"(?:status\s+post|s/p)\b", re.IGNORECASE)
_LEVEL_WORD_RE = re.compile(r"^[ctls]\d{1,2}(?:-[ctls]?\d{1,2})?$")


def _only_regions(fragment: str) -> bool:
    """True when ``fragment`` names body regions and nothing else ("thoracic and lumbar spine, shoulders")."""
    parts = [p for p in re.split(r"\s+(?:and|or)\s+|\s*&\s*", fragment.strip()) if p]
    return bool(parts) and all(_is_region(p) or _only_qualifiers(p) for p in parts)


def _only_qualifiers(fragment: str) -> bool:
    """True when every word qualifies something else: sides, regions, severities, spine levels ("right C6")."""
    words = _WORDS_RE.findall(fragment.lower())
    return bool(words) and all(w in _QUALIFIER_WORDS or _LEVEL_WORD_RE.match(w) for w in words) \
        and any(c.isalpha() for c in fragment)
