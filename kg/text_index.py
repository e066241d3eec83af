"""Full-text search over the letters and their disputed items, in the item index's SQLite database (FTS5).

Every disputed item is a document: its title is the treatment (the vocabulary's name, else as written), its
terms every name of the treatment in the vocabulary (generic and brand names of a drug), the category, body
regions, side and the guidelines, chapters and topics the reviewer cited, and its body the request and the
reviewer's rationale. Every letter is a document too: the case number, the diagnoses (as written, with their
ICD-10-CM codes) and specialties as terms, and the whole text of the letter as body. Words are matched after
Porter stemming ("injections" finds "injection"), case and accents aside.

The documents are written in the same transaction as the rest of the item index (:mod:`kg.item_index`), so they
always describe the letters the index holds, and are rebuilt with it from the store.
"""
from __future__ import annotations

import html
import re
import sqlite3
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

SCHEMA = """
CREATE VIRTUAL TABLE IF NOT EXISTS search USING fts5(title, terms, body, tokenize = 'porter unicode61 remove_diacritics 2');
CREATE TABLE IF NOT EXISTS search_docs (doc INTEGER PRIMARY KEY, letter TEXT NOT NULL, kind TEXT NOT NULL,
                                        iri TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS search_docs_by_letter ON search_docs (letter);
CREATE INDEX IF NOT EXISTS search_docs_by_iri ON search_docs (iri);
"""
#: Column weights of the ranking (bm25): a word in the title counts most, in the letter's text least.
WEIGHTS = (10.0, 4.0, 1.0)
_OPEN, _CLOSE = "\x02", "\x03"
_OPERATORS = {"OR", "AND", "NOT"}
_ICD_CODE = re.compile(r"[A-Za-z]\d[0-9A-Za-z](\.[0-9A-Za-z]{0,4})?")


class SearchSyntaxError(ValueError):
    """The search words could not be read."""


def add(db: sqlite3.Connection, rows: Mapping[str, Any], case_number: str | None) -> None:
    """Index one letter's documents (its rows as :func:`kg.item_index.letter_rows` gives them)."""
    from kg.rdf import mint

    key = rows["letter"]
    documents = [("letter", str(mint.case_iri(key)), case_number or key, _letter_terms(rows), rows.get("text", ""))]
    for item in rows["items"]:
        title = _label(item.get("treatment", "")) or item.get("treatment_label") or item.get("request", "")
        body = "\n".join(part for part in (item.get("request", ""), item.get("rationale", "")) if part)
        documents.append(("item", item["item"], title, _item_terms(item), body))
    for kind, iri, title, terms, body in documents:
        cursor = db.execute("INSERT INTO search_docs (letter, kind, iri) VALUES (?, ?, ?)", (key, kind, iri))
        db.execute("INSERT INTO search (rowid, title, terms, body) VALUES (?, ?, ?, ?)",
                   (cursor.lastrowid, title, terms, body))


def remove(db: sqlite3.Connection, key: str) -> None:
    """Take out the documents of letter ``key``."""
    db.execute("DELETE FROM search WHERE rowid IN (SELECT doc FROM search_docs WHERE letter = ?)", (key,))
    db.execute("DELETE FROM search_docs WHERE letter = ?", (key,))


def clear(db: sqlite3.Connection) -> None:
    """Take out every document."""
    db.execute("DELETE FROM search")
    db.execute("DELETE FROM search_docs")


def _letter_terms(rows: Mapping[str, Any]) -> str:
    words = []
    for code, label in rows.get("diagnoses", []):
        words += [label, code, code.replace(".", "")]  # "M54.50" is also found as M5450 and by prefix M545*
    words += sorted(_label(s) for s in rows.get("specialties", []))
    return "\n".join(w for w in words if w)


def _item_terms(item: Mapping[str, Any]) -> str:
    from kg.vocab import concept_of

    words: list[str] = []
    concept = concept_of(item.get("treatment", "")) if item.get("treatment") else None
    if concept is not None:
        words += concept.labels
    words.append(item.get("treatment_label", ""))
    words += [_label(item.get("category", "")), _label(item.get("laterality", ""))]
    named: set[str] = {_label(region) for region, named in item.get("regions", []) if named}
    for _, guideline, detail_iri, detail in item.get("sources", []):
        named.add(_label(guideline))
        named.add(_label(detail_iri) if detail_iri else "" if detail.startswith("http") else detail)
    words += sorted(named)  # in a fixed order, however the letter listed them
    return "\n".join(dict.fromkeys(w for w in words if w))


def _label(iri: str) -> str:
    from kg.vocab import concept_of

    if not iri:
        return ""
    concept = concept_of(iri)
    if concept is not None:
        return concept.pref_label
    return iri.rsplit("#", 1)[-1] if "#" in iri else ""


def match_expression(text: str) -> str:
    """The FTS5 query for words as people type them: every word must occur (in any form Porter stemming gives
    the same stem); "quoted words" as a phrase; a word ending in * as a prefix; OR and NOT (in capitals) as
    operators. Raises :class:`SearchSyntaxError` when nothing searchable is left."""
    parts: list[str] = []
    for token in re.findall(r'"[^"]*"?|\S+', text):
        if token in _OPERATORS:
            if parts and parts[-1] not in _OPERATORS:
                parts.append(token)
            continue
        if _ICD_CODE.fullmatch(token):  # an ICD-10-CM code finds itself and the codes below it
            parts.append('"' + token.replace(".", "").upper() + '"*')
            continue
        prefix = token.endswith("*") and not token.startswith('"')
        words = re.findall(r"\w+", token)
        if not words:
            continue
        quoted = '"' + " ".join(words) + '"'
        parts.append(quoted + ("*" if prefix else ""))
    while parts and parts[-1] in _OPERATORS:
        parts.pop()
    if not parts:
        raise SearchSyntaxError(f"nothing to search for in {text!r}: type one or more words")
    return " ".join(parts)


@dataclass(frozen=True)
class Hit:
    """One document the search found, best first: what it is, where, and the words around the match."""

    kind: str  # "item" | "letter"
    iri: str
    letter: str
    title: str
    snippet: str  # HTML: the text escaped, matches in <mark>
    rank: float


def search(db: sqlite3.Connection, text: str, limit: int = 20, offset: int = 0, kinds: Iterable[str] = (),
           letters: str | None = None, params: Iterable[Any] = ()) -> tuple[int, list[Hit]]:
    """(how many documents match, one page of them best first). ``kinds`` keeps items or letters only;
    ``letters`` is an SQL sub-select of letter keys (with ``params``) the documents must belong to."""
    expression = match_expression(text)
    where = ["search MATCH ?"]
    args: list[Any] = [expression]
    kinds = list(kinds)
    if kinds:
        where.append(f"d.kind IN ({', '.join('?' * len(kinds))})")
        args += kinds
    if letters:
        where.append(f"d.letter IN ({letters})")
        args += list(params)
    condition = " AND ".join(where)
    try:
        total = db.execute(f"SELECT COUNT(*) FROM search JOIN search_docs d ON d.doc = search.rowid "
                           f"WHERE {condition}", args).fetchone()[0]
        rows = db.execute(
            f"SELECT d.kind, d.iri, d.letter, search.title, snippet(search, 2, '{_OPEN}', '{_CLOSE}', '…', 24), "
            f"snippet(search, 1, '{_OPEN}', '{_CLOSE}', '…', 12), bm25(search, {', '.join(map(str, WEIGHTS))}) "
            f"AS rank FROM search JOIN search_docs d ON d.doc = search.rowid WHERE {condition} "
            f"ORDER BY rank LIMIT ? OFFSET ?", [*args, int(limit), int(offset)]).fetchall()
    except sqlite3.OperationalError as error:
        raise SearchSyntaxError(f"the search {text!r} could not be run: {error}") from None
    # the words around a match in the text; when only the names matched (a brand name, a code), those
    return int(total), [Hit(kind, iri, letter, title, _marked(body if _OPEN in body else terms), float(rank))
                        for kind, iri, letter, title, body, terms, rank in rows]


def _marked(snippet: str) -> str:
    """The snippet as HTML: everything escaped, the matched words in <mark>."""
    return html.escape(snippet).replace(_OPEN, "<mark>").replace(_CLOSE, "</mark>").replace("\n", " ")


def snippets(db: sqlite3.Connection, text: str, items: Iterable[str], letters: Iterable[str]) -> dict[str, str]:
    """For results already found: the words around the match in each of ``items`` (item IRI → HTML) and, for
    letters whose own text matched, in each of ``letters`` (letter key → HTML)."""
    expression = match_expression(text)
    found: dict[str, str] = {}
    for kind, keys, column in (("item", list(items), "d.iri"), ("letter", list(letters), "d.letter")):
        for start in range(0, len(keys), 500):
            chunk = keys[start:start + 500]
            for key, body, terms in db.execute(
                    f"SELECT {column}, snippet(search, 2, '{_OPEN}', '{_CLOSE}', '…', 24), "
                    f"snippet(search, 1, '{_OPEN}', '{_CLOSE}', '…', 12) FROM search JOIN search_docs d "
                    f"ON d.doc = search.rowid WHERE search MATCH ? AND d.kind = ? "
                    f"AND {column} IN ({', '.join('?' * len(chunk))})", [expression, kind, *chunk]):
                found[key] = _marked(body if _OPEN in body else terms)
    return found


#: The SPARQL function that joins a text query with graph patterns (see :func:`sparql_functions`).
MATCHES_FUNCTION = "https://w3id.org/imr-kg/function#matches"


def sparql_functions(db: sqlite3.Connection) -> dict[Any, Any]:
    """Custom SPARQL functions for pyoxigraph's ``Store.query(custom_functions=...)``, over this index:

    ``<https://w3id.org/imr-kg/function#matches>(?x, "words")`` is true when ``?x`` is a disputed item whose own
    words or whose letter's words match (as :func:`match_expression` reads them), or a case whose letter or one
    of whose items matches; false for anything else. The words are looked up once per query."""
    import pyoxigraph as ox

    found: dict[str, frozenset[str]] = {}

    def matching(text: str) -> frozenset[str]:
        if text not in found:
            from kg.rdf import mint

            expression = match_expression(text)
            docs = db.execute("SELECT d.kind, d.iri, d.letter FROM search JOIN search_docs d ON d.doc = search.rowid "
                              "WHERE search MATCH ?", (expression,)).fetchall()
            letters = {letter for kind, _, letter in docs if kind == "letter"}
            hits = {iri for kind, iri, _ in docs if kind == "item"}
            keys = sorted(letters)
            for offset in range(0, len(keys), 500):
                chunk = keys[offset:offset + 500]
                hits.update(item for (item,) in db.execute(
                    f"SELECT item FROM items WHERE letter IN ({', '.join('?' * len(chunk))})", chunk))
            hits.update(str(mint.case_iri(letter)) for _, _, letter in docs)
            found[text] = frozenset(hits)
        return found[text]

    def matches(node: Any, words: Any) -> Any:
        if not isinstance(words, ox.Literal):
            return None
        try:
            return ox.Literal(isinstance(node, ox.NamedNode) and node.value in matching(words.value))
        except SearchSyntaxError:
            return None  # an error in SPARQL terms: the FILTER drops the row

    return {ox.NamedNode(MATCHES_FUNCTION): matches}
