"""Building into a store that a server holds: letters are processed here and handed to the server's writer.

One process owns an on-disk store. While `kg serve --ingest` holds it, the server writes a small file beside
the database (``kg-serve.json``: its address and a secret token, readable by its owner only). `kg build` finds
it, runs the pipeline in its own worker processes, and posts the processed letters, in batches, to the
server's ``/ingest``, where the same loader as in a local build writes them through the server's one
writing worker; each letter's graphs are replaced in one transaction, so readers never see half a letter.
"""
from __future__ import annotations

import json
import os
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict
from pathlib import Path
from typing import Any

from kg.errors import KGError
from kg.loading import LoadSummary
from kg.namespaces import sparql_prologue
from kg.pipeline import Processed, changed_files, process_files, quiet
from kg.store import writer_of

SERVE_FILE = "kg-serve.json"
BATCH_BYTES = 700_000  # under the server's default request limit of 1 MiB
_RETRIES = 3


class ServerUnavailable(KGError):
    """The server holding the store could not be reached or refused the letters."""


def announce(store: Path, url: str, token: str) -> Path:
    """Tell builders where the server holding ``store`` takes letters (written by `kg serve --ingest`)."""
    path = store / SERVE_FILE
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        json.dump({"url": url.rstrip("/"), "token": token, "pid": os.getpid()}, handle)
    return path


def withdraw(store: Path) -> None:
    """Remove the announcement (when the server stops)."""
    (store / SERVE_FILE).unlink(missing_ok=True)


def serving(store: Path) -> dict[str, Any] | None:
    """The announcement of a server that holds ``store`` now and takes letters, or None."""
    path = store / SERVE_FILE
    if not path.is_file() or writer_of(store) is None:
        return None
    try:
        info = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(info, dict) or not info.get("url") or not info.get("token"):
        return None
    return info


def build_through_server(paths: Iterable[str | os.PathLike[str]], info: dict[str, Any], jobs: int = 1,
                         progress: Callable[[Processed | None], None] | None = None) -> LoadSummary:
    """Process the letters under ``paths`` here and hand them to the server described by ``info``."""
    report = progress or quiet
    summary = LoadSummary()
    todo, unchanged = changed_files(paths, stored_digests(info["url"]))
    summary.unchanged = len(unchanged)
    for _ in range(summary.unchanged):
        report(None)

    def reported(processed: Processed) -> Processed:
        report(processed)
        return processed

    for batch in _batches(map(reported, process_files(todo, jobs))):
        _merge(summary, _post(info, batch))
    return summary

def stored_digests(url: str) -> set[str]:
    """The file digests of the letters the server's store holds under the current pipeline."""
    from kg.rdf.vocab_graph import fingerprint

    query = (sparql_prologue("imr") + "SELECT ?sha WHERE { GRAPH ?g { ?l a imr:Letter ; "
             f'imr:sha256 ?sha ; imr:pipelineVersion "{fingerprint()}" }} }}')
    request = urllib.request.Request(f"{url}/sparql?{urllib.parse.urlencode({'query': query})}",
                                     headers={"Accept": "application/sparql-results+json", "Connection": "close"})
    answer = _send(request, url)
    return {row["sha"]["value"] for row in answer["results"]["bindings"]}


def _batches(letters: Iterable[Processed]) -> Iterator[list[dict[str, Any]]]:
    batch: list[dict[str, Any]] = []
    size = 0
    for processed in letters:
        item = asdict(processed)
        length = len(item["letter_nt"]) + len(item["report_nt"]) + 1000
        if batch and size + length > BATCH_BYTES:
            yield batch
            batch, size = [], 0
        batch.append(item)
        size += length
    if batch:
        yield batch


def _post(info: dict[str, Any], batch: list[dict[str, Any]]) -> dict[str, Any]:
    body = json.dumps({"letters": batch}).encode("utf-8")
    request = urllib.request.Request(f"{info['url']}/ingest", data=body, method="POST", headers={
        "Content-Type": "application/json", "Authorization": f"Bearer {info['token']}", "Connection": "close"})
    return _send(request, info["url"])


def _send(request: urllib.request.Request, url: str) -> Any:
    """Send with a few retries on connection failures; an HTTP error is final and says what the server said."""
    for attempt in range(_RETRIES):
        try:
            with urllib.request.urlopen(request, timeout=300) as response:
                return json.loads(response.read().decode("utf-8"))
        except urllib.error.HTTPError as error:
            detail = error.read().decode("utf-8", "replace")[:300]
            raise ServerUnavailable(f"{url}: the server refused the request (HTTP {error.code}): {detail}") from error
        except (urllib.error.URLError, ConnectionError, TimeoutError) as error:
            if attempt == _RETRIES - 1:
                raise ServerUnavailable(f"{url}: the server holding the store cannot be reached ({error})") from error
            time.sleep(0.5 * (attempt + 1))
    raise ServerUnavailable(f"{url}: no answer")


def _merge(summary: LoadSummary, answer: dict[str, Any]) -> None:
    summary.added += int(answer.get("added", 0))
    summary.replaced += int(answer.get("replaced", 0))
    for name in ("with_errors", "not_conforming", "with_warnings", "rejected"):
        getattr(summary, name).extend((str(source), list(reasons)) for source, reasons in answer.get(name, []))
