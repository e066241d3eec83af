"""Inside a query worker: run one request against the store and serialise its result, up to the row limit."""
from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable
from typing import Any
from xml.sax.saxutils import escape, quoteattr

import pyoxigraph as ox

from kg.namespaces import PREFIXES
from kg.rdf.formats import RDF_FORMATS
from kg.store import graph_update, text_search_wanted
from kg.text_index import sparql_functions
from webapp.runner import Answer, Request

SELECT_TYPES = {
    "json": "application/sparql-results+json", "xml": "application/sparql-results+xml",
    "csv": "text/csv", "tsv": "text/tab-separated-values",
}
#: The formats of CONSTRUCT and DESCRIBE answers, by their names in :data:`kg.rdf.formats.RDF_FORMATS`.
GRAPH_FORMATS = ("turtle", "ntriples", "jsonld", "rdfxml")
_XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"


def execute(store: Any, request: Request, searched: Any = None) -> Answer:
    """Run the request on the store the worker opened (a pyoxigraph store, or a :class:`kg.remote_store.RemoteStore`
    taking the same calls), with the project's prefixes predeclared for queries and updates; SELECT/ASK answers
    are serialised here, graphs with pyoxigraph."""
    if request.kind == "update":
        store.update(request.text, base_iri=request.base_iri, **predeclared(store))
        return Answer(b"", "text/plain", "update")
    if request.kind == "load":
        store.update(graph_update(request.replace, request.add))
        return Answer(b"", "text/plain", "update")
    options: dict[str, Any] = {"base_iri": request.base_iri, **predeclared(store)}
    if request.default_graphs:
        options["default_graph"] = [ox.NamedNode(g) for g in request.default_graphs]
    elif request.union_default_graph and not request.named_graphs:
        options["use_default_graph_as_union"] = True
    if request.named_graphs:
        options["named_graphs"] = [ox.NamedNode(g) for g in request.named_graphs]
        if not request.default_graphs:
            options["default_graph"] = []  # protocol dataset given: an empty default graph, not the store's
    if searched is not None and text_search_wanted(request.text):
        options["custom_functions"] = sparql_functions(searched.db)  # the item index's full-text search
    result = store.query(request.text, **options)
    if isinstance(result, ox.QueryBoolean):
        return _boolean(bool(result), request.result_format or "json")
    if isinstance(result, ox.QuerySolutions):
        return _select(result, request.result_format or "json", request.max_rows)
    return _graph(result, request.result_format or "turtle", request.max_rows)


def predeclared(store: Any) -> dict[str, Any]:
    """The keyword that predeclares the project's prefixes for a query or update on ``store``: pyoxigraph takes
    them as an argument; a :class:`kg.remote_store.RemoteStore` always sends them itself, as a prologue."""
    return {"prefixes": PREFIXES} if isinstance(store, ox.Store) else {}


def _select(solutions: ox.QuerySolutions, fmt: str, max_rows: int) -> Answer:
    names = [v.value for v in solutions.variables]
    rows: list[list[Any]] = []
    truncated = False
    for solution in solutions:
        if len(rows) == max_rows:
            truncated = True
            break
        rows.append([solution[name] for name in names])
    if fmt == "rows":  # for the app's own pages: JSON-able dicts, no serialisation
        data = [{n: _json_term(t) for n, t in zip(names, row) if t is not None} for row in rows]
        return Answer(b"", "application/json", "select", len(rows), truncated, data={"vars": names, "rows": data})
    body = _SELECT_WRITERS[fmt](names, rows, truncated)
    return Answer(body, SELECT_TYPES[fmt], "select", len(rows), truncated)


def _boolean(value: bool, fmt: str) -> Answer:
    if fmt == "xml":
        body = ('<?xml version="1.0"?>\n<sparql xmlns="http://www.w3.org/2005/sparql-results#"><head/>'
                f"<boolean>{'true' if value else 'false'}</boolean></sparql>\n").encode()
        return Answer(body, SELECT_TYPES["xml"], "ask", 1)
    return Answer(json.dumps({"head": {}, "boolean": value}).encode(), SELECT_TYPES["json"], "ask", 1)


def _graph(triples: Iterable[ox.Triple], fmt: str, max_rows: int) -> Answer:
    kept: list[ox.Triple] = []
    truncated = False
    for triple in triples:
        if len(kept) == max_rows:
            truncated = True
            break
        kept.append(triple)
    if fmt == "triples":  # for the app's own pages
        data = [[_json_term(t.subject), _json_term(t.predicate), _json_term(t.object)] for t in kept]
        return Answer(b"", "application/json", "graph", len(kept), truncated, data=data)
    chosen = RDF_FORMATS[fmt]
    output = io.BytesIO()
    ox.serialize(kept, output, chosen.oxigraph, prefixes=PREFIXES if fmt in ("turtle", "rdfxml") else None)
    return Answer(output.getvalue(), chosen.media_type, "graph", len(kept), truncated)


def _json_term(term: Any) -> dict[str, str]:
    if isinstance(term, ox.NamedNode):
        return {"type": "uri", "value": term.value}
    if isinstance(term, ox.BlankNode):
        return {"type": "bnode", "value": term.value}
    if isinstance(term, ox.Triple):
        return {"type": "triple", "value": {"subject": _json_term(term.subject), "predicate": _json_term(term.predicate),
                                            "object": _json_term(term.object)}}  # type: ignore[dict-item]
    data = {"type": "literal", "value": term.value}
    if term.language:
        data["xml:lang"] = term.language
    elif term.datatype and term.datatype.value != _XSD_STRING:
        data["datatype"] = term.datatype.value
    return data


def _write_json(names: list[str], rows: list[list[Any]], truncated: bool) -> bytes:
    bindings = [{n: _json_term(t) for n, t in zip(names, row) if t is not None} for row in rows]
    # "truncated" before "results": strict streaming parsers (Oxigraph's) stop reading at the end of the bindings
    return json.dumps({"head": {"vars": names}, "truncated": truncated, "results": {"bindings": bindings}},
                      ensure_ascii=False).encode("utf-8")


def _write_xml(names: list[str], rows: list[list[Any]], truncated: bool) -> bytes:
    out = ['<?xml version="1.0"?>\n<sparql xmlns="http://www.w3.org/2005/sparql-results#">\n<head>']
    out += [f"<variable name={quoteattr(n)}/>" for n in names]
    out.append("</head>\n<results>")
    for row in rows:
        out.append("<result>")
        for name, term in zip(names, row):
            if term is not None:
                out.append(f"<binding name={quoteattr(name)}>{_xml_term(term)}</binding>")
        out.append("</result>")
    out.append("</results>\n</sparql>\n")
    return "".join(out).encode("utf-8")


def _xml_term(term: Any) -> str:
    if isinstance(term, ox.NamedNode):
        return f"<uri>{escape(term.value)}</uri>"
    if isinstance(term, ox.BlankNode):
        return f"<bnode>{escape(term.value)}</bnode>"
    attributes = ""
    if isinstance(term, ox.Literal):
        if term.language:
            attributes = f" xml:lang={quoteattr(term.language)}"
        elif term.datatype and term.datatype.value != _XSD_STRING:
            attributes = f" datatype={quoteattr(term.datatype.value)}"
    return f"<literal{attributes}>{escape(term.value if hasattr(term, 'value') else str(term))}</literal>"


def _write_csv(names: list[str], rows: list[list[Any]], truncated: bool) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(names)
    for row in rows:
        writer.writerow(["" if t is None else (f"_:{t.value}" if isinstance(t, ox.BlankNode) else str(t.value))
                         for t in row])
    return out.getvalue().encode("utf-8")


def _write_tsv(names: list[str], rows: list[list[Any]], truncated: bool) -> bytes:
    lines = ["\t".join(f"?{n}" for n in names)]
    lines += ["\t".join("" if t is None else str(t) for t in row) for row in rows]
    return ("\n".join(lines) + "\n").encode("utf-8")


_SELECT_WRITERS = {"json": _write_json, "xml": _write_xml, "csv": _write_csv, "tsv": _write_tsv}
