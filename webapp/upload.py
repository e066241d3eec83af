"""Uploading letters through the web page: the same pipeline as `kg build`, then the store, then the results.

Off unless the server runs with uploads on. Uploaded bytes are kept under the store folder, named by
their SHA-256 digest (a client's file name is only ever shown, never used as a path). A file that
cannot be read as a letter is kept too, and listed with its reason among the letters kept out.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from flask import Blueprint, abort, current_app, render_template, request

from kg.build import ICD10_GRAPH, REJECTED_GRAPH, Processed, process_record, rejection_graph
from kg.errors import KGError
from kg.extract import extract_record
from kg.letters import SUPPORTED_SUFFIXES, read_bytes
from kg.rdf import mint
from kg.rdf.vocab_graph import icd10_graph
from kg.record import CaseRecord
from webapp.runner import Request
from webapp.store import get_runner

bp = Blueprint("upload", __name__)

MAX_FILES = 20


@dataclass
class Outcome:
    """What happened to one uploaded file."""

    name: str
    loaded: bool = False
    case_number: str | None = None
    key: str | None = None
    record: CaseRecord | None = None
    conforms: bool = True
    problems: list[str] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)


@bp.get("/upload")
def page() -> tuple[str, int]:
    """The upload form (or why uploads are off)."""
    enabled = bool(current_app.config["UPLOADS_ENABLED"])
    return render_template("upload/upload.html", enabled=enabled, outcomes=None, active_page="upload",
                           max_bytes=current_app.config["UPLOAD_MAX_BYTES"], max_files=MAX_FILES,
                           suffixes=", ".join(SUPPORTED_SUFFIXES)), (200 if enabled else 403)


@bp.post("/upload")
def receive() -> str:
    """Run every uploaded file through the pipeline and show what was extracted and how it validated."""
    if not current_app.config["UPLOADS_ENABLED"]:
        abort(403, "Uploads are switched off on this server (start it with: kg serve --uploads).")
    origin = request.headers.get("Origin")
    if origin and urlsplit(origin).netloc != request.host:
        abort(403, "Uploads are only accepted from this site's own upload page.")
    files = [f for f in request.files.getlist("letters") if f and f.filename]
    if not files:
        abort(400, "Choose at least one letter file to upload.")
    if len(files) > MAX_FILES:
        abort(400, f"Upload at most {MAX_FILES} letters at a time.")
    outcomes = [_handle(f.filename or "letter", f.stream.read(current_app.config["UPLOAD_MAX_BYTES"] + 1))
                for f in files]
    return render_template("upload/upload.html", enabled=True, outcomes=outcomes, active_page="upload",
                           max_bytes=current_app.config["UPLOAD_MAX_BYTES"], max_files=MAX_FILES,
                           suffixes=", ".join(SUPPORTED_SUFFIXES))


def _handle(name: str, data: bytes) -> Outcome:
    outcome = Outcome(name=name)
    suffix = Path(name).suffix.lower()
    limit = current_app.config["UPLOAD_MAX_BYTES"]
    digest = hashlib.sha256(data).hexdigest()
    if suffix not in SUPPORTED_SUFFIXES:
        outcome.reasons = [f"{name}: unsupported file type '{suffix or '(none)'}' (expected one of "
                           f"{', '.join(SUPPORTED_SUFFIXES)})"]
        return _reject(outcome, f"upload:{name}")
    if len(data) > limit:
        outcome.reasons = [f"{name}: larger than the {limit // 1024} KiB upload limit"]
        return _reject(outcome, f"upload:{name}")
    saved = _keep(data, digest, suffix)
    try:
        letter = read_bytes(data, str(saved), suffix)
    except KGError as error:
        outcome.reasons = [str(error).replace(str(saved), name)]
        return _reject(outcome, str(saved))
    record = extract_record(letter)
    processed = process_record(record, digest)
    outcome.record, outcome.case_number = record, record.case_number
    if processed.key is None:
        outcome.reasons = [r.replace(str(saved), name) for r in (processed.errors or ["no case number found"])]
        return _reject(outcome, str(saved))
    _load(processed)
    outcome.loaded, outcome.key = True, processed.key
    outcome.conforms, outcome.problems = processed.conforms, processed.problems
    outcome.reasons = [e.replace(str(saved), name) for e in processed.errors]
    return outcome


def _keep(data: bytes, digest: str, suffix: str) -> Path:
    """Save the upload under the store folder, named by its digest."""
    folder = Path(current_app.config["STORE_PATH"]) / "uploads"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{digest}{suffix}"
    if not path.exists():
        path.write_bytes(data)
    return path


def _load(processed: Processed) -> None:
    key = processed.key or ""
    icd = icd10_graph(processed.icd10).serialize(format="nt") if processed.icd10 else ""
    request_ = Request(kind="load", replace={str(mint.letter_graph(key)): processed.letter_nt,
                                             str(mint.validation_graph(key)): processed.report_nt},
                       add={str(ICD10_GRAPH): icd} if icd else {})
    get_runner().run(request_, float(current_app.config["QUERY_TIMEOUT_S"]) * 6)


def _reject(outcome: Outcome, source: str) -> Outcome:
    graph = rejection_graph(source, outcome.reasons)
    get_runner().run(Request(kind="load", add={str(REJECTED_GRAPH): graph.serialize(format="nt")}),
                     float(current_app.config["QUERY_TIMEOUT_S"]))
    return outcome
