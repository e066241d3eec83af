"""The data-quality page: ``/quality`` and its JSON twin ``/quality.json``.

SHACL results by constraint and by letter, letters over time (decision month and build day) and the letters kept
out of the graph. The counting is in :mod:`kg.quality` (in the store's item index when it has one); this module
only renders it.
"""
from __future__ import annotations

from typing import Any
from urllib.parse import quote

from flask import Blueprint, abort, jsonify, render_template

from kg.quality import Quality, quality_report, to_dict
from webapp.runner import QueryTimeout
from webapp.store import item_index, select_values
from webapp.workbench import vendor_ready

bp = Blueprint("quality", __name__)

#: Most letters listed on the page (all of them are in /quality.json); the worst come first.
PAGE_LETTERS = 500


def _report(letter_limit: int | None = None) -> Quality:
    index = item_index()
    try:
        return quality_report(select_values, index, letter_limit)
    except QueryTimeout as error:
        abort(503, str(error))
    finally:
        if index is not None:
            index.close()


def case_url(key: str) -> str:
    """The page of one letter's case."""
    return "/case/" + quote(key, safe="")


@bp.get("/quality")
def page() -> Any:
    """The page; quality.js draws the chart from /quality.json (the tables work without it)."""
    report = _report(PAGE_LETTERS)
    letters = [{**letter, "url": case_url(letter["key"])} for letter in report.letters[:PAGE_LETTERS]]
    constraints = [{**c, "url": case_url(c["example_letter"]) if c["example_letter"] else ""} for c in report.constraints]
    return render_template("quality/quality.html", active_page="quality", report=report, letters=letters,
                           constraints=constraints, shown=len(letters), chart_ok=vendor_ready(("chart.js/dist/chart.umd.js",)))


@bp.get("/quality.json")
def data_json() -> Any:
    """Everything on the page as JSON: totals, constraints, letters (all), by_month, by_build_date, rejected."""
    return jsonify(to_dict(_report()))
