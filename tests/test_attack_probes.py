"""Attack probes against the web app, each refused or rendered harmless: the endpoint never reaches the network
or the file system, updates need the token, markup never renders, requests and uploads are bounded, and forms
that change something are not accepted from another site."""
from __future__ import annotations

import gzip
import io
import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask.testing import FlaskClient

from tests.conftest import DATA_DIR, client_over_copy

FORM = "application/x-www-form-urlencoded"


class Listener:
    """A TCP port on 127.0.0.1 that counts the connections made to it."""

    def __init__(self) -> None:
        self.socket = socket.socket()
        self.socket.bind(("127.0.0.1", 0))
        self.socket.listen()
        self.socket.settimeout(0.2)
        self.port = self.socket.getsockname()[1]
        self.connections = 0
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _accept(self) -> None:
        while not self.stop.is_set():
            try:
                connection, _ = self.socket.accept()
            except OSError:
                continue
            self.connections += 1
            connection.close()

    def close(self) -> None:
        self.stop.set()
        self.thread.join(timeout=2)
        self.socket.close()


@pytest.fixture
def listener() -> Iterator[Listener]:
    found = Listener()
    yield found
    found.close()


@pytest.fixture
def uploads(built_store_path: Path, tmp_path: Path) -> Iterator[FlaskClient]:
    yield from client_over_copy(built_store_path, tmp_path, UPLOADS_ENABLED=True, UPLOAD_MAX_BYTES=200_000)


def _ask(client: FlaskClient, query: str) -> tuple[int, str]:
    answer = client.post("/sparql", data={"query": query}, content_type=FORM,
                         headers={"Accept": "application/sparql-results+json"})
    return answer.status_code, answer.get_data(as_text=True)


def test_service_to_a_local_port_is_refused_and_never_connects(client: FlaskClient, listener: Listener) -> None:
    status, body = _ask(client, f"SELECT * WHERE {{ SERVICE <http://127.0.0.1:{listener.port}/sparql> "
                                "{ ?s ?p ?o } }")
    assert status in (400, 403) and "SERVICE" in body
    assert listener.connections == 0


def test_from_a_local_url_or_a_file_reads_nothing(client: FlaskClient, listener: Listener) -> None:
    for source in (f"http://127.0.0.1:{listener.port}/", "file:///etc/passwd"):
        status, body = _ask(client, f"SELECT * FROM <{source}> WHERE {{ ?s ?p ?o }} LIMIT 5")
        assert status in (200, 400)
        assert "root:" not in body
        if status == 200:
            assert '"bindings": []' in body.replace('"bindings":[]', '"bindings": []')
    assert listener.connections == 0


def test_load_is_refused(client: FlaskClient, listener: Listener) -> None:
    answer = client.post("/sparql", data={"update": f"LOAD <http://127.0.0.1:{listener.port}/x.ttl>"},
                         content_type=FORM)
    assert answer.status_code in (400, 403)
    assert listener.connections == 0


def test_an_update_without_the_token_is_refused(built_store_path: Path, tmp_path: Path) -> None:
    for client in client_over_copy(built_store_path, tmp_path, UPDATE_TOKEN="s3cret"):
        insert = "INSERT DATA { <urn:x> <urn:y> <urn:z> }"
        assert client.post("/sparql", data={"update": insert}, content_type=FORM).status_code in (401, 403)
        wrong = client.post("/sparql", data={"update": insert}, content_type=FORM,
                            headers={"Authorization": "Bearer guess"})
        assert wrong.status_code in (401, 403)
        status, body = _ask(client, "ASK { <urn:x> <urn:y> <urn:z> }")
        assert status == 200 and "false" in body


@pytest.mark.parametrize("page", ["/search?q=<script>alert(1)</script>", "/cases?q=\"><img src=x onerror=alert(1)>",
                                  "/similar?q=<script>alert(1)</script>", "/explore?region=<script>",
                                  "/case/<script>alert(1)</script>", "/resource?iri=javascript:alert(1)"])
def test_markup_in_what_is_asked_is_shown_as_text(client: FlaskClient, page: str) -> None:
    body = client.get(page).get_data(as_text=True)
    assert "<script>alert" not in body and "<img src=x" not in body and 'href="javascript:' not in body


def test_markup_in_result_variable_names_and_values_is_escaped(client: FlaskClient) -> None:
    answer = client.post("/sparql", data={"query": 'SELECT ("<script>alert(1)</script>" AS ?x) WHERE {}'},
                         content_type=FORM, headers={"Accept": "text/html"})
    body = answer.get_data(as_text=True)
    # results are data, never a page: served as their own type, and the browser told not to guess another
    assert answer.mimetype != "text/html" or "<script>alert" not in body
    assert answer.headers["X-Content-Type-Options"] == "nosniff"
    workbench = client.get("/query").get_data(as_text=True)
    assert "<script>alert" not in workbench


def test_oversized_requests_are_refused(client: FlaskClient) -> None:
    big = "SELECT * WHERE { ?s ?p ?o } #" + "x" * 2_000_000
    answer = client.post("/sparql", data=big, content_type="application/sparql-query")
    assert answer.status_code == 413


@pytest.mark.parametrize("name", ["../../../../tmp/evil.md", "..\\..\\evil.md", "/etc/cron.d/evil.md",
                                  "evil\x00.md"])
def test_upload_names_never_become_paths(uploads: FlaskClient, built_store_path: Path, name: str) -> None:
    seed = (DATA_DIR / "seed" / "CM14-0166055.md").read_bytes()
    answer = uploads.post("/upload", data={"letters": (io.BytesIO(seed), name)}, content_type="multipart/form-data")
    assert answer.status_code in (200, 400)
    assert not Path("/tmp/evil.md").exists() and not Path("/etc/cron.d/evil.md").exists()


@pytest.mark.parametrize(("name", "data"), [
    ("letter.exe", b"MZ\x90\x00" * 100),
    ("letters.zip", b"PK\x03\x04" + bytes(1000)),
    ("bomb.md.gz", gzip.compress(bytes(50_000_000))),
])
def test_uploads_of_the_wrong_type_are_kept_out_unopened(uploads: FlaskClient, name: str, data: bytes) -> None:
    answer = uploads.post("/upload", data={"letters": (io.BytesIO(data), name)}, content_type="multipart/form-data")
    body = answer.get_data(as_text=True)
    assert answer.status_code in (200, 400, 413)
    assert answer.status_code == 413 or "unsupported file type" in body


def test_an_oversized_upload_is_refused(uploads: FlaskClient) -> None:
    from werkzeug.test import EnvironBuilder

    # built here so that its spooled body is closed after (the app refuses it without reading it)
    builder = EnvironBuilder(path="/upload", method="POST", content_type="multipart/form-data",
                             data={"letters": (io.BytesIO(b"x" * 3_000_000), "big.md")})
    environ = builder.get_environ()
    try:
        answer = uploads.open(environ)
    finally:
        environ["wsgi.input"].close()
        builder.close()
    assert answer.status_code == 413


@pytest.mark.parametrize("headers", [{"Origin": "https://evil.example"}, {"Origin": "null"},
                                     {"Sec-Fetch-Site": "cross-site"}])
@pytest.mark.parametrize("form", ["/upload", "/similar"])
def test_forms_that_change_or_read_letters_refuse_other_sites(uploads: FlaskClient, headers: dict[str, str],
                                                              form: str) -> None:
    seed = (DATA_DIR / "seed" / "CM14-0166055.md").read_bytes()
    field = "letters" if form == "/upload" else "letter"
    answer = uploads.post(form, data={field: (io.BytesIO(seed), "seed.md")}, content_type="multipart/form-data",
                          headers=headers)
    assert answer.status_code == 403
    same = uploads.post(form, data={field: (io.BytesIO(seed), "seed.md")}, content_type="multipart/form-data",
                        headers={"Origin": "http://localhost", "Sec-Fetch-Site": "same-origin"})
    assert same.status_code == 200
