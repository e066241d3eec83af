"""Fuzz target (atheris): bytes in, as a letter of each type; the readers and the extractor may only fail with
the project's own errors (kg.errors.KGError). Any other exception is a bug, and atheris stops on it.

    python fuzz/fuzz_letters.py -runs=100000 fuzz/corpus/        # or -max_total_time=600
"""
from __future__ import annotations

import sys

import atheris

with atheris.instrument_imports(include=["kg"]):
    from kg.errors import KGError
    from kg.extract import extract_record
    from kg.letters import read_bytes

SUFFIXES = (".txt", ".md", ".html", ".pdf")


def one_input(data: bytes) -> None:
    """Read ``data`` as the letter type its first byte picks, then extract a record from it."""
    if not data:
        return
    suffix = SUFFIXES[data[0] % len(SUFFIXES)]
    try:
        letter = read_bytes(data[1:], f"fuzz{suffix}", suffix)
        extract_record(letter)
    except KGError:
        pass


def main() -> None:
    atheris.Setup(sys.argv, one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
