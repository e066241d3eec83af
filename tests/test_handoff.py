"""`kg build` against a store that `kg serve --ingest` holds: letters go through the server's writer.

A real waitress server in a thread over a store on disk; `kg build` runs through CliRunner and posts to it
over HTTP; the answers are read back through the server's SPARQL endpoint with SPARQLWrapper.
"""
from __future__ import annotations

import json
import shutil
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from SPARQLWrapper import JSON, SPARQLWrapper

from kg.cli import cli
from kg.handoff import SERVE_FILE, announce, serving, withdraw
from tests.conftest import DATA_DIR, SEED

CASES = ("SELECT ?n WHERE { GRAPH ?g { ?c <https://w3id.org/imr-kg/ontology#caseNumber> ?n } } ORDER BY ?n")


@pytest.fixture()
def served(tmp_path: Path) -> Iterator[tuple[Path, str]]:
    """A store with the seed letter, held by a server that takes letters; its folder and base URL."""
    from webapp import create_app
    from webapp.serve import ServerThread
    from webapp.store import close_app

    store = tmp_path / "store"
    letters = tmp_path / "first"
    letters.mkdir()
    shutil.copy(SEED, letters)
    assert CliRunner().invoke(cli, ["build", str(letters), "--store", str(store), "-q"]).exit_code == 0
    app = create_app({"TESTING": True, "STORE_PATH": str(store), "INGEST_ENABLED": True})
    try:
        with ServerThread(app, host="127.0.0.1", port=0) as server:
            announce(store, server.url, app.config["INGEST_TOKEN"])
            yield store, server.url
            withdraw(store)
    finally:
        close_app(app)


def _cases(url: str) -> list[str]:
    client = SPARQLWrapper(f"{url}/sparql")
    client.setQuery(CASES)
    client.setReturnFormat(JSON)
    return [row["n"]["value"] for row in client.query().convert()["results"]["bindings"]]


def test_build_hands_letters_to_the_server_holding_the_store(served: tuple[Path, str], tmp_path: Path) -> None:
    """The store is locked by the server, yet `kg build` succeeds: the new letters are queryable at once, a file
    that is not a letter is kept out and listed, and an unchanged letter is left alone."""
    store, url = served
    assert serving(store) is not None and (store / SERVE_FILE).stat().st_mode & 0o077 == 0
    more = tmp_path / "more"
    more.mkdir()
    shutil.copy(SEED, more)  # unchanged: already in the store
    shutil.copy(DATA_DIR / "dev" / "CM15-0204517.md", more)
    (more / "junk.txt").write_text("hello\nthis is not a letter\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["build", str(more), "--store", str(store), "-q"])
    assert result.exit_code == 1, result.output  # one file kept out
    assert "1 added, 0 replaced, 1 unchanged, 1 kept out" in result.stderr
    assert f"handed to the server at {url}" in result.stderr
    assert _cases(url) == ["CM14-0166055", "CM15-0204517"]
    rejected = ("SELECT ?r WHERE { GRAPH <https://w3id.org/imr-kg/graph/rejected> { ?x "
                "<https://w3id.org/imr-kg/ontology#rejectionReason> ?r } }")
    client = SPARQLWrapper(f"{url}/sparql")
    client.setQuery(rejected)
    client.setReturnFormat(JSON)
    reasons = [row["r"]["value"] for row in client.query().convert()["results"]["bindings"]]
    assert any("junk.txt" in reason for reason in reasons)


def test_letters_are_taken_only_with_the_token(served: tuple[Path, str]) -> None:
    """Without the token the server refuses; with a malformed body it says what it expected."""
    store, url = served
    body = json.dumps({"letters": []}).encode()
    for headers, status in (({}, 401), ({"Authorization": "Bearer wrong"}, 401)):
        request = urllib.request.Request(f"{url}/ingest", data=body, method="POST",
                                         headers={"Content-Type": "application/json", "Connection": "close",
                                                  **headers})
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(request, timeout=10)
        refused.value.close()
        assert refused.value.code == status
    token = json.loads((store / SERVE_FILE).read_text())["token"]
    bad = {"letters": [{"source": "x", "sha256": "", "key": "CM1 } INSERT", "letter_nt": "", "report_nt": ""}]}
    request = urllib.request.Request(f"{url}/ingest", data=json.dumps(bad).encode(), method="POST", headers={
        "Content-Type": "application/json", "Authorization": f"Bearer {token}", "Connection": "close"})
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=10)
    refused.value.close()
    assert refused.value.code == 400


def test_a_server_that_does_not_take_letters_still_refuses_builds(tmp_path: Path) -> None:
    """Without --ingest there is no announcement: `kg build` says the store is busy, as before."""
    from webapp import create_app
    from webapp.store import close_app

    store = tmp_path / "store"
    assert CliRunner().invoke(cli, ["build", str(SEED), "--store", str(store), "-q"]).exit_code == 0
    app = create_app({"TESTING": True, "STORE_PATH": str(store), "UPLOADS_ENABLED": True})
    try:
        assert serving(store) is None
        result = CliRunner().invoke(cli, ["build", str(SEED), "--store", str(store), "-q"])
        assert result.exit_code == 1 and "being written by another process" in result.stderr
        assert "kg serve --ingest" in result.stderr
    finally:
        close_app(app)


def test_reading_commands_go_through_the_server(served: tuple[Path, str]) -> None:
    """While the server holds the store, `kg query` and `kg stats` read through its SPARQL endpoint."""
    store, _ = served
    result = CliRunner().invoke(cli, ["query", "--store", str(store), "--format", "csv", CASES])
    assert result.exit_code == 0, result.output
    assert "CM14-0166055" in result.stdout
    stats = CliRunner().invoke(cli, ["stats", "--store", str(store)])
    assert stats.exit_code == 0, stats.output
    assert "1" in stats.stdout
