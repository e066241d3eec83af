"""Headers every response carries (a Content-Security-Policy, no MIME sniffing, CORS for the endpoint), and the
same-site check of the forms that change something."""
from __future__ import annotations

from flask import Flask, Response, request

CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
       "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'")


def refuse_cross_site(message: str) -> None:
    """Abort with 403 and ``message`` when a state-changing form is posted from another site: its Origin names
    another host, or the browser says the request is cross-site (Sec-Fetch-Site). Requests from tools that send
    neither header (curl, scripts) are let through: a browser always sends one of them with a form post, so
    another site cannot make a visitor's browser post here."""
    from urllib.parse import urlsplit

    from flask import abort

    origin = request.headers.get("Origin")
    if origin is not None and (origin == "null" or urlsplit(origin).netloc != request.host):
        abort(403, message)
    if request.headers.get("Sec-Fetch-Site", "").lower() == "cross-site":
        abort(403, message)


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
