"""Similar decisions (``/similar``): for a stored item (``?item=IRI``) or a request in words (``?q=...``), the
earlier decisions most like it, why, and how they went. The ranking is :mod:`kg.similar`'s, over the item index."""
from __future__ import annotations

from flask import Blueprint, abort, render_template, request

from kg.similar import Probe, probe_of_item, probe_of_text, similar
from kg.vocab import concept_of
from webapp import lookups
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
        return render_template("similar/similar.html", active_page="similar", words=words, item=item, found=None,
                               no_index=True)
    with index:
        probe: Probe | None = None
        if item:
            probe = probe_of_item(index, item)
            if probe is None:
                abort(404, f"No disputed item {item} in this store.")
        elif words:
            probe = probe_of_text(words)
        found = similar(index, probe, TOP) if probe is not None else None
    return render_template("similar/similar.html", active_page="similar", words=words, item=item, found=found,
                           no_index=False, label=_label, case_path=lookups.app_path)


def _label(iri: str) -> str:
    concept = concept_of(iri)
    return concept.pref_label if concept is not None else iri.rsplit("/", 1)[-1]
