"""Shared by the browser tests: the app on a real server, Debian's Chromium under Playwright, a recording tab.

tests/conftest.py loads this module as a plugin, so its fixtures are everywhere; a browser test module only
says what its pages need::

    from tests.browsing import BrowserSetup, Tab

    BROWSER_SETUP = BrowserSetup(library="chart.js/dist/chart.umd.js")

Its tests take ``tab``: a fresh page at 1280x900 on ``live_server`` (waitress on 127.0.0.1 over the bundled
letters' store), recording every URL it requests and every script error or CSP refusal it meets. Without
/usr/bin/chromium (``KG_BROWSER_TESTS=1 bash scripts/setup.sh``) or the module's library in
webapp/node_modules (``bash scripts/setup.sh``) the tests fail, they are never skipped. Screenshots go to
tests/artifacts/.
"""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from webapp import workbench

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
LAUNCH_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
               "--disable-sync", "--no-first-run", "--disable-quic"]
TIMEOUT_MS = 30_000
VIEWPORT = {"width": 1280, "height": 900}


@dataclass(frozen=True)
class BrowserSetup:
    """What one browser test module needs, as its ``BROWSER_SETUP``.

    library: a file under webapp/node_modules that its pages load (None: none); missing, the tests fail.
    who, install: how the failure for a missing chromium names the tests and the way to install it.
    console_errors: any console error fails a test too, not only a Content Security Policy refusal.
    """

    library: str | None = None
    who: str = "the browser tests"
    install: str = "Install it with the set-up script"
    console_errors: bool = False


def module_setup(request: pytest.FixtureRequest) -> BrowserSetup:
    """The requesting test module's ``BROWSER_SETUP``."""
    setup = getattr(request.module, "BROWSER_SETUP", None)
    if not isinstance(setup, BrowserSetup):
        pytest.fail(f"{request.module.__name__} uses tests.browsing but sets no "
                    "BROWSER_SETUP = BrowserSetup(...)")
    return setup


@dataclass
class Tab:
    """A browser page plus what it did: every URL it requested and its script errors."""

    page: object
    base: str
    requests: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def open(self, path: str, wait_for: str | None = None) -> None:
        """Go to ``path`` on the server and, if given, wait until the selector ``wait_for`` is on the page."""
        self.page.goto(self.base + path)  # type: ignore[attr-defined]
        if wait_for is not None:
            self.page.wait_for_selector(wait_for)  # type: ignore[attr-defined]

    def shot(self, name: str, full_page: bool = True) -> Path:
        ARTIFACTS.mkdir(exist_ok=True)
        path = ARTIFACTS / name
        self.page.screenshot(path=str(path), full_page=full_page)  # type: ignore[attr-defined]
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
def browser(request: pytest.FixtureRequest) -> Iterator[object]:
    """Headless Debian Chromium under Playwright. Missing pieces fail the tests with what to run."""
    setup = module_setup(request)
    if not CHROMIUM.is_file():
        pytest.fail(f"{CHROMIUM} is missing: {setup.who} need Debian's chromium. "
                    f"{setup.install}: KG_BROWSER_TESTS=1 bash scripts/setup.sh")
    if setup.library is not None and not (workbench.NODE_MODULES / setup.library).is_file():
        pytest.fail("webapp/node_modules is missing: run `bash scripts/setup.sh` (it runs npm ci --prefix webapp)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=LAUNCH_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def tab(request: pytest.FixtureRequest, browser, live_server: str) -> Iterator[Tab]:
    """A fresh browser context and page at 1280 px, recording its requests and errors."""
    console_errors = module_setup(request).console_errors
    context = browser.new_context(viewport=VIEWPORT)  # type: ignore[attr-defined]
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    found = Tab(page, live_server)
    context.on("request", lambda sent: found.requests.append(sent.url))
    page.on("pageerror", lambda error: found.errors.append(f"script error: {error}"))
    page.on("console", lambda message: found.errors.append(f"console: {message.text}")
            if "Content Security Policy" in message.text or (console_errors and message.type == "error")
            else None)
    yield found
    context.close()
