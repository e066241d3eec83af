"""The graph pages through the Flask test client: /graph, /api/neighbourhood, /api/labels, /api/graph-scripts,
/network and /network.json."""
from __future__ import annotations

import re
from urllib.parse import urlencode

import networkx as nx
import pytest
from flask.testing import FlaskClient

from webapp.graphview import readable_name

CASE = "https://w3id.org/imr-kg/case/CM14-0166055"
ITEM = CASE + "/item/1"
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)
INLINE_STYLE = re.compile(r"<style|\sstyle\s*=", re.IGNORECASE)
INLINE_HANDLER = re.compile(r"\son[a-z]+\s*=", re.IGNORECASE)
IRI_LIKE = re.compile(r"^\w+:[\w-]+/")


def neighbourhood(client: FlaskClient, iri: str, **extra: object):
    return client.get("/api/neighbourhood?" + urlencode({"iri": iri, **extra}))


def test_graph_page_renders(client: FlaskClient) -> None:
    response = client.get("/graph?" + urlencode({"iri": CASE}), headers={"Accept": "text/html"})
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert "<h1>CM14-0166055</h1>" in body
    assert f'data-iri="{CASE}"' in body and 'id="graph-canvas"' in body
    assert "/vendor/cytoscape/dist/cytoscape.min.js?v=" in body and "/static/graphview.js" in body
    assert "/static/graph.css" in body
    # the layout extension after Cytoscape.js, its dependencies before it, the drawing code last
    order = [body.index(f"/vendor/{name}?v=") for name in LAYOUT_FILES]
    assert body.index("/vendor/cytoscape/dist/cytoscape.min.js") < order[0] < order[1] < order[2] < \
        body.index("/static/graphview.js")
    assert 'id="graph-legend"' in body and 'id="graph-caps"' in body
    assert 'data-limit="150"' in body
    assert not INLINE_SCRIPT.search(body) and not INLINE_STYLE.search(body) and not INLINE_HANDLER.search(body)


LAYOUT_FILES = ("layout-base/layout-base.js", "cose-base/cose-base.js", "cytoscape-fcose/cytoscape-fcose.js")


def test_graph_page_takes_a_limit(client: FlaskClient) -> None:
    """?limit= sets how many links are loaded at first, held between 1 and the largest limit."""
    for given, kept in (("10", "10"), ("0", "150"), ("100000", "500"), ("many", "150")):
        body = client.get("/graph?" + urlencode({"iri": CASE, "limit": given}),
                          headers={"Accept": "text/html"}).get_data(as_text=True)
        assert f'data-limit="{kept}"' in body, given


def test_layout_files_are_served_in_order(client: FlaskClient) -> None:
    """/api/graph-scripts gives the extension's files in load order with their versions; /vendor/ serves them."""
    scripts = client.get("/api/graph-scripts").get_json()["scripts"]
    assert [url.split("?")[0] for url in scripts] == [f"/vendor/{name}" for name in LAYOUT_FILES]
    for url in scripts:
        assert re.search(r"\?v=\d+\.\d+\.\d+$", url), url
        response = client.get(url)
        assert response.status_code == 200 and b"webpackUniversalModuleDefinition" in response.get_data()
        assert "javascript" in response.content_type
        response.close()
    assert client.get("/vendor/cytoscape-fcose/package.json").status_code == 404


@pytest.mark.parametrize(("iri", "name"), [
    (CASE + "/prior-treatment/7", "prior treatment 7"),
    (CASE + "/item/1/citation/reviewer-1", "item 1 citation reviewer 1"),
    (CASE, "CM14-0166055"),
    ("https://w3id.org/imr-kg/letter/CM14-0166055", "CM14-0166055"),
    ("https://w3id.org/imr-kg/vocab/treatment/platelet-rich-plasma-injection", "platelet rich plasma injection"),
    ("https://w3id.org/imr-kg/ontology#IMRReviewer", "IMRReviewer"),
    ("https://example.org/things/thing_one/", "thing one"),
    ("https://example.org/list/7", "list 7"),
    ("https://example.org/some%20name", "some name"),
])
def test_readable_name(iri: str, name: str) -> None:
    """A resource without a label is named by the end of its IRI, made readable; never by the IRI."""
    assert readable_name(iri) == name


def test_readable_name_is_short() -> None:
    name = readable_name("https://example.org/" + "-".join(["word"] * 40))
    assert len(name) <= 40 and name.endswith("…") and "://" not in name


def test_labels_of_posted_iris(client: FlaskClient) -> None:
    """/api/labels: the graph's labels and classes, a readable name for what the graph does not label."""
    unknown = CASE + "/prior-treatment/99"
    response = client.post("/api/labels", json={"iris": [ITEM, CASE, unknown, "https://example.org/a/b/7",
                                                          "not an iri", CASE]})
    assert response.status_code == 200 and response.is_json
    found = response.get_json()
    assert set(found) == {ITEM, CASE, unknown, "https://example.org/a/b/7"}
    assert found[ITEM] == {"label": "Item 1: massage therapy", "cls": "item", "types": ["DisputedItem"]}
    assert found[CASE]["label"] == "CM14-0166055" and found[CASE]["cls"] == "case"
    assert found[unknown] == {"label": "prior treatment 99", "cls": "other", "types": []}
    assert found["https://example.org/a/b/7"]["label"] == "b 7"
    source = client.post("/api/labels", json={"iris": [CASE + "/source/priority"]}).get_json()
    assert source[CASE + "/source/priority"]["label"] == "source of priority"


def test_labels_refuses_bad_requests(client: FlaskClient) -> None:
    for body in ({"iris": "https://example.org/a"}, {"iris": [1, 2]}, ["https://example.org/a"], {}):
        response = client.post("/api/labels", json=body)
        assert response.status_code == 400 and response.is_json, body
    assert client.post("/api/labels", data="iris", content_type="text/plain").status_code == 400
    too_many = {"iris": [f"https://example.org/{n}" for n in range(601)]}
    assert client.post("/api/labels", json=too_many).status_code == 400
    assert client.get("/api/labels").status_code == 405


def test_graph_page_without_iri_offers_cases(client: FlaskClient) -> None:
    body = client.get("/graph", headers={"Accept": "text/html"}).get_data(as_text=True)
    assert 'name="iri"' in body
    assert f"/graph?iri={CASE}\">CM14-0166055</a>" in body


def test_graph_page_errors(client: FlaskClient) -> None:
    bad = client.get("/graph?iri=" + "not an iri", headers={"Accept": "text/html"})
    assert bad.status_code == 400 and "Not an absolute IRI" in bad.get_data(as_text=True)
    unknown = client.get("/graph?" + urlencode({"iri": CASE + "-nope"}), headers={"Accept": "text/html"})
    assert unknown.status_code == 404


def test_neighbourhood_of_a_case_has_its_items_with_labels(client: FlaskClient) -> None:
    response = neighbourhood(client, CASE)
    assert response.status_code == 200 and response.is_json
    data = response.get_json()
    nodes = {n["id"]: n for n in data["nodes"]}
    assert nodes[CASE]["label"] == "CM14-0166055" and nodes[CASE]["cls"] == "case"
    assert nodes[ITEM]["label"] == "Item 1: massage therapy" and nodes[ITEM]["cls"] == "item"
    assert nodes[ITEM]["iri"] == ITEM
    assert {"source": CASE, "target": ITEM, "label": "disputedItem"}.items() <= \
        next(e for e in data["edges"] if e["target"] == ITEM).items()
    classes = {n["cls"] for n in data["nodes"]}
    assert {"letter", "diagnosis", "specialty", "prior", "span", "literal"} <= classes
    for node in data["nodes"]:  # labels, not IRIs
        assert node["label"] and "://" not in node["label"] and not IRI_LIKE.match(node["label"]), node
    assert nodes[CASE + "/source/priority"]["label"] == "source of priority"
    assert nodes[CASE + "/source/priority"]["cls"] == "source"
    assert data["more"] is False and data["total"] == len(data["edges"])
    edge_ends = {e["source"] for e in data["edges"]} | {e["target"] for e in data["edges"]}
    assert edge_ends <= set(nodes)


def test_expanding_an_item_gives_its_citations(client: FlaskClient) -> None:
    data = neighbourhood(client, ITEM).get_json()
    citations = [n for n in data["nodes"] if n["cls"] == "citation"]
    assert {n["id"] for n in citations} == {ITEM + "/citation/reviewer-1", ITEM + "/citation/claims-administrator-1"}
    assert any("Massage Therapy" in n["label"] for n in citations)
    labels = {n["label"] for n in data["nodes"]}
    assert {"massage therapy", "Upheld", "cervical spine", "CM14-0166055"} <= labels
    values = {n["value"] for n in data["nodes"] if n["cls"] == "literal"}
    assert "2 per month" in values
    incoming = [e for e in data["edges"] if e["target"] == ITEM]
    assert any(e["source"] == CASE for e in incoming)


def test_neighbourhood_is_capped(client: FlaskClient) -> None:
    """A capped neighbourhood says how many links there are in all; a larger limit gives more of them."""
    whole = neighbourhood(client, CASE).get_json()
    data = neighbourhood(client, CASE, limit=5).get_json()
    assert len(data["edges"]) == 5 and data["more"] is True and data["limit"] == 5
    assert data["total"] == len(whole["edges"]) > 10
    more = neighbourhood(client, CASE, limit=10).get_json()
    assert len(more["edges"]) == 10 and more["total"] == data["total"]
    assert {e["id"] for e in data["edges"]} < {e["id"] for e in more["edges"]}


def test_neighbourhood_errors(client: FlaskClient) -> None:
    unknown = neighbourhood(client, "https://w3id.org/imr-kg/case/CM99-0000000")
    assert unknown.status_code == 404 and unknown.is_json
    assert "Nothing in the graph" in unknown.get_json()["error"]
    for bad in ("not an iri", "https://example.org/a>b", "https://example.org/{x}", "relative/path"):
        response = neighbourhood(client, bad)
        assert response.status_code == 400 and response.is_json, bad
    assert client.get("/api/neighbourhood").status_code == 400


def test_network_page(client: FlaskClient) -> None:
    response = client.get("/network", headers={"Accept": "text/html"})
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert "Treatments most often requested together" in body and "Guidelines most often cited together" in body
    assert "MRI <span class=\"muted\">+</span> orthopedic consultation" in body
    assert "MTUS ACOEM Practice Guidelines: Shoulder Complaints" in body
    assert 'data-src="/network.json?projection=treatments"' in body
    assert 'class="active" aria-current="page">Network' in body
    assert "built-in method" not in body
    # plain words in the tables; the measures' own names only inside "What do these numbers mean?"
    outside = re.sub(r"<details.*?</details>", "", body, flags=re.DOTALL)
    headers = re.findall(r"<th scope=\"col\">([^<]*)</th>", outside)
    assert "Requested together in … cases" in headers and "Cited together for … disputed items" in headers
    assert "Links to" in headers and "Strength" in headers and "Group" in headers
    assert not {"Weight", "Weighted degree", "Betweenness", "Eigenvector", "Community"} & set(headers)
    for jargon in ("betweenness", "eigenvector", "modularity", "weighted degree", "centrality"):
        assert jargon not in outside.lower(), jargon
    assert body.count("<summary>What do these numbers mean?</summary>") == 2
    details = re.findall(r"<details.*?</details>", body, flags=re.DOTALL)
    assert all("Betweenness" in d and "Eigenvector" in d and "modularity" in d for d in details)
    assert 'id="network-legend-treatments"' in body and 'data-line="Line: requested in the same case' in body
    assert "/vendor/cytoscape-fcose/cytoscape-fcose.js?v=" in body
    assert not INLINE_SCRIPT.search(body) and not INLINE_STYLE.search(body)


def test_network_json(client: FlaskClient) -> None:
    for projection in ("treatments", "guidelines", "cases"):
        response = client.get(f"/network.json?projection={projection}")
        assert response.status_code == 200 and response.is_json
        data = response.get_json()
        graph = nx.node_link_graph(data, edges="links")
        assert graph.number_of_nodes() > 0 and graph.number_of_edges() > 0
        assert data["graph"]["projection"] == projection
        assert {"label", "strength", "betweenness", "community"} <= set(data["nodes"][0])
    treatments = nx.node_link_graph(client.get("/network.json").get_json(), edges="links")
    mri = "https://w3id.org/imr-kg/vocab/treatment/mri"
    assert treatments.edges[mri, "https://w3id.org/imr-kg/vocab/treatment/orthopedic-consultation"]["weight"] == 2
    for query in ("projection=letters", "projection=treatments&scope=letter"):
        bad = client.get("/network.json?" + query)
        assert bad.status_code == 400 and bad.is_json
