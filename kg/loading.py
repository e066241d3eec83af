"""The one loader: processed letters into a store, for `kg build` and the web app's uploads alike, and the one
way letters come out of it again (:func:`delete_letters`, for `kg delete`).

A loader writes through anything with the three operations of :class:`GraphWriter`: the on-disk store
(:class:`kg.store.KGStore`) in `kg build`, the web app's writing worker for uploads. New letters go in bulk,
a letter already stored has its letter and report graphs replaced in one transaction, and every letter kept
out is recorded with its reasons in the ``graph/rejected`` named graph (an earlier rejection of the same
file is forgotten when the file is read again). The ICD-10-CM concepts the loaded letters use are added to
the ``graph/icd10cm`` graph as they come, never recomputed from every letter.
"""
from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Protocol

from rdflib import RDF, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, PROV, XSD

from kg.namespaces import BASE, GRAPH, IMR
from kg.pipeline import Processed
from kg.rdf import mint
from kg.summaries import (Cell, Counts, Fact, accumulate, deltas, facts_from_rows, stored_facts_query,
                          update_counts)

if TYPE_CHECKING:
    from kg.store import AnyStore

REJECTED_GRAPH = GRAPH["rejected"]
ICD10_GRAPH = GRAPH["icd10cm"]
BATCH = 500  # letters per bulk load: the store loads larger batches faster per triple


class GraphWriter(Protocol):
    """What a loader needs of a store: replace named graphs, add new ones in bulk, run an update."""

    def replace_nt(self, graphs: dict[str, str | None]) -> None:
        """Replace each named graph by N-Triples text (None: drop it), in one transaction."""
        ...

    def add_new(self, items: list[tuple[str, str]]) -> None:
        """Add named graphs that are not in the store yet, as (graph IRI, N-Triples text)."""
        ...

    def update(self, sparql: str) -> None:
        """Run one SPARQL Update (one transaction)."""
        ...

    def select(self, sparql: str) -> list[dict[str, Any]]:
        """Rows of a SELECT query, as plain values."""
        ...

    def index(self, letters: list[dict[str, Any]], removed: list[str]) -> None:
        """Bring the item index (kg.item_index) up to date: letters put in or replaced, letters taken out."""
        ...


@dataclass
class LoadSummary:
    """Counts and lists from one load (a build, or one upload)."""

    added: int = 0
    replaced: int = 0
    unchanged: int = 0
    with_errors: list[tuple[str, list[str]]] = field(default_factory=list)
    not_conforming: list[tuple[str, list[str]]] = field(default_factory=list)
    with_warnings: list[tuple[str, list[str]]] = field(default_factory=list)
    rejected: list[tuple[str, list[str]]] = field(default_factory=list)

    @property
    def clean(self) -> bool:
        """True when every letter was loaded without errors and none was kept out."""
        return not self.with_errors and not self.rejected


class LetterLoader:
    """Writes processed letters: new ones in bulk, stored ones replaced, kept-out ones recorded.

    ``existing`` holds the keys of the letters already stored; None means "not known", and every letter is
    then written as a replacement (correct either way, only slower than a bulk add). Every ``batch`` letters
    the new ones are bulk-loaded and the outcome counts brought up to date.
    """

    def __init__(self, writer: GraphWriter, existing: set[str] | None = None, strict: bool = False,
                 summary: LoadSummary | None = None, batch: int = BATCH,
                 stored: dict[str, tuple[str, str]] | None = None) -> None:
        self.writer, self.existing, self.strict, self.batch = writer, existing, strict, batch
        #: Per stored letter (key), the digest and path of the file it was read from.
        self.stored = stored or {}
        self.seen: dict[str, tuple[str, str]] = {}  # key -> (path, digest) of the letters taken in this run
        self.summary = summary if summary is not None else LoadSummary()
        self.pending: list[tuple[str, str]] = []
        self.keys_this_run: set[str] = set()
        self.read: list[str] = []
        self.rejections: list[tuple[str, list[str]]] = []
        self.icd10: set[str] = set()
        self.icd10_written: set[str] = set()  # codes whose concepts were written in this run
        self.change: dict[Cell, Counts] = {}  # outcome counts not yet written
        self.unwritten = 0  # letters taken since the last flush
        self.to_index: list[dict[str, Any]] = []  # item-index rows of the letters written since the last flush
        self.unindexed: list[str] = []  # letters taken out of the store since the last flush

    def take(self, p: Processed) -> bool:
        """Load (or keep out) one processed letter; True when it went into the store."""
        self.read.append(p.source)
        if p.key is None:
            self._reject(p.source, p.errors or ["no case number found"])
            return False
        clash = self._clash(p)
        if clash is not None:
            self._reject(p.source, [clash])
            return False
        stored = self.existing is None or p.key in self.existing or p.key in self.keys_this_run
        if self.strict and p.violations:
            self._reject(p.source, [line for line in p.problems if ": violation: " in line])
            if stored:
                self._flush()
                accumulate(self.change, (), retract(self.writer, p.key))
                self.unindexed.append(p.key)
            return False
        if p.errors:
            self.summary.with_errors.append((p.source, p.errors))
        if not p.conforms:
            self.summary.not_conforming.append((p.source, p.problems))
        elif p.problems:
            self.summary.with_warnings.append((p.source, p.problems))
        graphs = {str(mint.letter_graph(p.key)): p.letter_nt, str(mint.validation_graph(p.key)): p.report_nt}
        facts = [(d, v, y, o) for d, v, y, o in p.facts]
        if stored:
            self._flush()
            # What the earlier version of the letter counted comes off the outcome counts.
            earlier = counted_facts(self.writer, p.key)
            self.writer.replace_nt(dict(graphs))
            accumulate(self.change, facts, earlier)
            if self.existing is None:
                self.summary.added += 1
            else:
                self.summary.replaced += 1
        else:
            self.pending += list(graphs.items())
            accumulate(self.change, facts)
            self.summary.added += 1
        if p.index_rows is not None:
            self.to_index.append(p.index_rows)
        self.keys_this_run.add(p.key)
        self.seen[p.key] = (p.source, p.sha256)
        self.icd10.update(p.icd10)
        self.unwritten += 1
        if self.unwritten >= self.batch:
            self._flush()
        return True

    def _clash(self, p: Processed) -> str | None:
        """Why ``p`` may not take the place of another file's letter with the same case number, or None.

        A letter replaces the one stored from the same file (an edited letter). A second file with the same
        case number is kept out, never silently put in the first one's place: read earlier in this build, or
        stored from a file that is still there. (A stored letter whose file is gone is replaced: the file was
        moved or renamed.)"""
        if p.key is None:
            return None
        number = p.case_number or p.key
        earlier = self.seen.get(p.key)
        if earlier is not None and earlier[0] != p.source:
            if earlier[1] == p.sha256:
                return f"{p.source}: a copy of {earlier[0]}, read earlier in this build; kept out"
            return (f"{p.source}: case number {number} is also that of {earlier[0]}, read earlier in this build, "
                    "whose text differs; kept out (remove one of the two, or correct its case number)")
        digest, source = self.stored.get(p.key, ("", ""))
        if earlier is None and source and source != p.source and os.path.exists(source):
            if digest == p.sha256:
                return f"{p.source}: a copy of {source}, already stored; kept out"
            return (f"{p.source}: case number {number} is already stored from {source}, whose text differs; kept "
                    f"out (`kg delete {number}` first to load this one instead)")
        return None

    def reject(self, source: str, reasons: list[str]) -> None:
        """Keep out a file that never reached the pipeline (refused before reading), with its reasons."""
        self.read.append(source)
        self._reject(source, reasons)

    def _reject(self, source: str, reasons: list[str]) -> None:
        self.summary.rejected.append((source, reasons))
        self.rejections.append((source, reasons))

    def _flush(self) -> None:
        """Write the pending new letters, then what the letters taken since the last flush change in the
        outcome counts: the counts follow the letters batch by batch, and memory holds one batch whatever
        the corpus size."""
        if self.pending:
            self.writer.add_new(self.pending)
            self.pending = []
        new_codes = self.icd10 - self.icd10_written
        if new_codes:  # with the letters that use them, so that a stopped build leaves none without its codes
            from kg.rdf.vocab_graph import icd10_graph

            self.writer.update(_insert(str(ICD10_GRAPH), icd10_graph(sorted(new_codes)).serialize(format="nt")))
            self.icd10_written |= new_codes
        counts = update_counts(self.writer, {cell: c for cell, c in self.change.items() if any(c.values())})
        if counts:
            self.writer.update(counts)
        if self.to_index or self.unindexed:
            self.writer.index(self.to_index, self.unindexed)
        self.change, self.to_index, self.unindexed = {}, [], []
        self.unwritten = 0

    def finish(self) -> LoadSummary:
        """Write what is still pending (letters, the ICD-10-CM concepts they use, counts, index) and the
        rejections."""
        self._flush()
        # Only files kept out before can have a rejection to forget: ask which, rather than naming every file read.
        before = {str(row["source"]) for row in self.writer.select(
            f"SELECT DISTINCT ?source WHERE {{ GRAPH <{REJECTED_GRAPH}> {{ ?node <{DCTERMS.source}> ?source }} }}")}
        operations = rejection_updates([source for source in self.read if source in before], self.rejections)
        if operations:
            self.writer.update(" ;\n".join(operations))
        return self.summary


def counted_facts(writer: GraphWriter, key: str) -> list[Fact]:
    """What the stored version of letter ``key`` added to the outcome counts."""
    return facts_from_rows(writer.select(stored_facts_query(str(mint.letter_graph(key)))))


def retract(writer: GraphWriter, key: str) -> list[Fact]:
    """Drop letter ``key``'s graphs; returns what it had added to the outcome counts, for them to take off."""
    removed = counted_facts(writer, key)
    writer.replace_nt({str(mint.letter_graph(key)): None, str(mint.validation_graph(key)): None})
    return removed


def delete_letters(store: AnyStore, case_numbers: Iterable[str]) -> list[str]:
    """Remove the letters with these case numbers; returns those that were not in the store."""
    missing = []
    for number in case_numbers:
        key = mint.case_key(number, None)
        if not store.has_graph(mint.letter_graph(key)):
            missing.append(number)
            continue
        counts = update_counts(store, deltas([], retract(store, key)))
        if counts:
            store.update(counts)
        store.index([], [key])
    return missing


def rejected_iri(source: str) -> URIRef:
    """The node recording why the file at ``source`` was kept out."""
    return URIRef(f"{BASE}rejected/{hashlib.sha256(source.encode()).hexdigest()[:16]}")


def rejection_graph(source: str, reasons: list[str]) -> Graph:
    """The triples recording that the file at ``source`` was kept out of the graph, and why."""
    node = rejected_iri(source)
    graph = Graph()
    graph.add((node, RDF.type, IMR.RejectedLetter))
    graph.add((node, DCTERMS.source, Literal(source)))
    graph.add((node, PROV.generatedAtTime, Literal(datetime.now(UTC), datatype=XSD.dateTime)))
    for reason in reasons:
        graph.add((node, IMR.rejectionReason, Literal(reason)))
    return graph


def rejected_letters(select: Callable[[str], list[dict[str, Any]]]) -> list[dict[str, Any]]:
    """Every file kept out of the graph, as the last build to read it recorded: its path, when, and the reasons
    (sorted by path)."""
    rows = select(f"SELECT ?node ?source ?when ?reason WHERE {{ GRAPH <{REJECTED_GRAPH}> {{ "
                  f"?node <{DCTERMS.source}> ?source . OPTIONAL {{ ?node <{PROV.generatedAtTime}> ?when }} "
                  f"OPTIONAL {{ ?node <{IMR.rejectionReason}> ?reason }} }} }}")
    found: dict[str, dict[str, Any]] = {}
    for row in rows:
        entry = found.setdefault(str(row["node"]), {"source": str(row["source"]), "when": str(row.get("when") or ""),
                                                    "reasons": []})
        if row.get("reason") and str(row["reason"]) not in entry["reasons"]:
            entry["reasons"].append(str(row["reason"]))
    return sorted(found.values(), key=lambda e: e["source"])


def rejection_updates(sources: list[str], rejections: list[tuple[str, list[str]]]) -> list[str]:
    """SPARQL Update operations: forget earlier rejections of ``sources``, then record these rejections."""
    operations = []
    if sources:
        cleared = " ".join(f"<{rejected_iri(s)}>" for s in dict.fromkeys(sources))
        operations.append(f"DELETE {{ GRAPH <{REJECTED_GRAPH}> {{ ?s ?p ?o }} }} WHERE {{ "
                          f"GRAPH <{REJECTED_GRAPH}> {{ ?s ?p ?o }} VALUES ?s {{ {cleared} }} }}")
    added = Graph()
    for source, reasons in rejections:
        added += rejection_graph(source, reasons)
    if len(added):
        operations.append(_insert(str(REJECTED_GRAPH), added.serialize(format="nt")))
    return operations


def _insert(graph: str, nt: str) -> str:
    return f"INSERT DATA {{ GRAPH <{graph}> {{\n{nt}\n}} }}"
