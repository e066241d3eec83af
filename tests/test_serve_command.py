"""`kg serve` as users start it: the installed console script, from any folder, answering on a real port."""
from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

from SPARQLWrapper import JSON, SPARQLWrapper


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_packages_import_from_any_folder(tmp_path: Path) -> None:
    """The installed distribution carries both packages (the web app too), not only the checkout."""
    done = subprocess.run([sys.executable, "-c", "import kg, webapp.sparql; print(webapp.__name__)"],
                          cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "webapp"


def test_kg_serve_answers_queries(built_store_path: Path, tmp_path: Path) -> None:
    """`kg serve --store DIR --port N` serves the endpoint until it is stopped."""
    kg = Path(sys.executable).parent / "kg"
    store = tmp_path / "store"
    shutil.copytree(built_store_path, store)
    port = _free_port()
    server = subprocess.Popen([str(kg), "serve", "--store", str(store), "--port", str(port)], cwd=tmp_path,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        endpoint = SPARQLWrapper(f"http://127.0.0.1:{port}/sparql")
        endpoint.setQuery("SELECT (COUNT(*) AS ?n) WHERE { ?c <https://w3id.org/imr-kg/ontology#caseNumber> ?x }")
        endpoint.setReturnFormat(JSON)
        deadline = time.monotonic() + 60
        while True:
            try:
                result = endpoint.queryAndConvert()
                break
            except Exception:
                assert server.poll() is None, server.stdout.read() if server.stdout else "server exited"
                assert time.monotonic() < deadline, "kg serve did not answer within 60 s"
                time.sleep(0.5)
        assert result["results"]["bindings"][0]["n"]["value"] == "14"
    finally:
        server.terminate()
        server.communicate(timeout=20)
