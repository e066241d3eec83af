"""A store on an existing SPARQL 1.1 server, with the operations of :class:`kg.store.KGStore` the tools need.

``RemoteStore(url)`` takes the server's *base* URL and finds its three endpoints under it, in the layout of
Oxigraph server (``oxigraph serve``): ``URL/query`` (SPARQL Protocol), ``URL/update`` (SPARQL Update) and
``URL/store?graph=IRI`` (Graph Store HTTP Protocol). Servers with another layout name their endpoints with
the ``query=``, ``update=`` and ``gsp=`` arguments (or the KG_REMOTE_QUERY, KG_REMOTE_UPDATE and KG_REMOTE_GSP
environment variables), each an absolute URL or a path relative to the base ("." for the base itself).
KG_REMOTE_TOKEN, when set, is sent as an ``Authorization: Bearer`` header with every request.

Named graphs are written through the Graph Store Protocol: PUT replaces a graph, POST adds to it, DELETE drops
it. A letter's two graphs are replaced together by one SPARQL Update (one transaction on the server); larger
replacements go graph by graph, and a build interrupted half-way through one is completed by running it
again. Store-level facts (the pipeline fingerprint) are kept as triples in the ``graph/meta`` named graph. Requests that fail to connect are retried with
back-off (KG_REMOTE_RETRIES times, default 4: after 0.5, 1, 2 and 4 seconds); a server that stays down, or
refuses a request, raises :class:`kg.errors.KGError` with one line naming the URL.

Oxigraph server answers a query it cancels at its time limit with ``200`` and the text "The SPARQL operation
has been cancelled" in the body, so every answer is read whole and checked before it is parsed.

Queries and updates are sent with the project's prefixes declared in a prologue before the caller's text. A
syntax error the server reports as Oxigraph does ("error at LINE:COLUMN: ...") is raised as
:class:`RemoteSyntaxError`, a ``SyntaxError`` as pyoxigraph raises, with the line counted in the caller's text.
"""
from __future__ import annotations

import json
import os
import re
import socket
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import IO, Any

import pyoxigraph as ox
from rdflib import Graph, URIRef

from kg.errors import KGError
from kg.namespaces import GRAPH, PREFIXES, sparql_prologue
from kg.rdf.formats import RDF_FORMATS
from kg.store import _python, check_ntriples, count_triples, graph_update, read_rdf_file

META_GRAPH = GRAPH["meta"]
META_SUBJECT = "https://w3id.org/imr-kg/store"
META_PREDICATE = "https://w3id.org/imr-kg/meta#"
CANCELLED = b"The SPARQL operation has been cancelled"
_RESULTS_JSON = "application/sparql-results+json"
_ONE_UPDATE_BYTES = 2_000_000  # larger replacements go graph by graph
_NT = RDF_FORMATS["ntriples"].media_type
_ENGINE_ERROR = re.compile(r"error at (\d+):(\d+): (.*)", re.DOTALL)


def _default_retries() -> tuple[float, ...]:
    """Waits between attempts: KG_REMOTE_RETRIES retries (default 4), from half a second, doubling."""
    try:
        count = max(0, int(os.environ.get("KG_REMOTE_RETRIES", "4")))
    except ValueError:
        count = 4
    return tuple(0.5 * 2 ** n for n in range(count))


def is_url(spec: object) -> bool:
    """Whether a ``--store`` value names a SPARQL server (http or https URL) rather than a folder."""
    return isinstance(spec, str) and spec.lower().startswith(("http://", "https://"))


class RemoteTriples:
    """The triples a CONSTRUCT or DESCRIBE query answered, as N-Triples text read from the server."""

    def __init__(self, ntriples: bytes) -> None:
        self.ntriples = ntriples

    def __iter__(self) -> Any:
        return (quad.triple for quad in ox.parse(self.ntriples, ox.RdfFormat.N_TRIPLES))

    def serialize(self, stream: IO[bytes], fmt: ox.RdfFormat) -> None:
        """Write the triples in an RDF format (the project's prefixes bound where the format has them)."""
        prefixes = PREFIXES if fmt in (ox.RdfFormat.TURTLE, ox.RdfFormat.TRIG) else None
        ox.serialize(ox.parse(self.ntriples, ox.RdfFormat.N_TRIPLES), stream, fmt, prefixes=prefixes)


class RemoteStore:
    """A SPARQL 1.1 server used as the store (see the module's description for the URL it takes)."""

    def __init__(self, url: str, query: str | None = None, update: str | None = None, gsp: str | None = None,
                 timeout: float = 300.0, retries: Iterable[float] | None = None, check: bool = True) -> None:
        self.url = url.rstrip("/")
        self.query_url = self._endpoint(query, "KG_REMOTE_QUERY", "query")
        self.update_url = self._endpoint(update, "KG_REMOTE_UPDATE", "update")
        self.gsp_url = self._endpoint(gsp, "KG_REMOTE_GSP", "store")
        token = os.environ.get("KG_REMOTE_TOKEN")
        self._auth = {"Authorization": f"Bearer {token}"} if token else {}
        self.timeout = timeout
        self.retries = tuple(retries) if retries is not None else _default_retries()
        self.read_only = False
        self._prologue = sparql_prologue()
        if check:
            self.select("SELECT * WHERE { } LIMIT 1")

    # -- plumbing ---------------------------------------------------------------------------------------------

    def _endpoint(self, given: str | None, variable: str, default: str) -> str:
        """An endpoint's URL: absolute, or relative to the base URL ("." is the base URL itself)."""
        name = given or os.environ.get(variable) or default
        return self.url if name in (".", "/") else urllib.parse.urljoin(self.url + "/", name)

    def _request(self, method: str, url: str, body: bytes | None = None, headers: dict[str, str] | None = None,
                 missing_ok: bool = False, retry_sent: bool = True) -> tuple[int, str, bytes]:
        """Send one request and read its answer whole; (status, content type, body).

        Connection failures are retried with back-off; ``retry_sent=False`` retries only when the connection
        was refused (the server never saw the request), for requests that must not be applied twice.
        """
        waits = list(self.retries)
        while True:
            request = urllib.request.Request(url, data=body, method=method,
                                             headers={"Connection": "close", **self._auth, **(headers or {})})
            try:
                with urllib.request.urlopen(request, timeout=self.timeout) as answer:
                    data = answer.read()
                    status, kind = answer.status, answer.headers.get_content_type()
            except urllib.error.HTTPError as error:
                if missing_ok and error.code == 404:
                    return 404, "", b""
                if error.code in (502, 503, 504) and waits and retry_sent:
                    time.sleep(waits.pop(0))
                    continue
                answer_text = error.read().decode("utf-8", "replace").strip()
                said = answer_text.splitlines()[0][:300] if answer_text else error.reason
                raise _Refused(f"{self.url}: the SPARQL server refused {method} {_short(url)} "
                               f"(HTTP {error.code}: {said})", error.code, answer_text) from None
            except (urllib.error.URLError, ConnectionError, socket.timeout, TimeoutError, OSError) as error:
                reason = getattr(error, "reason", None) or error
                refused = isinstance(reason, ConnectionRefusedError)
                if waits and (retry_sent or refused):
                    time.sleep(waits.pop(0))
                    continue
                raise KGError(f"{self.url}: the SPARQL server cannot be reached ({_reason(reason)})") from None
            if CANCELLED in data[-200:]:
                raise KGError(f"{self.url}: the SPARQL server cancelled the request (its time limit)")
            return status, kind, data

    def _graph_url(self, name: str | URIRef) -> str:
        return f"{self.gsp_url}?{urllib.parse.urlencode({'graph': str(name)})}"

    def _query(self, sparql: str, union: bool = False, dataset: list[tuple[str, str]] | None = None,
               base_iri: str | None = None) -> tuple[str, bytes]:
        head = (f"BASE <{base_iri}>\n" if base_iri else "") + self._prologue
        fields = [("query", head + sparql), *(dataset or [])]
        if union and not dataset:
            fields.append(("union-default-graph", ""))  # Oxigraph server's switch; other servers ignore it
        with _syntax_errors(head):
            _, kind, data = self._request(
                "POST", self.query_url, urllib.parse.urlencode(fields).encode("utf-8"),
                {"Content-Type": "application/x-www-form-urlencoded", "Accept": f"{_RESULTS_JSON}, {_NT};q=0.9"})
        return kind, data

    # -- the store's operations -------------------------------------------------------------------------------

    def close(self) -> None:
        """Nothing is held open between requests."""

    def __enter__(self) -> RemoteStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def query(self, sparql: str, use_default_graph_as_union: bool = False, base_iri: str | None = None,
              default_graph: list[Any] | None = None, named_graphs: list[Any] | None = None) -> Any:
        """Run a SPARQL query with the project's prefixes predeclared: solutions or a boolean as pyoxigraph
        parses them, triples as :class:`RemoteTriples`. The keywords are those of ``pyoxigraph.Store.query``;
        a dataset (``default_graph``, ``named_graphs``: lists of graph IRIs) goes to the server as the
        protocol's ``default-graph-uri`` and ``named-graph-uri``."""
        dataset = [("default-graph-uri", getattr(g, "value", str(g))) for g in default_graph or []]
        dataset += [("named-graph-uri", getattr(g, "value", str(g))) for g in named_graphs or []]
        kind, data = self._query(sparql, union=use_default_graph_as_union, dataset=dataset, base_iri=base_iri)
        if kind in (_NT, "text/plain", "application/n-quads", "text/turtle"):
            if kind == "text/turtle":
                data = ox.serialize(ox.parse(data, ox.RdfFormat.TURTLE), format=ox.RdfFormat.N_TRIPLES) or b""
            return RemoteTriples(data)
        try:
            return ox.parse_query_results(data, ox.QueryResultsFormat.JSON)
        except (SyntaxError, ValueError) as error:
            raise KGError(f"{self.url}: the SPARQL server's answer could not be read ({error})") from None

    def select(self, sparql: str) -> list[dict[str, Any]]:
        """A SELECT query's rows as dicts of Python values (strings, ints, floats, None)."""
        solutions = self.query(sparql)
        if not isinstance(solutions, ox.QuerySolutions):
            raise KGError(f"{self.url}: expected SELECT results from the SPARQL server")
        names = [v.value for v in solutions.variables]
        return [{n: _python(row[n]) for n in names} for row in solutions]

    def update(self, sparql: str, base_iri: str | None = None) -> None:
        """Run a SPARQL Update with the project's prefixes predeclared."""
        head = (f"BASE <{base_iri}>\n" if base_iri else "") + self._prologue
        with _syntax_errors(head):
            self._request("POST", self.update_url, (head + sparql).encode("utf-8"),
                          {"Content-Type": "application/sparql-update; charset=utf-8"})

    def put_graph(self, name: str | URIRef, ntriples: str) -> None:
        """Replace a named graph by N-Triples text (Graph Store Protocol PUT)."""
        self._request("PUT", self._graph_url(name), ntriples.encode("utf-8"),
                      {"Content-Type": f"{_NT}; charset=utf-8"})

    def post_graph(self, name: str | URIRef, ntriples: str) -> None:
        """Add N-Triples text to a named graph (Graph Store Protocol POST)."""
        self._request("POST", self._graph_url(name), ntriples.encode("utf-8"),
                      {"Content-Type": f"{_NT}; charset=utf-8"}, retry_sent=False)

    def drop_graph(self, name: str | URIRef) -> None:
        """Drop a named graph, if it is there (Graph Store Protocol DELETE)."""
        self._request("DELETE", self._graph_url(name), missing_ok=True)

    def graph_nt(self, name: str | URIRef) -> str:
        """A named graph's triples as N-Triples text (Graph Store Protocol GET; empty when it is not there)."""
        status, kind, data = self._request("GET", self._graph_url(name), headers={"Accept": _NT}, missing_ok=True)
        if status == 404:
            return ""
        if kind == "text/turtle":
            data = ox.serialize(ox.parse(data, ox.RdfFormat.TURTLE), format=ox.RdfFormat.N_TRIPLES) or b""
        return data.decode("utf-8")

    def replace_nt(self, graphs: dict[str, str | None]) -> None:
        """Replace each named graph by N-Triples text (None or empty: drop it). Several graphs of moderate size (a
        letter and its report) go in one SPARQL Update, which the server runs as one transaction; a large graph
        (the vocabularies) goes by one Graph Store request each."""
        if len(graphs) > 1 and sum(len(nt or "") for nt in graphs.values()) < _ONE_UPDATE_BYTES:
            self.update(graph_update(graphs))
            return
        for name, nt in graphs.items():
            if nt is None or not nt.strip():
                self.drop_graph(name)
            else:
                self.put_graph(name, nt)

    def replace_graphs(self, graphs: dict[URIRef, Graph | None]) -> None:
        """Replace each named graph by an rdflib graph's triples (None: drop it)."""
        self.replace_nt({str(name): None if graph is None else graph.serialize(format="nt")
                         for name, graph in graphs.items()})

    def add_new(self, items: list[tuple[str, str]]) -> None:
        """Add named graphs not in the store yet, as (graph IRI, N-Triples text)."""
        for name, nt in items:
            if nt.strip():
                self.post_graph(name, nt)

    def index(self, letters: list[dict[str, Any]], removed: list[str]) -> None:
        """A remote store keeps no item index here: pages over it count with SPARQL."""

    def item_index(self) -> None:
        """None: the item index lives beside a local store only."""
        return None

    def bulk_add(self, items: Iterable[tuple[URIRef, Graph | str]]) -> None:
        """Add new named graphs, as rdflib graphs or N-Triples text."""
        self.add_new([(str(name), graph if isinstance(graph, str) else graph.serialize(format="nt"))
                      for name, graph in items])

    def load_file(self, path: str | os.PathLike[str], graph: URIRef) -> int:
        """Load any RDF file into the named graph ``graph``, replacing what it held; returns its triple count."""
        parsed = read_rdf_file(path)
        nt = parsed.serialize(format="nt")
        check_ntriples(nt, str(path))
        self.replace_nt({str(graph): nt})
        return len(parsed)

    def has_graph(self, name: URIRef) -> bool:
        """Whether the named graph exists (holds a triple)."""
        result = self.query(f"ASK {{ GRAPH <{name}> {{ ?s ?p ?o }} }}")
        return bool(result)

    def named_graphs(self) -> list[str]:
        """IRIs of every named graph."""
        return sorted(str(row["g"]) for row in self.select("SELECT DISTINCT ?g WHERE { GRAPH ?g { } }"))

    def triple_count(self, graph: URIRef | None = None) -> int:
        """Number of quads, in one named graph or in the whole store (default graph and named graphs)."""
        return count_triples(self.select, graph)

    def dump(self, stream: IO[bytes], fmt: str) -> None:
        """Write the store in one of :data:`kg.rdf.formats.RDF_FORMATS`: the dataset formats keep the named
        graphs, the triple formats merge them."""
        target = RDF_FORMATS[fmt]
        if target.keeps_graphs:
            quads = []
            for name in self.named_graphs():
                graph = ox.NamedNode(name)
                quads += [ox.Quad(t.subject, t.predicate, t.object, graph)
                          for t in ox.parse(self.graph_nt(name).encode("utf-8"), ox.RdfFormat.N_TRIPLES,
                                            rename_blank_nodes=True)]
            ox.serialize(quads, stream, target.oxigraph, prefixes=PREFIXES if fmt == "trig" else None)
            return
        union = self.query("CONSTRUCT { ?s ?p ?o } WHERE { { ?s ?p ?o } UNION { GRAPH ?g { ?s ?p ?o } } }")
        assert isinstance(union, RemoteTriples)
        union.serialize(stream, target.oxigraph)

    def meta(self) -> dict[str, Any]:
        """Store-level facts (pipeline fingerprint), kept as triples in the ``graph/meta`` named graph."""
        rows = self.select(f"SELECT ?p ?value WHERE {{ GRAPH <{META_GRAPH}> {{ <{META_SUBJECT}> ?p ?value }} }}")
        values = {}
        for row in rows:
            key = str(row["p"])
            if key.startswith(META_PREDICATE):
                try:
                    values[key[len(META_PREDICATE):]] = json.loads(str(row["value"]))
                except ValueError:
                    continue
        return values

    def set_meta(self, values: dict[str, Any]) -> None:
        """Record store-level facts in the ``graph/meta`` named graph (replacing it)."""
        merged = {**self.meta(), **values}
        lines = [f"<{META_SUBJECT}> <{META_PREDICATE}{urllib.parse.quote(key, safe='')}> "
                 f"{_nt_string(json.dumps(value))} ." for key, value in sorted(merged.items())]
        self.put_graph(META_GRAPH, "\n".join(lines) + "\n")


class _Refused(KGError):
    """The server answered with an error status; ``body`` is what it said."""

    def __init__(self, message: str, status: int, body: str) -> None:
        super().__init__(message)
        self.status = status
        self.body = body


class RemoteSyntaxError(KGError, SyntaxError):
    """The server found the query or update not valid SPARQL: a SyntaxError as pyoxigraph's, and a KGError."""


@contextmanager
def _syntax_errors(head: str) -> Iterator[None]:
    """Raise a server's syntax error (Oxigraph's "error at LINE:COLUMN: ...", answered with 400) as pyoxigraph's
    SyntaxError does, its line counted in the text the caller gave, without the ``head`` sent before it."""
    try:
        yield
    except _Refused as refused:
        found = _ENGINE_ERROR.match(refused.body) if refused.status == 400 else None
        if found is None:
            raise
        line = int(found.group(1)) - head.count("\n")
        if line < 1:
            raise
        raise RemoteSyntaxError(f"error at {line}:{found.group(2)}: {found.group(3)}") from None


def _nt_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r") + '"'


def _short(url: str) -> str:
    parts = urllib.parse.urlsplit(url)
    return parts.path + ("?" + urllib.parse.unquote(parts.query) if parts.query else "")


def _reason(reason: object) -> str:
    if isinstance(reason, ConnectionRefusedError):
        return "connection refused"
    if isinstance(reason, (socket.timeout, TimeoutError)):
        return "timed out"
    text = str(getattr(reason, "strerror", None) or reason)
    return text.splitlines()[0] if text else type(reason).__name__
