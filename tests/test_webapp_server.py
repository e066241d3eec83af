"""The endpoint over real HTTP: a waitress server in a thread (ServerThread), queried with SPARQLWrapper.

Covers what the Flask test client cannot: the WSGI server, sockets, a SPARQL client library's content
negotiation, concurrent clients, and the time limit as a client sees it. Also checks that ``kg serve``
refuses to start without a store.
"""
from __future__ import annotations

import csv
import io
import threading
import time
import urllib.error
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from rdflib import Graph, URIRef
from SPARQLWrapper import CSV, GET, JSON, POST, POSTDIRECTLY, TURTLE, URLENCODED, XML, SPARQLWrapper
from SPARQLWrapper.SPARQLExceptions import QueryBadFormed

from kg.examples import example_queries

IMR = "https://w3id.org/imr-kg/ontology#"
CASES = f"SELECT ?n WHERE {{ GRAPH ?g {{ ?c <{IMR}caseNumber> ?n }} }} ORDER BY ?n"
RUNAWAY = ("SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?a { ?s1 ?p1 ?o1 } GRAPH ?b { ?s2 ?p2 ?o2 } "
           "GRAPH ?c { ?s3 ?p3 ?o3 } }")
CLIENT_TIMEOUT_S = 30  # a client never waits longer than this for one answer
# Examples whose answers are deterministic: SAMPLE() may pick a different row in another process.
DETERMINISTIC_EXAMPLES = sorted(name for name, example in example_queries().items()
                                if "SAMPLE(" not in example.sparql.upper())


@contextmanager
def serving(store_path: Path, **settings: Any) -> Iterator[str]:
    """Serve a read-only app over ``store_path`` on a free port; give its endpoint URL; stop it all after."""
    from webapp import create_app
    from webapp.serve import ServerThread
    from webapp.store import close_app

    app = create_app({"TESTING": True, "STORE_PATH": str(store_path), **settings})
    try:
        with ServerThread(app, host="127.0.0.1", port=0) as server:
            yield f"{server.url}/sparql"
        assert not server.thread.is_alive(), "the server thread did not stop"
    finally:
        close_app(app)


@pytest.fixture(scope="module")
def endpoint(built_store_path: Path) -> Iterator[str]:
    """The /sparql URL of a real server over the bundled letters' store."""
    with serving(built_store_path, QUERY_TIMEOUT_S=10.0, QUERY_WORKERS=2) as url:
        yield url


@pytest.fixture(scope="module")
def case_numbers(built_store_path: Path) -> list[str]:
    """The 14 case numbers, read from the store directly."""
    from kg.store import KGStore

    with KGStore(built_store_path, read_only=True) as store:
        numbers = sorted(row["n"] for row in store.select(CASES))
    assert len(numbers) == 14
    return numbers


def client(endpoint: str, query: str, fmt: str = JSON, method: str = GET) -> SPARQLWrapper:
    """A SPARQLWrapper for one query, choosing the result format by the Accept header only."""
    sparql = SPARQLWrapper(endpoint)
    sparql.setOnlyConneg(True)
    sparql.setTimeout(CLIENT_TIMEOUT_S)
    sparql.setQuery(query)
    sparql.setReturnFormat(fmt)
    sparql.setMethod(method)
    return sparql


def _json_value(term: dict[str, str] | None) -> Any:
    """A SPARQL JSON term as the Python value KGStore.select gives for it."""
    if term is None:
        return None
    datatype = term.get("datatype", "")
    if datatype.endswith(("#integer", "#int", "#long")):
        return int(term["value"])
    if datatype.endswith(("#decimal", "#double", "#float")):
        return float(term["value"])
    if datatype.endswith("#boolean"):
        return term["value"] == "true"
    return term["value"]


def _numbers(result: dict[str, Any]) -> list[str]:
    return [b["n"]["value"] for b in result["results"]["bindings"]]


def test_select_json(endpoint: str, case_numbers: list[str]) -> None:
    """SELECT as SPARQL JSON over HTTP gives the 14 case numbers, in order."""
    result = client(endpoint, CASES).queryAndConvert()
    assert result["head"]["vars"] == ["n"]
    assert _numbers(result) == case_numbers


def test_select_xml(endpoint: str, case_numbers: list[str]) -> None:
    """SELECT as SPARQL XML gives the same 14 case numbers."""
    query = client(endpoint, CASES, XML).query()
    assert query.info()["content-type"].startswith("application/sparql-results+xml")
    document = query.convert()
    literals = [node.firstChild.data for node in document.getElementsByTagName("literal")]
    assert literals == case_numbers


def test_select_csv(endpoint: str, case_numbers: list[str]) -> None:
    """SELECT as CSV gives a header row and the 14 case numbers."""
    query = client(endpoint, CASES, CSV).query()
    assert query.info()["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(query.convert().decode("utf-8"))))
    assert rows == [["n"], *([n] for n in case_numbers)]


@pytest.mark.parametrize(("number", "expected"), [("CM14-0166055", True), ("CM99-0000000", False)])
def test_ask(endpoint: str, number: str, expected: bool) -> None:
    """ASK answers true for a stored case number and false for another."""
    query = f'ASK {{ GRAPH ?g {{ ?c <{IMR}caseNumber> "{number}" }} }}'
    assert client(endpoint, query).queryAndConvert()["boolean"] is expected


def test_construct_turtle(endpoint: str, case_numbers: list[str]) -> None:
    """CONSTRUCT as Turtle parses with rdflib into one caseNumber triple per case."""
    query = f"CONSTRUCT {{ ?c <{IMR}caseNumber> ?n }} WHERE {{ GRAPH ?g {{ ?c <{IMR}caseNumber> ?n }} }}"
    result = client(endpoint, query, TURTLE).query()
    assert result.info()["content-type"].startswith("text/turtle")
    graph = Graph().parse(data=result.convert().decode("utf-8"), format="turtle")
    assert sorted(str(o) for o in graph.objects(None, URIRef(f"{IMR}caseNumber"))) == case_numbers
    assert len(graph) == 14


@pytest.mark.parametrize("request_method", [URLENCODED, POSTDIRECTLY], ids=["form", "direct"])
def test_post_query(endpoint: str, case_numbers: list[str], request_method: str) -> None:
    """A query sent by POST (as a form, and directly as application/sparql-query) is answered like a GET."""
    sparql = client(endpoint, CASES, JSON, POST)
    sparql.setRequestMethod(request_method)
    assert _numbers(sparql.queryAndConvert()) == case_numbers


@pytest.mark.parametrize("name", DETERMINISTIC_EXAMPLES)
def test_example_query_matches_the_store(endpoint: str, built_store_path: Path, name: str) -> None:
    """An example query gives the same variables and rows over HTTP as run directly on the store."""
    from kg.store import KGStore

    sparql = example_queries()[name].sparql
    result = client(endpoint, sparql).queryAndConvert()
    names = result["head"]["vars"]
    served = [tuple(_json_value(b.get(v)) for v in names) for b in result["results"]["bindings"]]
    with KGStore(built_store_path, read_only=True) as store:
        rows = store.select(sparql)
    direct = [tuple(row[v] for v in names) for row in rows]
    assert rows and list(rows[0]) == names
    assert sorted(served, key=repr) == sorted(direct, key=repr)
    assert len(served) == len(direct) > 0


def test_bad_syntax_raises_query_bad_formed(endpoint: str) -> None:
    """A query that does not parse comes back as HTTP 400, which SPARQLWrapper raises as QueryBadFormed."""
    with pytest.raises(QueryBadFormed, match="not valid SPARQL"):
        client(endpoint, "SELECT ?x WHERE { ?x ").query()


def test_time_limit_over_http(built_store_path: Path) -> None:
    """A runaway query gets HTTP 503 within a few seconds of the 1 s limit; the next query is answered."""
    with serving(built_store_path, QUERY_TIMEOUT_S=1.0, QUERY_WORKERS=1) as url:
        started = time.monotonic()
        with pytest.raises(urllib.error.HTTPError) as caught:
            client(url, RUNAWAY).query()
        elapsed = time.monotonic() - started
        caught.value.close()
        assert caught.value.code == 503
        assert elapsed < 8, f"the 1 s limit took {elapsed:.1f} s to answer"
        assert client(url, "ASK {}").queryAndConvert()["boolean"] is True


def test_concurrent_clients(endpoint: str, case_numbers: list[str]) -> None:
    """Four threads sending 20 queries in all each get the full, correct answer."""
    threads_count, per_thread = 4, 5
    answers: list[list[str]] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def work() -> None:
        for _ in range(per_thread):
            try:
                numbers = _numbers(client(endpoint, CASES).queryAndConvert())
            except Exception as error:  # reported by the main thread
                with lock:
                    errors.append(error)
                return
            with lock:
                answers.append(numbers)

    threads = [threading.Thread(target=work, name=f"client-{i}") for i in range(threads_count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=2 * CLIENT_TIMEOUT_S)
    assert not any(t.is_alive() for t in threads), "a client thread did not finish"
    assert not errors, f"queries failed: {errors!r}"
    assert len(answers) == threads_count * per_thread
    assert all(numbers == case_numbers for numbers in answers)


def test_serve_refuses_a_missing_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`kg serve --store MISSING` exits non-zero with a clear message and never starts a server."""
    from click.testing import CliRunner

    import webapp.serve
    from kg.cli_store import serve

    started: list[tuple[Any, ...]] = []
    monkeypatch.setattr(webapp.serve, "serve", lambda *args, **kwargs: started.append(args))
    missing = tmp_path / "no-store"
    result = CliRunner().invoke(serve, ["--store", str(missing), "--port", "0"])
    assert result.exit_code != 0
    assert "no store here" in result.output and str(missing) in result.output
    assert started == []
    assert not missing.exists()
