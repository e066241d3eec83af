"""Letters handed over by `kg build` while this server holds the store: written by the same loader as a build.

Off unless the server runs with ``--ingest``. The caller proves it may write by the token the server wrote
beside the store (readable by the store's owner only), sent as a bearer token. The body is JSON, a batch of
letters already processed by the pipeline (graphs as N-Triples); the answer is what the loader did.
"""
from __future__ import annotations

import hmac
import re
from dataclasses import asdict, fields
from typing import Any

from flask import Blueprint, abort, current_app, jsonify, request
from flask.typing import ResponseReturnValue

from kg.errors import KGError
from kg.loading import LetterLoader
from kg.pipeline import Processed
from kg.store import check_ntriples
from webapp.store import StoreWriter

bp = Blueprint("ingest", __name__)

_FIELDS = {f.name: f.type for f in fields(Processed)}
_KEY_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,80}")


@bp.post("/ingest")
def ingest() -> ResponseReturnValue:
    """Load a batch of processed letters; answer with the counts and lists of the load."""
    if not current_app.config["INGEST_ENABLED"]:
        abort(403, "This server does not take letters (start it with: kg serve --ingest).")
    sent = request.headers.get("Authorization", "")
    token = str(current_app.config.get("INGEST_TOKEN") or "")
    if not token or not hmac.compare_digest(sent.encode(), f"Bearer {token}".encode()):
        abort(401, "Letters are taken only with the token the server wrote beside the store.")
    body = request.get_json(silent=True)
    if not isinstance(body, dict) or not isinstance(body.get("letters"), list):
        abort(400, 'Expected a JSON object {"letters": [...]} of processed letters.')
    letters = [_processed(item, number) for number, item in enumerate(body["letters"], 1)]
    loader = LetterLoader(StoreWriter())
    for processed in letters:
        loader.take(processed)
    summary = loader.finish()
    return jsonify(asdict(summary))


def _processed(item: Any, number: int) -> Processed:
    if not isinstance(item, dict) or not {"source", "sha256"} <= item.keys() or not item.keys() <= _FIELDS.keys():
        abort(400, f"letter {number}: not a processed letter (fields: {', '.join(_FIELDS)})")
    try:
        processed = Processed(**item)
    except TypeError as error:
        abort(400, f"letter {number}: {error}")
    checks = {"source": str, "sha256": str, "letter_nt": str, "report_nt": str, "conforms": bool, "violations": int}
    for name, kind in checks.items():
        if not isinstance(getattr(processed, name), kind):
            abort(400, f"letter {number}: '{name}' must be {kind.__name__}")
    if processed.key is not None and not (isinstance(processed.key, str) and _KEY_RE.fullmatch(processed.key)):
        abort(400, f"letter {number}: 'key' must be a case key such as CM14-0166055")
    for name in ("letter_nt", "report_nt"):
        try:
            check_ntriples(getattr(processed, name), f"letter {number} {name}")
        except KGError as error:
            abort(400, str(error))
    return processed
