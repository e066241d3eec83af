"""The graph pages in a real headless browser: Debian's Chromium under Playwright against a real server.

Needs /usr/bin/chromium and webapp/node_modules (``bash scripts/setup.sh``); without them these tests fail,
they are never skipped. Screenshots go to tests/artifacts/.

Every drawing is checked the same way: its node labels are labels (not IRIs), its legend names each kind of
node drawn in the colour drawn, its labels do not overlap, and the fCoSE layout placed it.
"""
from __future__ import annotations

import re
from urllib.parse import urlencode

from tests.browsing import BrowserSetup, Tab

BROWSER_SETUP = BrowserSetup(library="cytoscape-fcose/cytoscape-fcose.js", install="Install it with")
CASE = "https://w3id.org/imr-kg/case/CM14-0166055"
CONSTRUCT = ("PREFIX imr: <https://w3id.org/imr-kg/ontology#>\n"
             "CONSTRUCT { ?case imr:caseNumber ?n ; imr:disputedItem ?item . ?item imr:treatment ?t }\n"
             "WHERE { GRAPH ?g { ?case imr:caseNumber ?n ; imr:disputedItem ?item . ?item imr:treatment ?t } }")
# Resources the graph has no label for: the drawing names them from their IRIs.
UNLABELLED = (f"CONSTRUCT {{ <{CASE}> <https://example.org/seeAlso> ?x }}\n"
              f"WHERE {{ VALUES ?x {{ <{CASE}/prior-treatment/99> <https://example.org/a/b/7> }} }}")
IRI_LIKE = re.compile(r"^\w+:[\w-]+/")
MAX_OVERLAPPING_PAIRS = 0.05
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
# The shown nodes of a drawing: the label drawn, the full label, class and colour.
SHOWN_NODES = """(key) => window.ImrGraph.instances[key].nodes().filter((n) => n.visible()).map((n) => ({
  short: n.data('short'), label: n.data('label'), cls: n.data('cls'), colour: n.data('colour') }))"""
# How many pairs of shown nodes have boxes (node and label) that overlap, and how many pairs there are.
OVERLAPS = """(key) => {
  const boxes = window.ImrGraph.instances[key].nodes().filter((n) => n.visible())
    .map((n) => n.boundingBox({ includeLabels: true }));
  let overlapping = 0;
  let pairs = 0;
  for (let i = 0; i < boxes.length; i += 1) {
    for (let j = i + 1; j < boxes.length; j += 1) {
      const a = boxes[i];
      const b = boxes[j];
      const width = Math.min(a.x2, b.x2) - Math.max(a.x1, b.x1);
      const height = Math.min(a.y2, b.y2) - Math.max(a.y1, b.y1);
      pairs += 1;
      if (width > 0 && height > 0) overlapping += 1;
    }
  }
  return [overlapping, pairs];
}"""
# The legend's entries for kinds of node: class -> the colour of its icon.
LEGEND_CLASSES = """(selector) => Object.fromEntries([...document.querySelectorAll(selector + ' li[data-cls]')]
  .map((li) => [li.dataset.cls, li.querySelector('svg [fill]').getAttribute('fill')]))"""


def node_count(tab: Tab, key: str = "graph-canvas") -> int:
    return tab.page.evaluate(f"() => window.ImrGraph.instances['{key}'].nodes().length")


def wait_for_layout(tab: Tab, key: str) -> None:
    """Until the drawing ``key`` has been laid out (window.ImrGraph.layouts names the layout used)."""
    tab.page.wait_for_function(f"() => window.ImrGraph && window.ImrGraph.layouts['{key}']")


def assert_readable(tab: Tab, key: str, legend: str) -> list[dict]:
    """The drawing's labels are not IRIs, its legend lists each class drawn in its colour, its labels do
    not overlap, and fCoSE laid it out. Returns the shown nodes."""
    nodes = tab.page.evaluate(SHOWN_NODES, key)
    assert len(nodes) > 1
    for node in nodes:
        for text in (node["short"], node["label"]):
            assert text and "://" not in text and not IRI_LIKE.match(text), node
    legend_classes = tab.page.evaluate(LEGEND_CLASSES, legend)
    drawn = {node["cls"]: node["colour"] for node in nodes}
    assert legend_classes == drawn, (legend_classes, drawn)
    overlapping, pairs = tab.page.evaluate(OVERLAPS, key)
    assert overlapping < MAX_OVERLAPPING_PAIRS * pairs, f"{overlapping} of {pairs} pairs of labels overlap"
    assert tab.page.evaluate(f"() => window.ImrGraph.layouts['{key}']") == "fcose"
    return nodes


def test_explorer_draws_and_expands(tab: Tab) -> None:
    """The case's neighbourhood is drawn with labels, a legend and no overlaps; a click on an item adds its
    citations."""
    page = tab.page
    tab.open("/graph?" + urlencode({"iri": CASE}))
    wait_for_layout(tab, "graph-canvas")
    page.wait_for_function(CANVAS_DRAWN, arg="#graph-canvas")
    assert page.evaluate("() => window.__graphLayout") == "fcose"
    nodes = assert_readable(tab, "graph-canvas", "#graph-legend")
    labels = {node["label"] for node in nodes}
    assert {"CM14-0166055", "Item 1: massage therapy", "medications", "source of priority"} <= labels
    # the kinds of a case's neighbourhood have colours of their own
    colours = {node["cls"]: node["colour"] for node in nodes}
    assert len(colours) >= 8 and len(set(colours.values())) == len(colours), colours
    assert "Link:" in page.locator("#graph-legend").inner_text()
    assert page.locator("#graph-caps").is_hidden()  # every link of the case is drawn
    # text spans and values are there but hidden until asked for, and the legend says so
    hidden = page.evaluate("() => window.ImrGraph.instances['graph-canvas'].nodes('.span').every("
                           "(n) => n.style('display') === 'none')")
    assert hidden and "hidden" in page.locator("#graph-legend li[data-note]").inner_text()
    # pointing at a node shows its IRI
    page.mouse.move(*node_position(tab, ".prior"))
    page.wait_for_function("() => (document.getElementById('graph-canvas').title || '').includes("
                           "'https://w3id.org/imr-kg/case/CM14-0166055/prior-treatment/')")
    tab.shot("graph-view.png")

    before = node_count(tab)
    page.mouse.click(*node_position(tab, ".item"))
    page.wait_for_function(f"() => window.ImrGraph.instances['graph-canvas'].nodes().length > {before}")
    page.wait_for_function("() => window.ImrGraph.instances['graph-canvas'].nodes('.citation').length >= 2")
    assert page.locator("#panel-title").inner_text() == "Item 1: massage therapy"
    assert "massage therapy" in page.locator("#panel-values").inner_text()
    assert page.locator("#panel-open").get_attribute("href") == \
        "/resource?" + urlencode({"iri": CASE + "/item/1"})
    page.wait_for_selector("#graph-legend li[data-cls='citation']")
    assert_readable(tab, "graph-canvas", "#graph-legend")

    page.check("#graph-show-spans")
    page.wait_for_function("() => window.ImrGraph.instances['graph-canvas'].nodes('.span')"
                           ".some((n) => n.style('display') !== 'none')")
    page.wait_for_selector("#graph-legend li[data-cls='span']")
    page.select_option("#graph-layout", "rings")
    page.wait_for_function("() => window.ImrGraph.layouts['graph-canvas'] === 'breadthfirst'")
    page.click("#graph-fit")
    tab.shot("graph-case-expanded.png")
    tab.assert_stayed_local()


def node_position(tab: Tab, selector: str) -> tuple[float, float]:
    """Where on the page the first node matching ``selector`` is drawn."""
    return tuple(tab.page.evaluate("""(selector) => {
      const cy = window.ImrGraph.instances['graph-canvas'];
      const node = cy.nodes(selector)[0];
      const box = cy.container().getBoundingClientRect();
      const at = node.renderedPosition();
      return [box.left + at.x, box.top + at.y];
    }""", selector))


def test_explorer_shows_more_links_on_request(tab: Tab) -> None:
    """With ?limit=10 the cap is said ("showing 10 of 35 links"); "Show more" draws more, up to all of them."""
    page = tab.page
    tab.open("/graph?" + urlencode({"iri": CASE, "limit": 10}))
    wait_for_layout(tab, "graph-canvas")
    caps = page.locator("#graph-caps")
    caps.wait_for(state="visible")
    first = re.fullmatch(r"CM14-0166055: showing 10 of (\d+) links — Show more", caps.inner_text().strip())
    assert first, caps.inner_text()
    total = int(first.group(1))
    assert total > 20
    before = node_count(tab)
    page.click("#graph-caps button")
    page.wait_for_function(f"() => window.ImrGraph.instances['graph-canvas'].nodes().length > {before}")
    page.wait_for_function("() => document.getElementById('graph-caps').textContent.includes('showing 20 of')")
    assert f"showing 20 of {total} links" in caps.inner_text()
    assert_readable(tab, "graph-canvas", "#graph-legend")
    page.click("#graph-caps button")  # 40 > total: everything, and the line goes
    caps.wait_for(state="hidden")
    edges = page.evaluate("() => window.ImrGraph.instances['graph-canvas'].edges().length")
    assert edges == total
    tab.assert_stayed_local()


def test_construct_result_is_drawn_in_the_workbench(tab: Tab) -> None:
    """A CONSTRUCT query in the workbench: the graph appears in #graph-view above the Turtle text, labelled
    from the graph, with its legend."""
    page = tab.page
    tab.open("/query?" + urlencode({"query": CONSTRUCT}))
    page.wait_for_selector("#graph-text", state="visible")
    wait_for_layout(tab, "graph-view")
    page.wait_for_function(CANVAS_DRAWN, arg="#graph-view")
    nodes = assert_readable(tab, "graph-view", "#graph-view .graph-legend")
    labels = {node["label"] for node in nodes}
    # case numbers come with the result; items and treatments are named from the graph's labels
    assert {"CM14-0166055", "Item 1: massage therapy", "massage therapy"} <= labels
    assert {node["cls"] for node in nodes} == {"case", "item", "treatment"}
    above = page.evaluate("() => document.getElementById('graph-view').compareDocumentPosition("
                          "document.getElementById('graph-text')) & Node.DOCUMENT_POSITION_FOLLOWING")
    assert above, "the drawing should come before the Turtle text"
    assert "CM14-0166055" in page.locator("#graph-text").inner_text()
    page.locator("#graph-view").scroll_into_view_if_needed()
    tab.shot("workbench-construct.png")

    # resources the graph does not label are named from the end of their IRIs
    page.evaluate("(t) => document.querySelector('.CodeMirror').CodeMirror.setValue(t)", UNLABELLED)
    page.click("#run-button")
    page.wait_for_function("() => window.ImrGraph.layouts['graph-view'] && "
                           "window.ImrGraph.instances['graph-view'].nodes().length === 3")
    labels = {node["label"] for node in assert_readable(tab, "graph-view", "#graph-view .graph-legend")}
    assert labels == {"CM14-0166055", "prior treatment 99", "b 7"}

    # a SELECT afterwards clears the drawing
    page.evaluate("(t) => document.querySelector('.CodeMirror').CodeMirror.setValue(t)",
                  "SELECT ?s WHERE { GRAPH ?g { ?s ?p ?o } } LIMIT 3")
    page.click("#run-button")
    page.wait_for_selector("#result-table tbody tr")
    assert page.evaluate("() => !window.ImrGraph.instances['graph-view'] && "
                         "document.getElementById('graph-view').children.length === 0")
    tab.assert_stayed_local()
    # the workbench page does not load the layout extension itself: the drawing fetched it from /vendor/
    assert any("/vendor/cytoscape-fcose/cytoscape-fcose.js?v=" in url for url in tab.requests)


def test_workbench_names_resources_itself_without_the_label_service(tab: Tab) -> None:
    """When /api/labels cannot be reached, the drawing still names resources from their IRIs, never by them."""
    page = tab.page
    page.route("**/api/labels", lambda route: route.abort())
    tab.open("/query?" + urlencode({"query": UNLABELLED}))
    page.wait_for_function("() => window.ImrGraph.layouts['graph-view'] && "
                           "window.ImrGraph.instances['graph-view'].nodes().length === 3")
    labels = {node["label"] for node in assert_readable(tab, "graph-view", "#graph-view .graph-legend")}
    assert labels == {"CM14-0166055", "prior treatment 99", "b 7"}
    assert any(url.endswith("/api/labels") for url in tab.requests)
    tab.assert_stayed_local()


def test_drawing_falls_back_to_cose_without_the_extension(tab: Tab) -> None:
    """When the layout extension cannot be loaded, the drawing is still made, with Cytoscape's own cose."""
    page = tab.page
    page.route("**/vendor/cytoscape-fcose/**", lambda route: route.abort())
    tab.open("/graph?" + urlencode({"iri": CASE}))
    wait_for_layout(tab, "graph-canvas")
    page.wait_for_function(CANVAS_DRAWN, arg="#graph-canvas")
    assert page.evaluate("() => window.ImrGraph.layouts['graph-canvas']") == "cose"
    assert node_count(tab) > 10
    tab.assert_stayed_local()


def test_network_page_draws_both_projections(tab: Tab) -> None:
    """/network draws both networks, sized by strength, coloured by group, with a legend of the groups drawn,
    plain column names and the measures explained on request."""
    page = tab.page
    tab.open("/network")
    for name in ("treatments", "guidelines"):
        wait_for_layout(tab, f"network-canvas-{name}")
        page.wait_for_function(CANVAS_DRAWN, arg=f"#network-canvas-{name}")
        key = f"network-canvas-{name}"
        assert tab.page.evaluate(f"() => window.ImrGraph.layouts['{key}']") == "fcose"
        nodes = page.evaluate(SHOWN_NODES, key)
        for node in nodes:
            assert "://" not in node["short"] and not IRI_LIKE.match(node["short"]), node
        overlapping, pairs = page.evaluate(OVERLAPS, key)
        assert overlapping < MAX_OVERLAPPING_PAIRS * pairs, f"{name}: {overlapping} of {pairs} pairs overlap"
        # each colour drawn is in the legend, named after members of that group
        legend = page.evaluate(f"""() => [...document.querySelectorAll('#network-legend-{name} li[data-group]')]
          .map((li) => [li.querySelector('svg [fill]').getAttribute('fill'), li.textContent])""")
        assert {colour for colour, _ in legend} == {node["colour"] for node in nodes}
        assert all(re.match(r"(Group \d+|Smaller groups): \S", text) for _, text in legend), legend
        assert page.locator(f"#network-legend-{name} li[data-edge]").inner_text().startswith("Line:")
    assert "Group 1: " in page.locator("#network-legend-treatments").inner_text()
    sizes = page.evaluate("() => window.ImrGraph.instances['network-canvas-treatments'].nodes()"
                          ".map((n) => n.data('size'))")
    assert max(sizes) > min(sizes)
    pairs = page.locator("#network-treatments .network-pairs")
    assert "orthopedic consultation" in pairs.inner_text()
    assert "Requested together in … cases" in pairs.locator("thead").inner_text()
    help_text = page.locator("#network-treatments details.network-help")
    assert not help_text.locator("table").is_visible()
    page.click("#network-treatments details.network-help summary")
    assert help_text.locator("table").is_visible() and "Betweenness" in help_text.inner_text()
    tab.shot("network.png")
    tab.assert_stayed_local()
