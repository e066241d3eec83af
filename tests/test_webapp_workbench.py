"""The query workbench through the Flask test client: the page, its JSON helpers and the vendored libraries."""
from __future__ import annotations

import html
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from markupsafe import escape

from kg.examples import example_queries
from kg.namespaces import PREFIXES
from webapp import workbench

CODEMIRROR = "codemirror/lib/codemirror.js"
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)  # a <script> without src=
INLINE_HANDLER = re.compile(r"<[^>]+\son[a-z]+\s*=", re.IGNORECASE)  # onclick=, onload=, ...
INLINE_STYLE = re.compile(r"<style\b|\sstyle\s*=", re.IGNORECASE)
JAVASCRIPT_URL = re.compile(r"""(href|src|action)\s*=\s*["']?\s*javascript:""", re.IGNORECASE)


def esc(text: str) -> str:
    """``text`` as Jinja's autoescape writes it."""
    return str(escape(text))


@pytest.fixture(scope="module")
def app(built_store_path: Path) -> Iterator[Flask]:
    """The web app over the bundled letters' store; its query workers stop after the module."""
    from webapp import create_app
    from webapp.store import close_app

    application = create_app({"TESTING": True, "STORE_PATH": str(built_store_path)})
    yield application
    close_app(application)


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def page(client: FlaskClient) -> str:
    """The workbench page as HTML."""
    response = client.get("/query")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def node_modules_installed() -> None:
    if not (workbench.NODE_MODULES / CODEMIRROR).is_file():
        pytest.fail("webapp/node_modules is missing: run `bash scripts/setup.sh` (npm ci --prefix webapp)")


def test_page_renders(client: FlaskClient, page: str) -> None:
    """/query gives the workbench (one click from the home page): editor, run button, result containers."""
    assert 'href="/query"' in client.get("/").get_data(as_text=True)
    for needle in ('id="editor"', 'id="query-text"', 'id="run-button"', 'id="result-table"', 'id="error-box"',
                   'id="result-chart"', 'id="graph-view"', 'id="download-csv"', 'id="copy-link"'):
        assert needle in page, needle
    for href in ("/query", "/explore", "/quality", "/ontology"):
        assert f'href="{href}"' in page
    assert re.search(r'<a href="/query" class="active" aria-current="page">Query</a>', page)


def test_page_size_comes_from_the_config(built_store_path: Path, page: str) -> None:
    """The table's page size is the PAGE_SIZE setting, handed to the script in a data- attribute."""
    from webapp import create_app
    from webapp.store import close_app

    assert 'data-page-size="100"' in page
    other = create_app({"TESTING": True, "STORE_PATH": str(built_store_path), "PAGE_SIZE": 25})
    try:
        assert 'data-page-size="25"' in other.test_client().get("/query").get_data(as_text=True)
    finally:
        close_app(other)


def test_page_lists_every_example_escaped(page: str) -> None:
    """Every example's title and description are on the page, HTML-escaped, with its query text."""
    for example in example_queries().values():
        assert esc(example.title) in page
        assert esc(example.description) in page
        assert f'data-example="{esc(example.name)}"' in page
        # the query text contains <IRIs>: it must appear escaped, never as raw markup
        assert esc(example.sparql) in page
        assert "<https://" not in page


def test_editor_starts_short_with_the_prefixes_beside_it(client: FlaskClient, page: str) -> None:
    """The editor holds a short query saying the prefixes are predeclared (no PREFIX block); a collapsible hint
    beside it lists every prefix with its IRI; the default query runs as it is."""
    textarea = re.search(r'<textarea id="query-text"[^>]*>(.*?)</textarea>', page, re.DOTALL)
    assert textarea
    text = html.unescape(textarea.group(1))
    assert not re.search(r"^\s*PREFIX", text, re.MULTILINE | re.IGNORECASE) and len(text.splitlines()) <= 8
    assert text.startswith("#") and "predeclared" in text.splitlines()[0]
    assert 'data-autorun="false"' in page
    hint = re.search(r'<details class="prefix-hint" id="prefix-hint">(.*?)</details>', page, re.DOTALL)
    assert hint
    for prefix, iri in PREFIXES.items():
        assert re.search(rf"<dt>{re.escape(prefix)}:</dt><dd><code>{re.escape(iri)}</code></dd>", hint.group(1)), prefix
    ran = client.post("/sparql", data={"query": text}, headers={"Accept": "application/sparql-results+json"})
    assert ran.status_code == 200 and ran.get_json()["results"]["bindings"]


def test_query_and_example_in_the_url(client: FlaskClient) -> None:
    """?query= puts that text in the editor (escaped) and asks the page to run it; ?example= loads one."""
    nasty = 'SELECT * WHERE { ?s ?p "</textarea><script>alert(1)</script>" } LIMIT 1'
    body = client.get("/query", query_string={"query": nasty}).get_data(as_text=True)
    assert "<script>alert(1)" not in body
    assert esc(nasty) in body
    assert 'data-autorun="true"' in body

    example = example_queries()["upheld-rate-by-category"]
    body = client.get("/query?example=upheld-rate-by-category").get_data(as_text=True)
    textarea = re.search(r'<textarea id="query-text"[^>]*>(.*?)</textarea>', body, re.DOTALL)
    assert textarea and html.unescape(textarea.group(1)) == example.sparql
    assert 'data-autorun="true"' in body

    body = client.get("/query?example=%3Cb%3Enope").get_data(as_text=True)
    assert "&lt;b&gt;nope" in body and "<b>nope" not in body
    assert 'data-autorun="false"' in body


def test_no_inline_script_or_style(client: FlaskClient, page: str) -> None:
    """The Content-Security-Policy forbids inline code: the page has none, and only local script files."""
    for body in (page, client.get("/query?example=specialty-vs-outcome").get_data(as_text=True)):
        assert not INLINE_SCRIPT.search(body)
        assert not INLINE_HANDLER.search(body)
        assert not INLINE_STYLE.search(body)
        assert not JAVASCRIPT_URL.search(body)
        for src in re.findall(r'<script[^>]+src="([^"]+)"|<link rel="stylesheet" href="([^"]+)"', body):
            src = "".join(src)
            assert src.startswith(("/static/", "/vendor/")), src
    assert "script-src 'self'" in client.get("/query").headers["Content-Security-Policy"]


def test_page_loads_the_vendored_libraries(page: str) -> None:
    """With node_modules installed the page loads CodeMirror, its SPARQL mode and Chart.js from /vendor/."""
    node_modules_installed()
    for name in ("codemirror/lib/codemirror.css", CODEMIRROR, "codemirror/mode/sparql/sparql.js",
                 "chart.js/dist/chart.umd.js"):
        assert f"/vendor/{name}?v=" in page
    assert "bash scripts/setup.sh" not in page


def test_page_without_node_modules(client: FlaskClient, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Without node_modules the page still renders, says how to install the editor and links no library."""
    monkeypatch.setattr(workbench, "NODE_MODULES", tmp_path / "node_modules")
    response = client.get("/query")
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert "bash scripts/setup.sh" in body
    assert 'id="vendor-missing"' in body
    assert "/vendor/" not in body
    assert 'id="query-text"' in body and "/static/workbench.js" in body
    assert client.get(f"/vendor/{CODEMIRROR}").status_code == 404


def test_api_examples_matches_kg_examples(client: FlaskClient) -> None:
    response = client.get("/api/examples")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    expected = [
        {"name": ex.name, "title": ex.title, "description": ex.description, "sparql": ex.sparql}
        for ex in example_queries().values()
    ]
    assert response.get_json() == expected


def test_api_prefixes(client: FlaskClient) -> None:
    response = client.get("/api/prefixes")
    assert response.status_code == 200
    assert response.get_json() == PREFIXES


@pytest.mark.parametrize("name", sorted(workbench.VENDOR_FILES))
def test_vendor_serves_the_allow_list(client: FlaskClient, name: str) -> None:
    """Each allow-listed file is served with its type and a long cache lifetime."""
    node_modules_installed()
    response = client.get(f"/vendor/{name}")
    assert response.status_code == 200
    assert response.get_data() == (workbench.NODE_MODULES / name).read_bytes()
    kind = "text/css" if name.endswith(".css") else "javascript"
    assert kind in response.content_type
    assert response.cache_control.max_age is not None and response.cache_control.max_age >= 86400 * 30
    response.close()


@pytest.mark.parametrize(
    "path",
    [
        "codemirror/package.json",
        "codemirror/lib/codemirror.js.map",
        "codemirror/mode/javascript/javascript.js",
        "codemirror/lib/../package.json",
        "codemirror/lib/../../../workbench.py",
        "../workbench.py",
        "..%2Fworkbench.py",
        "codemirror/lib/%2e%2e/%2e%2e/../settings.py",
        "/etc/passwd",
        "%2Fetc%2Fpasswd",
        "codemirror/lib/codemirror.js/",
        "CODEMIRROR/lib/codemirror.js",
        "",
    ],
)
def test_vendor_refuses_everything_else(client: FlaskClient, path: str) -> None:
    """Files outside the allow-list, and ../ tricks, are 404 (never a file from elsewhere).

    (Werkzeug first redirects ``/vendor//etc`` to ``/vendor/etc``, merging the slashes: follow that.)
    """
    response = client.get(f"/vendor/{path}", follow_redirects=True)
    assert response.status_code == 404
    body = response.get_data()
    assert b"def vendor" not in body and b"SETTINGS" not in body and b"root:" not in body
    assert b'"name": "codemirror"' not in body
