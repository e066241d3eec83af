"""Letters travel as N-Triples written directly from the mapping: the same triples rdflib would write, read
back by rdflib and pyoxigraph alike, validated without a Graph, and loaded many at a time."""
from __future__ import annotations

import pyoxigraph as ox
import pytest
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import RDF, SH, XSD

from kg.pipeline import extract_file, letter_paths, process_record
from kg.rdf.mapping import record_to_graph, record_triples
from kg.rdf.ntriples import nquads, ntriples, term
from kg.store import KGStore
from kg.validate import validate_graph, validate_ntriples
from tests.conftest import DATA_DIR

LETTERS = [p for p in letter_paths([DATA_DIR])]
S = URIRef("https://example.org/s")
P = URIRef("https://example.org/p")


@pytest.mark.parametrize("letter", LETTERS, ids=lambda p: p.name)
def test_a_letter_written_directly_is_the_graph_rdflib_holds(letter) -> None:
    """Every bundled letter's N-Triples, parsed back, is the graph the mapping gives as a Graph."""
    record = extract_file(letter)
    text = ntriples(record_triples(record))
    assert isomorphic(Graph().parse(data=text, format="nt"), record_to_graph(record))


@pytest.mark.parametrize("value", [
    Literal('He said "no" \\ twice'), Literal("line one\nline two\r\n"), Literal("café – 5 mg"),
    Literal("Pain", lang="en"), Literal(3, datatype=XSD.integer), Literal("2014-03-01", datatype=XSD.date),
    Literal(True), Literal("plain", datatype=XSD.string), Literal("tab\there"),
])
def test_literals_survive_the_round_trip(value: Literal) -> None:
    """Quotes, backslashes, line breaks, non-ASCII text, language tags and datatypes read back unchanged."""
    text = ntriples([(S, P, value)])
    assert text.count("\n") == 1
    assert list(Graph().parse(data=text, format="nt")) == [(S, P, value)]
    parsed = next(iter(ox.parse(text.encode(), ox.RdfFormat.N_TRIPLES)))
    assert parsed.object.value == str(value)


def test_blank_nodes_take_the_prefix_and_other_objects_are_refused() -> None:
    """Blank node labels carry the given prefix; anything that is not a term is an error, not output."""
    assert ntriples([(BNode("b1"), P, BNode("b2"))], blank_prefix="CM1x") == "_:CM1xb1 <https://example.org/p> _:CM1xb2 .\n"
    with pytest.raises(TypeError):
        term("not a term")  # type: ignore[arg-type]


def test_nquads_puts_every_triple_in_the_graph() -> None:
    """N-Triples become N-Quads of one named graph, literals holding " ." included."""
    text = ntriples([(S, P, Literal("ends with .\n.")), (S, P, S)])
    quads = list(ox.parse(nquads(text, "https://example.org/g").encode(), ox.RdfFormat.N_QUADS))
    assert len(quads) == 2
    assert {q.graph_name.value for q in quads} == {"https://example.org/g"}
    assert quads[0].object.value == "ends with .\n."


@pytest.mark.parametrize("letter", LETTERS[:6], ids=lambda p: p.name)
def test_validating_the_text_gives_the_graph_s_report(letter) -> None:
    """validate_ntriples finds what validate_graph finds on the same letter."""
    triples = record_triples(extract_file(letter))
    by_text = validate_ntriples(ntriples(triples), triples)
    graph = Graph()
    for triple in triples:
        graph.add(triple)
    by_graph = validate_graph(graph)
    assert by_text.conforms == by_graph.conforms
    assert by_text.problems == by_graph.problems


def test_a_broken_letter_is_reported_from_its_text() -> None:
    """A letter graph missing its case number does not conform when validated from text."""
    triples = [t for t in record_triples(extract_file(LETTERS[0])) if "caseNumber" not in str(t[1])]
    report = validate_ntriples(ntriples(triples), triples)
    assert not report.conforms
    assert any(p.severity == "Violation" and "caseNumber" in (p.path or "") for p in report.problems)


def test_reports_loaded_together_keep_their_own_results(tmp_path) -> None:
    """Many letters' reports bulk-loaded at once: each report keeps exactly its own results."""
    processed = [process_record(extract_file(p), "digest") for p in LETTERS]
    with KGStore(tmp_path / "store") as store:
        items = []
        for p in processed:
            items += [(f"https://example.org/letter/{p.key}", p.letter_nt),
                      (f"https://example.org/report/{p.key}", p.report_nt)]
        store.add_new(items)
        for p in processed:
            expected = len(list(Graph().parse(data=p.report_nt, format="nt").objects(None, SH.result)))
            rows = store.select(f"SELECT (COUNT(?r) AS ?n) WHERE {{ GRAPH <https://example.org/report/{p.key}> "
                                f"{{ ?report <{SH.result}> ?r }} }}")
            assert rows[0]["n"] == expected
            kinds = store.select(f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <https://example.org/letter/{p.key}> "
                                 f"{{ ?s <{RDF.type}> ?o }} }}")
            assert kinds[0]["n"] > 0


def test_nquads_reads_n_triples_written_elsewhere() -> None:
    """N-Triples from another writer (comments, blank lines, no final line break) convert too."""
    text = "# a comment\n\n<https://example.org/s> <https://example.org/p> \"x\"  .\n<https://example.org/s> <https://example.org/p> <https://example.org/o>."
    quads = list(ox.parse(nquads(text, "https://example.org/g").encode(), ox.RdfFormat.N_QUADS))
    assert [q.object.value for q in quads] == ["x", "https://example.org/o"]
