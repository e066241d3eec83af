"""Queries run in worker processes that can be killed: the only way to stop a runaway pyoxigraph query.

Each worker opens the store itself and answers one request at a time over a pipe. A request that
overruns its time limit gets its worker killed and replaced, and the caller a QueryTimeout. With
updates switched on there is one read-write worker (one writer); otherwise several read-only ones.
"""
from __future__ import annotations

import multiprocessing as mp
import queue
import threading
import time
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from typing import Any

from kg.errors import KGError


class QueryTimeout(KGError):
    """The query ran past the time limit and was stopped."""


class QueryFailed(KGError):
    """The query could not run (syntax error, bad dataset, store error)."""


class QueryTooLarge(QueryTimeout):
    """The query needed more memory than a worker may use, and its worker was stopped (answered as a time-out
    is: the server is fine, the query asked too much)."""


@dataclass
class Request:
    """One thing for a worker to do: a query (with its dataset and output format) or an update."""

    kind: str  # "query" | "update" | "load"
    text: str = ""
    result_format: str | None = None  # None: the worker picks the default for the result kind
    default_graphs: list[str] = field(default_factory=list)
    named_graphs: list[str] = field(default_factory=list)
    union_default_graph: bool = True
    max_rows: int = 10000
    base_iri: str | None = None
    replace: dict[str, str | None] = field(default_factory=dict)  # load: graph IRI -> N-Triples (None: drop)
    add: dict[str, str] = field(default_factory=dict)  # load: graph IRI -> N-Triples added to what it holds


@dataclass
class Answer:
    """What a worker sends back: the serialised body with its media type, and facts about it."""

    body: bytes
    media_type: str
    result_kind: str  # "select" | "ask" | "graph" | "update"
    rows: int = 0
    truncated: bool = False
    seconds: float = 0.0
    data: Any = None  # decoded rows for callers inside the app (JSON-able), when asked for


def _serve(connection: Connection, store_path: str, writable: bool, memory_mb: int = 0) -> None:
    """Worker loop: open the store, then answer requests until the pipe closes. With ``memory_mb``, the
    worker's data may not grow past it: a query that needs more ends the worker (which is then replaced)."""
    from kg.store import open_store
    from webapp.execute import execute

    if memory_mb > 0:
        import resource

        limit = memory_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_DATA, (limit, limit))
    try:
        store = open_store(store_path, writable)
    except Exception as error:  # told to the parent, which raises it as QueryFailed
        connection.send(f"{type(error).__name__}: {error}")
        return
    searched = _search_index(store_path)
    connection.send("ready")
    while True:
        try:
            request = connection.recv()
        except EOFError:
            return
        try:
            connection.send(("ok", execute(store, request, searched)))
        except Exception as error:  # sent back to the caller, which turns it into a 400
            connection.send(("error", f"{type(error).__name__}: {error}"))


def _search_index(store_path: str) -> Any:
    """The item index beside a local store, read-only, for the text search function (None without one)."""
    from pathlib import Path

    from kg.item_index import FILE_NAME, ItemIndex
    from kg.remote_store import is_url

    path = Path(store_path) / FILE_NAME
    if is_url(store_path) or not path.is_file():
        return None
    index = ItemIndex(path, read_only=True)
    return index if index.current else None


class _Worker:
    def __init__(self, context: Any, store_path: str, writable: bool, memory_mb: int = 0) -> None:
        self.connection, child = context.Pipe()
        self.process = context.Process(target=_serve, args=(child, store_path, writable, memory_mb), daemon=True)
        self.process.start()
        child.close()
        # Wait until the worker has its store open, so its start-up never counts against a query's time limit.
        try:
            said = self.connection.recv() if self.connection.poll(60) else "no answer within 60 s"
        except (EOFError, OSError) as error:
            said = f"the worker stopped ({error or type(error).__name__})"
        if said != "ready":
            self.stop()
            raise QueryFailed(f"a query worker could not open the store {store_path}: {said}")

    def stop(self) -> None:
        self.process.kill()
        self.process.join(timeout=5)
        self.connection.close()


class QueryRunner:
    """A pool of killable worker processes over one store."""

    def __init__(self, store_path: str, workers: int = 2, writable: bool = False, memory_mb: int = 0) -> None:
        self.store_path = store_path
        self.writable = writable
        self.memory_mb = memory_mb
        self.size = 1 if writable else max(1, workers)
        # forkserver: workers start from a clean, preloaded process (not a copy of a threaded server)
        self.context = mp.get_context("forkserver")
        self.context.set_forkserver_preload(["pyoxigraph", "webapp.execute"])
        self.idle: queue.Queue[_Worker] = queue.Queue()
        self.lock = threading.Lock()
        self.closed = False
        for _ in range(self.size):
            self.idle.put(self._worker())

    def _worker(self) -> _Worker:
        return _Worker(self.context, self.store_path, self.writable, self.memory_mb)

    def run(self, request: Request, timeout: float) -> Answer:
        """Run ``request`` on a free worker within ``timeout`` seconds (waiting for a worker counts too)."""
        started = time.monotonic()
        try:
            worker = self.idle.get(timeout=timeout)
        except queue.Empty:
            raise QueryTimeout(f"no query worker became free within {timeout:g} s; the server is busy") from None
        try:
            worker.connection.send(request)
            remaining = max(0.0, timeout - (time.monotonic() - started))
            if not worker.connection.poll(remaining):
                worker.stop()
                worker = self._worker()
                raise QueryTimeout(f"The query took longer than the {timeout:g} s limit and was stopped.")
            status, payload = worker.connection.recv()
        except (EOFError, OSError, BrokenPipeError) as error:
            worker.stop()
            died = worker.process.exitcode
            worker = self._worker()
            if self.memory_mb and died is not None and died != 0:
                raise QueryTooLarge(f"The query needed more than the {self.memory_mb} MB of memory a query may use "
                                    "and was stopped; narrow it (fewer variables unbound, a LIMIT).") from error
            raise QueryFailed(f"the query worker stopped unexpectedly ({error})") from error
        finally:
            if not self.closed:
                self.idle.put(worker)
            else:
                worker.stop()
        if status == "error":
            raise QueryFailed(str(payload))
        payload.seconds = time.monotonic() - started
        return payload

    def close(self) -> None:
        """Stop every worker."""
        self.closed = True
        while True:
            try:
                self.idle.get_nowait().stop()
            except queue.Empty:
                return
