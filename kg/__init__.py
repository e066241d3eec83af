"""imr-kg: California IMR determination letters → records → a validated knowledge graph.

The names below are imported on first use, so that importing ``kg`` (and starting the ``kg`` command) stays
fast; ``from kg import extract_file`` works as usual.
"""
from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from kg.errors import KGError, ParseError, ReadError

if TYPE_CHECKING:
    from kg.extract import extract_record
    from kg.letters import LetterText, read_letter
    from kg.pipeline import extract_file, extract_files, letter_paths
    from kg.record import CaseRecord, Citation, Diagnosis, Item

_LAZY = {
    "extract_record": "kg.extract", "LetterText": "kg.letters", "read_letter": "kg.letters",
    "extract_file": "kg.pipeline", "extract_files": "kg.pipeline", "letter_paths": "kg.pipeline",
    "CaseRecord": "kg.record", "Citation": "kg.record", "Diagnosis": "kg.record", "Item": "kg.record",
}

__all__ = [
    "CaseRecord", "Citation", "Diagnosis", "Item", "KGError", "LetterText", "ParseError", "ReadError",
    "extract_file", "extract_files", "extract_record", "letter_paths", "read_letter",
]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'kg' has no attribute {name!r}")
