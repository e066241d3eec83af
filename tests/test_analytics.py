"""kg.analytics: projections, centrality and communities on hand-made rows with known answers, then on the
bundled letters' store (checked against SPARQL counts), and exports that networkx reads back."""
from __future__ import annotations

import io
import json

import networkx as nx
import pytest

from kg import analytics
from kg.analytics import Mention
from kg.errors import KGError

T = "https://w3id.org/imr-kg/vocab/treatment/"
GL = "https://w3id.org/imr-kg/vocab/guideline/"
CASE = "https://w3id.org/imr-kg/case/"


def treatment_row(case: str, item: int, concept: str | None, written: str, label: str | None = None) -> dict:
    """A row as TREATMENT_QUERY gives it (unbound variables as None, as KGStore.select has them)."""
    return {"case": CASE + case, "caseNumber": case, "item": f"{CASE}{case}/item/{item}",
            "treatment": T + concept if concept else None, "treatmentLabel": written,
            "label": label or (written if concept else None)}


# Case A asks for T1, T2 and T3; case B for T1 and T2; case C for T3 and an unmapped "magic cream" (twice).
ROWS = [
    treatment_row("CM14-0000001", 1, "t1", "T1"), treatment_row("CM14-0000001", 2, "t2", "T2"),
    treatment_row("CM14-0000001", 3, "t3", "T3"),
    treatment_row("CM14-0000002", 1, "t1", "Norco", label="T1"), treatment_row("CM14-0000002", 2, "t2", "T2"),
    treatment_row("CM14-0000003", 1, "t3", "T3"), treatment_row("CM14-0000003", 2, None, "Magic cream"),
    treatment_row("CM14-0000003", 3, None, "magic cream"),
]
T4 = "label:magic cream"


@pytest.fixture
def treatments() -> nx.Graph:
    """The analysed co-request graph of ROWS."""
    return analytics.analyse(analytics.co_occurrence_graph(analytics.treatment_mentions(ROWS)))


def test_mentions_use_the_concept_else_the_written_label() -> None:
    mentions = analytics.treatment_mentions(ROWS)
    assert {m.key for m in mentions} == {T + "t1", T + "t2", T + "t3", T4}
    norco = next(m for m in mentions if m.item.endswith("CM14-0000002/item/1"))
    assert (norco.key, norco.label) == (T + "t1", "T1")  # the brand name is the concept's
    assert {m.label for m in mentions if m.key == T4} == {"Magic cream", "magic cream"}


def test_co_request_weights(treatments: nx.Graph) -> None:
    """T1-T2 in two cases over four items; T3-magic cream in one case, three items (two of the cream)."""
    edge = treatments.edges[T + "t1", T + "t2"]
    assert (edge["weight"], edge["cases"], edge["items"]) == (2, 2, 4)
    assert treatments.edges[T + "t1", T + "t3"]["weight"] == 1
    cream = treatments.edges[T + "t3", T4]
    assert (cream["weight"], cream["cases"], cream["items"]) == (1, 1, 3)
    assert not treatments.has_edge(T + "t1", T4)
    assert treatments.number_of_edges() == 4
    assert treatments.nodes[T4]["items"] == 2 and treatments.nodes[T4]["cases"] == 1
    assert treatments.nodes[T + "t1"]["cases"] == 2


def test_centrality_known_answers(treatments: nx.Graph) -> None:
    """Weighted degree sums the weights; T3 is the only way to the cream, so it alone has betweenness:
    2 of the 3 pairs of other nodes pass through it."""
    strength = nx.get_node_attributes(treatments, "strength")
    assert strength == {T + "t1": 3, T + "t2": 3, T + "t3": 3, T4: 1}
    assert nx.get_node_attributes(treatments, "degree")[T + "t3"] == 3
    betweenness = nx.get_node_attributes(treatments, "betweenness")
    assert betweenness[T + "t3"] == pytest.approx(2 / 3, abs=1e-6)
    assert betweenness[T + "t1"] == betweenness[T + "t2"] == betweenness[T4] == 0
    eigenvector = nx.get_node_attributes(treatments, "eigenvector")
    assert treatments.graph["eigenvector_converged"] is True
    assert max(eigenvector, key=eigenvector.get) in (T + "t1", T + "t2")
    assert eigenvector[T4] == min(eigenvector.values())
    top = analytics.most_central(treatments, 1, by="betweenness")
    assert top[0]["id"] == T + "t3"


def test_communities_are_a_seeded_partition(treatments: nx.Graph) -> None:
    community = nx.get_node_attributes(treatments, "community")
    assert set(community) == set(treatments)
    assert community[T + "t1"] == community[T + "t2"]  # the strongest tie stays together
    again = analytics.analyse(analytics.co_occurrence_graph(analytics.treatment_mentions(ROWS)))
    assert nx.get_node_attributes(again, "community") == community
    lists = analytics.community_lists(treatments)
    assert sorted(m["id"] for members in lists for m in members) == sorted(treatments)
    assert len(lists) == treatments.graph["communities"]


def test_top_pairs_order(treatments: nx.Graph) -> None:
    pairs = analytics.top_pairs(treatments, 2)
    assert [(p["source_label"], p["target_label"], p["weight"]) for p in pairs][0] == ("T1", "T2", 2)
    assert pairs[1]["weight"] == 1 and pairs[1]["items"] == 3  # more items ranks first among equal weights
    assert len(analytics.top_pairs(treatments, 100)) == 4


def test_item_scope_joins_treatments_of_one_item() -> None:
    mentions = [Mention("c1", "c1/1", "a", "A"), Mention("c1", "c1/1", "b", "B"), Mention("c1", "c1/2", "c", "C")]
    by_item = analytics.co_occurrence_graph(mentions, scope="item")
    assert list(by_item.edges) == [("a", "b")]
    assert analytics.co_occurrence_graph(mentions, scope="case").number_of_edges() == 3
    with pytest.raises(KGError):
        analytics.co_occurrence_graph(mentions, scope="letter")


def citation_row(case: str, item: int, guideline: str, label: str, chapter: str | None = None,
                 chapter_label: str | None = None, topic: str | None = None) -> dict:
    return {"case": CASE + case, "caseNumber": case, "item": f"{CASE}{case}/item/{item}",
            "citation": f"{CASE}{case}/item/{item}/citation/reviewer-1", "guideline": GL + guideline,
            "guidelineLabel": label, "chapter": GL + chapter if chapter else None, "chapterLabel": chapter_label,
            "topic": topic}


def test_guideline_labels_and_co_citation() -> None:
    """Chapter (else topic) joins the guideline's name; the same guideline with two topics is two nodes."""
    pain = "MTUS Chronic Pain Medical Treatment Guidelines"
    rows = [
        citation_row("CM14-0000001", 1, "mtus-chronic-pain", pain, topic="Opioids"),
        citation_row("CM14-0000001", 1, "mtus-chronic-pain", pain, topic="Tramadol"),
        citation_row("CM14-0000002", 1, "mtus-chronic-pain", pain, topic="opioids"),
        citation_row("CM14-0000002", 1, "mtus-chronic-pain", pain, topic="Tramadol"),
        citation_row("CM14-0000002", 2, "mtus-acoem", "MTUS ACOEM Practice Guidelines", "acoem-chapter-8",
                     "Neck and Upper Back Complaints", topic="Special Studies"),
    ]
    mentions = analytics.guideline_mentions(rows)
    labels = {m.label for m in mentions}
    assert f"{pain}: Opioids" in labels and f"{pain}: Tramadol" in labels
    assert "MTUS ACOEM Practice Guidelines: Neck and Upper Back Complaints" in labels
    acoem = next(m for m in mentions if m.label.startswith("MTUS ACOEM"))
    assert acoem.iri == GL + "acoem-chapter-8"
    graph = analytics.analyse(analytics.co_occurrence_graph(mentions, scope="item", kind="guideline"))
    assert graph.number_of_nodes() == 3  # "Opioids" and "opioids" are one node
    edge = graph.edges[f"{pain}: opioids".casefold(), f"{pain}: tramadol".casefold()]
    assert (edge["weight"], edge["cases"], edge["items"]) == (2, 2, 2)
    plain = analytics.guideline_mentions(rows, detail=False)
    assert {m.label for m in plain} == {pain, "MTUS ACOEM Practice Guidelines"}


def test_case_treatment_graph_is_bipartite() -> None:
    graph = analytics.analyse(analytics.case_treatment_graph(analytics.treatment_mentions(ROWS)))
    assert nx.is_bipartite(graph)
    cases = {n for n, side in graph.nodes(data="bipartite") if side == 0}
    assert cases == {CASE + "CM14-0000001", CASE + "CM14-0000002", CASE + "CM14-0000003"}
    assert graph.nodes[CASE + "CM14-0000003"]["label"] == "CM14-0000003"
    assert graph.edges[CASE + "CM14-0000003", T4]["weight"] == 2  # two items asked for the cream
    assert graph.number_of_edges() == 7


def test_graph_without_edges() -> None:
    graph = analytics.analyse(analytics.co_occurrence_graph([Mention("c1", "c1/1", "a", "A")]))
    assert graph.nodes["a"]["strength"] == 0 and graph.nodes["a"]["community"] == 0
    assert "eigenvector" not in graph.nodes["a"] and graph.graph["eigenvector_converged"] is False
    assert analytics.top_pairs(graph) == []


def read_back(data: bytes, fmt: str) -> nx.Graph:
    if fmt == "graphml":
        return nx.read_graphml(io.BytesIO(data))
    if fmt == "gexf":
        return nx.read_gexf(io.BytesIO(data))
    return nx.node_link_graph(json.loads(data), edges="links")


@pytest.mark.parametrize("fmt", analytics.FORMATS)
def test_exports_read_back(treatments: nx.Graph, fmt: str) -> None:
    back = read_back(analytics.export_bytes(treatments, fmt), fmt)
    assert back.number_of_nodes() == 4 and back.number_of_edges() == 4
    assert int(back.edges[T + "t1", T + "t2"]["weight"]) == 2
    assert back.nodes[T + "t3"]["label"] == "T3"
    assert float(back.nodes[T + "t3"]["betweenness"]) == pytest.approx(2 / 3, abs=1e-6)
    assert int(back.nodes[T4]["community"]) == treatments.nodes[T4]["community"]


def test_unknown_names_are_refused() -> None:
    with pytest.raises(KGError):
        analytics.export_bytes(nx.Graph(), "csv")
    with pytest.raises(KGError):
        analytics.projection(lambda query: [], "letters")
    with pytest.raises(KGError):
        analytics.fetch_citations(lambda query: [], role="nobody")


# ---- the bundled letters ----

def test_treatment_pairs_match_sparql(built_store) -> None:
    """Every pair's case count is what a SPARQL count of the cases asking for both says."""
    graph = analytics.projection(built_store.select, "treatments")

    def requested(node: str, var: str) -> str:
        if node.startswith("label:"):
            return f'?{var} imr:treatmentLabel ?l{var} . FILTER(LCASE(?l{var}) = "{node[6:]}")'
        return f"?{var} imr:treatment <{node}> ."

    for a, b, data in graph.edges(data=True):
        both = built_store.select(f"""SELECT (COUNT(DISTINCT ?case) AS ?n) WHERE {{ GRAPH ?g {{
            ?case imr:disputedItem ?i1, ?i2 . {requested(a, "i1")} {requested(b, "i2")} }} }}""")
        assert data["weight"] == data["cases"] == both[0]["n"], (a, b)
    top = analytics.top_pairs(graph, 3)
    assert {(p["source_label"], p["target_label"]) for p in top} == {
        ("compounded topical (flurbiprofen/cyclobenzaprine)", "MRI"),
        ("compounded topical (flurbiprofen/cyclobenzaprine)", "orthopedic consultation"),
        ("MRI", "orthopedic consultation")}
    assert all(p["weight"] == 2 and p["items"] == 4 for p in top)
    concepts = built_store.select("SELECT (COUNT(DISTINCT ?t) AS ?n) WHERE { GRAPH ?g { "
                                  "?c imr:disputedItem ?i . ?i imr:treatment ?t } }")
    assert sum(1 for n in graph if not n.startswith("label:")) == concepts[0]["n"]
    for node, data in graph.nodes(data=True):
        assert {"label", "strength", "betweenness", "community"} <= set(data), node


def test_guideline_pairs_match_sparql(built_store) -> None:
    """ACOEM chapters 7 and 9 are cited together by the reviewer for as many items as SPARQL counts."""
    graph = analytics.projection(built_store.select, "guidelines")
    chapter7 = "mtus acoem practice guidelines: independent medical examinations and consultations"
    chapter9 = "mtus acoem practice guidelines: shoulder complaints"
    items = built_store.select("""SELECT (COUNT(DISTINCT ?item) AS ?n) WHERE { GRAPH ?g {
        ?item imr:citation ?a, ?b .
        ?a imr:citationRole imr:IMRReviewer ; imr:chapter gl:acoem-chapter-7 .
        ?b imr:citationRole imr:IMRReviewer ; imr:chapter gl:acoem-chapter-9 } }""")
    assert graph.edges[chapter7, chapter9]["weight"] == items[0]["n"] == 2
    assert analytics.top_pairs(graph, 1)[0]["weight"] == 2
    labels = nx.get_node_attributes(graph, "label").values()
    assert "MTUS Chronic Pain Medical Treatment Guidelines: Opioids" in labels


def test_cases_projection_on_the_store(built_store) -> None:
    graph = analytics.projection(built_store.select, "cases")
    cases = built_store.select("SELECT (COUNT(DISTINCT ?c) AS ?n) WHERE { GRAPH ?g { ?c imr:disputedItem ?i } }")
    assert sum(1 for _, kind in graph.nodes(data="kind") if kind == "case") == cases[0]["n"]
    assert nx.is_bipartite(graph)
