"""Uploading letters through the web page: the same pipeline and loader as `kg build`, then the results.

Off unless the server runs with uploads on. Uploaded bytes are kept under the store folder, named by
their SHA-256 digest (a client's file name is only ever shown, never used as a path). A file that
cannot be read as a letter is kept too, and listed with its reason among the letters kept out.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

from flask import Blueprint, abort, current_app, render_template, request

from kg.letters import SUPPORTED_SUFFIXES
from kg.loading import LetterLoader
from kg.pipeline import extract_bytes, process_record
from kg.record import CaseRecord
from webapp.security import refuse_cross_site
from webapp.store import StoreWriter, uploads_folder

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
    refuse_cross_site("Uploads are only accepted from this site's own upload page.")
    files = [f for f in request.files.getlist("letters") if f and f.filename]
    if not files:
        abort(400, "Choose at least one letter file to upload.")
    if len(files) > MAX_FILES:
        abort(400, f"Upload at most {MAX_FILES} letters at a time.")
    loader = LetterLoader(StoreWriter())
    outcomes = [_handle(loader, f.filename or "letter", f.stream.read(current_app.config["UPLOAD_MAX_BYTES"] + 1))
                for f in files]
    loader.finish()
    return render_template("upload/upload.html", enabled=True, outcomes=outcomes, active_page="upload",
                           max_bytes=current_app.config["UPLOAD_MAX_BYTES"], max_files=MAX_FILES,
                           suffixes=", ".join(SUPPORTED_SUFFIXES))


def _handle(loader: LetterLoader, name: str, data: bytes) -> Outcome:
    outcome = Outcome(name=name)
    suffix = Path(name).suffix.lower()
    limit = current_app.config["UPLOAD_MAX_BYTES"]
    digest = hashlib.sha256(data).hexdigest()
    if suffix not in SUPPORTED_SUFFIXES:
        outcome.reasons = [f"{name}: unsupported file type '{suffix or '(none)'}' (expected one of "
                           f"{', '.join(SUPPORTED_SUFFIXES)})"]
        loader.reject(f"upload:{name}", outcome.reasons)
        return outcome
    if len(data) > limit:
        outcome.reasons = [f"{name}: larger than the {limit // 1024} KiB upload limit"]
        loader.reject(f"upload:{name}", outcome.reasons)
        return outcome
    saved = _keep(data, digest, suffix)
    record = extract_bytes(data, str(saved), suffix)
    processed = process_record(record, digest)
    outcome.record, outcome.case_number = (record if record.layout else None), record.case_number
    outcome.reasons = [e.replace(str(saved), name) for e in processed.errors]
    if processed.key is None and not outcome.reasons:
        outcome.reasons = ["no case number found"]
    if not loader.take(processed):
        return outcome
    outcome.loaded, outcome.key = True, processed.key
    outcome.conforms, outcome.problems = processed.conforms, processed.problems
    return outcome


def _keep(data: bytes, digest: str, suffix: str) -> Path:
    """Save the upload under the store folder, named by its digest."""
    folder = uploads_folder()
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{digest}{suffix}"
    if not path.exists():
        path.write_bytes(data)
    return path
