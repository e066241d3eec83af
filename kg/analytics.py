"""Network analytics over the graph with networkx: co-request and co-citation projections, centrality, export.

Rows come from SPARQL through any ``select`` callable that takes a query and returns rows as mappings of
variable name to a plain value (``KGStore.select`` and the web app's ``select_values`` both do), so the same
functions serve the command line and the web app. Everything after the fetch is a pure function of the rows.

>>> graph = co_occurrence_graph([Mention("c1", "c1/1", "a", "A"), Mention("c1", "c1/2", "b", "B")])
>>> graph.edges["a", "b"]["weight"], graph.edges["a", "b"]["items"]
(1, 2)
"""
from __future__ import annotations

import io
import json
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from itertools import combinations
from typing import Any

from typing import TYPE_CHECKING

from kg.lazy import LazyModule

if TYPE_CHECKING:
    import networkx as nx

    from kg.item_index import ItemIndex
else:  # networkx takes a tenth of a second to import: only the commands that draw networks need it
    nx = LazyModule("networkx")

from kg.errors import KGError
from kg.namespaces import sparql_prologue

Row = Mapping[str, Any]
Select = Callable[[str], Sequence[Row]]

PROJECTIONS = ("treatments", "guidelines", "cases")
FORMATS = ("graphml", "gexf", "json")
SCOPES = ("case", "item")
#: The co-occurrence unit each projection uses unless told otherwise.
DEFAULT_SCOPE = {"treatments": "case", "guidelines": "item", "cases": "case"}
ROLES = {"reviewer": "imr:IMRReviewer", "claims-administrator": "imr:ClaimsAdministrator"}
BETWEENNESS_EXACT = 300

_VOCAB_GRAPH = "<https://w3id.org/imr-kg/graph/vocab>"

#: One row per disputed item and treatment concept (items without a concept keep their treatment label).
TREATMENT_QUERY = sparql_prologue() + f"""
SELECT ?case ?caseNumber ?item ?treatment ?treatmentLabel ?label WHERE {{
  GRAPH ?g {{
    ?case imr:caseNumber ?caseNumber ; imr:disputedItem ?item .
    OPTIONAL {{ ?item imr:treatmentLabel ?treatmentLabel }}
    OPTIONAL {{ ?item imr:treatment ?treatment }}
  }}
  # an always-bound key, so the label look-up joins on the concept instead of on every concept
  BIND(COALESCE(?treatment, <urn:imr-kg:none>) AS ?concept)
  OPTIONAL {{ GRAPH {_VOCAB_GRAPH} {{ ?concept skos:prefLabel ?label }} }}
}}
"""

#: One row per guideline citation of a disputed item, made by the role given in place of ROLE.
CITATION_QUERY = sparql_prologue() + f"""
SELECT ?case ?caseNumber ?item ?citation ?guideline ?guidelineLabel ?chapter ?chapterLabel ?topic WHERE {{
  GRAPH ?g {{
    ?case imr:caseNumber ?caseNumber ; imr:disputedItem ?item .
    ?item imr:citation ?citation .
    ?citation imr:citationRole ROLE ; imr:guideline ?guideline .
    OPTIONAL {{ ?citation imr:chapter ?chapter }}
    OPTIONAL {{ ?citation imr:topic ?topic }}
  }}
  OPTIONAL {{ GRAPH {_VOCAB_GRAPH} {{ ?guideline skos:prefLabel ?guidelineLabel }} }}
  BIND(COALESCE(?chapter, <urn:imr-kg:none>) AS ?chapterConcept)
  OPTIONAL {{ GRAPH {_VOCAB_GRAPH} {{ ?chapterConcept skos:prefLabel ?chapterLabel }} }}
}}
"""


@dataclass(frozen=True, order=True)
class Mention:
    """One node of a projection named by one disputed item: a treatment requested, a guideline cited."""

    case: str
    item: str
    key: str
    label: str
    iri: str = ""
    case_label: str = ""


def fetch_treatments(select: Select) -> list[Row]:
    """The rows of :data:`TREATMENT_QUERY`."""
    return list(select(TREATMENT_QUERY))


def fetch_citations(select: Select, role: str = "reviewer") -> list[Row]:
    """The rows of :data:`CITATION_QUERY` for citations by ``role`` ("reviewer" or "claims-administrator")."""
    if role not in ROLES:
        raise KGError(f"unknown citation role {role!r}; use one of: {', '.join(ROLES)}")
    return list(select(CITATION_QUERY.replace("ROLE", ROLES[role])))


def treatment_mentions(rows: Iterable[Row]) -> list[Mention]:
    """Treatments named by items: the concept when there is one, else the treatment label as written."""
    found = set()
    for row in rows:
        concept, written = row.get("treatment") or "", (row.get("treatmentLabel") or "").strip()
        if not concept and not written:
            continue
        key = concept or "label:" + written.casefold()
        label = row.get("label") or written or concept
        found.add(Mention(row["case"], row["item"], key, label, concept, row.get("caseNumber") or ""))
    return sorted(found)


def guideline_mentions(rows: Iterable[Row], detail: bool = True) -> list[Mention]:
    """Guidelines cited for items; with ``detail`` their chapter (else topic) too: "Guideline: Chapter"."""
    found = set()
    for row in rows:
        guideline = row["guideline"]
        name = row.get("guidelineLabel") or guideline
        part = (row.get("chapterLabel") or (row.get("topic") or "").strip()) if detail else ""
        label = f"{name}: {part}" if part else name
        iri = row.get("chapter") if detail and row.get("chapterLabel") else guideline
        found.add(Mention(row["case"], row["item"], label.casefold(), label, iri or guideline,
                          row.get("caseNumber") or ""))
    return sorted(found)


def co_occurrence_graph(mentions: Iterable[Mention], scope: str = "case",
                        kind: str = "treatment") -> nx.Graph:
    """Nodes named together in the same case (or item) joined by an edge.

    Edge ``weight``: how many cases (items, with ``scope="item"``) name both; ``cases``: in how many cases;
    ``items``: how many items in those cases or items name either. Node ``cases``/``items``: how many name it.
    """
    if scope not in SCOPES:
        raise KGError(f"unknown scope {scope!r}; use one of: {', '.join(SCOPES)}")
    graph = nx.Graph(kind=kind, scope=scope)
    # Mentions come sorted (case, item, key), so a basket's mentions are consecutive: the counts are made one
    # basket at a time, with integers per node and pair rather than sets of cases and items.
    node_cases: dict[str, int] = defaultdict(int)
    node_items: dict[str, int] = defaultdict(int)
    pairs: dict[tuple[str, str], list[int]] = {}  # (a, b) -> [baskets, cases, items]
    last_case: dict[tuple[str, str], str] = {}
    seen_in_case: set[str] = set()
    current_case = None

    def close(basket_case: str, named: dict[str, set[str]]) -> None:
        for a, b in combinations(sorted(named), 2):
            counts = pairs.setdefault((a, b), [0, 0, 0])
            counts[0] += 1
            if last_case.get((a, b)) != basket_case:  # baskets of one case come together
                counts[1] += 1
                last_case[a, b] = basket_case
            counts[2] += len(named[a] | named[b])  # an item belongs to one basket: no item counted twice

    basket: str | None = None
    named: dict[str, set[str]] = defaultdict(set)
    basket_case = ""
    last_named: tuple[str, str] | None = None
    for mention in sorted(mentions):
        key = mention.case if scope == "case" else mention.item
        if key != basket:
            if basket is not None:
                close(basket_case, named)
            basket, named, basket_case = key, defaultdict(set), mention.case
        named[mention.key].add(mention.item)
        if mention.case != current_case:
            current_case, seen_in_case = mention.case, set()
        if mention.key not in seen_in_case:
            seen_in_case.add(mention.key)
            node_cases[mention.key] += 1
        if (mention.item, mention.key) != last_named:  # two labels of one key in one item count once
            node_items[mention.key] += 1
            last_named = (mention.item, mention.key)
        if mention.key not in graph:
            graph.add_node(mention.key, label=mention.label, iri=mention.iri, kind=kind)
    if basket is not None:
        close(basket_case, named)
    for key in graph:
        graph.nodes[key].update(cases=node_cases[key], items=node_items[key])
    for (a, b), (weight, cases, items) in sorted(pairs.items()):
        graph.add_edge(a, b, weight=weight, cases=cases, items=items)
    return graph


def case_treatment_graph(mentions: Iterable[Mention]) -> nx.Graph:
    """The bipartite graph of cases (``bipartite=0``) and the treatments they request (``bipartite=1``);
    edge ``weight`` is the number of the case's items requesting the treatment."""
    graph = nx.Graph(kind="case-treatment", scope="case")
    for mention in mentions:
        graph.add_node(mention.case, label=mention.case_label or mention.case, iri=mention.case,
                       kind="case", bipartite=0)
        graph.add_node(mention.key, label=mention.label, iri=mention.iri, kind="treatment", bipartite=1)
        if graph.has_edge(mention.case, mention.key):
            edge = graph.edges[mention.case, mention.key]
            edge["weight"] = edge["items"] = edge["weight"] + 1
        else:
            graph.add_edge(mention.case, mention.key, weight=1, cases=1, items=1)
    return graph


def add_centrality(graph: nx.Graph) -> nx.Graph:
    """Add ``degree``, ``strength`` (weighted degree), ``betweenness`` and ``eigenvector`` (if it converges).

    In a graph of several components the eigenvector centrality concentrates on the dominant one.
    """
    for node, degree in graph.degree():
        graph.nodes[node]["degree"] = degree
    for node, strength in graph.degree(weight="weight"):
        graph.nodes[node]["strength"] = strength
    # Shortest paths should run along strong ties, so a heavier edge is a shorter one.
    distances = nx.Graph()
    distances.add_nodes_from(graph)
    distances.add_weighted_edges_from(((a, b, 1 / d["weight"]) for a, b, d in graph.edges(data=True)),
                                      "distance")
    # Exact up to BETWEENNESS_EXACT nodes; above, estimated from that many sampled sources (fixed seed), since
    # the exact value costs a shortest-path search from every node.
    sample = BETWEENNESS_EXACT if graph.number_of_nodes() > BETWEENNESS_EXACT else None
    for node, value in nx.betweenness_centrality(distances, k=sample, weight="distance", seed=0).items():
        graph.nodes[node]["betweenness"] = round(value, 6)
    graph.graph["betweenness_sources"] = sample or graph.number_of_nodes()
    graph.graph["eigenvector_converged"] = False
    if graph.number_of_edges():
        try:
            eigenvector = nx.eigenvector_centrality(graph, weight="weight", max_iter=1000, tol=1e-08)
        except nx.PowerIterationFailedConvergence:
            return graph
        for node, value in eigenvector.items():
            graph.nodes[node]["eigenvector"] = round(value, 6)
        graph.graph["eigenvector_converged"] = True
    return graph


def add_communities(graph: nx.Graph, seed: int = 42) -> nx.Graph:
    """Add a ``community`` number to every node (Louvain with a fixed seed; 0 is the largest community)."""
    found = nx.community.louvain_communities(graph, weight="weight", seed=seed) if graph.number_of_edges() \
        else [{node} for node in graph]
    labels = nx.get_node_attributes(graph, "label")
    ordered = sorted(found, key=lambda members: (-len(members), min(labels.get(n, n) for n in members)))
    for number, members in enumerate(ordered):
        for node in members:
            graph.nodes[node]["community"] = number
    graph.graph["communities"] = len(ordered)
    if graph.number_of_edges():
        graph.graph["modularity"] = round(nx.community.modularity(graph, ordered, weight="weight"), 6)
    return graph


def analyse(graph: nx.Graph, seed: int = 42) -> nx.Graph:
    """The graph with centrality and communities added."""
    return add_communities(add_centrality(graph), seed)


def projection(select: Select, name: str, scope: str | None = None, seed: int = 42,
               index: ItemIndex | None = None) -> nx.Graph:
    """Build, analyse and return one projection: "treatments", "guidelines" or "cases". Its rows come from the
    store's item index when one is given (the same rows, without reading every letter), else from SPARQL."""
    if name not in PROJECTIONS:
        raise KGError(f"unknown projection {name!r}; use one of: {', '.join(PROJECTIONS)}")
    scope = scope or DEFAULT_SCOPE[name]
    treatments = (lambda: index.treatment_rows()) if index is not None else (lambda: fetch_treatments(select))
    if name == "guidelines":
        rows = index.citation_rows() if index is not None else fetch_citations(select)
        graph = co_occurrence_graph(guideline_mentions(rows), scope, "guideline")
    elif name == "treatments":
        graph = co_occurrence_graph(treatment_mentions(treatments()), scope, "treatment")
    else:
        graph = case_treatment_graph(treatment_mentions(treatments()))
    graph.graph["projection"] = name
    return analyse(graph, seed)


def kept_projection(select: Select, name: str, scope: str | None, index: ItemIndex, seed: int = 42) -> nx.Graph:
    """:func:`projection`, analysed once per state of the item index: the result is kept in the index and used
    again until a letter is added, replaced or deleted (`kg build` analyses the default projections at its end)."""
    scope = scope or DEFAULT_SCOPE.get(name, "case")
    data = index.remembered(f"projection:{name}:{scope}:{seed}",
                            lambda: node_link(projection(select, name, scope, seed, index)))
    return nx.node_link_graph(data, edges="links")


def overview(graph: nx.Graph, n: int = 15) -> dict[str, Any]:
    """What the network page shows of a projection (JSON-able): its facts, size, the ``n`` heaviest pairs and
    most central nodes, and its communities of more than one member."""
    return {"facts": dict(graph.graph), "nodes": graph.number_of_nodes(), "edges": graph.number_of_edges(),
            "pairs": top_pairs(graph, n), "central": most_central(graph, n),
            "communities": [[number, members] for number, members in enumerate(community_lists(graph))
                            if len(members) > 1]}


def kept_overview(select: Select, name: str, scope: str | None, index: ItemIndex | None, seed: int = 42) -> dict[str, Any]:
    """:func:`overview` of a projection; with an item index, worked out once per state of it and kept, so that
    the page reads a few rows instead of rebuilding a graph of every pair."""
    if index is None:
        return overview(projection(select, name, scope, seed))
    scope = scope or DEFAULT_SCOPE.get(name, "case")
    return index.remembered(f"overview:{name}:{scope}:{seed}",
                            lambda: overview(kept_projection(select, name, scope, index, seed)))


def refresh_projections(index: ItemIndex, seed: int = 42) -> None:
    """Analyse and keep the projections the network page shows, and the page's overview of each, for the index
    as it is now."""
    for name in ("treatments", "guidelines"):
        kept_overview(lambda _: [], name, None, index, seed)


def top_pairs(graph: nx.Graph, n: int = 10) -> list[dict[str, Any]]:
    """The ``n`` heaviest edges, heaviest first: both ends' ids and labels, weight, cases and items."""
    label = nx.get_node_attributes(graph, "label")
    pairs = []
    for a, b, data in graph.edges(data=True):
        first, second = sorted((a, b), key=lambda node: str(label.get(node, node)).casefold())
        pairs.append({"source": first, "target": second, "source_label": label.get(first, first),
                      "target_label": label.get(second, second), "weight": data.get("weight", 1),
                      "cases": data.get("cases", 0), "items": data.get("items", data.get("weight", 1))})
    pairs.sort(key=lambda p: (-p["weight"], -p["items"], p["source_label"].casefold(),
                              p["target_label"].casefold()))
    return pairs[:n]


def most_central(graph: nx.Graph, n: int = 10, by: str = "strength",
                 kind: str | None = None) -> list[dict[str, Any]]:
    """The ``n`` nodes (of ``kind``, when given) highest on ``by``, each as its attributes plus ``id``."""
    nodes = [{"id": node, **data} for node, data in graph.nodes(data=True)
             if kind is None or data.get("kind") == kind]
    nodes.sort(key=lambda d: (-d.get(by, 0), -d.get("betweenness", 0), str(d.get("label", "")).casefold()))
    return nodes[:n]


def community_lists(graph: nx.Graph) -> list[list[dict[str, Any]]]:
    """Each community's members (id, label, strength), strongest first; communities in number order."""
    found: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for node, data in graph.nodes(data=True):
        found[data.get("community", 0)].append({"id": node, "label": data.get("label", node),
                                                "strength": data.get("strength", 0)})
    order = {number: sorted(members, key=lambda m: (-m["strength"], str(m["label"]).casefold()))
             for number, members in found.items()}
    return [order[number] for number in sorted(order)]


def node_link(graph: nx.Graph) -> dict[str, Any]:
    """The graph as node-link data (``nodes`` and ``links``, as D3 reads it)."""
    return nx.node_link_data(graph, edges="links")


def export_bytes(graph: nx.Graph, fmt: str) -> bytes:
    """The graph written as GraphML, GEXF or node-link JSON, in UTF-8."""
    if fmt == "json":
        return (json.dumps(node_link(graph), ensure_ascii=False, indent=1) + "\n").encode("utf-8")
    buffer = io.BytesIO()
    if fmt == "graphml":
        nx.write_graphml(graph, buffer)
    elif fmt == "gexf":
        nx.write_gexf(graph, buffer)
    else:
        raise KGError(f"unknown format {fmt!r}; use one of: {', '.join(FORMATS)}")
    return buffer.getvalue()
