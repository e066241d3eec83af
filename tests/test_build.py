"""`build`: letters into the store, idempotent, replacing changed letters, keeping bad ones out with reasons."""
from __future__ import annotations

import shutil
from pathlib import Path

from kg.build import build
from kg.loading import REJECTED_GRAPH
from kg.store_stats import letter_keys, store_stats
from kg.rdf import mint
from kg.store import KGStore
from tests.conftest import DATA_DIR, SEED


def _copy_letters(tmp_path: Path, *names: str) -> Path:
    folder = tmp_path / "letters"
    folder.mkdir()
    for letter in DATA_DIR.rglob("*"):
        if letter.is_file() and not letter.name.endswith(".json") and (not names or letter.stem in names):
            shutil.copy(letter, folder / letter.name)
    return folder


def test_bundled_letters_are_all_loaded(built_store) -> None:
    """Every bundled letter has its graph and its validation report, plus the reference graphs."""
    keys = letter_keys(built_store)
    assert len(keys) == 14 and "CM14-0166055" in keys
    graphs = set(built_store.named_graphs())
    for graph in ("ontology", "vocab", "icd10cm"):
        assert f"https://w3id.org/imr-kg/graph/{graph}" in graphs
    assert str(mint.validation_graph("CM14-0166055")) in graphs


def test_rebuild_is_idempotent(tmp_path: Path) -> None:
    """A second build of the same letters changes nothing: same triple count, every letter unchanged."""
    folder = _copy_letters(tmp_path, "CM14-0166055", "CM13-0009871")
    with KGStore(tmp_path / "s") as store:
        first = build([folder], store)
        count = store.triple_count()
        second = build([folder], store)
        assert (first.added, second.added, second.replaced, second.unchanged) == (2, 0, 0, 2)
        assert store.triple_count() == count


def test_changed_letter_is_replaced_not_duplicated(tmp_path: Path) -> None:
    """Editing a letter replaces its graph: the old facts are gone, nothing is duplicated."""
    folder = _copy_letters(tmp_path, "CM14-0166055")
    letter = folder / SEED.name
    with KGStore(tmp_path / "s") as store:
        build([folder], store)
        letter.write_text(letter.read_text().replace("Upheld", "Overturned"), encoding="utf-8")
        summary = build([folder], store)
        assert summary.replaced == 1
        outcomes = store.select("SELECT ?o WHERE { GRAPH ?g { ?i imr:outcome ?o } }")
        assert [r["o"] for r in outcomes] == ["https://w3id.org/imr-kg/vocab/outcome/overturned"]


def test_bad_files_are_kept_out_with_reasons(tmp_path: Path) -> None:
    """An unreadable file is not loaded; its path and reason are stored and listed; the rest goes on."""
    folder = _copy_letters(tmp_path, "CM14-0166055")
    (folder / "empty.txt").write_bytes(b"")
    with KGStore(tmp_path / "s") as store:
        summary = build([folder], store)
        assert summary.added == 1
        assert [source for source, _ in summary.rejected] == [str(folder / "empty.txt")]
        rows = store.select(f"SELECT ?source ?reason WHERE {{ GRAPH <{REJECTED_GRAPH}> {{ "
                            "?r a imr:RejectedLetter ; dcterms:source ?source ; imr:rejectionReason ?reason } }")
        assert rows == [{"source": str(folder / "empty.txt"), "reason": f"{folder / 'empty.txt'}: file is empty"}]
        assert not summary.clean


def test_fixed_file_leaves_the_rejected_list(tmp_path: Path) -> None:
    """Once a rejected file reads cleanly, it is loaded and no longer listed as kept out."""
    folder = _copy_letters(tmp_path)
    bad = folder / "CM99-0000001.md"
    bad.write_bytes(b"")
    with KGStore(tmp_path / "s") as store:
        build([bad], store)
        bad.write_bytes(SEED.read_bytes())
        build([bad], store)
        assert store_stats(store)["letters kept out"] == 0


def test_strict_keeps_violating_letters_out(tmp_path: Path) -> None:
    """With strict, a letter whose graph breaks a Violation-level shape is not loaded, and the reason is kept."""
    folder = _copy_letters(tmp_path, "CM14-0166055")
    letter = folder / SEED.name
    # The UR denial after the application date breaks the date-order rule.
    letter.write_text(letter.read_text().replace("UR Denial Date:</b>\t10/03/2014", "UR Denial Date:</b>\t10/30/2014"),
                      encoding="utf-8")
    with KGStore(tmp_path / "s") as store:
        lenient = build([folder], store)
        assert lenient.added == 1 and lenient.not_conforming
    with KGStore(tmp_path / "strict") as store:
        strict = build([folder], store, strict=True)
        assert strict.added == 0
        (source, reasons), = strict.rejected
        assert source == str(letter) and any("violation" in r for r in reasons)
        assert letter_keys(store) == []


def test_parallel_build_matches_serial(tmp_path: Path) -> None:
    """Worker processes give the same graph as one process."""
    folder = _copy_letters(tmp_path, "CM14-0166055", "CM13-0009871", "CM15-0157332")
    counts = []
    for jobs in (1, 2):
        with KGStore(tmp_path / f"s{jobs}") as store:
            build([folder], store, jobs=jobs)
            counts.append((store.triple_count(), letter_keys(store)))
    assert counts[0] == counts[1]
