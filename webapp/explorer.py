"""The guideline → category → outcome explorer: ``/explore`` (page), ``/explore.json`` and ``/explore.csv``.

All three take the same query parameters (``kg.explorer.PARAMETERS``), so a filtered view is a URL one can share.
The queries and the counting are in :mod:`kg.explorer` (in the store's item index when it has one); this module
only reads the request and renders.
"""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlencode

from flask import Blueprint, Response, abort, jsonify, render_template, request

from kg.explorer import (LEVELS, LISTS, PARAMETERS, Explorer, ExplorerError, Filters, explore, filter_options,
                         icd_label, items_query, parse_filters, to_csv, to_dict)
from kg.item_index import ItemIndex
from webapp.runner import QueryTimeout
from webapp.store import select_values, writable_item_index

bp = Blueprint("explorer", __name__)

#: The table's columns on the page: (key, heading, numeric).
COLUMNS = (("link", "Link", False), ("guideline", "Guideline", False), ("detail", "Chapter / topic", False),
           ("category", "Category", False), ("outcome", "Outcome", False), ("items", "Items", True),
           ("overturned", "Overturned", True), ("overturn_rate", "Overturn rate", True),
           ("wilson_low", "95% CI low", True), ("wilson_high", "95% CI high", True))
LINK_NAMES = {"source-category": "guideline → category", "category-outcome": "category → outcome",
              "path": "guideline → category → outcome"}
#: The filter lists of the form, in their order on the page: (parameter, heading).
FILTER_LISTS = (("treatment", "Requested treatment"), ("icd", "Diagnosis (ICD-10-CM)"), ("region", "Body region"),
                ("category", "Treatment category"), ("specialty", "Reviewer specialty"), ("year", "Decision year"))


def _filters() -> Filters:
    return parse_filters({name: request.args.getlist(name) for name in request.args})


def _run(filters: Filters) -> Explorer:
    try:
        with _index() as index:
            return explore(select_values, filters, index)
    except QueryTimeout as error:
        abort(503, str(error))


@contextmanager
def _index() -> Iterator[ItemIndex | None]:
    """The store's item index for one request (None when the store has none: the queries then count)."""
    index = writable_item_index()  # writable, to keep what it counts for the next request
    try:
        yield index
    finally:
        if index is not None:
            index.close()


def _urls(filters: Filters) -> dict[str, str]:
    query = urlencode(filters.params())
    return {name: f"/{path}{'?' + query if query else ''}"
            for name, path in (("page", "explore"), ("json", "explore.json"), ("csv", "explore.csv"))}


def resource_url(iri: str) -> str:
    """The concept page of an IRI (empty when there is none, as for a topic)."""
    return "/resource?" + urlencode({"iri": iri}) if iri else ""


def _row_links(filters: Filters, row: dict[str, Any]) -> dict[str, str]:
    links = {column: resource_url(row[column + "_iri"]) for column in ("guideline", "detail", "category", "outcome")}
    query = items_query(filters, row)
    links["query"] = "/query?" + urlencode({"query": query}) if query else ""
    return links


def _bad_request(message: str, fmt: str) -> Response:
    if fmt == "json":
        response = jsonify(error=message, status=400, parameters=PARAMETERS)
    elif fmt == "csv":
        response = Response(f"error: {message}\n", mimetype="text/plain")
    else:
        response = Response(render_template("explore/explore.html", active_page="explore", error=message,
                                            filters=Filters(), options={}, parameters=PARAMETERS, levels=LEVELS,
                                            filter_lists=FILTER_LISTS,
                                            explorer=None, rows=[], columns=COLUMNS, link_names=LINK_NAMES,
                                            urls=_urls(Filters()), selected=_selected(Filters())))
    response.status_code = 400
    return response


@bp.get("/explore")
def page() -> Any:
    """The page: the filter form, the diagram (drawn by explore.js from the JSON) and the sortable table."""
    try:
        filters = _filters()
    except ExplorerError as error:
        return _bad_request(str(error), "html")
    result = _run(filters)
    try:
        with _index() as index:
            options = filter_options(select_values, index)
    except QueryTimeout as error:
        abort(503, str(error))
    chapters, blocks, _ = filters.diagnoses()
    for name in LISTS:
        # a value asked for in the URL but absent from the data still shows, ticked, so it can be unticked (an
        # ICD-10-CM code typed in, which is no chapter or block, shows as a code, without a count)
        known = {option["value"] for option in options[name]}
        for value in (str(v) for v in getattr(filters, name) if str(v) not in known):
            code = name == "icd" and value not in chapters and value not in blocks
            options[name].append({"value": value, "label": f"code {value}" if code else icd_label(value)
                                  if name == "icd" else value,
                                  "items": None if code else 0, "kind": "code" if code else ""})
    rows = [{**row, "links": _row_links(filters, row)} for row in result.table]
    return render_template("explore/explore.html", active_page="explore", error="", filters=filters,
                           options=options, parameters=PARAMETERS, levels=LEVELS, explorer=result, rows=rows,
                           filter_lists=FILTER_LISTS,
                           columns=COLUMNS, link_names=LINK_NAMES, urls=_urls(filters), selected=_selected(filters))


def _selected(filters: Filters) -> dict[str, set[str]]:
    return {name: {str(v) for v in getattr(filters, name)} for name in LISTS}


@bp.get("/explore.json")
def data_json() -> Any:
    """The explorer as JSON: parameters (documented, with their values), totals, nodes, links and the table."""
    try:
        filters = _filters()
    except ExplorerError as error:
        return _bad_request(str(error), "json")
    data = to_dict(_run(filters))
    data["urls"] = _urls(filters)
    return jsonify(data)


@bp.get("/explore.csv")
def data_csv() -> Any:
    """The explorer's table as CSV (one row per link, the same rows as the JSON's "table")."""
    try:
        filters = _filters()
    except ExplorerError as error:
        return _bad_request(str(error), "csv")
    return Response(to_csv(_run(filters)), mimetype="text/csv",
                    headers={"Content-Disposition": 'inline; filename="imr-guidelines-to-outcomes.csv"'})
