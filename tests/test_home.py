"""The home page's figures agree with the letters, month by month and concept by concept."""
from __future__ import annotations

from collections import Counter

import pytest

from kg import extract_files
from kg.home import overview
from tests.conftest import DATA_DIR


@pytest.fixture(scope="module")
def records():
    """Every bundled letter's record."""
    return list(extract_files([DATA_DIR]))


def test_totals_months_and_tops_match_the_records(built_store, records) -> None:
    """Letters, decided and overturned items, every month from the first to the last (months without a decision
    as gaps), and the most frequent treatments and categories are the records' own."""
    seen = overview(built_store.select)
    decided = [(r, i) for r in records for i in r.items if i.decision]
    assert seen.letters == len(records) == 14
    assert (seen.items.items, seen.items.overturned) == (len(decided), sum(i.decision == "Overturned" for _, i in decided))
    by_month = Counter(r.decision_date[:7] for r, _ in decided)
    assert (seen.first_month, seen.last_month) == (min(by_month), max(by_month))
    assert {m: r.items for m, r in seen.months if r} == dict(by_month)
    gaps = [m for m, r in seen.months if r is None]
    assert gaps and not set(gaps) & set(by_month)
    assert len(seen.months) == len(by_month) + len(gaps)
    categories = Counter(i.category for _, i in decided)
    top = {label: r.items for _, label, r in seen.tops["category"]}
    assert len(top) == min(10, len(categories)) and all(categories[label] == n for label, n in top.items())
    assert min(top.values()) >= max((n for c, n in categories.items() if c not in top), default=0)
    low, high = seen.items.interval or (0, 0)
    assert low < seen.items.share < high  # type: ignore[operator]
    assert seen.severities == {"Warning": 2} and seen.rejected == 0


def test_the_page_links_every_number_to_its_items(client) -> None:
    """The home page shows the totals, links them to the finder, and keeps the workbench a click away."""
    html = client.get("/").get_data(as_text=True)
    assert "California IMR decisions at a glance" in html
    assert 'href="/cases?outcome=overturned"' in html and 'href="/query"' in html
    assert 'href="/cases?treatment=' in html and "&amp;outcome=overturned" in html
    assert 'href="/cases?from=2015-11-01&amp;to=2015-11-30"' in html
    data = client.get("/home.json").get_json()
    assert data["letters"] == 14 and data["months"][0]["url"].startswith("/cases?from=")


def test_concept_pages_count_and_page_their_items(client, built_store) -> None:
    """A concept page shows its items with the share overturned and a 95% interval, year by year, 25 a page."""
    import re

    html = client.get("/vocab/icd10cm/chapter-13", headers={"Accept": "text/html"}).get_data(as_text=True)
    shown = int(re.search(r"<strong>([\d,]+)</strong> disputed item", html).group(1))
    expected = built_store.select(
        "SELECT (COUNT(DISTINCT ?i) AS ?n) WHERE { GRAPH ?g { ?c imr:disputedItem ?i ; imr:diagnosis/imr:icd10Code ?code } "
        "FILTER(STRSTARTS(STR(?code), 'https://w3id.org/imr-kg/vocab/icd10cm/M')) }")[0]["n"]
    assert shown == expected > 25
    assert "95% interval" in html and "By decision year" in html and "Seen most often with it" in html
    assert html.count('class="muted" href="/case/') == 25 and "Page 1 of 2" in html
    second = client.get("/vocab/icd10cm/chapter-13?page=2", headers={"Accept": "text/html"}).get_data(as_text=True)
    assert second.count('class="muted" href="/case/') == shown - 25
    mri = client.get("/vocab/treatment/mri", headers={"Accept": "text/html"}).get_data(as_text=True)
    requested = built_store.select("SELECT (COUNT(DISTINCT ?i) AS ?n) WHERE { GRAPH ?g { ?c imr:disputedItem ?i . "
                                   "?i imr:treatment <https://w3id.org/imr-kg/vocab/treatment/mri> } }")[0]["n"]
    assert f"<strong>{requested}</strong> disputed item" in mri


def test_a_topic_page_shows_the_items_citing_it(client, built_store) -> None:
    """The "topic" counts' value IRIs open a page of the items whose reviewer cited the topic, as many as the
    kept count says; an unknown topic is a 404."""
    import re

    rows = built_store.select('SELECT ?v ?n WHERE { GRAPH <https://w3id.org/imr-kg/graph/summaries> { ?o imr:dimension '
                              '"topic" ; imr:dimensionValue ?v ; imr:citedTopic "Opioids" ; imr:items ?n } }')
    assert rows
    path = str(rows[0]["v"]).replace("https://w3id.org/imr-kg", "")
    html = client.get(path, headers={"Accept": "text/html"}).get_data(as_text=True)
    shown = int(re.search(r"<strong>([\d,]+)</strong> disputed item", html).group(1))
    assert shown == sum(int(r["n"]) for r in rows) and "<h1>Opioids</h1>" in html
    assert 'href="/cases?guideline=mtus-chronic-pain&amp;topic=Opioids"' in html
    assert client.get(path + "-not-cited", headers={"Accept": "text/html"}).status_code == 404
