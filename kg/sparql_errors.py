"""SPARQL syntax errors in words: where the text went wrong, the word or sign found there, and what fits instead.

The engine (pyoxigraph) says where its parser gave up and lists what it would have taken there, as in
``error at 3:11: expected OPTIONAL`` or a long list of character classes. That place is often a little past
the real mistake (the parser reads ahead before it gives up), so the text is also read here, token by token,
for mistakes that are sure wherever they are: a sign SPARQL has no use for, a string or an IRI left open, a
bracket that does not match, a word that is no SPARQL keyword, a prefix nobody declared. The first such
mistake at or before the engine's place is the one reported; when there is none, the engine's place is, with
its list of expectations summed up in words.

>>> problem = explain("SELECT * WHERE {\\n  ?s ?p ?o .\\n  OPTINAL { ?s ?q ?r }\\n}",
...                   "error at 3:11: expected OPTIONAL")
>>> (problem.line, problem.column, problem.token)
(3, 3, 'OPTINAL')
>>> print(problem.message)
Line 3, column 3: unexpected 'OPTINAL' (did you mean OPTIONAL?) — expected a triple pattern or a keyword such as OPTIONAL, FILTER, BIND, UNION, MINUS, VALUES or GRAPH.
"""
from __future__ import annotations

import difflib
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from kg.namespaces import PREFIXES

__all__ = ["UPDATE_OPERATIONS", "SyntaxProblem", "explain", "operation_keyword"]

#: The words that start a query.
QUERY_FORMS = ("SELECT", "ASK", "CONSTRUCT", "DESCRIBE")
#: The words that start an update operation.
UPDATE_OPERATIONS = ("INSERT", "DELETE", "LOAD", "CLEAR", "CREATE", "DROP", "COPY", "MOVE", "ADD", "WITH")
_KEYWORDS = (
    "BASE", "PREFIX", "VERSION", *QUERY_FORMS, "DISTINCT", "REDUCED", "AS", "FROM", "NAMED", "WHERE", "ORDER", "BY",
    "ASC", "DESC", "LIMIT", "OFFSET", "GROUP", "HAVING", "VALUES", "UNDEF", "OPTIONAL", "GRAPH", "SERVICE", "SILENT",
    "BIND", "UNION", "MINUS", "FILTER", "NOT", "IN", "EXISTS", "LATERAL", "true", "false", "a", *UPDATE_OPERATIONS,
    "TO", "DATA", "USING", "DEFAULT", "ALL", "INTO", "SEPARATOR",
)
#: Built-in functions and aggregates, as SPARQL 1.1 (and the engine's SPARQL 1.2 additions) spell them.
FUNCTIONS = (
    "STR", "LANG", "LANGMATCHES", "LANGDIR", "DATATYPE", "BOUND", "IRI", "URI", "BNODE", "RAND", "ABS", "CEIL",
    "FLOOR", "ROUND", "CONCAT", "STRLEN", "UCASE", "LCASE", "ENCODE_FOR_URI", "CONTAINS", "STRSTARTS", "STRENDS",
    "STRBEFORE", "STRAFTER", "YEAR", "MONTH", "DAY", "HOURS", "MINUTES", "SECONDS", "TIMEZONE", "TZ", "NOW", "UUID",
    "STRUUID", "MD5", "SHA1", "SHA256", "SHA384", "SHA512", "COALESCE", "IF", "STRLANG", "STRLANGDIR", "STRDT",
    "sameTerm", "isIRI", "isURI", "isBLANK", "isLITERAL", "isNUMERIC", "isTRIPLE", "hasLANG", "hasLANGDIR", "REGEX",
    "SUBSTR", "REPLACE", "TRIPLE", "SUBJECT", "PREDICATE", "OBJECT", "ADJUST", "COUNT", "SUM", "MIN", "MAX", "AVG",
    "SAMPLE", "GROUP_CONCAT",
)
#: Every word SPARQL knows, upper-cased, to the way it is usually written ("a" only counts in lower case).
_KNOWN = {word.upper(): word for word in (*_KEYWORDS, *FUNCTIONS) if word != "a"}
_FUNCTIONS_UPPER = frozenset(word.upper() for word in FUNCTIONS)
#: The order in which keywords are named when only a few of a long list are.
_FAVOURITES = ("OPTIONAL", "FILTER", "BIND", "UNION", "MINUS", "VALUES", "GRAPH", "WHERE", "FROM", "AS", "BY",
               "GROUP", "HAVING", "ORDER", "LIMIT", "OFFSET", "SELECT", "ASK", "CONSTRUCT", "DESCRIBE", "DATA")
_CLOSING = {"{": "}", "(": ")", "[": "]"}

# The tokens of SPARQL, roughly as its grammar has them; "open_*" and "bad_iri" are the broken forms.
_LETTER = r"[^\W\d_]"
_NAME_CHAR = r"[\w\-\u00B7]"
_ESCAPE = r"%[0-9A-Fa-f]{2}|\\[_~.\-!$&'()*+,;=/?#@%]"
_PREFIX = rf"{_LETTER}(?:(?:{_NAME_CHAR}|\.)*{_NAME_CHAR})?"
_LOCAL = rf"(?:[\w:]|{_ESCAPE})(?:(?:[\w\-\u00B7.:]|{_ESCAPE})*(?:[\w\-\u00B7:]|{_ESCAPE}))?"
_TOKEN = re.compile("|".join(rf"(?P<{name}>{pattern})" for name, pattern in (
    ("space", r"\s+"),
    ("comment", r"#[^\n]*"),
    ("string", (r'"""(?:[^"\\]|\\[\s\S]|"(?!""))*"""' r"|'''(?:[^'\\]|\\[\s\S]|'(?!''))*'''")),
    ("open_long", (r'"""[\s\S]*|' r"'''[\s\S]*")),
    ("short", (r'"(?:[^"\\\n\r]|\\.)*"' r"|'(?:[^'\\\n\r]|\\.)*'")),
    ("open_string", (r'"(?:[^"\\\n\r]|\\.)*' r"|'(?:[^'\\\n\r]|\\.)*")),
    ("iri", r"<[^<>\"{}|^`\\\x00-\x20]*>"),
    ("bad_iri", r"<(?![\s?$\d\"'(=])[^<>\n]*>"),
    ("var", r"[?$]\w[\w\u00B7]*"),
    ("bnode", rf"_:[\w](?:(?:{_NAME_CHAR}|\.)*{_NAME_CHAR})?"),
    ("pname", rf"(?:{_PREFIX})?:(?:{_LOCAL})?"),
    ("langtag", r"@[A-Za-z]+(?:-[A-Za-z0-9]+)*"),
    ("number", r"[0-9]*\.[0-9]+(?:[eE][+-]?[0-9]+)?|[0-9]+(?:\.[0-9]*)?[eE][+-]?[0-9]+|[0-9]+"),
    ("word", r"[^\W\d]\w*"),
    ("punct", r"\^\^|\|\||&&|!=|<=|>=|<<|>>|\{\||\|\}|[{}()\[\];,.*+\-/=!<>|^?~]"),
    ("stray", r"[\s\S]"),
)))
_ENGINE_PLACE = re.compile(r"error at (\d+):(\d+):\s*(.*)", re.DOTALL)
_PYPARSING_PLACE = re.compile(r"\(line:(\d+), col:(\d+)\)")
_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


@dataclass(frozen=True)
class SyntaxProblem:
    """Where a SPARQL text went wrong, in words.

    line, column: 1-based; the column counts characters (code points), as the engine does.
    token: the word or sign found there as written ('' at the end of the text).
    message: one line, "Line L, column C: ..." ending with a full stop.
    """

    line: int
    column: int
    token: str
    message: str

    def __str__(self) -> str:
        return self.message

    def report(self, kind: str = "query") -> str:
        """The message with what it is about, as the endpoint and ``kg query`` print it."""
        return f"The {kind} is not valid SPARQL. {self.message}"

    def as_json(self) -> dict[str, int | str]:
        """The place, for a client that marks it (the workbench)."""
        return {"line": self.line, "column": self.column, "token": self.token}


@dataclass(frozen=True)
class _Token:
    kind: str
    start: int
    text: str

    @property
    def end(self) -> int:
        return self.start + len(self.text)


@dataclass(frozen=True)
class _Finding:
    start: int
    token: str
    words: str  # what follows "Line L, column C: "


def explain(text: str, error: str | BaseException | None = None, *, kind: str = "query",
            prefixes: Mapping[str, str] | None = None) -> SyntaxProblem:
    """Turn the engine's syntax error about ``text`` into a :class:`SyntaxProblem`.

    ``error`` is pyoxigraph's SyntaxError (or its message, also inside a longer one), rdflib's ParseException,
    or None when only the text is known to be wrong. ``kind`` ("query" or "update") chooses the words;
    ``prefixes`` are those predeclared for the text (default: the project's :data:`kg.namespaces.PREFIXES`).
    """
    declared = dict(PREFIXES if prefixes is None else prefixes)
    message = "" if error is None else str(error)
    place, expected, trusted = _engine_place(text, message)
    tokens = list(_tokens(text))
    limit = place if trusted else None
    for finding in _findings(text, tokens, declared, kind):
        if limit is not None and finding.start > limit:
            break  # the findings come in the order of the text: the rest are further still
        return _problem(text, finding.start, finding.token, finding.words)
    if not trusted and place is not None and tokens:
        token = _token_at(tokens, place)
        return _problem(text, place, token, f"the part that starts with {_quote(token)} is not valid SPARQL.")
    if place is None and message.strip():  # an engine message that names no place: its first line, as it is
        said = message.strip().splitlines()[0][:200]
        return _problem(text, len(text), "", f"the {kind} could not be read ({said}).")
    if place is None:
        place = len(text)
        expected = ["SELECT", "ASK", "CONSTRUCT", "DESCRIBE"] if kind == "query" else []
    if _vague(expected):
        start = _parser_place(text, kind)
        if start is not None and tokens and tokens[0].start < start < place:
            token = _token_at(tokens, start)
            end = f"the end of the {kind}" if not text[place:].strip() else _place(text, place)
            return _problem(text, start, token, f"the part that starts with {_quote(token)} is not valid SPARQL — "
                                                f"the mistake is between here and {end}.")
    elif len(expected) <= 3 and all(_WORD.fullmatch(item) for item in expected):
        place = _rewound(text, tokens, place, expected)
    return _problem(text, *_engine_words(text, tokens, place, expected, declared, kind))


def operation_keyword(text: str) -> str | None:
    """The first keyword after the prologue (PREFIX, BASE and VERSION declarations), upper-cased: SELECT, ASK,
    CONSTRUCT or DESCRIBE for a query, one of :data:`UPDATE_OPERATIONS` for an update; None when there is none.

    >>> operation_keyword("PREFIX ex: <http://example.org/>\\n# add one\\nINSERT DATA { ex:a ex:b ex:c }")
    'INSERT'
    """
    skip = 0
    for token in _tokens(text):
        if skip:
            skip -= 1
            continue
        upper = token.text.upper()
        if token.kind == "word" and upper in ("PREFIX", "BASE", "VERSION"):
            skip = 2 if upper == "PREFIX" else 1
            continue
        return upper if token.kind == "word" else None
    return None


# -- reading the text ------------------------------------------------------------------------------------------

def _tokens(text: str) -> Iterator[_Token]:
    """The tokens of ``text``, without spaces and comments."""
    for match in _TOKEN.finditer(text):
        kind = match.lastgroup or "stray"
        if kind not in ("space", "comment"):
            yield _Token("string" if kind == "short" else kind, match.start(), match.group(0))


def _findings(text: str, tokens: list[_Token], declared: dict[str, str], kind: str) -> Iterator[_Finding]:
    """Mistakes that are sure wherever they are, in the order they come in the text."""
    if not tokens:
        yield _Finding(len(text), "", f"the {kind} is empty — {_expected_after([], kind)}.")
        return
    operation = operation_keyword(text)
    if operation in (UPDATE_OPERATIONS if kind == "query" else QUERY_FORMS):
        first = next(t for t in tokens if t.kind == "word" and t.text.upper() == operation)
        swapped = "an update, not a query" if kind == "query" else "a query, not an update"
        yield _Finding(first.start, first.text, f"{_quote(first.text)} starts {swapped}.")
        return
    opened: list[_Token] = []
    before: list[_Token] = []  # the tokens read so far
    local: set[str] = set()  # the prefixes the text declares
    declaring = False
    for token in tokens:
        if token.kind == "stray":
            yield _Finding(token.start, token.text, f"unexpected {_quote(token.text)} — this sign has no use in "
                                                    "SPARQL outside strings, IRIs and comments.")
        elif token.kind in ("open_string", "open_long"):
            quote = token.text[:3] if token.kind == "open_long" else token.text[0]
            closing = f"before the end of the {kind}" if token.kind == "open_long" else "on the same line"
            yield _Finding(token.start, token.text, f"the string {_quote(token.text)} is not closed — end it with "
                                                    f"{quote} {closing}.")
        elif token.kind == "bad_iri":
            yield _Finding(token.start, token.text, f"{_quote(token.text)} is not a valid IRI — "
                                                    f"{_iri_fault(token.text)}.")
        elif token.kind == "word" and token.text != "a" and token.text.upper() not in _KNOWN:
            guess = difflib.get_close_matches(token.text.upper(), list(_KNOWN), n=1, cutoff=0.75)
            hint = f" (did you mean {_KNOWN[guess[0]]}?)" if guess else ""
            yield _Finding(token.start, token.text, f"unexpected {_quote(token.text)}{hint} — "
                                                    f"{_expected_after(before, kind)}.")
        elif token.kind == "pname":
            name = token.text.split(":", 1)[0]
            if declaring:
                local.add(name)
            elif name not in declared and name not in local:
                yield _Finding(token.start, token.text, _unknown_prefix(name, token.text, declared))
        elif token.kind == "punct" and token.text in _CLOSING:
            opened.append(token)
        elif token.kind == "punct" and token.text in _CLOSING.values():
            if not opened:
                yield _Finding(token.start, token.text, f"unexpected {_quote(token.text)} — there is no "
                                                        f"{_quote(_opening(token.text))} for it to close.")
            elif _CLOSING[opened[-1].text] == token.text:
                opened.pop()
            elif all(_CLOSING[o.text] != token.text for o in opened):
                yield _Finding(token.start, token.text, f"unexpected {_quote(token.text)} — there is no "
                                                        f"{_quote(_opening(token.text))} for it to close.")
            else:
                last = opened.pop()
                yield _Finding(token.start, token.text, f"unexpected {_quote(token.text)} — the {_quote(last.text)} "
                                                        f"at {_place(text, last.start)} is not closed yet; "
                                                        f"expected {_quote(_CLOSING[last.text])}.")
        declaring = token.kind == "word" and token.text.upper() == "PREFIX"
        before.append(token)
    if opened:
        last = opened[-1]
        yield _Finding(len(text), "", f"unexpected end of the {kind} — the {_quote(last.text)} at "
                                      f"{_place(text, last.start)} is not closed; expected {_quote(_CLOSING[last.text])}.")


def _expected_after(before: list[_Token], kind: str) -> str:
    """What could come after the tokens ``before``, in words (for a word SPARQL does not know)."""
    depth = {"{": 0, "(": 0}
    form_seen = group_closed = False
    for token in before:
        if token.kind == "punct" and token.text in ("{", "("):
            depth[token.text] += 1
        elif token.kind == "punct" and token.text in ("}", ")"):
            key = "{" if token.text == "}" else "("
            depth[key] = max(0, depth[key] - 1)
            group_closed = group_closed or (key == "{" and depth["{"] == 0)
        elif token.kind == "word" and token.text.upper() in (*QUERY_FORMS, *UPDATE_OPERATIONS):
            form_seen = True
    previous = before[-1].text.upper() if before else ""
    if previous in ("LIMIT", "OFFSET"):
        return "expected a number"
    if previous in ("INSERT", "DELETE"):
        return "expected DATA or '{'"
    if previous in ("GROUP", "ORDER"):
        return "expected BY"
    if depth["("]:
        return "expected a variable, a value, an operator or a function such as STR, REGEX or CONTAINS"
    if depth["{"]:
        return "expected a triple pattern or a keyword such as OPTIONAL, FILTER, BIND, UNION, MINUS, VALUES or GRAPH"
    if kind == "update":
        return "expected an update operation such as INSERT DATA, DELETE DATA, DELETE/INSERT … WHERE, CLEAR or DROP"
    if not form_seen:
        return "expected PREFIX, BASE or the start of a query: SELECT, ASK, CONSTRUCT or DESCRIBE"
    if not group_closed:
        return "expected a variable, '*', FROM or WHERE"
    return "expected GROUP BY, HAVING, ORDER BY, LIMIT, OFFSET or VALUES"


def _unknown_prefix(name: str, written: str, declared: dict[str, str]) -> str:
    predeclared = list(declared)
    offer = f"; the predeclared prefixes are {', '.join(predeclared)}" if predeclared else ""
    return (f"unknown prefix '{name}:' in {_quote(written)} — declare it first with "
            f"PREFIX {name}: <...>{offer}.")


def _iri_fault(iri: str) -> str:
    inside = iri[1:-1]
    for char in inside:
        if char.isspace():
            return "IRIs cannot contain spaces (write %20)"
        if char in '<>"{}|^`\\':
            return f"IRIs cannot contain {_quote(char)}"
    if ":" not in inside:
        return "it is relative, and no absolute base IRI is given"
    return "check its spelling"


# -- the engine's message --------------------------------------------------------------------------------------

def _engine_place(text: str, message: str) -> tuple[int | None, list[str], bool]:
    """The offset in ``text`` the engine names, what it expected there, and whether that place can bound the
    search for an earlier mistake (pyoxigraph's can; rdflib's parser often names the start of the operation)."""
    found = _ENGINE_PLACE.search(message)
    if found:
        line, column, rest = int(found.group(1)), int(found.group(2)), found.group(3).strip()
        rest = re.sub(r"^expected\s+(one of\s+)?", "", rest)
        return _offset(text, line, column), _split_expected(rest), True
    found = _PYPARSING_PLACE.search(message)
    if found:
        return _offset(text, int(found.group(1)), int(found.group(2))), [], False
    return None, [], False


def _vague(expected: list[str]) -> bool:
    """Whether the engine's expectations say nothing useful: none, or only keywords it tried at the end of the text
    (the "[_]" item is the parser asking for one more character), or only function names, which it tries where
    any expression may start."""
    words = [item for item in expected if item != "[_]"]
    if not expected or not all(_WORD.fullmatch(item) for item in words):
        return not expected
    return "[_]" in expected or all(word.upper() in _FUNCTIONS_UPPER for word in words)


def _parser_place(text: str, kind: str) -> int | None:
    """Where rdflib's SPARQL parser stops on ``text``: the start of the part it could not read, which is a better
    place than the end of the text when the engine only got that far; None when rdflib reads the text."""
    from pyparsing import ParseBaseException
    from rdflib.plugins.sparql.parser import parseQuery, parseUpdate

    try:
        (parseQuery if kind == "query" else parseUpdate)(text)
    except ParseBaseException as error:
        return error.loc if 0 <= error.loc <= len(text) else None
    return None


def _split_expected(listing: str) -> list[str]:
    """The items of the engine's "expected one of ..." list: quoted signs ('"}"'), character classes ('[...]'),
    keywords, and phrases naming a problem ("Prefix not found")."""
    items: list[str] = []
    i = 0
    while i < len(listing):
        if listing[i] in ", \n":
            i += 1
            continue
        if listing[i] == '"':
            j = i + 1
            while j < len(listing) and listing[j] != '"':
                j += 2 if listing[j] == "\\" else 1
            items.append(listing[i:j + 1])
        elif listing[i] == "[":
            j = i + 1
            while j < len(listing) and listing[j] != "]":
                if listing[j] == "'":  # a quoted character, which may be ']' or an escape
                    j += 1
                    while j < len(listing) and listing[j] != "'":
                        j += 2 if listing[j] == "\\" else 1
                j += 1
            items.append(listing[i:j + 1])
        else:
            j = listing.find(", ", i)
            j = len(listing) if j < 0 else j
            items.append(listing[i:j].strip())
        i = j + 1
    return items


def _engine_words(text: str, tokens: list[_Token], place: int, expected: list[str], declared: dict[str, str],
                  kind: str) -> tuple[int, str, str]:
    """The place, token and words for what the engine said: what is there, and what it expected."""
    phrases = [item for item in expected if " " in item and not item.startswith(('"', "["))]
    if "IRI parsing failed" in phrases:
        iri = next((t for t in reversed(tokens) if t.kind in ("iri", "bad_iri") and t.end <= place), None)
        if iri is not None:
            return iri.start, iri.text, f"{_quote(iri.text)} is not a valid IRI — {_iri_fault(iri.text)}."
    if "Prefix not found" in phrases:
        name = next((t for t in reversed(tokens) if t.kind == "pname" and t.end <= place), None)
        if name is not None:
            return name.start, name.text, _unknown_prefix(name.text.split(":", 1)[0], name.text, declared)
    token = _token_at(tokens, place)
    return place, token, _expectation_words(token, expected, kind)


def _expectation_words(token: str, expected: list[str], kind: str) -> str:
    phrases = [item for item in expected if " " in item and not item.startswith(('"', "["))]
    problems = [p for p in phrases if p not in ("IRI parsing failed", "Prefix not found") and _is_plain(p)]
    found = f"unexpected {_quote(token)}" if token else f"unexpected end of the {kind}"
    if problems:
        return f"{problems[0][0].lower()}{problems[0][1:]} (at {_quote(token) if token else 'the end'})."
    wanted = "" if _vague(expected) else _summary([item for item in expected if item != "[_]"])
    if wanted:
        return f"{found} — expected {wanted}."
    if not token:
        return f"the {kind} ends here, but something before this point is not valid SPARQL."
    return f"{found}."


def _summary(expected: list[str]) -> str:
    """The engine's list of expectations in a few words, never its character classes."""
    signs = [_unquote(item) for item in expected if item.startswith('"')]
    classes = [item for item in expected if item.startswith("[") and item != "[_]"]
    keywords = [item for item in expected if _WORD.fullmatch(item)]
    parts: list[str] = []
    if "?" in signs or "$" in signs:
        parts.append("a variable")
    if "<" in signs:
        parts.append("an IRI")
    letters = any("'A'" in c or "'a'" in c for c in classes)
    if ":" in signs or (letters and not keywords):
        parts.append("a prefixed name")
    if any(s in signs for s in ('"', "'", '"""', "'''")):
        parts.append("a string")
    if any("'0'" in c and "'A'" not in c for c in classes):
        parts.append("a number")
    if "a" in signs:
        parts.append("'a'")
    named = [s for s in ("{", "}", "(", ")", "[", "]", ".", ";", ",", "*", "=") if s in signs]
    if len(parts) + len(named) + len(keywords) <= 4:
        return _or([*parts, *(_quote(s) for s in named), *keywords])
    parts += [_quote(s) for s in named[:3]]
    if keywords:
        functions = [k for k in keywords if k.upper() in _FUNCTIONS_UPPER]
        if len(functions) >= len(keywords) / 2 and not parts:
            return "an expression: a variable, a value or a function such as " + \
                _or(_favourites(functions, ("STR", "REGEX", "CONTAINS")))
        if len(functions) >= len(keywords) / 2:
            parts.append("a function such as " + _or(_favourites(functions, ("STR", "REGEX", "CONTAINS"))))
        else:
            parts.append("a keyword such as " + _or(_favourites(keywords, _FAVOURITES)))
    return _or(parts)


def _favourites(words: list[str], order: tuple[str, ...], most: int = 3) -> list[str]:
    ranked = sorted(words, key=lambda w: order.index(w.upper()) if w.upper() in order else len(order))
    return ranked[:most]


def _rewound(text: str, tokens: list[_Token], place: int, keywords: list[str]) -> int:
    """The engine reads as many characters as a keyword it tries has before it gives up, so a failed keyword is
    reported that far past the word actually there: the start of that word, when one starts there."""
    starts = {token.start for token in tokens}
    for keyword in sorted(keywords, key=len, reverse=True):
        for candidate in range(max(0, place - len(keyword)), place):
            if candidate in starts and min(candidate + len(keyword), len(text)) == min(place, len(text)):
                return candidate
    return place


# -- small helpers -----------------------------------------------------------------------------------------------

def _offset(text: str, line: int, column: int) -> int:
    """The offset of a 1-based line and (character) column in ``text``, kept within it."""
    start = 0
    for _ in range(max(0, line - 1)):
        newline = text.find("\n", start)
        if newline < 0:
            return len(text)
        start = newline + 1
    return min(start + max(0, column - 1), len(text))


def _line_column(text: str, offset: int) -> tuple[int, int]:
    line = text.count("\n", 0, offset) + 1
    return line, offset - (text.rfind("\n", 0, offset) + 1) + 1


def _place(text: str, offset: int) -> str:
    line, column = _line_column(text, offset)
    return f"line {line}, column {column}"


def _token_at(tokens: list[_Token], offset: int) -> str:
    """The token at ``offset`` (or the first after it, across spaces); '' past the last one."""
    for token in tokens:
        if token.end > offset:
            return token.text
    return ""


def _problem(text: str, offset: int, token: str, words: str) -> SyntaxProblem:
    line, column = _line_column(text, offset)
    return SyntaxProblem(line, column, token, f"Line {line}, column {column}: {words}")


def _quote(token: str, most: int = 40) -> str:
    """A token for a message: on one line, cut when long, in single quotes."""
    flat = " ".join(token.split()) if "\n" in token or "\r" in token else token
    return f"'{flat if len(flat) <= most else flat[:most - 1] + '…'}'"


def _unquote(item: str) -> str:
    return re.sub(r"\\(.)", r"\1", item[1:-1])


def _opening(closing: str) -> str:
    return next(open_ for open_, close in _CLOSING.items() if close == closing)


def _is_plain(phrase: str) -> bool:
    return re.fullmatch(r"[A-Za-z ,'?]+", phrase) is not None


def _or(parts: list[str]) -> str:
    if len(parts) <= 1:
        return "".join(parts)
    return ", ".join(parts[:-1]) + " or " + parts[-1]
