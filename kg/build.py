"""`kg build`: letters → records → graphs → validation → the store, streaming and in bulk.

Letters go through :mod:`kg.pipeline` in worker processes and into the store through :mod:`kg.loading`, the
loader the web app's uploads use too; only this process writes the store.
A letter whose file is unchanged since the last build (same bytes, same pipeline) is not touched; a
changed letter replaces its graphs in one transaction; new letters are loaded in bulk. Letters that
cannot be read, or that break a Violation-level shape under ``strict``, are kept out and listed,
with their path and the reason, in the ``graph/rejected`` named graph.
"""
from __future__ import annotations

import os
from collections.abc import Callable, Iterable

from kg import summaries
from kg.item_index import sync
from kg.loading import LetterLoader, LoadSummary
from kg.namespaces import GRAPH
from kg.pipeline import Processed, changed_files, process_files, quiet
from kg.rdf import mint
from kg.rdf.vocab_graph import fingerprint, ontology_graph, vocabulary_graph
from kg.store import AnyStore

ONTOLOGY_GRAPH = GRAPH["ontology"]
VOCAB_GRAPH = GRAPH["vocab"]


def ensure_reference_graphs(store: AnyStore) -> None:
    """Load the ontology and vocabularies when the store lacks them or they changed."""
    if store.meta().get("fingerprint") == fingerprint() and store.has_graph(VOCAB_GRAPH):
        return
    store.replace_graphs({ONTOLOGY_GRAPH: ontology_graph(), VOCAB_GRAPH: vocabulary_graph()})


def stored_letters(store: AnyStore) -> dict[str, tuple[str, str, str]]:
    """Case key → (file digest, pipeline version, path of the file it was read from) of every letter in the
    store, in one pass over them."""
    rows = store.select(
        "SELECT ?letter ?sha ?version ?source WHERE { GRAPH ?g { ?letter a imr:Letter ; imr:sha256 ?sha . "
        "OPTIONAL { ?letter imr:pipelineVersion ?version } "
        "OPTIONAL { ?letter <http://purl.org/dc/terms/source> ?source } } }")
    index = {}
    for row in rows:
        key = mint.key_from_iri(row["letter"])
        if key:
            index[key] = (row["sha"], row["version"] or "", str(row["source"] or ""))
    return index


def letter_index(store: AnyStore) -> dict[str, tuple[str, str]]:
    """Case key → (file digest, pipeline version) of every letter in the store."""
    return {key: (sha, version) for key, (sha, version, _) in stored_letters(store).items()}


def half_letters(store: AnyStore) -> list[str]:
    """Keys of letters with a graph but no validation report, or a report but no graph (what a build stopped
    between writing the two could leave)."""
    letters = {mint.key_from_iri(str(row["g"])) for row in store.select(
        "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?letter a imr:Letter } }")}
    reports = {mint.key_from_iri(str(row["v"])) for row in store.select(
        "SELECT DISTINCT ?v WHERE { GRAPH ?v { ?letter imr:validationReport ?report } }")}
    return sorted(key for key in letters ^ reports if key)


def drop_half_letters(store: AnyStore) -> list[str]:
    """Take out every letter :func:`half_letters` finds (its file is read again by the build); their keys."""
    found = half_letters(store)
    for start in range(0, len(found), 200):
        store.update(" ;\n".join(f"DROP SILENT GRAPH <{graph}>" for key in found[start:start + 200]
                                  for graph in (mint.letter_graph(key), mint.validation_graph(key))))
    return found


def restore_icd10_concepts(store: AnyStore) -> None:
    """Write the ICD-10-CM concepts of every code a stored letter uses (a stopped build may have written letters
    and not yet their codes' concepts; writing a concept again changes nothing)."""
    from urllib.parse import unquote

    from kg.loading import ICD10_GRAPH
    from kg.rdf.vocab_graph import icd10_graph

    codes = sorted({unquote(str(row["code"]).rsplit("/", 1)[-1]) for row in store.select(
        "SELECT DISTINCT ?code WHERE { GRAPH ?g { ?diagnosis imr:icd10Code ?code } }")})
    for start in range(0, len(codes), 500):
        triples = icd10_graph(codes[start:start + 500]).serialize(format="nt")
        store.update(f"INSERT DATA {{ GRAPH <{ICD10_GRAPH}> {{\n{triples}\n}} }}")


def build(paths: Iterable[str | os.PathLike[str]], store: AnyStore, strict: bool = False, jobs: int = 1,
          progress: Callable[[Processed | None], None] | None = None) -> LoadSummary:
    """Bring the store up to date with the letters under ``paths``.

    A build marks the store while it runs. The next build of a store so marked (the last one was stopped: a
    crash, a kill, a full disk) first takes out any letter whose graph is there without its validation report or
    the reverse, and, once its letters are in, counts the outcomes again from every letter; the item index is
    brought in line with the store's letters by every build. So a stopped build followed by another ends as if
    none had been stopped."""
    ensure_reference_graphs(store)
    interrupted = store.meta().get("build") == "running"
    store.set_meta({"build": "running"})
    if interrupted:
        drop_half_letters(store)
    stored = stored_letters(store)
    existing = {key: (sha, version) for key, (sha, version, _) in stored.items()}
    items = store.item_index()
    if items is not None:  # an interrupted build may have left the item index behind the letters
        sync(items, store.select, {key: sha for key, (sha, _) in existing.items()})
    current = fingerprint()
    known = {sha for sha, version in existing.values() if version == current}
    loader = LetterLoader(store, set(existing), strict,
                          stored={key: (sha, source) for key, (sha, _, source) in stored.items() if source})
    report = progress or quiet
    todo, unchanged = changed_files(paths, known)
    loader.summary.unchanged = len(unchanged)
    loader.read += [str(path) for path in unchanged]  # a file kept out before and stored now is no longer kept out
    for _ in unchanged:
        report(None)
    for processed in process_files(todo, jobs):
        loader.take(processed)
        report(processed)
    summary = loader.finish()
    if interrupted:
        restore_icd10_concepts(store)
    if interrupted or (existing and store.meta().get("summaries") != summaries.LAYOUT):
        summaries.recount(store)  # stopped half-way, or counted under another layout
    store.set_meta({"fingerprint": current, "summaries": summaries.LAYOUT})
    if items is not None:  # so that the explorer and network pages answer at once (nothing to do if unchanged)
        from kg.analytics import refresh_projections
        from kg.explorer import refresh_explorer
        from kg.facet_table import table_of

        refresh_explorer(items)
        refresh_projections(items)
        table_of(items)  # the finder's columns, saved beside the index
    store.set_meta({"build": "finished"})
    return summary
