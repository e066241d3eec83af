"""/explore, /explore.json, /explore.csv, /quality and /quality.json through the Flask test client."""
from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from urllib.parse import urlencode

import pytest
from flask import Flask
from flask.testing import FlaskClient
from markupsafe import escape

from kg.explorer import PARAMETERS
from test_quality import make_quality_letters

INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)
INLINE_HANDLER = re.compile(r"<[^>]+\son[a-z]+\s*=", re.IGNORECASE)
INLINE_STYLE = re.compile(r"<style\b|\sstyle\s*=", re.IGNORECASE)


def esc(text: str) -> str:
    """``text`` as Jinja's autoescape writes it."""
    return str(escape(text))


def page_is_clean(text: str) -> None:
    """No inline script, handler or style: the Content-Security-Policy would refuse them."""
    assert not INLINE_SCRIPT.search(text) and not INLINE_HANDLER.search(text) and not INLINE_STYLE.search(text)


def get_json(client: FlaskClient, query: str = "") -> dict:
    response = client.get("/explore.json" + query)
    assert response.status_code == 200, response.data
    assert response.mimetype == "application/json"
    return response.get_json()


def get_csv(client: FlaskClient, query: str = "") -> list[dict[str, str]]:
    response = client.get("/explore.csv" + query)
    assert response.status_code == 200, response.data
    assert response.mimetype == "text/csv"
    return list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))


def test_page_renders_with_filters_table_and_diagram(client: FlaskClient) -> None:
    """The page has the GET form with every filter, the diagram's container pointing at the JSON with the same
    parameters, one table row per link, links to concept pages and to the workbench, and the parameters documented."""
    data = get_json(client, "?level=chapter")
    response = client.get("/explore?level=chapter")
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    page_is_clean(text)
    assert "Content-Security-Policy" in response.headers
    assert '<form class="panel explore-filters" id="filters" action="/explore" method="get">' in text
    for name in ("region", "category", "specialty", "year"):
        assert f'name="{name}" value=' in text
    assert 'name="level" value="chapter"\n        checked' in text
    assert 'data-json-url="/explore.json?level=chapter"' in text
    assert 'href="/explore.csv?level=chapter"' in text
    assert text.count("<tr class=\"link-") == len(data["table"]) > 0
    first = data["table"][0]
    assert 'href="' + esc("/resource?" + urlencode({"iri": first["guideline_iri"]})) + '"' in text
    assert 'href="/query?query=PREFIX+imr' in text
    for name, description in PARAMETERS.items():
        assert f"<code>{name}</code>" in text and esc(description) in text
    assert f"<strong>{data['totals']['items']}</strong> disputed items" in text
    assert '<script src="/static/explore.js"></script>' in text


def test_json_and_csv_agree(client: FlaskClient) -> None:
    """The JSON's table and the CSV have the same rows; the JSON documents every parameter with its value."""
    for query in ("", "?level=topic", "?category=pharmaceuticals&category=imaging&year=2015",
                  "?treatment=physical-therapy&treatment=opioid&icd=13&from=2014-01-01&to=2015-12-31"):
        data = get_json(client, query)
        rows = get_csv(client, query)
        assert len(rows) == len(data["table"])
        for got, want in zip(rows, data["table"]):
            assert got == {k: "" if v is None else repr(v) if isinstance(v, float) else str(v) for k, v in want.items()}
        assert set(data["parameters"]) == set(PARAMETERS)
        assert all(p["description"] for p in data["parameters"].values())
        assert set(data) >= {"parameters", "totals", "nodes", "links", "table", "urls"}
    data = get_json(client, "?category=imaging&category=pharmaceuticals&year=2015")
    assert data["parameters"]["category"]["value"] == ["imaging", "pharmaceuticals"]
    assert data["parameters"]["year"]["value"] == ["2015"] and data["parameters"]["level"]["value"] == "guideline"
    assert data["urls"]["csv"] == "/explore.csv?category=imaging&category=pharmaceuticals&year=2015"


def test_parameters_change_the_result(client: FlaskClient) -> None:
    """Each filter narrows the totals; the level changes the left column; the page shows the ticked boxes."""
    everything = get_json(client)
    assert {n["kind"] for n in everything["nodes"] if n["column"] == "source"} == {"guideline"}
    chapters = get_json(client, "?level=chapter")
    assert {"chapter", "topic"} <= {n["kind"] for n in chapters["nodes"] if n["column"] == "source"}
    assert chapters["totals"] == everything["totals"]
    for query in ("?category=pharmaceuticals", "?region=cervical-spine", "?specialty=pain-medicine", "?year=2013"):
        narrowed = get_json(client, query)
        assert 0 < narrowed["totals"]["items"] < everything["totals"]["items"], query
        page = client.get("/explore" + query).get_data(as_text=True)
        name, value = query[1:].split("=")
        assert f'name="{name}" value="{value}"\n          checked' in page
    only = get_json(client, "?category=imaging")
    assert {n["label"] for n in only["nodes"] if n["column"] == "category"} == {"Imaging"}
    iri = get_json(client, "?category=https%3A%2F%2Fw3id.org%2Fimr-kg%2Fvocab%2Fcategory%2Fimaging")
    assert iri["totals"] == only["totals"]
    nothing = get_json(client, "?year=1999")
    assert nothing["totals"]["items"] == 0 and nothing["table"] == []
    assert "No disputed item matches these filters." in client.get("/explore?year=1999").get_data(as_text=True)


@pytest.mark.parametrize(("query", "words"), [
    ("?year=abc", "not a year"),
    ("?level=everything", "level must be one of"),
    ("?region=%3Cscript%3Ealert(1)%3C%2Fscript%3E", "not the name of a body-region concept"),
    ("?categories=imaging", "unknown parameter"),
    ("?from=2015-13-01", "from '2015-13-01' is not a date: write it as YYYY-MM-DD"),
    ("?to=yesterday", "to 'yesterday' is not a date"),
    ("?from=2016-01-01&to=2015-01-01", "from (2016-01-01) is after to (2015-01-01)"),
    ("?icd=M50-M59", "icd 'M50-M59' is not an ICD-10-CM block"),
    ("?icd=99", "icd '99' is not an ICD-10-CM chapter"),
    ("?treatment=%3Cb%3Emri", "not the name of a treatment concept"),
])
def test_bad_parameter_is_a_400_with_a_message(client: FlaskClient, query: str, words: str) -> None:
    """JSON gets a JSON error, CSV a line of text, the page the message (escaped) above an empty form."""
    response = client.get("/explore.json" + query)
    assert response.status_code == 400 and words in response.get_json()["error"]
    response = client.get("/explore.csv" + query)
    assert response.status_code == 400 and response.mimetype == "text/plain"
    assert words in response.get_data(as_text=True)
    response = client.get("/explore" + query)
    assert response.status_code == 400
    text = response.get_data(as_text=True)
    assert esc(words) in text and 'id="error-box"' in text
    assert "<script>alert" not in text
    page_is_clean(text)


def test_quality_page_and_json_on_the_bundled_letters(client: FlaskClient) -> None:
    """Every bundled letter is listed, linked to its case page; the JSON has every section."""
    data = client.get("/quality.json").get_json()
    assert set(data) == {"totals", "constraints", "letters", "by_month", "by_build_date", "rejected"}
    assert data["totals"]["letters"] == 14 and data["totals"]["with_violations"] == 0
    response = client.get("/quality")
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    page_is_clean(text)
    for letter in data["letters"]:
        assert f'<a href="/case/{letter["key"]}">{letter["case_number"]}</a>' in text
    assert 'id="no-rejected"' in text
    assert 'id="quality-chart"' in text and "/vendor/chart.js/dist/chart.umd.js" in text


@pytest.fixture(scope="module")
def quality_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    """The app over a store with a violating letter, a warning and two files kept out."""
    from kg.build import build
    from kg.store import KGStore
    from webapp import create_app
    from webapp.store import close_app

    base = tmp_path_factory.mktemp("quality-web")
    with KGStore(base / "store") as store:
        build([make_quality_letters(base / "letters")], store)
    application = create_app({"TESTING": True, "STORE_PATH": str(base / "store"), "QUERY_WORKERS": 1})
    yield application
    close_app(application)


def test_quality_page_shows_problems_and_rejected(quality_app: Flask) -> None:
    """Constraints with severity and an example, the letters' counts, and the files kept out with their reasons."""
    client = quality_app.test_client()
    data = client.get("/quality.json").get_json()
    text = client.get("/quality").get_data(as_text=True)
    page_is_clean(text)
    assert data["totals"]["rejected"] == 2 and data["totals"]["with_violations"] == 1
    assert '<tr class="severity-violation">' in text and '<tr class="severity-warning">' in text
    assert "date order: date assigned before decision date" in text
    assert esc(data["constraints"][0]["example_message"]) in text
    assert '<a href="/case/CM14-0166055">CM14-0166055</a>' in text and "<strong>no</strong>" in text
    for rejected in data["rejected"]:
        assert esc(rejected["source"]) in text and esc(rejected["reasons"][0]) in text
    assert [p["period"] for p in data["by_month"]] == ["2014-07", "2014-09", "2015-11"]
    assert 'id="by-month"' in text and "2014-09" in text


def test_the_new_filters_are_on_the_page(client: FlaskClient) -> None:
    """The form has the decision-date range, the treatment list and the ICD-10-CM chapters and blocks (with their
    titles and counts) and a box for a code; every list has a type-to-filter box (shown by explore.js)."""
    text = client.get("/explore").get_data(as_text=True)
    page_is_clean(text)
    for name in ("region", "category", "specialty", "year", "treatment", "icd"):
        assert f'<input type="search" class="filter-search" id="filter-{name}-search"' in text
        assert f'aria-controls="filter-{name}-options" autocomplete="off" hidden>' in text
    assert '<input type="date" name="from" id="date-from" value="">' in text
    assert '<input type="date" name="to" id="date-to" value="">' in text
    assert '<input type="text" name="icd" id="icd-code"' in text
    chapter = get_json(client, "?icd=13")["totals"]["items"]
    assert ('<label class="filter-option filter-option-chapter"><input type="checkbox" name="icd" value="13"\n'
            "          > Chapter 13: Diseases of the musculoskeletal system and connective tissue\n"
            f'          <span class="muted">({chapter})</span></label>') in text
    block = get_json(client, "?icd=M50-M54")["totals"]["items"]
    assert f'value="M50-M54"\n          > M50-M54 Other dorsopathies\n          <span class="muted">({block})</span>' in text
    assert text.index('value="13"\n') < text.index('value="M50-M54"') < text.index('value="19"\n')
    therapy = get_json(client, "?treatment=physical-therapy")["totals"]["items"]
    assert f'value="physical-therapy"\n          > physical therapy\n          <span class="muted">({therapy})</span>' in text
    manual = get_json(client, "?treatment=manual-therapy")["totals"]["items"]
    assert manual > 0 and f'value="manual-therapy"\n          > manual therapy\n          <span class="muted">({manual})</span>' in text


def test_the_new_parameters_narrow_and_are_shared(client: FlaskClient) -> None:
    """treatment, icd, from and to narrow the totals, come back in the JSON's parameters and the download links,
    and show on the page as ticked boxes and filled dates; a code typed in shows ticked, as a code."""
    everything = get_json(client)["totals"]["items"]
    for query in ("?treatment=physical-therapy", "?treatment=manual-therapy", "?icd=13", "?icd=M50-M54", "?icd=M54.5",
                  "?from=2015-01-01", "?to=2014-07-08", "?from=2014-03-04&to=2015-03-20"):
        assert 0 < get_json(client, query)["totals"]["items"] < everything, query
    query = "?icd=m545&icd=13&treatment=physical-therapy&to=2015-12-31&from=2014-01-01"
    data = get_json(client, query)
    assert 0 < data["totals"]["items"] < get_json(client, "?icd=13")["totals"]["items"]
    assert data["parameters"]["icd"]["value"] == ["13", "M54.5"]
    assert data["parameters"]["treatment"]["value"] == ["physical-therapy"]
    assert data["parameters"]["from"]["value"] == "2014-01-01" and data["parameters"]["to"]["value"] == "2015-12-31"
    shared = "treatment=physical-therapy&icd=13&icd=M54.5&from=2014-01-01&to=2015-12-31"
    assert data["urls"] == {"page": "/explore?" + shared, "json": "/explore.json?" + shared,
                            "csv": "/explore.csv?" + shared}
    assert get_json(client, "?" + shared)["totals"] == data["totals"]
    page = client.get("/explore" + query).get_data(as_text=True)
    assert 'name="treatment" value="physical-therapy"\n          checked' in page
    assert 'name="icd" value="13"\n          checked' in page
    assert ('<label class="filter-option filter-option-code"><input type="checkbox" name="icd" value="M54.5"\n'
            "          checked> code M54.5") in page
    assert 'id="date-from" value="2014-01-01"' in page and 'id="date-to" value="2015-12-31"' in page
    assert f'href="{esc("/explore.csv?" + shared)}"' in page
    assert f"<strong>{data['totals']['items']}</strong> disputed items" in page
