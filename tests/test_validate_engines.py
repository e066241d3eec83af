"""The two SHACL engines, pyshacl-turbo (the default) and pyshacl (the reference), report alike.

A generator breaks the seed letter's graph once for every constraint of shapes/imr.shapes.ttl (each
parameter of each node and property shape, and each SHACL-SPARQL constraint): a required value removed,
one value too many, a wrong datatype, an IRI outside its pattern, dates out of order, and so on. For each
broken graph the reference engine must report that constraint, and both engines alone must give the same
results (focus node, path, value, source shape, component, severity, message) in isomorphic report graphs,
except for the differences listed in RAW_DIFFERENCES. What kg.validate returns with the default engine
must be exactly the reference's report on every graph, those included; the bundled letters, lexical
corner cases and ill-formed literals of every datatype shape are checked the same way.
"""
from __future__ import annotations

import logging
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any

import pytest
from rdflib import RDF, XSD, BNode, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.compare import isomorphic
from rdflib.namespace import SH
from rdflib.term import Node

from kg import shacl_engine
from kg.namespaces import IMR
from kg.pipeline import extract_file, letter_paths
from kg.rdf import mint
from kg.rdf.mapping import record_to_graph
from kg.rdf.vocab_graph import fingerprint
from kg.validate import shapes_graph, validate_graph
from tests.conftest import ROOT

SEED = ROOT / "letters" / "seed" / "CM14-0166055.md"
PROV_DERIVED = URIRef("http://www.w3.org/ns/prov#wasDerivedFrom")


def letter_graph(path: Path) -> Graph:
    """A letter's graph as `kg build` makes it: extracted, mapped, stamped with the pipeline version."""
    record = extract_file(path)
    assert record.case_number is not None, record.errors
    graph = record_to_graph(record, datetime.now(timezone.utc))
    graph.add((mint.letter_iri(mint.case_key(record.case_number, record.sha256)), IMR.pipelineVersion,
               Literal(fingerprint())))
    return graph


def _copy(graph: Graph) -> Graph:
    copy = Graph()
    copy += graph
    return copy


# comparing the engines --------------------------------------------------------------------------------

Result = tuple[object, ...]


def _term(term: Node | None) -> object:
    if isinstance(term, Literal):  # by its parts: n3() of an ill-formed number warns
        return ("literal", str(term), str(term.datatype or ""), term.language or "")
    return None if term is None else term.n3()


def _path(graph: Graph, path: Node | None) -> object:
    if isinstance(path, BNode) and graph.value(path, RDF.first) is not None:
        return tuple(_path(graph, step) for step in Collection(graph, path))
    return _term(path)


def results(report: Graph) -> list[Result]:
    """The report's results as sorted tuples: focus, path, value, source shape, component, severity, message
    and, for SHACL-SPARQL, the query."""
    rows = []
    for result in report.objects(None, SH.result):
        constraint = report.value(result, SH.sourceConstraint)
        rows.append((
            _term(report.value(result, SH.focusNode)), _path(report, report.value(result, SH.resultPath)),
            _term(report.value(result, SH.value)), _term(report.value(result, SH.sourceShape)),
            _term(report.value(result, SH.sourceConstraintComponent)),
            _term(report.value(result, SH.resultSeverity)), str(report.value(result, SH.resultMessage)),
            None if constraint is None else str(report.value(constraint, SH.select)),
        ))
    return sorted(rows, key=repr)


@dataclass
class Comparison:
    """The reference's, pyshacl-turbo's and the default engine's verdicts on one graph."""

    reference: tuple[object, list[Result]]  # conforms (or "raised <error>") and results
    turbo: tuple[object, list[Result]]  # pyshacl-turbo alone
    default: tuple[object, list[Result]]  # what kg.validate gets with the default engine
    turbo_isomorphic: bool
    default_isomorphic: bool

    @property
    def engines_agree(self) -> bool:
        return self.turbo == self.reference and self.turbo_isomorphic

    @property
    def default_is_reference(self) -> bool:
        return self.default == self.reference and self.default_isomorphic

    def difference(self, which: str = "turbo") -> str:
        other = self.turbo if which == "turbo" else self.default
        return (f"conforms: pyshacl {self.reference[0]}, {which} {other[0]}\n"
                f"only pyshacl: {[r for r in self.reference[1] if r not in other[1]]}\n"
                f"only {which}: {[r for r in other[1] if r not in self.reference[1]]}")

    def triggered(self) -> set[tuple[object, object]]:
        """(source shape, component) of every result of the reference."""
        return {(r[3], r[4]) for r in self.reference[1]}


def compare(graph: Graph) -> Comparison:
    """Validate ``graph`` as kg.validate does (same shapes, same options) with pyshacl, with pyshacl-turbo
    alone and with the default engine (which reuses the reference's run instead of running pyshacl again).

    A run that raises counts as its exception's type, with no results."""
    shapes = shapes_graph()
    with warnings.catch_warnings():
        # as outside the tests: rdflib's comparisons of ill-formed numbers and its writing of them warn
        warnings.simplefilter("ignore", DeprecationWarning)
        warnings.filterwarnings("ignore", "Serializing weird numerical", UserWarning)
        reference = _outcome(lambda: shacl_engine._run_pyshacl(graph, shapes))
        turbo = _outcome(lambda: shacl_engine._run_turbo(graph, shapes))
        real = shacl_engine._run_pyshacl

        def reference_again(data: Graph, _: Graph) -> tuple[object, Graph]:
            if isinstance(reference[0], str):
                raise RuntimeError(reference[0])
            return reference

        shacl_engine._run_pyshacl = reference_again  # type: ignore[assignment]
        try:
            default = _outcome(lambda: shacl_engine.run(graph, shapes, shacl_engine.DEFAULT_ENGINE))
        finally:
            shacl_engine._run_pyshacl = real  # type: ignore[assignment]
        if isinstance(default[0], str) and isinstance(reference[0], str):
            default = reference
        same_as_turbo = isomorphic(reference[1], turbo[1])
        same_as_default = isomorphic(reference[1], default[1])
    return Comparison((reference[0], results(reference[1])), (turbo[0], results(turbo[1])),
                      (default[0], results(default[1])), same_as_turbo, same_as_default)


def _outcome(validate: Callable[[], tuple[bool, Graph]]) -> tuple[object, Graph]:
    try:
        conforms, report = validate()
    except Exception as error:  # RecursionError: rdflib adds to an ill-formed integer
        return f"raised {type(error).__name__}", Graph()
    return conforms, report


# the constraints of the shapes --------------------------------------------------------------------------

COMPONENTS = {  # constraint parameter -> its constraint component
    SH.minCount: SH.MinCountConstraintComponent, SH.maxCount: SH.MaxCountConstraintComponent,
    SH.datatype: SH.DatatypeConstraintComponent, SH.pattern: SH.PatternConstraintComponent,
    SH["in"]: SH.InConstraintComponent, SH["class"]: SH.ClassConstraintComponent,
    SH.nodeKind: SH.NodeKindConstraintComponent, SH.equals: SH.EqualsConstraintComponent,
    SH.lessThanOrEquals: SH.LessThanOrEqualsConstraintComponent,
    SH.minInclusive: SH.MinInclusiveConstraintComponent, SH.sparql: SH.SPARQLConstraintComponent,
    SH.maxInclusive: SH.MaxInclusiveConstraintComponent, SH.minExclusive: SH.MinExclusiveConstraintComponent,
    SH.maxExclusive: SH.MaxExclusiveConstraintComponent, SH.minLength: SH.MinLengthConstraintComponent,
    SH.maxLength: SH.MaxLengthConstraintComponent, SH.languageIn: SH.LanguageInConstraintComponent,
    SH.uniqueLang: SH.UniqueLangConstraintComponent, SH.disjoint: SH.DisjointConstraintComponent,
    SH.lessThan: SH.LessThanConstraintComponent, SH["not"]: SH.NotConstraintComponent,
    SH["and"]: SH.AndConstraintComponent, SH["or"]: SH.OrConstraintComponent,
    SH.xone: SH.XoneConstraintComponent, SH.node: SH.NodeConstraintComponent,
    SH.hasValue: SH.HasValueConstraintComponent, SH.closed: SH.ClosedConstraintComponent,
    SH.qualifiedValueShape: SH.QualifiedMinCountConstraintComponent,
}


@dataclass(frozen=True)
class Constraint:
    """One constraint parameter of one shape, with the node shape whose target it applies to."""

    node_shape: URIRef
    shape: URIRef
    parameter: URIRef

    @property
    def id(self) -> str:
        return f"{_local(self.shape)}/{_local(self.parameter)}"

    @property
    def component(self) -> URIRef:
        return COMPONENTS[self.parameter]

    @property
    def target_class(self) -> URIRef:
        return _one(shapes_graph().value(self.node_shape, SH.targetClass))

    @property
    def path(self) -> URIRef | tuple[URIRef, ...] | None:
        """The property shape's path (a sequence path as a tuple); None for a node shape."""
        shapes = shapes_graph()
        path = shapes.value(self.shape, SH.path)
        if isinstance(path, BNode):
            return tuple(_one(step) for step in Collection(shapes, path))
        return None if path is None else _one(path)

    @property
    def value(self) -> Any:  # an IRI, a literal or an RDF list, by parameter
        return _one(shapes_graph().value(self.shape, self.parameter))


def _local(term: Node) -> str:
    return str(term).rsplit("#", 1)[-1].rsplit("/", 1)[-1]


def _one(term: Node | None) -> Any:
    assert isinstance(term, (URIRef, BNode, Literal)), term
    return term


def constraints() -> list[Constraint]:
    """Every constraint of the shapes: each constraint parameter of a node shape or of its property shapes."""
    shapes = shapes_graph()
    found = []
    for node_shape in sorted(shapes.subjects(RDF.type, SH.NodeShape), key=str):
        for shape in [node_shape, *sorted(shapes.objects(node_shape, SH.property), key=str)]:
            for parameter in sorted(set(shapes.predicates(shape, None)), key=str):
                if parameter in COMPONENTS:
                    found.append(Constraint(_one(node_shape), _one(shape), _one(parameter)))
    return found


CONSTRAINTS = constraints()


# the mutations ----------------------------------------------------------------------------------------

Mutation = Callable[[Graph, Constraint], None]
SPARQL_BREAKS: dict[str, Callable[[Graph], None]] = {}


def sparql_break(shape: str) -> Callable[[Callable[[Graph], None]], Callable[[Graph], None]]:
    """Register the mutation that breaks the SHACL-SPARQL constraint of node shape ``shape``."""
    def register(mutate: Callable[[Graph], None]) -> Callable[[Graph], None]:
        SPARQL_BREAKS[shape] = mutate
        return mutate
    return register


def _instances(g: Graph, cls: URIRef) -> list[Any]:
    return sorted(g.subjects(RDF.type, cls), key=str)


def _focus(g: Graph, c: Constraint) -> Node:
    """The target node to break: the first instance of the target class with a value on the path, if any."""
    nodes = _instances(g, c.target_class)
    assert nodes, f"the seed graph has no {c.target_class}"
    path = c.path
    if isinstance(path, URIRef):
        with_values = [n for n in nodes if g.value(n, path) is not None]
        return (with_values or nodes)[0]
    return nodes[0]


def _predicate(c: Constraint) -> URIRef:
    path = c.path
    assert isinstance(path, URIRef), f"{c.id}: only a predicate path can be given values"
    return path


def _set(g: Graph, node: Node, predicate: URIRef, *values: Node) -> None:
    g.remove((node, predicate, None))
    for value in values:
        g.add((node, predicate, value))


def _siblings(c: Constraint, parameter: URIRef) -> list[Any]:
    """Values of ``parameter`` on the property shapes of the same node shape with the same path."""
    shapes = shapes_graph()
    found = []
    for shape in shapes.objects(c.node_shape, SH.property):
        if shape == c.shape or Constraint(c.node_shape, _one(shape), parameter).path == c.path:
            found += list(shapes.objects(shape, parameter))
    return found


def _another(value: Node, taken: set[Node], c: Constraint) -> Node:
    """A value of the same kind as ``value`` that is not yet taken."""
    if isinstance(value, Literal):
        python = value.toPython()
        if isinstance(python, bool):
            return Literal(not python)
        if isinstance(python, datetime):
            return Literal(python + timedelta(seconds=1))
        if isinstance(python, date):
            return Literal(python + timedelta(days=1))
        if isinstance(python, (int, Decimal)):
            return Literal(python + 1, datatype=value.datatype)
        return Literal(f"{value} (again)", lang=value.language, datatype=value.datatype)
    for member in _in_members(c):
        if member not in taken:
            return member
    return URIRef(f"{value}-again")


def _in_members(c: Constraint) -> list[Node]:
    members: list[Node] = []
    for head in _siblings(c, SH["in"]):
        members += list(Collection(shapes_graph(), head))
    return members


def _sample(g: Graph, c: Constraint) -> Node:
    """A well-formed value for the path when the focus node has none."""
    predicate = _predicate(c)
    existing = sorted(g.objects(None, predicate), key=str)
    if existing:
        return existing[0]
    if _in_members(c):
        return _in_members(c)[0]
    for cls in _siblings(c, SH["class"]):
        if _instances(g, cls):
            return _instances(g, cls)[0]
    samples = {XSD.string: Literal("text"), XSD.boolean: Literal(True), XSD.integer: Literal(1),
               XSD.decimal: Literal(Decimal("1")), XSD.date: Literal(date(2014, 1, 2)),
               XSD.dateTime: Literal(datetime(2014, 1, 2, 3, 4, 5))}
    for datatype in _siblings(c, SH.datatype):
        return samples[datatype]
    return URIRef(f"{_focus(g, c)}/value")


def remove_values(g: Graph, c: Constraint) -> None:
    """sh:minCount: the path leads nowhere (for a sequence path, its last step is removed)."""
    path = c.path
    steps = path if isinstance(path, tuple) else (path,)
    nodes = [_focus(g, c)]
    for step in steps[:-1]:
        nodes = [o for n in nodes for o in g.objects(n, step)]
    assert nodes, f"{c.id}: nothing to remove"
    for node in nodes:
        g.remove((node, steps[-1], None))


def one_value_too_many(g: Graph, c: Constraint) -> None:
    """sh:maxCount: one more distinct value than allowed."""
    focus, predicate = _focus(g, c), _predicate(c)
    values = set(g.objects(focus, predicate)) or {_sample(g, c)}
    while len(values) <= int(c.value):
        values.add(_another(max(values, key=str), values, c))
    _set(g, focus, predicate, *values)


def wrong_datatype(g: Graph, c: Constraint) -> None:
    """sh:datatype: a number where text is wanted, text where anything else is wanted."""
    focus, predicate = _focus(g, c), _predicate(c)
    existing = g.value(focus, predicate)
    text = str(existing) if existing is not None else "text"
    wrong = Literal(7) if c.value == XSD.string else Literal(text)
    _set(g, focus, predicate, wrong)


def outside_pattern(g: Graph, c: Constraint) -> None:
    """sh:pattern: an IRI (or text, for a literal property) that does not match."""
    focus, predicate = _focus(g, c), _predicate(c)
    iri = SH.IRI in _siblings(c, SH.nodeKind) or isinstance(g.value(focus, predicate), URIRef)
    _set(g, focus, predicate, URIRef("http://example.org/elsewhere/X_1") if iri else Literal("no such form"))


def not_in_list(g: Graph, c: Constraint) -> None:
    """sh:in: a value of the right kind outside the list."""
    first = next(iter(Collection(shapes_graph(), c.value)))
    wrong = URIRef(f"{first}-unknown") if isinstance(first, URIRef) else Literal(f"{first}-unknown")
    _set(g, _focus(g, c), _predicate(c), wrong)


def undescribed_node(g: Graph, c: Constraint) -> None:
    """sh:class: the value is an IRI the graph does not type."""
    focus = _focus(g, c)
    _set(g, focus, _predicate(c), URIRef(f"{focus}/undescribed"))


def literal_instead_of_iri(g: Graph, c: Constraint) -> None:
    """sh:nodeKind sh:IRI on a property: the IRI's text as a literal (a pattern still matches it)."""
    focus, predicate = _focus(g, c), _predicate(c)
    _set(g, focus, predicate, Literal(str(g.value(focus, predicate) or _sample(g, c))))


def blank_focus_node(g: Graph, c: Constraint) -> None:
    """sh:nodeKind sh:IRI on a node shape: the target node becomes a blank node everywhere."""
    focus, blank = _focus(g, c), BNode()
    for s, p, o in list(g):
        if focus in (s, o):
            g.remove((s, p, o))
            g.add((blank if s == focus else s, p, blank if o == focus else o))


def not_equal(g: Graph, c: Constraint) -> None:
    """sh:equals: one more value than the other property has."""
    focus = _focus(g, c)
    g.add((focus, _predicate(c), URIRef(f"{focus}/elsewhere")))


def after_the_other(g: Graph, c: Constraint) -> None:
    """sh:lessThanOrEquals: the value is greater than the other property's (both added when missing)."""
    other = c.value
    assert isinstance(other, URIRef)
    focus = next((n for n in _instances(g, c.target_class) if g.value(n, other) is not None),
                 _instances(g, c.target_class)[0])
    bound: Any = g.value(focus, other)
    if bound is None:
        bound = Literal(60)
        g.add((focus, other, bound))
    _set(g, focus, _predicate(c), Literal(bound.toPython() + 10, datatype=bound.datatype))


def below_minimum(g: Graph, c: Constraint) -> None:
    """sh:minInclusive: one less than the minimum, of the same datatype."""
    minimum = c.value
    assert isinstance(minimum, Literal)
    _set(g, _focus(g, c), _predicate(c), Literal(minimum.toPython() - 1, datatype=minimum.datatype))


def sparql(g: Graph, c: Constraint) -> None:
    """sh:sparql: the node shape's own break (SPARQL_BREAKS)."""
    SPARQL_BREAKS[_local(c.node_shape)](g)


def node_kind(g: Graph, c: Constraint) -> None:
    assert c.value == SH.IRI, f"{c.id}: only sh:IRI is handled"
    (blank_focus_node if c.shape == c.node_shape else literal_instead_of_iri)(g, c)


MUTATIONS: dict[URIRef, Mutation] = {
    SH.minCount: remove_values, SH.maxCount: one_value_too_many, SH.datatype: wrong_datatype,
    SH.pattern: outside_pattern, SH["in"]: not_in_list, SH["class"]: undescribed_node, SH.nodeKind: node_kind,
    SH.equals: not_equal, SH.lessThanOrEquals: after_the_other, SH.minInclusive: below_minimum,
    SH.sparql: sparql,
}


def _date_of(g: Graph, subject_class: URIRef, predicate: URIRef) -> tuple[Any, date]:
    node = _instances(g, subject_class)[0]
    value = g.value(node, predicate)
    assert isinstance(value, Literal), (subject_class, predicate)
    return node, value.toPython()


def _set_date(g: Graph, subject_class: URIRef, predicate: URIRef, value: date) -> None:
    _set(g, _instances(g, subject_class)[0], predicate, Literal(value))


@sparql_break("DateOrderInjuryDenial")
def injury_after_denial(g: Graph) -> None:
    _, denial = _date_of(g, IMR.UtilizationReview, IMR.denialDate)
    _set_date(g, IMR.Injury, IMR.dateOfInjury, denial + timedelta(days=1))


@sparql_break("DateOrderDenialApplication")
def denial_after_application(g: Graph) -> None:
    _, received = _date_of(g, IMR.Case, IMR.applicationReceived)
    _set_date(g, IMR.UtilizationReview, IMR.denialDate, received + timedelta(days=1))


@sparql_break("DateOrderApplicationAssigned")
def application_after_assignment(g: Graph) -> None:
    _, assigned = _date_of(g, IMR.Case, IMR.dateAssigned)
    _set_date(g, IMR.Case, IMR.applicationReceived, assigned + timedelta(days=1))


@sparql_break("DateOrderAssignedDecision")
def assignment_after_decision(g: Graph) -> None:
    _, decision = _date_of(g, IMR.Case, IMR.decisionDate)
    _set_date(g, IMR.Case, IMR.dateAssigned, decision + timedelta(days=1))


@sparql_break("DecisionDateNotFuture")
def decision_in_the_future(g: Graph) -> None:
    _set_date(g, IMR.Case, IMR.decisionDate, date.today() + timedelta(days=400))


@sparql_break("LetterExtractionWarning")
def extraction_warning(g: Graph) -> None:
    g.add((_instances(g, IMR.Letter)[0], IMR.warning, Literal("the header was read from page 2")))


@sparql_break("ItemReviewerCitation")
def no_reviewer_citation(g: Graph) -> None:
    item = _instances(g, IMR.DisputedItem)[0]
    for citation in g.objects(item, IMR.citation):
        _set(g, citation, IMR.citationRole, IMR.ClaimsAdministrator)


@sparql_break("ItemQuantityPositive")
def zero_quantity(g: Graph) -> None:
    _set(g, _instances(g, IMR.DisputedItem)[0], IMR.quantity, Literal(Decimal("0")))


@sparql_break("ItemTreatmentUnknown")
def treatment_unknown(g: Graph) -> None:
    g.remove((_instances(g, IMR.DisputedItem)[0], IMR.treatment, None))


def _span(g: Graph) -> tuple[Node, int, int]:
    span = next(s for s in _instances(g, IMR.TextSpan) if g.value(s, IMR.exactText) is not None)
    start, end = g.value(span, IMR.startOffset), g.value(span, IMR.endOffset)
    assert isinstance(start, Literal) and isinstance(end, Literal)
    return span, start.toPython(), end.toPython()


@sparql_break("SpanOffsetOrder")
def span_backwards(g: Graph) -> None:
    span, _, end = _span(g)
    _set(g, span, IMR.startOffset, Literal(end + 5))


@sparql_break("SpanWithinText")
def span_past_text(g: Graph) -> None:
    span, _, _ = _span(g)
    text = g.value(_instances(g, IMR.Letter)[0], IMR.text)
    _set(g, span, IMR.endOffset, Literal(len(str(text)) + 10))


@sparql_break("SpanMatchesText")
def span_text_differs(g: Graph) -> None:
    span, _, _ = _span(g)
    _set(g, span, IMR.exactText, Literal("not what the letter says \\d here"))


def break_constraint(seed: Graph, c: Constraint) -> Graph:
    """A copy of ``seed`` that breaks constraint ``c``."""
    graph = _copy(seed)
    MUTATIONS[c.parameter](graph, c)
    return graph


# lexical corner cases and ill-formed literals ---------------------------------------------------------

def _first(g: Graph, cls: URIRef) -> Node:
    return _instances(g, cls)[0]


def _with_pages(g: Graph) -> Node:
    return next(c for c in _instances(g, IMR.GuidelineCitation) if g.value(c, IMR.lastPage) is not None)


CORNER_CASES: dict[str, Callable[[Graph], object]] = {
    # a pattern's $ also matches before a final newline, in Python's re and in pyshacl-turbo alike
    "case-number-with-final-newline": lambda g: _set(g, _first(g, IMR.Case), IMR.caseNumber,
                                                     Literal("CM14-0166055\n")),
    "case-number-in-arabic-digits": lambda g: _set(g, _first(g, IMR.Case), IMR.caseNumber,
                                                   Literal("CM14-\u0661\u0662\u0663\u0664")),
    "decision-date-ill-formed": lambda g: _set(g, _first(g, IMR.Case), IMR.decisionDate,
                                               Literal("2014-13-45", datatype=XSD.date)),
    "decision-date-with-time-zone": lambda g: _set(g, _first(g, IMR.Case), IMR.decisionDate,
                                                   Literal("2014-10-01Z", datatype=XSD.date)),
    "licensure-language-tagged": lambda g: _set(g, _first(g, IMR.Case), IMR.reviewerLicensure,
                                                Literal("California", lang="en")),
    "item-number-xsd-int": lambda g: _set(g, _first(g, IMR.DisputedItem), IMR.itemNumber,
                                          Literal("1", datatype=XSD.int)),
    "item-number-ill-formed": lambda g: _set(g, _first(g, IMR.DisputedItem), IMR.itemNumber,
                                             Literal("one", datatype=XSD.integer)),
    "quantity-negative-integer": lambda g: _set(g, _first(g, IMR.DisputedItem), IMR.quantity, Literal(-2)),
    "last-page-as-text": lambda g: _set(g, _with_pages(g), IMR.lastPage, Literal("sixty")),
    "item-number-decimal-below-minimum": lambda g: _set(g, _first(g, IMR.DisputedItem), IMR.itemNumber,
                                                        Literal(Decimal("0.5"))),
    "outcome-iri-as-literal": lambda g: _set(g, _first(g, IMR.DisputedItem), IMR.outcome,
                                             Literal("https://w3id.org/imr-kg/vocab/outcome/upheld")),
    "span-text-backslash-and-accents": lambda g: _set(g, _span(g)[0], IMR.exactText,
                                                      Literal("caf\u00e9 \\1 \u2014 na\u00efve")),
    "case-also-typed-letter": lambda g: g.add((_first(g, IMR.Case), RDF.type, IMR.Letter)),
    # characters outside the Basic Multilingual Plane: STRLEN and SUBSTR count characters
    "letter-text-with-astral-character": lambda g: _set(
        g, _first(g, IMR.Letter), IMR.text,
        Literal("\U0001F600" + str(g.value(_first(g, IMR.Letter), IMR.text)))),
    "quantity-ill-formed-decimal": lambda g: _set(g, _first(g, IMR.DisputedItem), IMR.quantity,
                                                  Literal("-x", datatype=XSD.decimal)),
    "date-of-injury-date-time": lambda g: _set(g, _first(g, IMR.Injury), IMR.dateOfInjury,
                                               Literal(datetime(2015, 1, 1, 12, 0))),
    # an item with neither number, request, citation nor treatment: unbound message variables
    "item-stripped": lambda g: [
        g.remove((_first(g, IMR.DisputedItem), p, None))
        for p in (IMR.itemNumber, IMR.request, IMR.citation, IMR.treatment, IMR.treatmentLabel)],
    "first-page-xsd-int": lambda g: _set(g, _with_pages(g), IMR.firstPage, Literal("61", datatype=XSD.int)),
    "span-text-language-tagged": lambda g: _set(g, _span(g)[0], IMR.exactText,
                                                Literal(str(g.value(_span(g)[0], IMR.exactText)), lang="en")),
}

# Lexical forms outside the lexical space of each datatype the shapes ask for (with normalize=False, the
# text stays as written); rdflib compares some of them by their text and reads " 5" as the number 5.
# Not "-1x"^^xsd:integer: rdflib recurses without end adding to it (in span offsets and page numbers), which can
# overflow the C stack of the process rather than raise RecursionError.
ILL_FORMED = {XSD.date: ("2014-02-30",), XSD.dateTime: ("2014-02-30T10:00:00Z",), XSD.integer: (" 5",),
              XSD.decimal: ("-1x", " 5"), XSD.boolean: ("TRUE", None)}
DATATYPE_CONSTRAINTS = [c for c in CONSTRAINTS if c.parameter == SH.datatype and c.value != XSD.string]


def ill_formed(seed: Graph, c: Constraint, lexical: str | None) -> Graph:
    """``seed`` with the value of ``c``'s path replaced by ``lexical`` typed with ``c``'s datatype. None: a
    boolean rdflib rewrites, "-1x"^^xsd:boolean kept as "false" but marked ill-typed."""
    graph = _copy(seed)
    value = (Literal("-1x", datatype=XSD.boolean) if lexical is None
             else Literal(lexical, datatype=c.value, normalize=False))
    _set(graph, _focus(graph, c), _predicate(c), value)
    return graph


ILL_FORMED_CASES = [(c, lexical) for c in DATATYPE_CONSTRAINTS for lexical in ILL_FORMED[c.value]]  # type: ignore[index]

# Where the engines alone differ (kg.validate's default engine hands these graphs to pyshacl).
RAW_DIFFERENCES = {
    "quantity-ill-formed-decimal": "isNumeric is true for '-x'^^xsd:decimal in rdflib, and pyshacl also "
                                   "reports 'item quantity positive'; pyshacl-turbo follows SPARQL (false)",
}


# tests ------------------------------------------------------------------------------------------------

@lru_cache(maxsize=1)
def seed_graph() -> Graph:
    """The seed letter's graph as `kg build` makes it; it has a node of every class the shapes target."""
    return letter_graph(SEED)


@lru_cache(maxsize=None)
def broken(constraint_id: str) -> Comparison:
    constraint = next(c for c in CONSTRAINTS if c.id == constraint_id)
    return compare(break_constraint(seed_graph(), constraint))


def _raw(case_id: str) -> list[pytest.MarkDecorator]:
    """pytest marks for a case whose engines alone are known to differ."""
    if case_id in RAW_DIFFERENCES:
        return [pytest.mark.xfail(strict=True, reason=RAW_DIFFERENCES[case_id])]
    return []


def test_the_seed_graph_agrees_and_conforms() -> None:
    """The unbroken seed graph: both engines find nothing at all."""
    comparison = compare(seed_graph())
    assert comparison.reference == (True, []), comparison.difference()
    assert comparison.engines_agree and comparison.default_is_reference, comparison.difference()


def test_every_constraint_has_a_mutation() -> None:
    """No constraint of the shapes escapes the generator: each has a mutation, each SPARQL shape its own."""
    assert len(CONSTRAINTS) > 100
    missing = [c.id for c in CONSTRAINTS if c.parameter not in MUTATIONS
               or (c.parameter == SH.sparql and _local(c.node_shape) not in SPARQL_BREAKS)]
    assert missing == []


@pytest.mark.parametrize("constraint_id", [pytest.param(c.id, marks=_raw(c.id)) for c in CONSTRAINTS])
def test_engines_agree_on_a_broken_constraint(constraint_id: str) -> None:
    """The reference engine reports the broken constraint; pyshacl-turbo alone reports exactly the same."""
    constraint = next(c for c in CONSTRAINTS if c.id == constraint_id)
    comparison = broken(constraint_id)
    expected = (_term(constraint.shape), _term(constraint.component))
    assert expected in comparison.triggered(), comparison.reference
    assert comparison.engines_agree, comparison.difference()


@pytest.mark.parametrize("constraint_id", [c.id for c in CONSTRAINTS])
def test_default_engine_gives_the_reference_report_on_a_broken_constraint(constraint_id: str) -> None:
    """What kg.validate gets with the default engine is the reference's report, known differences included."""
    comparison = broken(constraint_id)
    assert comparison.default_is_reference, comparison.difference("default")


@pytest.mark.parametrize("name", [pytest.param(name, marks=_raw(name)) for name in CORNER_CASES])
def test_engines_agree_on_lexical_corner_cases(name: str) -> None:
    """Odd literals (a final newline, other digits, time zones, language tags, astral characters) are judged
    alike by both engines, and the default engine returns the reference's report."""
    graph = _copy(seed_graph())
    CORNER_CASES[name](graph)
    comparison = compare(graph)
    assert comparison.default_is_reference, comparison.difference("default")
    assert comparison.engines_agree, comparison.difference()


@pytest.mark.parametrize("constraint, lexical", ILL_FORMED_CASES,
                         ids=[f"{c.id}-{lexical!r}" for c, lexical in ILL_FORMED_CASES])
def test_default_engine_gives_the_reference_report_on_ill_formed_literals(constraint: Constraint,
                                                                          lexical: str | None) -> None:
    """An ill-formed value for each datatype shape: the engines alone may differ (rdflib is lenient), but
    kg.validate's default engine returns the reference's report, with the same verdict."""
    comparison = compare(ill_formed(seed_graph(), constraint, lexical))
    assert comparison.default_is_reference, comparison.difference("default")


@pytest.mark.parametrize("path", list(letter_paths([ROOT / "letters"])), ids=lambda p: p.name)
def test_engines_agree_on_bundled_letters(path: Path) -> None:
    """Every bundled letter: the same raw reports, and the same Report (conforms, problems) from kg.validate
    with either engine."""
    graph = letter_graph(path)
    comparison = compare(graph)
    assert comparison.engines_agree and comparison.default_is_reference, comparison.difference()
    reference, turbo = validate_graph(graph, engine="pyshacl"), validate_graph(graph, engine="turbo")
    assert (turbo.conforms, turbo.problems) == (reference.conforms, reference.problems)


# choosing the engine ------------------------------------------------------------------------------------

def _spy(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Record which engine runs (each still runs for real)."""
    calls: list[str] = []
    for name in ("_run_pyshacl", "_run_turbo"):
        real = getattr(shacl_engine, name)

        def spied(data: Graph, shapes: Graph, real: Callable[..., tuple[bool, Graph]] = real,
                  name: str = name) -> tuple[bool, Graph]:
            calls.append(name.removeprefix("_run_"))
            return real(data, shapes)
        monkeypatch.setattr(shacl_engine, name, spied)
    return calls


def test_the_default_engine_is_turbo_when_installed(monkeypatch: pytest.MonkeyPatch) -> None:
    """pyshacl-turbo is installed with the project and validates when no engine is named; a conforming
    letter is not given to pyshacl at all."""
    import pyshacl_turbo  # noqa: F401  (installed: pyproject.toml lists it)

    monkeypatch.delenv(shacl_engine.ENGINE_VARIABLE, raising=False)
    assert shacl_engine.DEFAULT_ENGINE == "turbo" and shacl_engine.engine_in_use() == "turbo"
    calls = _spy(monkeypatch)
    assert validate_graph(seed_graph()).conforms
    assert calls == ["turbo"]


def test_a_non_conforming_graph_gets_the_reference_report(monkeypatch: pytest.MonkeyPatch) -> None:
    """pyshacl-turbo finds the violation; pyshacl words the report that is returned."""
    monkeypatch.delenv(shacl_engine.ENGINE_VARIABLE, raising=False)
    calls = _spy(monkeypatch)
    graph = break_constraint(seed_graph(), next(c for c in CONSTRAINTS if c.id == "CaseNumberFormat/pattern"))
    report = validate_graph(graph)
    assert calls == ["turbo", "pyshacl"]
    assert not report.conforms and [p.constraint for p in report.problems] == ["case number format"]


def test_an_ill_typed_literal_goes_to_the_reference(monkeypatch: pytest.MonkeyPatch) -> None:
    """A literal rdflib cannot read (here a boolean rdflib rewrote to "false") is judged by pyshacl only."""
    constraint = next(c for c in DATATYPE_CONSTRAINTS if c.value == XSD.boolean)
    graph = ill_formed(seed_graph(), constraint, None)
    assert shacl_engine.has_ill_typed_literal(graph) and not shacl_engine.has_ill_typed_literal(seed_graph())
    calls = _spy(monkeypatch)
    assert not validate_graph(graph, engine="turbo").conforms
    assert calls == ["pyshacl"]


def test_the_engine_variable_chooses_the_reference(monkeypatch: pytest.MonkeyPatch) -> None:
    """KG_SHACL_ENGINE=pyshacl runs pyshacl only; the argument wins over it; an unknown name is refused."""
    monkeypatch.setenv(shacl_engine.ENGINE_VARIABLE, "PyShacl")
    assert shacl_engine.engine_in_use() == "pyshacl"
    assert shacl_engine.engine_in_use("turbo") == "turbo"
    calls = _spy(monkeypatch)
    assert validate_graph(seed_graph()).conforms
    assert calls == ["pyshacl"]
    with pytest.raises(ValueError, match="unknown SHACL engine 'jena'"):
        validate_graph(seed_graph(), engine="jena")


def test_without_turbo_pyshacl_runs_after_one_warning(monkeypatch: pytest.MonkeyPatch,
                                                      caplog: pytest.LogCaptureFixture) -> None:
    """When pyshacl-turbo cannot be imported, pyshacl validates, and one line says so (once)."""
    import builtins

    real_import = builtins.__import__

    def no_turbo(name: str, *args: Any, **kwargs: Any) -> Any:
        if name == "pyshacl_turbo":
            raise ImportError("No module named 'pyshacl_turbo'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_turbo)
    monkeypatch.setattr(shacl_engine, "_turbo_module", None)
    monkeypatch.setattr(shacl_engine, "_turbo_missing", None)
    monkeypatch.delenv(shacl_engine.ENGINE_VARIABLE, raising=False)
    broken_graph = break_constraint(seed_graph(),
                                    next(c for c in CONSTRAINTS if c.id == "CaseNumberFormat/pattern"))
    with caplog.at_level(logging.WARNING, logger="kg.shacl_engine"):
        assert shacl_engine.engine_in_use() == "pyshacl"
        first, second = validate_graph(broken_graph), validate_graph(seed_graph())
    assert [p.constraint for p in first.problems] == ["case number format"] and not first.conforms
    assert second.conforms and second.problems == []
    lines = [r.getMessage() for r in caplog.records if r.name == "kg.shacl_engine"]
    assert len(lines) == 1 and "pyshacl-turbo cannot be imported" in lines[0]
    assert "\n" not in lines[0]


def test_a_turbo_failure_falls_back_to_pyshacl(monkeypatch: pytest.MonkeyPatch,
                                               caplog: pytest.LogCaptureFixture) -> None:
    """pyshacl-turbo failing on a graph does not fail the validation: pyshacl gives the report."""
    def fail(data: Graph, shapes: Graph) -> tuple[bool, Graph]:
        raise RuntimeError("native engine stopped\nwith two lines")

    monkeypatch.setattr(shacl_engine, "_run_turbo", fail)
    with caplog.at_level(logging.WARNING, logger="kg.shacl_engine"):
        report = validate_graph(seed_graph(), engine="turbo")
    assert report.conforms and report.problems == []
    (warning,) = [r.getMessage() for r in caplog.records if r.name == "kg.shacl_engine"]
    assert "native engine stopped with two lines" in warning and "pyshacl" in warning
