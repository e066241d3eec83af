"""SHACL validation: bundled letters conform, each broken record is caught under the right constraint,
the shapes are themselves valid SHACL, and the report reads as case, field and problem."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import pyshacl
import pytest
from pyshacl import validate as shacl_validate
from rdflib import RDF, RDFS, XSD, Graph, Literal, URIRef
from rdflib.namespace import SH

from kg import extract_file, letter_paths
from kg.namespaces import ICD10CM, IMR, VOCAB
from kg.rdf.mapping import record_to_graph
from kg.validate import Report, shapes_graph, validate_graph
from tests.conftest import ROOT

SEED = ROOT / "letters" / "seed" / "CM14-0166055.md"
EXPECTED = ROOT / "tests" / "data" / "expected" / "CM14-0166055.ttl"
SHACL_SHACL = Path(pyshacl.__file__).parent / "assets" / "shacl-shacl.ttl"
SHAPES_ONTOLOGY = URIRef("https://w3id.org/imr-kg/shapes")

# Nodes of the seed letter's graph (CM14-0166055: one disputed item, massage therapy, upheld).
CASE = URIRef("https://w3id.org/imr-kg/case/CM14-0166055")
LETTER = URIRef("https://w3id.org/imr-kg/letter/CM14-0166055")
INJURY = URIRef(f"{CASE}/injury")
REVIEW = URIRef(f"{CASE}/utilization-review")
DIAGNOSIS = URIRef(f"{CASE}/diagnosis/1")
ITEM = URIRef(f"{CASE}/item/1")
CLAIMS_CITATION = URIRef(f"{ITEM}/citation/claims-administrator-1")
REVIEWER_CITATION = URIRef(f"{ITEM}/citation/reviewer-1")
ITEM_SPAN = URIRef(f"{ITEM}/span")  # "24 Massage therapy sessions ...", offsets 3377-3465

VIOLATION, WARNING = "Violation", "Warning"


def _date(text: str) -> Literal:
    return Literal(text, datatype=XSD.date)


@pytest.fixture(scope="session")
def seed_graph() -> Graph:
    """The seed letter's graph, built through the library (extract, then map)."""
    return record_to_graph(extract_file(SEED))


def _copy(graph: Graph) -> Graph:
    copy = Graph()
    copy += graph
    return copy


# (a) every bundled letter conforms -----------------------------------------------------------------

@pytest.mark.parametrize("path", list(letter_paths([ROOT / "letters"])), ids=lambda p: p.name)
def test_bundled_letter_conforms(path: Path) -> None:
    """Every bundled letter's graph has no Violation (warnings are allowed)."""
    record = extract_file(path)
    report = validate_graph(record_to_graph(record))
    assert report.conforms, report.text(record.case_number)
    assert not report.violations


def test_seed_letter_has_no_problem_at_all(seed_graph: Graph) -> None:
    """The seed letter is complete: not even a warning."""
    report = validate_graph(seed_graph)
    assert report.conforms
    assert report.problems == [], report.text("CM14-0166055")


def test_expected_seed_graph_read_from_turtle_conforms() -> None:
    """The reviewed seed graph, read back from Turtle (as the store returns it), still conforms."""
    report = validate_graph(Graph().parse(EXPECTED))
    assert report.conforms, report.text("CM14-0166055")


# (b) one thing broken, one constraint reports it -----------------------------------------------------

Mutation = Callable[[Graph], None]


@dataclass(frozen=True)
class Break:
    """One thing broken in the seed graph and the single constraint expected to catch it."""

    mutate: Mutation
    constraint: str
    severity: str
    words: tuple[str, ...]

    @property
    def id(self) -> str:
        return self.mutate.__name__.replace("_", "-")


BREAKS: list[Break] = []


def breaks(constraint: str, severity: str, *words: str) -> Callable[[Mutation], Mutation]:
    """Register a mutation of the seed graph with the constraint, severity and message words it must cause."""
    def register(mutate: Mutation) -> Mutation:
        BREAKS.append(Break(mutate, constraint, severity, words))
        return mutate
    return register


# case ---------------------------------------------------------------------------------------------

@breaks("case number present", VIOLATION, "case number")
def case_number_missing(g: Graph) -> None:
    """The case has no case number."""
    g.remove((CASE, IMR.caseNumber, None))


@breaks("case number format", VIOLATION, "Case number 'XX-1'", "CM##-#######")
def case_number_not_cm_form(g: Graph) -> None:
    """The case number is "XX-1", not CM, two digits, a hyphen and 4 to 8 digits."""
    g.set((CASE, IMR.caseNumber, Literal("XX-1")))


@breaks("case number format", VIOLATION, "Case number 'CM14-123'", "4 to 8 digits")
def case_number_too_few_digits(g: Graph) -> None:
    """The case number has three digits after the hyphen."""
    g.set((CASE, IMR.caseNumber, Literal("CM14-123")))


@breaks("case has disputed items", VIOLATION, "no disputed items")
def case_without_items(g: Graph) -> None:
    """The case lists no disputed item."""
    g.remove((CASE, IMR.disputedItem, None))


@breaks("case disputed item type", VIOLATION, str(ITEM), "imr:DisputedItem")
def disputed_item_untyped(g: Graph) -> None:
    """The case's disputed item is not typed imr:DisputedItem in the graph."""
    g.remove((ITEM, RDF.type, IMR.DisputedItem))


@breaks("case provenance", VIOLATION, "derived", "letter")
def case_derived_from_another_letter(g: Graph) -> None:
    """The case says it was derived from a letter other than its own."""
    g.set((CASE, URIRef("http://www.w3.org/ns/prov#wasDerivedFrom"),
           URIRef("https://w3id.org/imr-kg/letter/CM14-0000001")))


@breaks("case priority value", VIOLATION, "ontology#Urgent", "Standard nor Expedited")
def priority_unknown(g: Graph) -> None:
    """The priority is an IRI that is neither imr:Standard nor imr:Expedited."""
    g.set((CASE, IMR.priority, URIRef("https://w3id.org/imr-kg/ontology#Urgent")))


@breaks("reviewer specialty value", VIOLATION, "treatment/massage-therapy", "specialty vocabulary")
def specialty_outside_its_vocabulary(g: Graph) -> None:
    """The reviewer specialty is a treatment concept."""
    g.remove((CASE, IMR.reviewerSpecialty, None))
    g.add((CASE, IMR.reviewerSpecialty, VOCAB["treatment/massage-therapy"]))


# dates --------------------------------------------------------------------------------------------

@breaks("date order: injury before UR denial", VIOLATION,
        "Date of injury 2014-10-05", "UR denial date 2014-10-03")
def injury_after_ur_denial(g: Graph) -> None:
    """The date of injury is two days after the UR denial date."""
    g.set((INJURY, IMR.dateOfInjury, _date("2014-10-05")))


@breaks("date order: UR denial before application received", VIOLATION,
        "UR denial date 2014-10-09", "application received date 2014-10-08")
def ur_denial_after_application_received(g: Graph) -> None:
    """The UR denial date is one day after the IMR application was received."""
    g.set((REVIEW, IMR.denialDate, _date("2014-10-09")))


@breaks("date order: application received before date assigned", VIOLATION,
        "Application received date 2014-10-20", "date assigned 2014-10-13")
def application_received_after_date_assigned(g: Graph) -> None:
    """The application was received a week after the case was assigned."""
    g.set((CASE, IMR.applicationReceived, _date("2014-10-20")))


@breaks("date order: date assigned before decision date", VIOLATION,
        "Date assigned 2014-10-13", "decision date 2014-10-10")
def decision_before_date_assigned(g: Graph) -> None:
    """The decision date is three days before the date assigned."""
    g.set((CASE, IMR.decisionDate, _date("2014-10-10")))


@breaks("decision date not in the future", VIOLATION, "Decision date", "in the future")
def decision_date_in_the_future(g: Graph) -> None:
    """The decision date is more than a year from today."""
    g.set((CASE, IMR.decisionDate, _date((date.today() + timedelta(days=400)).isoformat())))


@breaks("decision date datatype", VIOLATION, "Decision date '2014-11-25'", "not a date")
def decision_date_plain_string(g: Graph) -> None:
    """The decision date is a plain string, not an xsd:date (the date-order rules then stay silent)."""
    g.set((CASE, IMR.decisionDate, Literal("2014-11-25")))


@breaks("date of injury datatype", VIOLATION, "Date of injury '09/15/1997'", "not a date")
def date_of_injury_as_written(g: Graph) -> None:
    """The date of injury is the string as printed, 09/15/1997."""
    g.set((INJURY, IMR.dateOfInjury, Literal("09/15/1997")))


@breaks("decision date missing", WARNING, "no decision date")
def decision_date_missing(g: Graph) -> None:
    """The case has no decision date: suspicious, but the decisions are still usable."""
    g.remove((CASE, IMR.decisionDate, None))


@breaks("date of injury missing", WARNING, "no date of injury")
def date_of_injury_missing(g: Graph) -> None:
    """The letter gave no date of injury, so the case has no injury (what the mapper emits then)."""
    g.remove((CASE, IMR.injury, None))
    g.remove((INJURY, None, None))


@breaks("UR denial date missing", WARNING, "no utilization review (UR) denial date")
def ur_denial_date_missing(g: Graph) -> None:
    """The utilization review has no denial date."""
    g.remove((REVIEW, IMR.denialDate, None))


# disputed item ------------------------------------------------------------------------------------

@breaks("item outcome present", VIOLATION, "no outcome", "Upheld or Overturned")
def outcome_missing(g: Graph) -> None:
    """The disputed item has no outcome."""
    g.remove((ITEM, IMR.outcome, None))


@breaks("item outcome present", VIOLATION, "more than one")
def two_outcomes(g: Graph) -> None:
    """The disputed item is both upheld and overturned."""
    g.add((ITEM, IMR.outcome, VOCAB["outcome/overturned"]))


@breaks("item outcome value", VIOLATION, "outcome/denied", "neither Upheld nor Overturned")
def outcome_not_an_outcome(g: Graph) -> None:
    """The outcome is an IRI outside the two outcome concepts."""
    g.set((ITEM, IMR.outcome, VOCAB["outcome/denied"]))


@breaks("item category value", VIOLATION, "category/massage", "12 DWC categories")
def category_unknown(g: Graph) -> None:
    """The treatment category is not one of the 12 category concepts."""
    g.set((ITEM, IMR.category, VOCAB["category/massage"]))


@breaks("item category present", VIOLATION, "treatment category")
def category_missing(g: Graph) -> None:
    """The disputed item has no treatment category."""
    g.remove((ITEM, IMR.category, None))


@breaks("item has IMR reviewer citation", VIOLATION, "Disputed item 1", "IMR reviewer")
def reviewer_citation_removed(g: Graph) -> None:
    """The item keeps only the claims administrator's citation."""
    g.remove((ITEM, IMR.citation, REVIEWER_CITATION))


@breaks("item has IMR reviewer citation", VIOLATION, "Disputed item 1", "IMR reviewer")
def reviewer_citation_made_by_claims_administrator(g: Graph) -> None:
    """Both of the item's citations are attributed to the claims administrator."""
    g.set((REVIEWER_CITATION, IMR.citationRole, IMR.ClaimsAdministrator))


@breaks("item quantity positive", VIOLATION, "quantity 0", "not a positive number")
def quantity_zero(g: Graph) -> None:
    """Zero sessions were requested."""
    g.set((ITEM, IMR.quantity, Literal("0", datatype=XSD.decimal)))


@breaks("item quantity positive", VIOLATION, "quantity -3", "not a positive number")
def quantity_negative(g: Graph) -> None:
    """Minus three sessions were requested."""
    g.set((ITEM, IMR.quantity, Literal("-3", datatype=XSD.decimal)))


@breaks("item quantity datatype", VIOLATION, "quantity '24'", "not a number")
def quantity_as_string(g: Graph) -> None:
    """The quantity is the string "24", not an xsd:decimal (the positive rule then stays silent)."""
    g.set((ITEM, IMR.quantity, Literal("24")))


@breaks("item number value", VIOLATION, "Item number '1'", "whole number")
def item_number_as_string(g: Graph) -> None:
    """The item number is the string "1", not an xsd:integer."""
    g.set((ITEM, IMR.itemNumber, Literal("1")))


@breaks("item treatment not in vocabulary", WARNING, "'massage therapy'", "not in the treatment vocabulary")
def treatment_not_in_vocabulary(g: Graph) -> None:
    """The requested treatment matched no concept: only its name is kept."""
    g.remove((ITEM, IMR.treatment, None))


@breaks("item treatment concept value", VIOLATION, "body-region/neck", "treatment vocabulary")
def treatment_outside_its_vocabulary(g: Graph) -> None:
    """The treatment link points to a body region concept."""
    g.set((ITEM, IMR.treatment, VOCAB["body-region/neck"]))


@breaks("item body region value", VIOLATION, "treatment/massage-therapy", "body-region vocabulary")
def body_region_outside_its_vocabulary(g: Graph) -> None:
    """The body region link points to a treatment concept."""
    g.set((ITEM, IMR.bodyRegion, VOCAB["treatment/massage-therapy"]))


@breaks("item laterality value", VIOLATION, "laterality/both", "left, right or bilateral")
def laterality_unknown(g: Graph) -> None:
    """The laterality is not one of left, right, bilateral."""
    g.add((ITEM, IMR.laterality, VOCAB["laterality/both"]))


# guideline citation -------------------------------------------------------------------------------

@breaks("citation role value", VIOLATION, "ontology#Standard",
        "neither the claims administrator nor the IMR reviewer")
def citation_role_unknown(g: Graph) -> None:
    """The claims administrator's citation has a priority as its role."""
    g.set((CLAIMS_CITATION, IMR.citationRole, IMR.Standard))


@breaks("citation role present", VIOLATION, "who made it")
def citation_role_missing(g: Graph) -> None:
    """The claims administrator's citation does not say who made it."""
    g.remove((CLAIMS_CITATION, IMR.citationRole, None))


@breaks("citation guideline value", VIOLATION, "http://example.org/mtus", "guideline vocabulary")
def guideline_outside_its_vocabulary(g: Graph) -> None:
    """The cited guideline is an IRI outside the guideline vocabulary."""
    g.set((REVIEWER_CITATION, IMR.guideline, URIRef("http://example.org/mtus")))


@breaks("citation page order", VIOLATION, "First cited page 70", "after the last cited page")
def first_page_after_last_page(g: Graph) -> None:
    """The citation's first page (70) is after its last page (60)."""
    g.set((REVIEWER_CITATION, IMR.firstPage, Literal(70)))


# diagnosis ----------------------------------------------------------------------------------------

@breaks("diagnosis ICD-10-CM code missing", WARNING, "no ICD-10-CM code")
def diagnosis_without_icd10_code(g: Graph) -> None:
    """The diagnosis could not be coded: a warning, the letter still conforms."""
    g.remove((DIAGNOSIS, IMR.icd10Code, None))


@breaks("diagnosis ICD-10-CM code format", VIOLATION, "icd10cm/M50-M54", "not an ICD-10-CM code")
def diagnosis_coded_with_a_block(g: Graph) -> None:
    """The diagnosis points to an ICD-10-CM block (M50-M54), not a code."""
    g.set((DIAGNOSIS, IMR.icd10Code, ICD10CM["M50-M54"]))


# letter -------------------------------------------------------------------------------------------

@breaks("letter checksum format", VIOLATION, "Checksum 'abc'", "SHA-256")
def checksum_not_sha256(g: Graph) -> None:
    """The letter's checksum is not 64 hexadecimal characters."""
    g.set((LETTER, IMR.sha256, Literal("abc")))


@breaks("letter text", VIOLATION, "normalised text")
def letter_text_missing(g: Graph) -> None:
    """The letter has no text for its spans to point into."""
    g.remove((LETTER, IMR.text, None))


@breaks("letter layout value", VIOLATION, "'letter-1999'", "determination-2014")
def layout_unknown(g: Graph) -> None:
    """The letter's layout is neither of the two known layouts."""
    g.set((LETTER, IMR.layout, Literal("letter-1999")))


# text span ----------------------------------------------------------------------------------------

@breaks("span start before end", VIOLATION, "start offset 3500", "end offset 3465")
def span_start_after_end(g: Graph) -> None:
    """The item's span starts after it ends."""
    g.set((ITEM_SPAN, IMR.startOffset, Literal(3500)))


@breaks("span start offset present", VIOLATION, "start offset")
def span_start_missing(g: Graph) -> None:
    """The item's span has no start offset."""
    g.remove((ITEM_SPAN, IMR.startOffset, None))


@breaks("span start offset value", VIOLATION, "Start offset '3377'", "whole number")
def span_start_as_string(g: Graph) -> None:
    """The start offset is the string "3377", not an xsd:integer."""
    g.set((ITEM_SPAN, IMR.startOffset, Literal("3377")))


@breaks("span within letter text", VIOLATION, "end offset 100000", "past the end of the letter's text")
def span_past_end_of_text(g: Graph) -> None:
    """The item's span ends far beyond the letter's text."""
    g.set((ITEM_SPAN, IMR.endOffset, Literal(100000)))


@breaks("span text matches letter", VIOLATION, "'24 Massage'", "offset 3377", "CM14-0166055/item/1/span")
def span_exact_text_differs(g: Graph) -> None:
    """The span's exact text is not what the letter has at its offsets."""
    g.set((ITEM_SPAN, IMR.exactText, Literal("24 Massage")))


@pytest.mark.parametrize("case", BREAKS, ids=lambda case: case.id)
def test_broken_record_is_caught(seed_graph: Graph, case: Break) -> None:
    """One thing broken in the seed graph is reported under its constraint only, with its severity and a
    message in the field's words; a warning leaves the letter conforming, a violation does not."""
    graph = _copy(seed_graph)
    case.mutate(graph)
    report = validate_graph(graph)
    assert {p.constraint for p in report.problems} == {case.constraint}, report.text("CM14-0166055")
    for problem in report.problems:
        assert problem.severity == case.severity
        for words in case.words:
            assert words.lower() in problem.message.lower(), problem.message
        assert "{$" not in problem.message and "{?" not in problem.message, problem.message
    assert report.conforms is (case.severity != VIOLATION)


def test_every_break_names_a_constraint_of_the_shapes() -> None:
    """The expected constraint labels are labels of the shapes (no typo can make a break pass vacuously)."""
    labels = {str(label) for label in shapes_graph().objects(None, RDFS.label)}
    assert {case.constraint for case in BREAKS} <= labels


# (c) the shapes graph -------------------------------------------------------------------------------

def test_shapes_pass_shacl_shacl() -> None:
    """The shapes graph conforms to the SHACL-SHACL meta shapes that pyshacl ships."""
    meta = Graph().parse(SHACL_SHACL)
    conforms, _, text = shacl_validate(shapes_graph(), shacl_graph=meta, inference="none")
    assert conforms, text


def test_pyshacl_meta_shacl_check_accepts_the_shapes(seed_graph: Graph) -> None:
    """pyshacl's own meta_shacl=True check (which raises on invalid shapes) runs through."""
    conforms, _, text = shacl_validate(seed_graph, shacl_graph=shapes_graph(), meta_shacl=True,
                                       inference="none", advanced=True, allow_warnings=True)
    assert conforms, text


def test_shacl_shacl_catches_a_broken_shape() -> None:
    """The meta check has teeth: a shape with a non-integer sh:minCount fails it."""
    meta = Graph().parse(SHACL_SHACL)
    broken = _copy(shapes_graph())
    broken.add((URIRef("https://w3id.org/imr-kg/shapes#CaseNumberCount"), SH.minCount, Literal("one")))
    conforms, _, _ = shacl_validate(broken, shacl_graph=meta, inference="none")
    assert not conforms


def _shapes() -> list[URIRef]:
    graph = shapes_graph()
    shapes = set(graph.subjects(RDF.type, SH.NodeShape)) | set(graph.subjects(RDF.type, SH.PropertyShape))
    return sorted(shapes)


def test_every_shape_has_a_label_a_message_and_a_severity() -> None:
    """Each node and property shape has one rdfs:label, unique across the shapes, an sh:message and an
    explicit sh:severity."""
    graph = shapes_graph()
    labels = []
    for shape in _shapes():
        assert len(list(graph.objects(shape, RDFS.label))) == 1, shape
        assert graph.value(shape, SH.message) is not None, shape
        assert graph.value(shape, SH.severity) in (SH.Violation, SH.Warning, SH.Info), shape
        labels.append(str(graph.value(shape, RDFS.label)))
    assert len(labels) == len(set(labels)), sorted(label for label in labels if labels.count(label) > 1)


def test_sparql_constraints_use_this_and_the_declared_prefixes() -> None:
    """Every SHACL-SPARQL constraint is a SELECT on $this with sh:prefixes pointing to the shapes' ontology,
    which declares imr: and xsd:."""
    graph = shapes_graph()
    constraints = list(graph.objects(None, SH.sparql))
    assert constraints
    for constraint in constraints:
        select = str(graph.value(constraint, SH.select))
        assert select.lstrip().startswith("SELECT $this"), select
        assert graph.value(constraint, SH.prefixes) == SHAPES_ONTOLOGY
    declared = {str(graph.value(d, SH.prefix)): str(graph.value(d, SH.namespace))
                for d in graph.objects(SHAPES_ONTOLOGY, SH.declare)}
    assert declared["imr"] == "https://w3id.org/imr-kg/ontology#"
    assert declared["xsd"] == str(XSD)


def test_vocabulary_concepts_are_not_checked_by_class() -> None:
    """sh:class is only used for nodes minted in the letter graph, never for vocabulary classes."""
    minted = {IMR.Case, IMR.Letter, IMR.Injury, IMR.UtilizationReview, IMR.Diagnosis, IMR.PriorTreatment,
              IMR.DisputedItem, IMR.GuidelineCitation, IMR.TextSpan}
    assert set(shapes_graph().objects(None, SH["class"])) <= minted


# (d) the report in words ----------------------------------------------------------------------------

def _report(seed_graph: Graph, mutate: Mutation) -> Report:
    graph = _copy(seed_graph)
    mutate(graph)
    return validate_graph(graph)


def test_report_text_for_a_conforming_letter(seed_graph: Graph) -> None:
    """A letter without problems reads as conforming."""
    assert validate_graph(seed_graph).text("CM14-0166055") == "CM14-0166055: conforms"


def test_report_text_names_case_field_and_problem(seed_graph: Graph) -> None:
    """A bad case number reads as: case number, severity, field, and the problem with the wrong value."""
    text = _report(seed_graph, case_number_not_cm_form).text("CM14-0166055")
    assert text.startswith(
        "CM14-0166055: violation: caseNumber: Case number 'XX-1' is not in the form CM##-#######")


def test_report_text_names_both_dates_of_a_date_order_problem(seed_graph: Graph) -> None:
    """A date-order problem names the later field and both dates with their values."""
    text = _report(seed_graph, ur_denial_after_application_received).text("CM14-0166055")
    assert text == ("CM14-0166055: violation: applicationReceived: UR denial date 2014-10-09 is after the "
                    "application received date 2014-10-08: the IMR application answers the UR denial and "
                    "cannot come before it.")


def test_report_text_names_a_field_reached_through_another_node(seed_graph: Graph) -> None:
    """A missing date of injury names the path to the field, injury/dateOfInjury, as a warning."""
    text = _report(seed_graph, date_of_injury_missing).text("CM14-0166055")
    assert text.startswith("CM14-0166055: warning: injury/dateOfInjury: The case has no date of injury")


def test_backslashes_in_letter_text_do_not_stop_validation(seed_graph: Graph) -> None:
    """Text with backslashes shown in a SPARQL message (pyshacl fills it in with re.sub) is reported, not
    raised as "bad escape"."""
    def mutate(g: Graph) -> None:
        g.remove((ITEM, IMR.treatment, None))
        g.set((ITEM, IMR.treatmentLabel, Literal(r"Lidoderm\d patch")))
        g.set((ITEM_SPAN, IMR.exactText, Literal(r"24 \g<0> Massage")))

    report = _report(seed_graph, mutate)
    assert {p.constraint for p in report.problems} == {"item treatment not in vocabulary",
                                                       "span text matches letter"}
    assert "'Lidoderm/d patch'" in report.text("CM14-0166055")


def test_report_graph_holds_filled_messages_and_constraint_labels(seed_graph: Graph) -> None:
    """The report graph (stored with the letter) has the filled message and the constraint label."""
    report = _report(seed_graph, outcome_not_an_outcome)
    (result,) = report.graph.objects(None, SH.result)
    message = str(report.graph.value(result, SH.resultMessage))
    assert message.startswith(
        "Outcome https://w3id.org/imr-kg/vocab/outcome/denied is neither Upheld nor Overturned")
    assert str(report.graph.value(result, IMR.constraint)) == "item outcome value"
    (problem,) = report.problems
    assert problem.focus == str(ITEM)
    assert problem.path == str(IMR.outcome)
    assert problem.value == str(VOCAB["outcome/denied"])
