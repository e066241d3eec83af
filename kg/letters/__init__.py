"""Letters: read IMR determination letters of every supported format into one normalised text."""
from __future__ import annotations

from kg.letters.readers import READERS, SUPPORTED_SUFFIXES, read_bytes, read_letter
from kg.letters.text import LetterText

__all__ = ["LetterText", "READERS", "SUPPORTED_SUFFIXES", "read_bytes", "read_letter"]
