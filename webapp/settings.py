"""Every setting of the web app in one table: (name, default, help). Environment variables KG_<NAME> override."""
from __future__ import annotations

import os
from typing import Any

SETTINGS: tuple[tuple[str, Any, str], ...] = (
    ("STORE_PATH", "data", "Folder of the pyoxigraph store to serve, or the http(s) base URL of a SPARQL 1.1 server."),
    ("UPLOADS_PATH", "", "Folder where uploaded letters are kept ('': `uploads` in the store folder, or in the "
                         "working folder when the store is a server)."),
    ("QUERY_TIMEOUT_S", 10.0, "Wall-clock limit per SPARQL query, in seconds; the query's worker process is killed."),
    ("MAX_ROWS", 10000, "Most result rows (or triples) returned; more sets the 'truncated' flag."),
    ("PAGE_SIZE", 100, "Rows per page in the workbench's result table."),
    ("MAX_REQUEST_BYTES", 1_048_576, "Largest request body accepted (bytes); larger gets 413."),
    ("MAX_QUERY_CHARS", 100_000, "Longest query text accepted, in characters."),
    ("QUERY_WORKERS", 2, "Worker processes running queries in parallel (each can be killed on timeout)."),
    ("QUERY_MEMORY_MB", 1024, "Memory a query worker may use (its data, in MB; 0 for no limit); a query needing more "
                              "is stopped with 503."),
    ("CORS_ORIGINS", "*", "Access-Control-Allow-Origin for /sparql ('' for none)."),
    ("UNION_DEFAULT_GRAPH", True, "Without FROM or default-graph-uri, the default graph is the union of all graphs."),
    ("UPDATE_TOKEN", "", "Secret bearer token that switches SPARQL Update on; empty keeps the endpoint read-only."),
    ("UPLOADS_ENABLED", False, "Allow letters to be uploaded through the web page (writes to the store)."),
    ("INGEST_ENABLED", False, "Take letters from `kg build` runs against the served store (writes to the store)."),
    ("UPLOAD_MAX_BYTES", 5_242_880, "Largest letter file accepted by the upload page (bytes)."),
)

DEFAULTS: dict[str, Any] = {name: default for name, default, _ in SETTINGS}


def from_environment(environ: dict[str, str] | None = None) -> dict[str, Any]:
    """Settings given as KG_<NAME> environment variables, converted to the default's type."""
    environ = dict(os.environ if environ is None else environ)
    values: dict[str, Any] = {}
    for name, default, _ in SETTINGS:
        raw = environ.get(f"KG_{name}")
        if raw is None:
            continue
        if isinstance(default, bool):
            values[name] = raw.strip().lower() in ("1", "true", "yes", "on")
        elif isinstance(default, (int, float)):
            values[name] = type(default)(raw)
        else:
            values[name] = raw
    return values
