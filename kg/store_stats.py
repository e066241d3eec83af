"""What the store holds: the letters in it, one letter's graph read back, every letter re-validated against
the current shapes, and the counts `kg stats` prints."""
from __future__ import annotations

from typing import Any

import pyoxigraph as ox
from rdflib import Graph

from kg.rdf import mint
from kg.store import AnyStore, KGStore
from kg.validate import Report, validate_graph


def letter_keys(store: AnyStore) -> list[str]:
    """Case keys of every letter graph in the store."""
    prefix = str(mint.letter_graph(""))
    return sorted(g[len(prefix):] for g in store.named_graphs() if g.startswith(prefix))


def letter_graph(store: AnyStore, key: str) -> Graph:
    """One letter's graph, read back from the store into rdflib."""
    graph = Graph()
    name = mint.letter_graph(key)
    if isinstance(store, KGStore):
        data = store.store.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=ox.NamedNode(str(name)))
        assert data is not None  # with no output stream, dump returns the serialization
        graph.parse(data=data.decode("utf-8"), format="nt")
    else:
        graph.parse(data=store.graph_nt(name), format="nt")
    return graph


def validate_store(store: AnyStore) -> list[tuple[str, Report]]:
    """Every letter in the store validated against the current shapes."""
    results = []
    for key in letter_keys(store):
        results.append((key, validate_graph(letter_graph(store, key))))
    return results


def store_stats(store: AnyStore) -> dict[str, Any]:
    """Counts a user checks first: cases, items, outcomes, triples, graphs, validation and rejections."""
    one = store.select("""
        SELECT (COUNT(DISTINCT ?case) AS ?cases) (COUNT(DISTINCT ?item) AS ?items) WHERE {
          GRAPH ?g { ?case a imr:Case . OPTIONAL { ?case imr:disputedItem ?item } } }""")[0]
    outcomes = {r["label"]: r["n"] for r in store.select("""
        SELECT ?label (COUNT(?item) AS ?n) WHERE { GRAPH ?g { ?item imr:outcome ?o }
          GRAPH <https://w3id.org/imr-kg/graph/vocab> { ?o skos:prefLabel ?label } } GROUP BY ?label""")}
    validation = store.select("""
        SELECT (COUNT(DISTINCT ?letter) AS ?letters) (SUM(IF(?conforms, 1, 0)) AS ?conforming) WHERE {
          GRAPH ?v { ?letter imr:validationReport ?r . ?r sh:conforms ?conforms } }""")[0]
    severities = {r["severity"]: r["n"] for r in store.select("""
        SELECT ?severity (COUNT(?res) AS ?n) WHERE { GRAPH ?v { ?r sh:result ?res . ?res sh:resultSeverity ?s }
          BIND(STRAFTER(STR(?s), "#") AS ?severity) } GROUP BY ?severity""")}
    rejected = store.select("""SELECT (COUNT(?r) AS ?n) WHERE { GRAPH ?g { ?r a imr:RejectedLetter } }""")[0]["n"]
    return {
        "cases": one["cases"], "items": one["items"], "upheld": outcomes.get("Upheld", 0),
        "overturned": outcomes.get("Overturned", 0), "triples": store.triple_count(),
        "named graphs": len(store.named_graphs()), "letters validated": validation["letters"],
        "letters conforming": validation["conforming"] or 0, "violations": severities.get("Violation", 0),
        "warnings": severities.get("Warning", 0), "letters kept out": rejected,
    }
