"""The only place the stages are chained: files → LetterText → CaseRecord (and later → graph → store)."""
from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from pathlib import Path

from kg.errors import KGError
from kg.letters import SUPPORTED_SUFFIXES, read_letter
from kg.record import CaseRecord

__all__ = ["extract_file", "extract_files", "letter_paths"]


def letter_paths(paths: Iterable[str | os.PathLike[str]]) -> Iterator[Path]:
    """Letter files named by ``paths``: files as given, folders searched recursively (sorted, no gold files)."""
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            for found in sorted(path.rglob("*")):
                if found.is_file() and found.suffix.lower() in SUPPORTED_SUFFIXES and not found.name.startswith("."):
                    yield found
        else:
            yield path


def extract_file(path: str | os.PathLike[str]) -> CaseRecord:
    """Read and extract one letter; a letter that cannot be read still yields a record whose errors say why."""
    try:
        letter = read_letter(path)
    except KGError as error:
        return CaseRecord(source=str(path), errors=[str(error)])
    from kg.extract import extract_record  # the extractor's vocabularies load only when a letter is read

    try:
        return extract_record(letter)
    except KGError as error:
        record = CaseRecord(source=str(path), errors=[str(error)], text=letter.text)
        return record


def extract_files(paths: Iterable[str | os.PathLike[str]]) -> Iterator[CaseRecord]:
    """Records for every letter under ``paths``, one at a time, in order."""
    for path in letter_paths(paths):
        yield extract_file(path)
