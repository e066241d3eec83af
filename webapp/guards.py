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


def names_update_dataset(text: str) -> bool:
    """True when an update chooses its own dataset with USING or WITH."""
    return re.search(r"\b(USING|WITH)\b", skeleton(text), re.IGNORECASE) is not None


def with_using(text: str, graphs: list[str], named: list[str]) -> str:
    """The update with ``USING <g>`` / ``USING NAMED <g>`` added before the WHERE of each DELETE/INSERT ... WHERE
    operation (how the protocol's using-graph-uri and using-named-graph-uri reach the engine)."""
    if not graphs and not named:
        return text
    clause = " ".join([f"USING <{g}>" for g in graphs] + [f"USING NAMED <{g}>" for g in named]) + " "
    bare = skeleton(text)
    depth, cut_points, operation_has_pattern = 0, [], False
    for match in re.finditer(r"[{}]|;|\b(?:WHERE|INSERT|DELETE)\b", bare, re.IGNORECASE):
        token = match.group(0)
        if token == "{":
            depth += 1
        elif token == "}":
            depth -= 1
        elif depth == 0 and token == ";":
            operation_has_pattern = False
        elif depth == 0 and token.upper() in ("INSERT", "DELETE"):
            following = bare[match.end():match.end() + 20].lstrip().upper()
            operation_has_pattern = not following.startswith("DATA")
        elif depth == 0 and token.upper() == "WHERE" and operation_has_pattern:
            cut_points.append(match.start())
    for point in reversed(cut_points):
        text = text[:point] + clause + text[point:]
    return text
