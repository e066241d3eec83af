"""Browsing (webapp/browse.py): every IRI dereferences as a page or as RDF, with links, labels and 404s."""
from __future__ import annotations

import html
import json
import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import pytest
from flask.testing import FlaskClient
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, OWL, RDF, RDFS, SH, SKOS, XSD

from kg.namespaces import IMR
from kg.ontology_doc import ONTOLOGY_FILE, load_ontology_doc

BASE = "https://w3id.org/imr-kg/"
CASE = URIRef(BASE + "case/CM14-0166055")
ITEM = URIRef(BASE + "case/CM14-0166055/item/1")
CITATION = URIRef(BASE + "case/CM14-0166055/item/1/citation/reviewer-1")
DIAGNOSIS = URIRef(BASE + "case/CM14-0166055/diagnosis/1")
SPAN = URIRef(BASE + "case/CM14-0166055/diagnosis/1/span")
LETTER = URIRef(BASE + "letter/CM14-0166055")
MASSAGE = URIRef(BASE + "vocab/treatment/massage-therapy")
M54_2 = URIRef(BASE + "vocab/icd10cm/M54.2")
LETTER_GRAPH = URIRef(BASE + "graph/letter/CM14-0166055")
REPORT = URIRef(BASE + "letter/CM15-0204517/validation-report")
TURTLE, NTRIPLES, JSONLD = "text/turtle", "application/n-triples", "application/ld+json"
RDF_TYPES = {TURTLE: ("turtle", ".ttl"), NTRIPLES: ("nt", ".nt"), JSONLD: ("json-ld", ".jsonld")}

#: app path -> a triple its RDF must hold (None in a position: any term there).
RESOURCES = {
    "/case/CM14-0166055": (CASE, IMR.caseNumber, Literal("CM14-0166055")),
    "/case/CM14-0166055/item/1": (ITEM, IMR.outcome, URIRef(BASE + "vocab/outcome/upheld")),
    "/case/CM14-0166055/item/1/citation/reviewer-1": (CITATION, IMR.pages, Literal("60")),
    "/case/CM14-0166055/diagnosis/1": (DIAGNOSIS, IMR.icd10Code, M54_2),
    "/case/CM14-0166055/diagnosis/1/span": (SPAN, IMR.startOffset, Literal(1341, datatype=XSD.integer)),
    "/letter/CM14-0166055": (LETTER, DCTERMS.identifier, Literal("CM14-0166055")),
    "/vocab/treatment/massage-therapy": (MASSAGE, SKOS.prefLabel, Literal("massage therapy")),
    "/vocab/icd10cm/M54.2": (M54_2, SKOS.notation, Literal("M54.2")),
    "/vocab/treatment/": (URIRef(BASE + "vocab/treatment/"), RDF.type, SKOS.ConceptScheme),
    "/graph/letter/CM14-0166055": (ITEM, IMR.request, None),
    "/letter/CM15-0204517/validation-report": (REPORT, SH.conforms, Literal(True)),
}


def rdf_of(response, media_type: str) -> Graph:
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    assert response.mimetype == media_type
    return Graph().parse(data=response.get_data(as_text=True), format=RDF_TYPES[media_type][0])


def page(client: FlaskClient, path: str, status: int = 200) -> str:
    response = client.get(path)
    assert response.status_code == status, (path, response.status_code, response.get_data(as_text=True)[:500])
    assert response.mimetype == "text/html"
    return response.get_data(as_text=True)


def links(body: str) -> list[str]:
    return [html.unescape(h) for h in re.findall(r'href="([^"]*)"', body)]


def count_rows(client: FlaskClient, query: str) -> int:
    """A count through the app's own SPARQL endpoint, to compare the pages with."""
    response = client.get("/sparql", query_string={"query": query, "format": "json"})
    return int(response.get_json()["results"]["bindings"][0]["n"]["value"])


# ---- content negotiation and RDF -----------------------------------------------------------------------------

@pytest.mark.parametrize("path", sorted(RESOURCES))
@pytest.mark.parametrize("media_type", [TURTLE, NTRIPLES, JSONLD])
def test_rdf_by_accept_and_by_suffix(client: FlaskClient, path: str, media_type: str) -> None:
    """The same description comes back for the Accept header and for the suffix, and holds the expected triple."""
    by_accept = client.get(path, headers={"Accept": media_type})
    graph = rdf_of(by_accept, media_type)
    assert "Accept" in by_accept.headers.get("Vary", "")
    assert any(graph.triples(RESOURCES[path])), (path, RESOURCES[path])
    by_suffix = rdf_of(client.get(path + RDF_TYPES[media_type][1]), media_type)
    assert len(by_suffix) == len(graph)


def test_description_is_the_resource_and_one_level_of_blank_nodes(client: FlaskClient) -> None:
    """Only triples whose subject is the resource -- or a blank node it points to -- are in the RDF."""
    graph = rdf_of(client.get("/case/CM14-0166055.ttl"), TURTLE)
    assert set(graph.subjects()) == {CASE}
    assert (CASE, IMR.disputedItem, ITEM) in graph and not any(graph.triples((ITEM, None, None)))
    report = rdf_of(client.get("/letter/CM15-0204517/validation-report.nt"), NTRIPLES)
    results = list(report.objects(REPORT, SH.result))
    assert results and all(isinstance(r, BNode) for r in results)
    assert report.value(results[0], SH.resultSeverity) == SH.Warning
    assert "not in the treatment vocabulary" in str(report.value(results[0], SH.resultMessage))
    assert report.value(results[0], IMR.constraint) == Literal("item treatment not in vocabulary")


def test_jsonld_is_compact_with_the_project_prefixes(client: FlaskClient) -> None:
    data = json.loads(client.get("/case/CM14-0166055.jsonld").get_data(as_text=True))
    assert data["@context"]["imr"] == str(IMR._NS) and data["@id"] == "case:CM14-0166055"


@pytest.mark.parametrize("accept, expected", [
    ("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", "text/html"),
    ("*/*", "text/html"), ("", "text/html"), ("application/rdf+xml", "text/html"),
    ("text/turtle;q=0.9, text/html;q=0.5", TURTLE), ("application/json", JSONLD),
    ("application/n-triples, text/turtle;q=0.5", NTRIPLES),
])
def test_accept_header_picks_the_format(client: FlaskClient, accept: str, expected: str) -> None:
    response = client.get("/case/CM14-0166055/item/1", headers={"Accept": accept} if accept else {})
    assert response.status_code == 200 and response.mimetype == expected


def test_named_graph_rdf_is_its_content(client: FlaskClient) -> None:
    graph = rdf_of(client.get("/graph/letter/CM14-0166055.nt"), NTRIPLES)
    expected = count_rows(client, f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{LETTER_GRAPH}> {{ ?s ?p ?o }} }}")
    assert len(graph) == expected
    assert (CASE, RDF.type, IMR.Case) in graph and (SPAN, IMR.endOffset, Literal(1352, datatype=XSD.integer)) in graph


def test_ontology_as_rdf(client: FlaskClient) -> None:
    """/ontology with Accept text/turtle is the ontology file itself; the other formats hold the same triples."""
    response = client.get("/ontology", headers={"Accept": TURTLE})
    assert response.status_code == 200 and response.mimetype == TURTLE
    assert response.data == Path(ONTOLOGY_FILE).read_bytes()
    expected = len(Graph().parse(ONTOLOGY_FILE, format="turtle"))
    for path, media_type in (("/ontology.nt", NTRIPLES), ("/ontology.jsonld", JSONLD), ("/ontology.ttl", TURTLE)):
        graph = rdf_of(client.get(path), media_type)
        assert len(graph) == expected and (IMR.Case, RDF.type, OWL.Class) in graph
    assert client.get("/ontology.xml").status_code == 404


# ---- the pages ---------------------------------------------------------------------------------------------

def test_case_page(client: FlaskClient) -> None:
    body = page(client, "/case/CM14-0166055")
    text = html.unescape(re.sub(r"<[^>]+>", " ", body))
    for fact in ("CM14-0166055", "1997-09-15", "2014-10-03", "2014-10-08", "2014-10-13", "2014-11-25", "Standard",
                 "Pain Medicine", "Physical Medicine and Rehabilitation", "cervicalgia", "M54.2 Cervicalgia",
                 "home exercise program", "trigger point injections", "Upheld", "massage therapy",
                 "Physical Medicine", "cervical spine", "24 session", "2 per month", "12 months",
                 "MTUS ACOEM Practice Guidelines", "MTUS Chronic Pain Medical Treatment Guidelines", "Massage Therapy",
                 "p. 60", "The CA MTUS guidelines state", "conforms"):
        assert fact in text, fact
    hrefs = set(links(body))
    for href in ("/vocab/icd10cm/M54.2", "/case/CM14-0166055/diagnosis/1", "/case/CM14-0166055/item/1",
                 "/vocab/treatment/massage-therapy", "/vocab/category/physical-medicine",
                 "/vocab/body-region/cervical-spine", "/vocab/outcome/upheld", "/vocab/guideline/mtus-acoem",
                 "/case/CM14-0166055/item/1/citation/reviewer-1", "/letter/CM14-0166055",
                 "/graph/letter/CM14-0166055", "/vocab/specialty/pain-medicine", "/ontology#Standard",
                 "/case/CM14-0166055/injury", "/case/CM14-0166055/prior-treatment/1", "/case/CM14-0166055.ttl"):
        assert href in hrefs, href
    assert 'class="badge badge-upheld"' in body


def test_case_page_highlights_every_fact_in_the_letter(client: FlaskClient) -> None:
    """The letter text is there once, cut into <mark>s: the item's request is three pieces (the region inside it
    is covered by both spans), and every fact on the page names spans that exist in the text."""
    body = page(client, "/case/CM14-0166055")
    letter = re.search(r'<pre class="letter-text" id="letter-text">(.*?)</pre>', body, re.DOTALL).group(1)
    plain = html.unescape(re.sub(r"<[^>]+>", "", letter))
    text = client.get("/letter/CM14-0166055.nt").get_data(as_text=True)
    stored = Graph().parse(data=text, format="nt").value(LETTER, IMR.text)
    assert plain == str(stored)
    marks = re.findall(r'<mark class="fact-mark mark-(\w+)[^"]*" data-spans="([^"]+)" data-facts="([^"]+)"[^>]*>([^<]*)'
                       r"</mark>", letter)
    assert marks and all(spans == facts for _, spans, facts, _ in marks)
    by_text = {html.unescape(words): (kind, spans.split()) for kind, spans, _, words in marks}
    assert by_text["cervicalgia"][0] == "diagnosis"
    assert by_text["cervical spine"][0] == "region" and len(by_text["cervical spine"][1]) == 2
    assert by_text["MTUS ACOEM"][0] == "citation"
    index = dict(re.findall(r'data-fact="([^"]+)" data-spans="[^"]+" data-kind="([^"]+)"', body))
    assert sorted(set(index.values())) == sorted({
        "case number", "date assigned", "decision date", "application received", "date of injury", "UR denial date",
        "diagnosis", "prior treatment", "disputed item", "body region of item 1", "guideline citation (Claims Administrator)",
        "guideline citation (IMR Reviewer)", "rationale"})
    on_page = {i for attr in re.findall(r'data-spans="([^"]+)"', body) for i in attr.split()}
    assert on_page == set(index)
    item_head = re.search(r'<header class="item-head fact-ref" data-spans="([^"]+)"', body).group(1)
    assert index[item_head] == "disputed item"


def test_every_case_page_places_every_span(client: FlaskClient) -> None:
    """For each case in the store (both letter layouts): the page renders, its text is the stored text, every
    span of the letter is highlighted (none skipped), and each item page shows that item's request."""
    response = client.get("/sparql", query_string={"format": "json", "query": (
        f"SELECT ?case ?letter (COUNT(DISTINCT ?span) AS ?spans) WHERE {{ GRAPH ?g {{ ?case <{IMR.letter}> ?letter . "
        f"?span <{IMR.inLetter}> ?letter }} }} GROUP BY ?case ?letter")})
    rows = response.get_json()["results"]["bindings"]
    assert len(rows) == 14
    for row in rows:
        path = urlsplit(row["case"]["value"]).path.removeprefix("/imr-kg")
        body = page(client, path)
        text = re.search(r'<pre class="letter-text" id="letter-text">(.*?)</pre>', body, re.DOTALL).group(1)
        nt = client.get(urlsplit(row["letter"]["value"]).path.removeprefix("/imr-kg") + ".nt").get_data(as_text=True)
        stored = Graph().parse(data=nt, format="nt").value(URIRef(row["letter"]["value"]), IMR.text)
        assert html.unescape(re.sub(r"<[^>]+>", "", text)) == str(stored), path
        facts = re.findall(r'<li class="fact fact-\w+" data-fact="', body)
        assert len(facts) == int(row["spans"]["value"]) and "could not be placed" not in body, path
        for number in re.findall(r'<section class="item-card" id="item-(\d+)"', body):
            item = page(client, f"{path}/item/{number}")
            assert "<mark" in item and f"Item {number}:" in item, (path, number)


def test_case_page_shows_validation_problems(client: FlaskClient) -> None:
    body = page(client, "/case/CM15-0204517")
    problems = re.search(r'<section class="validation".*?</section>', body, re.DOTALL).group(0)
    assert "severity-warning" in problems and "item treatment not in vocabulary" in problems
    assert "is not in the treatment vocabulary" in html.unescape(problems)
    assert 'href="/case/CM15-0204517"' in problems and 'href="/case/CM15-0204517/item/3"' in problems
    assert 'href="/ontology#disputedItem"' in problems
    assert "Overturned" in body and "badge-overturned" in body


def test_item_page(client: FlaskClient) -> None:
    body = page(client, "/case/CM14-0166055/item/1")
    assert "Item 1: massage therapy" in body and "badge-upheld" in body
    letter = re.search(r'<pre class="letter-text" id="letter-text">(.*?)</pre>', body, re.DOTALL).group(1)
    plain = html.unescape(re.sub(r"<[^>]+>", "", letter))
    assert plain.startswith("24 Massage therapy sessions") and "Case Number" not in plain
    assert "MTUS ACOEM" in plain and plain.rstrip().endswith("non-certified.")
    assert letter.count("<mark") >= 5
    assert 'href="/case/CM14-0166055"' in body and 'href="/ontology#request"' in body


def test_letter_page(client: FlaskClient) -> None:
    body = page(client, "/letter/CM14-0166055")
    for needle in ("letters/seed/CM14-0166055.md", "text/markdown", "determination-2014", 'href="/case/CM14-0166055"',
                   'href="/graph/validation/CM14-0166055"', "Case Number: CM14-0166055"):
        assert needle in body, needle
    warned = html.unescape(page(client, "/letter/CM15-0204517"))
    assert "compounded topical (flurbiprofen/cyclobenzaprine)" in warned and "severity-warning" in warned


def test_treatment_page_lists_the_items_requesting_it(client: FlaskClient) -> None:
    body = page(client, "/vocab/treatment/massage-therapy")
    for needle in ("massage therapy", "therapeutic massage", 'href="/vocab/treatment/manual-therapy"',
                   'href="/vocab/category/physical-medicine"', 'href="/case/CM14-0166055/item/1"',
                   'href="/case/CM14-0166055"', "<td>Upheld</td>", "Decisions", "disputed item",
                   'href="/vocab/treatment/"'):
        assert needle in body, needle
    drug = page(client, "/vocab/treatment/hydrocodone-acetaminophen")
    assert "Norco" in drug and "Brand names" in drug and 'href="/vocab/treatment/opioid"' in drug
    opioid = page(client, "/vocab/treatment/opioid")
    assert 'href="/vocab/treatment/hydrocodone-acetaminophen"' in opioid  # narrower


def test_icd_page_lists_the_diagnoses_coded_with_it(client: FlaskClient) -> None:
    body = page(client, "/vocab/icd10cm/M54.2")
    coded = count_rows(client, f"SELECT (COUNT(DISTINCT ?d) AS ?n) WHERE {{ GRAPH ?g {{ ?d <{IMR.icd10Code}> <{M54_2}> }} }}")
    assert coded >= 1 and f"{coded} in the graph" in body
    assert 'href="/case/CM14-0166055/diagnosis/1"' in body and "Cervicalgia" in body
    assert 'href="/vocab/icd10cm/M54"' in body and 'href="/resource?iri=http%3A%2F%2Fpurl.bioontology.org' in body
    chapter = page(client, "/vocab/icd10cm/chapter-13")
    assert "Diagnoses coded with it (or a narrower code)" in chapter and 'href="/case/CM14-0166055/diagnosis/1"' in chapter


def test_other_concept_pages(client: FlaskClient) -> None:
    region = page(client, "/vocab/body-region/cervical-spine")
    assert "WCIO part of body code" in region and ">21<" in region and 'href="/case/CM14-0166055/item/1"' in region
    assert "Cases reviewed by this specialty" in page(client, "/vocab/specialty/pain-medicine")
    upheld = page(client, "/vocab/outcome/upheld")
    items = count_rows(client, f"SELECT (COUNT(DISTINCT ?i) AS ?n) WHERE {{ GRAPH ?g {{ ?i <{IMR.outcome}> "
                               f"<{BASE}vocab/outcome/upheld> }} }}")
    assert f"<strong>{items}</strong> disputed items" in upheld
    assert 'href="/case/CM14-0166055/item/1"' in page(client, "/vocab/guideline/mtus-chronic-pain")


def test_ontology_page(client: FlaskClient) -> None:
    body = page(client, "/ontology")
    doc = load_ontology_doc()
    for term in doc.terms:
        assert f'id="{term.name}"' in body and f'href="#{term.name}"' in body, term.name
        assert html.escape(term.definition, quote=False) in body.replace("&#34;", '"').replace("&#39;", "'")
    assert re.search(r'<a href="/ontology" class="active" aria-current="page">Ontology</a>', body)
    case = re.search(r'<section class="term" id="Case".*?</section>', body, re.DOTALL).group(0)
    assert 'href="#caseNumber"' in case and "prov:Entity" in case
    evidence = re.search(r'<section class="term" id="evidence".*?</section>', body, re.DOTALL).group(0)
    assert all(f'href="#{c}"' in evidence for c in ("Case", "Diagnosis", "GuidelineCitation", "TextSpan"))


def test_graph_page(client: FlaskClient) -> None:
    body = page(client, "/graph/letter/CM14-0166055")
    count = count_rows(client, f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{LETTER_GRAPH}> {{ ?s ?p ?o }} }}")
    assert f"{count:,} triples" in body
    assert 'href="/case/CM14-0166055"' in body and 'href="/case/CM14-0166055/item/1"' in body
    assert "Named graph" in page(client, "/graph/vocab")


def test_generic_pages_link_every_iri_with_labels(client: FlaskClient) -> None:
    body = page(client, "/case/CM14-0166055/diagnosis/1")
    assert 'href="/vocab/icd10cm/M54.2"' in body and ">M54.2 Cervicalgia</a>" in body
    assert 'href="/case/CM14-0166055/diagnosis/1/span"' in body and 'href="/ontology#icd10Code"' in body
    assert re.search(r'href="/letter/CM14-0166055"[^>]*>IMR letter CM14-0166055</a>', body)
    assert 'href="/graph/letter/CM14-0166055"' in body  # in named graphs
    assert 'href="/case/CM14-0166055"' in body  # what links here
    report = page(client, "/letter/CM15-0204517/validation-report")
    assert "item treatment not in vocabulary" in report and 'class="description nested"' in report


def test_every_link_on_the_case_page_resolves(client: FlaskClient) -> None:
    """Each browsing link on the case page (and on the pages it links to) gives a page, never a 404."""
    seen: set[str] = set()
    for start in ("/case/CM14-0166055", "/case/CM14-0166055/item/1"):
        for href in links(page(client, start)):
            path = href.split("#", 1)[0]
            if not path.startswith(("/case", "/letter", "/vocab", "/graph", "/ontology", "/resource", "/cases")) \
                    or path in seen:
                continue
            seen.add(path)
            response = client.get(path)
            if response.status_code == 303:
                response = client.get(urlsplit(response.headers["Location"]).path)
            assert response.status_code == 200, (start, href, response.status_code)
    assert len(seen) > 30


def test_pages_follow_the_content_security_policy(client: FlaskClient) -> None:
    """No inline script, style or event handler on any browsing page; the CSP header is set."""
    for path in ("/case/CM14-0166055", "/case/CM14-0166055/item/1", "/letter/CM14-0166055", "/ontology",
                 "/vocab/treatment/massage-therapy", "/graph/vocab", "/case/NOPE", "/cases"):
        response = client.get(path)
        body = response.get_data(as_text=True)
        assert "script-src 'self'" in response.headers["Content-Security-Policy"]
        assert not re.search(r"<script(?![^>]*\bsrc=)", body), path
        assert not re.search(r"\sstyle=", body) and not re.search(r"\son[a-z]+=", body), path


def test_each_page_has_a_jsonld_twin(client: FlaskClient) -> None:
    for path in ("/case/CM14-0166055", "/case/CM14-0166055/item/1", "/letter/CM14-0166055", "/vocab/icd10cm/M54.2"):
        body = page(client, path)
        assert f'href="{path}.jsonld"' in body and f'<link rel="alternate" type="{JSONLD}" href="{path}.jsonld"' in body
        graph = rdf_of(client.get(path + ".jsonld"), JSONLD)
        assert any(graph.triples((URIRef(BASE + path[1:]), None, None)))


# ---- /resource, /cases and 404s ------------------------------------------------------------------------------

@pytest.mark.parametrize("iri, path", [
    (str(CASE), "/case/CM14-0166055"), (str(ITEM), "/case/CM14-0166055/item/1"),
    (str(M54_2), "/vocab/icd10cm/M54.2"), (BASE + "ontology#Case", "/ontology#Case"),
    (BASE + "ontology", "/ontology"), (str(LETTER_GRAPH), "/graph/letter/CM14-0166055"),
    (BASE + "letter/CM14-0166055", "/letter/CM14-0166055"),
])
def test_resource_redirects_iris_under_the_base(client: FlaskClient, iri: str, path: str) -> None:
    response = client.get("/resource", query_string={"iri": iri})
    assert response.status_code == 303 and response.headers["Location"] == path


def test_resource_describes_other_iris(client: FlaskClient) -> None:
    bioportal = "http://purl.bioontology.org/ontology/ICD10CM/M54.2"
    body = page(client, "/resource?" + urlencode({"iri": bioportal}))
    assert "What links here" in body and 'href="/vocab/icd10cm/M54.2"' in body
    assert f'href="{bioportal}" rel="external noopener noreferrer"' in body
    assert f'href="/resource?{html.escape(urlencode({"iri": bioportal}))}&amp;format=ttl"' in body
    response = client.get("/resource", query_string={"iri": bioportal, "format": "ttl"})
    assert response.status_code == 200 and response.mimetype == TURTLE
    shapes = page(client, "/resource?" + urlencode({"iri": BASE + "shapes#ItemTreatmentUnknown"}))
    assert "only pointed at" in shapes


def test_unknown_resources_are_404_for_people_and_programs(client: FlaskClient) -> None:
    body = page(client, "/case/CM14-016605", status=404)
    assert "/case/CM14-016605" in body and "https://w3id.org/imr-kg/case/CM14-016605" in body
    assert 'action="/cases"' in body and 'href="/query?' in body and "DESCRIBE" in html.unescape(body)
    assert 'href="/case/CM14-0166055"' in body  # a case with a similar number
    for path in ("/case/NOPE", "/vocab/treatment/no-such-thing", "/graph/no-such-graph", "/rejected/nothing",
                 "/letter/NOPE/validation-report"):
        assert client.get(path).status_code == 404, path
        for media_type in (TURTLE, JSONLD):
            response = client.get(path, headers={"Accept": media_type})
            assert response.status_code == 404 and response.mimetype == "text/plain", (path, media_type)
        assert client.get(path + ".nt").status_code == 404
    assert page(client, "/resource?" + urlencode({"iri": "http://example.org/nothing"}), status=404)
    assert client.get("/resource", query_string={"iri": "http://example.org/nothing"},
                      headers={"Accept": TURTLE}).status_code == 404


@pytest.mark.parametrize("iri", ["", "not an iri", "https://example.org/a> } DROP ALL {", 'http://x/"', "x"])
def test_resource_refuses_what_is_not_an_iri(client: FlaskClient, iri: str) -> None:
    body = page(client, "/resource?" + urlencode({"iri": iri}), status=400)
    assert "not an IRI" in body


def test_paths_that_would_break_a_query_are_just_not_found(client: FlaskClient) -> None:
    for path in ("/case/CM14-0166055%3E%20%7D%20DROP%20ALL", "/vocab/a%22b", "/case/%3Cx%3E"):
        assert client.get(path).status_code == 404, path


def test_case_search(client: FlaskClient) -> None:
    response = client.get("/cases", query_string={"q": "cm14-0166055"})
    assert response.status_code == 303 and response.headers["Location"] == "/case/CM14-0166055"
    body = page(client, "/cases?q=0166")
    assert 'href="/case/CM14-0166055"' in body and 'href="/case/CM13-0009871"' not in body
    everything = page(client, "/cases")  # the finder: every disputed item, each with its case
    assert everything.count('class="item-link') == count_rows(
        client, f"SELECT (COUNT(DISTINCT ?i) AS ?n) WHERE {{ GRAPH ?g {{ ?c <{IMR.disputedItem}> ?i }} }}")
    refused = page(client, "/cases?" + urlencode({"q": "<script>"}))
    assert "<script>" not in refused and "&lt;script&gt;" in refused


# ---- escaping: a store whose values are markup -----------------------------------------------------------------

EVIL = '<script>alert("x")</script><img src=x onerror=alert(1)>'


@pytest.fixture(scope="module")
def evil_client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FlaskClient]:
    """The app over a tiny store whose labels, texts and messages are HTML."""
    from kg.store import KGStore
    from webapp import create_app
    from webapp.store import close_app

    path = tmp_path_factory.mktemp("evil") / "store"
    key = "CM99-0000001"
    case, letter = URIRef(f"{BASE}case/{key}"), URIRef(f"{BASE}letter/{key}")
    diagnosis, item, concept = URIRef(f"{case}/diagnosis/1"), URIRef(f"{case}/item/1"), URIRef(BASE + "vocab/treatment/evil")
    text = f"Case Number: {key}\nDiagnosis {EVIL} pain.\n1 {EVIL} request\n"
    facts = Graph()
    for triple in [
        (case, RDF.type, IMR.Case), (case, IMR.caseNumber, Literal(key)), (case, RDFS.label, Literal(f"Case {EVIL}")),
        (case, IMR.letter, letter), (case, IMR.diagnosis, diagnosis), (case, IMR.disputedItem, item),
        (letter, RDF.type, IMR.Letter), (letter, RDFS.label, Literal(EVIL)), (letter, IMR.text, Literal(text)),
        (letter, IMR.warning, Literal(EVIL)), (letter, DCTERMS.source, Literal(f"{EVIL}.md")),
        (diagnosis, RDF.type, IMR.Diagnosis), (diagnosis, RDFS.label, Literal(EVIL)),
        (diagnosis, IMR.evidence, URIRef(f"{diagnosis}/span")),
        (URIRef(f"{diagnosis}/span"), IMR.inLetter, letter),
        (URIRef(f"{diagnosis}/span"), IMR.startOffset, Literal(text.index(EVIL), datatype=XSD.integer)),
        (URIRef(f"{diagnosis}/span"), IMR.endOffset, Literal(text.index(EVIL) + len(EVIL), datatype=XSD.integer)),
        (item, RDF.type, IMR.DisputedItem), (item, IMR.itemNumber, Literal(1, datatype=XSD.integer)),
        (item, IMR.request, Literal(EVIL)), (item, IMR.rationale, Literal(EVIL)), (item, IMR.treatment, concept),
        (item, IMR.treatmentLabel, Literal(EVIL)), (item, IMR.evidence, URIRef(f"{item}/span")),
        (URIRef(f"{item}/span"), IMR.inLetter, letter),
        (URIRef(f"{item}/span"), IMR.startOffset, Literal(text.rindex(EVIL) - 2, datatype=XSD.integer)),
        (URIRef(f"{item}/span"), IMR.endOffset, Literal(len(text) - 1, datatype=XSD.integer)),
    ]:
        facts.add(triple)
    vocab = Graph()
    vocab.add((concept, RDF.type, SKOS.Concept))
    vocab.add((concept, SKOS.prefLabel, Literal(EVIL)))
    vocab.add((concept, SKOS.definition, Literal(EVIL)))
    rejected = Graph()
    rejected.add((URIRef(BASE + "rejected/abc"), RDF.type, IMR.RejectedLetter))
    rejected.add((URIRef(BASE + "rejected/abc"), IMR.rejectionReason, Literal(EVIL)))
    report, result = URIRef(f"{letter}/validation-report"), BNode()
    validation = Graph()
    for triple in [(report, RDF.type, SH.ValidationReport), (report, SH.conforms, Literal(False)),
                   (report, SH.result, result), (result, SH.resultSeverity, SH.Violation),
                   (result, SH.resultMessage, Literal(EVIL)), (result, IMR.constraint, Literal(EVIL)),
                   (result, SH.focusNode, case)]:
        validation.add(triple)
    with KGStore(path) as store:
        store.bulk_add([(URIRef(f"{BASE}graph/letter/{key}"), facts), (URIRef(BASE + "graph/vocab"), vocab),
                        (URIRef(BASE + "graph/rejected"), rejected), (URIRef(f"{BASE}graph/validation/{key}"), validation)])
    app = create_app({"TESTING": True, "STORE_PATH": str(path), "QUERY_WORKERS": 1})
    try:
        yield app.test_client()
    finally:
        close_app(app)


@pytest.mark.parametrize("path", ["/case/CM99-0000001", "/case/CM99-0000001/item/1", "/case/CM99-0000001/diagnosis/1",
                                  "/letter/CM99-0000001", "/vocab/treatment/evil", "/rejected/abc",
                                  "/graph/letter/CM99-0000001", "/letter/CM99-0000001/validation-report"])
def test_values_are_escaped(evil_client: FlaskClient, path: str) -> None:
    body = page(evil_client, path)
    assert "<script>alert" not in body and "<img src=x" not in body
    assert "&lt;script&gt;alert(" in body


def test_escaped_text_is_still_highlighted(evil_client: FlaskClient) -> None:
    body = page(evil_client, "/case/CM99-0000001")
    marked = re.findall(r'<mark class="fact-mark mark-diagnosis"[^>]*>([^<]*)</mark>', body)
    assert [html.unescape(m) for m in marked] == [EVIL]
    assert "severity-violation" in body and "does not conform" in body
    rdf = rdf_of(evil_client.get("/rejected/abc", headers={"Accept": TURTLE}), TURTLE)
    assert (URIRef(BASE + "rejected/abc"), IMR.rejectionReason, Literal(EVIL)) in rdf
