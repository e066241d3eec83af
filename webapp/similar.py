"""Similar decisions (``/similar``): for a stored item (``?item=IRI``), a request in words (``?q=...``) or a letter
uploaded for the purpose (POST, not stored), the earlier decisions most like it, why, and how they went. The
ranking is :mod:`kg.similar`'s, over the item index."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Blueprint, abort, current_app, render_template, request

from kg.letters import SUPPORTED_SUFFIXES
from kg.similar import Probe, Similar, probe_of_item, probe_of_record, probe_of_text, similar
from kg.vocab import concept_of
from webapp import lookups
from webapp.security import refuse_cross_site
from webapp.store import item_index

bp = Blueprint("similar", __name__)
TOP = 10


@bp.get("/similar")
def similar_page() -> str:
    """The form, and the similar decisions when an item or words are given."""
    item = request.args.get("item", "").strip()
    words = request.args.get("q", "").strip()[:500]
    if item and not lookups.valid_iri(item):
        abort(400, "item= must be the IRI of a disputed item, such as https://w3id.org/imr-kg/case/CM14-0166055/item/1")
    index = item_index()
    if index is None:
        return _render(words=words, item=item, groups=[], no_index=True)
    with index:
        probe: Probe | None = None
        if item:
            probe = probe_of_item(index, item)
            if probe is None:
                abort(404, f"No disputed item {item} in this store.")
        elif words:
            probe = probe_of_text(words)
        groups = [("", similar(index, probe, TOP))] if probe is not None else []
    return _render(words=words, item=item, groups=groups, no_index=False)


@bp.post("/similar")
def similar_to_letter() -> str:
    """The similar decisions of each disputed item of an uploaded letter (read, not stored)."""
    from kg.pipeline import extract_bytes

    refuse_cross_site("The letter must be sent from this site's own form.")
    sent = request.files.get("letter")
    if sent is None or not sent.filename:
        abort(400, "Choose a letter file (PDF, text, Markdown or HTML) to compare.")
    name = Path(sent.filename).name
    suffix = Path(name).suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        abort(400, f"{name}: not a letter file this tool reads (it reads {', '.join(sorted(SUPPORTED_SUFFIXES))}).")
    limit = int(current_app.config["UPLOAD_MAX_BYTES"])
    data = sent.read(limit + 1)
    if len(data) > limit:
        abort(413, f"{name}: larger than {limit:,} bytes.")
    record = extract_bytes(data, name, suffix)
    if record.errors or not record.items:
        problem = "; ".join(record.errors) or "no disputed item was found in it"
        return _render(words="", item="", groups=[], no_index=False, problem=f"{name}: {problem}")
    index = item_index()
    if index is None:
        return _render(words="", item="", groups=[], no_index=True)
    with index:
        groups = [(f"Item {n}: {item.request}", similar(index, probe_of_record(record, n), TOP))
                  for n, item in enumerate(record.items, 1)]
    return _render(words="", item="", groups=groups, no_index=False, uploaded=name)


def _render(**context: Any) -> str:
    groups: list[tuple[str, Similar]] = context["groups"]
    return render_template("similar/similar.html", active_page="similar", label=_label, case_path=lookups.app_path,
                           found=groups[0][1] if len(groups) == 1 else None, **context)


def _label(iri: str) -> str:
    concept = concept_of(iri)
    return concept.pref_label if concept is not None else iri.rsplit("/", 1)[-1]
