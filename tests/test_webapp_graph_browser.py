"""The graph pages in a real headless browser: Debian's Chromium under Playwright against a real server.

Needs /usr/bin/chromium and webapp/node_modules (``bash scripts/setup.sh``); without them these tests fail,
they are never skipped. Screenshots go to tests/artifacts/.
"""
from __future__ import annotations

from urllib.parse import urlencode

from tests.browsing import BrowserSetup, Tab

BROWSER_SETUP = BrowserSetup(library="cytoscape/dist/cytoscape.min.js", install="Install it with")
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


def node_count(tab: Tab) -> int:
    return tab.page.evaluate("() => window.ImrGraph.instances['graph-canvas'].nodes().length")


def test_explorer_draws_and_expands(tab: Tab) -> None:
    """The case's neighbourhood is drawn with labels; a click on an item adds its citations."""
    page = tab.page
    tab.open("/graph?" + urlencode({"iri": CASE}))
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
    tab.shot("graph-case.png")

    before = node_count(tab)
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
    tab.shot("graph-case-expanded.png")
    tab.assert_stayed_local()


def test_construct_result_is_drawn_in_the_workbench(tab: Tab) -> None:
    """A CONSTRUCT query in the workbench: the graph appears in #graph-view above the Turtle text."""
    page = tab.page
    tab.open("/query?" + urlencode({"query": CONSTRUCT}))
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
    tab.shot("workbench-construct-graph.png")

    # a SELECT afterwards clears the drawing
    page.evaluate("(t) => document.querySelector('.CodeMirror').CodeMirror.setValue(t)",
                  "SELECT ?s WHERE { GRAPH ?g { ?s ?p ?o } } LIMIT 3")
    page.click("#run-button")
    page.wait_for_selector("#result-table tbody tr")
    assert page.evaluate("() => !window.ImrGraph.instances['graph-view'] && "
                         "document.getElementById('graph-view').children.length === 0")
    tab.assert_stayed_local()


def test_network_page_draws_both_projections(tab: Tab) -> None:
    """/network shows the tables and draws both networks, sized by weighted degree, coloured by community."""
    page = tab.page
    tab.open("/network")
    for name in ("treatments", "guidelines"):
        page.wait_for_function(f"() => window.ImrGraph.instances['network-canvas-{name}'] && "
                               f"window.ImrGraph.instances['network-canvas-{name}'].nodes().length > 1")
        page.wait_for_function(CANVAS_DRAWN, arg=f"#network-canvas-{name}")
    sizes = page.evaluate("() => window.ImrGraph.instances['network-canvas-treatments'].nodes()"
                          ".map((n) => n.data('size'))")
    assert max(sizes) > min(sizes)
    assert page.locator("#network-treatments .network-pairs tbody tr").count() > 0
    assert "orthopedic consultation" in page.locator("#network-treatments .network-pairs").inner_text()
    tab.shot("network.png")
    tab.assert_stayed_local()
