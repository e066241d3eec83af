"""The app's one handle on the store: a QueryRunner of killable workers, opened at start-up (as in flaskr/db.py)."""
from __future__ import annotations

import atexit
import secrets
import sqlite3
from pathlib import Path

from flask import Flask, current_app

from kg.errors import KGError
from kg.item_index import FILE_NAME as INDEX_FILE, ItemIndex
from kg.remote_store import is_url
from kg.store import hold_for_serving
from typing import Any

from webapp.runner import Answer, QueryRunner, Request


def init_app(app: Flask) -> None:
    """Lock the store for serving and start the query workers; stop them when the process exits.

    A store given as an http(s) URL is a SPARQL 1.1 server: the workers send it the queries (there is no
    folder to lock and no item index, so pages count with SPARQL), and letters arrive by `kg build --store
    URL` straight to the server rather than through this app."""
    spec = str(app.config["STORE_PATH"])
    writable = any(bool(app.config[name]) for name in ("UPDATE_TOKEN", "UPLOADS_ENABLED", "INGEST_ENABLED"))
    if is_url(spec):
        if app.config["INGEST_ENABLED"]:
            raise KGError(f"{spec}: taking letters from `kg build` is for a store folder; `kg build --store "
                          f"{spec}` writes to that server directly")
    else:
        if app.config["INGEST_ENABLED"] and not app.config.get("INGEST_TOKEN"):
            app.config["INGEST_TOKEN"] = secrets.token_urlsafe(32)
        app.extensions["kg_lock"] = hold_for_serving(Path(spec), writable)
    runner = QueryRunner(spec, workers=int(app.config["QUERY_WORKERS"]), writable=writable,
                         memory_mb=int(app.config["QUERY_MEMORY_MB"]))
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


def run_internal(sparql: str, fmt: str, max_rows: int | None = None) -> Answer:
    """Run one of the app's own queries (``fmt`` "rows" or "triples") under the same time limit as any query."""
    config = current_app.config
    request = Request(kind="query", text=sparql, result_format=fmt, union_default_graph=True,
                      max_rows=int(max_rows or config["MAX_ROWS"]))
    return get_runner().run(request, float(config["QUERY_TIMEOUT_S"]))


def select(sparql: str, max_rows: int | None = None) -> list[dict[str, Any]]:
    """A SELECT query's rows as dicts of SPARQL-JSON terms ({"type", "value", ...})."""
    return run_internal(sparql, "rows", max_rows).data["rows"]


def select_values(sparql: str, max_rows: int | None = None) -> list[dict[str, str]]:
    """A SELECT query's rows with plain string values."""
    return [{k: v["value"] for k, v in row.items()} for row in select(sparql, max_rows)]


def construct(sparql: str, max_rows: int | None = None) -> list[list[dict[str, Any]]]:
    """A CONSTRUCT/DESCRIBE query's triples, each as three SPARQL-JSON terms."""
    return run_internal(sparql, "triples", max_rows).data


class StoreWriter:
    """The loader's writer inside the app (kg.loading): the server's one writing worker, under a time limit."""

    def __init__(self) -> None:
        self.timeout = float(current_app.config["QUERY_TIMEOUT_S"]) * 6

    def replace_nt(self, graphs: dict[str, str | None]) -> None:
        """Replace named graphs, in one transaction."""
        get_runner().run(Request(kind="load", replace=graphs), self.timeout)

    def add_new(self, items: list[tuple[str, str]]) -> None:
        """Add new named graphs."""
        get_runner().run(Request(kind="load", add=dict(items)), self.timeout)

    def update(self, sparql: str) -> None:
        """Run a SPARQL Update."""
        get_runner().run(Request(kind="update", text=sparql), self.timeout)

    def select(self, sparql: str) -> list[dict[str, Any]]:
        """Rows of a SELECT query, as plain values."""
        return select_values(sparql)

    def index(self, letters: list[dict[str, Any]], removed: list[str]) -> None:
        """Bring the item index in the store folder up to date (this process is the store's one writer). A
        store without a current index gets none here: `kg build` or `kg recount` makes it from the graph."""
        items = writable_item_index()
        if items is not None:
            with items:
                items.write(letters, removed)


def writable_item_index() -> ItemIndex | None:
    """The store's item index opened for writing (None when the store has no current one), or read-only when
    its file cannot be written."""
    reader = item_index()  # checks the layout without changing anything
    if reader is None:
        return None
    reader.close()
    try:
        return ItemIndex(Path(current_app.config["STORE_PATH"]) / INDEX_FILE)
    except sqlite3.Error:
        return item_index()


def uploads_folder() -> Path:
    """Where uploaded letters are kept: the UPLOADS_PATH setting, else `uploads` in the store folder (in the
    working folder when the store is a SPARQL server)."""
    given, spec = current_app.config["UPLOADS_PATH"], str(current_app.config["STORE_PATH"])
    if given:
        return Path(given)
    return Path("uploads") if is_url(spec) else Path(spec) / "uploads"


def item_index() -> ItemIndex | None:
    """The store's item index opened for reading, or None when the store has none, has one of another layout,
    or is a SPARQL server (pages then count with SPARQL)."""
    if is_url(current_app.config["STORE_PATH"]):
        return None
    path = Path(current_app.config["STORE_PATH"]) / INDEX_FILE
    if not path.is_file():
        return None
    index = ItemIndex(path, read_only=True)
    if index.current:
        return index
    index.close()
    return None
