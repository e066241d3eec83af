"""Ingest and example queries at growing corpus sizes, on synthetic letters, against baselines in the same run.

For each size N (default 1,000; 10,000 and 100,000 take long and are run on demand):

* ingest: `kg synth N --formats md` letters, then `kg build --jobs J` as a fresh process, --builds times into
  a new store (median): letters per second and the peak resident memory of the largest process;
* every example query (kg/queries/*.rq): median of R runs directly on the store (KGStore.select), over HTTP
  through the web app (GET /sparql on a waitress server), and, as the baseline, with rdflib's own SPARQL
  engine over the same quads loaded into an rdflib Dataset (skipped above --rdflib-max letters, and cut at
  --rdflib-timeout seconds per query);
* the ratios HTTP / direct and rdflib / direct;
* every page through HTTP (median of R): the workbench, /explore (with and without filters), /quality,
  /network, /cases, /graph, a vocabulary page and case pages, with each page's status.

``--store DIR --letters N`` measures the queries and pages of a store already built (no ingest).

The table is printed and the numbers written as JSON (--json).

    python benchmarks/scale.py --sizes 1000 --repeat 3
    python benchmarks/scale.py --store /tmp/store100k --letters 100000 --rdflib-max 0
"""
from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from kg.examples import example_queries  # noqa: E402
from kg.store import KGStore  # noqa: E402

KG = str(Path(sys.executable).parent / "kg")


def ingest(folder: Path, store: Path, count: int, jobs: int, builds: int = 1) -> dict[str, Any]:
    """Synthesise ``count`` Markdown letters and build them ``builds`` times, each into a new store (the last
    one is kept at ``store``): median seconds and letters/s, each run's seconds, and the largest resident memory
    of any process of the builds (MiB)."""
    import shutil

    subprocess.run([KG, "synth", str(count), "--out", str(folder), "--seed", "1", "--formats", "md", "-q"],
                   check=True)
    runs = []
    for _ in range(max(1, builds)):
        shutil.rmtree(store, ignore_errors=True)
        start = time.perf_counter()
        done = subprocess.run([KG, "build", str(folder), "--store", str(store), "--jobs", str(jobs), "-q"],
                              check=False, capture_output=True, text=True)
        runs.append(time.perf_counter() - start)
        if done.returncode not in (0, 1):
            raise SystemExit(f"kg build failed: {done.stderr[-2000:]}")
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    seconds = statistics.median(runs)
    return {"seconds": seconds, "runs_s": runs, "letters_per_s": count / seconds, "peak_rss_mib": peak}


def median_time(run: Any, repeat: int) -> tuple[float, int]:
    """Median seconds of ``run()`` over ``repeat`` runs after one warm-up, and the rows it gave."""
    rows = run()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        rows = run()
        times.append(time.perf_counter() - start)
    return statistics.median(times), rows


def http_rows(endpoint: str, sparql: str) -> int:
    request = urllib.request.Request(f"{endpoint}?{urllib.parse.urlencode({'query': sparql})}",
                                     headers={"Accept": "application/sparql-results+json", "Connection": "close"})
    with urllib.request.urlopen(request, timeout=600) as answer:
        return len(json.loads(answer.read())["results"]["bindings"])


def rdflib_rows(dataset: Any, sparql: str, timeout: float) -> int | None:
    """Rows of the query on rdflib's engine (union default graph), or None past ``timeout`` seconds."""
    found: list[int] = []

    def work() -> None:
        found.append(len(list(dataset.query(sparql))))

    thread = threading.Thread(target=work, daemon=True)
    thread.start()
    thread.join(timeout)
    return found[0] if found else None


def pages(base: str, store_path: Path, repeat: int) -> list[dict[str, Any]]:
    """Median seconds and status of every page, through HTTP."""
    with KGStore(store_path, read_only=True) as store:
        keys = [str(r["n"]) for r in store.select(
            "SELECT ?n WHERE { GRAPH ?g { ?c <https://w3id.org/imr-kg/ontology#caseNumber> ?n } } LIMIT 3")]
    paths = ["/", "/query", "/explore", "/explore?region=spine&level=chapter",
             "/explore?specialty=pain-medicine&year=2016", "/explore?treatment=physical-therapy&icd=13&from=2018-01-01",
             "/explore.json", "/quality", "/network", "/cases", "/cases?category=imaging&region=knee",
             "/cases?icd-chapter=13&outcome=overturned&from=2018-01-01&sort=case",
             "/search?q=massage", "/search?q=lumbar+MRI", "/search?q=%22functional+improvement%22",
             "/cases.csv?category=imaging&region=knee", "/similar?q=lumbar+MRI%2C+MTUS+low+back",
             "/vocab/treatment/mri", "/vocab/icd10cm/chapter-13", "/graph", "/vocab/treatment/",
             *[f"/case/{key}" for key in keys]]
    found = []
    for path in paths:
        statuses: list[int] = []

        def fetch(url: str = base + path) -> int:
            request = urllib.request.Request(url, headers={"Connection": "close"})
            try:
                with urllib.request.urlopen(request, timeout=600) as answer:
                    answer.read()
                    statuses.append(answer.status)
            except urllib.error.HTTPError as error:
                statuses.append(error.code)
            return statuses[-1]

        started = time.perf_counter()
        fetch()  # the first request: what a page computes and keeps shows here
        first = time.perf_counter() - started
        seconds, status = median_time(fetch, repeat)
        found.append({"page": path, "first_s": first, "http_s": seconds, "status": status})
    return found


def queries(store_path: Path, repeat: int, rdflib_max: int, count: int, timeout: float) -> list[dict[str, Any]]:
    from rdflib import Dataset

    from webapp import create_app
    from webapp.serve import ServerThread
    from webapp.store import close_app

    examples = example_queries()
    results: list[dict[str, Any]] = []
    dataset = None
    if count <= rdflib_max:
        with KGStore(store_path, read_only=True) as store, tempfile.NamedTemporaryFile(suffix=".nq") as dump:
            with open(dump.name, "wb") as handle:
                store.dump(handle, "nquads")
            dataset = Dataset(default_union=True)
            dataset.parse(dump.name, format="nquads")
    with KGStore(store_path, read_only=True) as store:
        direct = {name: median_time(lambda q=example.sparql: len(store.select(q)), repeat)
                  for name, example in examples.items()}
    app = create_app({"STORE_PATH": str(store_path), "QUERY_TIMEOUT_S": 600.0})
    try:
        with ServerThread(app) as server:
            endpoint = f"{server.url}/sparql"
            for name, example in examples.items():
                http = median_time(lambda q=example.sparql: http_rows(endpoint, q), repeat)
                baseline: float | None = None
                if dataset is not None:  # one run: the baseline is slow
                    start = time.perf_counter()
                    answered = rdflib_rows(dataset, example.sparql, timeout)
                    baseline = time.perf_counter() - start if answered is not None else None
                results.append({"query": name, "direct_s": direct[name][0], "http_s": http[0],
                                "rdflib_s": baseline, "rows": direct[name][1], "http_rows": http[1]})
            results += pages(server.url, store_path, repeat)
    finally:
        close_app(app)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000])
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=3, help="Runs of each query and page (median).")
    parser.add_argument("--builds", type=int, default=3, help="Builds of each size (median).")
    parser.add_argument("--rdflib-max", type=int, default=10_000, help="Largest size run on rdflib too.")
    parser.add_argument("--rdflib-timeout", type=float, default=600.0)
    parser.add_argument("--json", type=Path, default=None, help="Write the numbers here.")
    parser.add_argument("--store", type=Path, default=None, help="Measure this built store (no ingest).")
    parser.add_argument("--letters", type=int, default=0, help="With --store: how many letters it holds.")
    args = parser.parse_args()
    report: list[dict[str, Any]] = []
    if args.store is not None:
        rows = queries(args.store, args.repeat, args.rdflib_max, args.letters, args.rdflib_timeout)
        show(args.letters, rows)
        report.append({"letters": args.letters, "queries": rows})
    for count in [] if args.store is not None else args.sizes:
        with tempfile.TemporaryDirectory() as work:
            folder, store = Path(work) / "letters", Path(work) / "store"
            built = ingest(folder, store, count, args.jobs, args.builds)
            print(f"{count:,} letters: build {built['seconds']:.1f} s (median of {len(built['runs_s'])}: "
                  f"{', '.join(f'{r:.1f}' for r in built['runs_s'])}) = {built['letters_per_s']:.1f} letters/s "
                  f"(jobs {args.jobs}), peak RSS {built['peak_rss_mib']:.0f} MiB")
            rows = queries(store, args.repeat, args.rdflib_max, count, args.rdflib_timeout)
        show(count, rows)
        report.append({"letters": count, "ingest": built, "queries": rows})
    if args.json:
        args.json.write_text(json.dumps(report, indent=1))


def show(count: int, rows: list[dict[str, Any]]) -> None:
    """The table of one size: example queries, then pages."""
    print(f"{count:,} letters")
    print(f"{'query':<34} {'direct s':>9} {'HTTP s':>9} {'HTTP/dir':>9} {'rdflib s':>9} {'rdflib/dir':>10} rows")
    for row in rows:
        if "query" not in row:
            continue
        direct, base = max(row["direct_s"], 1e-6), row["rdflib_s"]
        shown = ("-", "-") if base is None else (f"{base:.3f}", f"{base / direct:.1f}x")
        print(f"{row['query']:<34} {row['direct_s']:>9.3f} {row['http_s']:>9.3f} "
              f"{row['http_s'] / direct:>8.1f}x {shown[0]:>9} {shown[1]:>10} {row['rows']}")
    print(f"{'page':<62} {'first s':>8} {'HTTP s':>8} status")
    for row in rows:
        if "page" in row:
            print(f"{row['page']:<62} {row.get('first_s', 0):>8.3f} {row['http_s']:>8.3f} {row['status']}")


if __name__ == "__main__":
    main()
