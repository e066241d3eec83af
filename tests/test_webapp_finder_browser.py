"""The finder and the search in a real headless browser (Debian's Chromium under Playwright, a real server).

Needs /usr/bin/chromium (``KG_BROWSER_TESTS=1 bash scripts/setup.sh``); without it these tests fail, they are never
skipped. Screenshots go to tests/artifacts/.
"""
from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

from tests.browsing import BrowserSetup, Tab

BROWSER_SETUP = BrowserSetup(library="chart.js/dist/chart.umd.js", console_errors=True)


def _total(tab: Tab) -> int:
    text = tab.page.locator(".finder-totals strong").first.inner_text()  # type: ignore[attr-defined]
    return int(text.replace(",", ""))


def test_ticking_facets_narrows_the_items_and_lands_in_the_address(tab: Tab) -> None:
    """A tick applies at once: fewer items, the choice in the URL and shown as a chip; the facet's other values stay
    offered; the chip removes the choice again; a long facet list filters as one types."""
    page = tab.page
    tab.open("/cases", wait_for=".finder-table")
    everything = _total(tab)
    assert everything == 39
    with page.expect_navigation():  # type: ignore[attr-defined]
        page.locator('.facet[data-facet="category"] input[value="pharmaceuticals"]').check()  # type: ignore[attr-defined]
    assert parse_qs(urlsplit(page.url).query)["category"] == ["pharmaceuticals"]  # type: ignore[attr-defined]
    chosen = _total(tab)
    assert 0 < chosen < everything
    rows = page.locator(".finder-table tbody tr")  # type: ignore[attr-defined]
    assert rows.count() == chosen
    assert all(cell == "Pharmaceuticals" for cell in rows.locator("td:nth-child(4)").all_inner_texts())
    assert page.locator('.facet[data-facet="category"] .facet-value').count() > 1  # type: ignore[attr-defined]
    treatment = page.locator('.facet[data-facet="treatment"]')  # type: ignore[attr-defined]
    if treatment.locator(".facet-filter").count():
        treatment.locator(".facet-filter").fill("zzz")
        assert treatment.locator(".facet-value:visible").count() == 0
        treatment.locator(".facet-filter").fill("")
    tab.shot("finder.png")
    with page.expect_navigation():  # type: ignore[attr-defined]
        page.locator(".finder-chosen .chip").first.click()  # type: ignore[attr-defined]
    assert _total(tab) == everything
    tab.assert_stayed_local()


def test_search_marks_the_words_and_pages(tab: Tab) -> None:
    """Words typed in the box find items, best match first, with the words marked; the pager moves on."""
    page = tab.page
    tab.open("/search", wait_for="#finder-q")
    page.fill("#finder-q", "injection")  # type: ignore[attr-defined]
    with page.expect_navigation():  # type: ignore[attr-defined]
        page.press("#finder-q", "Enter")  # type: ignore[attr-defined]
    assert "q=injection" in page.url  # type: ignore[attr-defined]
    found = _total(tab)
    assert 0 < found < 39
    marks = page.locator(".snippet mark").all_inner_texts()  # type: ignore[attr-defined]
    assert marks and all(re.fullmatch(r"(?i)injections?", m) for m in marks)
    assert page.locator("#finder-sort").input_value() == ""  # type: ignore[attr-defined]
    assert "sort=" not in page.url  # type: ignore[attr-defined]  # the default order: best match first
    tab.shot("search.png")
    with page.expect_navigation():  # type: ignore[attr-defined]
        page.select_option("#finder-per-page", "25")  # type: ignore[attr-defined]
    tab.open("/cases?per_page=25", wait_for=".pager")
    assert page.locator(".finder-table tbody tr").count() == 25  # type: ignore[attr-defined]
    with page.expect_navigation():  # type: ignore[attr-defined]
        page.locator(".pager a[rel=next]").click()  # type: ignore[attr-defined]
    assert page.locator(".finder-table tbody tr").count() == 39 - 25  # type: ignore[attr-defined]
    tab.assert_stayed_local()


def test_home_page_draws_the_months_with_gaps(tab: Tab) -> None:
    """The home page draws the share overturned month by month, leaving months without decisions as gaps, and
    its numbers open the finder."""
    page = tab.page
    tab.open("/", wait_for='#home-chart[data-drawn="true"]')
    gaps = int(page.locator("#home-chart").get_attribute("data-gaps"))  # type: ignore[attr-defined]
    rows = page.locator(".months tbody tr")  # type: ignore[attr-defined]
    assert gaps == rows.filter(has_text="no decision").count() > 0
    tab.shot("home.png")
    with page.expect_navigation():  # type: ignore[attr-defined]
        page.locator(".figure", has_text="overturned").click()  # type: ignore[attr-defined]
    assert "outcome=overturned" in page.url  # type: ignore[attr-defined]
    assert 0 < _total(tab) < 39
    tab.assert_stayed_local()


def test_a_concept_page_pages_its_items(tab: Tab) -> None:
    """A concept page with more items than a page holds moves to the next page and back."""
    page = tab.page
    tab.open("/vocab/icd10cm/chapter-13", wait_for=".concept-items")
    first = page.locator(".concept-items tbody tr").count()  # type: ignore[attr-defined]
    assert first == 25
    assert "Page 1 of 2" in page.locator(".decisions .pager").inner_text()  # type: ignore[attr-defined]
    with page.expect_navigation():  # type: ignore[attr-defined]
        page.locator(".decisions .pager a[rel=next]").click()  # type: ignore[attr-defined]
    rest = page.locator(".concept-items tbody tr").count()  # type: ignore[attr-defined]
    shown = int(page.locator(".decision-rate strong").first.inner_text())  # type: ignore[attr-defined]
    assert rest == shown - 25 > 0
    tab.shot("concept-page.png")
    with page.expect_navigation():  # type: ignore[attr-defined]
        page.locator(".decisions .pager a[rel=prev]").click()  # type: ignore[attr-defined]
    assert page.locator(".concept-items tbody tr").count() == 25  # type: ignore[attr-defined]
    tab.assert_stayed_local()


def test_similar_decisions_for_a_typed_request(tab: Tab) -> None:
    """A request typed on /similar lists earlier decisions with their reasons and deciding sentences; an item's
    "Similar decisions" link on a case page opens the same list for that item."""
    page = tab.page
    tab.open("/similar", wait_for="#similar-q")
    page.fill("#similar-q", "MRI of the lumbar spine, M54.5")  # type: ignore[attr-defined]
    with page.expect_navigation():  # type: ignore[attr-defined]
        page.press("#similar-q", "Enter")  # type: ignore[attr-defined]
    matches = page.locator(".similar-match")  # type: ignore[attr-defined]
    assert matches.count() >= 3
    assert "same treatment: MRI" in matches.first.locator(".reasons").inner_text()
    assert page.locator(".deciding").count() >= 1  # type: ignore[attr-defined]
    assert "similar decisions" in page.locator(".similar-rate").inner_text()  # type: ignore[attr-defined]
    tab.shot("similar.png")
    tab.open("/case/CM15-0204517", wait_for=".similar-link")
    with page.expect_navigation():  # type: ignore[attr-defined]
        page.locator(".similar-link").first.click()  # type: ignore[attr-defined]
    assert "decided before 2015-11-10" in page.locator(".probe").inner_text()  # type: ignore[attr-defined]
    assert page.locator(".similar-match").count() >= 1  # type: ignore[attr-defined]
    tab.assert_stayed_local()
