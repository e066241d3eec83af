"""The case page in a real headless browser: Debian's Chromium driven by Playwright against a real server.

Needs /usr/bin/chromium (``KG_BROWSER_TESTS=1 bash scripts/setup.sh`` installs it); without it these tests
fail, they are never skipped. Screenshots go to tests/artifacts/case-*.png.
"""
from __future__ import annotations

from tests.browsing import BrowserSetup, Tab

# the case page needs nothing from node_modules; a console error of any kind fails its tests
BROWSER_SETUP = BrowserSetup(who="the case page browser tests", console_errors=True)
CASE = "/case/CM14-0166055"
HIGHLIGHTS = "#letter-text mark"


def fact_ids(tab: Tab, kind_start: str) -> list[str]:
    """The ids of the facts in the fact index whose kind starts with ``kind_start``."""
    return tab.page.eval_on_selector_all(  # type: ignore[attr-defined]
        "#fact-index [data-fact]",
        "(items, kind) => items.filter((i) => i.dataset.kind.startsWith(kind)).map((i) => i.dataset.fact)",
        kind_start)


def marks_for(tab: Tab, span_id: str):
    return tab.page.locator(f'#letter-text mark[data-spans~="{span_id}"]')  # type: ignore[attr-defined]


def test_highlights_exist_for_item_diagnosis_and_citations(tab: Tab) -> None:
    """The letter text carries a highlight for the item's request, the diagnosis and both citations, and the
    highlighted words are the words the facts were read from."""
    page = tab.page
    tab.open(CASE, wait_for=HIGHLIGHTS)
    items, diagnoses = fact_ids(tab, "disputed item"), fact_ids(tab, "diagnosis")
    citations = fact_ids(tab, "guideline citation")
    assert len(items) == 1 and len(diagnoses) == 1 and len(citations) == 2, (items, diagnoses, citations)
    request_text = "".join(marks_for(tab, items[0]).all_inner_texts())
    assert request_text == "24 Massage therapy sessions for the cervical spine (neck), 2 times a month for 12 months"
    assert marks_for(tab, diagnoses[0]).all_inner_texts() == ["cervicalgia"]
    cited = ["".join(marks_for(tab, c).all_inner_texts()) for c in citations]
    assert cited == ["MTUS ACOEM", "MTUS Chronic Pain Treatment Guidelines Massage Therapy Page(s): 60"]
    # the body region sits inside the request: its piece is covered by both spans
    nested = page.locator("#letter-text mark.nested").first
    assert nested.inner_text() == "cervical spine"
    assert items[0] in nested.get_attribute("data-spans").split()
    tab.shot("case-page-1280.png")
    tab.assert_stayed_local()


def test_pointing_at_a_fact_lights_its_words(tab: Tab) -> None:
    """Hovering the item's heading gives its words the active class and scrolls them into the letter pane;
    leaving takes it away. Focusing a diagnosis by keyboard does the same for the diagnosis."""
    page = tab.page
    tab.open(CASE, wait_for=HIGHLIGHTS)
    item_id = fact_ids(tab, "disputed item")[0]
    page.hover("#item-1 .item-head h3")
    page.wait_for_function("(id) => document.querySelectorAll(`#letter-text mark.active`).length > 0 && "
                           "[...document.querySelectorAll('#letter-text mark.active')]"
                           ".every((m) => m.dataset.spans.split(' ').includes(id))", arg=item_id)
    active = page.locator("#letter-text mark.active")
    assert active.count() == marks_for(tab, item_id).count() == 3
    # the words were scrolled into the visible part of the letter pane
    page.wait_for_function("""() => {
      const pane = document.getElementById('letter-pane').getBoundingClientRect();
      const mark = document.querySelector('#letter-text mark.active').getBoundingClientRect();
      return mark.top >= pane.top && mark.bottom <= pane.bottom;
    }""")
    tab.shot("case-hover-item.png", full_page=False)

    page.mouse.move(5, 5)
    page.wait_for_function("() => document.querySelectorAll('#letter-text mark.active').length === 0")

    diagnosis_id = fact_ids(tab, "diagnosis")[0]
    page.focus("li.diagnosis")
    page.wait_for_function("(id) => [...document.querySelectorAll('#letter-text mark.active')]"
                           ".map((m) => m.dataset.spans).join(' ') === id", arg=diagnosis_id)
    tab.assert_stayed_local()


def test_clicking_a_highlight_shows_its_facts(tab: Tab) -> None:
    """Clicking the region's words inside the request opens the panel with both facts (the item and the body
    region), each with its kind and a link to its page; Escape closes it."""
    page = tab.page
    tab.open(CASE, wait_for=HIGHLIGHTS)
    assert not page.locator("#fact-panel").is_visible()
    page.click("#letter-text mark.nested")
    page.wait_for_selector("#fact-panel", state="visible")
    entries = page.locator("#fact-panel-list li")
    assert entries.count() == 2
    kinds = page.locator("#fact-panel-list .fact-kind").all_inner_texts()
    assert kinds[0].lower() == "disputed item" and kinds[1].lower().startswith("body region")
    links = page.locator("#fact-panel-list a")
    assert links.nth(0).get_attribute("href") == "/case/CM14-0166055/item/1"
    assert links.nth(1).get_attribute("href") == "/vocab/body-region/cervical-spine"
    assert links.nth(1).inner_text() == "cervical spine"
    assert page.locator("#fact-panel-words").inner_text() == "cervical spine"
    # the facts on the page that the words belong to are marked too
    assert page.locator("#item-1 .item-head.fact-active").count() == 1
    tab.shot("case-fact-panel.png", full_page=False)

    page.keyboard.press("Escape")
    page.wait_for_selector("#fact-panel", state="hidden")

    # a citation's words open a panel naming the citation
    citation = fact_ids(tab, "guideline citation")[1]
    marks_for(tab, citation).first.click()
    page.wait_for_selector("#fact-panel", state="visible")
    assert page.locator("#fact-panel-list .fact-kind").all_inner_texts()[0].lower().startswith("guideline citation")
    page.locator("#fact-panel-list a").first.click()
    page.wait_for_url("**/case/CM14-0166055/item/1/citation/reviewer-1")
    tab.assert_stayed_local()


def test_item_page_and_narrow_window(tab: Tab) -> None:
    """The item page shows the item's lines of the letter, highlighted, with the same behaviour; at 800 px
    the case page stacks the letter under the facts."""
    page = tab.page
    tab.open(CASE + "/item/1", wait_for=HIGHLIGHTS)
    assert page.locator("#letter-text mark").count() >= 5
    assert "Case Number" not in page.locator("#letter-text").inner_text()
    page.hover("#item-1 .rationale")
    page.wait_for_selector("#letter-text mark.mark-rationale.active")
    tab.shot("case-item-page.png")

    page.set_viewport_size({"width": 800, "height": 900})
    tab.open(CASE, wait_for=HIGHLIGHTS)
    facts_box = page.locator(".case-facts").bounding_box()
    letter_box = page.locator(".case-letter").bounding_box()
    assert facts_box and letter_box and letter_box["y"] >= facts_box["y"] + facts_box["height"] - 1
    tab.shot("case-page-800.png")
    tab.assert_stayed_local()
