"""The one table of RDF serialisations (kg.rdf.formats) and the choices built from it."""
from __future__ import annotations

import pyoxigraph as ox
import pytest
from rdflib import Graph, Literal, URIRef

from kg.rdf.formats import RDF_FORMATS, accepted, suffixes

TRIPLE = (URIRef("https://example.org/s"), URIRef("https://example.org/p"), Literal("o"))


@pytest.mark.parametrize("name", sorted(RDF_FORMATS))
def test_row_agrees_with_pyoxigraph(name: str) -> None:
    """Each format's media type and suffix are pyoxigraph's own; the dataset formats keep named graphs."""
    row = RDF_FORMATS[name]
    assert row.name == name
    assert row.media_type == row.oxigraph.media_type
    assert row.suffix == "." + row.oxigraph.file_extension
    assert row.keeps_graphs == row.oxigraph.supports_datasets


@pytest.mark.parametrize("name", sorted(RDF_FORMATS))
def test_rdflib_name_reads_what_pyoxigraph_writes(name: str) -> None:
    """The rdflib name of a format parses what pyoxigraph writes in it."""
    row = RDF_FORMATS[name]
    triple = ox.Triple(ox.NamedNode(str(TRIPLE[0])), ox.NamedNode(str(TRIPLE[1])), ox.Literal(str(TRIPLE[2])))
    text = ox.serialize([ox.Quad(*triple) if row.keeps_graphs else triple], format=row.oxigraph)
    assert text is not None
    graph = Graph()
    graph.parse(data=text.decode("utf-8"), format=row.rdflib)
    assert set(graph) == {TRIPLE}


def test_names_suffixes_and_media_types_are_unique() -> None:
    """No two formats share a suffix or a media type."""
    rows = list(RDF_FORMATS.values())
    assert len({r.suffix for r in rows}) == len({r.media_type for r in rows}) == len(rows)


def test_suffixes_and_accepted_keep_the_order_given() -> None:
    """The look-up tables list the formats in the order asked for, extra media types after each one's own."""
    assert list(suffixes(["jsonld", "turtle"])) == [".jsonld", ".ttl"]
    assert list(accepted(["ntriples", "turtle"], also={"ntriples": ["text/plain"]}).items()) == [
        ("application/n-triples", "ntriples"), ("text/plain", "ntriples"), ("text/turtle", "turtle")]
