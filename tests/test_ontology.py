"""The ontology (ontology/imr.ttl) and its Python constants (kg.namespaces.IMR) agree and are well formed."""
from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from inspect import get_annotations

import pytest
from rdflib import BNode, Graph, URIRef
from rdflib.collection import Collection
from rdflib.namespace import DCTERMS, OWL, RDF, RDFS, SKOS, XSD

from kg.namespaces import IMR, PREFIXES, VANN, bind_prefixes, sparql_prologue
from kg.paths import ONTOLOGY_DIR

ONTOLOGY_FILE = ONTOLOGY_DIR / "imr.ttl"
ONTOLOGY_IRI = URIRef("https://w3id.org/imr-kg/ontology")
NS = str(IMR._NS)

DECLARATION_TYPES = (OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty,
                     OWL.NamedIndividual)
PROPERTY_TYPES = (OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty)
RANGE_DATATYPES = {XSD.date, XSD.integer, XSD.decimal, XSD.string, XSD.boolean, XSD.gYear, XSD.gYearMonth}
#: Classes from other vocabularies that a domain or an object property's range may name.
EXTERNAL_CLASSES = {SKOS.Concept, URIRef("http://purl.org/linked-data/cube#Observation"),
                    URIRef("http://www.w3.org/ns/shacl#ValidationReport"),
                    URIRef("http://www.w3.org/ns/shacl#ValidationResult"), URIRef("http://www.w3.org/ns/shacl#Severity"),
                    RDFS.Resource}
#: Object and datatype properties that may go without rdfs:domain, with the reason. None so far: properties
#: used on several classes have an owl:unionOf domain instead.
DOMAIN_ALLOWED_MISSING: dict[str, str] = {}
#: Properties with exactly one value per subject: these must be owl:FunctionalProperty.
FUNCTIONAL = ("caseNumber", "dateAssigned", "decisionDate", "applicationReceived", "priority", "injury",
              "utilizationReview", "letter", "dateOfInjury", "denialDate", "sha256", "text", "layout",
              "itemNumber", "request", "treatmentLabel", "outcome", "citationRole", "inLetter", "startOffset",
              "endOffset", "exactText", "chapterNumber", "pipelineVersion", "icd10Level", "constraint")


@lru_cache(maxsize=None)
def ontology() -> Graph:
    """The parsed ontology (parsed once; tests must not modify it)."""
    return Graph().parse(ONTOLOGY_FILE, format="turtle")


def imr_terms_in_python() -> list[str]:
    """The local names of every term annotated on ``IMR`` itself (not on its DefinedNamespace base)."""
    return sorted(get_annotations(IMR))


def declared_terms() -> dict[str, set[URIRef]]:
    """Local name → declaration types of every ``imr:`` IRI declared in the ontology."""
    found: dict[str, set[URIRef]] = {}
    for kind in DECLARATION_TYPES:
        for subject in ontology().subjects(RDF.type, kind):
            if isinstance(subject, URIRef) and str(subject).startswith(NS):
                found.setdefault(str(subject)[len(NS):], set()).add(kind)
    return found


def terms_of(*kinds: URIRef) -> list[str]:
    """Local names of the ``imr:`` terms declared with one of ``kinds``."""
    return sorted(name for name, types in declared_terms().items() if types & set(kinds))


def vocab_imr_terms() -> list[str]:
    """Local names of every ``imr:`` IRI used (as subject, predicate or object) in ontology/vocab/*.ttl."""
    names: set[str] = set()
    for path in sorted((ONTOLOGY_DIR / "vocab").glob("*.ttl")):
        graph = Graph().parse(path, format="turtle")
        for triple in graph:
            names.update(str(node)[len(NS):] for node in triple
                         if isinstance(node, URIRef) and str(node).startswith(NS))
    return sorted(names)


def union_members(node: BNode) -> list[URIRef]:
    """The classes of an ``owl:unionOf`` class expression."""
    union = ontology().value(node, OWL.unionOf)
    assert union is not None, f"blank node {node} is not an owl:unionOf class"
    return list(Collection(ontology(), union))


# --------------------------------------------------------------------------------------------- parsing


def test_ontology_parses() -> None:
    """ontology/imr.ttl is valid Turtle and not empty."""
    assert len(ontology()) > 100


def test_ontology_header() -> None:
    """The owl:Ontology node has a title, description, version, licence and VANN namespace metadata."""
    graph = ontology()
    assert (ONTOLOGY_IRI, RDF.type, OWL.Ontology) in graph
    for prop in (DCTERMS.title, DCTERMS.description, OWL.versionInfo, DCTERMS.license,
                 VANN.preferredNamespacePrefix, VANN.preferredNamespaceUri):
        assert graph.value(ONTOLOGY_IRI, prop) is not None, f"ontology has no {graph.qname(prop)}"
    assert str(graph.value(ONTOLOGY_IRI, VANN.preferredNamespacePrefix)) == "imr"
    assert str(graph.value(ONTOLOGY_IRI, VANN.preferredNamespaceUri)) == NS


# --------------------------------------------------------------------------------------------- no drift


@pytest.mark.parametrize("name", imr_terms_in_python())
def test_python_term_is_declared(name: str) -> None:
    """Every attribute of kg.namespaces.IMR is declared in the ontology."""
    assert name in declared_terms(), f"IMR.{name} is not declared in {ONTOLOGY_FILE.name}"


@pytest.mark.parametrize("name", sorted(declared_terms()))
def test_declared_term_is_in_python(name: str) -> None:
    """Every imr: term declared in the ontology is an attribute of kg.namespaces.IMR."""
    assert name in imr_terms_in_python(), f"imr:{name} is declared but missing from kg.namespaces.IMR"
    assert getattr(IMR, name) == URIRef(NS + name)


def test_every_imr_iri_in_ontology_is_declared() -> None:
    """No imr: IRI is used in the ontology (in a domain, a range, a union ...) without being declared."""
    used = {str(node)[len(NS):] for triple in ontology() for node in triple
            if isinstance(node, URIRef) and str(node).startswith(NS)}
    assert sorted(used - set(declared_terms())) == []


@pytest.mark.parametrize("name", ["Nonexistent", "casenumber", "Upheld"])
def test_unknown_term_raises(name: str) -> None:
    """IMR is a closed namespace: a misspelt or undeclared term raises AttributeError."""
    with pytest.raises(AttributeError):
        getattr(IMR, name)


@pytest.mark.parametrize("name", ["Upheld", "Overturned"])
def test_outcomes_are_not_ontology_individuals(name: str) -> None:
    """The outcomes are vocabulary concepts (vocab/outcome/...), not imr: individuals (docs/model.md)."""
    assert name not in declared_terms()


@pytest.mark.parametrize("name", vocab_imr_terms())
def test_vocab_term_is_declared(name: str) -> None:
    """Every imr: term used in ontology/vocab/*.ttl is declared in the ontology."""
    assert name in declared_terms(), f"imr:{name} is used in ontology/vocab but not declared"


def test_model_doc_terms_are_declared() -> None:
    """Every imr: term named in docs/model.md is declared, except the outcomes it says are not individuals."""
    doc = (ONTOLOGY_DIR.parent / "docs" / "model.md")
    if not doc.exists():
        pytest.skip("docs/model.md is not part of an installed package")
    named = set(re.findall(r"\bimr:([A-Za-z][A-Za-z0-9]*)", doc.read_text(encoding="utf-8")))
    assert sorted(named - set(declared_terms()) - {"Upheld", "Overturned"}) == []


def code_imr_terms() -> list[tuple[str, str]]:
    """(file, local name) of every imr: term the package's code and queries use (``IMR.x`` or ``imr:x``)."""
    package = ONTOLOGY_DIR.parent / "kg"
    used: set[tuple[str, str]] = set()
    for path in sorted([*package.rglob("*.py"), *package.rglob("*.rq")]):
        text = path.read_text(encoding="utf-8")
        names = set(re.findall(r"\bimr:([A-Za-z][A-Za-z0-9]*)", text))
        if path.suffix == ".py":
            names |= set(re.findall(r"\bIMR\.([A-Za-z][A-Za-z0-9]*)", text))
        used.update((str(path.relative_to(package.parent)), name) for name in names)
    return sorted(used)


@pytest.mark.parametrize(("path", "name"), code_imr_terms(), ids=lambda v: str(v))
def test_code_term_is_declared(path: str, name: str) -> None:
    """Every imr: term used in kg/ (Python or SPARQL) is declared, so a typo fails here, not at run time."""
    assert name in declared_terms(), f"{path} uses imr:{name}, which the ontology does not declare"


# --------------------------------------------------------------------------------------------- documentation


@pytest.mark.parametrize("name", sorted(declared_terms()))
def test_term_is_documented(name: str) -> None:
    """Every term has an rdfs:label, a skos:definition and rdfs:isDefinedBy the ontology."""
    graph, term = ontology(), URIRef(NS + name)
    assert graph.value(term, RDFS.label), f"imr:{name} has no rdfs:label"
    definition = graph.value(term, SKOS.definition)
    assert definition and len(str(definition)) > 20, f"imr:{name} has no real skos:definition"
    assert graph.value(term, RDFS.isDefinedBy) == ONTOLOGY_IRI


@pytest.mark.parametrize("name", terms_of(*PROPERTY_TYPES))
def test_property_label_is_lowercase(name: str) -> None:
    """Property labels are plain lowercase English (acronyms such as ICD, SHA and WCIO excepted)."""
    label = str(ontology().value(URIRef(NS + name), RDFS.label))
    words = [w for w in label.split() if not (w.isupper() or re.fullmatch(r"[A-Z]+-[\dA-Z-]+", w))]
    assert all(w == w.lower() for w in words), label


# --------------------------------------------------------------------------------------------- domains and ranges


@pytest.mark.parametrize("name", terms_of(OWL.ObjectProperty, OWL.DatatypeProperty))
def test_property_has_domain(name: str) -> None:
    """Every object and datatype property has an rdfs:domain: a class or an owl:unionOf of imr: classes."""
    domain = ontology().value(URIRef(NS + name), RDFS.domain)
    if domain is None:
        assert name in DOMAIN_ALLOWED_MISSING, f"imr:{name} has no rdfs:domain and no reason for it"
        return
    classes = union_members(domain) if isinstance(domain, BNode) else [domain]
    assert classes, f"imr:{name} has an empty union domain"
    for cls in classes:
        assert (cls, RDF.type, OWL.Class) in ontology() or cls in EXTERNAL_CLASSES, \
            f"domain {cls} of imr:{name} is not a declared class"


@pytest.mark.parametrize("name", terms_of(OWL.DatatypeProperty))
def test_datatype_property_range(name: str) -> None:
    """Every datatype property ranges over one XSD datatype (date, integer, decimal or string)."""
    assert ontology().value(URIRef(NS + name), RDFS.range) in RANGE_DATATYPES


@pytest.mark.parametrize("name", terms_of(OWL.ObjectProperty))
def test_object_property_range(name: str) -> None:
    """Every object property ranges over a class: a declared imr: class or a known external class."""
    rng = ontology().value(URIRef(NS + name), RDFS.range)
    assert rng is not None, f"imr:{name} has no rdfs:range"
    assert (rng, RDF.type, OWL.Class) in ontology() or rng in EXTERNAL_CLASSES, f"range {rng} of imr:{name}"


@pytest.mark.parametrize("name", FUNCTIONAL)
def test_single_valued_properties_are_functional(name: str) -> None:
    """Properties with exactly one value per subject are declared owl:FunctionalProperty."""
    assert (URIRef(NS + name), RDF.type, OWL.FunctionalProperty) in ontology()


@pytest.mark.parametrize("name", ["reviewerSpecialty", "diagnosis", "priorTreatment", "disputedItem",
                                  "bodyRegion", "citation", "regionEvidence", "warning", "evidence",
                                  "reviewerSpecialtyText", "rejectionReason"])
def test_multi_valued_properties_are_not_functional(name: str) -> None:
    """Properties that repeat (several regions, diagnoses, citations ...) are not functional."""
    assert (URIRef(NS + name), RDF.type, OWL.FunctionalProperty) not in ontology()


# --------------------------------------------------------------------------------------------- alignments


@pytest.mark.parametrize("name", ["Case", "Letter", "RejectedLetter", "Injury", "UtilizationReview",
                                  "Diagnosis", "PriorTreatment", "DisputedItem", "GuidelineCitation"])
def test_fact_classes_are_prov_entities(name: str) -> None:
    """Letters and the facts derived from them are prov:Entity."""
    assert (URIRef(NS + name), RDFS.subClassOf, URIRef("http://www.w3.org/ns/prov#Entity")) in ontology()


@pytest.mark.parametrize("name", ["Treatment", "TreatmentCategory", "BodyRegion", "Laterality", "Guideline",
                                  "GuidelineChapter", "Specialty", "Outcome", "Priority", "CitationRole"])
def test_vocabulary_classes_are_skos_concepts(name: str) -> None:
    """Vocabulary classes are subclasses of skos:Concept."""
    assert (URIRef(NS + name), RDFS.subClassOf, SKOS.Concept) in ontology()


@pytest.mark.parametrize(("name", "cls"), [("Standard", "Priority"), ("Expedited", "Priority"),
                                           ("ClaimsAdministrator", "CitationRole"), ("IMRReviewer", "CitationRole")])
def test_named_individuals(name: str, cls: str) -> None:
    """The priorities and citation roles are named individuals of their class."""
    graph, term = ontology(), URIRef(NS + name)
    assert (term, RDF.type, OWL.NamedIndividual) in graph
    assert (term, RDF.type, URIRef(NS + cls)) in graph


# --------------------------------------------------------------------------------------------- OWL sanity


@pytest.mark.parametrize("name", sorted(declared_terms()))
def test_term_has_one_kind(name: str) -> None:
    """No term is both a class and a property, two kinds of property, or an individual and anything else."""
    kinds = declared_terms()[name]
    assert len(kinds) == 1, f"imr:{name} is declared as {sorted(ontology().qname(k) for k in kinds)}"


@pytest.mark.parametrize("name", terms_of(OWL.NamedIndividual))
def test_individual_class_is_declared(name: str) -> None:
    """Each named individual is typed with a declared imr: class."""
    types = set(ontology().objects(URIRef(NS + name), RDF.type)) - {OWL.NamedIndividual}
    assert types and all((t, RDF.type, OWL.Class) in ontology() for t in types)


def test_functional_only_on_declared_properties() -> None:
    """owl:FunctionalProperty is only added to declared object or datatype properties."""
    for term in ontology().subjects(RDF.type, OWL.FunctionalProperty):
        kinds = set(ontology().objects(term, RDF.type))
        assert kinds & {OWL.ObjectProperty, OWL.DatatypeProperty}, term


def test_no_property_used_as_class() -> None:
    """No property appears where a class is expected (subclass, domain, range, union member) and vice versa."""
    graph = ontology()
    properties = {s for kind in PROPERTY_TYPES for s in graph.subjects(RDF.type, kind)}
    classes = set(graph.subjects(RDF.type, OWL.Class))
    for subject, obj in graph.subject_objects(RDFS.subClassOf):
        assert subject not in properties and obj not in properties
    for prop in (RDFS.domain, RDFS.range):
        for obj in graph.objects(None, prop):
            assert obj not in properties
    for subject, obj in graph.subject_objects(RDFS.subPropertyOf):
        assert subject not in classes and obj not in classes


# --------------------------------------------------------------------------------------------- prefixes


def test_bind_prefixes() -> None:
    """bind_prefixes binds every short prefix and returns the same graph."""
    graph = Graph()
    assert bind_prefixes(graph) is graph
    bound = {prefix: str(ns) for prefix, ns in graph.namespaces()}
    for prefix, namespace in PREFIXES.items():
        assert bound.get(prefix) == namespace, prefix


def test_sparql_prologue() -> None:
    """sparql_prologue declares the prefixes named, in that order (all of them when none is named), in a form
    a query engine reads; aligned, the IRIs start in one column."""
    assert sparql_prologue("skos", "imr") == (f"PREFIX skos: <{PREFIXES['skos']}>\n"
                                              f"PREFIX imr: <{PREFIXES['imr']}>\n")
    every = sparql_prologue()
    assert re.findall(r"^PREFIX (\w+): <([^>]+)>$", every, re.MULTILINE) == list(PREFIXES.items())
    aligned = sparql_prologue(aligned=True).splitlines()
    assert len({line.index("<") for line in aligned}) == 1 and len(aligned) == len(PREFIXES)
    import pyoxigraph as ox

    assert bool(ox.Store().query(sparql_prologue("imr") + "ASK { FILTER(imr:Case = imr:Case) }"))


def test_vocab_file_prefixes_match() -> None:
    """The scheme prefixes in PREFIXES are the ones ontology/vocab/*.ttl declare."""
    for path in sorted((ONTOLOGY_DIR / "vocab").glob("*.ttl")):
        for prefix, namespace in re.findall(r"@prefix\s+(\w*):\s*<([^>]+)>", path.read_text(encoding="utf-8")):
            if prefix in PREFIXES:
                assert PREFIXES[prefix] == namespace, f"{Path(path).name}: {prefix}"
