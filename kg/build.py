"""`kg build`: letters → records → graphs → validation → the store, streaming and in bulk.

Letters are read, mapped and validated in worker processes; only this process writes the store.
A letter whose file is unchanged since the last build (same bytes, same pipeline) is not touched; a
changed letter replaces its graphs in one transaction; new letters are loaded in bulk. Letters that
cannot be read, or that break a Violation-level shape under ``strict``, are kept out and listed,
with their path and the reason, in the ``graph/rejected`` named graph.
"""
from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from multiprocessing import Pool
from pathlib import Path

from rdflib import RDF, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, PROV, XSD

from kg.namespaces import BASE, GRAPH, IMR
from kg.pipeline import extract_file, letter_paths
from kg.rdf import mint
from kg.rdf.mapping import record_to_graph
from kg.record import CaseRecord
from kg.rdf.vocab_graph import fingerprint, icd10_graph, ontology_graph, vocabulary_graph
from kg.store import KGStore, graph_update
from kg.validate import validate_graph

ONTOLOGY_GRAPH = GRAPH["ontology"]
VOCAB_GRAPH = GRAPH["vocab"]
ICD10_GRAPH = GRAPH["icd10cm"]
REJECTED_GRAPH = GRAPH["rejected"]
_BULK = 100


@dataclass
class Processed:
    """What a worker hands back for one letter (graphs as N-Triples text, cheap to pass between processes)."""

    source: str
    sha256: str
    key: str | None = None
    case_number: str | None = None
    errors: list[str] = field(default_factory=list)
    letter_nt: str = ""
    report_nt: str = ""
    conforms: bool = True
    problems: list[str] = field(default_factory=list)
    violations: int = 0
    icd10: list[str] = field(default_factory=list)


@dataclass
class BuildSummary:
    """Counts and lists from one build."""

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


def file_digest(path: Path) -> str:
    """SHA-256 of a file's bytes (what the letter graph records)."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def process_letter(path: Path) -> Processed:
    """Read, extract, map and validate one letter file (runs in a worker process)."""
    record = extract_file(path)
    digest = record.sha256 or (file_digest(path) if path.is_file() else "")
    return process_record(record, digest)


def process_record(record: CaseRecord, digest: str) -> Processed:
    """Map and validate an extracted record: its letter graph and report as N-Triples, and what went wrong."""
    result = Processed(source=record.source, sha256=digest, case_number=record.case_number,
                       errors=list(record.errors))
    if record.case_number is None or record.text is None:
        return result
    result.key = mint.case_key(record.case_number, record.sha256)
    graph = record_to_graph(record, datetime.now(timezone.utc))
    letter = mint.letter_iri(result.key)
    graph.add((letter, IMR.pipelineVersion, Literal(fingerprint())))
    report_iri = URIRef(f"{letter}/validation-report")
    report = validate_graph(graph, report_iri)
    report.graph.add((letter, IMR.validationReport, report_iri))
    result.letter_nt = graph.serialize(format="nt")
    result.report_nt = report.graph.serialize(format="nt")
    result.conforms = report.conforms
    result.violations = len(report.violations)
    result.problems = report.text(record.case_number).splitlines() if report.problems else []
    result.icd10 = [d.icd10 for d in record.diagnoses if d.icd10]
    return result


def ensure_reference_graphs(store: KGStore) -> None:
    """Load the ontology and vocabularies when the store lacks them or they changed."""
    if store.meta().get("fingerprint") == fingerprint() and store.has_graph(VOCAB_GRAPH):
        return
    store.replace_graphs({ONTOLOGY_GRAPH: ontology_graph(), VOCAB_GRAPH: vocabulary_graph()})


def letter_index(store: KGStore) -> dict[str, tuple[str, str]]:
    """Case key → (file digest, pipeline version) of every letter in the store."""
    rows = store.select(
        "SELECT ?letter ?sha ?version WHERE { GRAPH ?g { ?letter a imr:Letter ; imr:sha256 ?sha . "
        "OPTIONAL { ?letter imr:pipelineVersion ?version } } }")
    index = {}
    for row in rows:
        key = mint.key_from_iri(row["letter"])
        if key:
            index[key] = (row["sha"], row["version"] or "")
    return index


def build(paths: Iterable[str | os.PathLike[str]], store: KGStore, strict: bool = False, jobs: int = 1,
          progress: Callable[[Processed | None], None] | None = None) -> BuildSummary:
    """Bring the store up to date with the letters under ``paths``."""
    ensure_reference_graphs(store)
    existing = letter_index(store)
    current = fingerprint()
    known = {sha for sha, version in existing.values() if version == current}
    summary = BuildSummary()
    todo: list[Path] = []
    for path in letter_paths(paths):
        if path.is_file() and file_digest(path) in known:
            summary.unchanged += 1
            if progress:
                progress(None)
        else:
            todo.append(path)
    loader = _Loader(store, existing, strict, summary)
    if jobs > 1 and len(todo) > 1:
        with Pool(jobs) as pool:
            for processed in pool.imap(process_letter, todo, chunksize=4):
                loader.take(processed)
                if progress:
                    progress(processed)
    else:
        for path in todo:
            processed = process_letter(path)
            loader.take(processed)
            if progress:
                progress(processed)
    loader.finish()
    store.set_meta({"fingerprint": current})
    return summary


class _Loader:
    """Writes processed letters to the store: new ones in bulk, changed ones replaced one by one."""

    def __init__(self, store: KGStore, existing: dict[str, tuple[str, str]], strict: bool,
                 summary: BuildSummary) -> None:
        self.store, self.existing, self.strict, self.summary = store, existing, strict, summary
        self.pending: list[tuple[URIRef, str]] = []
        self.keys_this_run: set[str] = set()
        self.cleared: list[str] = []
        self.rejections: list[tuple[str, list[str]]] = []

    def take(self, p: Processed) -> None:
        self.cleared.append(p.source)
        if p.key is None:
            self._reject(p, p.errors or ["no case number found"])
            return
        if self.strict and p.violations:
            self._reject(p, [line for line in p.problems if ": violation: " in line])
            if p.key in self.existing or p.key in self.keys_this_run:
                self._flush()
                self.store.replace_graphs({mint.letter_graph(p.key): None, mint.validation_graph(p.key): None})
            return
        if p.errors:
            self.summary.with_errors.append((p.source, p.errors))
        if not p.conforms:
            self.summary.not_conforming.append((p.source, p.problems))
        elif p.problems:
            self.summary.with_warnings.append((p.source, p.problems))
        if p.key in self.existing or p.key in self.keys_this_run:
            self._flush()
            letter = Graph().parse(data=p.letter_nt, format="nt")
            report = Graph().parse(data=p.report_nt, format="nt")
            self.store.replace_graphs({mint.letter_graph(p.key): letter, mint.validation_graph(p.key): report})
            self.summary.replaced += 1
        else:
            self.pending += [(mint.letter_graph(p.key), p.letter_nt), (mint.validation_graph(p.key), p.report_nt)]
            self.summary.added += 1
            if len(self.pending) >= 2 * _BULK:
                self._flush()
        self.keys_this_run.add(p.key)

    def _reject(self, p: Processed, reasons: list[str]) -> None:
        self.summary.rejected.append((p.source, reasons))
        self.rejections.append((p.source, reasons))

    def _flush(self) -> None:
        if self.pending:
            self.store.bulk_add(self.pending)
            self.pending = []

    def finish(self) -> None:
        self._flush()
        _update_rejected(self.store, self.cleared, self.rejections)
        codes = [row["code"] for row in self.store.select(
            "SELECT DISTINCT ?code WHERE { GRAPH ?g { ?d imr:icd10Code ?c } BIND(STRAFTER(STR(?c), 'icd10cm/') AS ?code) }")]
        self.store.replace_graphs({ICD10_GRAPH: icd10_graph(codes)})


def rejected_iri(source: str) -> URIRef:
    """The node recording why the file at ``source`` was kept out."""
    return URIRef(f"{BASE}rejected/{hashlib.sha256(source.encode()).hexdigest()[:16]}")


def rejection_graph(source: str, reasons: list[str]) -> Graph:
    """The triples recording that the file at ``source`` was kept out of the graph, and why."""
    node = rejected_iri(source)
    graph = Graph()
    graph.add((node, RDF.type, IMR.RejectedLetter))
    graph.add((node, DCTERMS.source, Literal(source)))
    graph.add((node, PROV.generatedAtTime, Literal(datetime.now(timezone.utc), datatype=XSD.dateTime)))
    for reason in reasons:
        graph.add((node, IMR.rejectionReason, Literal(reason)))
    return graph


def _update_rejected(store: KGStore, sources: list[str], rejections: list[tuple[str, list[str]]]) -> None:
    """Forget earlier rejections of the files read in this build, then record this build's ones."""
    operations = []
    if sources:
        cleared = " ".join(f"<{rejected_iri(s)}>" for s in sources)
        operations.append(f"DELETE {{ GRAPH <{REJECTED_GRAPH}> {{ ?s ?p ?o }} }} WHERE {{ "
                          f"GRAPH <{REJECTED_GRAPH}> {{ ?s ?p ?o }} VALUES ?s {{ {cleared} }} }}")
    added = Graph()
    for source, reasons in rejections:
        added += rejection_graph(source, reasons)
    if len(added):
        operations.append(graph_update({}, {str(REJECTED_GRAPH): added.serialize(format="nt")}))
    if operations:
        store.update(" ;\n".join(operations))
