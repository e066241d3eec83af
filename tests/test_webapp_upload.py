"""Uploading letters: off by default; when on, the same pipeline as build, results shown, nothing lost."""
from __future__ import annotations

import io
import shutil
from pathlib import Path

import pytest

from tests.conftest import SEED


@pytest.fixture
def upload_app(built_store_path: Path, tmp_path: Path):
    """An app with uploads on, over a private copy of the bundled letters' store."""
    from webapp import create_app
    from webapp.store import close_app

    store = tmp_path / "store"
    shutil.copytree(built_store_path, store)
    application = create_app({"TESTING": True, "STORE_PATH": str(store), "UPLOADS_ENABLED": True,
                              "UPLOAD_MAX_BYTES": 200_000})
    yield application
    close_app(application)


def _letter(case_number: str) -> bytes:
    return SEED.read_text(encoding="utf-8").replace("CM14-0166055", case_number).encode("utf-8")


def _cases(client) -> list[str]:
    data = client.get("/sparql", query_string={
        "query": "SELECT ?n WHERE { ?c <https://w3id.org/imr-kg/ontology#caseNumber> ?n } ORDER BY ?n"}).get_json()
    return [b["n"]["value"] for b in data["results"]["bindings"]]


def test_uploads_are_off_by_default(client) -> None:
    """Without --uploads the page says so and a POST is refused."""
    page = client.get("/upload")
    assert page.status_code == 403 and b"switched off" in page.data
    posted = client.post("/upload", data={"letters": (io.BytesIO(b"x"), "a.md")},
                         content_type="multipart/form-data", headers={"Accept": "application/json"})
    assert posted.status_code == 403


def test_upload_loads_a_letter_and_shows_what_was_extracted(upload_app) -> None:
    """An uploaded letter is extracted, validated and loaded; the page links to the new case."""
    client = upload_app.test_client()
    assert client.get("/upload").status_code == 200
    response = client.post("/upload", data={"letters": (io.BytesIO(_letter("CM99-0000042")), "new letter.md")},
                           content_type="multipart/form-data")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert 'href="/case/CM99-0000042"' in page
    assert "24 Massage therapy sessions" in page and "Upheld" in page and "conforms" in page
    assert "CM99-0000042" in _cases(client)
    icd = client.get("/sparql", query_string={"query": "ASK { GRAPH <https://w3id.org/imr-kg/graph/icd10cm> "
                                                       "{ ?c <http://www.w3.org/2004/02/skos/core#notation> 'M54.2' } }"})
    assert icd.get_json()["boolean"] is True


def test_bad_files_are_kept_out_with_reasons(upload_app) -> None:
    """Unsupported, empty and over-size files are reported by name and listed among the letters kept out."""
    client = upload_app.test_client()
    response = client.post("/upload", data={"letters": [
        (io.BytesIO(b"MZ\x90\x00"), "tool.exe"), (io.BytesIO(b""), "empty.md"),
        (io.BytesIO(b"x" * 200_001), "huge.txt")]}, content_type="multipart/form-data")
    page = response.get_data(as_text=True)
    assert "unsupported file type" in page and "empty.md: file is empty" in page and "upload limit" in page
    kept = client.get("/sparql", query_string={"query": "SELECT (COUNT(?r) AS ?n) WHERE { GRAPH "
                      "<https://w3id.org/imr-kg/graph/rejected> { ?r a <https://w3id.org/imr-kg/ontology#RejectedLetter> } }"})
    assert kept.get_json()["results"]["bindings"][0]["n"]["value"] == "3"


def test_file_names_are_never_paths(upload_app, tmp_path: Path) -> None:
    """A name with ../ is only shown: the bytes are saved under their digest inside the store folder."""
    client = upload_app.test_client()
    client.post("/upload", data={"letters": (io.BytesIO(_letter("CM99-0000043")), "../../escape.md")},
                content_type="multipart/form-data")
    assert not (tmp_path / "escape.md").exists() and not (tmp_path.parent / "escape.md").exists()
    saved = list((Path(upload_app.config["STORE_PATH"]) / "uploads").iterdir())
    assert len(saved) == 1 and len(saved[0].stem) == 64


def test_cross_site_posts_are_refused(upload_app) -> None:
    """A POST whose Origin is another site is refused."""
    response = upload_app.test_client().post(
        "/upload", data={"letters": (io.BytesIO(_letter("CM99-0000044")), "a.md")},
        content_type="multipart/form-data", headers={"Origin": "https://evil.example", "Accept": "application/json"})
    assert response.status_code == 403
