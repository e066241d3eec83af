"""Where the project's data files live: the ontology, its vocabularies and the shapes."""
from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def _first_existing(*candidates: Path) -> Path:
    for candidate in candidates:
        if candidate.exists():
            return candidate
    return candidates[0]


#: The repository's top folder when running from a checkout, else the installed package's data folder.
ONTOLOGY_DIR = _first_existing(_PACKAGE.parent / "ontology", _PACKAGE / "_data" / "ontology")
VOCAB_DIR = ONTOLOGY_DIR / "vocab"
SHAPES_DIR = _first_existing(_PACKAGE.parent / "shapes", _PACKAGE / "_data" / "shapes")
