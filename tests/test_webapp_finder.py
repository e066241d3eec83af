"""The finder's pages and downloads, as a browser and a script get them."""
from __future__ import annotations

import csv
import io
import re

from kg.finder import CSV_COLUMNS


def _total(html: str) -> int:
    found = re.search(r"<strong>([\d,]+)</strong> items? in", html)
    assert found, "no total on the page"
    return int(found.group(1).replace(",", ""))


def test_the_finder_lists_every_item_with_facets(client) -> None:
    """/cases shows every item, the facets with counts, and is in the navigation."""
    page = client.get("/cases")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert _total(html) == 39
    assert 'href="/cases"' in html and "Find cases" in html
    for title in ("Outcome", "Category", "Body region", "ICD-10-CM chapter", "Reviewer specialty"):
        assert f"<legend>{title}</legend>" in html
    assert html.count('<tr>') == 40  # the header and 39 items on one page of 50


def test_choices_narrow_and_the_downloads_follow(client) -> None:
    """A facet narrows the items; CSV and JSON hold exactly the selection, with labels."""
    html = client.get("/cases?category=pharmaceuticals&outcome=upheld").get_data(as_text=True)
    chosen = _total(html)
    assert 0 < chosen < 39
    assert 'value="pharmaceuticals"\n              checked' in html or 'value="pharmaceuticals" checked' in html \
        or re.search(r'value="pharmaceuticals"\s+checked', html)
    table = list(csv.DictReader(io.StringIO(client.get("/cases.csv?category=pharmaceuticals&outcome=upheld")
                                            .get_data(as_text=True))))
    assert len(table) == chosen and tuple(table[0]) == CSV_COLUMNS
    assert {row["category"] for row in table} == {"Pharmaceuticals"} and {row["outcome"] for row in table} == {"Upheld"}
    data = client.get("/cases.json?category=pharmaceuticals&outcome=upheld").get_json()
    assert data["items"] == chosen == len(data["rows"]) and data["selection"]["category"] == ["pharmaceuticals"]


def test_words_are_searched_and_marked(client) -> None:
    """/search finds items by their words and marks the words in a snippet."""
    html = client.get("/search?q=massage").get_data(as_text=True)
    assert 0 < _total(html) < 39
    assert "<mark>massage</mark>" in html.lower() or "<mark>massage" in html.lower()
    assert '<option value="" selected>best match' in html


def test_a_case_number_goes_to_its_case(client) -> None:
    """A whole case number opens the case; a part of one lists the cases it is in."""
    exact = client.get("/cases?q=CM14-0166055")
    assert exact.status_code == 303 and exact.headers["Location"].endswith("/case/CM14-0166055")
    part = client.get("/cases?q=CM14-01").get_data(as_text=True)
    assert "Cases whose number contains" in part and "CM14-0166055" in part


def test_bad_arguments_get_a_clear_400(client) -> None:
    """A malformed date or facet value is refused, naming it, with the HTML escaped."""
    answer = client.get("/cases?from=12/01/2014")
    assert answer.status_code == 400 and "YYYY-MM-DD" in answer.get_data(as_text=True)
    answer = client.get("/cases?category=%3Cscript%3E", headers={"Accept": "text/html"})
    body = answer.get_data(as_text=True)
    assert answer.status_code == 400 and "category=" in body
    assert "<script>" not in body.replace('<script src="', "") and "&lt;script&gt;" in body
