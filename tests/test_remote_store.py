"""`--store http://...`: build, query, validate, stats and export against a real Oxigraph server process."""
from __future__ import annotations

import json
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from SPARQLWrapper import JSON, SPARQLWrapper

from kg.cli import cli
from kg.loading import REJECTED_GRAPH
from kg.pipeline import file_digest
from kg.rdf import mint
from kg.rdf.vocab_graph import fingerprint
from kg.remote_store import META_GRAPH, RemoteStore
from kg.summaries import LAYOUT, SUMMARY_GRAPH
from tests.conftest import DATA_DIR, SEED

LETTERS = 14


def _oxigraph() -> str | None:
    beside = Path(sys.executable).parent / "oxigraph"
    return str(beside) if beside.exists() else shutil.which("oxigraph")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _launch(location: Path, port: int) -> subprocess.Popen[bytes]:
    command = _oxigraph()
    if command is None:
        pytest.skip("the `oxigraph` command is not installed (pip install oxigraph)")
    location.parent.mkdir(parents=True, exist_ok=True)
    with open(location.parent / "oxigraph.log", "wb") as log:
        return subprocess.Popen([command, "serve", "--location", str(location), "--bind", f"127.0.0.1:{port}"],
                                stdout=log, stderr=subprocess.STDOUT)


def _answering(url: str, process: subprocess.Popen[Any], seconds: float, what: Callable[[], str]) -> None:
    """Wait until ``url`` answers 200; if the process ends or the time runs out first, fail with ``what()``."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            with urllib.request.urlopen(url, timeout=5) as answer:
                if answer.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, OSError):
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            raise RuntimeError(f"did not start: {what()}")
        time.sleep(0.2)


def _start(location: Path) -> tuple[subprocess.Popen[bytes], str]:
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    process = _launch(location, port)
    _answering(f"{url}/query?query=ASK%7B%7D", process, 30,
               lambda: "oxigraph serve: " + (location.parent / "oxigraph.log").read_text(errors="replace"))
    return process, url


def _stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The base URL of an `oxigraph serve` process on a free port, over an empty folder."""
    process, url = _start(tmp_path_factory.mktemp("oxigraph") / "db")
    yield url
    _stop(process)


@pytest.fixture(scope="module")
def built(server: str) -> tuple[str, str]:
    """The server after `kg build letters/ --store URL`; (URL, the build's summary line)."""
    result = CliRunner().invoke(cli, ["build", str(DATA_DIR), "--store", server, "-q"])
    assert result.exit_code == 0, result.output
    return server, result.stderr


@pytest.fixture
def runner() -> CliRunner:
    """A Click runner."""
    return CliRunner()


def _sparql(url: str, query: str) -> list[dict[str, str]]:
    client = SPARQLWrapper(f"{url}/query")
    client.setQuery(query)
    client.setReturnFormat(JSON)
    answer = client.query().convert()
    assert isinstance(answer, dict)
    return [{k: v["value"] for k, v in row.items()} for row in answer["results"]["bindings"]]


def _stats(runner: CliRunner, url: str) -> dict[str, int]:
    result = runner.invoke(cli, ["stats", "--store", url, "--format", "json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_build_loads_every_letter(built: tuple[str, str]) -> None:
    """The first build adds every bundled letter and reports the server's triple count."""
    url, summary = built
    assert f"{LETTERS} added, 0 replaced, 0 unchanged, 0 kept out" in summary
    with RemoteStore(url) as store:
        triples = store.triple_count()
        assert triples > 10_000
        assert f"store {url} holds {triples} triples" in summary
        assert store.meta() == {"fingerprint": fingerprint(), "summaries": LAYOUT, "build": "finished"}
        assert str(META_GRAPH) in store.named_graphs()


def test_cases_queryable_by_kg_query_and_sparqlwrapper(built: tuple[str, str], runner: CliRunner) -> None:
    """The cases come back through `kg query --store URL` and through the server's own /query endpoint."""
    url, _ = built
    result = runner.invoke(cli, ["query", "--store", url, "--format", "csv",
                                 "SELECT ?case WHERE { ?c a imr:Case ; imr:caseNumber ?case } ORDER BY ?case"])
    assert result.exit_code == 0, result.output
    through_kg = result.stdout.split()[1:]
    assert len(through_kg) == LETTERS and "CM14-0166055" in through_kg
    rows = _sparql(url, "PREFIX imr: <https://w3id.org/imr-kg/ontology#> SELECT DISTINCT ?case WHERE { "
                        "GRAPH ?g { ?c a imr:Case ; imr:caseNumber ?case } } ORDER BY ?case")
    assert [row["case"] for row in rows] == through_kg
    table = runner.invoke(cli, ["query", "--store", url, "SELECT (COUNT(?c) AS ?n) WHERE { ?c a imr:Case }"])
    assert table.exit_code == 0 and f"{LETTERS}" in table.stdout.split()
    asked = runner.invoke(cli, ["query", "--store", url, "ASK { ?c imr:caseNumber 'CM14-0166055' }"])
    assert asked.stdout.strip() == "true"
    built_graph = runner.invoke(cli, ["query", "--store", url, "CONSTRUCT { ?c imr:caseNumber ?n } WHERE { "
                                      "?c imr:caseNumber ?n }"])
    assert built_graph.exit_code == 0, built_graph.output
    assert built_graph.stdout.count("imr:caseNumber") == LETTERS


def test_second_build_leaves_unchanged_letters_alone(built: tuple[str, str], runner: CliRunner) -> None:
    """Building the same letters again changes nothing."""
    url, _ = built
    before = RemoteStore(url).triple_count()
    result = runner.invoke(cli, ["build", str(DATA_DIR), "--store", url, "-q"])
    assert result.exit_code == 0, result.output
    assert f"0 added, 0 replaced, {LETTERS} unchanged" in result.stderr
    assert RemoteStore(url).triple_count() == before


def test_stats_and_validate(built: tuple[str, str], runner: CliRunner) -> None:
    """`kg stats` and `kg validate` read the server."""
    url, _ = built
    numbers = _stats(runner, url)
    assert numbers["cases"] == LETTERS and numbers["letters validated"] == LETTERS
    assert numbers["upheld"] + numbers["overturned"] > 0
    assert numbers["triples"] == RemoteStore(url).triple_count()
    checked = runner.invoke(cli, ["validate", "--store", url, "--format", "json"])
    assert checked.exit_code == 0, checked.output
    assert len(json.loads(checked.stdout)) == LETTERS


def test_outcome_counts_graph(built: tuple[str, str], runner: CliRunner) -> None:
    """The loader's outcome counts are on the server and add up to the decided items."""
    url, _ = built
    numbers = _stats(runner, url)
    rows = _sparql(url, f"PREFIX imr: <https://w3id.org/imr-kg/ontology#> SELECT (SUM(?n) AS ?items) "
                        f"(SUM(?up) AS ?upheld) WHERE {{ GRAPH <{SUMMARY_GRAPH}> {{ ?obs imr:dimension \"all\" ; "
                        f"imr:items ?n ; imr:upheld ?up }} }}")
    assert int(rows[0]["items"]) == numbers["upheld"] + numbers["overturned"]
    assert int(rows[0]["upheld"]) == numbers["upheld"]


def test_changed_letter_replaces_its_graph(built: tuple[str, str], runner: CliRunner, tmp_path: Path) -> None:
    """A changed letter replaces its graph on the server (a PUT per named graph): same triple count, the new
    digest, the same counts. A changed copy in another file is kept out while the stored one's file is there."""
    url, _ = built
    store = RemoteStore(url)
    before = store.triple_count()
    counts_before = store.triple_count(SUMMARY_GRAPH)
    graph = mint.letter_graph(mint.case_key("CM14-0166055", None))
    letter_before = store.triple_count(graph)
    changed = tmp_path / SEED.name
    changed.write_text(SEED.read_text(encoding="utf-8") + "\n\n", encoding="utf-8")
    clash = runner.invoke(cli, ["build", str(changed), "--store", url, "-q"])
    assert clash.exit_code == 1 and f"already stored from {SEED}" in clash.stderr, clash.stderr
    deleted = runner.invoke(cli, ["delete", "CM14-0166055", "--store", url])
    assert deleted.exit_code == 0, deleted.output
    first = runner.invoke(cli, ["build", str(changed), "--store", url, "-q"])
    assert first.exit_code == 0 and "1 added" in first.stderr, first.output
    changed.write_text(SEED.read_text(encoding="utf-8") + "\n\n\n", encoding="utf-8")
    result = runner.invoke(cli, ["build", str(changed), "--store", url, "-q"])
    assert result.exit_code == 0, result.output
    assert "0 added, 1 replaced" in result.stderr
    digests = store.select(f"SELECT ?sha WHERE {{ GRAPH <{graph}> {{ ?l imr:sha256 ?sha }} }}")
    assert [row["sha"] for row in digests] == [file_digest(changed)]
    assert store.triple_count(graph) == letter_before
    assert store.triple_count() == before
    assert store.triple_count(SUMMARY_GRAPH) == counts_before
    assert _stats(runner, url)["cases"] == LETTERS
    changed.unlink()  # its file gone, the stored letter gives way to the bundled one again
    restored = runner.invoke(cli, ["build", str(SEED), "--store", url, "-q"])
    assert restored.exit_code == 0 and "1 replaced" in restored.stderr, restored.output


def test_kept_out_letter_is_recorded(built: tuple[str, str], runner: CliRunner, tmp_path: Path) -> None:
    """A file kept out is listed in the rejected graph on the server, and forgotten once it is fixed."""
    url, _ = built
    bad = tmp_path / "bad.txt"
    bad.write_bytes(b"")
    result = runner.invoke(cli, ["build", str(bad), "--store", url, "-q"])
    assert result.exit_code == 1 and "kept out:" in result.stderr
    store = RemoteStore(url)
    assert store.has_graph(REJECTED_GRAPH)
    assert _stats(runner, url)["letters kept out"] == 1
    bad.write_text(SEED.read_text(encoding="utf-8"), encoding="utf-8")
    again = runner.invoke(cli, ["build", str(bad), "--store", url, "-q"])
    assert again.exit_code == 0, again.output
    assert _stats(runner, url)["letters kept out"] == 0


def test_export_keeps_every_quad(built: tuple[str, str], runner: CliRunner) -> None:
    """`kg export --store URL` writes every quad the server holds."""
    url, _ = built
    result = runner.invoke(cli, ["export", "--store", url, "--format", "nquads"])
    assert result.exit_code == 0, result.output
    lines = [line for line in result.stdout.splitlines() if line.strip()]
    assert len(lines) == RemoteStore(url).triple_count()


def test_server_refusing_a_query_is_one_line(built: tuple[str, str], runner: CliRunner) -> None:
    """A query the server refuses: exit 1 and one line naming the URL and the server's reason."""
    url, _ = built
    result = runner.invoke(cli, ["query", "--store", url, "SELEC nothing"])
    assert result.exit_code == 1
    assert isinstance(result.exception, SystemExit) and "Traceback" not in result.output
    message = result.stderr.strip()
    assert len(message.splitlines()) == 1 and url in message and "HTTP 400" in message


def test_stopped_server_is_one_line_error(tmp_path: Path, runner: CliRunner,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """A server that has stopped: every command exits 1 with one line naming the URL, no traceback."""
    process, url = _start(tmp_path / "db")
    _stop(process)
    for number, arguments in enumerate((["stats"], ["build", str(SEED), "-q"], ["query", "ASK { ?s ?p ?o }"],
                                        ["validate"])):
        if number:
            monkeypatch.setenv("KG_REMOTE_RETRIES", "0")  # the first command retries as usual, then gives up
        started = time.monotonic()
        result = runner.invoke(cli, [*arguments, "--store", url])
        took = time.monotonic() - started
        assert result.exit_code == 1, (arguments, result.output)
        assert isinstance(result.exception, SystemExit)
        message = result.stderr.strip()
        assert len(message.splitlines()) == 1, message
        assert message == f"Error: {url}: the SPARQL server cannot be reached (connection refused)"
        assert "Traceback" not in result.output
        assert (took > 7 if number == 0 else took < 5) and took < 30


def test_connection_retried_until_the_server_is_up(tmp_path: Path, runner: CliRunner) -> None:
    """A server that comes up a moment late is reached through the retries."""
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    late: list[subprocess.Popen[bytes]] = []
    timer = threading.Timer(1.0, lambda: late.append(_launch(tmp_path / "db", port)))
    timer.start()
    try:
        result = runner.invoke(cli, ["query", "--store", url, "ASK { ?s ?p ?o }"])
        assert result.exit_code == 0, result.output
        assert result.stdout.strip() == "false"
    finally:
        timer.join()
        for process in late:
            _stop(process)


def test_store_folder_still_a_path(tmp_path: Path, runner: CliRunner) -> None:
    """A --store that is not an http(s) URL is still a pyoxigraph folder."""
    result = runner.invoke(cli, ["build", str(SEED), "--store", str(tmp_path / "s"), "-q"])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "s").is_dir() and "1 added" in result.stderr


def test_network_summary_reads_the_server(built: tuple[str, str], runner: CliRunner, tmp_path: Path) -> None:
    """`kg graph summary` over a SPARQL server gives what it gives over a local store of the same letters."""
    from kg.build import build
    from kg.store import KGStore

    url, _ = built
    remote = runner.invoke(cli, ["graph", "summary", "--store", url, "--format", "json"])
    assert remote.exit_code == 0, remote.output
    with KGStore(tmp_path / "local") as store:
        build([DATA_DIR], store)
    local = runner.invoke(cli, ["graph", "summary", "--store", str(tmp_path / "local"), "--format", "json"])
    assert local.exit_code == 0, local.output
    assert json.loads(remote.stdout) == json.loads(local.stdout)
    assert json.loads(remote.stdout)


def _serve_on(url: str, cwd: Path, *extra: str) -> tuple[subprocess.Popen[str], str]:
    """`kg serve --store URL` as users start it; (process, its base URL) once it answers."""
    kg = Path(sys.executable).parent / "kg"
    port = _free_port()
    process = subprocess.Popen([str(kg), "serve", "--store", url, "--port", str(port), *extra], cwd=cwd,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    base = f"http://127.0.0.1:{port}"
    _answering(f"{base}/", process, 60, lambda: "kg serve: " + process.communicate()[0])
    return process, base


def _page(url: str) -> str:
    with urllib.request.urlopen(url, timeout=60) as answer:
        assert answer.status == 200
        return answer.read().decode("utf-8")


def test_kg_serve_on_the_server(built: tuple[str, str], tmp_path: Path) -> None:
    """`kg serve --store URL` serves the endpoint and the pages from the SPARQL server, which has no item index:
    the pages count with SPARQL, and a letter added to the server later shows without a restart."""
    url, _ = built
    process, base = _serve_on(url, tmp_path)
    try:
        rows = _sparql_json(f"{base}/sparql", "SELECT (COUNT(DISTINCT ?c) AS ?n) WHERE { "
                                              "?c <https://w3id.org/imr-kg/ontology#caseNumber> ?x }")
        assert rows == [{"n": str(LETTERS)}]
        named = _sparql_json(f"{base}/sparql", "SELECT ?n WHERE { ?c <https://w3id.org/imr-kg/ontology#caseNumber> "
                                               "?n }", named=str(mint.letter_graph(mint.case_key("CM14-0166055", None))))
        assert named == []  # a protocol dataset of named graphs only: the default graph is empty
        case = _page(f"{base}/case/CM14-0166055")
        assert "CM14-0166055" in case and "Upheld" in case
        assert "CM14-0166055" in _page(f"{base}/cases?q=CM14-0166")
        explore = _page(f"{base}/explore")
        upheld = RemoteStore(url).select("SELECT (COUNT(?i) AS ?n) WHERE { ?i imr:outcome out:upheld }")[0]["n"]
        assert f">{upheld}<" in explore.replace(",", "")
        assert "letters" in _page(f"{base}/quality")
        assert _page(f"{base}/network").count("<tr") > 1
        synthetic = tmp_path / "synthetic"
        made = CliRunner().invoke(cli, ["synth", "1", "--out", str(synthetic), "--seed", "3", "--formats", "md"])
        assert made.exit_code == 0, made.output
        added = CliRunner().invoke(cli, ["build", str(synthetic), "--store", url, "-q"])
        assert added.exit_code == 0 and "1 added" in added.stderr, added.output
        try:
            count = _sparql_json(f"{base}/sparql", "SELECT (COUNT(DISTINCT ?c) AS ?n) WHERE { "
                                                   "?c <https://w3id.org/imr-kg/ontology#caseNumber> ?x }")
            assert count == [{"n": str(LETTERS + 1)}]
            assert "CM99-" in _page(f"{base}/cases?q=CM99")
        finally:
            numbers = [n for n in RemoteStore(url).select("SELECT ?n WHERE { ?c imr:caseNumber ?n }")
                       if str(n["n"]).startswith("CM99-")]
            CliRunner().invoke(cli, ["delete", *[str(n["n"]) for n in numbers], "--store", url])
    finally:
        process.terminate()
        process.communicate(timeout=20)
    assert not (tmp_path / "uploads").exists()


def _sparql_json(endpoint: str, query: str, named: str | None = None) -> list[dict[str, str]]:
    client = SPARQLWrapper(endpoint)
    client.setQuery(query)
    client.setReturnFormat(JSON)
    if named:
        client.addParameter("named-graph-uri", named)
    answer = client.query().convert()
    assert isinstance(answer, dict)
    return [{k: v["value"] for k, v in row.items()} for row in answer["results"]["bindings"]]


def test_kg_serve_refuses_ingest_on_a_server(built: tuple[str, str], runner: CliRunner) -> None:
    """Letters reach a SPARQL server by `kg build --store URL`; `kg serve --ingest` on one says so in a line."""
    url, _ = built
    result = runner.invoke(cli, ["serve", "--store", url, "--ingest", "--port", str(_free_port())])
    assert result.exit_code == 1
    assert f"`kg build --store {url}` writes to that server directly" in result.output
    assert "Traceback" not in result.output


def test_kg_serve_on_a_stopped_server_is_one_line(runner: CliRunner, monkeypatch: pytest.MonkeyPatch) -> None:
    """A server that does not answer stops `kg serve` with one line naming it."""
    monkeypatch.setenv("KG_REMOTE_RETRIES", "0")
    url = f"http://127.0.0.1:{_free_port()}"
    result = runner.invoke(cli, ["serve", "--store", url, "--port", str(_free_port())])
    assert result.exit_code == 1
    assert "could not open the store" in result.output and "127.0.0.1" in result.output
    assert "Traceback" not in result.output
