"""The only place the stages are chained: a file (or an upload's bytes) → LetterText → CaseRecord → letter graph
and validation report, ready for :mod:`kg.loading` to write. `kg build`, `kg extract` and the web app's
uploads all go through here; the mapping and validation modules load only when a graph is made.
"""
from __future__ import annotations

import hashlib
import os
import re
import signal
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from multiprocessing import Pool
from pathlib import Path
from typing import Any

from kg.errors import KGError
from kg.letters import SUPPORTED_SUFFIXES, LetterText, read_bytes, read_letter
from kg.record import CaseRecord

__all__ = ["Processed", "Refused", "changed_files", "extract_bytes", "extract_file", "extract_files",
           "letter_paths", "process_file", "process_files", "process_record"]


@dataclass(frozen=True)
class Refused:
    """A file in a letters folder that is not to be read, and why (it goes through the pipeline as a letter
    kept out, so that it is listed with the others)."""

    path: Path
    reason: str

    def __str__(self) -> str:
        return str(self.path)


def letter_paths(paths: Iterable[str | os.PathLike[str]]) -> Iterator[Path | Refused]:
    """Letter files named by ``paths``: files as given, folders searched recursively (sorted, no hidden files).

    Within a folder, symbolic links to folders are not followed, and a link to a file is read only when the file
    lies inside the folder; one leading out of it, or nowhere, is a :class:`Refused`."""
    for raw in paths:
        path = Path(raw)
        if not path.is_dir():
            yield path
            continue
        root = path.resolve()
        found: list[Path] = []
        for folder, folders, files in os.walk(path, followlinks=False):
            folders[:] = [f for f in folders if not f.startswith(".")]
            found += [Path(folder) / name for name in files
                      if Path(name).suffix.lower() in SUPPORTED_SUFFIXES and not name.startswith(".")]
        for file in sorted(found):
            if file.is_symlink():
                target = file.resolve()
                if not target.exists():
                    yield Refused(file, f"{file}: a symbolic link to nothing ({target})")
                    continue
                if not target.is_relative_to(root):
                    yield Refused(file, f"{file}: a symbolic link leading out of {path} (to {target}); not followed")
                    continue
            yield file


def extract_file(path: str | os.PathLike[str] | Refused) -> CaseRecord:
    """Read and extract one letter; a letter that cannot be read still yields a record whose errors say why."""
    if isinstance(path, Refused):
        return CaseRecord(source=str(path.path), errors=[path.reason])
    return _extract(lambda: read_letter(path), str(path))


def extract_bytes(data: bytes, source: str, suffix: str) -> CaseRecord:
    """Read and extract one letter held in memory (an upload); problems become the record's errors."""
    return _extract(lambda: read_bytes(data, source, suffix), source)


def _extract(read: Callable[[], LetterText], source: str) -> CaseRecord:
    try:
        letter = read()
    except KGError as error:
        return CaseRecord(source=source, errors=[str(error)])
    from kg.extract import extract_record  # the extractor's vocabularies load only when a letter is read

    try:
        return extract_record(letter)
    except KGError as error:
        return CaseRecord(source=source, errors=[str(error)], text=letter.text)


@dataclass
class Processed:
    """One letter through the whole pipeline: its graphs as N-Triples (cheap to pass between processes) and
    what went wrong."""

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
    facts: list[list[str]] = field(default_factory=list)  # what the letter adds to the outcome counts
    index_rows: dict[str, Any] | None = None  # what the letter puts in the item index (kg.item_index)


class LetterTimeout(KGError):
    """A letter took longer than the time allowed for one (``KG_LETTER_TIMEOUT_S``)."""


def letter_time_limit() -> float:
    """Seconds one letter may take to be read, extracted, mapped and validated (0: no limit)."""
    try:
        return max(0.0, float(os.environ.get("KG_LETTER_TIMEOUT_S", "60")))
    except ValueError:
        return 60.0


@contextmanager
def time_limit(seconds: float, source: str) -> Iterator[None]:
    """Raise :class:`LetterTimeout` in this thread after ``seconds``. Only the main thread of a process can be
    interrupted so (as the build's workers are); elsewhere, and with 0 seconds, there is no limit. A call into
    compiled code is interrupted when it returns."""
    if seconds <= 0 or threading.current_thread() is not threading.main_thread():
        yield
        return

    def expired(signum: int, frame: Any) -> None:
        raise LetterTimeout(f"{source}: took longer than {seconds:g} s (KG_LETTER_TIMEOUT_S); stopped and kept out")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def process_file(path: Path | Refused) -> Processed:
    """Read, extract, map and validate one letter file (runs in a worker process), within the time allowed for
    one letter: one that takes longer is stopped and kept out, and the batch goes on."""
    try:
        with time_limit(letter_time_limit(), str(path)):
            record = extract_file(path)
            if isinstance(path, Refused):
                return process_record(record, "")
            digest = record.sha256 or (file_digest(path) if path.is_file() else "")
            return process_record(record, digest)
    except LetterTimeout as error:
        return Processed(source=str(path), sha256="", errors=[str(error)])


def process_files(paths: list[Path | Refused], jobs: int = 1, window: int | None = None,
                  work: Callable[[Path | Refused], Processed] | None = None) -> Iterator[Processed]:
    """``work`` (default :func:`process_file`) over ``paths``, in order, in ``jobs`` worker processes when there
    is more than one.

    At most ``window`` letters (default 32 per worker) are in flight: handed to the workers and not yet taken
    by the caller. Without that bound, workers faster than the writer would pile their results up in memory,
    and memory would grow with the corpus.
    """
    if jobs > 1 and len(paths) > 1:
        slots = threading.Semaphore(max(window or 32 * jobs, 8 * jobs))
        stopped = threading.Event()

        def admitted() -> Iterator[Path | Refused]:  # read by the pool's feeding thread, which waits here for a slot
            for path in paths:
                while not slots.acquire(timeout=0.2):
                    if stopped.is_set():  # the caller has gone (an error, or it stopped reading)
                        return
                if stopped.is_set():
                    return
                yield path

        with Pool(jobs) as pool:
            try:
                for processed in pool.imap(work or process_file, admitted(), chunksize=4):
                    slots.release()
                    yield processed
            finally:
                # Without this the pool, closing, would wait for its feeding thread, which waits for a slot
                # nobody will free.
                stopped.set()
    else:
        yield from map(work or process_file, paths)


def quiet(_: Processed | None) -> None:
    """A progress callback that reports nothing."""


def changed_files(paths: Iterable[str | os.PathLike[str]],
                  known: set[str]) -> tuple[list[Path | Refused], list[Path]]:
    """The letter files under ``paths`` whose digest is not in ``known`` (already stored under this pipeline),
    and those left out as unchanged."""
    todo: list[Path | Refused] = []
    unchanged: list[Path] = []
    for path in letter_paths(paths):
        if isinstance(path, Path) and path.is_file() and _digest_or_none(path) in known:
            unchanged.append(path)
        else:
            todo.append(path)
    return todo, unchanged


def process_record(record: CaseRecord, digest: str) -> Processed:
    """Map and validate an extracted record: its letter graph and report as N-Triples, and what went wrong.

    The triples go straight to N-Triples text, which the validator reads and the store loads; no rdflib
    Graph is built for a letter that conforms.
    """
    from rdflib import Literal, URIRef

    from kg.item_index import letter_quality, letter_rows, report_results
    from kg.namespaces import IMR
    from kg.rdf import mint
    from kg.rdf.mapping import record_triples
    from kg.rdf.ntriples import ntriples
    from kg.rdf.vocab_graph import fingerprint
    from kg.summaries import record_facts
    from kg.validate import validate_ntriples

    result = Processed(source=record.source, sha256=digest, case_number=record.case_number,
                       errors=list(record.errors))
    if record.case_number is None or record.text is None:
        return result
    result.key = mint.case_key(record.case_number, record.sha256)
    extracted_at = datetime.now(UTC)
    triples = record_triples(record, extracted_at)
    letter = mint.letter_iri(result.key)
    triples.append((letter, IMR.pipelineVersion, Literal(fingerprint())))
    result.letter_nt = ntriples(triples)
    report_iri = URIRef(f"{letter}/validation-report")
    report = validate_ntriples(result.letter_nt, triples, report_iri)
    report.graph.add((letter, IMR.validationReport, report_iri))
    # Blank nodes of the report are labelled after the letter, so that many reports can share one load.
    result.report_nt = ntriples(report.graph, blank_prefix=_BLANK_UNSAFE.sub("", result.key) + "x")
    result.conforms = report.conforms
    result.violations = len(report.violations)
    result.problems = report.text(record.case_number).splitlines() if report.problems else []
    result.icd10 = [d.icd10 for d in record.diagnoses if d.icd10]
    results = report_results(report.graph, report_iri)
    result.facts = [list(fact) for fact in record_facts(record, results)]
    result.index_rows = letter_rows(record, digest)
    if result.index_rows is not None:
        result.index_rows["quality"] = letter_quality(record, extracted_at, report.conforms, results)
    return result


_BLANK_UNSAFE = re.compile(r"[^A-Za-z0-9]")


def file_digest(path: Path) -> str:
    """SHA-256 of a file's bytes (what the letter graph records)."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _digest_or_none(path: Path) -> str | None:
    """:func:`file_digest`, or None for a file that cannot be read (reading it again will say why)."""
    try:
        return file_digest(path)
    except OSError:
        return None


def extract_files(paths: Iterable[str | os.PathLike[str]]) -> Iterator[CaseRecord]:
    """Records for every letter under ``paths``, one at a time, in order."""
    for path in letter_paths(paths):
        yield extract_file(path)
