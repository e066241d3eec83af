"""SHACL validation of a letter's graph (no inference) and its report as data and as words.

The engine is pyshacl-turbo by default, pyshacl (the reference) on request: ``engine="pyshacl"`` or
KG_SHACL_ENGINE=pyshacl. A graph pyshacl-turbo finds not conforming gets pyshacl's report, as does one
with an ill-typed literal: the cases where the engines were found to differ (see kg/shacl_engine.py).
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from rdflib import RDF, RDFS, BNode, Graph, Literal, URIRef, plugin
from rdflib.collection import Collection
from rdflib.namespace import SH
from rdflib.plugins.sparql.algebra import translateQuery
from rdflib.plugins.sparql.evaluate import evalQuery
from rdflib.plugins.sparql.parser import parseQuery
from rdflib.plugins.sparql.processor import SPARQLProcessor
from rdflib.plugins.sparql.sparql import Query
from rdflib.query import Processor
from rdflib.term import Identifier, Node

from kg.errors import ValidationFailure
from kg.namespaces import IMR, bind_prefixes
from kg.paths import SHAPES_DIR
from kg.shacl_engine import ENGINES, engine_in_use, run, run_ntriples

SHAPES_FILE = SHAPES_DIR / "imr.shapes.ttl"


@dataclass(frozen=True)
class Problem:
    """One SHACL result, in the words a data steward reads."""

    severity: str  # "Violation" | "Warning" | "Info"
    focus: str
    path: str | None
    value: str | None
    constraint: str  # the shape or constraint component that failed
    message: str


@dataclass
class Report:
    """The outcome of validating one graph: whether it conforms, the report graph and its problems."""

    conforms: bool
    graph: Graph
    problems: list[Problem] = field(default_factory=list)

    @property
    def violations(self) -> list[Problem]:
        """Problems of severity Violation."""
        return [p for p in self.problems if p.severity == "Violation"]

    def text(self, case_number: str | None = None) -> str:
        """One line per problem: case, field, what is wrong."""
        if not self.problems:
            return f"{case_number or 'graph'}: conforms"
        return "\n".join(f"{case_number or 'graph'}: {p.severity.lower()}: "
                         f"{_field(p.path) or 'record'}: {p.message}" for p in self.problems)


@lru_cache(maxsize=512)
def _prepared(query: str, base: str | None, namespaces: tuple[tuple[str, str], ...]) -> Query:
    return translateQuery(parseQuery(query), base, dict(namespaces) if namespaces else None)


class PreparedQueryProcessor(SPARQLProcessor):
    """rdflib's SPARQL processor, but each query text is parsed once, not at every call.

    pyshacl runs every SHACL-SPARQL constraint as query text once per focus node, and rdflib parses
    text at each call; parsing was three quarters of a letter's validation time. Prepared queries
    are rdflib's own reusable form, so the answers are the same.
    """

    # Same signature as SPARQLProcessor.query, which adds ``base`` before ``DEBUG`` and so is itself
    # marked as an incompatible override of rdflib's Processor interface.
    def query(  # type: ignore[override]  # rdflib's Processor/SPARQLProcessor signatures differ
        self,
        strOrQuery: str | Query,
        initBindings: Mapping[str, Identifier] | None = None,
        initNs: Mapping[str, Any] | None = None,
        base: str | None = None,
        DEBUG: bool = False,
    ) -> Mapping[str, Any]:
        if isinstance(strOrQuery, str):
            strOrQuery = _prepared(strOrQuery, base, tuple(sorted((initNs or {}).items())))
        return evalQuery(self.graph, strOrQuery, initBindings or {}, base)


plugin.register("sparql", Processor, "kg.validate", "PreparedQueryProcessor")


@lru_cache(maxsize=1)
def shapes_graph() -> Graph:
    """The project's SHACL shapes (shapes/imr.shapes.ttl), parsed once."""
    if not SHAPES_FILE.exists():
        raise ValidationFailure(f"{SHAPES_FILE}: shapes file missing")
    return Graph().parse(SHAPES_FILE)


def validate_graph(data: Graph, report_iri: URIRef | None = None, *, engine: str | None = None) -> Report:
    """Validate one letter's graph against the shapes; the report's root node gets ``report_iri``.

    ``engine`` is "turbo" or "pyshacl"; None means $KG_SHACL_ENGINE, else "turbo" (pyshacl when
    pyshacl-turbo cannot be imported).
    """
    name = engine_in_use(engine)  # an unknown name is a ValueError, not a failed validation
    try:
        conforms, results = run(data, shapes_graph(), name)
    except Exception as error:  # the engines raise their own and rdflib errors alike
        raise ValidationFailure(f"SHACL validation could not run: {error}") from error
    return _report(bool(conforms), results, report_iri)


def validate_ntriples(text: str, triples: Iterable[tuple[Node, Node, Node]], report_iri: URIRef | None = None,
                      *, engine: str | None = None) -> Report:
    """:func:`validate_graph` for a letter held as N-Triples ``text`` and the same ``triples`` (what the
    pipeline has): pyshacl-turbo reads the text, and no rdflib Graph is built unless pyshacl must run."""
    name = engine_in_use(engine)
    try:
        conforms, results = run_ntriples(text, triples, shapes_graph(), name)
    except Exception as error:
        raise ValidationFailure(f"SHACL validation could not run: {error}") from error
    return _report(bool(conforms), results, report_iri, prefixes=False)


def _report(conforms: bool, results: Graph, report_iri: URIRef | None, prefixes: bool = True) -> Report:
    """The engine's report graph with the report renamed, constraints named and messages filled in
    (``prefixes``: bind the project's prefixes, for reports that will be shown as Turtle)."""
    graph = Graph(bind_namespaces="none")
    if prefixes:
        bind_prefixes(graph)
    old = next(iter(results.subjects(RDF.type, SH.ValidationReport)), None) if report_iri is not None else None
    for s, p, o in results:
        if old is not None and report_iri is not None:
            s, o = (report_iri if s == old else s), (report_iri if o == old else o)
        graph.add((s, p, o))
    problems = []
    for node in list(graph.objects(None, SH.result)):
        problem = _problem(graph, node)
        graph.add((node, IMR.constraint, Literal(problem.constraint)))
        if graph.value(node, SH.resultMessage) is not None:
            graph.set((node, SH.resultMessage, Literal(problem.message)))  # with its placeholders filled
        problems.append(problem)
    problems.sort(key=lambda p: (p.severity != "Violation", p.focus, p.path or "", p.message))
    return Report(conforms, graph, problems)


def _problem(graph: Graph, node: Node) -> Problem:
    severity = graph.value(node, SH.resultSeverity)
    path = graph.value(node, SH.resultPath)
    value = graph.value(node, SH.value)
    source = graph.value(node, SH.sourceShape)
    component = graph.value(node, SH.sourceConstraintComponent)
    message = graph.value(node, SH.resultMessage)
    label = None
    if source is not None:
        shapes = shapes_graph()
        label = shapes.value(source, RDFS.label) or shapes.value(source, SH.name)
    constraint = str(label or _short(component) or "constraint")
    focus = graph.value(node, SH.focusNode)
    path_text = _path_text(graph, path)
    return Problem(
        severity=_short(severity) or "Violation",
        focus=str(focus),
        path=path_text,
        value=str(value) if value is not None else None,
        constraint=constraint,
        message=_fill(str(message), focus, path_text, value) if message else f"fails {constraint}",
    )


_PLACEHOLDER = re.compile(r"\{[?$](this|path|value)\}")


def _fill(message: str, focus: object, path: str | None, value: object) -> str:
    """Fill {$this}, {$path} and {$value} in a message: pyshacl fills placeholders only for SHACL-SPARQL."""
    values = {"this": focus, "path": path, "value": value}

    def fill(match: re.Match[str]) -> str:
        found = values[match.group(1)]
        return match.group(0) if found is None else str(found)

    return _PLACEHOLDER.sub(fill, message)


def _path_text(graph: Graph, path: object) -> str | None:
    """A result path as text: the property IRI, or the IRIs of a sequence path joined by " / "."""
    if isinstance(path, URIRef):
        return str(path)
    if isinstance(path, BNode) and graph.value(path, RDF.first) is not None:
        steps = list(Collection(graph, path))
        if all(isinstance(step, URIRef) for step in steps):
            return " / ".join(str(step) for step in steps)
    return None


def _field(path: str | None) -> str | None:
    """The local names of a problem's path: "caseNumber", or "injury/dateOfInjury" for a sequence path."""
    if path is None:
        return None
    return "/".join(str(_short(step)) for step in path.split(" / "))


def _short(term: object) -> str | None:
    if term is None:
        return None
    text = str(term)
    for sep in ("#", "/"):
        if sep in text:
            text = text.rsplit(sep, 1)[1]
    return text


__all__ = ["ENGINES", "Problem", "Report", "engine_in_use", "shapes_graph", "validate_graph", "validate_ntriples"]
