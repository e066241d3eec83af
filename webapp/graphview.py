"""Graph pages: the neighbourhood explorer (/graph and its JSON, /api/neighbourhood) and the co-request and
co-citation networks (/network and /network.json), drawn in the browser with Cytoscape.js
(static/graphview.js).

Every query goes through webapp.store (killable workers); an IRI is checked before it is put in a query.
"""
from __future__ import annotations

import hashlib
import re
from collections import defaultdict
from typing import Any

from flask import Blueprint, Response, abort, jsonify, render_template, request, url_for

from kg import analytics
from kg.namespaces import BASE, PREFIXES, sparql_prologue
from webapp.store import select, select_values, writable_item_index
from webapp.workbench import vendor_ready

bp = Blueprint("graphview", __name__)

CYTOSCAPE = "cytoscape/dist/cytoscape.min.js"
#: An absolute IRI with none of the characters SPARQL forbids inside <...> (so it is safe to put there).
IRI_PATTERN = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*:[^\s<>\"{}|\\^`\x00-\x20]+")
MAX_IRI_CHARS = 2000
EDGE_LIMIT = 150
MAX_EDGE_LIMIT = 500
LABEL_CHARS = 200
VALUE_CHARS = 1000
ANALYTICS_MAX_ROWS = 500_000

RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
IMR = PREFIXES["imr"]
SKOS = PREFIXES["skos"]
RDFS_LABEL = PREFIXES["rdfs"] + "label"
#: rdf:type -> the class name the pages style by; the first type found in this order wins.
CLASSES: tuple[tuple[str, str], ...] = (
    (IMR + "TextSpan", "span"), (IMR + "Case", "case"), (IMR + "DisputedItem", "item"),
    (IMR + "GuidelineCitation", "citation"), (IMR + "Diagnosis", "diagnosis"), (IMR + "PriorTreatment", "prior"),
    (IMR + "Treatment", "treatment"), (IMR + "TreatmentCategory", "category"), (IMR + "BodyRegion", "region"),
    (IMR + "GuidelineChapter", "guideline"), (IMR + "Guideline", "guideline"), (IMR + "Outcome", "outcome"),
    (IMR + "Specialty", "specialty"), (IMR + "Letter", "letter"), (IMR + "RejectedLetter", "letter"),
    (IMR + "Injury", "fact"), (IMR + "UtilizationReview", "fact"), (IMR + "Laterality", "concept"),
    (IMR + "Priority", "concept"), (IMR + "CitationRole", "concept"), (SKOS + "Concept", "code"),
    (PREFIXES["sh"] + "ValidationReport", "report"), (PREFIXES["sh"] + "ValidationResult", "report"),
)
#: Legend of the explorer: class name -> words.
LEGEND = {"case": "Case", "item": "Disputed item", "citation": "Guideline citation", "diagnosis": "Diagnosis",
          "code": "ICD-10-CM code", "treatment": "Treatment", "prior": "Prior treatment",
          "category": "Treatment category", "region": "Body region", "guideline": "Guideline / chapter",
          "outcome": "Outcome", "specialty": "Reviewer specialty", "letter": "Letter",
          "fact": "Injury / UR decision", "concept": "Other concept", "report": "Validation report",
          "span": "Text span", "literal": "Value", "other": "Other"}
_INFO = ("type", "prefLabel", "notation", "caseNumber", "itemNumber", "treatmentLabel", "label", "exactText",
         "identifier")
_INFO_PROPERTIES = {RDF_TYPE: "type", SKOS + "prefLabel": "prefLabel", SKOS + "notation": "notation",
                    IMR + "caseNumber": "caseNumber", IMR + "itemNumber": "itemNumber",
                    IMR + "treatmentLabel": "treatmentLabel", RDFS_LABEL: "label", IMR + "exactText": "exactText",
                    PREFIXES["dcterms"] + "identifier": "identifier"}
NETWORKS = {
    "treatments": ("Treatments most often requested together",
                   "Two treatments are joined when they were requested in the same case; weight = cases."),
    "guidelines": ("Guidelines most often cited together",
                   "Two guidelines (with chapter or topic) are joined when the IMR reviewer cited both for "
                   "the same disputed item; weight = items."),
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


def _fallback_label(iri: str) -> str:
    if iri.startswith(BASE + "case/") or iri.startswith(BASE + "letter/"):
        parts = iri[len(BASE):].split("/")
        return " ".join([parts[1]] + [part.replace("-", " ") for part in parts[2:]]) if len(parts) > 1 else iri
    return compact(iri)


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
    return _fallback_label(iri)


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
        facts = info.get(term["value"]) or {"label": _fallback_label(term["value"]), "cls": "other", "types": []}
        return {"id": term["value"], "iri": term["value"], **facts}
    if term["type"] == "bnode":
        return {"id": "_:" + term["value"], "iri": None, "label": "(blank node)", "cls": "other", "types": []}
    datatype = term.get("datatype", "")
    key = "\n".join((anchor, prop, term["value"], datatype, term.get("xml:lang", "")))
    return {"id": "literal:" + hashlib.sha1(key.encode()).hexdigest()[:20], "iri": None, "cls": "literal",
            "label": _short(term["value"], 60), "value": term["value"][:VALUE_CHARS],
            "datatype": compact(datatype) if datatype else "", "lang": term.get("xml:lang", ""), "types": []}


def neighbourhood(iri: str, limit: int = EDGE_LIMIT) -> dict[str, Any] | None:
    """The resource, its outgoing and incoming edges (at most ``limit``) and their ends; None when unknown."""
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
    centre = {"id": iri, "iri": iri, **(info.get(iri) or {"label": _fallback_label(iri), "cls": "other",
                                                          "types": []})}
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
            "more": more, "limit": limit}


def _json_error(status: int, message: str) -> Response:
    response = jsonify(error=message, status=status)
    response.status_code = status
    return response


@bp.get("/api/neighbourhood")
def api_neighbourhood() -> Response:
    """JSON {iri, label, nodes: [{id, label, cls, iri, ...}], edges: [{source, target, label}], more, limit}."""
    iri = checked_iri(request.args.get("iri"))
    limit = request.args.get("limit", type=int) or EDGE_LIMIT
    found = neighbourhood(iri, max(1, min(limit, MAX_EDGE_LIMIT)))
    if found is None:
        return _json_error(404, f"Nothing in the graph is called {iri}")
    return jsonify(found)


@bp.get("/graph")
def graph_page() -> str:
    """The neighbourhood explorer around ``?iri=``; without it, a form and some cases to start from."""
    raw = request.args.get("iri", "").strip()
    context: dict[str, Any] = {"active_page": "graph", "legend": LEGEND, "vendor_ok": vendor_ready((CYTOSCAPE,))}
    if not raw:
        cases = select_values(sparql_prologue("imr") + "SELECT ?case ?number WHERE { "
                              "GRAPH ?g { ?case imr:caseNumber ?number } } ORDER BY ?number LIMIT 50")
        return render_template("graph/view.html", iri="", label="", cases=cases, **context)
    iri = checked_iri(raw)
    info = describe([iri]).get(iri)
    if info is None and not select(f"SELECT ?p WHERE {{ GRAPH ?g {{ ?s ?p <{iri}> }} }} LIMIT 1"):
        abort(404, f"Nothing in the graph is called {iri}")
    label = info["label"] if info else _fallback_label(iri)
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
        for name, (title, description) in NETWORKS.items():
            seen = analytics.kept_overview(_analytics_select, name, None, index)
            sections.append({"name": name, "title": title, "description": description, **seen,
                             "json_url": url_for("graphview.network_json", projection=name)})
    finally:
        if index is not None:
            index.close()
    return render_template("graph/network.html", active_page="network", sections=sections,
                           vendor_ok=vendor_ready((CYTOSCAPE,)))


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
