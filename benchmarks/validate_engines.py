"""SHACL validation time per letter: pyshacl (the reference) against pyshacl-turbo (the default engine).

Each letter's graph is built once as `kg build` builds it (extract, map, pipeline version), then validated:

* through kg.validate.validate_graph, one letter at a time, with engine="pyshacl" and engine="turbo"
  (turbo hands the few non-conforming letters to pyshacl, so its median is pyshacl-turbo's own time);
* with each engine alone (kg.shacl_engine), one letter at a time;
* with each engine alone on batches: ``--batch`` letter graphs merged into one graph, validated in one run
  (the time includes the merge), reported per letter.

Medians in milliseconds per letter; the ratio is pyshacl's time over pyshacl-turbo's, in the same run. The
last line says whether both engines gave every letter the same report (conforms and problems).

    python benchmarks/validate_engines.py                       # bundled letters and shared/letters/real
    python benchmarks/validate_engines.py --letters letters --batch 16
"""
from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path

from rdflib import Graph, Literal

from kg import shacl_engine
from kg.namespaces import IMR
from kg.pipeline import extract_file, letter_paths
from kg.rdf import mint
from kg.rdf.mapping import record_to_graph
from kg.rdf.vocab_graph import fingerprint
from kg.validate import Problem, shapes_graph, validate_graph

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_LETTERS = [ROOT / "letters", ROOT.parent / "shared" / "letters" / "real"]


def letter_graphs(folders: list[Path]) -> list[Graph]:
    """Every readable letter's graph, as kg.build.process_record maps it (not timed)."""
    graphs = []
    for path in letter_paths([f for f in folders if f.exists()]):
        record = extract_file(path)
        if record.case_number is None or record.text is None:
            continue
        graph = record_to_graph(record, datetime.now(timezone.utc))
        graph.add((mint.letter_iri(mint.case_key(record.case_number, record.sha256)), IMR.pipelineVersion,
                   Literal(fingerprint())))
        graphs.append(graph)
    return graphs


def per_letter(graphs: list[Graph], validate: Callable[[Graph], object]) -> list[float]:
    """Milliseconds for each graph, one at a time."""
    times = []
    for graph in graphs:
        start = time.perf_counter()
        validate(graph)
        times.append(1000 * (time.perf_counter() - start))
    return times


def batched(graphs: list[Graph], size: int, engine: str) -> list[float]:
    """Milliseconds per letter for each batch of ``size`` graphs merged and validated in one run."""
    run = shacl_engine._run_turbo if engine == "turbo" else shacl_engine._run_pyshacl
    times = []
    for i in range(0, len(graphs), size):
        batch = graphs[i:i + size]
        start = time.perf_counter()
        merged = Graph()
        for graph in batch:
            merged += graph
        run(merged, shapes_graph())
        times.append(1000 * (time.perf_counter() - start) / len(batch))
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--letters", type=Path, nargs="+", default=DEFAULT_LETTERS,
                        help="folders or files of letters (default: letters/ and ../shared/letters/real)")
    parser.add_argument("--batch", type=int, default=32, help="letter graphs merged per batched run")
    args = parser.parse_args()

    graphs = letter_graphs(args.letters)
    if not graphs:
        raise SystemExit("no letters found")
    triples = statistics.median(len(g) for g in graphs)
    print(f"{len(graphs)} letter graphs (median {triples:.0f} triples) from "
          f"{', '.join(str(f) for f in args.letters if f.exists())}")
    print(f"pyshacl-turbo in use: {shacl_engine.engine_in_use('turbo') == 'turbo'}")
    for engine in ("pyshacl", "turbo"):  # warm up: imports, shapes parsed and compiled
        validate_graph(graphs[0], engine=engine)

    reports: dict[str, list[tuple[bool, list[Problem]]]] = {"pyshacl": [], "turbo": []}

    def through_kg(engine: str) -> Callable[[Graph], object]:
        def validate(graph: Graph) -> object:
            report = validate_graph(graph, engine=engine)
            reports[engine].append((report.conforms, report.problems))
            return report
        return validate

    rows = [
        ("validate_graph, one letter at a time",
         per_letter(graphs, through_kg("pyshacl")), per_letter(graphs, through_kg("turbo"))),
        ("engine alone, one letter at a time",
         per_letter(graphs, lambda g: shacl_engine._run_pyshacl(g, shapes_graph())),
         per_letter(graphs, lambda g: shacl_engine._run_turbo(g, shapes_graph()))),
        (f"engine alone, {args.batch} letters merged per run",
         batched(graphs, args.batch, "pyshacl"), batched(graphs, args.batch, "turbo")),
    ]
    print()
    print(f"{'median ms per letter':42s} {'pyshacl':>9s} {'turbo':>9s} {'ratio':>7s}")
    for name, reference, turbo in rows:
        slow, fast = statistics.median(reference), statistics.median(turbo)
        print(f"{name:42s} {slow:9.1f} {fast:9.1f} {slow / fast:6.1f}x")
    total_reference, total_turbo = sum(rows[0][1]), sum(rows[0][2])
    print(f"{'validate_graph, total seconds':42s} {total_reference / 1000:9.1f} {total_turbo / 1000:9.1f} "
          f"{total_reference / total_turbo:6.1f}x")
    same = sum(a == b for a, b in zip(reports["pyshacl"], reports["turbo"]))
    failing = sum(not conforms for conforms, _ in reports["pyshacl"])
    print(f"\nsame report from both engines: {same}/{len(graphs)} letters ({failing} not conforming)")


if __name__ == "__main__":
    main()
