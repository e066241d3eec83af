"""The pyoxigraph store: round trips, atomic replacement, the single-writer lock."""
from __future__ import annotations

import io
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import Graph, Literal, URIRef

from kg import extract_file
from kg.errors import KGError
from kg.rdf import mint
from kg.rdf.mapping import record_to_graph
from kg.store import KGStore, StoreBusy
from tests.conftest import SEED

G = URIRef("https://example.org/g")
S = URIRef("https://example.org/s")
P = URIRef("https://example.org/p")


@pytest.fixture
def seed_graph() -> Graph:
    """The seed letter's graph."""
    return record_to_graph(extract_file(SEED))


def test_round_trip_on_disk(tmp_path: Path, seed_graph: Graph) -> None:
    """A letter graph written to a store on disk reads back identical after reopening."""
    name = mint.letter_graph("CM14-0166055")
    with KGStore(tmp_path / "store") as store:
        store.replace_graphs({name: seed_graph})
    reopened = KGStore(tmp_path / "store", read_only=True)
    back = Graph()
    for row in reopened.query(f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{name}> {{ ?s ?p ?o }} }}"):
        back.add((URIRef(row.subject.value), URIRef(row.predicate.value), _term(row.object)))
    assert _values(back) == _values(seed_graph)
    assert reopened.triple_count(name) == len(seed_graph)


def _values(graph: Graph) -> set:
    """Triples compared by value, since stores may write numbers in another canonical form (24 vs 24.0)."""
    return {(s, p, o.toPython() if isinstance(o, Literal) else o) for s, p, o in graph}


def _term(term):
    import pyoxigraph as ox

    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    return Literal(term.value, datatype=URIRef(term.datatype.value)
                   if term.datatype and term.datatype.value != "http://www.w3.org/2001/XMLSchema#string" else None)


def test_replace_is_whole(seed_graph: Graph) -> None:
    """Replacing a graph drops every old triple; replacing with None deletes the graph."""
    store = KGStore()
    store.replace_graphs({G: seed_graph})
    small = Graph()
    small.add((S, P, Literal("only")))
    store.replace_graphs({G: small})
    assert store.triple_count(G) == 1
    store.replace_graphs({G: None})
    assert not store.has_graph(G)


def test_failed_replacement_changes_nothing(seed_graph: Graph) -> None:
    """A replacement that cannot be applied leaves the old graph as it was (one transaction)."""
    store = KGStore()
    store.replace_graphs({G: seed_graph})
    before = store.triple_count(G)
    broken = Graph()
    broken.add((S, P, Literal("x")))
    with pytest.raises(Exception):
        store.replace_graphs({G: broken, URIRef("not an iri"): broken})
    assert store.triple_count(G) == before


def test_second_writer_is_refused(tmp_path: Path) -> None:
    """Only one process (or handle) writes: a second writer gets a clear error."""
    with KGStore(tmp_path / "s"):
        with pytest.raises(StoreBusy, match="being written"):
            KGStore(tmp_path / "s")


def test_reader_refused_while_writing(tmp_path: Path) -> None:
    """Reading a store while another handle writes it is refused, not undefined behaviour."""
    with KGStore(tmp_path / "s"):
        with pytest.raises(StoreBusy, match="being written by another process"):
            KGStore(tmp_path / "s", read_only=True)
    KGStore(tmp_path / "s", read_only=True)  # fine once the writer is gone


def test_missing_store_is_a_clear_error(tmp_path: Path) -> None:
    """Opening a store that does not exist says how to build one."""
    with pytest.raises(KGError, match="kg build"):
        KGStore(tmp_path / "nothing", read_only=True)


@pytest.mark.parametrize("fmt", ["nquads", "trig", "turtle", "jsonld"])
def test_dump_formats(fmt: str, seed_graph: Graph) -> None:
    """Every export format parses back to the same number of triples."""
    store = KGStore()
    store.replace_graphs({G: seed_graph})
    out = io.BytesIO()
    store.dump(out, fmt)
    formats = {"nquads": ox.RdfFormat.N_QUADS, "trig": ox.RdfFormat.TRIG, "turtle": ox.RdfFormat.TURTLE,
               "jsonld": ox.RdfFormat.JSON_LD}
    quads = list(ox.parse(out.getvalue(), formats[fmt]))
    assert len(quads) == len(seed_graph)
    if fmt != "turtle":
        assert {q.graph_name.value for q in quads} == {str(G)}
