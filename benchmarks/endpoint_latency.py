"""What the SPARQL endpoint costs: each example query's median latency over HTTP versus directly on the store.

The script builds a store from the bundled letters in a temporary folder, serves it read-only with waitress
in a background thread on 127.0.0.1 (webapp.serve.ServerThread, default settings), and for every example
query (kg/queries/*.rq) times, in the same run:

* HTTP: a GET /sparql?query=... with urllib asking for SPARQL JSON, until the whole body is read
  (request, Flask, the worker process round trip, serialisation and the socket);
* direct: KGStore.select on the same store opened read-only in this process (rows as Python values).

After 2 warm-up runs of each, N timed runs alternate between the two; the table gives the medians, their
ratio and their difference (the endpoint's overhead per query). Row counts of both paths are shown so that
a mismatch would be seen.

    python benchmarks/endpoint_latency.py [--runs N]
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))  # the web app is not an installed package

from kg.build import build  # noqa: E402
from kg.examples import example_queries  # noqa: E402
from kg.store import KGStore  # noqa: E402

WARMUPS = 2


def http_query(endpoint: str, sparql: str) -> tuple[float, int]:
    """Seconds for one GET of the query's SPARQL JSON results (body read whole), and the row count."""
    url = f"{endpoint}?{urllib.parse.urlencode({'query': sparql})}"
    request = urllib.request.Request(url, headers={"Accept": "application/sparql-results+json"})
    started = time.perf_counter()
    with urllib.request.urlopen(request, timeout=60) as response:
        body = response.read()
    seconds = time.perf_counter() - started
    return seconds, len(json.loads(body)["results"]["bindings"])


def direct_query(store: KGStore, sparql: str) -> tuple[float, int]:
    """Seconds for KGStore.select of the query, and the row count."""
    started = time.perf_counter()
    rows = store.select(sparql)
    return time.perf_counter() - started, len(rows)


def measure(endpoint: str, store: KGStore, sparql: str, runs: int) -> tuple[float, float, int, int]:
    """Median HTTP and direct seconds over ``runs`` alternating runs (after warm-ups), and both row counts."""
    for _ in range(WARMUPS):
        http_query(endpoint, sparql)
        direct_query(store, sparql)
    http_times, direct_times = [], []
    http_rows = direct_rows = 0
    for _ in range(runs):
        seconds, http_rows = http_query(endpoint, sparql)
        http_times.append(seconds)
        seconds, direct_rows = direct_query(store, sparql)
        direct_times.append(seconds)
    return statistics.median(http_times), statistics.median(direct_times), http_rows, direct_rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20, help="Timed runs per query and path (default 20).")
    args = parser.parse_args()
    if args.runs < 1:
        parser.error("--runs must be at least 1")

    from webapp import create_app
    from webapp.serve import ServerThread
    from webapp.store import close_app

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "store"
        started = time.perf_counter()
        with KGStore(path) as writer:
            summary = build([ROOT / "letters"], writer)
            triples = writer.triple_count()
        letters = summary.added + summary.replaced
        print(f"store: {letters} letters from {ROOT / 'letters'}, {triples} triples, "
              f"built in {time.perf_counter() - started:.1f} s")
        app = create_app({"STORE_PATH": str(path)})
        try:
            with ServerThread(app, host="127.0.0.1", port=0) as server, \
                    KGStore(path, read_only=True) as store:
                endpoint = f"{server.url}/sparql"
                print(f"endpoint: {endpoint} (query workers: {app.config['QUERY_WORKERS']}); "
                      f"median of {args.runs} runs after {WARMUPS} warm-ups\n")
                header = (f"{'query':34} {'rows':>9} {'direct ms':>10} {'HTTP ms':>9} {'ratio':>7} "
                          f"{'overhead ms':>12}")
                print(header)
                print("-" * len(header))
                overheads = []
                for name, example in example_queries().items():
                    http_s, direct_s, http_rows, direct_rows = measure(endpoint, store, example.sparql,
                                                                       args.runs)
                    overheads.append(http_s - direct_s)
                    rows = f"{http_rows}" if http_rows == direct_rows else f"{http_rows}!={direct_rows}"
                    print(f"{name:34} {rows:>9} {1000 * direct_s:10.2f} {1000 * http_s:9.2f} "
                          f"{http_s / direct_s:6.1f}x {1000 * (http_s - direct_s):12.2f}")
                print("-" * len(header))
                print(f"{'median overhead':34} {'':>9} {'':>10} {'':>9} {'':>7} "
                      f"{1000 * statistics.median(overheads):12.2f}")
        finally:
            close_app(app)


if __name__ == "__main__":
    main()
