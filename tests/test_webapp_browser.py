"""The workbench in a real headless browser: Debian's Chromium driven by Playwright against a real server.

Needs /usr/bin/chromium (``KG_BROWSER_TESTS=1 bash scripts/setup.sh`` installs it) and webapp/node_modules
(``bash scripts/setup.sh``); without them these tests fail, they are never skipped. Screenshots go to
tests/artifacts/.
"""
from __future__ import annotations

import json
import re
import urllib.request
from urllib.parse import parse_qs, urlencode, urlsplit

from kg.examples import example_queries
from tests.browsing import BrowserSetup, Tab

BROWSER_SETUP = BrowserSetup(library="codemirror/lib/codemirror.js")
IMR = "https://w3id.org/imr-kg/ontology#"
CASE_NUMBERS = f"PREFIX imr: <{IMR}>\nSELECT ?case ?number WHERE {{ GRAPH ?g {{ ?case imr:caseNumber ?number }} }}\n" \
               "ORDER BY ?number"
# The editor is CodeMirror: its wrapper element carries the editor object.
EDITOR = ".CodeMirror"
GET_EDITOR_TEXT = "() => document.querySelector('.CodeMirror').CodeMirror.getValue()"
SET_EDITOR_TEXT = "(text) => document.querySelector('.CodeMirror').CodeMirror.setValue(text)"
CHART_DRAWN = """() => {
  const canvas = document.getElementById('result-chart');
  const chart = window.Chart && window.Chart.getChart(canvas);
  return Boolean(chart) && canvas.width > 0 && canvas.height > 0 && canvas.getBoundingClientRect().height > 0;
}"""


def sparql_json(base: str, query: str) -> dict:
    """The endpoint's own JSON answer, to compare what the page shows with."""
    with urllib.request.urlopen(f"{base}/sparql?{urlencode({'query': query, 'format': 'json'})}") as response:
        return json.loads(response.read())


def wait_for_rows(tab: Tab) -> None:
    tab.page.wait_for_selector("#result-table tbody tr")  # type: ignore[attr-defined]


def rows_text(n: int) -> str:
    return f"{n:,} row" + ("" if n == 1 else "s")


def test_example_runs_with_table_and_chart(tab: Tab) -> None:
    """One click on an example loads it, runs it, fills the table, draws a bar chart and sets the links."""
    page = tab.page
    example = example_queries()["upheld-rate-by-category"]
    expected = sparql_json(tab.base, example.sparql)["results"]["bindings"]
    assert expected, "the example has no rows over the bundled letters"

    tab.open("/query", wait_for=EDITOR)
    start = page.evaluate(GET_EDITOR_TEXT)
    assert "predeclared" in start and not re.search(r"^\s*PREFIX", start, re.MULTILINE | re.IGNORECASE)
    # the editor opens at the top of its short query, the prefixes listed in a closed hint below it
    assert page.evaluate("() => document.querySelector('.CodeMirror').CodeMirror.getScrollInfo().top") == 0
    assert page.evaluate("() => document.querySelector('.CodeMirror').CodeMirror.getCursor().line") == 0
    assert not page.locator("#prefix-hint dl").is_visible()
    page.click("#prefix-hint summary")
    assert page.locator("#prefix-hint dt").first.inner_text() == "imr:"
    tab.shot("workbench-start.png")

    page.click('button[data-example="upheld-rate-by-category"]')
    wait_for_rows(tab)
    page.wait_for_function(CHART_DRAWN)
    assert page.evaluate(GET_EDITOR_TEXT) == example.sparql
    assert page.locator("#row-count").inner_text() == rows_text(len(expected))
    assert page.locator("#result-table tbody tr").count() == len(expected)
    assert page.locator("#result-table thead th").all_inner_texts() == \
        ["category", "items", "upheld", "overturned", "overturnedPercent"]
    assert page.locator("#result-table tbody tr").first.locator("td").first.inner_text() == \
        expected[0]["category"]["value"]
    assert re.fullmatch(r"in [\d,]+ ms", page.locator("#elapsed").inner_text())
    assert not page.locator("#truncated-notice").is_visible()
    assert not page.locator("#error-box").is_visible()

    chart = page.evaluate("""() => {
      const c = window.Chart.getChart(document.getElementById('result-chart'));
      return {type: c.config.type, labels: c.data.labels, datasets: c.data.datasets.map((d) => d.label)};
    }""")
    assert chart["type"] == "bar"
    assert chart["datasets"] == ["items", "upheld", "overturned", "overturnedPercent"]
    assert chart["labels"] == [row["category"]["value"] for row in expected]
    box = page.locator("#result-chart").bounding_box()
    assert box and box["width"] > 100 and box["height"] > 100

    for link, fmt in (("#download-csv", "csv"), ("#download-json", "json")):
        href = page.locator(link).get_attribute("href")
        assert f"format={fmt}" in href
        assert parse_qs(urlsplit(href).query)["query"] == [example.sparql]
    # the query is kept in the URL
    assert parse_qs(urlsplit(page.url).query)["query"] == [example.sparql]
    assert urlsplit(page.url).path == "/query"
    tab.shot("workbench-example-1280.png")

    page.set_viewport_size({"width": 800, "height": 900})
    page.wait_for_function("() => document.getElementById('result-chart').getBoundingClientRect().width < 800")
    tab.shot("workbench-example-800.png")
    tab.assert_stayed_local()


def test_query_in_the_url_runs_and_links_iris(tab: Tab) -> None:
    """/query?query=... fills the editor and runs; IRIs are compact and link to /resource; no numeric column,
    no chart. ?example=NAME loads and runs that example."""
    page = tab.page
    expected = sparql_json(tab.base, CASE_NUMBERS)["results"]["bindings"]
    tab.open("/query?" + urlencode({"query": CASE_NUMBERS}), wait_for=EDITOR)
    wait_for_rows(tab)
    assert page.evaluate(GET_EDITOR_TEXT) == CASE_NUMBERS
    assert page.locator("#row-count").inner_text() == rows_text(len(expected))
    first = page.locator("#result-table tbody tr").first.locator("td a").first
    iri = expected[0]["case"]["value"]
    assert first.inner_text() == "case:" + iri.rsplit("/", 1)[1]
    assert first.get_attribute("href") == "/resource?" + urlencode({"iri": iri})
    assert not page.locator("#chart-box").is_visible()
    tab.shot("workbench-query-in-url.png")

    tab.open("/query?example=specialty-vs-outcome", wait_for=EDITOR)
    wait_for_rows(tab)
    assert page.evaluate(GET_EDITOR_TEXT) == example_queries()["specialty-vs-outcome"].sparql
    assert page.locator(".example.selected button").get_attribute("data-example") == "specialty-vs-outcome"
    tab.assert_stayed_local()


def test_invalid_query_shows_the_error(tab: Tab) -> None:
    """A query with a syntax error, run with Ctrl+Enter, shows the server's message in the error box."""
    page = tab.page
    tab.open("/query", wait_for=EDITOR)
    page.evaluate(SET_EDITOR_TEXT, "SELECT ?x WHERE { ?x ")
    page.click(".CodeMirror")
    page.keyboard.press("Control+Enter")
    page.wait_for_selector("#error-box", state="visible")
    message = page.locator("#error-box").inner_text()
    assert "not valid SPARQL" in message
    assert page.locator("#result-table tbody tr").count() == 0
    tab.shot("workbench-error.png")

    # a server that cannot be reached is said in words too
    page.route("**/sparql", lambda route: route.abort())
    page.evaluate(SET_EDITOR_TEXT, CASE_NUMBERS)
    page.click("#run-button")
    page.wait_for_function("() => document.getElementById('error-box').textContent.includes('network error')")
    tab.assert_stayed_local()


# The editor's marks but the bracket highlights of its matchbrackets add-on.
ERROR_MARKS = """() => document.querySelector('.CodeMirror').CodeMirror.getAllMarks()
  .filter((mark) => !/matchingbracket/.test(mark.className || '')).map((mark) => {
  const where = mark.find();
  const from = where.from || where;
  const to = where.to || where;
  return {type: mark.type, line: from.line, from: from.ch, to: to.ch, className: mark.className || ''};
})"""
LINE_IN_VIEW = """(line) => {
  const editor = document.querySelector('.CodeMirror').CodeMirror;
  const scroll = editor.getScrollInfo();
  const top = editor.charCoords({line: line, ch: 0}, 'local').top;
  return top >= scroll.top && top < scroll.top + scroll.clientHeight;
}"""


def test_syntax_error_is_marked_in_the_editor(tab: Tab) -> None:
    """A broken query typed into the editor and run: the message names the line and column in words, the token
    there is marked with a gutter marker beside it, editing clears the mark; a mistake far down a long query is
    scrolled into view, and a query that stops too early gets a mark where it stops."""
    page = tab.page
    tab.open("/query", wait_for=EDITOR)
    page.click(".CodeMirror")
    page.keyboard.press("Control+A")
    page.keyboard.press("Delete")
    for line in ("SELECT ?case ?date WHERE {", "?case imr:caseNumber ?n .",
                 "OPTINAL { ?case imr:decisionDate ?date }", "}"):
        page.keyboard.type(line)
        page.keyboard.press("Enter")
    lines = page.evaluate(GET_EDITOR_TEXT).splitlines()
    line = next(n for n, text in enumerate(lines, 1) if "OPTINAL" in text)
    column = lines[line - 1].index("OPTINAL") + 1
    page.keyboard.press("Control+Enter")
    page.wait_for_selector("#error-box", state="visible")
    message = page.locator("#error-box").inner_text()
    assert f"Line {line}, column {column}: unexpected 'OPTINAL' (did you mean OPTIONAL?)" in message
    assert "[_]" not in message and "[a-zA-Z" not in message and "error at" not in message
    assert f"line {line}, column {column}" in page.locator("#status").inner_text()
    assert page.evaluate(ERROR_MARKS) == [{"type": "range", "line": line - 1, "from": column - 1,
                                           "to": column - 1 + len("OPTINAL"), "className": "cm-syntax-error"}]
    assert page.locator(".CodeMirror .cm-syntax-error").inner_text() == "OPTINAL"
    assert page.evaluate("(line) => Object.keys(document.querySelector('.CodeMirror').CodeMirror"
                         ".lineInfo(line).gutterMarkers || {})", line - 1) == ["error-gutter"]
    assert page.locator(".CodeMirror .error-marker").count() == 1
    tab.shot("workbench-syntax-error.png")

    page.keyboard.type("x")  # the cursor was put at the mistake: any edit clears the mark
    assert page.evaluate(ERROR_MARKS) == []
    assert page.locator(".CodeMirror .error-marker").count() == 0

    long = "".join(f"# line {n}\n" for n in range(1, 60)) + "SELECT * WHERE { ?s ?p ?o . % }\n"
    page.evaluate(SET_EDITOR_TEXT, long)
    page.evaluate("() => document.querySelector('.CodeMirror').CodeMirror.scrollTo(0, 0)")
    assert not page.evaluate(LINE_IN_VIEW, 59)
    page.click("#run-button")
    page.wait_for_function("() => document.getElementById('error-box').textContent.includes('Line 60, column 29')")
    assert page.evaluate(ERROR_MARKS)[0]["line"] == 59
    assert page.evaluate(LINE_IN_VIEW, 59)

    page.evaluate(SET_EDITOR_TEXT, "SELECT ?s WHERE {\n  ?s ?p ?o .")
    page.click("#run-button")
    page.wait_for_function("() => document.getElementById('error-box').textContent.includes('Line 2, column 13')")
    assert page.evaluate(ERROR_MARKS) == [{"type": "bookmark", "line": 1, "from": 12, "to": 12, "className": ""}]
    assert page.locator(".CodeMirror .cm-error-caret").count() == 1
    tab.assert_stayed_local()


def test_paging_construct_and_copy_link(tab: Tab) -> None:
    """More rows than a page: the pager turns pages. CONSTRUCT shows Turtle. Copy link gives the query's URL."""
    page = tab.page
    tab.open("/query", wait_for=EDITOR)
    page.evaluate(SET_EDITOR_TEXT, "SELECT ?s ?p ?o WHERE { GRAPH ?g { ?s ?p ?o } } LIMIT 250")
    page.click("#run-button")
    wait_for_rows(tab)
    assert page.locator("#row-count").inner_text() == "250 rows"
    assert page.locator("#result-table tbody tr").count() == 100
    assert page.locator("#page-info").inner_text().startswith("Rows 1–100 of 250")
    page.click("#page-next")
    page.click("#page-next")
    assert page.locator("#page-info").inner_text().startswith("Rows 201–250 of 250")
    assert page.locator("#result-table tbody tr").count() == 50
    assert page.locator("#page-next").is_disabled()

    construct = f"PREFIX imr: <{IMR}>\nCONSTRUCT {{ ?c imr:caseNumber ?n }} WHERE {{ GRAPH ?g {{ ?c imr:caseNumber ?n }} }}"
    page.evaluate(SET_EDITOR_TEXT, construct)
    page.click("#run-button")
    page.wait_for_selector("#graph-text", state="visible")
    assert "CM14-0166055" in page.locator("#graph-text").inner_text()
    assert "format=turtle" in page.locator("#download-csv").get_attribute("href")
    assert page.locator("#result-table tbody tr").count() == 0
    assert page.locator("#graph-view").count() == 1

    page.click("#copy-link")
    page.wait_for_function("() => document.getElementById('status').textContent.length > 0")
    if page.locator("#link-box").is_visible():  # no clipboard access: the fallback text box
        link = page.locator("#link-box").input_value()
        assert parse_qs(urlsplit(link).query)["query"] == [construct]
    tab.assert_stayed_local()


def test_works_without_the_libraries(tab: Tab) -> None:
    """When the library files cannot be loaded, the plain text box is the editor and queries still run."""
    page = tab.page
    expected = sparql_json(tab.base, CASE_NUMBERS)["results"]["bindings"]
    page.route("**/vendor/**", lambda route: route.abort())
    page.goto(tab.base + "/query")
    page.wait_for_load_state("load")
    assert page.locator(".CodeMirror").count() == 0
    page.fill("#query-text", CASE_NUMBERS)
    page.press("#query-text", "Control+Enter")
    wait_for_rows(tab)
    assert page.locator("#row-count").inner_text() == rows_text(len(expected))
    assert not page.locator("#chart-box").is_visible()
    # a syntax error selects the token at fault in the text box
    broken = "SELECT * WHERE {\n  ?s ?p ?o . % }"
    page.fill("#query-text", broken)
    page.press("#query-text", "Control+Enter")
    page.wait_for_function("() => document.getElementById('error-box').textContent.includes('Line 2, column 14')")
    selected = page.evaluate("() => { const box = document.getElementById('query-text');"
                             " return [box.selectionStart, box.selectionEnd]; }")
    assert selected == [broken.index("%"), broken.index("%") + 1]
    tab.assert_stayed_local()
