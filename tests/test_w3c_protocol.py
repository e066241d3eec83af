"""The W3C SPARQL 1.1 Protocol test suite, run against /sparql through the Flask test client.

The tests are generated from the suite's manifest (tests/data/w3c-protocol/manifest.ttl, with its data files;
from the W3C rdf-tests repository, folder sparql/sparql11/protocol; licence in LICENSE.md beside them): one
test per ``mf:ProtocolTest``, named by the test's local name. Each ``ht:Request`` is sent as written (method,
path with its query string, headers, body encoded per ``cnt:characterEncoding``) and its ``ht:resp`` checked:
the status class (``mf:expectedStatus``), the result format (``mf:expectedFormat``: "boolean", "tabular" or
"RDF", parsed according to the response's content type), the boolean (``mf:expectedBoolean``), and the media
types a test names ("expect one of: ..." in its ``mf:name``).

Every test runs against the read-only app. Tests that perform updates (the update_* and bad_update_* tests
and any test whose requests carry an update) run a second time against an app with an update token, on a
fresh copy of the store, sending the token with every request: there they must pass as the W3C expects.
On the read-only app each of their update requests must be refused with a 4xx -- exactly 403 when the request
is a well-formed update request (a POST carrying exactly one update, as a UTF-8 form field or an
application/sparql-update body, which rdflib's parseUpdate accepts) -- and the test's later requests, which
would check the update's effect, are not sent.
"""
from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, urlsplit
from xml.etree import ElementTree

import pytest
from flask import Flask
from flask.testing import FlaskClient
from rdflib import RDF, RDFS, Graph, Literal, Namespace, URIRef
from rdflib.collection import Collection
from werkzeug.test import TestResponse

from tests.conftest import client_over_copy

DATA = Path(__file__).resolve().parent / "data" / "w3c-protocol"
MANIFEST = DATA / "manifest.ttl"
TOKEN = "test-token"

MF = Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#")
HT = Namespace("http://www.w3.org/2011/http#")
HTS = Namespace("http://www.w3.org/2011/http-statusCodes#")
CNT = Namespace("http://www.w3.org/2011/content#")
UT = Namespace("http://www.w3.org/2009/sparql/tests/test-update#")
RESULTS_NS = "{http://www.w3.org/2005/sparql-results#}"

FORM = "application/x-www-form-urlencoded"
QUERY_TYPE = "application/sparql-query"
UPDATE_TYPE = "application/sparql-update"

# Media types for the format names the manifest's test names use ("expect one of: XML, JSON, CSV, TSV").
NAMED_TYPES = {
    "XML": {"application/sparql-results+xml"},
    "JSON": {"application/sparql-results+json"},
    "CSV": {"text/csv"},
    "TSV": {"text/tab-separated-values"},
    "RDF/XML": {"application/rdf+xml"},
    "Turtle": {"text/turtle"},
    "N-Triples": {"application/n-triples", "text/plain"},
    "RDFa": {"text/html", "application/xhtml+xml"},
}
# The media types a result of each mf:expectedFormat may come in, when the test names none.
FORMAT_TYPES = {
    "boolean": NAMED_TYPES["XML"] | NAMED_TYPES["JSON"],
    "tabular": NAMED_TYPES["XML"] | NAMED_TYPES["JSON"] | NAMED_TYPES["CSV"] | NAMED_TYPES["TSV"],
    "RDF": NAMED_TYPES["RDF/XML"] | NAMED_TYPES["Turtle"] | NAMED_TYPES["N-Triples"] | NAMED_TYPES["RDFa"]
    | {"application/ld+json"},
}
RDFLIB_FORMATS = {"application/rdf+xml": "xml", "text/turtle": "turtle", "application/n-triples": "nt",
                  "text/plain": "nt", "application/ld+json": "json-ld"}
STATUS_CLASSES = {HTS.StatusCode2xx: 2, HTS.StatusCode3xx: 3, HTS.StatusCode4xx: 4, HTS.StatusCode5xx: 5}


@dataclass(frozen=True)
class HttpRequest:
    """One ht:Request of a protocol test and what its ht:resp expects."""

    method: str
    path: str
    headers: tuple[tuple[str, str], ...]
    text: str | None  # the body's characters (cnt:chars)
    encoding: str  # cnt:characterEncoding of the body
    status_classes: frozenset[int]  # 2 for hts:StatusCode2xx, ...
    result_format: str | None  # "boolean" | "tabular" | "RDF"
    boolean: bool | None

    @property
    def body(self) -> bytes | None:
        """The body as sent on the wire."""
        return None if self.text is None else self.text.encode(self.encoding)

    @property
    def content_type(self) -> str | None:
        """The Content-Type header given in the manifest, if any."""
        return next((value for name, value in self.headers if name.lower() == "content-type"), None)

    @property
    def media_type(self) -> str | None:
        """The Content-Type without its parameters, lower case."""
        return None if self.content_type is None else self.content_type.split(";")[0].strip().lower()

    @property
    def charset(self) -> str | None:
        """The Content-Type's charset parameter, lower case."""
        for part in (self.content_type or "").split(";")[1:]:
            key, _, value = part.partition("=")
            if key.strip().lower() == "charset":
                return value.strip().strip('"').lower()
        return None

    def url_params(self) -> dict[str, list[str]]:
        """The protocol parameters in the path's query string."""
        return parse_qs(urlsplit(self.path).query, keep_blank_values=True)

    def form_params(self) -> dict[str, list[str]]:
        """The parameters of a URL-encoded body (also without a media type, as some bad tests send it)."""
        if self.text is None or self.media_type not in (FORM, None):
            return {}
        return parse_qs(self.text, keep_blank_values=True)

    def carries_query(self) -> bool:
        """True when the request sends a query (parameter or application/sparql-query body)."""
        given = self.url_params().get("query") or self.form_params().get("query")
        return bool(given) or self.media_type == QUERY_TYPE

    def carries_update(self) -> bool:
        """True when the request sends an update (parameter or application/sparql-update body)."""
        given = self.url_params().get("update") or self.form_params().get("update")
        return bool(given) or self.media_type == UPDATE_TYPE

    def well_formed_update(self) -> str | None:
        """The update of a well-formed update request, or None.

        Well formed: a POST with exactly one update and no query, sent as a UTF-8 URL-encoded form or
        application/sparql-update body, whose text rdflib's SPARQL Update parser accepts.
        """
        from rdflib.plugins.sparql.parser import parseUpdate

        if self.method != "POST" or self.carries_query() or self.charset not in (None, "utf-8", "utf8"):
            return None
        updates = list(self.url_params().get("update", []))
        if self.media_type == FORM:
            updates += self.form_params().get("update", [])
        elif self.media_type == UPDATE_TYPE and self.text is not None:
            updates.append(self.text)
        else:
            return None
        if len(updates) != 1:
            return None
        try:
            parseUpdate(updates[0])
        except Exception:  # pyparsing's ParseException and friends
            return None
        return updates[0]


@dataclass(frozen=True)
class ProtocolTest:
    """One mf:ProtocolTest: its name, the data it needs, and its requests in order."""

    name: str  # the local name, e.g. "query_post_form"
    title: str  # mf:name
    graph_data: tuple[tuple[str, str], ...]  # (named graph IRI from rdfs:label, data file name)
    requests: tuple[HttpRequest, ...]

    @property
    def performs_updates(self) -> bool:
        """True for the update_* and bad_update_* tests and any test whose requests carry an update."""
        named = self.name.startswith(("update_", "bad_update_"))
        return named or any(r.carries_update() for r in self.requests)

    def named_media_types(self) -> set[str] | None:
        """The media types the test's name allows ("... (expect one of: XML, JSON)"), or None."""
        if "expect one of:" not in self.title:
            return None
        names = self.title.split("expect one of:", 1)[1].strip().rstrip(")").split(",")
        return set().union(*(NAMED_TYPES[name.strip()] for name in names))


def _local_name(node: URIRef) -> str:
    return str(node).rsplit("#", 1)[-1]


def _text(graph: Graph, subject: object, predicate: URIRef) -> str | None:
    value = graph.value(subject, predicate)  # type: ignore[arg-type]
    return None if value is None else str(value)


def _request(graph: Graph, node: object) -> HttpRequest:
    headers = []
    header_list = graph.value(node, HT.headers)  # type: ignore[arg-type]
    if header_list is not None:
        for header in Collection(graph, header_list):
            headers.append((str(graph.value(header, HT.fieldName)), str(graph.value(header, HT.fieldValue))))
    body = graph.value(node, HT.body)  # type: ignore[arg-type]
    response = graph.value(node, HT.resp)  # type: ignore[arg-type]
    boolean = graph.value(response, MF.expectedBoolean)
    return HttpRequest(
        method=str(graph.value(node, HT.methodName)),  # type: ignore[arg-type]
        path=str(graph.value(node, HT.absolutePath)),  # type: ignore[arg-type]
        headers=tuple(headers),
        text=None if body is None else _text(graph, body, CNT.chars),
        encoding=(None if body is None else _text(graph, body, CNT.characterEncoding)) or "UTF-8",
        status_classes=frozenset(STATUS_CLASSES[s] for s in graph.objects(response, MF.expectedStatus)),
        result_format=_text(graph, response, MF.expectedFormat),
        boolean=boolean.toPython() if isinstance(boolean, Literal) else None,
    )


def load_manifest(path: Path = MANIFEST) -> list[ProtocolTest]:
    """Every mf:ProtocolTest of the manifest, in the order of its mf:entries."""
    graph = Graph().parse(path, format="turtle")
    manifest = graph.value(predicate=RDF.type, object=MF.Manifest)
    tests = []
    for entry in Collection(graph, graph.value(manifest, MF.entries)):  # type: ignore[arg-type]
        if (entry, RDF.type, MF.ProtocolTest) not in graph:
            continue
        data = tuple(sorted(
            (str(graph.value(d, RDFS.label)), Path(urlsplit(str(graph.value(d, UT.graph))).path).name)
            for d in graph.objects(entry, UT.graphData)
        ))
        action = graph.value(entry, MF.action)
        request_list = Collection(graph, graph.value(action, HT.requests))  # type: ignore[arg-type]
        requests = tuple(_request(graph, r) for r in request_list)
        title = _text(graph, entry, MF.name) or ""
        tests.append(ProtocolTest(_local_name(entry), title, data, requests))  # type: ignore[arg-type]
    return tests


TESTS = load_manifest()
UPDATE_TESTS = [t for t in TESTS if t.performs_updates]


@pytest.fixture(scope="session")
def w3c_store_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store holding each ut:graphData file in the named graph its rdfs:label names (closed after)."""
    from kg.store import KGStore

    files: dict[str, str] = {}
    for test in TESTS:
        for label, name in test.graph_data:
            assert files.setdefault(label, name) == name, f"{test.name}: graph {label} has two data files"
    path = tmp_path_factory.mktemp("w3c-protocol") / "store"
    with KGStore(path) as store:
        store.replace_graphs({URIRef(label): Graph().parse(DATA / name, format="nt")
                              for label, name in files.items()})
    return path


@pytest.fixture(scope="session")
def read_only_app(w3c_store_path: Path) -> Iterator[Flask]:
    """The app over the W3C data, read-only (no update token)."""
    from webapp import create_app
    from webapp.store import close_app

    application = create_app({"TESTING": True, "STORE_PATH": str(w3c_store_path)})
    yield application
    close_app(application)


@pytest.fixture
def update_client(w3c_store_path: Path, tmp_path: Path) -> Iterator[FlaskClient]:
    """A test client of an app with an update token, over a fresh copy of the W3C data."""
    yield from client_over_copy(w3c_store_path, tmp_path, UPDATE_TOKEN=TOKEN)


def _excerpt(data: bytes | str | None, limit: int = 300) -> str:
    if data is None:
        return "(none)"
    text = data if isinstance(data, str) else data.decode("utf-8", "replace")
    text = " ".join(text.split())
    return repr(text if len(text) <= limit else text[:limit] + "...")


def _where(test: ProtocolTest, mode: str, index: int, request: HttpRequest, response: TestResponse) -> str:
    """Everything needed to understand a failure: which test, which request, what came back."""
    return (f"W3C {test.name} ({mode}), request {index + 1} of {len(test.requests)}: {request.method} "
            f"{request.path} [content-type {request.content_type or '(none)'}] body {_excerpt(request.text)} "
            f"-> HTTP {response.status_code} [{response.headers.get('Content-Type', '(none)')}] "
            f"body {_excerpt(response.get_data())}")


def _send(client: FlaskClient, request: HttpRequest, extra_headers: dict[str, str]) -> TestResponse:
    headers = [*request.headers, *extra_headers.items()]
    return client.open(request.path, method=request.method, headers=headers, data=request.body)


def _read_boolean(response: TestResponse, media_type: str, where: str) -> bool:
    body = response.get_data(as_text=True)
    if media_type == "application/sparql-results+json":
        value = json.loads(body).get("boolean")
    else:
        element = ElementTree.fromstring(response.get_data()).find(f"{RESULTS_NS}boolean")
        assert element is not None and element.text in ("true", "false"), f"{where}: no <boolean> in the XML"
        value = element.text == "true"
    assert isinstance(value, bool), f"{where}: the result has no boolean"
    return value


def _read_table(response: TestResponse, media_type: str, where: str) -> tuple[list[str], int]:
    """The variables and row count of a SELECT result, after checking it is well formed."""
    body = response.get_data(as_text=True)
    if media_type == "application/sparql-results+json":
        data = json.loads(body)
        names, rows = data["head"]["vars"], data["results"]["bindings"]
        assert all(set(row) <= set(names) for row in rows), f"{where}: bindings of undeclared variables"
        return names, len(rows)
    if media_type == "application/sparql-results+xml":
        root = ElementTree.fromstring(response.get_data())
        head, results = root.find(f"{RESULTS_NS}head"), root.find(f"{RESULTS_NS}results")
        assert head is not None and results is not None, f"{where}: the XML has no <head> and <results>"
        return ([v.get("name", "") for v in head.findall(f"{RESULTS_NS}variable")],
                len(results.findall(f"{RESULTS_NS}result")))
    delimiter = "," if media_type == "text/csv" else "\t"
    table = list(csv.reader(io.StringIO(body), delimiter=delimiter)) if delimiter == "," else \
        [line.split("\t") for line in body.splitlines()]
    assert table and table[0], f"{where}: no header row"
    assert all(len(row) == len(table[0]) for row in table), f"{where}: rows of different widths"
    names = table[0]
    if delimiter == "\t":
        assert all(name.startswith("?") for name in names), f"{where}: TSV variables must start with '?'"
        names = [name[1:] for name in names]
    return names, len(table) - 1


def _check_response(test: ProtocolTest, mode: str, index: int, request: HttpRequest,
                    response: TestResponse) -> None:
    """Check a response against its ht:resp: status class, media type, result format and boolean."""
    where = _where(test, mode, index, request, response)
    wanted = ", ".join(f"{c}xx" for c in sorted(request.status_classes))
    assert response.status_code // 100 in request.status_classes, f"{where}: expected a status in {wanted}"
    if request.result_format is None:
        return
    media_type = (response.mimetype or "").lower()
    allowed = test.named_media_types() or FORMAT_TYPES[request.result_format]
    assert media_type in allowed, f"{where}: expected one of the media types {sorted(allowed)}"
    if request.result_format == "boolean":
        value = _read_boolean(response, media_type, where)
        expected = request.boolean
        if expected is not None:
            assert value is expected, f"{where}: expected the boolean {str(expected).lower()}"
    elif request.result_format == "tabular":
        names, _rows = _read_table(response, media_type, where)
        assert all(names), f"{where}: empty variable name"
    else:
        assert media_type in RDFLIB_FORMATS, f"{where}: cannot check RDF sent as {media_type}"
        try:
            Graph().parse(data=response.get_data(as_text=True), format=RDFLIB_FORMATS[media_type])
        except Exception as error:  # rdflib's parsers raise many types
            pytest.fail(f"{where}: not readable as {media_type} ({error})")


def _check_refused(test: ProtocolTest, index: int, request: HttpRequest, response: TestResponse) -> None:
    """A read-only endpoint refuses an update: 403 for a well-formed update request, some 4xx otherwise."""
    where = _where(test, "read-only", index, request, response)
    if request.well_formed_update() is not None:
        assert response.status_code == 403, f"{where}: a well-formed update must be refused with 403"
    else:
        assert 400 <= response.status_code < 500, f"{where}: an update must be refused with a 4xx"


def test_manifest_is_read_whole() -> None:
    """Every manifest entry became a test, with at least one request and an expected status for each."""
    graph = Graph().parse(MANIFEST, format="turtle")
    declared = {_local_name(t) for t in graph.subjects(RDF.type, MF.ProtocolTest)}  # type: ignore[arg-type]
    assert {t.name for t in TESTS} == declared and len(TESTS) == len(declared) == 34
    assert all(t.requests and all(r.status_classes for r in t.requests) for t in TESTS)
    assert len(UPDATE_TESTS) == 14


@pytest.mark.parametrize("test", [pytest.param(t, id=t.name) for t in TESTS])
def test_read_only_endpoint(read_only_app: Flask, test: ProtocolTest) -> None:
    """A W3C protocol test against the read-only app: queries as the W3C expects, updates refused."""
    client = read_only_app.test_client()
    for index, request in enumerate(test.requests):
        response = _send(client, request, {})
        if test.performs_updates and not request.carries_query():
            _check_refused(test, index, request, response)
            return  # later requests would check the refused update's effect
        _check_response(test, "read-only", index, request, response)


@pytest.mark.parametrize("test", [pytest.param(t, id=t.name) for t in UPDATE_TESTS])
def test_endpoint_with_update_token(update_client: FlaskClient, test: ProtocolTest) -> None:
    """A W3C update test on an app with an update token (sent with every request): passes as W3C expects."""
    for index, request in enumerate(test.requests):
        response = _send(update_client, request, {"Authorization": f"Bearer {TOKEN}"})
        _check_response(test, "with update token", index, request, response)
