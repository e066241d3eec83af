"""Browsing: every IRI of the graph dereferences here, as a page for people or as RDF for programs.

``https://w3id.org/imr-kg/<path>`` is served at ``/<path>``: HTML by default; Turtle, N-Triples or JSON-LD
when the Accept header asks for them or the path ends in ``.ttl``, ``.nt`` or ``.jsonld``. Cases, items,
letters, vocabulary concepts, named graphs and the ontology have pages of their own; every other resource
gets the generic description page. ``/resource?iri=`` sends IRIs under the base to their path and describes
any other IRI in place.
"""
from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, TypedDict
from urllib.parse import quote, urlencode

from flask import Blueprint, Response, current_app, redirect, render_template, request
from werkzeug.wrappers import Response as BaseResponse

from kg import finder
from kg.namespaces import BASE
from kg.ontology_doc import ONTOLOGY_FILE, load_ontology_doc, ontology_graph
from kg.rdf import mint
from kg.rdf.formats import RDF_FORMATS, accepted, suffixes
from webapp import lookups
from webapp.lookups import Graphlet, Node
from webapp.store import item_index
from webapp.textmarks import Evidence

bp = Blueprint("browse", __name__)

#: The RDF twins every page has, by their names in :data:`kg.rdf.formats.RDF_FORMATS`.
FORMATS = ("turtle", "ntriples", "jsonld")
#: Media types a client may ask for, and the format each one means.
ACCEPTED = {"text/html": "html", "application/xhtml+xml": "html",
            **accepted(FORMATS, also={"jsonld": ["application/json"]})}
#: File suffix -> format, for paths such as ``/case/CM14-0166055.ttl``.
SUFFIXES = suffixes(FORMATS)
#: Per vocabulary scheme: (heading, class of the referring resources, property path to the concept).
REFERRERS: dict[str, list[tuple[str, str, str]]] = {
    "treatment": [("Disputed items requesting it (or a narrower treatment)", "imr:DisputedItem",
                   "imr:treatment/skos:broader*"),
                  ("Prior treatments naming it", "imr:PriorTreatment", "imr:treatment/skos:broader*")],
    "category": [("Disputed items in this category", "imr:DisputedItem", "imr:category")],
    "body-region": [("Disputed items for this region (or a part of it)", "imr:DisputedItem",
                     "imr:bodyRegion/skos:broader*")],
    "laterality": [("Disputed items on this side", "imr:DisputedItem", "imr:laterality")],
    "outcome": [("Disputed items with this outcome", "imr:DisputedItem", "imr:outcome")],
    "guideline": [("Disputed items citing it (or one of its chapters)", "imr:DisputedItem",
                   "imr:citation/(imr:guideline|imr:chapter)/skos:broader*")],
    "specialty": [("Cases reviewed by this specialty", "imr:Case", "imr:reviewerSpecialty")],
    "icd10cm": [("Diagnoses coded with it (or a narrower code)", "imr:Diagnosis",
                 "imr:icd10Code/skos:broader*")],
}
CITATION_ROLES = ((BASE + "ontology#ClaimsAdministrator", "Claims administrator"),
                  (BASE + "ontology#IMRReviewer", "IMR reviewer"))


# ---- routes ------------------------------------------------------------------------------------------------

@bp.get("/case/<path:rest>")
def case_resource(rest: str) -> Response:
    """A case (``/case/KEY``), a disputed item (``/case/KEY/item/N``) or any other part of a case."""
    return _dispatch("case", rest)


@bp.get("/letter/<path:rest>")
def letter_resource(rest: str) -> Response:
    """A letter, or its validation report."""
    return _dispatch("letter", rest)


@bp.get("/vocab/", defaults={"rest": ""})
@bp.get("/vocab/<path:rest>")
def vocab_resource(rest: str) -> Response:
    """A vocabulary concept (``/vocab/treatment/massage-therapy``, ``/vocab/icd10cm/M54.2``) or scheme."""
    return _dispatch("vocab", rest)


@bp.get("/rejected/<path:rest>")
def rejected_resource(rest: str) -> Response:
    """A letter kept out of the graph."""
    return _dispatch("rejected", rest)


@bp.get("/graph/<path:rest>")
def graph_resource(rest: str) -> Response:
    """A named graph: its size and subjects as a page, its triples as RDF."""
    return _dispatch("graph", rest)


@bp.get("/ontology")
@bp.get("/ontology.<ext>")
def ontology(ext: str | None = None) -> Response:
    """The ontology: its documentation page, or the ontology itself as RDF."""
    fmt = SUFFIXES.get(f".{ext}") if ext else _negotiate()
    if fmt is None:
        return _not_found(request.path, "html", "There is no such format of the ontology.")
    if fmt == "turtle":
        return _rdf(Path(ONTOLOGY_FILE).read_bytes(), fmt)
    if fmt != "html":
        return _rdf(lookups.serialize(ontology_graph(), fmt), fmt)
    return _html("browse/ontology.html", active_page="ontology", doc=load_ontology_doc(),
                 formats=_formats("/ontology"))


@bp.get("/resource")
def resource() -> BaseResponse:
    """Any IRI: IRIs under the base go to their own path; others are described here (or 404)."""
    iri = request.args.get("iri", "").strip()
    fmt = SUFFIXES.get("." + request.args.get("format", "")) or _negotiate()
    if not lookups.valid_iri(iri):
        return _not_found(iri, fmt, "That is not an IRI this app can look up.", status=400)
    path = lookups.app_path(iri)
    if not path.startswith("/resource"):
        return redirect(path, code=303)
    return _resource_page(iri, fmt)


# ---- dispatch and negotiation ----------------------------------------------------------------------------

def _negotiate() -> str:
    """The format the Accept header prefers: html unless an RDF type is preferred."""
    best = request.accept_mimetypes.best_match(list(ACCEPTED), default="text/html")
    return ACCEPTED.get(best or "text/html", "html")


def _dispatch(section: str, rest: str) -> Response:
    if section == "vocab" and "/topic/" in rest:
        return _topic_page(*rest.split("/topic/", 1))
    fmt = next((name for suffix, name in SUFFIXES.items() if rest.endswith(suffix)), None)
    if fmt:
        rest = rest[: -len(RDF_FORMATS[fmt].suffix)]
    fmt = fmt or _negotiate()
    iri = lookups.iri_for_path(section, rest)
    if not lookups.valid_iri(iri):
        return _not_found(iri, fmt)
    if section == "graph":
        return _graph_page(iri, fmt)
    if fmt != "html":
        return _rdf_description(iri, fmt)
    parts = rest.split("/")
    if section == "case" and len(parts) == 1:
        return _case_page(iri)
    if section == "case" and len(parts) == 3 and parts[1] == "item":
        return _item_page(iri)
    if section == "letter" and len(parts) == 1:
        return _letter_page(iri)
    if section == "vocab" and len(parts) == 2 and parts[1]:
        return _concept_page(iri, parts[0])
    return _resource_page(iri, fmt)


def _rdf(body: bytes, fmt: str, status: int = 200) -> Response:
    media_type = RDF_FORMATS[fmt].media_type
    response = Response(body, status=status, mimetype=media_type)
    response.headers["Vary"] = "Accept"
    if fmt != "jsonld":
        response.headers["Content-Type"] = f"{media_type}; charset=utf-8"
    return response


def _html(template: str, status: int = 200, **context: object) -> Response:
    response = Response(render_template(template, **context), status=status, mimetype="text/html")
    response.headers["Vary"] = "Accept"
    return response


def _formats(path: str) -> list[tuple[str, str, str]]:
    """(label, href, media type) of the RDF twins of the page at ``path``."""
    twins = [RDF_FORMATS[name] for name in FORMATS]
    if path.startswith("/resource"):
        return [(f.label, f"{path}&format={f.suffix[1:]}", f.media_type) for f in twins]
    return [(f.label, path + f.suffix, f.media_type) for f in twins]


@bp.context_processor
def _helpers() -> dict[str, object]:
    """Functions the browsing templates call to link IRIs."""
    return {"app_path": lookups.app_path, "predicate_label": lookups.predicate_label,
            "predicate_href": _predicate_href,
            "graphlet_value": lambda graphlet, term: lookups.Value(graphlet, term)}


def _predicate_href(iri: str) -> str:
    """Ontology terms link to their entry on /ontology; other vocabularies' terms to their own IRI."""
    return lookups.app_path(iri) if iri.startswith(BASE + "ontology#") else iri


def _not_found(iri: str, fmt: str, reason: str = "", status: int = 404) -> Response:
    """A helpful 404 page (search box, workbench links, similar case numbers); plain text for RDF clients."""
    reason = reason or "Nothing in the graph has this IRI."
    if fmt != "html":
        response = Response(f"{status}: {reason} ({iri})\n", status=status, mimetype="text/plain")
        response.headers["Vary"] = "Accept"
        return response
    number = re.search(r"CM\d{2}-?\d{0,8}", iri.upper())
    similar = [(lookups.app_path(i), n) for i, n in lookups.find_cases(number.group(0)[:7])][:20] \
        if number else []
    describe_query = f"DESCRIBE <{iri}>" if lookups.valid_iri(iri) else ""
    return _html("browse/not_found.html", status=status, code=status, asked=request.full_path.rstrip("?"),
                 iri=iri, reason=reason, similar=similar, number=number.group(0) if number else "",
                 workbench="/query?" + urlencode({"query": describe_query}) if describe_query else "/query")


def _rdf_description(iri: str, fmt: str) -> Response:
    triples, _ = lookups.describe(iri)
    if not triples:
        count, _ = lookups.incoming(iri, limit=0)
        if not count:
            return _not_found(iri, fmt)
    return _rdf(lookups.serialize(lookups.rdf_graph(triples), fmt), fmt)


def _named(triples: list[lookups.Triple], extra: Iterable[str] = ()) -> Graphlet:
    """A graphlet of ``triples`` with labels looked up for the IRIs it names but does not describe."""
    graphlet = Graphlet(triples)
    graphlet.names.update(lookups.labels((graphlet.mentioned() | set(extra)) - set(graphlet.out)))
    return graphlet


# ---- pages -------------------------------------------------------------------------------------------------

def _resource_page(iri: str, fmt: str) -> Response:
    """The generic description: properties (blank nodes one level deep), graphs, what links here."""
    triples, graphs = lookups.describe(iri)
    count, pointing = lookups.incoming(iri)
    if not triples and not count:
        return _not_found(iri, fmt)
    if fmt != "html":
        return _rdf(lookups.serialize(lookups.rdf_graph(triples), fmt), fmt)
    graphlet = _named(triples, {s for s, _ in pointing} | {p for _, p in pointing})
    node = graphlet.node(iri)
    path = lookups.app_path(iri)
    return _html("browse/resource.html", node=node, graphs=[graphlet.node(g) for g in graphs],
                 incoming=[(graphlet.node(s), lookups.predicate_label(p), p) for s, p in pointing],
                 incoming_count=count, external=not iri.startswith(BASE), formats=_formats(path))


class CaseContext(TypedDict):
    """What the case and item pages are given to show."""

    case: Node
    letter: Node | None
    evidence: Evidence
    conforms: bool | None
    problems: list[dict[str, str]]
    graph: Node
    text: str
    roles: tuple[tuple[str, str], ...]
    cites: Callable[[Node, str], list[Node]]
    graphlet: Graphlet


def _case_context(case_iri: str) -> CaseContext | None:
    """Everything the case and item pages show: the case's graph, the evidence, the validation results."""
    graph = lookups.graph_of(case_iri, "imr:Case")
    if graph is None:
        return None
    graphlet = _named(lookups.graph_triples(graph))
    case = graphlet.node(case_iri)
    letters = case.nodes("imr:letter")
    letter = letters[0] if letters else None
    evidence = Evidence(graphlet, letter.iri if letter else "")
    key = mint.key_from_iri(case_iri) or ""
    conforms, problems = lookups.validation_results(str(mint.validation_graph(key)))
    return {"case": case, "letter": letter, "evidence": evidence, "conforms": conforms, "problems": problems,
            "graph": graphlet.node(graph), "text": letter.text("imr:text") if letter else "",
            "roles": CITATION_ROLES, "cites": _cites, "graphlet": graphlet}


def _cites(item: Node, role: str) -> list[Node]:
    """The item's citations made by ``role``."""
    return [c for c in item.nodes("imr:citation") if c.text("imr:citationRole") == role]


def _case_page(iri: str) -> Response:
    context = _case_context(iri)
    if context is None:
        return _resource_page(iri, "html")
    marked = context["evidence"].mark(context["text"])
    return _html("browse/case.html", marked=marked, formats=_formats(lookups.app_path(iri)), **context)


def _item_page(iri: str) -> Response:
    case_iri = iri.rsplit("/item/", 1)[0]
    context = _case_context(case_iri)
    if context is None:
        return _resource_page(iri, "html")
    item = context["graphlet"].node(iri)
    if not item.exists:
        return _resource_page(iri, "html")
    marked = context["evidence"].mark(context["text"], around=iri)
    return _html("browse/item.html", item=item, marked=marked, formats=_formats(lookups.app_path(iri)),
                 **context)


def _letter_page(iri: str) -> Response:
    graph = lookups.graph_of(iri, "imr:Letter")
    if graph is None:
        return _resource_page(iri, "html")
    graphlet = _named(lookups.graph_triples(graph))
    letter = graphlet.node(iri)
    key = mint.key_from_iri(iri) or ""
    conforms, problems = lookups.validation_results(str(mint.validation_graph(key)))
    return _html("browse/letter.html", letter=letter, cases=letter.subjects("imr:letter"), conforms=conforms,
                 problems=problems, graph=graphlet.node(graph), graphlet=graphlet,
                 validation_graph=graphlet.node(str(mint.validation_graph(key))),
                 formats=_formats(lookups.app_path(iri)))


def _topic_page(scope_path: str, topic: str) -> Response:
    """A guideline topic as the reviewers cited it (``/vocab/guideline/ID/topic/TEXT``, the value IRIs of the
    "topic" counts): its decisions, under its chapter or guideline. Topics are words in the letters, not concepts
    of the vocabulary, so the page has no RDF of its own."""
    scope = lookups.iri_for_path("vocab", scope_path)
    iri = f"{scope}/topic/{quote(topic, safe='')}"
    selection = finder.topic_selection(scope, topic, page=_page_number())
    decisions = _decisions(iri, selection) if selection is not None else None
    if decisions is None or not decisions["found"].items:
        return _not_found(iri, "html", "No reviewer cited this topic under this guideline or chapter.")
    from kg.vocab import concept_of

    concept = concept_of(scope)
    return _html("browse/topic.html", topic=topic, scope=scope, scope_label=concept.pref_label if concept else scope,
                 iri=iri, decisions=decisions)


def _page_number() -> int:
    try:
        return max(1, int(request.args.get("page", "1")))
    except ValueError:
        return 1


def _decisions(iri: str, selection: finder.Selection | None = None) -> dict[str, Any] | None:
    """A concept's decisions from the item index: the items (a page of them, ``?page=``), the share overturned
    with its 95% interval, year by year, and the concepts most often seen with it. None without an index, or
    for a concept no item is filtered by."""
    from kg.explorer import wilson_interval

    selection = selection or finder.concept_selection(iri, page=_page_number())
    if selection is None:
        return None
    index = item_index()
    if index is None:
        return None
    with index:
        found = finder.find(index, selection)
        years = finder.by_year(index, selection)
    decided = found.upheld + found.overturned
    own = {facet for facet, _ in selection.facets}
    seen_with = {facet: [v for v in values if not v["chosen"]][:6] for facet, values in found.facets.items()
                 if facet not in own | {"outcome", "year", "priority", "icd"} and values}
    return {"found": found, "decided": decided, "interval": wilson_interval(found.overturned, decided) if decided
            else None, "years": [(y, n, o, wilson_interval(o, n)) for y, n, o in years], "seen_with": seen_with,
            "finder": "/cases?" + urlencode(selection.to_args(page=1, per_page=50)), "facets": finder.FACETS,
            "labels": {v: finder.value_label(f, v) for row in found.rows for f, v in
                       (("outcome", row["outcome"]), ("category", row["category"]), ("treatment", row["treatment"]))
                       if v},
            "page_url": lambda n: f"{request.path}?page={n}"}


def _concept_page(iri: str, scheme: str) -> Response:
    triples, graphs = lookups.describe(iri)
    if not triples:
        return _resource_page(iri, "html")
    narrower = lookups.narrower(iri)
    decisions = _decisions(iri)
    lists = []
    for heading, cls, path in REFERRERS.get(scheme, []):
        if decisions is not None and cls == "imr:DisputedItem":
            continue  # the items are listed, counted and paged under "Decisions" instead
        count, rows = lookups.referrers(iri, path, cls)
        lists.append((heading, count, rows))
    outcomes = {r["outcome"]["value"] for _, _, rows in lists for r in rows if "outcome" in r}
    graphlet = _named(triples, set(narrower) | outcomes)
    return _html("browse/concept.html", node=graphlet.node(iri), scheme=scheme, graphlet=graphlet,
                 narrower=[graphlet.node(n) for n in narrower], lists=lists, decisions=decisions,
                 graphs=[graphlet.node(g) for g in graphs],
                 case_href=lambda number: lookups.app_path(str(mint.case_iri(mint.case_key(number, None)))),
                 formats=_formats(lookups.app_path(iri)))


def _graph_page(iri: str, fmt: str) -> Response:
    limit = int(current_app.config["MAX_ROWS"])
    if fmt != "html":
        triples = lookups.graph_triples(iri, limit)
        if not triples:
            return _not_found(iri, fmt)
        return _rdf(lookups.serialize(lookups.rdf_graph(triples), fmt), fmt)
    count, subjects = lookups.graph_summary(iri)
    if not count:
        return _not_found(iri, fmt, "There is no named graph with this IRI in the store.")
    graphlet = _named([], set(subjects))
    key = mint.key_from_iri(iri)
    related = [graphlet.node(str(x)) for x in (mint.case_iri(key), mint.letter_iri(key))] if key else []
    return _html("browse/graph.html", graph=graphlet.node(iri), count=count, limit=limit,
                 subjects=[graphlet.node(s) for s in subjects], related=related,
                 formats=_formats(lookups.app_path(iri)))
