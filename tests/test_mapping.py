"""Records become triples under the ontology, with stable IRIs and provenance."""
from __future__ import annotations

from rdflib import Graph, Literal, URIRef
from rdflib.compare import graph_diff, isomorphic, to_isomorphic

from kg import extract_file
from kg.namespaces import IMR
from kg.rdf import mint
from kg.rdf.mapping import record_to_graph
from tests.conftest import DATA_DIR, ROOT, SEED

EXPECTED = ROOT / "tests" / "data" / "expected" / "CM14-0166055.ttl"


def test_seed_graph_is_the_expected_graph() -> None:
    """The seed letter's graph is isomorphic to the reviewed expected graph."""
    record = extract_file(SEED)
    record.source = "letters/seed/CM14-0166055.md"
    graph = record_to_graph(record)
    expected = Graph().parse(EXPECTED)
    if not isomorphic(graph, expected):
        _, only_new, only_expected = graph_diff(to_isomorphic(graph), to_isomorphic(expected))
        raise AssertionError(f"new: {sorted(only_new)[:5]} expected: {sorted(only_expected)[:5]}")


def test_iris_are_stable() -> None:
    """Mapping the same letter twice gives the same triples (no fresh identifiers)."""
    record = extract_file(SEED)
    assert set(record_to_graph(record)) == set(record_to_graph(record))


def test_iris_come_from_the_case_number() -> None:
    """Case, item and citation IRIs are readable and built from the case number."""
    graph = record_to_graph(extract_file(SEED))
    case = mint.case_iri("CM14-0166055")
    assert str(case) == "https://w3id.org/imr-kg/case/CM14-0166055"
    item = URIRef(f"{case}/item/1")
    assert (case, IMR.disputedItem, item) in graph
    assert (item, IMR.citation, URIRef(f"{item}/citation/reviewer-1")) in graph


def test_every_fact_has_provenance() -> None:
    """Items, citations, diagnoses and regions point at a text span of their letter that holds their words."""
    record = extract_file(DATA_DIR / "dev" / "CM15-0076690.md")
    graph = record_to_graph(record)
    for cls in (IMR.DisputedItem, IMR.GuidelineCitation, IMR.Diagnosis, IMR.PriorTreatment):
        nodes = list(graph.subjects(predicate=None, object=cls))
        assert nodes, cls
        for node in nodes:
            span = graph.value(node, IMR.evidence)
            assert span is not None, node
            start = graph.value(span, IMR.startOffset).toPython()
            end = graph.value(span, IMR.endOffset).toPython()
            assert graph.value(span, IMR.exactText) == Literal(record.text[start:end])
    regions = list(graph.objects(None, IMR.regionEvidence))
    assert len(regions) == sum(len(i.body_regions) for i in record.items)
    assert all(graph.value(r, IMR.denotes) is not None for r in regions)


def test_the_letter_keeps_its_text() -> None:
    """The normalised letter text is stored, so spans can be shown later."""
    record = extract_file(SEED)
    graph = record_to_graph(record)
    assert graph.value(mint.letter_iri("CM14-0166055"), IMR.text) == Literal(record.text)


def test_letter_without_case_number_gets_a_digest_key() -> None:
    """A record without a case number still gets stable IRIs, from the file's digest."""
    assert mint.case_key(None, "ab" * 32) == "sha-" + "ab" * 8
    assert mint.key_from_iri(str(mint.letter_graph("CM14-0166055"))) == "CM14-0166055"
