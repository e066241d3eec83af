"""Load: `kg serve` (waitress, query workers) under 32 clients for a minute, mixing the example queries, pages
and searches, while one client sends a runaway query. No answer is a 5xx except the runaway's own time-out, the
runaway is cut at the time limit while the others go on being served, and the server's memory stays bounded.
The latency percentiles are written to tests/artifacts/load.json and shown in the assertion messages."""
from __future__ import annotations

import json
import os
import random
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

from kg.examples import example_queries

KG = str(Path(sys.executable).parent / "kg")
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
SECONDS = float(os.environ.get("KG_LOAD_SECONDS", "60"))
CLIENTS = 32
TIME_LIMIT_S = 3.0
RUNAWAY = "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l } ORDER BY ?a ?d ?g ?j"
PAGES = ["/", "/cases", "/cases?category=imaging", "/case/CM14-0166055", "/vocab/treatment/mri", "/explore",
         "/quality", "/network", "/search?q=massage", "/search?q=lumbar+MRI", "/similar?q=lumbar+MRI",
         "/cases.json?outcome=overturned", "/vocab/category/pharmaceuticals", "/query"]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _rss_mib(pid: int) -> float:
    """Resident memory of a process and its children, in MiB."""
    total = 0
    for candidate in [pid, *_children(pid)]:
        try:
            for line in Path(f"/proc/{candidate}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            pass
    return total / 1024


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1]) == pid:
                    found += [int(entry.name), *_children(int(entry.name))]
            except (OSError, IndexError, ValueError):
                pass
    return found


def _get(url: str, timeout: float = 60) -> tuple[int, float]:
    started = time.perf_counter()
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers={"Connection": "close"}),
                                    timeout=timeout) as answer:
            answer.read()
            status = answer.status
    except urllib.error.HTTPError as error:
        error.read()
        status = error.code
    return status, time.perf_counter() - started


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def test_32_clients_for_a_minute_with_a_runaway_query(built_store_path: Path, tmp_path: Path) -> None:
    port = _free_port()
    log = open(tmp_path / "server.log", "w")  # read by nobody while it runs: a pipe would fill and stop the server
    server = subprocess.Popen([KG, "serve", "--store", str(built_store_path), "--port", str(port), "--threads", "16",
                               "--timeout", str(TIME_LIMIT_S)], stdout=subprocess.DEVNULL, stderr=log)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if _get(base + "/query", timeout=5)[0] == 200:
                    break
            except OSError:
                pass
            assert time.monotonic() < deadline and server.poll() is None, "the server did not start"
            time.sleep(0.2)
        queries = [base + "/sparql?" + urllib.parse.urlencode({"query": q.sparql}) for q in example_queries().values()]
        urls = queries + [base + page for page in PAGES]
        results: list[tuple[str, int, float]] = []
        lock = threading.Lock()
        stop = time.monotonic() + SECONDS
        memory: list[float] = []

        def client(seed: int) -> None:
            chance = random.Random(seed)
            while time.monotonic() < stop:
                url = chance.choice(urls)
                try:
                    status, took = _get(url)
                except OSError as error:  # a refused or dropped connection counts as a failure
                    status, took = 599, 0.0
                    url = f"{error} at {time.monotonic() - stop + SECONDS:.1f} s <- {url}"
                with lock:
                    results.append((url, status, took))

        def runaway() -> list[tuple[int, float]]:
            time.sleep(5)
            return [_get(base + "/sparql?" + urllib.parse.urlencode({"query": RUNAWAY})) for _ in range(3)]

        threads = [threading.Thread(target=client, args=(n,)) for n in range(CLIENTS - 1)]
        cut: list[tuple[int, float]] = []
        threads.append(threading.Thread(target=lambda: cut.extend(runaway())))
        for thread in threads:
            thread.start()
        while any(t.is_alive() for t in threads):
            memory.append(_rss_mib(server.pid))
            time.sleep(1)
        for thread in threads:
            thread.join()
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()

    latencies = [took for _, status, took in results if status < 500]
    failures = [(url[:120], status) for url, status, _ in results if status >= 500]
    report = {"clients": CLIENTS, "seconds": SECONDS, "requests": len(results),
              "requests_per_s": round(len(results) / SECONDS, 1),
              "p50_s": round(_percentile(latencies, 0.50), 4), "p90_s": round(_percentile(latencies, 0.90), 4),
              "p99_s": round(_percentile(latencies, 0.99), 4), "max_s": round(max(latencies), 4),
              "server_5xx": len(failures), "runaway": [{"status": s, "seconds": round(t, 2)} for s, t in cut],
              "server_rss_mib": {"first": round(memory[0], 1), "peak": round(max(memory), 1),
                                 "last": round(memory[-1], 1)}}
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "load.json").write_text(json.dumps(report, indent=1))
    assert len(results) > CLIENTS * 10, report
    assert failures == [], (failures[:10], report)
    assert [status for status, _ in cut] == [503, 503, 503], report
    assert all(took < TIME_LIMIT_S + 10 for _, took in cut), report  # cut near the limit, queue included
    assert max(memory) < 2048 and memory[-1] < 1.5 * max(memory[:5]) + 256, report
