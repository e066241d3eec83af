"""The SPARQL 1.1 Protocol endpoint: GET, form POST and direct POST; results in the format asked for.

Queries run in killable worker processes with a time limit and a row limit; SERVICE and LOAD are
refused before anything runs; FROM / FROM NAMED and the dataset parameters only select graphs that
are in the store. The project's prefixes (kg.namespaces.PREFIXES) are predeclared for queries and updates.
A text that is not valid SPARQL gets a 400 naming the line, column and token where it went wrong
(kg.sparql_errors). Updates are refused (403, with what to do) unless the server was given an update token
and the request carries it as a bearer token.
"""
from __future__ import annotations

import hmac
from typing import NoReturn
from urllib.parse import parse_qs

from flask import Blueprint, Response, abort, current_app, redirect, request
from werkzeug.wrappers import Response as BaseResponse

from kg.rdf.formats import RDF_FORMATS, accepted
from kg.sparql_errors import explain
from webapp.errors import BadRequestAt
from webapp.execute import GRAPH_FORMATS, SELECT_TYPES
from webapp.guards import (forbidden_keywords, looks_like_update, names_dataset, names_update_dataset, query_form,
                           with_using)
from webapp.runner import QueryFailed, QueryTimeout, Request
from webapp.service import service_description
from webapp.store import get_runner

bp = Blueprint("sparql", __name__)

#: What the ``format`` parameter takes: the formats' names, the RDF formats' file suffixes, and two more.
FORMAT_NAMES = {**{k: k for k in (*SELECT_TYPES, *GRAPH_FORMATS)},
                **{RDF_FORMATS[k].suffix[1:]: k for k in GRAPH_FORMATS}, "json-ld": "jsonld", "text": "tsv"}
SELECT_ACCEPT = {
    "application/sparql-results+json": "json", "application/json": "json", "application/sparql-results+xml": "xml",
    "application/xml": "xml", "text/xml": "xml", "text/csv": "csv", "text/tab-separated-values": "tsv",
}
GRAPH_ACCEPT = accepted(GRAPH_FORMATS, also={"turtle": ["application/x-turtle"], "ntriples": ["text/plain"],
                                              "jsonld": ["application/json"], "rdfxml": ["application/xml"]})
_DOWNLOAD_SUFFIX = {**{k: k for k in SELECT_TYPES}, **{k: RDF_FORMATS[k].suffix[1:] for k in GRAPH_FORMATS}}
#: The formats the service description is served in; the first is the default.
_DESCRIPTION_FORMATS = ("turtle", "jsonld", "rdfxml", "ntriples")
#: What a read-only server says to an update.
READ_ONLY = ("This server was started read-only: it does not accept SPARQL updates. To change the data, start "
             "it with an update token (kg serve --update-token SECRET, or the KG_UPDATE_TOKEN setting) and send "
             "each update with the header 'Authorization: Bearer SECRET'.")


@bp.route("/sparql", methods=["GET", "POST", "OPTIONS"], strict_slashes=False)
def endpoint() -> BaseResponse:
    """Answer one SPARQL protocol request."""
    if request.method == "OPTIONS":
        return Response(status=204)
    params, body_operation = _read_request()
    queries, updates = params.get("query", []), params.get("update", [])
    if body_operation is not None:
        kind, text = body_operation
        (queries if kind == "query" else updates).append(text)
    if len(queries) + len(updates) > 1:
        abort(400, "Give exactly one query (or one update) per request.")
    if updates:
        return _update(updates[0], params)
    if not queries:
        return _description()
    return _query(queries[0], params)


def _read_request() -> tuple[dict[str, list[str]], tuple[str, str] | None]:
    """Protocol parameters (URL and form) and the operation sent directly in the body, if any."""
    params = {k: list(v) for k, v in parse_qs(request.query_string.decode("utf-8", "replace"),
                                              keep_blank_values=True).items()}
    if request.method != "POST":
        return params, None
    media_type = (request.mimetype or "").lower()
    charset = (request.mimetype_params.get("charset") or "utf-8").lower()
    if charset not in ("utf-8", "utf8"):
        abort(400, f"The request body must be UTF-8 encoded, not {charset}.")
    raw = request.get_data(cache=True)
    try:
        body = raw.decode("utf-8")
    except UnicodeDecodeError:
        abort(400, "The request body is not valid UTF-8.")
    if media_type == "application/x-www-form-urlencoded":
        for key, values in parse_qs(body, keep_blank_values=True).items():
            params.setdefault(key, []).extend(values)
        return params, None
    if media_type == "application/sparql-query":
        return params, ("query", body)
    if media_type == "application/sparql-update":
        return params, ("update", body)
    abort(415, "Send a query as application/sparql-query, an update as application/sparql-update, or either "
               "as an application/x-www-form-urlencoded form.")
    raise AssertionError("unreachable")


def _query(text: str, params: dict[str, list[str]]) -> Response:
    config = current_app.config
    if len(text) > config["MAX_QUERY_CHARS"]:
        abort(413, f"The query is longer than the {config['MAX_QUERY_CHARS']} character limit.")
    if looks_like_update(text):
        advice = "" if config["UPDATE_TOKEN"] else " " + READ_ONLY
        abort(400, "This is an update, not a query: send it as 'update' (a field of a POST form, or an "
                   f"application/sparql-update body).{advice}")
    refused = forbidden_keywords(text)
    if refused:
        abort(403, f"{' and '.join(refused)} is not allowed here: this endpoint never fetches data from other "
                   "servers or files.")
    form = query_form(text)
    if form is None:
        _not_valid(text, None, "query")
    fmt = _result_format(form, params)
    sparql_request = Request(
        kind="query", text=text, result_format=fmt,
        default_graphs=params.get("default-graph-uri", []), named_graphs=params.get("named-graph-uri", []),
        union_default_graph=bool(config["UNION_DEFAULT_GRAPH"]) and not names_dataset(text), max_rows=int(config["MAX_ROWS"]),
        base_iri=request.base_url,
    )
    answer = _run(sparql_request)
    # Text formats say their encoding; the JSON and XML formats are UTF-8 by definition.
    charset = "; charset=utf-8" if answer.media_type.startswith("text/") else ""
    response = Response(answer.body, content_type=answer.media_type + charset)
    response.headers["X-SPARQL-Truncated"] = "true" if answer.truncated else "false"
    response.headers["X-SPARQL-Rows"] = str(answer.rows)
    response.headers["Vary"] = "Accept"
    wants_file = params.get("download", [""])[0] in ("1", "true") or (params.get("format") and fmt != "json")
    if wants_file:
        response.headers["Content-Disposition"] = f'attachment; filename="results.{_DOWNLOAD_SUFFIX[fmt]}"'
    return response


def _result_format(form: str, params: dict[str, list[str]]) -> str:
    graph = form in ("construct", "describe")
    allowed = GRAPH_FORMATS if graph else tuple(SELECT_TYPES)
    if params.get("format"):
        wanted = FORMAT_NAMES.get(params["format"][0].lower())
        if form == "ask" and wanted in ("csv", "tsv"):
            wanted = "json"  # booleans have no CSV/TSV form
        if wanted is None or wanted not in allowed:
            abort(400, f"Format '{params['format'][0]}' does not fit a {form.upper()} query; use one of: "
                       f"{', '.join(allowed)}.")
        return wanted
    table = GRAPH_ACCEPT if graph else SELECT_ACCEPT
    if form == "ask":
        table = {k: v for k, v in table.items() if v in ("json", "xml")}
    best = request.accept_mimetypes.best_match(list(table))
    return table[best] if best else ("turtle" if graph else "json")


def _run(sparql_request: Request):  # type: ignore[no-untyped-def]
    timeout = float(current_app.config["QUERY_TIMEOUT_S"])
    try:
        return get_runner().run(sparql_request, timeout)
    except QueryTimeout as error:
        abort(503, str(error))
    except QueryFailed as error:
        kind, _, rest = str(error).partition(": ")
        if kind.endswith("SyntaxError"):  # pyoxigraph's, or a remote store's RemoteSyntaxError
            _not_valid(sparql_request.text, rest, "update" if sparql_request.kind == "update" else "query")
        abort(400, rest or str(error))  # a worker's error in words, without the exception's class name


def _not_valid(text: str, error: object, kind: str) -> NoReturn:
    """Answer 400 saying where ``text`` is not valid SPARQL (the JSON answer also has line, column and token)."""
    problem = explain(text, None if error is None else str(error), kind=kind)
    raise BadRequestAt(problem.report(kind), problem.as_json())


def _update(text: str, params: dict[str, list[str]]) -> Response:
    if request.method != "POST":
        abort(405, "Updates must be sent with POST.")
    from rdflib.plugins.sparql.parser import parseUpdate

    try:
        parseUpdate(text)
    except Exception as error:  # rdflib raises pyparsing exceptions
        _not_valid(text, error, "update")
    token = current_app.config["UPDATE_TOKEN"]
    given = (request.headers.get("Authorization") or "").removeprefix("Bearer ").strip()
    if not token:
        abort(403, READ_ONLY)
    if not given:
        abort(403, "This update carries no update token: send the token the server was started with in the "
                   "header 'Authorization: Bearer TOKEN'.")
    if not hmac.compare_digest(token, given):
        abort(403, "The update token is wrong: send the token the server was started with in the header "
                   "'Authorization: Bearer TOKEN'.")
    using, using_named = params.get("using-graph-uri", []), params.get("using-named-graph-uri", [])
    if (using or using_named) and names_update_dataset(text):
        abort(400, "Give the update's dataset either in the request (using-graph-uri) or in the update (USING/WITH), "
                   "not both.")
    refused = forbidden_keywords(text)
    if refused:
        abort(403, f"{' and '.join(refused)} is not allowed here.")
    _run(Request(kind="update", text=with_using(text, using, using_named), base_iri=request.base_url))
    return Response(status=204)


def _description() -> BaseResponse:
    types = accepted(_DESCRIPTION_FORMATS)
    best = request.accept_mimetypes.best_match(["text/html", *types])
    if best == "text/html":
        return redirect("/query")
    chosen = RDF_FORMATS[types.get(best or "", _DESCRIPTION_FORMATS[0])]
    graph = service_description(request.base_url, bool(current_app.config["UPDATE_TOKEN"]))
    return Response(graph.serialize(format=chosen.rdflib), mimetype=chosen.media_type)
