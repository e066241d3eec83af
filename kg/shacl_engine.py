"""The SHACL engines kg.validate can run, with the same shapes and options: pyshacl-turbo and pyshacl.

``turbo`` (the default) runs pyshacl-turbo, a native engine with pyshacl's API, about ten times faster;
``pyshacl`` runs only pyshacl, the reference. Choose with the ``engine`` argument or the
``KG_SHACL_ENGINE`` environment variable. When pyshacl-turbo is not installed or cannot be imported, or
fails on a graph, pyshacl runs instead and a one-line warning says so.

The two engines give the same report graph for every extracted letter and for a graph breaking each
constraint of shapes/imr.shapes.ttl (tests/test_validate_engines.py). They differ on malformed values,
which a datatype or range constraint already reports in at least one of them, because rdflib is lenient
where the SPARQL and XSD specifications are strict: an ill-formed typed literal such as
"2014-02-30"^^xsd:date or "-1x"^^xsd:decimal is compared by its text (pyshacl then also reports a
date-order or quantity rule), a number with spaces around it (" 5"^^xsd:integer) is read as a number,
SUBSTR with a start below 1 (a span with a negative start offset) is a Python slice, and a literal rdflib
rewrote ("-1x"^^xsd:boolean kept as "false", marked ill-typed) is reported by pyshacl only. So ``turbo``
hands a graph to pyshacl, and returns pyshacl's report, whenever pyshacl-turbo finds it not conforming,
and without running pyshacl-turbo when the graph holds a literal rdflib marks ill-typed: every difference
found then gets pyshacl's report, and the conforming letters, nearly all of them, pyshacl-turbo's (the
same report).

Both engines run with the options kg.validate has always used: no inference, SHACL Advanced Features
(SHACL-SPARQL), warnings not counted against conformance.
"""
from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterable
from typing import Any

from rdflib import Graph, Literal
from rdflib.term import Node

ENGINES = ("turbo", "pyshacl")
DEFAULT_ENGINE = "turbo"
ENGINE_VARIABLE = "KG_SHACL_ENGINE"

_log = logging.getLogger(__name__)
_compiled: dict[int, tuple[Graph, Any]] = {}  # id(shapes graph) -> (the graph, its compiled program)
_turbo_module: Any = None
_turbo_missing: str | None = None


def requested_engine(engine: str | None = None) -> str:
    """The engine asked for: ``engine``, else $KG_SHACL_ENGINE, else "turbo" (names are case-insensitive)."""
    name = (engine or os.environ.get(ENGINE_VARIABLE) or DEFAULT_ENGINE).strip().lower()
    if name not in ENGINES:
        raise ValueError(f"unknown SHACL engine {name!r}: choose one of {', '.join(ENGINES)} "
                         f"(argument engine= or ${ENGINE_VARIABLE})")
    return name


def engine_in_use(engine: str | None = None) -> str:
    """The engine that will run: the requested one, or pyshacl when pyshacl-turbo cannot be imported."""
    name = requested_engine(engine)
    if name == "turbo" and _turbo() is None:
        return "pyshacl"
    return name


def run(data: Graph, shapes: Graph, engine: str | None = None) -> tuple[bool, Graph]:
    """Validate ``data`` against ``shapes``: (conforms, the SHACL report graph). Errors propagate.

    With "turbo", pyshacl-turbo's report is kept when the graph conforms; a graph that does not, or that
    holds an ill-typed literal, gets pyshacl's report (see the module's description).
    """
    return _decide(data, lambda: data, data, shapes, engine)


def run_ntriples(text: str, triples: Iterable[tuple[Node, Node, Node]], shapes: Graph,
                 engine: str | None = None) -> tuple[bool, Graph]:
    """:func:`run` for a graph held as N-Triples ``text`` and as the same ``triples``.

    pyshacl-turbo reads the text itself, with no rdflib Graph built; an rdflib Graph is made from
    ``triples`` only when pyshacl has to decide (as in :func:`run`).
    """
    from pyshacl_turbo.rdf import Input

    triples = list(triples)

    def graph() -> Graph:
        built = Graph()
        for triple in triples:
            built.add(triple)
        return built

    return _decide(Input(text, "nt", None, {}, {}) if _turbo() is not None else None, graph, triples, shapes, engine)


def _decide(turbo_input: Any, graph: Callable[[], Graph], triples: Iterable[tuple[Node, Node, Node]],
            shapes: Graph, engine: str | None) -> tuple[bool, Graph]:
    """pyshacl-turbo on ``turbo_input`` when it is the engine and the triples hold no ill-typed literal, its
    report kept when the data conforms; otherwise pyshacl on ``graph()``."""
    if engine_in_use(engine) == "turbo" and not has_ill_typed_literal(triples):
        try:
            conforms, report = _run_turbo(turbo_input, shapes)
        except Exception as error:  # a native failure on one graph: the reference engine decides
            _log.warning("pyshacl-turbo failed (%s); validating this graph with pyshacl",
                         " ".join(str(error).split())[:200])
        else:
            if conforms:
                return conforms, report
    return _run_pyshacl(graph(), shapes)


def has_ill_typed_literal(data: Iterable[tuple[Node, Node, Node]]) -> bool:
    """True when a literal's text is not a value of its datatype for rdflib ("2014-02-30"^^xsd:date)."""
    return any(isinstance(o, Literal) and o.ill_typed for _, _, o in data)


def _run_pyshacl(data: Graph, shapes: Graph) -> tuple[bool, Graph]:
    from pyshacl import validate  # imported on first use: `kg` commands that do not validate stay light

    conforms, report, _ = validate(data, shacl_graph=shapes, inference="none", advanced=True,
                                   allow_warnings=True)
    return bool(conforms), report


def _run_turbo(data: Any, shapes: Graph) -> tuple[bool, Graph]:
    conforms, report, _ = _program(shapes).validate(data, inference="none", allow_warnings=True)
    if not isinstance(report, Graph):
        raise TypeError(f"pyshacl-turbo returned a {type(report).__name__}, not a report graph")
    return bool(conforms), report


def _program(shapes: Graph) -> Any:
    """The shapes compiled once per shapes graph (pyshacl_turbo.validate would read them again each call)."""
    entry = _compiled.get(id(shapes))
    if entry is None or entry[0] is not shapes:
        turbo = _turbo()
        if turbo is None:
            raise ImportError(_turbo_missing)
        entry = (shapes, turbo.compile_shapes(shapes, advanced=True))
        _compiled[id(shapes)] = entry
    return entry[1]


def _turbo() -> Any:
    """The pyshacl_turbo module, or None (with one warning per process) when it cannot be imported."""
    global _turbo_module, _turbo_missing
    if _turbo_module is None and _turbo_missing is None:
        try:
            import pyshacl_turbo
        except Exception as error:  # missing, or a native library that does not load on this machine
            _turbo_missing = f"{type(error).__name__}: {error}"
            _log.warning("pyshacl-turbo cannot be imported (%s); SHACL validation uses pyshacl",
                         _turbo_missing)
        else:
            _turbo_module = pyshacl_turbo
    return _turbo_module


__all__ = ["DEFAULT_ENGINE", "ENGINES", "ENGINE_VARIABLE", "engine_in_use", "has_ill_typed_literal",
           "requested_engine", "run", "run_ntriples"]
