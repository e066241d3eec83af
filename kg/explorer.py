"""Guideline-to-outcome links: what the IMR reviewer cited, for which treatment category, with what outcome.

Each link (guideline → category, category → outcome, guideline → category → outcome) is weighted by the number of
distinct disputed items on it, with how many were overturned, the overturn rate and its 95% Wilson score interval.
An item citing two guidelines counts once under each, so the left column can add up to more than the total.
The query counts distinct items per full path and per category → outcome; the other links and the boxes are sums of
those, exact because every item has one outcome and one category (the mapper writes one of each; SHACL checks it).
Everything here is pure: :func:`build_query` writes the SPARQL, :func:`explorer_from_rows` reads its rows, and
:func:`explore` joins them through any ``select`` callable (``KGStore.select`` or the web app's workers).
"""
from __future__ import annotations

import csv
import io
import json
import math
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import asdict, dataclass, field
from datetime import date
from functools import cache
from typing import TYPE_CHECKING, Any

from kg.errors import KGError
from kg.namespaces import GRAPH, ICD10CM, VOCAB, sparql_prologue
from kg.vocab.icd10_blocks import block_of, block_title
from kg.vocab.icd10_chapters import TITLES as CHAPTER_TITLES
from kg.vocab.icd10_chapters import chapter_of

if TYPE_CHECKING:
    from kg.item_index import ItemIndex

Select = Callable[[str], list[dict[str, Any]]]

Z95 = 1.959964
LEVELS = ("guideline", "chapter", "topic")
KINDS = ("source-category", "category-outcome", "path")
OVERTURNED = f"{VOCAB}outcome/overturned"
NONE_IRI = "urn:imr-kg:none"
VOCAB_GRAPH = f"{GRAPH}vocab"
#: Filter parameter -> the vocabulary scheme its values are local names in.
SCHEMES = {"region": "body-region", "category": "category", "specialty": "specialty", "treatment": "treatment"}
#: Every query parameter the explorer takes, with what it does (shown on the page and in the JSON).
PARAMETERS = {
    "level": "Detail of the left column: guideline (default), chapter (the cited chapter, or the topic when no "
             "chapter is cited) or topic (the cited topic, or the chapter when no topic is given). One value.",
    "region": "Body region of the item: the concept's name (cervical-spine) or full IRI. Repeatable; any matches.",
    "category": "Treatment category of the item (pharmaceuticals, imaging, ...). Repeatable; any matches.",
    "specialty": "Specialty of the expert reviewer (pain-medicine, ...). Repeatable; any matches.",
    "year": "Year of the decision date (2015). Repeatable; any matches.",
    "treatment": "Requested treatment of the item: the treatment concept's name (massage-therapy) or full IRI. A "
                 "treatment takes in the narrower ones (physical-therapy also keeps aquatic-therapy items). "
                 "Repeatable; any matches.",
    "icd": "A diagnosis of the item's case, in ICD-10-CM: a chapter number (13), a block (M50-M54) or a code or its "
           "beginning (M54.5, or M545: also M54.50 and M54.51). Repeatable; any matches.",
    "from": "First decision date to include, as YYYY-MM-DD (2015-01-01). One value.",
    "to": "Last decision date to include, as YYYY-MM-DD (2015-06-30); not before from. One value.",
}
#: The filters whose values are lists (every parameter but level, from and to), in the order of the URLs.
LISTS = ("region", "category", "specialty", "year", "treatment", "icd")
MAX_VALUES = 100
_IRI = re.compile(r'[A-Za-z][A-Za-z0-9+.-]*:[^\x00-\x20<>"{}|^`\\]+')
_LOCAL = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,99}")
_ICD_CODE = re.compile(r"[A-Z]\d[0-9A-Z](\.?[0-9A-Z]{0,4})?")
_ICD_BLOCK = re.compile(r"[A-Z]\d[0-9A-Z]-[A-Z]\d[0-9A-Z]")
_PREFIXES = sparql_prologue("imr", "skos")
_COLUMNS = ("link", "guideline", "detail", "category", "outcome", "items", "overturned", "overturn_rate",
            "wilson_low", "wilson_high", "guideline_iri", "detail_iri", "category_iri", "outcome_iri")


class ExplorerError(KGError):
    """A query parameter the explorer does not accept."""


@dataclass(frozen=True)
class Filters:
    """What to show: the left column's level and the filters (AND between them, OR within one)."""

    level: str = "guideline"
    region: tuple[str, ...] = ()
    category: tuple[str, ...] = ()
    specialty: tuple[str, ...] = ()
    year: tuple[int, ...] = ()
    treatment: tuple[str, ...] = ()
    icd: tuple[str, ...] = ()  # chapter numbers ("13"), blocks ("M50-M54") and codes or their beginnings ("M54.5")
    date_from: str = ""  # YYYY-MM-DD, inclusive; "" for no bound
    date_to: str = ""

    def params(self) -> list[tuple[str, str]]:
        """The filters as (name, value) query parameters, in a stable order (for shareable URLs)."""
        pairs = [("level", self.level)] if self.level != "guideline" else []
        pairs += [(name, str(v)) for name in LISTS for v in getattr(self, name)]
        return pairs + [(name, value) for name, value in (("from", self.date_from), ("to", self.date_to)) if value]

    def iris(self, name: str) -> str:
        """One IRI-valued filter's concepts as SPARQL IRIs (made of validated names, so nothing can escape); for
        treatments, with every narrower treatment."""
        names = self.treatments() if name == "treatment" else getattr(self, name)
        return " ".join(f"<{VOCAB}{SCHEMES[name]}/{local}>" for local in names)

    def treatments(self) -> tuple[str, ...]:
        """The chosen treatments and every treatment below them in the vocabulary (skos:broader), sorted."""
        return tuple(sorted({n for local in self.treatment for n in (local, *_narrower_treatments().get(local, ()))}))

    def diagnoses(self) -> tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]:
        """The icd values split into (chapters, blocks, code beginnings without their dot)."""
        chapters = tuple(v for v in self.icd if v.isdigit())
        blocks = tuple(v for v in self.icd if not v.isdigit() and block_title(v))
        codes = tuple(v.replace(".", "") for v in self.icd if not v.isdigit() and not block_title(v))
        return chapters, blocks, codes


@dataclass
class Node:
    """A box of the diagram: in the source column a guideline (or chapter or topic), then categories, outcomes."""

    id: str
    column: str  # "source" | "category" | "outcome"
    kind: str  # "guideline" | "chapter" | "topic" | "category" | "outcome"
    label: str
    iri: str  # "" for a topic or "(no category)"
    guideline: str = ""  # for chapters and topics: the guideline they belong to
    guideline_iri: str = ""
    items: int = 0
    overturned: int = 0


@dataclass
class Link:
    """Items along a path of node ids: two for a link, three for guideline → category → outcome."""

    kind: str  # one of KINDS
    path: list[str]
    items: int
    overturned: int
    overturn_rate: float | None
    wilson_low: float
    wilson_high: float


@dataclass
class Explorer:
    """The diagram (nodes and links), the same links as flat table rows, and the totals."""

    filters: Filters
    nodes: list[Node] = field(default_factory=list)
    links: list[Link] = field(default_factory=list)
    table: list[dict[str, Any]] = field(default_factory=list)
    totals: dict[str, Any] = field(default_factory=dict)


def wilson_interval(successes: int, n: int, z: float = Z95) -> tuple[float, float]:
    """The Wilson score interval of the proportion ``successes / n``; (0, 1) when there is nothing to go on (n = 0)."""
    if n < 0 or not 0 <= successes <= max(n, 0):
        raise ValueError(f"need 0 <= successes <= n, got {successes} of {n}")
    if n == 0:
        return 0.0, 1.0
    p = successes / n
    scale = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / scale
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / scale
    # rounding can push a bound a hair past the edge the proportion sits on
    return (0.0 if successes == 0 else max(0.0, centre - half)), (1.0 if successes == n else min(1.0, centre + half))


def rate_fields(items: int, overturned: int) -> dict[str, Any]:
    """Items, overturned, the overturn rate (None for no items) and its Wilson interval, as a dict."""
    low, high = wilson_interval(overturned, items)
    return {"items": items, "overturned": overturned, "overturn_rate": overturned / items if items else None,
            "wilson_low": low, "wilson_high": high}


def parse_filters(params: Mapping[str, Iterable[str]]) -> Filters:
    """Validated filters from query parameters (name -> values); ExplorerError says what is wrong."""
    unknown = sorted(set(params) - set(PARAMETERS))
    if unknown:
        raise ExplorerError(f"unknown parameter {unknown[0]!r}; the parameters are: {', '.join(PARAMETERS)}")
    values = {name: [v.strip() for v in params.get(name, ()) if v.strip()] for name in PARAMETERS}
    for name, given in values.items():
        if len(given) > MAX_VALUES:
            raise ExplorerError(f"too many values for {name!r} (at most {MAX_VALUES})")
    if len(values["level"]) > 1 or (values["level"] and values["level"][0] not in LEVELS):
        raise ExplorerError(f"level must be one of {', '.join(LEVELS)}, got {', '.join(values['level'])!r}")
    names = {name: tuple(sorted({_local_name(name, v) for v in values[name]})) for name in SCHEMES}
    years = tuple(sorted({_year(v) for v in values["year"]}))
    icd = tuple(sorted({_icd(v) for v in values["icd"]}, key=_icd_order))
    dates = {}
    for name in ("from", "to"):
        if len(values[name]) > 1:
            raise ExplorerError(f"{name} takes one date, got {len(values[name])}")
        dates[name] = _date(name, values[name][0]) if values[name] else ""
    if dates["from"] and dates["to"] and dates["from"] > dates["to"]:
        raise ExplorerError(f"from ({dates['from']}) is after to ({dates['to']}): the date range is empty")
    return Filters(level=(values["level"] or ["guideline"])[0], year=years, icd=icd, date_from=dates["from"],
                   date_to=dates["to"], **names)


_EXAMPLES = {"region": "cervical-spine", "category": "pharmaceuticals", "specialty": "pain-medicine",
             "treatment": "massage-therapy"}


def _local_name(name: str, value: str) -> str:
    base = f"{VOCAB}{SCHEMES[name]}/"
    local = value[len(base):] if value.startswith(base) else value
    if not _LOCAL.fullmatch(local):
        raise ExplorerError(f"{name} {value!r} is not the name of a {SCHEMES[name]} concept (such as "
                            f"{_EXAMPLES[name]}) nor its full IRI")
    return local


def _date(name: str, value: str) -> str:
    try:
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
            raise ValueError
        return date.fromisoformat(value).isoformat()
    except ValueError:
        raise ExplorerError(f"{name} {value[:40]!r} is not a date: write it as YYYY-MM-DD (2015-06-30)") from None


def _icd(value: str) -> str:
    """An icd value in its one written form: "13", "M50-M54" (or a block of one category, "M96"), "M54.5"."""
    text = value.upper()
    if text.isdigit() and len(text) <= 2:
        if not 1 <= int(text) <= len(CHAPTER_TITLES):
            raise ExplorerError(f"icd {value!r} is not an ICD-10-CM chapter: chapters are numbered 1 to "
                                f"{len(CHAPTER_TITLES)}")
        return str(int(text))
    if _ICD_BLOCK.fullmatch(text) or (len(text) == 3 and block_title(text)):
        if not block_title(text):
            raise ExplorerError(f"icd {value!r} is not an ICD-10-CM block (such as M50-M54)")
        return text
    if _ICD_CODE.fullmatch(text):
        compact = text.replace(".", "")
        return compact[:3] + ("." + compact[3:] if len(compact) > 3 else "")
    raise ExplorerError(f"icd {value[:40]!r} is not an ICD-10-CM chapter number (13), block (M50-M54) or code "
                        "(M54.5)")


def _icd_order(value: str) -> tuple[int, int, str]:
    """Chapters by number, each followed by its blocks and codes in code order."""
    if value.isdigit():
        return int(value), 0, ""
    return int(chapter_of(value) or 99), 1, value


@cache
def _narrower_treatments() -> dict[str, tuple[str, ...]]:
    """Treatment name -> the names of every treatment below it (the inverse of the vocabulary's ancestors)."""
    from kg.vocab import vocabulary

    treatments = vocabulary("treatment")
    below: dict[str, list[str]] = {}
    for concept in treatments.concepts:
        for above in treatments.ancestors(concept.id):
            below.setdefault(above.id, []).append(concept.id)
    return {name: tuple(sorted(names)) for name, names in below.items()}


def _year(value: str) -> int:
    if not re.fullmatch(r"\d{4}", value) or not 1900 <= int(value) <= 2100:
        raise ExplorerError(f"year {value!r} is not a year between 1900 and 2100")
    return int(value)


def _items(filters: Filters, detail: bool) -> str:
    """The filtered items with reviewer citations: ``?item ?o ?gl ?cat`` and, with ``detail``, ``?detail`` (chapter
    IRI or topic text as the level prefers, "" for neither) and ``?detailIri`` (the chapter's, or "")."""
    lines = ["?item imr:outcome ?o ; imr:citation ?c .", "?c imr:citationRole imr:IMRReviewer ; imr:guideline ?gl ."]
    if filters.specialty or filters.year or filters.icd or filters.date_from or filters.date_to:
        lines.insert(0, "?case imr:disputedItem ?item .")
    if filters.category:
        lines += [f"VALUES ?itemCat {{ {filters.iris('category')} }}", "?item imr:category ?itemCat ."]
    else:
        lines.append("OPTIONAL { ?item imr:category ?itemCat }")
    if filters.region:
        lines.append("?item imr:bodyRegion ?itemRegion .")
    if filters.specialty:
        lines += [f"VALUES ?fSpec {{ {filters.iris('specialty')} }}", "?case imr:reviewerSpecialty ?fSpec ."]
    if filters.treatment:
        lines += [f"VALUES ?fTreatment {{ {filters.iris('treatment')} }}", "?item imr:treatment ?fTreatment ."]
    if filters.year or filters.date_from or filters.date_to:
        lines.append("?case imr:decisionDate ?date .")
    if filters.year:
        lines.append(f"FILTER(YEAR(?date) IN ({', '.join(map(str, filters.year))}))")
    if filters.date_from or filters.date_to:  # xsd:date's lexical form, YYYY-MM-DD, sorts as the dates do
        bounds = [f'STR(?date) {op} "{day}"' for op, day in ((">=", filters.date_from), ("<=", filters.date_to)) if day]
        lines.append(f"FILTER({' && '.join(bounds)})")
    if filters.icd:
        lines.append(_diagnosis_filter(filters))
    binds = [f"BIND(COALESCE(?itemCat, <{NONE_IRI}>) AS ?cat)"]
    if detail:
        if filters.level != "guideline":
            lines += ["OPTIONAL { ?c imr:chapter ?ch }", "OPTIONAL { ?c imr:topic ?t }"]
        first, second = {"guideline": ("?no1", "?no2"), "chapter": ("?ch", "?t"), "topic": ("?t", "?ch")}[filters.level]
        binds += [f'BIND(IF(BOUND({first}), STR({first}), COALESCE(STR({second}), "")) AS ?detail)',
                  'BIND(IF(BOUND(?ch) && ?detail = STR(?ch), ?detail, "") AS ?detailIri)']
    after = []
    if filters.region:
        # a region filter includes the regions below it: "spine" keeps cervical, thoracic and lumbar items
        after = [f"VALUES ?fRegion {{ {filters.iris('region')} }}",
                 f"GRAPH <{VOCAB_GRAPH}> {{ ?itemRegion skos:broader* ?fRegion }}"]
    return "GRAPH ?g {\n  " + "\n  ".join(lines) + "\n}\n" + "\n".join(after + binds)


def _diagnosis_filter(filters: Filters) -> str:
    """The case has a diagnosis whose ICD-10-CM code is in one of the chapters or blocks, or begins with one of
    the codes: compared by the code's text as kg.vocab.icd10_chapters.chapter_of and icd10_blocks.block_of read
    it (its first three characters, upper case), so that the item index's columns give the same answer."""
    from kg.vocab.icd10_chapters import chapter_ranges

    chapters, blocks, codes = filters.diagnoses()
    tests = [f'(STRLEN(?fCat) = 3 && ?fCat >= "{first}" && ?fCat <= "{last}")'
             for first, last, chapter in chapter_ranges() if chapter in chapters]
    categories = sorted(category for category in _block_categories() if block_of(category) in blocks)
    tests += [f"?fCat IN ({', '.join(json.dumps(c) for c in categories)})"] if categories else []
    tests += [f'STRSTARTS(REPLACE(?fCode, "[.]", ""), "{code}")' for code in codes]
    return (f'FILTER EXISTS {{ ?case imr:diagnosis/imr:icd10Code ?fIri . '
            f'BIND(UCASE(STRAFTER(STR(?fIri), "{ICD10CM}")) AS ?fCode) BIND(SUBSTR(?fCode, 1, 3) AS ?fCat) '
            f"FILTER({' || '.join(tests) or 'false'}) }}")


@cache
def _block_categories() -> tuple[str, ...]:
    """Every three-character category that lies in an ICD-10-CM block."""
    from kg.vocab.icd10_blocks import categories

    return categories()


def _label(var: str, label: str) -> str:
    fallback = '"(no category)"' if var == "?cat" else f'REPLACE(STR({var}), "^.*/", "")'
    return (f"OPTIONAL {{ GRAPH <{VOCAB_GRAPH}> {{ {var} skos:prefLabel {label}_ }} }} "
            f"BIND(COALESCE({label}_, {fallback}) AS {label})")


_GROUPS = {"path": ["?gl", "?detailIri", "?detail", "?cat", "?o"], "category-outcome": ["?cat", "?o"]}


def _branch(filters: Filters, kind: str, keys: list[str]) -> str:
    """One UNION branch: the filtered items counted per ``keys``, then the keys' labels looked up."""
    # labels are joined after grouping, on variables every group binds (see guideline-citations-to-outcomes.rq)
    labels = [_label(v, v + "Label") for v in ("?gl", "?cat", "?o") if v in keys]
    if "?detail" in keys:
        labels += [f'BIND(IF(?detailIri = "", <{NONE_IRI}>, IRI(?detailIri)) AS ?chKey)', _label("?chKey", "?chLabel"),
                   'BIND(IF(?detailIri != "", ?chLabel, IF(?detail != "", ?detail, "(none)")) AS ?detailLabel)']
    inner = _items(filters, "?detail" in keys).replace("\n", "\n    ")
    return (f'{{ BIND("{kind}" AS ?kind)\n  {{ SELECT {" ".join(keys)} (COUNT(DISTINCT ?item) AS ?items)\n'
            f"    WHERE {{\n    {inner}\n  }} GROUP BY {' '.join(keys)} }}\n  " + "\n  ".join(labels) + " }")


def build_query(filters: Filters) -> str:
    """One SELECT, a UNION of the distinct items per full path and per category → outcome (``?kind``), with labels."""
    branches = [_branch(filters, kind, keys) for kind, keys in _GROUPS.items()]
    return (_PREFIXES + "SELECT ?kind ?gl ?glLabel ?detailIri ?detailLabel ?cat ?catLabel ?o ?oLabel ?items\n"
            "WHERE {\n  " + "\n  UNION\n  ".join(branches) + "\n}\n")


def explorer_from_rows(rows: Iterable[Mapping[str, Any]], filters: Filters) -> Explorer:
    """The explorer from :func:`build_query`'s rows (values as Python values or strings)."""
    nodes: dict[str, Node] = {}
    sums: dict[tuple[str, ...], list[int]] = {}  # (kind, *node ids) -> [items, overturned]
    for row in rows:
        kind = str(row.get("kind"))
        if kind not in _GROUPS:
            continue
        ids = [_source_node(row, filters.level, nodes)] if kind == "path" else []
        for var, column in (("cat", "category"), ("o", "outcome")):
            iri, node_id = str(row[var]), column[0] + ":" + str(row[var])
            nodes.setdefault(node_id, Node(node_id, column, column, str(row[var + "Label"]), "" if iri == NONE_IRI else iri))
            ids.append(node_id)
        items = int(row.get("items") or 0)
        over = items if row["o"] == OVERTURNED else 0
        adds = [(kind, *ids), ("source-category", *ids[:2]), ("source", ids[0])] if kind == "path" else \
            [(kind, *ids), ("category", ids[0]), ("outcome", ids[1]), ("total",)]
        for key in adds:
            total = sums.setdefault(key, [0, 0])
            total[0], total[1] = total[0] + items, total[1] + over
    result = Explorer(filters, totals=rate_fields(*sums.get(("total",), (0, 0))))
    for (kind, *ids), (items, over) in sums.items():
        if kind in KINDS:
            result.links.append(Link(kind, ids, **rate_fields(items, over)))
        elif kind != "total":
            nodes[ids[0]].items, nodes[ids[0]].overturned = items, over
    order = {"source": 0, "category": 1, "outcome": 2}
    result.nodes = sorted(nodes.values(), key=lambda n: (order[n.column], -n.items, n.label, n.id))
    result.links.sort(key=lambda link: (KINDS.index(link.kind), -link.items, [nodes[i].label for i in link.path],
                                        link.path))
    result.table = [_table_row(link, nodes) for link in result.links]
    return result


def _source_node(row: Mapping[str, Any], level: str, nodes: dict[str, Node]) -> str:
    gl, gl_label = str(row["gl"]), str(row["glLabel"])
    if level == "guideline":
        return nodes.setdefault("s:" + gl, Node("s:" + gl, "source", "guideline", gl_label, gl)).id
    iri, label = str(row.get("detailIri") or ""), str(row.get("detailLabel") or "(none)")
    node_id = f"s:{gl}|{iri or 'topic:' + label}"
    return nodes.setdefault(node_id, Node(node_id, "source", "chapter" if iri else "topic", label, iri,
                                          guideline=gl_label, guideline_iri=gl)).id


def _table_row(link: Link, nodes: dict[str, Node]) -> dict[str, Any]:
    row: dict[str, Any] = dict.fromkeys(_COLUMNS, "")
    row["link"] = link.kind
    for node in (nodes[i] for i in link.path):
        if node.column != "source":
            row[node.column], row[node.column + "_iri"] = node.label, node.iri
        elif node.kind == "guideline":
            row["guideline"], row["guideline_iri"] = node.label, node.iri
        else:
            row.update(guideline=node.guideline, guideline_iri=node.guideline_iri, detail=node.label, detail_iri=node.iri)
    row.update({k: v for k, v in asdict(link).items() if k in _COLUMNS})
    return row


def explore(select: Select, filters: Filters, index: ItemIndex | None = None) -> Explorer:
    """The explorer: counted in the item index when there is one (kg.item_index; fast at any size), else by
    running :func:`build_query` through ``select``. Both give the same rows."""
    if index is not None:
        key = "explore:" + json.dumps([filters.level, filters.params()])
        return explorer_from_rows(index.remembered(key, lambda: index_rows(index, filters)), filters)
    return explorer_from_rows(select(build_query(filters)), filters)


def refresh_explorer(index: ItemIndex) -> None:
    """Count and keep the explorer's unfiltered views (every level) and its filter lists, so that /explore
    answers at once after a build."""
    for level in LEVELS:
        explore(lambda _: [], Filters(level=level), index)
    filter_options(lambda _: [], index)


def index_rows(index: ItemIndex, filters: Filters) -> list[dict[str, Any]]:
    """:func:`build_query`'s rows, counted in the item index and labelled from the vocabularies."""
    iris = {name: [f"{VOCAB}{SCHEMES[name]}/{local}" for local in getattr(filters, name)] for name in SCHEMES}
    chapters, blocks, codes = filters.diagnoses()
    paths, totals = index.counts(filters.level, region=iris["region"], specialty=iris["specialty"],
                                 category=iris["category"], year=filters.year,
                                 treatment=[f"{VOCAB}treatment/{local}" for local in filters.treatments()],
                                 icd_chapter=chapters, icd_block=blocks, icd_code=codes,
                                 date_from=filters.date_from, date_to=filters.date_to)
    rows: list[dict[str, Any]] = []
    for gl, detail_iri, detail, cat, outcome, items in paths:
        cat = cat or NONE_IRI
        row = {"kind": "path", "gl": gl, "glLabel": _concept_label(gl), "detailIri": detail_iri,
               "detailLabel": _concept_label(detail_iri) if detail_iri else (detail or "(none)"),
               "cat": cat, "catLabel": _concept_label(cat), "o": outcome, "oLabel": _concept_label(outcome),
               "items": items}
        rows.append(row)
    for cat, outcome, items in totals:
        cat = cat or NONE_IRI
        rows.append({"kind": "category-outcome", "cat": cat, "catLabel": _concept_label(cat), "o": outcome,
                     "oLabel": _concept_label(outcome), "items": items})
    return rows


def _concept_label(iri: str) -> str:
    """A vocabulary concept's preferred label, as the query's label look-up gives it ("(no category)" for none,
    else the IRI's last segment)."""
    from kg.vocab import concept_of

    if iri == NONE_IRI:
        return "(no category)"
    concept = concept_of(iri)
    return concept.pref_label if concept is not None else iri.rsplit("/", 1)[-1]


def to_dict(explorer: Explorer) -> dict[str, Any]:
    """The explorer as JSON-able data, with every parameter documented beside its value in this request."""
    given = explorer.filters.params()
    parameters = {name: {"description": text, "value": [v for k, v in given if k == name]}
                  for name, text in PARAMETERS.items()}
    parameters["level"]["value"] = explorer.filters.level
    parameters["from"]["value"], parameters["to"]["value"] = explorer.filters.date_from, explorer.filters.date_to
    return {"parameters": parameters, "totals": explorer.totals, "nodes": [asdict(n) for n in explorer.nodes],
            "links": [asdict(link) for link in explorer.links], "table": explorer.table}


def to_csv(explorer: Explorer) -> str:
    """The flat table as CSV: a header row, then one row per link (floats exact, None as an empty cell)."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(_COLUMNS), lineterminator="\r\n")
    writer.writeheader()
    for row in explorer.table:
        writer.writerow({k: "" if v is None else repr(v) if isinstance(v, float) else v for k, v in row.items()})
    return out.getvalue()


def items_query(filters: Filters, row: Mapping[str, Any]) -> str | None:
    """A SPARQL query listing the items behind one table row (for the workbench); None if a key is not a clean IRI."""
    conditions = []
    for column, var in (("guideline_iri", "?gl"), ("category_iri", "?cat"), ("outcome_iri", "?o")):
        iri = str(row.get(column) or "")
        if column == "category_iri" and not iri and row.get("category"):
            iri = NONE_IRI
        if iri and not _IRI.fullmatch(iri):
            return None
        conditions += [f"{var} = <{iri}>"] if iri else []
    if row.get("guideline_iri") and filters.level != "guideline":
        detail = str(row.get("detail_iri") or ("" if row.get("detail") == "(none)" else row.get("detail") or ""))
        conditions.append(f"?detail = {json.dumps(detail, ensure_ascii=False)}")  # a JSON string is a SPARQL one
    inner = _items(filters, detail=True).replace("\n", "\n  ")
    return (_PREFIXES + f"# The disputed items on one link of /explore ({row.get('link')})\n"
            f"SELECT DISTINCT ?caseNumber ?item ?request ?outcome\nWHERE {{\n  {inner}\n"
            f"  FILTER({' && '.join(conditions) or 'true'})\n"
            "  OPTIONAL { GRAPH ?g { ?case imr:disputedItem ?item ; imr:caseNumber ?caseNumber } }\n"
            "  OPTIONAL { GRAPH ?g { ?item imr:request ?request } }\n"
            f"  {_label('?o', '?outcome')}\n}}\nORDER BY ?caseNumber ?item\n")


_OPTION_PATTERNS = {"region": "?item imr:bodyRegion ?value .", "category": "?item imr:category ?value .",
                    "specialty": "?case imr:disputedItem ?item ; imr:reviewerSpecialty ?value .",
                    "year": "?case imr:disputedItem ?item ; imr:decisionDate ?date . BIND(YEAR(?date) AS ?value)",
                    "treatment": "?item imr:treatment ?value ."}
OPTION_NAMES = (*_OPTION_PATTERNS, "icd")


def icd_categories_query() -> str:
    """The distinct categories (first three characters, upper case) of the ICD-10-CM codes of the cases' diagnoses."""
    return (_PREFIXES + "SELECT DISTINCT ?cat WHERE { GRAPH ?g { ?case imr:diagnosis/imr:icd10Code ?code } "
            f'BIND(SUBSTR(UCASE(STRAFTER(STR(?code), "{ICD10CM}")), 1, 3) AS ?cat) }}\n')


def options_query(categories: Iterable[str] = ()) -> str:
    """Every value each filter can take in the data, with how many items (with reviewer citations) have it; for
    the ICD-10-CM chapters and blocks, those of ``categories`` (what :func:`icd_categories_query` finds): each
    code's category (its first three characters) is put in its chapter and block by a VALUES table."""
    patterns = {name: (pattern, "") for name, pattern in _OPTION_PATTERNS.items()}
    pairs = [(category, group) for category in sorted(set(categories))
             for group in (chapter_of(category), block_of(category)) if group]
    if pairs:
        table = " ".join(f"({json.dumps(c, ensure_ascii=False)} {json.dumps(g)})" for c, g in pairs)
        patterns["icd"] = ("?case imr:disputedItem ?item ; imr:diagnosis/imr:icd10Code ?code .",
                           f'BIND(SUBSTR(UCASE(STRAFTER(STR(?code), "{ICD10CM}")), 1, 3) AS ?cat) '
                           f"VALUES (?cat ?value) {{ {table} }} ")
    branches = [f'{{ BIND("{name}" AS ?filter) {{ SELECT ?value (COUNT(DISTINCT ?item) AS ?items) WHERE {{ GRAPH ?g {{ '
                f"?item imr:citation ?c . ?c imr:citationRole imr:IMRReviewer ; imr:guideline ?gl . {pattern} }} "
                f"{after}}} GROUP BY ?value }}\n  " + ("BIND(STR(?value) AS ?label)" if name in ("year", "icd")
                                                     else _label("?value", "?label"))
                + " }" for name, (pattern, after) in patterns.items()]
    return _PREFIXES + "SELECT ?filter ?value ?label ?items WHERE {\n  " + "\n  UNION\n  ".join(branches) + "\n}\n"


def options_from_rows(rows: Iterable[Mapping[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    """Filter name -> [{value (concept name, year or ICD-10-CM chapter or block), label, items}], by label (years
    newest first; ICD-10-CM chapters in order, each followed by its blocks, which have "kind" "chapter" or
    "block"). A treatment counts the items of the treatments below it too, as its filter keeps them."""
    options: dict[str, list[dict[str, Any]]] = {name: [] for name in OPTION_NAMES}
    for row in rows:
        name, value = str(row.get("filter")), str(row.get("value"))
        if name == "year" or (name in SCHEMES and value.startswith(f"{VOCAB}{SCHEMES[name]}/")):
            local = value.rsplit("/", 1)[-1]
            options[name].append({"value": local, "label": str(row.get("label") or local), "items": int(row["items"])})
        elif name == "icd" and (value.isdigit() or block_title(value)):
            options[name].append({"value": value, "label": icd_label(value), "items": int(row["items"]),
                                  "kind": "chapter" if value.isdigit() else "block"})
    options["treatment"] = _with_broader(options["treatment"])
    for name, found in options.items():
        found.sort(key=(lambda o: -int(o["value"])) if name == "year" else (lambda o: _icd_order(o["value"]))
                   if name == "icd" else (lambda o: o["label"].lower()))
    return options


def icd_label(value: str) -> str:
    """How an icd value is shown: "Chapter 13: Diseases of the musculoskeletal system ...", "M50-M54 Other
    dorsopathies", or the code itself."""
    if value.isdigit():
        return f"Chapter {value}: {CHAPTER_TITLES.get(value, '')}".rstrip(": ")
    return f"{value} {block_title(value)}".strip()


def _with_broader(direct: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Treatment options counting, for each treatment, its own items and those of every treatment below it (an
    item has one treatment, so the sum counts each item once), the broader treatments added when missing."""
    from kg.vocab import vocabulary

    treatments = vocabulary("treatment")
    total = {o["value"]: dict(o) for o in direct}
    for option in direct:
        for above in treatments.ancestors(option["value"]):
            total.setdefault(above.id, {"value": above.id, "label": above.pref_label, "items": 0})
            total[above.id]["items"] += option["items"]
    return list(total.values())


def filter_options(select: Select, index: ItemIndex | None = None) -> dict[str, list[dict[str, Any]]]:
    """Every value of every filter with its items: from the item index when there is one, else by running
    :func:`options_query` through ``select`` (after :func:`icd_categories_query`)."""
    if index is None:
        categories = [str(row["cat"]) for row in select(icd_categories_query()) if row.get("cat")]
        return options_from_rows(select(options_query(categories)))

    def rows() -> list[dict[str, Any]]:
        return [{"filter": name, "value": value, "items": items,
                 "label": value if name in ("year", "icd") else _concept_label(value)}
                for name, values in index.option_counts().items() for value, items in values]

    # the key names what the rows hold: lists kept before the treatment and ICD-10-CM filters are not read
    return options_from_rows(index.remembered("explore-options:2", rows))
