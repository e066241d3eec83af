"""Graph pages: the neighbourhood explorer (/graph and its JSON, /api/neighbourhood) and the co-request and
co-citation networks (/network and /network.json), drawn in the browser with Cytoscape.js and its fCoSE
layout (static/graphview.js, which also holds the one palette and legend table every drawing uses).

Every query goes through webapp.store (killable workers); an IRI is checked before it is put in a query.
"""
from __future__ import annotations

import hashlib
import re
from collections import defaultdict
from typing import Any
from urllib.parse import unquote

from flask import Blueprint, Response, abort, jsonify, render_template, request, url_for

from kg import analytics
from kg.namespaces import BASE, PREFIXES, sparql_prologue
from webapp.store import select, select_values, writable_item_index
from webapp.workbench import VENDOR_FILES, vendor_ready, vendor_url

bp = Blueprint("graphview", __name__)

CYTOSCAPE = "cytoscape/dist/cytoscape.min.js"
#: The fCoSE layout extension and what it is built on, in the order a page must load them (after Cytoscape.js).
LAYOUT_SCRIPTS: tuple[tuple[str, str], ...] = (
    ("layout-base/layout-base.js", "layout-base"),
    ("cose-base/cose-base.js", "cose-base"),
    ("cytoscape-fcose/cytoscape-fcose.js", "cytoscape-fcose"),
)
assert all(name in VENDOR_FILES for name, _ in LAYOUT_SCRIPTS)  # served under /vendor/ like the other libraries
LAYOUT_FILES = tuple(name for name, _ in LAYOUT_SCRIPTS)
#: An absolute IRI with none of the characters SPARQL forbids inside <...> (so it is safe to put there).
IRI_PATTERN = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*:[^\s<>\"{}|\\^`\x00-\x20]+")
MAX_IRI_CHARS = 2000
EDGE_LIMIT = 150
MAX_EDGE_LIMIT = 500
LABEL_CHARS = 200
READABLE_CHARS = 40
MAX_LABEL_IRIS = 600
VALUE_CHARS = 1000
ANALYTICS_MAX_ROWS = 500_000

RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
IMR = PREFIXES["imr"]
SKOS = PREFIXES["skos"]
RDFS_LABEL = PREFIXES["rdfs"] + "label"
#: Where a resource's IRI continues with the case (or letter) number, then the path of a part of it.
NUMBERED_BASES = (BASE + "case/", BASE + "letter/")
#: rdf:type -> the class name the pages style by; the first type found in this order wins.
CLASSES: tuple[tuple[str, str], ...] = (
    (IMR + "TextSpan", "span"), (IMR + "Case", "case"), (IMR + "DisputedItem", "item"),
    (IMR + "GuidelineCitation", "citation"), (IMR + "Diagnosis", "diagnosis"), (IMR + "PriorTreatment", "prior"),
    (IMR + "Treatment", "treatment"), (IMR + "TreatmentCategory", "category"), (IMR + "BodyRegion", "region"),
    (IMR + "GuidelineChapter", "guideline"), (IMR + "Guideline", "guideline"), (IMR + "Outcome", "outcome"),
    (IMR + "Specialty", "specialty"), (IMR + "Letter", "letter"), (IMR + "RejectedLetter", "letter"),
    (IMR + "Injury", "fact"), (IMR + "UtilizationReview", "fact"), (IMR + "Laterality", "concept"),
    (IMR + "Priority", "concept"), (IMR + "CitationRole", "concept"), (IMR + "FieldSource", "source"),
    (SKOS + "Concept", "code"),
    (PREFIXES["sh"] + "ValidationReport", "report"), (PREFIXES["sh"] + "ValidationResult", "report"),
)
_INFO = ("type", "prefLabel", "notation", "caseNumber", "itemNumber", "treatmentLabel", "label", "exactText",
         "identifier", "fieldName")
_INFO_PROPERTIES = {RDF_TYPE: "type", SKOS + "prefLabel": "prefLabel", SKOS + "notation": "notation",
                    IMR + "caseNumber": "caseNumber", IMR + "itemNumber": "itemNumber",
                    IMR + "treatmentLabel": "treatmentLabel", RDFS_LABEL: "label", IMR + "exactText": "exactText",
                    PREFIXES["dcterms"] + "identifier": "identifier", IMR + "fieldName": "fieldName"}
#: What the network page says of each projection: its title, what a line means, the words of its columns.
NETWORKS: dict[str, dict[str, Any]] = {
    "treatments": {
        "title": "Treatments most often requested together",
        "description": "Two treatments are linked when they were requested in the same case.",
        "things": "treatments",
        "together": "Requested together in … cases",
        "also": ("items", "Disputed items asking for either"),
        "links_to": "How many other treatments it was requested with.",
        "strength": "The cases it shares with each of those treatments, added up: how often it comes with "
                    "others.",
        "line": "Line: requested in the same case (thicker: in more cases)",
        "size": "Circle size: how often it was requested together with others",
    },
    "guidelines": {
        "title": "Guidelines most often cited together",
        "description": "Two guidelines (with chapter or topic) are linked when the IMR reviewer cited both for "
                       "the same disputed item.",
        "things": "guidelines",
        "together": "Cited together for … disputed items",
        "also": ("cases", "In … cases"),
        "links_to": "How many other guidelines were cited with it.",
        "strength": "The disputed items it shares with each of those guidelines, added up: how often it is "
                    "cited with others.",
        "line": "Line: cited for the same disputed item (thicker: for more items)",
        "size": "Circle size: how often it was cited together with others",
    },
}


def compact(iri: str) -> str:
    """An IRI written short: the ``imr:`` terms by their local name, others as prefix:name."""
    if iri.startswith(IMR):
        return iri[len(IMR):]
    best = max((ns for ns in PREFIXES.values() if iri.startswith(ns) and len(iri) > len(ns)), key=len,
               default="")
    if not best:
        return iri
    return next(p for p, ns in PREFIXES.items() if ns == best) + ":" + iri[len(best):]


def checked_iri(value: str | None) -> str:
    """The ``iri`` parameter when it is an absolute IRI safe to query with; else 400."""
    if not value:
        abort(400, "Give the IRI of a resource, e.g. ?iri=https://w3id.org/imr-kg/case/CM14-0166055")
    if len(value) > MAX_IRI_CHARS or not IRI_PATTERN.fullmatch(value):
        abort(400, f"Not an absolute IRI: {value[:200]!r}")
    return value


def _short(text: str, limit: int = LABEL_CHARS) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _words(segments: list[str]) -> str:
    """Path segments as words: "prior-treatment", "7" -> "prior treatment 7"."""
    text = " ".join(unquote(part).replace("-", " ").replace("_", " ") for part in segments if part)
    return _short(text, READABLE_CHARS)


def readable_name(iri: str) -> str:
    """A short name made from an IRI when the graph gives it no label: never the IRI itself.

    A part of a case or letter is named by the path after the number (".../case/CM14-0166055/prior-treatment/7"
    -> "prior treatment 7"), the case or letter by its number, anything else by its last segment (with the one
    before it when the last is only a number).
    """
    for base in NUMBERED_BASES:
        if iri.startswith(base):
            number, *rest = iri[len(base):].split("/")
            return _words(rest) if any(rest) else _short(unquote(number), READABLE_CHARS)
    segments = [part for part in re.split(r"[/#]", iri.split("?")[0]) if part]
    if not segments:
        return _short(iri, READABLE_CHARS)
    tail = segments[-2:] if segments[-1].isdigit() and len(segments) > 2 else segments[-1:]
    return _words(tail) or _short(iri, READABLE_CHARS)


def _label(iri: str, info: dict[str, list[str]], cls: str) -> str:
    first = {key: values[0] for key, values in info.items() if values}
    if cls == "item" and "itemNumber" in first and "treatmentLabel" in first:
        return f"Item {first['itemNumber']}: {first['treatmentLabel']}"
    if "caseNumber" in first:
        return first["caseNumber"]
    if "notation" in first and "prefLabel" in first:
        return f"{first['notation']} {first['prefLabel']}"
    for key in ("prefLabel", "label", "identifier"):
        if key in first:
            return _short(first[key])
    if "exactText" in first:
        return "“" + _short(first["exactText"], 60) + "”"
    if "fieldName" in first:
        return "source of " + _short(first["fieldName"].replace("_", " "), 60)
    return readable_name(iri)


def describe(iris: list[str]) -> dict[str, dict[str, Any]]:
    """Label, class and types of each IRI that the store says anything about."""
    if not iris:
        return {}
    values = " ".join(f"<{iri}>" for iri in iris)
    properties = ", ".join(f"<{p}>" for p in _INFO_PROPERTIES)
    # One VALUES block (a second one makes the engine match every triple of those properties in the store).
    rows = select_values(f"SELECT ?n ?p ?v WHERE {{ VALUES ?n {{ {values} }} "
                         f"GRAPH ?g {{ ?n ?p ?v }} FILTER(?p IN ({properties})) }}")
    found: dict[str, dict[str, list[str]]] = defaultdict(lambda: {key: [] for key in _INFO})
    for row in rows:
        bucket = found[row["n"]][_INFO_PROPERTIES[row["p"]]]
        if row["v"] not in bucket:
            bucket.append(row["v"])
    described = {}
    for iri, info in found.items():
        types = sorted(info["type"])
        cls = next((name for class_iri, name in CLASSES if class_iri in types), "other")
        described[iri] = {"label": _label(iri, info, cls), "cls": cls, "types": [compact(t) for t in types]}
    return described


def _node(term: dict[str, Any], anchor: str, prop: str, info: dict[str, dict[str, Any]]) -> dict[str, Any]:
    if term["type"] == "uri":
        facts = info.get(term["value"]) or _unknown(term["value"])
        return {"id": term["value"], "iri": term["value"], **facts}
    if term["type"] == "bnode":
        return {"id": "_:" + term["value"], "iri": None, "label": "(blank node)", "cls": "other", "types": []}
    datatype = term.get("datatype", "")
    key = "\n".join((anchor, prop, term["value"], datatype, term.get("xml:lang", "")))
    return {"id": "literal:" + hashlib.sha1(key.encode()).hexdigest()[:20], "iri": None, "cls": "literal",
            "label": _short(term["value"], 60), "value": term["value"][:VALUE_CHARS],
            "datatype": compact(datatype) if datatype else "", "lang": term.get("xml:lang", ""), "types": []}


def _unknown(iri: str) -> dict[str, Any]:
    """What is said of an IRI the store has no label or type for."""
    return {"label": readable_name(iri), "cls": "other", "types": []}


def link_count(iri: str) -> int:
    """How many links (outgoing but rdf:type, and incoming) the resource has: what the explorer caps."""
    rows = select_values(f"SELECT (COUNT(*) AS ?n) WHERE {{ "
                         f"{{ SELECT DISTINCT ?p ?o WHERE {{ GRAPH ?g {{ <{iri}> ?p ?o }} "
                         f"FILTER(?p != <{RDF_TYPE}>) }} }} UNION "
                         f"{{ SELECT DISTINCT ?s ?p WHERE {{ GRAPH ?g {{ ?s ?p <{iri}> }} }} }} }}")
    return int(rows[0]["n"]) if rows else 0


def neighbourhood(iri: str, limit: int = EDGE_LIMIT) -> dict[str, Any] | None:
    """The resource, its outgoing and incoming edges (at most ``limit``) and their ends; None when unknown.

    ``more`` says whether it has more links than ``limit``; ``total`` is how many it has in all.
    """
    outgoing = select(f"SELECT DISTINCT ?p ?o WHERE {{ GRAPH ?g {{ <{iri}> ?p ?o }} FILTER(?p != <{RDF_TYPE}>) }} "
                      f"LIMIT {limit + 1}")
    incoming = select(f"SELECT DISTINCT ?s ?p WHERE {{ GRAPH ?g {{ ?s ?p <{iri}> }} }} LIMIT {limit + 1}")
    ends = [(row["o"], row["p"]["value"], True) for row in outgoing] + \
           [(row["s"], row["p"]["value"], False) for row in incoming]
    more = len(ends) > limit
    ends = ends[:limit]
    iris = [iri] + sorted({term["value"] for term, _, _ in ends if term["type"] == "uri"} - {iri})
    info = describe(iris)
    if not ends and iri not in info:
        return None
    centre = {"id": iri, "iri": iri, **(info.get(iri) or _unknown(iri))}
    nodes: dict[str, dict[str, Any]] = {iri: centre}
    edges: dict[str, dict[str, Any]] = {}
    for term, prop, out in ends:
        node = _node(term, iri, prop, info)
        nodes.setdefault(node["id"], node)
        source, target = (iri, node["id"]) if out else (node["id"], iri)
        edges.setdefault(f"{source} {prop} {target}", {"id": f"{source} {prop} {target}", "source": source,
                                                       "target": target, "label": compact(prop),
                                                       "property": prop})
    return {"iri": iri, "label": centre["label"], "nodes": list(nodes.values()), "edges": list(edges.values()),
            "more": more, "limit": limit, "total": link_count(iri) if more else len(ends)}


def _json_error(status: int, message: str) -> Response:
    response = jsonify(error=message, status=status)
    response.status_code = status
    return response


def _edge_limit() -> int:
    """The ``limit`` parameter held between 1 and MAX_EDGE_LIMIT (EDGE_LIMIT when missing)."""
    limit = request.args.get("limit", type=int) or EDGE_LIMIT
    return max(1, min(limit, MAX_EDGE_LIMIT))


@bp.get("/api/neighbourhood")
def api_neighbourhood() -> Response:
    """JSON {iri, label, nodes: [{id, label, cls, iri, ...}], edges: [{source, target, label}], more, limit,
    total}."""
    iri = checked_iri(request.args.get("iri"))
    found = neighbourhood(iri, _edge_limit())
    if found is None:
        return _json_error(404, f"Nothing in the graph is called {iri}")
    return jsonify(found)


@bp.post("/api/labels")
def api_labels() -> Response:
    """Labels of the IRIs posted as JSON ``{"iris": [...]}`` (at most MAX_LABEL_IRIS): ``{iri: {label, cls,
    types}}``, from the graph's labels, else a readable name made from the IRI. Used to draw query results."""
    body = request.get_json(silent=True)
    iris = body.get("iris") if isinstance(body, dict) else None
    if not isinstance(iris, list) or not all(isinstance(iri, str) for iri in iris):
        return _json_error(400, 'Post JSON like {"iris": ["https://w3id.org/imr-kg/case/CM14-0166055"]}')
    if len(iris) > MAX_LABEL_IRIS:
        return _json_error(400, f"At most {MAX_LABEL_IRIS} IRIs at a time")
    wanted = sorted({iri for iri in iris if len(iri) <= MAX_IRI_CHARS and IRI_PATTERN.fullmatch(iri)})
    known = describe(wanted)
    return jsonify({iri: known.get(iri) or _unknown(iri) for iri in wanted})


@bp.get("/api/graph-scripts")
def api_graph_scripts() -> Response:
    """The URLs of the layout extension's files in load order (none when they are not installed), for pages
    that draw graphs without loading them up front."""
    scripts = [vendor_url(name) for name in LAYOUT_FILES] if vendor_ready(LAYOUT_FILES) else []
    return jsonify(scripts=scripts)


def _drawing_context() -> dict[str, Any]:
    """What every page with a drawing needs: whether Cytoscape.js is installed, the layout files to load."""
    return {"vendor_ok": vendor_ready((CYTOSCAPE,)),
            "layout_scripts": LAYOUT_FILES if vendor_ready(LAYOUT_FILES) else ()}


@bp.get("/graph")
def graph_page() -> str:
    """The neighbourhood explorer around ``?iri=`` (``&limit=`` links at first); without it, a form and some
    cases to start from."""
    raw = request.args.get("iri", "").strip()
    context: dict[str, Any] = {"active_page": "graph", "limit": _edge_limit(), "max_limit": MAX_EDGE_LIMIT,
                               **_drawing_context()}
    if not raw:
        cases = select_values(sparql_prologue("imr") + "SELECT ?case ?number WHERE { "
                              "GRAPH ?g { ?case imr:caseNumber ?number } } ORDER BY ?number LIMIT 50")
        return render_template("graph/view.html", iri="", label="", cases=cases, **context)
    iri = checked_iri(raw)
    info = describe([iri]).get(iri)
    if info is None and not select(f"SELECT ?p WHERE {{ GRAPH ?g {{ ?s ?p <{iri}> }} }} LIMIT 1"):
        abort(404, f"Nothing in the graph is called {iri}")
    label = info["label"] if info else readable_name(iri)
    return render_template("graph/view.html", iri=iri, label=label, cls=info["cls"] if info else "other",
                           cases=[], **context)


def _analytics_select(query: str) -> list[dict[str, str]]:
    return select_values(query, max_rows=ANALYTICS_MAX_ROWS)


@bp.get("/network")
def network_page() -> str:
    """Top pairs, most central nodes and communities of the treatment and guideline projections."""
    sections = []
    index = writable_item_index()
    try:
        for name, words in NETWORKS.items():
            seen = analytics.kept_overview(_analytics_select, name, None, index)
            sections.append({"name": name, **words, **seen,
                             "json_url": url_for("graphview.network_json", projection=name)})
    finally:
        if index is not None:
            index.close()
    return render_template("graph/network.html", active_page="network", sections=sections,
                           **_drawing_context())


@bp.get("/network.json")
def network_json() -> Response:
    """A projection as node-link JSON (``?projection=treatments|guidelines|cases``, optional ``scope``)."""
    name = request.args.get("projection", "treatments")
    scope = request.args.get("scope") or None
    if name not in analytics.PROJECTIONS:
        return _json_error(400, f"Unknown projection {name[:50]!r}; "
                                f"use one of: {', '.join(analytics.PROJECTIONS)}")
    if scope is not None and scope not in analytics.SCOPES:
        return _json_error(400, f"Unknown scope {scope[:50]!r}; use one of: {', '.join(analytics.SCOPES)}")
    return jsonify(analytics.node_link(_projection(name, scope)))


def _projection(name: str, scope: str | None) -> Any:
    """A projection, analysed once per state of the store's item index when it has one."""
    index = writable_item_index()
    if index is None:
        return analytics.projection(_analytics_select, name, scope)
    try:
        return analytics.kept_projection(_analytics_select, name, scope, index)
    finally:
        index.close()
