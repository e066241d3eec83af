"""Offline token index over all ICD-10-CM descriptions, built once for :mod:`kg.vocab.icd10`.

Both the ICD-10-CM descriptions and the query phrases go through the same tokenizer and the same
bridge rows of ``ontology/vocab/icd10-phrases.csv``, so clinical wording and ICD wording meet halfway.

Importing the ICD-10-CM package and indexing its 98,000 codes takes seconds, so the built index is kept in
a cache file (``$KG_CACHE_DIR``, else ``$XDG_CACHE_HOME/imr-kg``, else ``~/.cache/imr-kg``) named after the
package's version and a digest of the bridge rows and of this module: a changed input builds a new one.
Where the cache cannot be written, the index is built in memory as before.
"""
from __future__ import annotations

import csv
import gc
import hashlib
import math
import os
import pickle
import re
import tempfile
import warnings
from dataclasses import dataclass
from functools import lru_cache
from importlib import metadata
from pathlib import Path
from types import ModuleType

from kg.paths import VOCAB_DIR


@lru_cache(maxsize=1)
def icd_package() -> ModuleType:
    """The ``simple_icd_10_cm`` module, imported on first use (its import alone takes about two seconds)."""
    with warnings.catch_warnings():  # the package reads its data with a deprecated importlib API
        warnings.simplefilter("ignore")
        import simple_icd_10_cm

    return simple_icd_10_cm

Tokens = tuple[tuple[str, int], ...]  # (word, flag): 0 plain, 1 soft, 2 negated
PHRASES_CSV = VOCAB_DIR / "icd10-phrases.csv"
CODE_RE = re.compile(r"^[A-Z][0-9][0-9A-Z](\.[0-9A-Z]{1,4})?$")
STOPWORDS = frozenset(
    "a an and as at be been by for from has have in into is it its of on or side sided the their this to "
    "was were which with diagnosis diagnoses include includes including noted patient seen see evaluated "
    "examined reported report reports complains complaint presents presented visit per".split()
)
NEGATORS = frozenset({"without", "not"})
#: Words of an ICD description that say nothing specific; they weigh little when unmatched.
SOFT = frozenset(
    "unspecified nos site region level elsewhere classified specified primary uncomplicated".split()
)
SOFT_WEIGHT = 0.05
LATERAL = frozenset({"right", "left", "bilateral", "unilateral"})
REGIONS = {
    "occipitoatlantoaxial": "occipitoatlantoaxial", "cervical": "cervical",
    "cervicothoracic": "cervicothoracic",
    "thoracic": "thoracic", "thoracolumbar": "thoracolumbar", "lumbar": "lumbar",
    "lumbosacral": "lumbosacral", "sacral": "sacral", "sacrococcygeal": "sacral",
}
COMPOUND_REGIONS = {"cervicothoracic": ("cervical", "thoracic"), "thoracolumbar": ("thoracic", "lumbar"),
                    "lumbosacral": ("lumbar", "sacral"), "occipitoatlantoaxial": ("cervical",)}

# Words of clinical phrases, used by the matcher in kg.vocab.icd10 ----------------------------------------

#: Description words that a phrase may also say without asking for anything ("primary" does ask).
EMPTY = SOFT - {"primary", "uncomplicated"}
QUALIFIERS = frozenset(
    "chronic acute mild moderate severe recurrent single episode remission partial full intractable".split()
)
INJURY = frozenset(
    "tear sprain strain fracture contusion injury laceration dislocation subluxation rupture crush wound "
    "burn abrasion avulsion puncture concussion amputation traumatic whiplash".split()
)
#: Words that name no diagnosis on their own ("status post", "follow up")...
VAGUE = frozenset(
    "status history condition problem disorder disease syndrome finding follow up medication treatment "
    "therapy care exam examination encounter other fall".split()
)
#: ... nor do sites alone ("left knee") ...
SITES = frozenset(
    "body part joint knee shoulder elbow wrist hand finger thumb hip ankle foot toe back neck spine spinal "
    "arm leg limb muscle".split()
)
#: ... nor kinds of injury without a site ("sprain", "fracture").
NEEDS_SITE = frozenset(
    "sprain strain tear lesion fracture injury laceration contusion wound dislocation rupture abrasion "
    "ulcer".split()
)
SIDE_WORDS = {"right": "right", "rt": "right", "left": "left", "lt": "left",
              "bilateral": "bilateral", "bilaterally": "bilateral"}
BODY = frozenset("knee ankle hip shoulder elbow wrist hand foot finger thumb toe".split())
#: Neighbouring spine regions neither match nor contradict each other (L5-S1 disc vs "lumbar").
ADJACENT = {"lumbosacral": {"lumbar", "sacral"}, "thoracolumbar": {"thoracic", "lumbar"},
            "cervicothoracic": {"cervical", "thoracic"}, "occipitoatlantoaxial": {"cervical"},
            "lumbar": {"lumbosacral", "thoracolumbar"}, "sacral": {"lumbosacral"},
            "thoracic": {"thoracolumbar", "cervicothoracic"},
            "cervical": {"cervicothoracic", "occipitoatlantoaxial"}}
#: Osteoarthritis of the spine is indexed as spondylosis.
SPINE_WORDS = {"osteoarthritis": "spondylosis", "arthritis": "spondylosis", "arthropathy": "spondylosis"}
#: Words a description may only claim when the phrase says them ("calcific tendinitis" for "tendinitis").
UNSAID = frozenset(
    "calcific congenital newborn neonatal perinatal pregnancy childbirth puerperium puerperal malignant "
    "tuberculous syphilitic gonococcal alcoholic postprocedural intraoperative pathological".split()
)
#: Words that let a Z code (status, history, long-term use...) be the answer.
Z_WORDS = frozenset(
    "status history presence encounter screening long term use aftercare follow observation".split()
)
LIMB = {**dict.fromkeys("hand wrist elbow shoulder finger thumb forearm arm".split(), "upper"),
        **dict.fromkeys("foot ankle knee hip toe leg thigh".split(), "lower")}

_LEVEL_WORD = re.compile(r"[ctls][0-9]{1,2}")
_SCAN_RE = re.compile(r"[a-z0-9]+(?:-(?=[a-z]))?|[()\[\]]")
EXCLUDED_CHAPTER_LETTERS = frozenset("VWXY")  # external causes are never a diagnosis


@lru_cache(maxsize=1 << 16)
def stem(token: str) -> str:
    """Fold a plural to its singular (both sides use it, so it need only be consistent)."""
    if len(token) > 4 and token.endswith("ies"):
        return token[:-3] + "y"
    if len(token) > 3 and token.endswith("s") and not token.endswith(("ss", "us", "is", "os")):
        return token[:-1]
    return token


def clauses(text: str) -> list[str]:
    """Lower-cased comma/semicolon clauses of ``text``: negation and bridge rows stay inside one."""
    return re.split(r"[,;]", text.lower().replace("\u2019", "'").replace("(s)", ""))


@lru_cache(maxsize=1 << 16)
def _scan_clause(clause: str) -> Tokens:
    """Stemmed words of a clause, flagged 1 when soft (bracketed, vague) and 2 when negated (without/not)."""
    clause = re.sub(r"'s\b", "", clause).replace("'", "")
    out: list[tuple[str, int]] = []
    depth, negated, glue = 0, False, ""
    for m in _SCAN_RE.finditer(clause):
        piece = m.group(0)
        if piece in "([":
            depth += 1
        elif piece in ")]":
            depth = max(0, depth - 1)
        elif piece in ("post-", "non-"):  # "post-traumatic" -> "posttraumatic", as ICD often writes it
            glue = piece[:-1]
        else:
            word, glue = glue + piece.rstrip("-"), ""
            if word in NEGATORS:
                negated = True
                continue
            if word in LATERAL or word == "unspecified":  # "without foreign body of left hand"
                negated = False
            if word not in STOPWORDS:
                soft = depth or word in SOFT or _LEVEL_WORD.fullmatch(word)  # "C5-C6 level" adds no meaning
                out.append((stem(word), 2 if negated else 1 if soft else 0))
    return tuple(out)


class Rules:
    """Bridge rows: token n-grams rewritten to ICD wording, and extra wordings pointing at a code."""

    def __init__(self, terms: dict[tuple[str, ...], Tokens], code_terms: list[tuple[str, str]]) -> None:
        self.terms = terms
        self.code_terms = tuple(code_terms)
        self.starts = frozenset(k[0] for k in terms)
        self.longest = max((len(k) for k in terms), default=1)
        self._cache: dict[Tokens, Tokens] = {}

    def analyse(self, text: str, lift: frozenset[str] = frozenset()) -> list[tuple[str, int]]:
        """Scan ``text`` clause by clause and rewrite each clause by the term rows.

        Words in ``lift`` (side words of a query) are taken out before rewriting, so that rows match
        across them ("right lower extremity radiculopathy"), and put first in the result.
        """
        out: list[tuple[str, int]] = []
        for clause in clauses(text):
            toks = _scan_clause(clause)
            if lift:  # a query: rewritten without its lifted words, and not worth caching
                out[:0] = [t for t in toks if t[0] in lift]
                out.extend(self._rewrite(tuple(t for t in toks if t[0] not in lift)))
                continue
            done = self._cache.get(toks)
            if done is None:
                done = self._cache[toks] = self._rewrite(toks)
            out.extend(done)
        return out

    def forget(self) -> None:
        """Drop the clauses cached while indexing the descriptions."""
        self._cache.clear()

    def _rewrite(self, tokens: Tokens) -> Tokens:
        out: list[tuple[str, int]] = []
        i, words = 0, [t for t, _ in tokens]
        while i < len(tokens):
            if words[i] in self.starts:
                for n in range(min(self.longest, len(tokens) - i), 0, -1):
                    repl = self.terms.get(tuple(words[i:i + n]))
                    if repl is not None:
                        flag = min(f for _, f in tokens[i:i + n])
                        out.extend((r, max(flag, f)) for r, f in repl)
                        i += n
                        break
                else:
                    out.append(tokens[i])
                    i += 1
            else:
                out.append(tokens[i])
                i += 1
        return tuple(out)


def load_rules(path: Path = PHRASES_CSV) -> Rules:
    """Read the bridge rows of the phrases CSV (``phrase,code_or_terms,note``)."""
    terms: dict[tuple[str, ...], Tokens] = {}
    codes: list[tuple[str, str]] = []
    with path.open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            phrase, target = row["phrase"].strip(), (row["code_or_terms"] or "").strip()
            key = tuple(t for c in clauses(phrase) for t, _ in _scan_clause(c))
            if not key:
                continue
            if CODE_RE.match(target):
                codes.append((phrase, target))
            else:
                terms[key] = tuple(tok for c in clauses(target) for tok in _scan_clause(c))
    first = Rules(terms, codes)  # one pass over the targets so that they are in canonical wording too
    return Rules({k: first._rewrite(v) for k, v in terms.items()}, codes)


@dataclass(frozen=True, slots=True)
class Doc:
    """One wording of one code: token weights, the weight of negated words, sides and spine regions."""

    code: str
    weights: dict[str, float]
    total: float
    lat: frozenset[str]
    regions: frozenset[str]
    explicit: bool  # a code row of the CSV: no chapter penalty


@dataclass(frozen=True)
class Index:
    """Inverted index over the wordings of every ICD-10-CM code above the 7th-character extensions."""

    rules: Rules
    docs: list[Doc]
    postings: dict[str, list[int]]
    idf: dict[str, float]
    default_idf: float
    by_code: dict[str, list[int]]
    children: dict[str, list[str]]
    descriptions: dict[str, str]  # every indexed code's ICD-10-CM description


def _raw_entries() -> tuple[list[tuple[str, str, bool]], dict[str, list[str]]]:
    """(code, wording, from a code row) for every description and inclusion term, and the code tree."""
    cm = icd_package()
    entries: list[tuple[str, str, bool]] = []
    children: dict[str, list[str]] = {}
    seen: set[str] = set()
    for code in cm.get_all_codes():
        # chapters are numbers, blocks are ranges (or share a lone category's name, hence `seen`)
        if code in seen or code.isdigit() or "-" in code or code[0] in EXCLUDED_CHAPTER_LETTERS:
            continue
        if len(code) > 7 and cm.is_extended_subcategory(code):  # stop before the 7th character
            continue
        seen.add(code)
        entries.append((code, cm.get_description(code), False))
        entries.extend((code, term, False) for term in cm.get_inclusion_term(code))
        if len(code) > 3:
            children.setdefault(code[:-1].rstrip("."), []).append(code)
    return entries, children


@lru_cache(maxsize=1)
def get_index() -> Index:
    """The inverted index over descriptions, inclusion terms and the CSV's code rows: from the cache file when
    one matches, else built (and cached)."""
    path = cache_path()
    if path is not None and path.is_file():
        try:
            gc.disable()  # unpickling many small objects: collection passes would only slow it down
            with path.open("rb") as handle:
                index = pickle.load(handle)
            if isinstance(index, Index):
                return index
        except Exception:  # a damaged or foreign cache file is rebuilt, never trusted
            pass
        finally:
            gc.enable()
    index = build_index()
    if path is not None:
        _write_cache(path, index)
    return index


def cache_path() -> Path | None:
    """Where the built index is cached, named after everything it is built from; None when unknown."""
    root = os.environ.get("KG_CACHE_DIR") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache"), "imr-kg")
    try:
        version = metadata.version("simple-icd-10-cm")
        digest = hashlib.sha256(PHRASES_CSV.read_bytes() + Path(__file__).read_bytes()).hexdigest()[:16]
    except (OSError, metadata.PackageNotFoundError):
        return None
    return Path(root) / f"icd10cm-index-{version}-{digest}.pickle"


def _write_cache(path: Path, index: Index) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile("wb", dir=path.parent, delete=False, suffix=".tmp") as handle:
            pickle.dump(index, handle, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(handle.name, path)  # readers see the whole file or none
    except OSError:
        pass  # a read-only or full disk: the index still works from memory


def build_index() -> Index:
    """Build the inverted index over descriptions, inclusion terms and the CSV's code rows."""
    cm = icd_package()
    rules = load_rules()
    entries, children = _raw_entries()
    entries.extend((code, phrase, True) for phrase, code in rules.code_terms if cm.is_valid_item(code))
    parsed = [(code, rules.analyse(text), explicit) for code, text, explicit in entries]
    df: dict[str, int] = {}
    for _, toks, _ in parsed:
        for t in {t for t, f in toks if f != 2}:
            df[t] = df.get(t, 0) + 1
    n = len(parsed)
    idf = {t: math.log((n + 1) / (c + 0.5)) for t, c in df.items()}
    docs: list[Doc] = []
    postings: dict[str, list[int]] = {}
    by_code: dict[str, list[int]] = {}
    none: frozenset[str] = frozenset()
    for code, toks, explicit in parsed:
        weights: dict[str, float] = {}
        neg = 0.0
        for t, f in toks:
            if f == 2:
                neg += idf.get(t, 0.0) * SOFT_WEIGHT
            else:
                w = idf[t] if f == 0 else idf[t] * SOFT_WEIGHT
                if weights.get(t, 0.0) < w:
                    weights[t] = w
        if not weights:
            continue
        doc_id = len(docs)
        lat = LATERAL.intersection(weights) or none
        regions = frozenset(REGIONS[t] for t in weights if t in REGIONS) if REGIONS.keys() & weights else none
        if len(regions) > 1:  # "cervical disc ..., cervicothoracic region" is about the junction
            regions = regions - {part for r in regions for part in COMPOUND_REGIONS.get(r, ())}
        docs.append(Doc(code, weights, sum(weights.values()) + neg, lat, regions, explicit))
        by_code.setdefault(code, []).append(doc_id)
        for t in weights:
            postings.setdefault(t, []).append(doc_id)
    rules.forget()
    _scan_clause.cache_clear()
    descriptions = {code: cm.get_description(code) for code in by_code}
    return Index(rules, docs, postings, idf, math.log(n + 1), by_code, children, descriptions)
