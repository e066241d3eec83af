"""The home page (``/``) and its figures as JSON (``/home.json``): the store at a glance, every number a link to
the items behind it in the finder. The figures come from :mod:`kg.home`; the SPARQL workbench is at ``/query``."""
from __future__ import annotations

from calendar import monthrange
from typing import Any
from urllib.parse import urlencode

from flask import Blueprint, Response, abort, jsonify, render_template

from kg.finder import value_id
from kg.home import TOPS, Overview, overview
from webapp.runner import QueryTimeout
from webapp.store import select_values
from webapp.workbench import vendor_ready

bp = Blueprint("home", __name__)
CHART = "chart.js/dist/chart.umd.js"
#: The finder's facet for each list of the most frequent concepts.
FACET_OF = {"treatment": "treatment", "category": "category", "guideline": "guideline", "specialty": "specialty"}


def _overview() -> Overview:
    try:
        return overview(select_values)
    except QueryTimeout as error:
        abort(503, str(error))


def finder_url(**args: Any) -> str:
    """The finder's address for these choices."""
    pairs = [(name.replace("_", "-"), value) for name, value in args.items() if value]
    return "/cases" + ("?" + urlencode(pairs) if pairs else "")


def month_url(month: str, **args: Any) -> str:
    """The finder's address for the items decided in ``month`` ("2015-04")."""
    last = monthrange(int(month[:4]), int(month[5:7]))[1]
    return finder_url(**{"from": f"{month}-01", "to": f"{month}-{last:02d}"}, **args)


@bp.get("/")
def home() -> str:
    """The store at a glance."""
    seen = _overview()
    links = {dimension: [finder_url(**{FACET_OF[dimension]: value_id(FACET_OF[dimension], iri)})
                         for iri, _, _ in rows] for dimension, rows in seen.tops.items()}
    return render_template("home/home.html", active_page="home", seen=seen, tops=TOPS, links=links,
                           finder_url=finder_url, month_url=month_url, chart_ok=vendor_ready((CHART,)),
                           chart_file=CHART)


@bp.get("/home.json")
def home_json() -> Response:
    """The home page's figures, with the finder's address of each month's items."""
    data = overview(select_values).as_dict()
    for row in data["months"]:
        row["url"] = month_url(row["month"])
    return jsonify(data)
