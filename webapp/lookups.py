"""What the browsing pages look up in the graph, and the small model of terms they render from.

The look-ups: IRI <-> app path, a resource's own triples (:func:`describe`), what links to it, labels, a named
graph's triples and summary, a letter's validation results, the resources reaching a concept and the case
finder. The model: :class:`Graphlet` (triples indexed both ways, with labels), :class:`Node` and
:class:`Value`, and the triples as rdflib terms and serialised RDF.

Every query here goes through ``webapp.store`` (killable workers, union default graph), with the project's
prefixes declared. IRIs put into query text must pass :func:`valid_iri` first; the one string parameter (a
case-number search) is checked against a strict pattern and escaped as well.
"""
from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache
from urllib.parse import quote, urlencode

from rdflib import BNode, Graph, Literal, URIRef

from kg.namespaces import BASE, PREFIXES, bind_prefixes, sparql_prologue
from kg.ontology_doc import load_ontology_doc, short_name
from kg.rdf.formats import RDF_FORMATS
from webapp import store
from webapp.textmarks import natural_key

Term = dict  # a SPARQL-JSON term: {"type": "uri" | "bnode" | "literal", "value": ..., "datatype"/"xml:lang"}
Triple = tuple[Term, Term, Term]

IRI_PATTERN = re.compile(r'^[^\s<>"{}|\\^`]+$')
#: First path segments under the base that have pages of their own (the ontology is handled apart).
BROWSED = ("case/", "letter/", "vocab/", "rejected/", "graph/")
#: Characters kept as they are when a decoded app path is turned back into an IRI.
_PATH_SAFE = "/:@!$&'()*+,;=-._~%"
LABEL_PROPS = ("http://www.w3.org/2004/02/skos/core#prefLabel", "http://www.w3.org/2000/01/rdf-schema#label")
NOTATION = "http://www.w3.org/2004/02/skos/core#notation"
PREFIX_LINES = sparql_prologue()


def valid_iri(iri: str) -> bool:
    """True for an absolute IRI that is safe to put between ``<`` and ``>`` in a query."""
    return bool(IRI_PATTERN.match(iri)) and re.match(r"^[A-Za-z][A-Za-z0-9+.-]*:", iri) is not None


def iri_for_path(section: str, rest: str) -> str:
    """The IRI an app path names: ``("case", "CM14-0166055")`` -> ``<BASE>case/CM14-0166055``."""
    return f"{BASE}{section}/{quote(rest, safe=_PATH_SAFE)}"


def app_path(iri: str) -> str:
    """Where an IRI's page is on this app: its path under the base, else ``/resource?iri=``."""
    if iri.startswith(BASE):
        rest = iri[len(BASE):]
        if rest == "ontology" or rest.startswith("ontology#"):
            return "/" + rest
        if rest.startswith(BROWSED) and not re.search(r"[#?]", rest):
            return "/" + quote(rest, safe=_PATH_SAFE)
    return "/resource?" + urlencode({"iri": iri})


def expand(name: str) -> str:
    """``imr:request`` -> the full IRI (full IRIs pass through)."""
    prefix, _, local = name.partition(":")
    return PREFIXES[prefix] + local if prefix in PREFIXES and not local.startswith("//") else name


def sparql_string(text: str) -> str:
    """``text`` as a SPARQL string literal."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r")
    return f'"{escaped}"'


def select(body: str, max_rows: int | None = None) -> list[dict[str, Term]]:
    """Rows of a SELECT query (the project's prefixes are declared for it)."""
    return store.select(PREFIX_LINES + body, max_rows)


# ---- descriptions -----------------------------------------------------------------------------------------

def describe(iri: str) -> tuple[list[Triple], list[str]]:
    """The resource's triples in any graph, plus those of the blank nodes it points to (one level deep),
    and the graphs they are in."""
    rows = select(f"""SELECT ?g ?s ?p ?o WHERE {{
      {{ GRAPH ?g {{ <{iri}> ?p ?o }} BIND(<{iri}> AS ?s) }}
      UNION {{ GRAPH ?g {{ <{iri}> ?link ?s . FILTER(isBlank(?s)) ?s ?p ?o }} }} }}""")
    triples: dict[tuple[str, ...], Triple] = {}
    for row in rows:
        triples.setdefault(tuple(repr(sorted(row[n].items())) for n in "spo"), (row["s"], row["p"], row["o"]))
    return list(triples.values()), sorted({r["g"]["value"] for r in rows})


def incoming(iri: str, limit: int = 50) -> tuple[int, list[tuple[str, str]]]:
    """How many triples point at the resource, and the first ``limit`` (subject, predicate) pairs."""
    count = select(f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH ?g {{ ?s ?p <{iri}> }} }}")
    rows = select(f"""SELECT DISTINCT ?s ?p WHERE {{ GRAPH ?g {{ ?s ?p <{iri}> }} FILTER(!isBlank(?s)) }}
                      ORDER BY ?p ?s LIMIT {int(limit)}""")
    return int(count[0]["n"]["value"]), [(r["s"]["value"], r["p"]["value"]) for r in rows]


def graph_triples(graph: str, limit: int | None = None) -> list[Triple]:
    """Every triple of a named graph (up to the row limit)."""
    rows = select(f"SELECT ?s ?p ?o WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}", limit)
    return [(r["s"], r["p"], r["o"]) for r in rows]


def graph_summary(graph: str, limit: int = 200) -> tuple[int, list[str]]:
    """A named graph's triple count and its first ``limit`` IRI subjects (count 0: no such graph)."""
    count = select(f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}")
    rows = select(f"""SELECT DISTINCT ?s WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} FILTER(isIRI(?s)) }}
                      ORDER BY ?s LIMIT {int(limit)}""")
    return int(count[0]["n"]["value"]), [r["s"]["value"] for r in rows]


def graph_of(iri: str, cls: str) -> str | None:
    """The named graph in which ``iri`` is typed ``cls`` (a compact name), or None."""
    rows = select(f"SELECT ?g WHERE {{ GRAPH ?g {{ <{iri}> a {cls} }} }} LIMIT 1")
    return rows[0]["g"]["value"] if rows else None


def labels(iris: Iterable[str]) -> dict[str, str]:
    """Readable labels of IRIs: skos:prefLabel, else rdfs:label (English or untagged first), with the
    skos:notation in front when there is one (ICD-10-CM codes)."""
    wanted = sorted({i for i in iris if valid_iri(i)})
    found: dict[str, dict[str, list[tuple[bool, str]]]] = {}
    for start in range(0, len(wanted), 200):
        values = " ".join(f"<{i}>" for i in wanted[start:start + 200])
        # One VALUES block: with a second one (for the properties) the engine joins the two first and then
        # matches every label of the store, which grows with it.
        rows = select(f"""SELECT ?x ?p ?l WHERE {{ VALUES ?x {{ {values} }} ?x ?p ?l
                           FILTER(?p IN (skos:prefLabel, rdfs:label, skos:notation)) }}""")
        for row in rows:
            english = row["l"].get("xml:lang", "en").startswith("en")
            by_prop = found.setdefault(row["x"]["value"], {})
            by_prop.setdefault(row["p"]["value"], []).append((not english, row["l"]["value"]))
    result = {}
    for iri, by_prop in found.items():
        names = [min(by_prop[p])[1] for p in LABEL_PROPS if p in by_prop]
        notation = min(by_prop[NOTATION])[1] if NOTATION in by_prop else ""
        label = names[0] if names else notation
        result[iri] = f"{notation} {label}" if notation and names and notation not in label else label
    return result


def validation_results(graph: str) -> tuple[bool | None, list[dict[str, str]]]:
    """Whether the report in a validation graph conforms (None: no report), and its results worst first."""
    conforms = select(f"SELECT ?c WHERE {{ GRAPH <{graph}> {{ [] sh:conforms ?c }} }}")
    rows = select(f"""SELECT ?result ?severity ?message ?constraint ?focus ?path ?value WHERE {{
      GRAPH <{graph}> {{ ?report sh:result ?result . ?result sh:resultSeverity ?severity .
        OPTIONAL {{ ?result sh:resultMessage ?message }} OPTIONAL {{ ?result imr:constraint ?constraint }}
        OPTIONAL {{ ?result sh:focusNode ?focus }} OPTIONAL {{ ?result sh:resultPath ?path }}
        OPTIONAL {{ ?result sh:value ?value }} }} }}""")
    results: dict[str, dict[str, str]] = {}
    for row in rows:
        entry = results.setdefault(row["result"]["value"], {})
        for name in ("severity", "message", "constraint", "focus", "path", "value"):
            if name in row and name not in entry:
                entry[name] = row[name]["value"]
                entry[name + "_kind"] = row[name]["type"]
    order = {"Violation": 0, "Warning": 1, "Info": 2}
    listed = sorted(results.values(), key=lambda r: (order.get(r["severity"].rsplit("#", 1)[-1], 3),
                                                     r.get("constraint", ""), r.get("message", "")))
    return (conforms[0]["c"]["value"] == "true" if conforms else None), listed


def referrers(concept: str, path: str, cls: str, limit: int = 50,
              most: int = 1000) -> tuple[int, list[dict[str, Term]]]:
    """Resources of class ``cls`` reaching ``concept`` through the property path ``path`` (trusted text):
    how many (counted up to ``most`` and one more: past it the count says "more than") and ``limit`` of them,
    with their label, case number and outcome where they have them.

    A path ending in ``skos:broader*`` is looked up from the concept's side: the concept and those under it
    first (a few, from the vocabulary), then the resources naming one of them, so that the time taken follows
    the resources found, not all the resources of the class."""
    if path.endswith("/skos:broader*"):
        under = [r["t"]["value"] for r in select(f"SELECT DISTINCT ?t WHERE {{ ?t skos:broader* <{concept}> }}")]
        under = [iri for iri in under if valid_iri(iri)] or [concept]
        values = " ".join(f"<{iri}>" for iri in under)
        where = f"VALUES ?t {{ {values} }} ?x {path.removesuffix('/skos:broader*')} ?t . ?x a {cls} ."
    else:
        where = f"?x a {cls} ; {path} <{concept}> ."
    count = select(f"SELECT (COUNT(*) AS ?n) WHERE {{ SELECT DISTINCT ?x WHERE {{ {where} }} LIMIT {int(most) + 1} }}")
    rows = select(f"""SELECT ?x (SAMPLE(?l) AS ?label) (SAMPLE(COALESCE(?own, ?parent)) AS ?number)
        (SAMPLE(?out) AS ?outcome) WHERE {{ {{ SELECT DISTINCT ?x WHERE {{ {where} }} LIMIT {int(limit)} }}
        OPTIONAL {{ ?x rdfs:label ?l }} OPTIONAL {{ ?x imr:outcome ?out }}
        OPTIONAL {{ ?x imr:caseNumber ?own }}
        OPTIONAL {{ ?c imr:disputedItem|imr:diagnosis|imr:priorTreatment ?x . ?c imr:caseNumber ?parent }} }}
      GROUP BY ?x ORDER BY ?number ?x""")
    return int(count[0]["n"]["value"]), rows


def narrower(iri: str, limit: int = 200) -> list[str]:
    """The concepts whose skos:broader is ``iri``."""
    rows = select(f"SELECT DISTINCT ?n WHERE {{ ?n skos:broader <{iri}> }} ORDER BY ?n LIMIT {int(limit)}")
    return [r["n"]["value"] for r in rows]


def find_cases(fragment: str, limit: int = 100) -> list[tuple[str, str]]:
    """(case IRI, case number) of the cases whose number contains ``fragment`` (letters, digits, '-')."""
    if not re.fullmatch(r"[A-Za-z0-9-]{0,40}", fragment):
        return []
    from webapp.store import item_index

    index = item_index()
    if index is not None:  # the index lists case numbers without reading every letter
        with index:
            return index.find_cases(fragment, limit)
    rows = select(f"""SELECT DISTINCT ?c ?n WHERE {{ ?c a imr:Case ; imr:caseNumber ?n .
      FILTER(CONTAINS(UCASE(STR(?n)), {sparql_string(fragment.upper())})) }}
      ORDER BY ?n LIMIT {int(limit)}""")
    return [(r["c"]["value"], r["n"]["value"]) for r in rows]


# ---- the graph a page renders from ------------------------------------------------------------------------

class Graphlet:
    """Triples indexed by subject and by object, with labels for the IRIs they name: what a page reads."""

    def __init__(self, triples: Iterable[Triple], names: dict[str, str] | None = None) -> None:
        self.out: dict[str, dict[str, list[Term]]] = {}
        self.into: dict[str, dict[str, list[str]]] = {}
        for s, p, o in triples:
            self.out.setdefault(s["value"], {}).setdefault(p["value"], []).append(o)
            if o["type"] != "literal":
                self.into.setdefault(o["value"], {}).setdefault(p["value"], []).append(s["value"])
        self.names = dict(names or {})

    def node(self, iri: str) -> Node:
        """The node ``iri`` (or a blank node's id)."""
        return Node(self, iri)

    def mentioned(self) -> set[str]:
        """Every IRI used as an object."""
        return {o["value"] for props in self.out.values() for objects in props.values() for o in objects
                if o["type"] == "uri"}

    def label(self, iri: str) -> str:
        """A readable name: a looked-up label, a label in these triples, else the compact IRI."""
        if iri in self.names:
            return self.names[iri]
        for prop in LABEL_PROPS:
            for value in self.out.get(iri, {}).get(prop, []):
                return value["value"]
        return short_name(iri)


class Node:
    """One subject of a :class:`Graphlet`, read by compact property name: ``node.text("imr:request")``."""

    def __init__(self, graphlet: Graphlet, iri: str) -> None:
        self.graphlet, self.iri = graphlet, iri

    @property
    def href(self) -> str:
        return app_path(self.iri)

    @property
    def label(self) -> str:
        return self.graphlet.label(self.iri)

    @property
    def exists(self) -> bool:
        return self.iri in self.graphlet.out

    def values(self, prop: str) -> list[Value]:
        """The values of a property, IRIs by label and literals by text (numbers in number order)."""
        found = [Value(self.graphlet, t) for t in self.graphlet.out.get(self.iri, {}).get(expand(prop), [])]
        numbered = all(v.is_iri and v.iri[-1:].isdigit() for v in found)
        return sorted(found, key=lambda v: natural_key(v.iri if numbered else v.label))

    def one(self, prop: str) -> Value | None:
        found = self.values(prop)
        return found[0] if found else None

    def text(self, prop: str) -> str:
        value = self.one(prop)
        return value.text if value else ""

    def nodes(self, prop: str) -> list[Node]:
        """The nodes a property points to."""
        return [Node(self.graphlet, v.iri) for v in self.values(prop) if not v.is_literal]

    def subjects(self, prop: str) -> list[Node]:
        """The nodes that point here with ``prop``."""
        found = self.graphlet.into.get(self.iri, {}).get(expand(prop), [])
        return [Node(self.graphlet, s) for s in sorted(set(found), key=natural_key)]

    def rows(self) -> list[tuple[str, str, list[Value]]]:
        """(predicate IRI, predicate label, values) for every property, type and labels first."""
        props = self.graphlet.out.get(self.iri, {})
        first = [expand("rdf:type"), *LABEL_PROPS]
        order = sorted(props, key=lambda p: (first.index(p) if p in first else len(first),
                                             predicate_label(p).lower()))
        return [(p, predicate_label(p), self.values(p)) for p in order]


class Value:
    """One object term: an IRI (linked, with a label), a blank node (with its own rows) or a literal."""

    def __init__(self, graphlet: Graphlet, term: Term) -> None:
        self.graphlet, self.term = graphlet, term
        self.is_iri, self.is_bnode, self.is_literal = (term["type"] == k for k in ("uri", "bnode", "literal"))
        self.iri = self.text = term["value"]
        self.language = term.get("xml:lang", "")
        self.datatype = short_name(term["datatype"]) if "datatype" in term else ""

    @property
    def href(self) -> str:
        return app_path(self.iri) if self.is_iri else ""

    @property
    def label(self) -> str:
        return self.graphlet.label(self.iri) if self.is_iri else self.text

    @property
    def node(self) -> Node:
        return Node(self.graphlet, self.iri)


# ---- RDF ---------------------------------------------------------------------------------------------------

def to_rdflib(term: Term) -> URIRef | BNode | Literal:
    """A SPARQL-JSON term as an rdflib term."""
    if term["type"] == "uri":
        return URIRef(term["value"])
    if term["type"] == "bnode":
        return BNode(term["value"])
    if "xml:lang" in term:
        return Literal(term["value"], lang=term["xml:lang"])
    return Literal(term["value"], datatype=URIRef(term["datatype"]) if "datatype" in term else None)


def rdf_graph(triples: Iterable[Triple]) -> Graph:
    """The triples as an rdflib graph with the project's prefixes bound."""
    graph = bind_prefixes(Graph())
    for s, p, o in triples:
        graph.add((to_rdflib(s), to_rdflib(p), to_rdflib(o)))  # type: ignore[arg-type]
    return graph


def serialize(graph: Graph, fmt: str) -> bytes:
    """``graph`` in the format named ``fmt`` in :data:`kg.rdf.formats.RDF_FORMATS` (JSON-LD compacted with the
    project's prefixes)."""
    name = RDF_FORMATS[fmt].rdflib
    if fmt == "jsonld":
        return graph.serialize(format=name, context=dict(PREFIXES), auto_compact=True).encode("utf-8")
    return graph.serialize(format=name).encode("utf-8")


@lru_cache(maxsize=1)
def _ontology_labels() -> dict[str, str]:
    return {term.iri: term.label for term in load_ontology_doc().terms}


def predicate_label(iri: str) -> str:
    """The ontology's label of an ``imr:`` property, else its compact name."""
    return _ontology_labels().get(iri) or short_name(iri)
