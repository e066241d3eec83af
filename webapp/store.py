"""The app's one handle on the store: a QueryRunner of killable workers, opened at start-up (as in flaskr/db.py)."""
from __future__ import annotations

import atexit
from pathlib import Path

from flask import Flask, current_app

from kg.store import hold_for_serving
from webapp.runner import QueryRunner


def init_app(app: Flask) -> None:
    """Lock the store for serving and start the query workers; stop them when the process exits."""
    path = Path(app.config["STORE_PATH"])
    writable = bool(app.config["UPDATE_TOKEN"]) or bool(app.config["UPLOADS_ENABLED"])
    app.extensions["kg_lock"] = hold_for_serving(path, writable)
    runner = QueryRunner(str(path), workers=int(app.config["QUERY_WORKERS"]), writable=writable)
    app.extensions["kg_runner"] = runner
    atexit.register(runner.close)


def get_runner() -> QueryRunner:
    """The query runner of the current app."""
    return current_app.extensions["kg_runner"]


def close_app(app: Flask) -> None:
    """Stop the workers and release the store (for tests and orderly shutdown)."""
    app.extensions["kg_runner"].close()
    lock = app.extensions.pop("kg_lock", None)
    if lock is not None:
        lock.close()
