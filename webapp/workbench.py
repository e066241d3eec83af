"""The query workbench: the page people use in a browser, its small JSON helpers and the vendored libraries.

The browser libraries (CodeMirror 5, Chart.js, Cytoscape.js) are npm packages installed into
``webapp/node_modules`` by ``scripts/setup.sh`` and served from there under ``/vendor/`` -- never from a
CDN, so the app works with no internet. Only the few files the pages load are served (``VENDOR_FILES``).
"""
from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

from flask import Blueprint, abort, current_app, jsonify, render_template, request, send_from_directory, url_for

from kg.examples import example_queries
from kg.namespaces import PREFIXES

bp = Blueprint("workbench", __name__)

#: Where ``npm ci --prefix webapp`` puts the libraries (tests point it elsewhere to see the page without them).
NODE_MODULES = Path(__file__).resolve().parent / "node_modules"

#: The only files served under /vendor/: path inside node_modules -> the npm package it belongs to.
VENDOR_FILES: dict[str, str] = {
    "codemirror/lib/codemirror.js": "codemirror",
    "codemirror/lib/codemirror.css": "codemirror",
    "codemirror/mode/sparql/sparql.js": "codemirror",
    "codemirror/addon/edit/matchbrackets.js": "codemirror",
    "chart.js/dist/chart.umd.js": "chart.js",
    "cytoscape/dist/cytoscape.min.js": "cytoscape",
    # the fCoSE layout extension of Cytoscape.js and what it is built on (webapp.graphview.LAYOUT_SCRIPTS)
    "layout-base/layout-base.js": "layout-base",
    "cose-base/cose-base.js": "cose-base",
    "cytoscape-fcose/cytoscape-fcose.js": "cytoscape-fcose",
}

#: The vendored files the workbench page itself needs; without them it shows how to install them.
WORKBENCH_VENDOR_FILES = (
    "codemirror/lib/codemirror.css",
    "codemirror/lib/codemirror.js",
    "codemirror/mode/sparql/sparql.js",
    "codemirror/addon/edit/matchbrackets.js",
    "chart.js/dist/chart.umd.js",
)

#: A year: the URLs carry the package version, so a new version is a new URL.
VENDOR_MAX_AGE_S = 365 * 24 * 3600

#: What the editor holds on a plain visit: a short query, since /sparql predeclares the project's prefixes.
DEFAULT_QUERY = """\
# The project's prefixes (imr:, case:, skos:, ...) are predeclared: no PREFIX lines are needed.
# The twenty most used classes of the graph, with how many resources each has.
SELECT ?class (COUNT(?resource) AS ?resources)
WHERE { GRAPH ?g { ?resource a ?class } }
GROUP BY ?class
ORDER BY DESC(?resources)
LIMIT 20
"""


def default_query() -> str:
    """What the editor holds on a plain visit (the predeclared prefixes are listed beside the editor)."""
    return DEFAULT_QUERY


def vendor_ready(files: tuple[str, ...] = WORKBENCH_VENDOR_FILES) -> bool:
    """True when every one of ``files`` is installed in node_modules."""
    return all((NODE_MODULES / name).is_file() for name in files)


@lru_cache(maxsize=32)
def _package_version(folder: str, package: str) -> str:
    """The installed version of an npm package ('' when it is not installed)."""
    try:
        return str(json.loads((Path(folder) / package / "package.json").read_text(encoding="utf-8"))["version"])
    except (OSError, ValueError, KeyError):
        return ""


@bp.app_template_global()
def vendor_url(filename: str) -> str:
    """The URL of an allow-listed library file, with the package version so caches renew on upgrade."""
    return url_for("workbench.vendor", filename=filename, v=_package_version(str(NODE_MODULES), VENDOR_FILES[filename]))


@bp.get("/query")
def query_page() -> str:
    """The workbench. ``?query=`` pre-fills (and runs) a query; ``?example=NAME`` loads an example."""
    examples = example_queries()
    text = request.args.get("query", "")
    example_name = request.args.get("example", "")
    missing_example = ""
    if not text and example_name:
        if example_name in examples:
            text = examples[example_name].sparql
        else:
            missing_example = example_name
    return render_template(
        "sparql/query.html",
        active_page="query",
        examples=list(examples.values()),
        initial_query=text or default_query(),
        autorun=bool(text),
        missing_example=missing_example,
        page_size=int(current_app.config["PAGE_SIZE"]),
        max_rows=int(current_app.config["MAX_ROWS"]),
        vendor_ok=vendor_ready(),
        prefixes=PREFIXES,
    )


@bp.get("/api/examples")
def api_examples():
    """Every example query as a JSON list of {name, title, description, sparql}."""
    return jsonify([
        {"name": ex.name, "title": ex.title, "description": ex.description, "sparql": ex.sparql}
        for ex in example_queries().values()
    ])


@bp.get("/api/prefixes")
def api_prefixes():
    """The project's prefixes as a JSON object, prefix -> namespace IRI."""
    return jsonify(dict(PREFIXES))


@bp.get("/vendor/<path:filename>")
def vendor(filename: str):
    """One allow-listed file from node_modules; anything else (or a file not installed) is 404."""
    if filename not in VENDOR_FILES:
        abort(404)
    # send_from_directory also refuses paths that leave the folder; the allow-list is the real guard.
    response = send_from_directory(NODE_MODULES, filename, max_age=VENDOR_MAX_AGE_S)
    response.cache_control.public = True
    response.cache_control.immutable = True
    return response
