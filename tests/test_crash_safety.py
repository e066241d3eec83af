"""A build killed with SIGKILL at random moments, five times over: after each kill the store opens and holds
every letter wholly (graph and report) or not at all, with the item index and its search documents naming only
letters the store holds; the next build then ends exactly where an uninterrupted one does (the same triples,
outcome counts and index)."""
from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from kg.build import half_letters
from kg.item_index import FILE_NAME, ItemIndex
from kg.store import KGStore
from kg.summaries import SUMMARY_GRAPH

KG = str(Path(sys.executable).parent / "kg")
LETTERS = 120


def _build(letters: Path, store: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen([KG, "build", str(letters), "--store", str(store), "--jobs", "2", "-q"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)


def _state(store_path: Path) -> dict[str, object]:
    with KGStore(store_path, read_only=True) as store:
        letters = {str(row["g"]) for row in store.select("SELECT DISTINCT ?g WHERE { GRAPH ?g { ?l a imr:Letter } }")}
        counts = {(str(r["o"]), str(r["p"]), str(r["v"])) for r in store.select(
            f"SELECT ?o ?p ?v WHERE {{ GRAPH <{SUMMARY_GRAPH}> {{ ?o ?p ?v }} }}")}
        return {"triples": store.triple_count(), "letters": letters, "counts": counts,
                "half": half_letters(store)}


def _indexed(store_path: Path) -> tuple[set[str], set[str]]:
    """The letters the item index holds, and those its search documents belong to."""
    with ItemIndex(store_path / FILE_NAME, read_only=True) as index:
        letters = {row[0] for row in index.db.execute("SELECT letter FROM letters")}
        searched = {row[0] for row in index.db.execute("SELECT DISTINCT letter FROM search_docs")}
    return letters, searched


@pytest.fixture(scope="module")
def letters(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("crash") / "letters"
    done = subprocess.run([KG, "synth", str(LETTERS), "--out", str(folder), "--seed", "11", "--formats", "md"],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return folder


def test_killed_builds_leave_whole_letters_and_the_next_build_converges(letters: Path, tmp_path: Path) -> None:
    reference_store = tmp_path / "reference"
    started = time.monotonic()
    reference = _build(letters, reference_store)
    assert reference.wait(timeout=600) == 0
    took = time.monotonic() - started
    expected = _state(reference_store)
    assert len(expected["letters"]) == LETTERS and not expected["half"]  # type: ignore[arg-type]

    store = tmp_path / "store"
    chance = random.Random(5)
    kills = 0
    while kills < 5:
        running = _build(letters, store)
        time.sleep(chance.uniform(0.2, max(0.5, took * 0.9)))
        if running.poll() is not None:  # finished before the kill: start again from an empty store
            assert running.returncode == 0
            continue
        os.killpg(running.pid, signal.SIGKILL)
        running.wait(timeout=60)
        kills += 1
        if not (store / "CURRENT").exists():
            continue  # killed before the store was made
        state = _state(store)  # the store opens
        assert state["half"] == [], f"after kill {kills}: letters with a graph but no report, or the reverse"
        indexed, searched = _indexed(store) if (store / FILE_NAME).exists() else (set(), set())
        held = {key.rsplit("/", 1)[-1] for key in state["letters"]}  # type: ignore[union-attr]
        assert indexed <= held and searched <= indexed, f"after kill {kills}: the index names letters not stored"
        meta = store / "kg-meta.json"
        told = subprocess.run([KG, "stats", "--store", str(store)], capture_output=True, text=True)
        assert told.returncode == 0, told.stderr
        mark = json.loads(meta.read_text()).get("build") if meta.exists() else None
        if mark == "finished":
            assert state["letters"] == expected["letters"]  # killed after its last step: a whole build
        elif mark == "running":  # the store says a build stopped, until the next one finishes
            assert "the last build of" in told.stderr and "stopped" in told.stderr
        else:
            assert not state["letters"]  # killed before the build began on its letters

    final = _build(letters, store)
    assert final.wait(timeout=600) == 0
    after = _state(store)
    assert after["letters"] == expected["letters"]
    assert after["triples"] == expected["triples"]
    assert after["counts"] == expected["counts"]
    assert after["half"] == []
    assert _indexed(store) == _indexed(reference_store)
