"""imr-kg: California IMR determination letters → records → a validated knowledge graph."""
from __future__ import annotations

from kg.errors import KGError, ParseError, ReadError
from kg.extract import extract_record
from kg.letters import LetterText, read_letter
from kg.pipeline import extract_file, extract_files, letter_paths
from kg.record import CaseRecord, Citation, Diagnosis, Item

__all__ = [
    "CaseRecord", "Citation", "Diagnosis", "Item", "KGError", "LetterText", "ParseError", "ReadError",
    "extract_file", "extract_files", "extract_record", "letter_paths", "read_letter",
]
