"""Running the app under waitress, the production WSGI server: in the foreground, or in a thread for tests."""
from __future__ import annotations

import threading

from flask import Flask
from waitress.server import create_server


class ServerThread:
    """A waitress server on ``host:port`` (port 0 picks a free one) running in a background thread."""

    def __init__(self, app: Flask, host: str = "127.0.0.1", port: int = 0, threads: int = 4) -> None:
        self.server = create_server(app, host=host, port=port, threads=threads, ident="imr-kg")
        self.host = host
        self.port = int(self.server.effective_port)  # type: ignore[union-attr]
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    @property
    def url(self) -> str:
        """The server's base URL."""
        return f"http://{self.host}:{self.port}"

    def __enter__(self) -> ServerThread:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.close()
        self.thread.join(timeout=5)


def serve(app: Flask, host: str, port: int, threads: int = 8) -> None:
    """Serve until interrupted."""
    server = create_server(app, host=host, port=port, threads=threads, ident="imr-kg")
    server.run()
