"""The RDF serialisations the project writes, in one table: each one's name, label, media type, file suffix,
pyoxigraph and rdflib format, and whether it keeps named graphs.

Whatever offers RDF picks its formats from :data:`RDF_FORMATS` by name, and offers its own choice of them:
`kg export` writes the dataset formats and Turtle, the SPARQL endpoint answers CONSTRUCT and DESCRIBE in the
triple formats, and the browsing pages have Turtle, N-Triples and JSON-LD twins.

>>> RDF_FORMATS["turtle"].media_type, RDF_FORMATS["turtle"].suffix, RDF_FORMATS["ntriples"].rdflib
('text/turtle', '.ttl', 'nt')
>>> suffixes(("turtle", "jsonld"))
{'.ttl': 'turtle', '.jsonld': 'jsonld'}
>>> accepted(("turtle", "ntriples"), also={"ntriples": ("text/plain",)})
{'text/turtle': 'turtle', 'application/n-triples': 'ntriples', 'text/plain': 'ntriples'}
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import pyoxigraph as ox


@dataclass(frozen=True)
class Serialisation:
    """One RDF serialisation and what each library and protocol calls it."""

    name: str  # what commands and request parameters call it: "turtle"
    label: str  # for people: "Turtle"
    media_type: str  # "text/turtle"
    suffix: str  # file suffix, with its dot: ".ttl"
    oxigraph: ox.RdfFormat  # pyoxigraph's format
    rdflib: str  # rdflib's name of the format: "turtle"
    keeps_graphs: bool  # True for the dataset formats, which keep the named graphs apart


_OX = ox.RdfFormat

#: Every RDF serialisation the project writes, by name.
RDF_FORMATS: dict[str, Serialisation] = {f.name: f for f in (
    Serialisation("turtle", "Turtle", "text/turtle", ".ttl", _OX.TURTLE, "turtle", False),
    Serialisation("ntriples", "N-Triples", "application/n-triples", ".nt", _OX.N_TRIPLES, "nt", False),
    Serialisation("jsonld", "JSON-LD", "application/ld+json", ".jsonld", _OX.JSON_LD, "json-ld", True),
    Serialisation("rdfxml", "RDF/XML", "application/rdf+xml", ".rdf", _OX.RDF_XML, "xml", False),
    Serialisation("trig", "TriG", "application/trig", ".trig", _OX.TRIG, "trig", True),
    Serialisation("nquads", "N-Quads", "application/n-quads", ".nq", _OX.N_QUADS, "nquads", True),
)}


def suffixes(names: Iterable[str]) -> dict[str, str]:
    """File suffix -> format name, for the formats ``names``."""
    return {RDF_FORMATS[name].suffix: name for name in names}


def accepted(names: Iterable[str], also: Mapping[str, Iterable[str]] | None = None) -> dict[str, str]:
    """Media type -> format name, for content negotiation: each of the formats ``names`` with its own media
    type, followed by the other media types ``also`` gives it, in the order of ``names`` (an Accept header
    that matches several equally gets the first)."""
    table: dict[str, str] = {}
    for name in names:
        table[RDF_FORMATS[name].media_type] = name
        for media_type in (also or {}).get(name, ()):
            table[media_type] = name
    return table
