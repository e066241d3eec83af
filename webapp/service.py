"""The SPARQL 1.1 Service Description returned by GET /sparql without a query.

Besides what SPARQL 1.1 Service Description has words for (languages, result formats, the union default
graph), it lists the prefixes the endpoint predeclares, with the SHACL vocabulary for prefix declarations: the
service ``sh:declare``s one ``sh:PrefixDeclaration`` per prefix, each with its ``sh:prefix`` and
``sh:namespace`` (an ``xsd:anyURI``), and an ``rdfs:comment`` says what they mean here.
"""
from __future__ import annotations

from rdflib import RDF, RDFS, SH, XSD, BNode, Graph, Literal, Namespace, URIRef

from kg.namespaces import PREFIXES

SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
FORMATS = Namespace("http://www.w3.org/ns/formats/")
PREDECLARED_NOTE = ("Queries and updates sent to this endpoint may use the prefixes it declares (sh:declare) "
                    "without PREFIX lines: they are predeclared. A PREFIX line in the text still wins.")


def service_description(endpoint: str, updates: bool) -> Graph:
    """What the endpoint supports: languages, result formats, the union default graph, predeclared prefixes."""
    graph = Graph()
    graph.bind("sd", SD)
    graph.bind("formats", FORMATS)
    graph.bind("sh", SH)
    service = URIRef(endpoint)
    graph.add((service, RDF.type, SD.Service))
    graph.add((service, SD.endpoint, service))
    graph.add((service, SD.supportedLanguage, SD.SPARQL11Query))
    if updates:
        graph.add((service, SD.supportedLanguage, SD.SPARQL11Update))
    for fmt in ("SPARQL_Results_JSON", "SPARQL_Results_XML", "SPARQL_Results_CSV", "SPARQL_Results_TSV", "Turtle",
                "N-Triples", "JSON-LD", "RDF_XML"):
        graph.add((service, SD.resultFormat, FORMATS[fmt]))
    graph.add((service, SD.feature, SD.UnionDefaultGraph))
    dataset = BNode()
    graph.add((service, SD.defaultDataset, dataset))
    graph.add((dataset, RDF.type, SD.Dataset))
    default = BNode()
    graph.add((dataset, SD.defaultGraph, default))
    graph.add((default, RDF.type, SD.Graph))
    graph.add((service, URIRef("http://purl.org/dc/terms/description"),
               Literal("SPARQL endpoint of imr-kg: California IMR determination letters as a knowledge graph.")))
    _declare_prefixes(graph, service)
    return graph


def _declare_prefixes(graph: Graph, service: URIRef) -> None:
    """The predeclared prefixes as SHACL prefix declarations of the service, with a comment saying so."""
    graph.add((service, RDFS.comment, Literal(PREDECLARED_NOTE, lang="en")))
    for prefix, namespace in PREFIXES.items():
        declaration = BNode()
        graph.add((service, SH.declare, declaration))
        graph.add((declaration, RDF.type, SH.PrefixDeclaration))
        graph.add((declaration, SH.prefix, Literal(prefix)))
        graph.add((declaration, SH.namespace, Literal(namespace, datatype=XSD.anyURI)))
