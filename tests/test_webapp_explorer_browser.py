"""/explore and /quality in a real headless browser: Debian's Chromium driven by Playwright against a real server.

Needs /usr/bin/chromium and webapp/node_modules (``KG_BROWSER_TESTS=1 bash scripts/setup.sh``); without them these
tests fail, they are never skipped. Screenshots go to tests/artifacts/.
"""
from __future__ import annotations

import json
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from webapp import workbench

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
LAUNCH_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
               "--disable-sync", "--no-first-run", "--disable-quic"]
TIMEOUT_MS = 30_000
RATE_COLUMN = 7  # "Overturn rate" in the links table
COLUMN_VALUES = """(index) => Array.from(document.querySelectorAll('#links-table tbody tr'))
  .map((row) => row.cells[index].getAttribute('data-value'))"""


@dataclass
class Tab:
    """A browser page plus what it did: every URL it requested and its script errors."""

    page: object
    base: str
    requests: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def shot(self, name: str) -> Path:
        ARTIFACTS.mkdir(exist_ok=True)
        path = ARTIFACTS / name
        self.page.screenshot(path=str(path), full_page=True)  # type: ignore[attr-defined]
        assert path.stat().st_size > 0
        return path

    def assert_stayed_local(self) -> None:
        """Nothing the page loaded came from anywhere but the test server; no script error, no CSP refusal."""
        assert self.requests, "the page made no request at all?"
        for url in self.requests:
            parts = urlsplit(url)
            assert parts.scheme in ("data", "blob", "about") or parts.hostname == "127.0.0.1", url
        assert not self.errors, self.errors


@pytest.fixture(scope="module")
def live_server(built_store_path: Path) -> Iterator[str]:
    """The app served by waitress on a free port of 127.0.0.1, in a thread; yields its base URL."""
    from webapp import create_app
    from webapp.serve import ServerThread
    from webapp.store import close_app

    app = create_app({"TESTING": True, "STORE_PATH": str(built_store_path)})
    try:
        with ServerThread(app) as server:
            yield server.url
    finally:
        close_app(app)


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    """Headless Debian Chromium under Playwright. Missing pieces fail the tests with what to run."""
    if not CHROMIUM.is_file():
        pytest.fail(f"{CHROMIUM} is missing: the browser tests need Debian's chromium. "
                    "Install it with the set-up script: KG_BROWSER_TESTS=1 bash scripts/setup.sh")
    if not (workbench.NODE_MODULES / "chart.js/dist/chart.umd.js").is_file():
        pytest.fail("webapp/node_modules is missing: run `bash scripts/setup.sh` (it runs npm ci --prefix webapp)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=LAUNCH_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def tab(browser, live_server: str) -> Iterator[Tab]:
    """A fresh browser context and page at 1280 px, recording its requests and errors."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})  # type: ignore[attr-defined]
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    found = Tab(page, live_server)
    context.on("request", lambda request: found.requests.append(request.url))
    page.on("pageerror", lambda error: found.errors.append(f"script error: {error}"))
    page.on("console", lambda message: found.errors.append(f"console: {message.text}")
            if "Content Security Policy" in message.text else None)
    yield found
    context.close()


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
    page.goto(tab.base + "/explore")  # type: ignore[attr-defined]
    page.wait_for_selector('#sankey[data-drawn="true"] svg')  # type: ignore[attr-defined]
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
    page.wait_for_selector('#sankey[data-drawn="true"] svg')  # type: ignore[attr-defined]
    filtered = server_json(tab.base, "/explore.json?category=pharmaceuticals&year=2015")
    assert 0 < filtered["totals"]["items"] < data["totals"]["items"]
    assert page.locator("#totals strong").first.inner_text() == str(filtered["totals"]["items"])  # type: ignore[attr-defined]
    assert page.locator("#links-table tbody tr").count() == len(filtered["table"])  # type: ignore[attr-defined]
    assert page.locator("#sankey g.node-category").count() == 1  # type: ignore[attr-defined]
    assert page.is_checked('#filter-category input[value="pharmaceuticals"]')  # type: ignore[attr-defined]
    assert page.locator("#download-csv").get_attribute("href") == "/explore.csv?category=pharmaceuticals&year=2015"  # type: ignore[attr-defined]
    tab.shot("explore-filtered.png")
    tab.assert_stayed_local()


def test_chapter_level_and_hover(tab: Tab) -> None:
    """At chapter level the left column has chapters and topics; hovering a box lights its bands."""
    page = tab.page
    data = server_json(tab.base, "/explore.json?level=chapter")
    page.goto(tab.base + "/explore?level=chapter")  # type: ignore[attr-defined]
    page.wait_for_selector('#sankey[data-drawn="true"] svg')  # type: ignore[attr-defined]
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
    page.goto(tab.base + "/quality")  # type: ignore[attr-defined]
    page.wait_for_selector('#quality-chart[data-drawn="by_month"]')  # type: ignore[attr-defined]
    labels = page.evaluate("() => window.Chart.getChart(document.getElementById('quality-chart')).data.labels")  # type: ignore[attr-defined]
    assert labels == [p["period"] for p in data["by_month"]]
    assert page.locator("#letters-table tbody tr").count() == len(data["letters"])  # type: ignore[attr-defined]
    tab.shot("quality-1280.png")
    page.select_option("#timeline-choice", "by_build_date")  # type: ignore[attr-defined]
    page.wait_for_selector('#quality-chart[data-drawn="by_build_date"]')  # type: ignore[attr-defined]
    tab.assert_stayed_local()
