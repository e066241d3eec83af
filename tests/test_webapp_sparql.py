"""The /sparql endpoint through the Flask test client: protocol, formats, limits and guards."""
from __future__ import annotations

import csv
import io
import json
import time
from pathlib import Path
from xml.etree import ElementTree

import pytest
from rdflib import Graph

from webapp.guards import forbidden_keywords, looks_like_update, query_form

CASES = "SELECT ?n WHERE { ?c <https://w3id.org/imr-kg/ontology#caseNumber> ?n } ORDER BY ?n"
FORM = "application/x-www-form-urlencoded"


def test_get_json(client) -> None:
    """GET with a query gives SPARQL JSON results over the union of the letters' graphs."""
    response = client.get("/sparql", query_string={"query": CASES})
    assert response.status_code == 200
    assert response.mimetype == "application/sparql-results+json"
    data = response.get_json()
    assert data["head"]["vars"] == ["n"]
    assert len(data["results"]["bindings"]) == 14
    assert data["truncated"] is False
    assert response.headers["X-SPARQL-Truncated"] == "false"


def test_form_post_and_direct_post(client) -> None:
    """The same query by form POST and by direct POST gives the same rows."""
    form = client.post("/sparql", data={"query": CASES}, content_type=FORM)
    direct = client.post("/sparql", data=CASES, content_type="application/sparql-query")
    assert form.status_code == direct.status_code == 200
    assert form.get_json()["results"] == direct.get_json()["results"]


@pytest.mark.parametrize(
    ("accept", "mimetype"),
    [
        pytest.param("application/sparql-results+json", "application/sparql-results+json", id="json"),
        pytest.param("application/sparql-results+xml", "application/sparql-results+xml", id="xml"),
        pytest.param("text/csv", "text/csv", id="csv"),
        pytest.param("text/tab-separated-values", "text/tab-separated-values", id="tsv"),
        pytest.param("text/html;q=0.5, text/csv", "text/csv", id="q-values"),
    ],
)
def test_select_formats_by_accept(client, accept: str, mimetype: str) -> None:
    """Accept headers choose the SELECT result format."""
    response = client.get("/sparql", query_string={"query": CASES}, headers={"Accept": accept})
    assert response.mimetype == mimetype
    body = response.get_data(as_text=True)
    assert "CM14-0166055" in body


def test_select_formats_are_well_formed(client) -> None:
    """XML parses with 14 results; CSV has a header and 14 rows; TSV has ?-named columns."""
    xml = client.get("/sparql", query_string={"query": CASES, "format": "xml"}).get_data()
    ns = {"s": "http://www.w3.org/2005/sparql-results#"}
    assert len(ElementTree.fromstring(xml).findall(".//s:result", ns)) == 14
    text = client.get("/sparql", query_string={"query": CASES, "format": "csv"}).get_data(as_text=True)
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == ["n"] and len(rows) == 15
    tsv = client.get("/sparql", query_string={"query": CASES, "format": "tsv"}).get_data(as_text=True)
    assert tsv.splitlines()[0] == "?n" and tsv.splitlines()[1] == '"CM13-0009871"'


def test_csv_download_has_a_file_name(client) -> None:
    """format=csv comes as an attachment."""
    response = client.get("/sparql", query_string={"query": CASES, "format": "csv"})
    assert "attachment" in response.headers["Content-Disposition"]


@pytest.mark.parametrize(
    ("accept", "fmt", "mimetype"),
    [
        pytest.param("text/turtle", "turtle", "text/turtle", id="turtle"),
        pytest.param("application/n-triples", "nt", "application/n-triples", id="ntriples"),
        pytest.param("application/ld+json", "json-ld", "application/ld+json", id="jsonld"),
        pytest.param("application/rdf+xml", "xml", "application/rdf+xml", id="rdfxml"),
    ],
)
def test_construct_formats(client, accept: str, fmt: str, mimetype: str) -> None:
    """CONSTRUCT results in every RDF format parse back to the same triples."""
    query = "CONSTRUCT { ?c ?p ?o } WHERE { GRAPH ?g { ?c a <https://w3id.org/imr-kg/ontology#Case> ; ?p ?o } }"
    response = client.get("/sparql", query_string={"query": query}, headers={"Accept": accept})
    assert response.mimetype == mimetype
    graph = Graph().parse(data=response.get_data(as_text=True), format=fmt)
    assert len(graph) == int(response.headers["X-SPARQL-Rows"]) > 14


def test_describe_and_ask(client) -> None:
    """DESCRIBE gives Turtle by default; ASK gives a JSON boolean."""
    describe = client.get("/sparql", query_string={"query": "DESCRIBE <https://w3id.org/imr-kg/case/CM14-0166055>"})
    assert describe.mimetype == "text/turtle" and b"caseNumber" in describe.data
    ask = client.get("/sparql", query_string={"query": "ASK { GRAPH ?g { ?s ?p ?o } }"})
    assert ask.get_json() == {"head": {}, "boolean": True}


def test_dataset_parameters_select_stored_graphs(client) -> None:
    """default-graph-uri picks a stored graph as the default graph; an unknown one is empty, never fetched."""
    graph = "https://w3id.org/imr-kg/graph/letter/CM14-0166055"
    one = client.get("/sparql", query_string={"query": CASES, "default-graph-uri": graph}).get_json()
    assert [b["n"]["value"] for b in one["results"]["bindings"]] == ["CM14-0166055"]
    none = client.get("/sparql", query_string={"query": CASES, "default-graph-uri": "http://example.org/not-here"})
    assert none.get_json()["results"]["bindings"] == []
    named = client.get("/sparql", query_string={"query": "SELECT ?g WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g",
                                                "named-graph-uri": graph}).get_json()
    assert [b["g"]["value"] for b in named["results"]["bindings"]] == [graph]


@pytest.mark.parametrize("source", ["http://example.org/data.ttl", "file:///etc/passwd"])
def test_from_never_fetches(client, source: str) -> None:
    """FROM with a URL or a file only selects a stored graph of that name: nothing is read from outside."""
    response = client.get("/sparql", query_string={"query": f"SELECT * FROM <{source}> WHERE {{ ?s ?p ?o }}"})
    assert response.status_code == 200
    assert response.get_json()["results"]["bindings"] == []


@pytest.mark.parametrize(
    "query",
    [
        pytest.param("SELECT * WHERE { SERVICE <http://example.org/sparql> { ?s ?p ?o } }", id="service"),
        pytest.param("select * where { service silent <http://example.org/sparql> { ?s ?p ?o } }", id="lowercase"),
    ],
)
def test_service_is_refused(client, query: str) -> None:
    """SERVICE is refused before the query runs, with the reason in words."""
    response = client.get("/sparql", query_string={"query": query}, headers={"Accept": "application/json"})
    assert response.status_code == 403
    assert "SERVICE" in response.get_json()["error"]


def test_keywords_inside_strings_are_fine(client) -> None:
    """The word SERVICE inside a string or IRI is not a SERVICE call."""
    query = 'SELECT ?x WHERE { BIND("SERVICE and LOAD" AS ?x) FILTER(?x != <http://example.org/SERVICE>) }'
    assert client.get("/sparql", query_string={"query": query}).status_code == 200


def test_bad_syntax_is_400_in_words(client) -> None:
    """A query that does not parse gets 400 and a message saying so."""
    response = client.get("/sparql", query_string={"query": "SELECT ?x WHERE { ?x "},
                          headers={"Accept": "application/json"})
    assert response.status_code == 400
    assert "not valid SPARQL" in response.get_json()["error"]


def test_updates_are_refused(client) -> None:
    """A well-formed update is refused with 403; a malformed one with 400."""
    update = "INSERT DATA { <http://example.org/s> <http://example.org/p> 1 }"
    assert client.post("/sparql", data={"update": update}, content_type=FORM).status_code == 403
    assert client.post("/sparql", data=update, content_type="application/sparql-update").status_code == 403
    assert client.post("/sparql", data={"update": "INSERT NONSENSE"}, content_type=FORM).status_code == 400


@pytest.mark.parametrize(
    ("method", "kwargs", "status"),
    [
        pytest.param("put", {"query_string": {"query": "ASK {}"}}, 405, id="put"),
        pytest.param("get", {"query_string": [("query", "ASK {}"), ("query", "ASK {}")]}, 400, id="two-queries"),
        pytest.param("post", {"data": "ASK {}", "content_type": "text/plain"}, 415, id="wrong-media-type"),
        pytest.param("post", {"data": "ASK {}".encode("utf-16"),
                              "content_type": "application/sparql-query; charset=UTF-16"}, 400, id="utf-16"),
    ],
)
def test_protocol_errors(client, method: str, kwargs: dict, status: int) -> None:
    """Requests the protocol forbids get the right 4xx."""
    assert getattr(client, method)("/sparql", **kwargs).status_code == status


def test_service_description(client) -> None:
    """GET without a query describes the service in RDF; a browser is sent to the workbench."""
    response = client.get("/sparql", headers={"Accept": "text/turtle"})
    graph = Graph().parse(data=response.get_data(as_text=True), format="turtle")
    assert "sparql-service-description" in response.get_data(as_text=True)
    assert len(graph) > 5
    browser = client.get("/sparql", headers={"Accept": "text/html"})
    assert browser.status_code == 302 and browser.headers["Location"].endswith("/query")


def test_headers(client) -> None:
    """Every answer has a Content-Security-Policy; the endpoint allows cross-origin use."""
    response = client.get("/sparql", query_string={"query": "ASK {}"})
    assert "default-src 'self'" in response.headers["Content-Security-Policy"]
    assert response.headers["Access-Control-Allow-Origin"] == "*"


def test_request_size_limit(app, client) -> None:
    """A body over the limit is refused with 413."""
    big = "ASK {}" + " " * (app.config["MAX_REQUEST_BYTES"] + 10)
    assert client.post("/sparql", data=big, content_type="application/sparql-query").status_code == 413


def test_row_limit_sets_the_truncated_flag(built_store_path: Path) -> None:
    """More rows than MAX_ROWS: the first MAX_ROWS come back, flagged as truncated."""
    from webapp import create_app
    from webapp.store import close_app

    small = create_app({"TESTING": True, "STORE_PATH": str(built_store_path), "MAX_ROWS": 3, "QUERY_WORKERS": 1})
    try:
        response = small.test_client().get("/sparql", query_string={"query": CASES})
        data = response.get_json()
        assert len(data["results"]["bindings"]) == 3 and data["truncated"] is True
        assert response.headers["X-SPARQL-Truncated"] == "true"
    finally:
        close_app(small)


def test_time_limit_stops_a_runaway_query(built_store_path: Path) -> None:
    """A query past the time limit is stopped (its worker killed) and the next query is answered at once."""
    from webapp import create_app
    from webapp.store import close_app

    slow = create_app({"TESTING": True, "STORE_PATH": str(built_store_path), "QUERY_TIMEOUT_S": 1.0,
                       "QUERY_WORKERS": 1})
    runaway = ("SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?a { ?s1 ?p1 ?o1 } GRAPH ?b { ?s2 ?p2 ?o2 } "
               "GRAPH ?c { ?s3 ?p3 ?o3 } }")
    try:
        client = slow.test_client()
        started = time.monotonic()
        response = client.get("/sparql", query_string={"query": runaway}, headers={"Accept": "application/json"})
        assert response.status_code == 503
        assert "limit" in response.get_json()["error"]
        assert time.monotonic() - started < 10
        after = client.get("/sparql", query_string={"query": "ASK {}"})
        assert after.status_code == 200
    finally:
        close_app(slow)


@pytest.mark.parametrize(
    ("text", "form", "update", "forbidden"),
    [
        ("PREFIX s: <http://x/select#> SELECT * {}", "select", False, []),
        ("# ASK in a comment\nCONSTRUCT WHERE { ?s ?p ?o }", "construct", False, []),
        ("INSERT DATA { <a> <b> 'SELECT' }", None, True, []),
        ("LOAD <http://example.org/x>", None, True, ["LOAD"]),
        ('SELECT * { ?s ?p "SERVICE" }', "select", False, []),
    ],
)
def test_guards(text: str, form, update: bool, forbidden: list[str]) -> None:
    """The query form, updates and forbidden keywords are read without being fooled by strings and comments."""
    assert query_form(text) == form
    assert looks_like_update(text) is update
    assert forbidden_keywords(text) == forbidden


def test_update_with_token(tmp_path: Path, built_store_path: Path) -> None:
    """With an update token, an authorised update runs and relative IRIs resolve against the endpoint."""
    import shutil

    from webapp import create_app
    from webapp.store import close_app

    store = tmp_path / "store"
    shutil.copytree(built_store_path, store)
    writable = create_app({"TESTING": True, "STORE_PATH": str(store), "UPDATE_TOKEN": "s3cret"})
    try:
        client = writable.test_client()
        update = "INSERT DATA { GRAPH <http://example.org/g> { <http://example.org/s> <http://example.org/p> <rel> } }"
        assert client.post("/sparql", data=update, content_type="application/sparql-update").status_code == 403
        ok = client.post("/sparql", data=update, content_type="application/sparql-update",
                         headers={"Authorization": "Bearer s3cret"})
        assert ok.status_code == 204
        result = client.get("/sparql", query_string={
            "query": "SELECT ?o WHERE { GRAPH <http://example.org/g> { ?s ?p ?o } }"}).get_json()
        assert result["results"]["bindings"][0]["o"]["value"].startswith("http://localhost/")
    finally:
        close_app(writable)
    assert json.dumps(result)


@pytest.mark.parametrize(
    ("update", "expected"),
    [
        pytest.param("INSERT { ?s a 1 } WHERE { ?s ?p ?o }", "INSERT { ?s a 1 } USING <g> WHERE { ?s ?p ?o }", id="insert"),
        pytest.param("INSERT DATA { <a> <b> <c> }", "INSERT DATA { <a> <b> <c> }", id="data-untouched"),
        pytest.param("DELETE { ?s ?p ?o } WHERE { ?s ?p ?o } ; INSERT DATA { <a> <b> 'WHERE' }",
                     "DELETE { ?s ?p ?o } USING <g> WHERE { ?s ?p ?o } ; INSERT DATA { <a> <b> 'WHERE' }",
                     id="two-operations"),
    ],
)
def test_using_graph_uri_reaches_the_update(update: str, expected: str) -> None:
    """The protocol's using-graph-uri becomes a USING clause of every DELETE/INSERT ... WHERE."""
    from webapp.guards import with_using

    assert with_using(update, ["g"], []) == expected
