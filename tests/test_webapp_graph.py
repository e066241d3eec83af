"""The graph pages through the Flask test client: /graph, /api/neighbourhood, /network and /network.json."""
from __future__ import annotations

import re
from urllib.parse import urlencode

import networkx as nx
from flask.testing import FlaskClient

CASE = "https://w3id.org/imr-kg/case/CM14-0166055"
ITEM = CASE + "/item/1"
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)
INLINE_STYLE = re.compile(r"<style|\sstyle\s*=", re.IGNORECASE)
INLINE_HANDLER = re.compile(r"\son[a-z]+\s*=", re.IGNORECASE)


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
    assert not INLINE_SCRIPT.search(body) and not INLINE_STYLE.search(body) and not INLINE_HANDLER.search(body)


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
        assert node["label"] and not node["label"].startswith("http"), node
    assert data["more"] is False
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
    data = neighbourhood(client, CASE, limit=5).get_json()
    assert len(data["edges"]) == 5 and data["more"] is True and data["limit"] == 5


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
