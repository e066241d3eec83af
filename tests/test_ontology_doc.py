"""kg.ontology_doc: the ontology file read into plain dataclasses for its documentation page."""
from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import Graph, URIRef
from rdflib.namespace import OWL, RDF

from kg.namespaces import IMR
from kg.ontology_doc import ONTOLOGY_FILE, OntologyDoc, Term, load_ontology_doc, ontology_graph, short_name

NS = str(IMR._NS)


@pytest.fixture(scope="module")
def doc() -> OntologyDoc:
    return load_ontology_doc()


def names(refs) -> list[str]:
    return [ref.name for ref in refs]


def test_header(doc: OntologyDoc) -> None:
    assert doc.iri == "https://w3id.org/imr-kg/ontology"
    assert doc.title == "imr-kg ontology"
    assert doc.version == "0.1.0" and doc.prefix == "imr" and doc.namespace == NS
    assert doc.license.endswith("/MIT") and "Independent Medical Review" in doc.description


def test_every_declared_term_is_listed_once_under_its_kind(doc: OntologyDoc) -> None:
    graph = Graph().parse(ONTOLOGY_FILE, format="turtle")
    for declaration, kind in ((OWL.Class, "class"), (OWL.ObjectProperty, "object property"),
                              (OWL.DatatypeProperty, "datatype property"),
                              (OWL.AnnotationProperty, "annotation property")):
        declared = sorted(str(s)[len(NS):] for s in graph.subjects(RDF.type, declaration) if str(s).startswith(NS))
        assert sorted(t.name for t in doc.of_kind(kind)) == declared, kind
    assert sorted(t.name for t in doc.of_kind("individual")) == ["ClaimsAdministrator", "Expedited", "IMRReviewer",
                                                                 "Standard"]
    all_names = [t.name for t in doc.terms]
    assert len(all_names) == len(set(all_names))
    assert [kind for kind, _ in doc.kinds] == ["class", "object property", "datatype property",
                                               "annotation property", "individual"]
    # the Python constants and the documentation name the same terms
    assert set(all_names) == {name for name in IMR.__annotations__}


def test_terms_are_sorted_by_name_within_a_kind(doc: OntologyDoc) -> None:
    for _, terms in doc.kinds:
        assert [t.name.lower() for t in terms] == sorted(t.name.lower() for t in terms)


def test_every_term_has_a_label_and_a_definition(doc: OntologyDoc) -> None:
    for term in doc.terms:
        assert term.label and term.definition, term.name
        assert term.iri == NS + term.name


def test_a_class(doc: OntologyDoc) -> None:
    case = doc.term("Case")
    assert isinstance(case, Term) and case.kind == "class" and case.label == "Case"
    assert case.definition.startswith("One Independent Medical Review case")
    assert names(case.supers) == ["prov:Entity"] and case.supers[0].anchor is None
    assert names(case.keys) == ["imr:caseNumber"] and case.keys[0].anchor == "caseNumber"
    assert "Not aligned with schema.org" in case.comments[0]
    assert {"imr:caseNumber", "imr:disputedItem", "imr:evidence"} <= set(names(case.used_as_domain_of))
    assert names(doc.term("DisputedItem").used_as_range_of) == ["imr:disputedItem"]
    assert ("close match", "schema:DigitalDocument") in [(r, ref.name) for r, ref in doc.term("Letter").alignments]


def test_enumerated_classes_list_their_members(doc: OntologyDoc) -> None:
    assert names(doc.term("Priority").one_of) == ["imr:Standard", "imr:Expedited"]
    assert names(doc.term("CitationRole").one_of) == ["imr:ClaimsAdministrator", "imr:IMRReviewer"]
    standard = doc.term("Standard")
    assert standard.kind == "individual" and names(standard.types) == ["imr:Priority"]


def test_properties(doc: OntologyDoc) -> None:
    evidence = doc.term("evidence")
    assert evidence.kind == "object property" and evidence.characteristics == ()
    assert names(evidence.domains) == ["imr:Case", "imr:Injury", "imr:UtilizationReview", "imr:Diagnosis",
                                       "imr:PriorTreatment", "imr:DisputedItem", "imr:GuidelineCitation"]
    assert names(evidence.ranges) == ["imr:TextSpan"]
    case_number = doc.term("caseNumber")
    assert case_number.kind == "datatype property" and case_number.characteristics == ("functional",)
    assert names(case_number.ranges) == ["xsd:string"]
    letter = doc.term("letter")
    assert names(letter.supers) == ["prov:wasDerivedFrom"]
    brand = doc.term("brandName")
    assert brand.kind == "annotation property" and names(brand.supers) == ["skos:altLabel"]
    assert [(r, ref.name) for r, ref in doc.term("startOffset").alignments] == [("close match", "oa:start")]


def test_unknown_term() -> None:
    with pytest.raises(KeyError):
        load_ontology_doc().term("NoSuchTerm")


def test_short_name() -> None:
    assert short_name(NS + "Case") == "imr:Case"
    assert short_name("https://w3id.org/imr-kg/vocab/treatment/massage-therapy") == "tr:massage-therapy"
    assert short_name("https://w3id.org/imr-kg/vocab/icd10cm/M54.2") == "icd10cm:M54.2"
    assert short_name("https://w3id.org/imr-kg/vocab/") == "https://w3id.org/imr-kg/vocab/"
    assert short_name("http://example.org/x") == "http://example.org/x"


def test_reads_another_ontology_file(tmp_path: Path) -> None:
    """Any file in the same style: union domains spelt out, sub-terms found, missing texts empty."""
    path = tmp_path / "small.ttl"
    path.write_text(f"""
@prefix imr: <{NS}> . @prefix owl: <http://www.w3.org/2002/07/owl#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> . @prefix skos: <http://www.w3.org/2004/02/skos/core#> .
<https://w3id.org/imr-kg/ontology> a owl:Ontology .
imr:A a owl:Class ; rdfs:label "A"@en, "A (de)"@de ; skos:definition "First." .
imr:B a owl:Class ; rdfs:subClassOf imr:A ; rdfs:label "B" .
imr:p a owl:ObjectProperty, owl:FunctionalProperty ; rdfs:label "p" ;
    rdfs:domain [ a owl:Class ; owl:unionOf ( imr:A imr:B ) ] ; rdfs:range imr:B .
""", encoding="utf-8")
    small = load_ontology_doc(path)
    assert small.title == "" and [t.name for t in small.terms] == ["A", "B", "p"]
    assert small.term("A").label == "A" and names(small.term("A").subs) == ["imr:B"]
    assert small.term("B").definition == "" and names(small.term("B").used_as_range_of) == ["imr:p"]
    assert names(small.term("p").domains) == ["imr:A", "imr:B"] and small.term("p").characteristics == ("functional",)
    assert names(small.term("A").used_as_domain_of) == ["imr:p"]
    assert (URIRef(NS + "A"), RDF.type, OWL.Class) in ontology_graph(path)
