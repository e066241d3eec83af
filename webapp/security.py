"""Headers every response carries: a Content-Security-Policy, no MIME sniffing, CORS for the endpoint."""
from __future__ import annotations

from flask import Flask, Response, request

CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
       "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'")


def init_app(app: Flask) -> None:
    """Register the header hook."""
    app.after_request(_headers)


def _headers(response: Response) -> Response:
    from flask import current_app

    response.headers.setdefault("Content-Security-Policy", CSP)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    origins = current_app.config.get("CORS_ORIGINS")
    if origins and request.path.rstrip("/") == "/sparql":
        response.headers["Access-Control-Allow-Origin"] = origins
        response.headers["Access-Control-Allow-Methods"] = "GET, POST, OPTIONS"
        response.headers["Access-Control-Allow-Headers"] = "Content-Type, Accept, Authorization"
        response.headers["Access-Control-Expose-Headers"] = "X-SPARQL-Truncated, X-SPARQL-Rows"
    return response
