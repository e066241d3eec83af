"""Shared fixtures: the bundled letters and their gold files."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

# The browser tests' server, Chromium and tab fixtures.
pytest_plugins = ["tests.browsing"]

ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = ROOT / "letters"
SEED = DATA_DIR / "seed" / "CM14-0166055.md"


def gold_pairs() -> list[tuple[Path, Path]]:
    """(letter, gold) pairs of every bundled letter with a gold file."""
    pairs = []
    for gold in sorted(DATA_DIR.rglob("*.gold.json")):
        stem = gold.name[: -len(".gold.json")]
        letter = next(p for p in gold.parent.iterdir() if p.stem == stem and not p.name.endswith(".json"))
        pairs.append((letter, gold))
    return pairs


@pytest.fixture(scope="session")
def seed_text() -> str:
    """The seed letter's raw text."""
    return SEED.read_text(encoding="utf-8")


def load_gold(path: Path) -> dict:
    """A gold file's content."""
    return json.loads(path.read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def built_store_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store on disk built once from every bundled letter (closed again, so tests may open it)."""
    from kg.build import build
    from kg.store import KGStore

    path = tmp_path_factory.mktemp("kg") / "store"
    with KGStore(path) as store:
        build([DATA_DIR], store)
    return path


@pytest.fixture
def built_store(built_store_path: Path):
    """The bundled letters' store opened read-only."""
    from kg.store import KGStore

    store = KGStore(built_store_path, read_only=True)
    yield store
    store.close()


@pytest.fixture(scope="session")
def app(built_store_path: Path):
    """The web app over the bundled letters' store (read-only, small limits for the tests)."""
    from webapp import create_app
    from webapp.store import close_app

    application = create_app({"TESTING": True, "STORE_PATH": str(built_store_path), "QUERY_TIMEOUT_S": 5.0,
                              "QUERY_WORKERS": 2})
    yield application
    close_app(application)


@pytest.fixture
def client(app):
    """A Flask test client."""
    return app.test_client()


def client_over_copy(store: Path, tmp_path: Path, **config):
    """A test client of an app over a fresh copy of the store at ``store`` (closed when the generator ends)."""
    import shutil

    from webapp import create_app
    from webapp.store import close_app

    copy = tmp_path / "store"
    shutil.copytree(store, copy)
    application = create_app({"TESTING": True, "STORE_PATH": str(copy), **config})
    yield application.test_client()
    close_app(application)
