"""CaseRecord → triples under the imr ontology: pure functions, no I/O.

:func:`record_triples` gives the triples in order (the pipeline writes them straight to N-Triples);
:func:`record_to_graph` puts them in an rdflib Graph for code that wants one.

Every fact node is derived from the letter (``prov:wasDerivedFrom``) and points to the text span
it was read from (``imr:evidence`` → ``imr:TextSpan`` with offsets into the letter's stored text).
"""
from __future__ import annotations

import re
from datetime import datetime, timezone

from rdflib import RDF, RDFS, XSD, BNode, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, PROV

from kg.namespaces import IMR, bind_prefixes
from kg.synthetic import is_synthetic
from kg.rdf import mint
from kg.rdf.ntriples import Triple
from kg.record import CaseRecord, Citation, Item, Span

_FORMATS = {"markdown": "text/markdown", "text": "text/plain", "html": "text/html", "pdf": "application/pdf"}
_DATES = (("date_assigned", IMR.dateAssigned), ("decision_date", IMR.decisionDate),
          ("application_received", IMR.applicationReceived))
# The dated events a case refers to, each its own node: (record field, IRI segment, link, class, date property).
_EVENTS = (
    ("date_of_injury", "injury", IMR.injury, IMR.Injury, IMR.dateOfInjury),
    ("ur_denial_date", "utilization-review", IMR.utilizationReview, IMR.UtilizationReview, IMR.denialDate),
)
_PRIORITIES = {"Standard": IMR.Standard, "Expedited": IMR.Expedited}


class _Builder:
    """Collects one record's triples (each once, in the order made); holds the letter IRI every fact derives from."""

    def __init__(self, record: CaseRecord, extracted_at: datetime | None) -> None:
        self.record = record
        self.key = mint.case_key(record.case_number, record.sha256)
        self.case = mint.case_iri(self.key)
        self.letter = mint.letter_iri(self.key)
        self.triples: dict[Triple, None] = {}
        self.extracted_at = extracted_at

    def add(self, s: URIRef | BNode, p: URIRef, o: object) -> None:
        if o is None:
            return
        self.triples[(s, p, o if isinstance(o, (URIRef, BNode, Literal)) else Literal(o))] = None

    def fact(self, node: URIRef, cls: URIRef, span: Span | None, label: str | None = None) -> None:
        self.add(node, RDF.type, cls)
        self.add(node, PROV.wasDerivedFrom, self.letter)
        if label:
            self.add(node, RDFS.label, Literal(label))
        self.evidence(node, IMR.evidence, span, node)

    def evidence(self, node: URIRef, prop: URIRef, span: Span | None, base: URIRef, name: str = "span",
                 denotes: URIRef | None = None) -> None:
        if span is None:
            return
        start, end = span
        iri = mint.part_iri(base, *name.split("/"))
        self.add(node, prop, iri)
        self.add(iri, RDF.type, IMR.TextSpan)
        self.add(iri, IMR.inLetter, self.letter)
        self.add(iri, IMR.startOffset, Literal(start, datatype=XSD.integer))
        self.add(iri, IMR.endOffset, Literal(end, datatype=XSD.integer))
        if self.record.text is not None:
            self.add(iri, IMR.exactText, Literal(self.record.text[start:end]))
        self.add(iri, IMR.denotes, denotes)


def record_to_graph(record: CaseRecord, extracted_at: datetime | None = None) -> Graph:
    """The triples of one letter's record (to be stored in the letter's own named graph), as a Graph."""
    graph = bind_prefixes(Graph(bind_namespaces="none"))
    for triple in record_triples(record, extracted_at):
        graph.add(triple)
    return graph


def record_triples(record: CaseRecord, extracted_at: datetime | None = None) -> list[Triple]:
    """The triples of one letter's record, each once, in a stable order."""
    b = _Builder(record, extracted_at)
    _letter(b)
    _case(b)
    for number, diagnosis in enumerate(record.diagnoses, 1):
        node = mint.part_iri(b.case, "diagnosis", number)
        b.add(b.case, IMR.diagnosis, node)
        b.fact(node, IMR.Diagnosis, diagnosis.span, diagnosis.label)
        if diagnosis.icd10:
            b.add(node, IMR.icd10Code, mint.icd10_iri(diagnosis.icd10))
        if diagnosis.uncertain:
            b.add(node, IMR.uncertain, Literal(True))
    for number, mention in enumerate(record.prior_treatment_mentions, 1):
        node = mint.part_iri(b.case, "prior-treatment", number)
        b.add(b.case, IMR.priorTreatment, node)
        b.fact(node, IMR.PriorTreatment, mention.span, mention.label)
        if mention.concept_id:
            b.add(node, IMR.treatment, mint.concept_iri("treatment", mention.concept_id))
    for number, item in enumerate(record.items, 1):
        _item(b, number, item)
    return list(b.triples)


def _letter(b: _Builder) -> None:
    r = b.record
    b.add(b.letter, RDF.type, IMR.Letter)
    b.add(b.letter, RDF.type, PROV.Entity)
    b.add(b.letter, RDFS.label, Literal(f"IMR letter {r.case_number or b.key}"))
    b.add(b.letter, DCTERMS.identifier, Literal(r.case_number) if r.case_number else None)
    b.add(b.letter, DCTERMS.source, Literal(r.source))
    b.add(b.letter, DCTERMS["format"], Literal(_FORMATS.get(r.format or "", r.format)) if r.format else None)
    b.add(b.letter, IMR.sha256, Literal(r.sha256) if r.sha256 else None)
    b.add(b.letter, IMR.layout, Literal(r.layout) if r.layout else None)
    if is_synthetic(r.text, r.case_number):
        b.add(b.letter, IMR.synthetic, Literal(True))
    b.add(b.letter, IMR.text, Literal(r.text) if r.text is not None else None)
    for message in r.warnings + r.errors:
        b.add(b.letter, IMR.warning, Literal(message))
    if b.extracted_at is not None:
        b.add(b.letter, PROV.generatedAtTime, Literal(b.extracted_at.astimezone(timezone.utc), datatype=XSD.dateTime))


def _case(b: _Builder) -> None:
    r = b.record
    b.add(b.case, RDF.type, IMR.Case)
    b.add(b.case, PROV.wasDerivedFrom, b.letter)
    b.add(b.case, IMR.letter, b.letter)
    b.add(b.case, RDFS.label, Literal(f"IMR case {r.case_number or b.key}"))
    b.add(b.case, IMR.caseNumber, Literal(r.case_number) if r.case_number else None)
    _field_sources(b, b.case, r.field_sources, r.fallback_fields)
    for name, prop in _DATES:
        b.add(b.case, prop, _date(getattr(r, name)))
        b.evidence(b.case, IMR.evidence, r.field_spans.get(name), b.case, f"span/{name.replace('_', '-')}")
    b.evidence(b.case, IMR.evidence, r.field_spans.get("case_number"), b.case, "span/case-number")
    b.add(b.case, IMR.priority, _PRIORITIES.get(r.priority or ""))
    for field, name, link, cls, prop in _EVENTS:
        value = getattr(r, field)
        if value:
            node = mint.part_iri(b.case, name)
            b.add(b.case, link, node)
            b.add(node, RDF.type, cls)
            b.add(node, prop, _date(value))
            b.add(node, PROV.wasDerivedFrom, b.letter)
            b.evidence(node, IMR.evidence, r.field_spans.get(field), node)
    for mention in r.specialty_mentions:
        if mention.concept_id:
            b.add(b.case, IMR.reviewerSpecialty, mint.concept_iri("specialty", mention.concept_id))
        else:
            b.add(b.case, IMR.reviewerSpecialtyText, Literal(mention.label))
    for state in b.record.reviewer_licensure:
        b.add(b.case, IMR.reviewerLicensure, Literal(state))


def _item(b: _Builder, number: int, item: Item) -> None:
    node = mint.part_iri(b.case, "item", number)
    b.add(b.case, IMR.disputedItem, node)
    b.fact(node, IMR.DisputedItem, item.request_span, item.request)
    b.add(node, IMR.itemNumber, Literal(number, datatype=XSD.integer))
    b.add(node, IMR.request, Literal(item.request))
    _field_sources(b, node, item.field_sources, item.fallback_fields)
    b.add(node, IMR.originalRequest, Literal(item.original_request) if item.original_request else None)
    b.add(node, IMR.treatmentLabel, Literal(item.treatment) if item.treatment else None)
    if item.treatment_id:
        b.add(node, IMR.treatment, mint.concept_iri("treatment", item.treatment_id))
    b.add(node, IMR.category, mint.category_iri(item.category))
    for k, region in enumerate(item.body_region_ids, 1):
        concept = mint.concept_iri("body-region", region)
        b.add(node, IMR.bodyRegion, concept)
        if k <= len(item.region_spans):
            b.evidence(node, IMR.regionEvidence, item.region_spans[k - 1], node, f"span/region-{k}", concept)
    if item.laterality:
        b.add(node, IMR.laterality, mint.concept_iri("laterality", item.laterality))
    if item.quantity is not None:
        b.add(node, IMR.quantity, Literal(_decimal(item.quantity), datatype=XSD.decimal))
    for prop, value in ((IMR.unit, item.unit), (IMR.frequency, item.frequency), (IMR.duration, item.duration),
                        (IMR.rationale, item.rationale)):
        b.add(node, prop, Literal(value) if value else None)
    b.add(node, IMR.outcome, mint.outcome_iri(item.decision))
    b.evidence(node, IMR.rationaleEvidence, item.rationale_span, node, "span/rationale")
    for role, name, citations in ((IMR.ClaimsAdministrator, "claims-administrator", item.claims_administrator_guideline),
                                  (IMR.IMRReviewer, "reviewer", item.reviewer_guideline)):
        for k, citation in enumerate(citations, 1):
            _citation(b, node, mint.part_iri(node, "citation", f"{name}-{k}"), role, citation)


def _field_sources(b: _Builder, node: URIRef, sources: dict[str, str], fallbacks: list[str]) -> None:
    for name, method in sources.items():
        source = mint.part_iri(node, "source", name.replace("_", "-"))
        b.add(node, IMR.fieldSource, source)
        b.add(source, RDF.type, IMR.FieldSource)
        b.add(source, IMR.fieldName, Literal(name))
        b.add(source, IMR.method, Literal(method))
        b.add(source, IMR.fallback, Literal(name in fallbacks))


def _citation(b: _Builder, item: URIRef, node: URIRef, role: URIRef, citation: Citation) -> None:
    b.add(item, IMR.citation, node)
    label = ", ".join(p for p in (citation.guideline, citation.chapter, citation.topic) if p)
    b.fact(node, IMR.GuidelineCitation, citation.span, label + (f" p. {citation.pages}" if citation.pages else ""))
    b.add(node, IMR.citationRole, role)
    if citation.guideline_id:
        b.add(node, IMR.guideline, mint.concept_iri("guideline", citation.guideline_id))
    if citation.chapter_id:
        b.add(node, IMR.chapter, mint.concept_iri("guideline", citation.chapter_id))
    b.add(node, IMR.topic, Literal(citation.topic) if citation.topic else None)
    b.add(node, IMR.citationText, Literal(citation.text))
    b.add(node, IMR.edition, Literal(citation.edition) if citation.edition else None)
    if citation.pages:
        b.add(node, IMR.pages, Literal(citation.pages))
        numbers = [int(n) for n in re.findall(r"\d+", citation.pages)]
        if numbers:
            b.add(node, IMR.firstPage, Literal(min(numbers), datatype=XSD.integer))
            b.add(node, IMR.lastPage, Literal(max(numbers), datatype=XSD.integer))


def _date(value: str | None) -> Literal | None:
    return Literal(value, datatype=XSD.date) if value else None


def _decimal(value: float | int) -> str:
    """The canonical xsd:decimal form: 24 → "24.0", 0.5 → "0.5"."""
    text = repr(float(value))
    return text if "e" not in text else f"{value:f}"
