"""/explore and /quality in a real headless browser: Debian's Chromium driven by Playwright against a real server.

Needs /usr/bin/chromium and webapp/node_modules (``KG_BROWSER_TESTS=1 bash scripts/setup.sh``); without them these
tests fail, they are never skipped. Screenshots go to tests/artifacts/.
"""
from __future__ import annotations

import json
import urllib.request
from urllib.parse import parse_qs, urlsplit

from tests.browsing import BrowserSetup, Tab

BROWSER_SETUP = BrowserSetup(library="chart.js/dist/chart.umd.js")
RATE_COLUMN = 7  # "Overturn rate" in the links table
COLUMN_VALUES = """(index) => Array.from(document.querySelectorAll('#links-table tbody tr'))
  .map((row) => row.cells[index].getAttribute('data-value'))"""
SANKEY_DRAWN = '#sankey[data-drawn="true"] svg'


def server_json(base: str, path: str) -> dict:
    """The server's own JSON, to compare what the page shows with."""
    with urllib.request.urlopen(base + path) as response:
        return json.loads(response.read())


def rates(tab: Tab) -> list[float | None]:
    values = tab.page.evaluate(COLUMN_VALUES, RATE_COLUMN)  # type: ignore[attr-defined]
    return [None if v == "" else float(v) for v in values]


def test_diagram_table_sort_and_filter(tab: Tab) -> None:
    """The diagram is drawn (one band per two-node link, one box per node), the table has every link; a click on
    "Overturn rate" sorts by it (largest first, then smallest first); ticking a category and Apply filters both."""
    page = tab.page
    data = server_json(tab.base, "/explore.json")
    tab.open("/explore", wait_for=SANKEY_DRAWN)
    bands = [link for link in data["links"] if link["kind"] != "path"]
    assert page.locator("#sankey path.band").count() == len(bands)  # type: ignore[attr-defined]
    assert page.locator("#sankey g.node").count() == len(data["nodes"])  # type: ignore[attr-defined]
    widths = page.evaluate("""() => Array.from(document.querySelectorAll('#sankey path.band'))
      .map((p) => [p.getAttribute('data-from'), p.getAttribute('data-to'), parseFloat(p.getAttribute('stroke-width'))])""")
    widest = max(widths, key=lambda w: w[2])
    assert max(bands, key=lambda link: link["items"])["items"] == \
        next(link["items"] for link in bands if link["path"] == widest[:2])
    box = page.locator("#sankey svg").bounding_box()  # type: ignore[attr-defined]
    assert box and box["width"] > 600 and box["height"] > 300
    assert page.locator("#links-table tbody tr").count() == len(data["table"])  # type: ignore[attr-defined]
    assert page.locator("#totals strong").first.inner_text() == str(data["totals"]["items"])  # type: ignore[attr-defined]
    tab.shot("explore-1280.png")

    header = page.locator('#links-table th[data-key="overturn_rate"] button')  # type: ignore[attr-defined]
    header.click()
    assert page.locator('#links-table th[data-key="overturn_rate"]').get_attribute("aria-sort") == "descending"  # type: ignore[attr-defined]
    got = rates(tab)
    numbers = [r for r in got if r is not None]
    assert numbers == sorted(numbers, reverse=True) and numbers[0] == 1.0
    assert got[: len(numbers)] == numbers  # rows without a rate (none here) would go last
    header.click()
    assert page.locator('#links-table th[data-key="overturn_rate"]').get_attribute("aria-sort") == "ascending"  # type: ignore[attr-defined]
    numbers = [r for r in rates(tab) if r is not None]
    assert numbers == sorted(numbers) and numbers[0] == 0.0
    tab.shot("explore-sorted-by-rate.png")

    page.check('#filter-category input[value="pharmaceuticals"]')  # type: ignore[attr-defined]
    page.check('#filter-year input[value="2015"]')  # type: ignore[attr-defined]
    page.click("#apply-filters")  # type: ignore[attr-defined]
    page.wait_for_url("**/explore?*")  # type: ignore[attr-defined]
    query = parse_qs(urlsplit(page.url).query)  # type: ignore[attr-defined]
    assert query["category"] == ["pharmaceuticals"] and query["year"] == ["2015"]
    page.wait_for_selector(SANKEY_DRAWN)  # type: ignore[attr-defined]
    filtered = server_json(tab.base, "/explore.json?category=pharmaceuticals&year=2015")
    assert 0 < filtered["totals"]["items"] < data["totals"]["items"]
    assert page.locator("#totals strong").first.inner_text() == str(filtered["totals"]["items"])  # type: ignore[attr-defined]
    assert page.locator("#links-table tbody tr").count() == len(filtered["table"])  # type: ignore[attr-defined]
    assert page.locator("#sankey g.node-category").count() == 1  # type: ignore[attr-defined]
    assert page.is_checked('#filter-category input[value="pharmaceuticals"]')  # type: ignore[attr-defined]
    assert page.locator("#download-csv").get_attribute("href") == "/explore.csv?category=pharmaceuticals&year=2015"  # type: ignore[attr-defined]
    tab.shot("explore-filtered.png")
    tab.assert_stayed_local()


VISIBLE_TREATMENTS = "#filter-treatment label.filter-option:visible"
ALL_TREATMENT_TEXTS = """() => Array.from(document.querySelectorAll('#filter-treatment label.filter-option'))
  .map((label) => label.textContent.replace(/\\s+/g, ' ').trim())"""


def test_filter_lists_narrow_as_one_types(tab: Tab) -> None:
    """Typing in the treatment list's box shows only the treatments with those words (Enter does not submit);
    ticking one and Apply narrows the diagram and the table to its items; a date and a typed ICD-10-CM code
    narrow again, as the server's JSON says."""
    page = tab.page
    data = server_json(tab.base, "/explore.json")
    tab.open("/explore", wait_for=SANKEY_DRAWN)
    box = page.locator("#filter-treatment-search")  # type: ignore[attr-defined]
    assert box.is_visible()
    texts = page.evaluate(ALL_TREATMENT_TEXTS)  # type: ignore[attr-defined]
    assert len(texts) > 20 and page.locator(VISIBLE_TREATMENTS).count() == len(texts)  # type: ignore[attr-defined]
    box.fill("therapy")
    shown = [t.strip() for t in page.locator(VISIBLE_TREATMENTS).all_inner_texts()]  # type: ignore[attr-defined]
    assert 1 < len(shown) < len(texts)
    assert len(shown) == sum("therapy" in t.lower() for t in texts)
    assert all("therapy" in t.lower() for t in shown)
    box.fill("PHYSICAL  ther")  # every word, in any case
    shown = [t.strip() for t in page.locator(VISIBLE_TREATMENTS).all_inner_texts()]  # type: ignore[attr-defined]
    assert shown and all("physical" in t.lower() and "ther" in t.lower() for t in shown)
    assert any(t.startswith("physical therapy") for t in shown) and len(shown) < len(texts)
    box.press("Enter")
    assert page.url == tab.base + "/explore"  # type: ignore[attr-defined]
    box.fill("no treatment is called this")
    assert page.locator(VISIBLE_TREATMENTS).count() == 0  # type: ignore[attr-defined]
    assert page.locator("#filter-treatment .filter-none").is_visible()  # type: ignore[attr-defined]
    page.fill("#filter-icd-search", "dorsopath")  # type: ignore[attr-defined]
    icd = [t.strip() for t in page.locator("#filter-icd label.filter-option:visible").all_inner_texts()]  # type: ignore[attr-defined]
    assert len(icd) == 1 and icd[0].startswith("M50-M54 Other dorsopathies")
    assert page.locator("#filter-icd label.filter-option").count() > 5  # type: ignore[attr-defined]
    box.fill("physical therapy")
    page.check('#filter-treatment input[value="physical-therapy"]')  # type: ignore[attr-defined]

    page.click("#apply-filters")  # type: ignore[attr-defined]
    page.wait_for_url("**/explore?*")  # type: ignore[attr-defined]
    query = parse_qs(urlsplit(page.url).query)  # type: ignore[attr-defined]
    assert query["treatment"] == ["physical-therapy"] and "icd" not in query and "from" not in query
    page.wait_for_selector(SANKEY_DRAWN)  # type: ignore[attr-defined]
    filtered = server_json(tab.base, "/explore.json?treatment=physical-therapy")
    assert 0 < filtered["totals"]["items"] < data["totals"]["items"]
    assert page.locator("#totals strong").first.inner_text() == str(filtered["totals"]["items"])  # type: ignore[attr-defined]
    assert page.locator("#links-table tbody tr").count() == len(filtered["table"])  # type: ignore[attr-defined]
    assert page.is_checked('#filter-treatment input[value="physical-therapy"]')  # type: ignore[attr-defined]
    assert page.locator("#download-json").get_attribute("href") == "/explore.json?treatment=physical-therapy"  # type: ignore[attr-defined]
    assert page.locator(VISIBLE_TREATMENTS).count() == len(texts)  # type: ignore[attr-defined]  # a new page: all shown

    page.uncheck('#filter-treatment input[value="physical-therapy"]')  # type: ignore[attr-defined]
    page.fill("#icd-code", "M54.5")  # type: ignore[attr-defined]
    page.fill("#date-from", "2015-01-01")  # type: ignore[attr-defined]
    page.click("#apply-filters")  # type: ignore[attr-defined]
    page.wait_for_url("**/explore?*from=2015-01-01*")  # type: ignore[attr-defined]
    page.wait_for_selector(SANKEY_DRAWN)  # type: ignore[attr-defined]
    narrowed = server_json(tab.base, "/explore.json?icd=M54.5&from=2015-01-01")
    everything_m545 = server_json(tab.base, "/explore.json?icd=M54.5")["totals"]["items"]
    assert 0 < narrowed["totals"]["items"] < everything_m545
    assert page.locator("#totals strong").first.inner_text() == str(narrowed["totals"]["items"])  # type: ignore[attr-defined]
    assert page.is_checked('#filter-icd input[value="M54.5"]')  # type: ignore[attr-defined]
    assert page.input_value("#date-from") == "2015-01-01"  # type: ignore[attr-defined]
    page.fill("#filter-treatment-search", "therapy")  # type: ignore[attr-defined]
    tab.shot("explore-filters.png")
    tab.assert_stayed_local()


def test_chapter_level_and_hover(tab: Tab) -> None:
    """At chapter level the left column has chapters and topics; hovering a box lights its bands."""
    page = tab.page
    data = server_json(tab.base, "/explore.json?level=chapter")
    tab.open("/explore?level=chapter", wait_for=SANKEY_DRAWN)
    sources = [n for n in data["nodes"] if n["column"] == "source"]
    assert page.locator("#sankey g.node-source").count() == len(sources)  # type: ignore[attr-defined]
    page.hover("#sankey g.node-category rect")  # type: ignore[attr-defined]
    assert page.locator("#sankey svg.focused").count() == 1  # type: ignore[attr-defined]
    assert page.locator("#sankey path.band.hot").count() > 0  # type: ignore[attr-defined]
    tab.shot("explore-chapter-level.png")
    tab.assert_stayed_local()


def test_quality_page_draws_its_chart(tab: Tab) -> None:
    """The Chart.js chart shows letters per decision month, and per build date when chosen."""
    page = tab.page
    data = server_json(tab.base, "/quality.json")
    tab.open("/quality", wait_for='#quality-chart[data-drawn="by_month"]')
    labels = page.evaluate("() => window.Chart.getChart(document.getElementById('quality-chart')).data.labels")  # type: ignore[attr-defined]
    assert labels == [p["period"] for p in data["by_month"]]
    assert page.locator("#letters-table tbody tr").count() == len(data["letters"])  # type: ignore[attr-defined]
    tab.shot("quality-1280.png")
    page.select_option("#timeline-choice", "by_build_date")  # type: ignore[attr-defined]
    page.wait_for_selector('#quality-chart[data-drawn="by_build_date"]')  # type: ignore[attr-defined]
    tab.assert_stayed_local()
