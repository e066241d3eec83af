"""The imr-kg web app: a SPARQL 1.1 endpoint, a query workbench and pages over the graph."""
from __future__ import annotations

from typing import Any

from flask import Flask

from webapp.settings import DEFAULTS, from_environment

__all__ = ["create_app"]


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Build the app: settings table, then KG_* environment variables, then ``test_config``."""
    app = Flask(__name__)
    app.config.from_mapping(DEFAULTS)
    app.config.update(from_environment())
    if test_config:
        app.config.update(test_config)
    app.config["MAX_CONTENT_LENGTH"] = app.config["MAX_REQUEST_BYTES"]

    from webapp import errors, security, store

    store.init_app(app)
    security.init_app(app)
    errors.init_app(app)

    from webapp import browse, explorer, finder, graphview, home, ingest, quality, similar, sparql, upload, workbench

    for module in (home, sparql, workbench, browse, finder, similar, graphview, explorer, quality, upload, ingest):
        app.register_blueprint(module.bp)
    return app
