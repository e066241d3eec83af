"""What a query may do, decided before it runs: its form, and no SERVICE or LOAD (they would reach the network)."""
from __future__ import annotations

import re

# Strings, IRIs and comments are blanked out first, so keywords inside them do not count.
_NOISE = re.compile(
    r'"""(?:[^"\\]|\\.|"(?!""))*"""|\'\'\'(?:[^\'\\]|\\.|\'(?!\'\'))*\'\'\''
    r'|"(?:[^"\\\n]|\\.)*"|\'(?:[^\'\\\n]|\\.)*\''
    r"|<[^<>\"{}|^`\\\s]*>|#[^\n]*",
)
_FORM = re.compile(r"\b(SELECT|ASK|CONSTRUCT|DESCRIBE)\b", re.IGNORECASE)
_UPDATE = re.compile(r"\b(INSERT|DELETE|LOAD|CLEAR|CREATE|DROP|COPY|MOVE|ADD|WITH)\b", re.IGNORECASE)
_FORBIDDEN = re.compile(r"\b(SERVICE|LOAD)\b", re.IGNORECASE)


def skeleton(text: str) -> str:
    """The query with strings, IRIs and comments blanked (same length), so only keywords remain readable."""
    return _NOISE.sub(lambda m: " " * len(m.group(0)), text)


def query_form(text: str) -> str | None:
    """"select", "ask", "construct" or "describe" (the first query keyword), or None."""
    match = _FORM.search(skeleton(text))
    return match.group(1).lower() if match else None


def looks_like_update(text: str) -> bool:
    """True when the text is an update operation rather than a query."""
    bare = skeleton(text)
    update, form = _UPDATE.search(bare), _FORM.search(bare)
    return update is not None and (form is None or update.start() < form.start())


def forbidden_keywords(text: str) -> list[str]:
    """SERVICE / LOAD keywords used in the text (they would make the server fetch from the network)."""
    return sorted({m.group(1).upper() for m in _FORBIDDEN.finditer(skeleton(text))})


def names_dataset(text: str) -> bool:
    """True when the query chooses its own dataset with FROM or FROM NAMED."""
    return re.search(r"\bFROM\b", skeleton(text), re.IGNORECASE) is not None
