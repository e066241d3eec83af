"""/sparql in words: syntax errors naming their line and column, the predeclared prefixes, refused updates."""
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from rdflib import RDF, SH, XSD, Graph, Literal, URIRef

from kg.namespaces import PREFIXES
from tests.conftest import client_over_copy
from webapp.sparql import READ_ONLY

FORM = "application/x-www-form-urlencoded"
BROKEN = "SELECT ?case WHERE {\n  ?case imr:caseNumber ?n .\n  OPTINAL { ?case imr:decisionDate ?d }\n}"
#: The engine's words, which must not reach a reader: character classes, "any character", its own place.
ENGINE_NOISE = ("[_]", "[a-zA-Z", "'A' ..=", "\\u{", "error at")
TOKEN = "s3cret"


@pytest.fixture
def writable(tmp_path: Path, built_store_path: Path) -> Iterator[FlaskClient]:
    """A client of an app with an update token, over a copy of the bundled letters' store."""
    yield from client_over_copy(built_store_path, tmp_path, UPDATE_TOKEN=TOKEN)


def test_syntax_error_names_line_column_and_token(client: FlaskClient) -> None:
    """A query that does not parse: 400, and the JSON answer names the line, column and token, in words."""
    response = client.post("/sparql", data={"query": BROKEN}, content_type=FORM,
                           headers={"Accept": "application/json"})
    assert response.status_code == 400
    data = response.get_json()
    assert (data["line"], data["column"], data["token"]) == (3, 3, "OPTINAL")
    assert data["error"].startswith("The query is not valid SPARQL. Line 3, column 3: unexpected 'OPTINAL'")
    assert "did you mean OPTIONAL?" in data["error"]
    assert not any(noise in data["error"] for noise in ENGINE_NOISE), data["error"]


@pytest.mark.parametrize("accept", ["text/plain", "*/*", None])
def test_syntax_error_in_plain_text_keeps_the_protocol(client: FlaskClient, accept: str | None) -> None:
    """A protocol client gets the same sentence with the 400, whatever it accepts."""
    headers = {"Accept": accept} if accept else {}
    response = client.post("/sparql", data="SELECT * WHERE { ?s ?p ?o . % }",
                           content_type="application/sparql-query", headers=headers)
    assert response.status_code == 400
    body = response.get_data(as_text=True)
    assert "Line 1, column 29: unexpected '%'" in body
    assert not any(noise in body for noise in ENGINE_NOISE), body


def test_unknown_prefix_names_the_predeclared_ones(client: FlaskClient) -> None:
    """An undeclared prefix is named, with the prefixes the endpoint predeclares."""
    response = client.get("/sparql", query_string={"query": "SELECT * WHERE { ?s nope:p ?o }"},
                          headers={"Accept": "application/json"})
    assert response.status_code == 400
    message = response.get_json()["error"]
    assert "Line 1, column 21: unknown prefix 'nope:'" in message
    assert "imr, rdf, rdfs" in message and "icd10cm" in message


def test_query_without_a_form_is_placed(client: FlaskClient) -> None:
    """A text with no SELECT/ASK/CONSTRUCT/DESCRIBE is refused before it runs, with the misspelt word named."""
    response = client.get("/sparql", query_string={"query": "SELEC ?n WHERE { ?c imr:caseNumber ?n }"},
                          headers={"Accept": "application/json"})
    assert response.status_code == 400
    data = response.get_json()
    assert (data["line"], data["column"], data["token"]) == (1, 1, "SELEC")
    assert "did you mean SELECT?" in data["error"]


def test_project_prefixes_are_predeclared(client: FlaskClient) -> None:
    """imr: and skos: work without PREFIX lines and give what the full IRIs give; a PREFIX line still wins."""
    short = client.get("/sparql", query_string={"query": "SELECT ?n WHERE { ?c imr:caseNumber ?n } ORDER BY ?n"})
    full = client.get("/sparql", query_string={
        "query": f"SELECT ?n WHERE {{ ?c <{PREFIXES['imr']}caseNumber> ?n }} ORDER BY ?n"})
    assert short.status_code == full.status_code == 200
    rows = short.get_json()["results"]["bindings"]
    assert len(rows) == 14 and rows == full.get_json()["results"]["bindings"]
    concepts = client.get("/sparql", query_string={"query": "ASK { ?c a skos:Concept ; skos:prefLabel ?l }"})
    assert concepts.get_json()["boolean"] is True
    redeclared = client.get("/sparql", query_string={
        "query": "PREFIX imr: <http://example.org/none#> ASK { ?c imr:caseNumber ?n }"})
    assert redeclared.get_json()["boolean"] is False


def test_service_description_declares_the_prefixes(client: FlaskClient) -> None:
    """The service description lists every predeclared prefix as a SHACL prefix declaration, and says so."""
    response = client.get("/sparql", headers={"Accept": "text/turtle"})
    graph = Graph().parse(data=response.get_data(as_text=True), format="turtle")
    service = next(graph.subjects(RDF.type, URIRef("http://www.w3.org/ns/sparql-service-description#Service")))
    declared = {}
    for declaration in graph.objects(service, SH.declare):
        assert (declaration, RDF.type, SH.PrefixDeclaration) in graph
        namespace = graph.value(declaration, SH.namespace)
        assert isinstance(namespace, Literal) and namespace.datatype == XSD.anyURI
        declared[str(graph.value(declaration, SH.prefix))] = str(namespace)
    assert declared == PREFIXES
    comments = [str(c) for c in graph.objects(service, URIRef("http://www.w3.org/2000/01/rdf-schema#comment"))]
    assert any("predeclared" in c for c in comments)


def test_update_on_a_read_only_endpoint_says_what_to_do(client: FlaskClient) -> None:
    """A well-formed update to a read-only server: 403 and the sentence saying it is read-only and how to change
    that; the same update sent as a query: 400, saying it is an update and that this server takes none."""
    update = "INSERT DATA { <http://example.org/s> <http://example.org/p> 1 }"
    for kwargs in ({"data": {"update": update}, "content_type": FORM},
                   {"data": update, "content_type": "application/sparql-update"}):
        response = client.post("/sparql", headers={"Accept": "application/json"}, **kwargs)
        assert response.status_code == 403
        assert response.get_json()["error"] == READ_ONLY
    assert "started read-only" in READ_ONLY and "--update-token" in READ_ONLY
    as_query = client.post("/sparql", data={"query": update}, content_type=FORM, headers={"Accept": "text/plain"})
    assert as_query.status_code == 400
    text = as_query.get_data(as_text=True)
    assert "This is an update, not a query" in text and "started read-only" in text


def test_malformed_update_is_placed(client: FlaskClient) -> None:
    """An update that does not parse: 400 naming its line and column, before any token is asked for."""
    response = client.post("/sparql", data={"update": "INSERT DATA { <http://a> <http://b> 1 } ;\nDELET DATA { }"},
                           content_type=FORM, headers={"Accept": "application/json"})
    assert response.status_code == 400
    data = response.get_json()
    assert (data["line"], data["column"], data["token"]) == (2, 1, "DELET")
    assert data["error"].startswith("The update is not valid SPARQL. Line 2, column 1:")


def test_update_token_mistakes_are_told_apart(writable: FlaskClient) -> None:
    """On a server with an update token: no token and a wrong token get different sentences (both 403)."""
    update = "INSERT DATA { GRAPH <http://example.org/g> { <http://example.org/s> <http://example.org/p> 1 } }"
    missing = writable.post("/sparql", data=update, content_type="application/sparql-update",
                            headers={"Accept": "application/json"})
    wrong = writable.post("/sparql", data=update, content_type="application/sparql-update",
                          headers={"Accept": "application/json", "Authorization": "Bearer nope"})
    assert missing.status_code == wrong.status_code == 403
    assert "carries no update token" in missing.get_json()["error"]
    assert "token is wrong" in wrong.get_json()["error"]
    as_query = writable.post("/sparql", data={"query": update}, content_type=FORM, headers={"Accept": "text/plain"})
    assert as_query.status_code == 400 and "read-only" not in as_query.get_data(as_text=True)


def test_updates_use_the_predeclared_prefixes(writable: FlaskClient) -> None:
    """An update may use imr: without a PREFIX line; its syntax errors name line and column too."""
    auth = {"Authorization": f"Bearer {TOKEN}", "Accept": "application/json"}
    update = "INSERT DATA { GRAPH <http://example.org/g> { case:X imr:caseNumber \"X-1\" } }"
    assert writable.post("/sparql", data=update, content_type="application/sparql-update",
                         headers=auth).status_code == 204
    found = writable.get("/sparql", query_string={
        "query": "SELECT ?c WHERE { GRAPH <http://example.org/g> { ?c imr:caseNumber \"X-1\" } }"}).get_json()
    assert [row["c"]["value"] for row in found["results"]["bindings"]] == [PREFIXES["case"] + "X"]
    broken = writable.post("/sparql", data="DELETE DATA {\n  GRAPH <http://example.org/g> { nope:a nope:b 1 }\n}",
                           content_type="application/sparql-update", headers=auth)
    assert broken.status_code == 400
    data = broken.get_json()
    assert (data["line"], data["column"], data["token"]) == (2, 34, "nope:a")
    assert "unknown prefix 'nope:'" in data["error"]
