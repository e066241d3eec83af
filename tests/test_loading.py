"""One loader for `kg build` and uploads: new letters in bulk, stored ones replaced, kept-out ones recorded."""
from __future__ import annotations

import ast
from pathlib import Path

from kg.loading import ICD10_GRAPH, REJECTED_GRAPH, LetterLoader
from kg.pipeline import Processed, process_file
from kg.rdf import mint
from kg.store import KGStore
from tests.conftest import ROOT, SEED


def _graphs(store: KGStore) -> set[str]:
    return set(store.named_graphs())


def test_new_letters_are_added_and_a_second_take_replaces() -> None:
    """A letter not in the store is added; taken again (as a re-read would) it replaces its graphs, not doubles."""
    store = KGStore()
    processed = process_file(SEED)
    assert processed.key is not None
    loader = LetterLoader(store, existing=set())
    assert loader.take(processed)
    loader.finish()
    letter = str(mint.letter_graph(processed.key))
    count = store.triple_count(mint.letter_graph(processed.key))
    assert letter in _graphs(store) and count > 0
    again = LetterLoader(store, existing={processed.key})
    again.take(processed)
    summary = again.finish()
    assert (summary.added, summary.replaced) == (0, 1)
    assert store.triple_count(mint.letter_graph(processed.key)) == count
    codes = store.select(f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{ICD10_GRAPH}> {{ ?s ?p ?o }} }}")
    assert int(codes[0]["n"]) > 0


def test_rejections_are_recorded_and_forgotten_when_the_file_reads() -> None:
    """A file kept out is listed with its reasons; when the same file is read again and loads, the entry goes."""
    store = KGStore()
    loader = LetterLoader(store, existing=set())
    assert not loader.take(Processed(source="x.md", sha256="", errors=["x.md: file is empty"]))
    loader.finish()
    query = f"SELECT ?reason WHERE {{ GRAPH <{REJECTED_GRAPH}> {{ ?r <https://w3id.org/imr-kg/ontology#rejectionReason> ?reason }} }}"
    assert [row["reason"] for row in store.select(query)] == ["x.md: file is empty"]
    fixed = process_file(SEED)
    fixed.source = "x.md"
    again = LetterLoader(store, existing=set())
    again.take(fixed)
    again.finish()
    assert store.select(query) == []


def test_without_a_known_index_every_letter_is_written_as_a_replacement() -> None:
    """The web app does not know which letters are stored: replacing is right either way."""
    store = KGStore()
    processed = process_file(SEED)
    for _ in range(2):
        loader = LetterLoader(store)
        loader.take(processed)
        loader.finish()
    assert store.triple_count(mint.letter_graph(processed.key or "")) == \
        len([line for line in processed.letter_nt.splitlines() if line.strip()])


def test_uploads_do_not_chain_the_stages_themselves() -> None:
    """The web app's upload module reaches extraction, mapping and validation only through kg.pipeline and
    writes only through kg.loading."""
    tree = ast.parse(Path(ROOT / "webapp" / "upload.py").read_text(encoding="utf-8"))
    imported = {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.module}
    assert {"kg.pipeline", "kg.loading"} <= imported
    assert not imported & {"kg.extract", "kg.rdf.mapping", "kg.validate", "kg.build", "kg.letters.readers"}


def test_query_workers_open_the_store_through_the_library() -> None:
    """No module of the web app opens a pyoxigraph store itself."""
    for path in (ROOT / "webapp").glob("*.py"):
        text = path.read_text(encoding="utf-8")
        assert "ox.Store(" not in text and "Store.read_only(" not in text, path.name


def test_counts_follow_the_letters_batch_by_batch(tmp_path: Path) -> None:
    """Before the load finishes, every full batch of letters is in the store with its outcome counts."""
    BATCH = 30
    import subprocess
    import sys

    from kg.pipeline import letter_paths
    from kg.summaries import DATASET, SUMMARY_GRAPH

    kg = str(Path(sys.executable).parent / "kg")
    subprocess.run([kg, "synth", str(BATCH + 5), "--out", str(tmp_path / "letters"), "--seed", "4",
                    "--formats", "md", "-q"], check=True)
    store = KGStore()
    loader = LetterLoader(store, existing=set(), batch=BATCH)
    items = 0
    for number, path in enumerate(letter_paths([tmp_path / "letters"]), 1):
        processed = process_file(path)
        loader.take(processed)
        if number <= BATCH:
            items += sum(1 for fact in processed.facts if fact[0] == "all")
    letters = store.select("SELECT (COUNT(DISTINCT ?g) AS ?n) WHERE { GRAPH ?g { ?l a "
                           "<https://w3id.org/imr-kg/ontology#Letter> } }")
    assert int(letters[0]["n"]) == BATCH  # the last five wait for the next batch or finish()
    stored = store.select(f"SELECT (SUM(?n) AS ?items) WHERE {{ GRAPH <{SUMMARY_GRAPH}> {{ ?o "
                          f"<https://w3id.org/imr-kg/ontology#dimension> \"all\" ; "
                          f"<http://purl.org/linked-data/cube#dataSet> <{DATASET}> ; "
                          f"<https://w3id.org/imr-kg/ontology#items> ?n }} }}")
    assert items > 0 and int(stored[0]["items"]) == items
    loader.finish()
    letters = store.select("SELECT (COUNT(DISTINCT ?g) AS ?n) WHERE { GRAPH ?g { ?l a "
                           "<https://w3id.org/imr-kg/ontology#Letter> } }")
    assert int(letters[0]["n"]) == BATCH + 5
