"""kg.sparql_errors: the engine's syntax errors turned into a line, a column, the token found there and words.

The messages explained are the engine's own: each broken text is run through pyoxigraph (or rdflib's parser,
for the web app's first check of updates) and what it raises is handed to ``explain``.
"""
from __future__ import annotations

import re
import threading
import urllib.parse
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pyoxigraph as ox
import pytest
from pyparsing import ParseBaseException
from rdflib.plugins.sparql.parser import parseUpdate

from kg.namespaces import PREFIXES
from kg.remote_store import RemoteStore, RemoteSyntaxError
from kg.sparql_errors import SyntaxProblem, explain, operation_keyword

#: What must never reach a reader: the engine's character classes and its "any character" item.
ENGINE_NOISE = re.compile(r"\[_\]|\[a-zA-Z|\['|'A' \.\.=|\\u\{|\.\.=")


def engine_error(text: str, kind: str = "query") -> SyntaxError:
    """What pyoxigraph raises for ``text`` (with the project's prefixes predeclared, as the tools run it)."""
    store = ox.Store()
    try:
        if kind == "query":
            store.query(text, prefixes=PREFIXES)
        else:
            store.update(text, prefixes=PREFIXES, base_iri="http://example.org/")
    except SyntaxError as error:
        return error
    raise AssertionError(f"the engine accepted {text!r}")


def explained(text: str, kind: str = "query") -> SyntaxProblem:
    problem = explain(text, engine_error(text, kind), kind=kind)
    assert not ENGINE_NOISE.search(problem.message), problem.message
    assert "\n" not in problem.message
    assert problem.message.startswith(f"Line {problem.line}, column {problem.column}: ")
    return problem


@pytest.mark.parametrize(
    ("text", "line", "column", "token", "words"),
    [
        pytest.param("SELECT * WHERE {\n  ?s ?p ?o .\n  OPTINAL { ?s ?q ?r }\n}", 3, 3, "OPTINAL",
                     ["unexpected 'OPTINAL'", "did you mean OPTIONAL?", "a triple pattern", "FILTER"],
                     id="misspelt-keyword"),
        pytest.param("SELEC ?n WHERE { ?c imr:caseNumber ?n }", 1, 1, "SELEC",
                     ["did you mean SELECT?", "SELECT, ASK, CONSTRUCT or DESCRIBE"], id="misspelt-form"),
        pytest.param("SELECT ?s WHERE {\n  ?s ?p ?o .\n  FILTR(?o > 2)\n}", 3, 3, "FILTR",
                     ["did you mean FILTER?"], id="misspelt-filter"),
        pytest.param("SELECT * WHERE { ?s ?p ?o } LIMT 5", 1, 29, "LIMT", ["did you mean LIMIT?"],
                     id="misspelt-modifier"),
        pytest.param("SELECT ?s WHERE {\n  ?s ?p ?o .\n", 3, 1, "",
                     ["unexpected end of the query", "'{' at line 1, column 17 is not closed", "expected '}'"],
                     id="missing-brace"),
        pytest.param("SELECT ?s WHERE {\n  ?s ?p ?o .\n  FILTER (?o = 1 }", 3, 18, "}",
                     ["the '(' at line 3, column 10 is not closed", "expected ')'"], id="missing-parenthesis"),
        pytest.param("SELECT ?s WHERE { ?s ?p ?o }}", 1, 29, "}", ["there is no '{' for it to close"],
                     id="extra-brace"),
        pytest.param("SELECT ?s WHERE {\n  ?s foo:bar ?o\n}", 2, 6, "foo:bar",
                     ["unknown prefix 'foo:'", "PREFIX foo: <...>", "imr, rdf, rdfs", "skos"], id="unknown-prefix"),
        pytest.param("SELECT ?s WHERE {\n  ?s ?p ?o . % ?o\n}", 2, 14, "%", ["unexpected '%'"], id="stray-character"),
        pytest.param('SELECT ?s WHERE {\n  ?s ?p "never closed .\n}', 2, 9, '"never closed .',
                     ["is not closed", 'end it with "'], id="unterminated-string"),
        pytest.param("SELECT ?s WHERE { ?s <http://example.org/a b> ?o }", 1, 22, "<http://example.org/a b>",
                     ["is not a valid IRI", "spaces"], id="space-in-iri"),
        pytest.param("SELECT (COUNT(?s) AS ?n WHERE { ?s ?p ?o }", 1, 25, "WHERE",
                     ["unexpected 'WHERE'", "expected ')'"], id="engine-expects-one-sign"),
        pytest.param("SELECT DISTINCT WHERE { ?s ?p ?o }", 1, 17, "WHERE",
                     ["expected a variable, '(' or '*'"], id="engine-list-in-words"),
        pytest.param("SELECT ?s WHERE { ?s ?p ?o } ORDER ?s", 1, 36, "?s", ["expected BY"], id="keyword-read-ahead"),
        pytest.param("SELECT ?s WHERE { ?s ?p ?o } GROUP BY", 1, 38, "",
                     ["unexpected end of the query", "a variable", "an IRI"], id="character-classes-in-words"),
        pytest.param("SELECT * { ?s ?p ?o . ?s ?p }", 1, 23, "?s",
                     ["the part that starts with '?s'", "between here and the end of the query"],
                     id="incomplete-triple"),
        pytest.param("INSERT DATA { imr:a imr:b imr:c }", 1, 1, "INSERT", ["starts an update, not a query"],
                     id="update-as-query"),
        pytest.param("", 1, 1, "", ["the query is empty"], id="empty"),
    ],
)
def test_query_mistakes(text: str, line: int, column: int, token: str, words: list[str]) -> None:
    """Each kind of mistake is placed on the token at fault and said in words, with no character classes."""
    problem = explained(text)
    assert (problem.line, problem.column, problem.token) == (line, column, token), problem.message
    for phrase in words:
        assert phrase in problem.message, (phrase, problem.message)


def test_engine_message_alone_would_point_elsewhere() -> None:
    """The engine names a place past a misspelt keyword (it reads a keyword's length ahead); the message does
    not: it names the word itself, whose text is at that line and column."""
    text = "SELECT ?s WHERE {\n  ?s ?p ?o .\n  OPTINAL { ?s ?q ?r }\n}"
    error = engine_error(text)
    assert str(error).startswith("error at 3:11:")
    problem = explain(text, error)
    assert text.splitlines()[problem.line - 1][problem.column - 1:].startswith(problem.token)


def test_columns_count_characters_not_bytes() -> None:
    """A non-ASCII character before the mistake counts as one column, as the engine counts it."""
    problem = explained('SELECT * WHERE { ?s ?p "é😀" . OPTINAL { } }')
    assert (problem.line, problem.column, problem.token) == (1, 31, "OPTINAL")


def test_prefix_declared_in_the_text_is_known() -> None:
    """A prefix the text declares is no unknown prefix; one declared only after its use is."""
    declared = explained("PREFIX ex: <http://example.org/>\nSELECT * WHERE { ?s ex:p ?o . ?s ex2:q ?z }")
    assert declared.token == "ex2:q" and (declared.line, declared.column) == (2, 34)
    too_late = explain("SELECT * WHERE { ?s ex:p ?o }\nPREFIX ex: <http://example.org/>", None)
    assert too_late.token == "ex:p"


def test_other_predeclared_prefixes_are_named() -> None:
    """The prefixes named as predeclared are the ones given."""
    problem = explain("SELECT * WHERE { ?s foo:p ?o }", engine_error("SELECT * WHERE { ?s foo:p ?o }"),
                      prefixes={"ex": "http://example.org/"})
    assert "the predeclared prefixes are ex." in problem.message
    assert "imr" not in problem.message


@pytest.mark.parametrize(
    ("text", "line", "column", "token", "words"),
    [
        pytest.param("INSRT DATA { <a> <b> <c> }", 1, 1, "INSRT", ["did you mean INSERT?", "an update operation"],
                     id="misspelt-operation"),
        pytest.param("INSERT DATA { <a> <b> <c> } ;\nDELET DATA { <a> <b> <c> }", 2, 1, "DELET",
                     ["did you mean DELETE?"], id="second-operation"),
        pytest.param("INSERT NONSENSE", 1, 8, "NONSENSE", ["expected DATA or '{'"], id="after-insert"),
        pytest.param("DELETE DATA { foo:a <b> <c> }", 1, 15, "foo:a", ["unknown prefix 'foo:'"], id="unknown-prefix"),
        pytest.param("SELECT * {}", 1, 1, "SELECT", ["starts a query, not an update"], id="query-as-update"),
    ],
)
def test_update_mistakes(text: str, line: int, column: int, token: str, words: list[str]) -> None:
    """Updates too, from the engine's error and from rdflib's parser (which the endpoint runs first)."""
    problem = explained(text, "update")
    assert (problem.line, problem.column, problem.token) == (line, column, token), problem.message
    for phrase in words:
        assert phrase in problem.message
    try:
        parseUpdate(text)
    except ParseBaseException as error:
        again = explain(text, error, kind="update")
        assert (again.line, again.column, again.token) == (line, column, token), again.message


def test_report_and_json() -> None:
    """The report says what is not valid; the JSON form carries the place for the workbench."""
    problem = explained("SELECT * WHERE { ?s ?p ?o . % }")
    assert problem.report() == "The query is not valid SPARQL. " + problem.message
    assert problem.report("update").startswith("The update is not valid SPARQL. Line 1, column 29:")
    assert problem.as_json() == {"line": 1, "column": 29, "token": "%"}
    assert str(problem) == problem.message


def test_without_an_engine_message() -> None:
    """With no message from the engine the text alone is read: a query with no query form is placed at its end."""
    problem = explain("PREFIX ex: <http://example.org/>\n", None)
    assert (problem.line, problem.column, problem.token) == (2, 1, "")
    assert "expected SELECT, ASK, CONSTRUCT or DESCRIBE" in problem.message


@pytest.mark.parametrize(
    ("text", "keyword"),
    [
        ("SELECT * {}", "SELECT"),
        ("PREFIX ex: <http://example.org/>\nBASE <http://example.org/>\n# note\nask {}", "ASK"),
        ("PREFIX ex: <http://example.org/> INSERT DATA { ex:a ex:b ex:c }", "INSERT"),
        ("  # only a comment\n", None),
        ("<http://example.org/> a ?x", None),
    ],
)
def test_operation_keyword(text: str, keyword: str | None) -> None:
    """The first keyword after the prologue tells a query from an update."""
    assert operation_keyword(text) == keyword


class _MiniOxigraph(BaseHTTPRequestHandler):
    """A SPARQL server that only parses: pyoxigraph's syntax error, as Oxigraph server sends it, or an empty result."""

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"])).decode("utf-8")
        is_form = self.headers["Content-Type"].startswith("application/x-www-form-urlencoded")
        text = urllib.parse.parse_qs(body)["query"][0] if is_form else body
        try:
            if is_form:
                ox.Store().query(text)
            else:
                ox.Store().update(text)
        except SyntaxError as error:
            self._answer(400, str(error).encode("utf-8"))
            return
        self._answer(200 if is_form else 204, b'{"head":{"vars":[]},"results":{"bindings":[]}}' if is_form else b"")

    def _answer(self, status: int, data: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "application/sparql-results+json" if status == 200 else "text/plain")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: object) -> None:
        """Quiet."""


@pytest.fixture
def mini_server() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _MiniOxigraph)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_remote_store_counts_lines_in_the_callers_text(mini_server: str) -> None:
    """A remote store sends the prefixes before the text; its syntax errors still name the caller's lines, for
    queries and for updates, and use the predeclared prefixes."""
    store = RemoteStore(mini_server, query=".", update=".", check=False, retries=())
    assert store.select("SELECT ?s WHERE { ?s imr:caseNumber ?n }") == []
    text = "SELECT ?s WHERE {\n  ?s ?p ?o .\n  OPTINAL { ?s ?q ?r }\n}"
    with pytest.raises(RemoteSyntaxError, match=r"^error at 3:11: expected OPTIONAL") as caught:
        store.query(text)
    assert (explain(text, caught.value).line, explain(text, caught.value).column) == (3, 3)
    store.update("INSERT DATA { imr:a imr:b imr:c }")
    with pytest.raises(SyntaxError, match=r"^error at 2:"):
        store.update("INSERT DATA { imr:a imr:b imr:c } ;\nINSRT DATA { imr:a imr:b imr:c }")
