"""The graph pages in a real headless browser: Debian's Chromium under Playwright against a real server.

Needs /usr/bin/chromium and webapp/node_modules (``bash scripts/setup.sh``); without them these tests fail,
they are never skipped. Screenshots go to tests/artifacts/.
"""
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import pytest

from webapp import workbench

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
LAUNCH_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
               "--disable-sync", "--no-first-run", "--disable-quic"]
TIMEOUT_MS = 30_000
CASE = "https://w3id.org/imr-kg/case/CM14-0166055"
CONSTRUCT = ("PREFIX imr: <https://w3id.org/imr-kg/ontology#>\n"
             "CONSTRUCT { ?case imr:caseNumber ?n ; imr:disputedItem ?item . ?item imr:treatment ?t }\n"
             "WHERE { GRAPH ?g { ?case imr:caseNumber ?n ; imr:disputedItem ?item . ?item imr:treatment ?t } }")
# True when the canvas has pixels that are not all one colour (something was drawn).
CANVAS_DRAWN = """(selector) => {
  const box = document.querySelector(selector);
  if (!box) return false;
  for (const canvas of box.querySelectorAll('canvas')) {
    if (!canvas.width || !canvas.height) continue;
    const pixels = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
    for (let i = 3; i < pixels.length; i += 4) if (pixels[i] !== 0) return true;
  }
  return false;
}"""


@pytest.fixture(scope="module")
def server(built_store_path: Path) -> Iterator[str]:
    """The app under waitress on a free port of 127.0.0.1, in a thread; yields its base URL."""
    from webapp import create_app
    from webapp.serve import ServerThread
    from webapp.store import close_app

    app = create_app({"TESTING": True, "STORE_PATH": str(built_store_path)})
    try:
        with ServerThread(app) as running:
            yield running.url
    finally:
        close_app(app)


@pytest.fixture(scope="module")
def chromium() -> Iterator[object]:
    """Headless Debian Chromium; a missing browser or library fails the tests with what to run."""
    if not CHROMIUM.is_file():
        pytest.fail(f"{CHROMIUM} is missing: the browser tests need Debian's chromium. "
                    "Install it with: KG_BROWSER_TESTS=1 bash scripts/setup.sh")
    if not (workbench.NODE_MODULES / "cytoscape/dist/cytoscape.min.js").is_file():
        pytest.fail("webapp/node_modules is missing: run `bash scripts/setup.sh` (it runs npm ci --prefix webapp)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=LAUNCH_ARGS)
        yield browser
        browser.close()


class Visit:
    """A page plus every URL it asked for and every script error or CSP refusal it met."""

    def __init__(self, context: object, base: str) -> None:
        self.base = base
        self.requests: list[str] = []
        self.errors: list[str] = []
        self.page = context.new_page()  # type: ignore[attr-defined]
        context.on("request", lambda r: self.requests.append(r.url))  # type: ignore[attr-defined]
        self.page.on("pageerror", lambda e: self.errors.append(f"script error: {e}"))
        self.page.on("console", lambda m: self.errors.append(m.text) if "Content Security Policy" in m.text else None)

    def shot(self, name: str) -> Path:
        ARTIFACTS.mkdir(exist_ok=True)
        path = ARTIFACTS / name
        self.page.screenshot(path=str(path), full_page=True)
        assert path.stat().st_size > 0
        return path

    def assert_stayed_local(self) -> None:
        assert self.requests
        for url in self.requests:
            parts = urlsplit(url)
            assert parts.scheme in ("data", "blob", "about") or parts.hostname == "127.0.0.1", url
        assert not self.errors, self.errors


@pytest.fixture
def visit(chromium, server: str) -> Iterator[Visit]:
    """A fresh context and page at 1280x900."""
    context = chromium.new_context(viewport={"width": 1280, "height": 900})  # type: ignore[attr-defined]
    context.set_default_timeout(TIMEOUT_MS)
    yield Visit(context, server)
    context.close()


def node_count(visit: Visit) -> int:
    return visit.page.evaluate("() => window.ImrGraph.instances['graph-canvas'].nodes().length")


def test_explorer_draws_and_expands(visit: Visit) -> None:
    """The case's neighbourhood is drawn with labels; a click on an item adds its citations."""
    page = visit.page
    page.goto(visit.base + "/graph?" + urlencode({"iri": CASE}))
    page.wait_for_function("() => window.ImrGraph && window.ImrGraph.instances['graph-canvas'] && "
                           "window.ImrGraph.instances['graph-canvas'].nodes().length > 1")
    page.wait_for_function(CANVAS_DRAWN, arg="#graph-canvas")
    labels = page.evaluate("() => window.ImrGraph.instances['graph-canvas'].nodes().map((n) => n.data('label'))")
    assert "CM14-0166055" in labels and "Item 1: massage therapy" in labels
    assert not any(label.startswith("https://") for label in labels)
    # text spans and values are there but hidden until asked for
    hidden = page.evaluate("() => window.ImrGraph.instances['graph-canvas'].nodes('.span').every("
                           "(n) => n.style('display') === 'none')")
    assert hidden
    visit.shot("graph-case.png")

    before = node_count(visit)
    x, y = page.evaluate("""() => {
      const cy = window.ImrGraph.instances['graph-canvas'];
      const node = cy.nodes('.item')[0];
      const box = cy.container().getBoundingClientRect();
      const at = node.renderedPosition();
      return [box.left + at.x, box.top + at.y];
    }""")
    page.mouse.click(x, y)
    page.wait_for_function(f"() => window.ImrGraph.instances['graph-canvas'].nodes().length > {before}")
    page.wait_for_function("() => window.ImrGraph.instances['graph-canvas'].nodes('.citation').length >= 2")
    assert page.locator("#panel-title").inner_text() == "Item 1: massage therapy"
    assert "massage therapy" in page.locator("#panel-values").inner_text()
    assert page.locator("#panel-open").get_attribute("href") == \
        "/resource?" + urlencode({"iri": CASE + "/item/1"})

    page.check("#graph-show-spans")
    page.wait_for_function("() => window.ImrGraph.instances['graph-canvas'].nodes('.span')"
                           ".some((n) => n.style('display') !== 'none')")
    page.select_option("#graph-layout", "rings")
    page.click("#graph-fit")
    visit.shot("graph-case-expanded.png")
    visit.assert_stayed_local()


def test_construct_result_is_drawn_in_the_workbench(visit: Visit) -> None:
    """A CONSTRUCT query in the workbench: the graph appears in #graph-view above the Turtle text."""
    page = visit.page
    page.goto(visit.base + "/query?" + urlencode({"query": CONSTRUCT}))
    page.wait_for_selector("#graph-text", state="visible")
    page.wait_for_function("() => window.ImrGraph.instances['graph-view'] && "
                           "window.ImrGraph.instances['graph-view'].nodes().length > 1")
    page.wait_for_function(CANVAS_DRAWN, arg="#graph-view")
    labels = page.evaluate("() => window.ImrGraph.instances['graph-view'].nodes().map((n) => n.data('label'))")
    assert "CM14-0166055" in labels
    above = page.evaluate("() => document.getElementById('graph-view').compareDocumentPosition("
                          "document.getElementById('graph-text')) & Node.DOCUMENT_POSITION_FOLLOWING")
    assert above, "the drawing should come before the Turtle text"
    assert "CM14-0166055" in page.locator("#graph-text").inner_text()
    page.locator("#graph-view").scroll_into_view_if_needed()
    visit.shot("workbench-construct-graph.png")

    # a SELECT afterwards clears the drawing
    page.evaluate("(t) => document.querySelector('.CodeMirror').CodeMirror.setValue(t)",
                  "SELECT ?s WHERE { GRAPH ?g { ?s ?p ?o } } LIMIT 3")
    page.click("#run-button")
    page.wait_for_selector("#result-table tbody tr")
    assert page.evaluate("() => !window.ImrGraph.instances['graph-view'] && "
                         "document.getElementById('graph-view').children.length === 0")
    visit.assert_stayed_local()


def test_network_page_draws_both_projections(visit: Visit) -> None:
    """/network shows the tables and draws both networks, sized by weighted degree, coloured by community."""
    page = visit.page
    page.goto(visit.base + "/network")
    for name in ("treatments", "guidelines"):
        page.wait_for_function(f"() => window.ImrGraph.instances['network-canvas-{name}'] && "
                               f"window.ImrGraph.instances['network-canvas-{name}'].nodes().length > 1")
        page.wait_for_function(CANVAS_DRAWN, arg=f"#network-canvas-{name}")
    sizes = page.evaluate("() => window.ImrGraph.instances['network-canvas-treatments'].nodes()"
                          ".map((n) => n.data('size'))")
    assert max(sizes) > min(sizes)
    assert page.locator("#network-treatments .network-pairs tbody tr").count() > 0
    assert "orthopedic consultation" in page.locator("#network-treatments .network-pairs").inner_text()
    visit.shot("network.png")
    visit.assert_stayed_local()
