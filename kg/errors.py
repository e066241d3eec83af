"""Every exception the library raises: a KGError base and one subclass per stage."""
from __future__ import annotations


class KGError(Exception):
    """Base of all imr-kg errors; messages name the file and the problem."""


class ReadError(KGError):
    """A file could not be read as a letter (missing, empty, binary, unsupported type)."""


class ParseError(KGError):
    """Letter text was read but its structure (header, sections, items) was not found."""


class MappingError(KGError):
    """A record could not be turned into triples."""


class ValidationFailure(KGError):
    """Validation could not be run (not: the data did not conform)."""


class UsageError(KGError):
    """A command was called with arguments that cannot work."""
