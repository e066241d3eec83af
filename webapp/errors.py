"""One error handler: KGError and HTTP errors become a status plus JSON or an HTML page, in words."""
from __future__ import annotations

from typing import Any

from flask import Flask, Response, jsonify, render_template, request
from werkzeug.exceptions import BadRequest, HTTPException

from kg.errors import KGError


class BadRequestAt(BadRequest):
    """A 400 that also says where in the request's text the problem is (``details``: line, column, token), for
    the JSON answer; plain-text and HTML answers carry the message only."""

    def __init__(self, description: str, details: dict[str, Any]) -> None:
        super().__init__(description)
        self.details = details


def wants_json() -> bool:
    """True when the client prefers JSON (or any non-HTML type) to an HTML page."""
    best = request.accept_mimetypes.best_match(["text/html", "application/json", "text/plain"])
    return best != "text/html" or request.path.startswith(("/sparql", "/api"))


def error_response(status: int, message: str, details: dict[str, Any] | None = None) -> Response:
    """The error as JSON (with ``details`` beside the message), plain text or a page, whichever the client
    asked for."""
    if wants_json():
        if request.accept_mimetypes.best_match(["application/json", "text/plain"]) == "text/plain" and \
                "json" not in (request.headers.get("Accept") or ""):
            response = Response(message + "\n", status=status, mimetype="text/plain")
        else:
            response = jsonify(error=message, status=status, **(details or {}))
            response.status_code = status
        return response
    return Response(render_template("error.html", status=status, message=message), status=status,
                    mimetype="text/html")


def init_app(app: Flask) -> None:
    """Register the handlers."""

    @app.errorhandler(HTTPException)
    def _http(error: HTTPException) -> Response:
        return error_response(error.code or 500, error.description or error.name, getattr(error, "details", None))

    @app.errorhandler(KGError)
    def _kg(error: KGError) -> Response:
        return error_response(400, str(error))
