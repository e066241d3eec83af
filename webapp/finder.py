"""The case and item finder (``/cases``, ``/search``) and its downloads (``/cases.csv``, ``/cases.json``).

Every choice is in the URL (:func:`kg.finder.parse_selection` reads it), so a selection can be shared or
bookmarked. The finding and counting are in :mod:`kg.finder`, over the store's item index; this module reads the
request and renders. A store without an item index (a SPARQL server) still finds cases by number.
"""
from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlencode

from flask import Blueprint, Response, abort, jsonify, redirect, render_template, request
from werkzeug.wrappers.response import Response as BaseResponse

from kg import finder
from kg.item_index import ItemIndex
from kg.text_index import snippets
from webapp import lookups
from webapp.store import writable_item_index

bp = Blueprint("finder", __name__)
DOWNLOAD_LIMIT = 100_000  # rows in one CSV or JSON download
_CASE_NUMBER = re.compile(r"[A-Za-z]{2}\d{2}-\d{5,8}")


@contextmanager
def _index() -> Iterator[ItemIndex | None]:
    index = writable_item_index()  # writable, to keep the facet counts of a selection for the next request
    try:
        yield index
    finally:
        if index is not None:
            index.close()


def _selection() -> finder.Selection:
    try:
        return finder.parse_selection({name: request.args.getlist(name) for name in request.args})
    except finder.SelectionError as error:
        abort(400, str(error))


@bp.get("/cases")
def cases() -> BaseResponse | str:
    """The finder: items and cases by facets and words. A complete case number goes straight to its case."""
    return _page("cases")


@bp.get("/search")
def search() -> BaseResponse | str:
    """Full-text search: the finder with words, showing where they matched."""
    return _page("search")


def _page(name: str) -> BaseResponse | str:
    selection = _selection()
    query = selection.q.strip()
    numbers = lookups.find_cases(query, 20) if query and re.fullmatch(r"[A-Za-z0-9-]{3,40}", query) and \
        any(ch.isdigit() for ch in query) else []
    exact = [iri for iri, number in numbers if number.upper() == query.upper()]
    if len(exact) == 1 and _CASE_NUMBER.fullmatch(query):
        return redirect(lookups.app_path(exact[0]), code=303)
    with _index() as index:
        if index is None:
            return render_template("finder/finder.html", active_page="cases", page_name=name, found=None,
                                   selection=selection, numbers=[(lookups.app_path(i), n) for i, n in numbers],
                                   facets=finder.FACETS, sorts=finder.SORTS, per_page=finder.PER_PAGE, marks={},
                                   urls={}, link=_link(name, selection))
        try:
            found = finder.find(index, selection)
        except finder.SelectionError as error:
            abort(400, str(error))
        marks = _marks(index, selection, found.rows) if selection.q else {}
    return render_template("finder/finder.html", active_page="cases", page_name=name, found=found,
                           selection=selection, numbers=[(lookups.app_path(i), n) for i, n in numbers],
                           facets=finder.FACETS, sorts=finder.SORTS, per_page=finder.PER_PAGE, marks=marks,
                           labels=_labels(found.rows), urls=_downloads(selection), link=_link(name, selection),
                           case_path=lookups.app_path)


def _marks(index: ItemIndex, selection: finder.Selection, rows: list[dict[str, Any]]) -> dict[str, str]:
    """Item IRI → the words around the match (the item's own, else its letter's)."""
    found = snippets(index.db, selection.q, [r["item"] for r in rows], {r["case"].rsplit("/", 1)[-1] for r in rows})
    return {r["item"]: found.get(r["item"]) or found.get(r["case"].rsplit("/", 1)[-1], "") for r in rows}


def _labels(rows: list[dict[str, Any]]) -> dict[str, str]:
    """Labels of the concepts the result rows name."""
    labels: dict[str, str] = {}
    for row in rows:
        for facet, values in (("category", [row["category"]]), ("outcome", [row["outcome"]]),
                              ("treatment", [row["treatment"]]), ("side", [row["side"]]),
                              ("region", row["regions"]), ("guideline", row["guidelines"]),
                              ("chapter", row["chapters"])):
            for value in values:
                if value and value not in labels:
                    labels[value] = finder.value_label(facet, value)
    return labels


def _link(name: str, selection: finder.Selection):  # type: ignore[no-untyped-def]
    """A function the template calls for the URL of this page with some choices changed."""
    def link(**changes: Any) -> str:
        if "page" not in changes:
            changes["page"] = 1
        query = urlencode(selection.to_args(**changes))
        return f"/{name}{'?' + query if query else ''}"

    return link


def _downloads(selection: finder.Selection) -> dict[str, str]:
    query = urlencode(selection.to_args(page=1, per_page=50))
    return {kind: f"/cases.{kind}{'?' + query if query else ''}" for kind in ("csv", "json")}


def _all_rows() -> tuple[finder.Selection, list[dict[str, str]]]:
    selection = _selection()
    with _index() as index:
        if index is None:
            abort(501, "This store has no item index (a SPARQL server): use the SPARQL endpoint to select items.")
        try:
            rows = finder.rows(index, selection, DOWNLOAD_LIMIT)
        except finder.SelectionError as error:
            abort(400, str(error))
    return selection, [finder.plain_row(row) for row in rows]


@bp.get("/cases.csv")
def cases_csv() -> Response:
    """Every selected item as CSV (labels, not IRIs; up to DOWNLOAD_LIMIT rows)."""
    _, rows = _all_rows()
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=finder.CSV_COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(rows)
    return Response(out.getvalue(), mimetype="text/csv",
                    headers={"Content-Disposition": "attachment; filename=imr-items.csv"})


@bp.get("/cases.json")
def cases_json() -> Response:
    """Every selected item as JSON, with the totals (up to DOWNLOAD_LIMIT rows)."""
    selection, rows = _all_rows()
    chosen: dict[str, list[str]] = {}
    for name, value in selection.to_args(page=1, per_page=50):
        chosen.setdefault(name, []).append(value)
    return jsonify({"selection": chosen, "items": len(rows), "rows": rows, "truncated": len(rows) == DOWNLOAD_LIMIT})
