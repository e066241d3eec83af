"""Running the app under waitress, the production WSGI server: in the foreground, or in a thread for tests."""
from __future__ import annotations

import threading
import time
from typing import Any

from flask import Flask
from waitress.server import create_server


class ServerThread:
    """A waitress server on ``host:port`` (port 0 picks a free one) running in a background thread."""

    def __init__(self, app: Flask, host: str = "127.0.0.1", port: int = 0, threads: int = 4) -> None:
        self.server = create_server(app, host=host, port=port, threads=threads, ident="imr-kg")
        self.host = host
        self.port = int(self.server.effective_port)  # type: ignore[union-attr]
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self._idle_sockets = len(getattr(self.server, "_map", ()))  # the listening socket and the wake-up pipe

    @property
    def url(self) -> str:
        """The server's base URL."""
        return f"http://{self.host}:{self.port}"

    def __enter__(self) -> ServerThread:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        # Let the server finish and close its open connections first: closing sockets under the running loop
        # makes its select() fail in the server's thread.
        sockets = getattr(self.server, "_map", None)
        deadline = time.monotonic() + 2
        while sockets is not None and len(sockets) > self._idle_sockets and time.monotonic() < deadline:
            time.sleep(0.02)
        self.server.close()
        self.thread.join(timeout=5)


def listen(app: Flask, host: str, port: int, threads: int = 8) -> Any:
    """A server for ``app`` bound to ``host``:``port`` (not yet serving). Raises :class:`kg.errors.UsageError`
    in one line when the address cannot be had: the port is in use, or the address is not this machine's."""
    import errno

    from kg.errors import UsageError

    try:
        return create_server(app, host=host, port=port, threads=threads, ident="imr-kg")
    except OSError as error:
        if error.errno == errno.EADDRINUSE:
            reason = "the port is in use by another program; choose another with --port"
        elif error.errno in (errno.EACCES, errno.EPERM):
            reason = "not allowed (ports below 1024 need privileges); choose another with --port"
        else:
            reason = error.strerror or str(error)
        raise UsageError(f"cannot listen on {host}:{port}: {reason}") from None


def serve(app: Flask, host: str, port: int, threads: int = 8) -> None:
    """Serve until interrupted."""
    listen(app, host, port, threads).run()
