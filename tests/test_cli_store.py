"""The store commands run in process: build, validate, query, load, export, stats, delete."""
from __future__ import annotations

import csv
import io
import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from kg.cli import cli
from tests.conftest import SEED


@pytest.fixture
def runner() -> CliRunner:
    """A Click runner."""
    return CliRunner()


@pytest.fixture
def store_copy(built_store_path: Path, tmp_path: Path) -> Path:
    """A private copy of the built store that a test may change."""
    target = tmp_path / "store"
    shutil.copytree(built_store_path, target)
    return target


def test_build_then_rebuild(runner: CliRunner, tmp_path: Path) -> None:
    """Build prints a summary and exits 0; the second run leaves the letter unchanged."""
    store = str(tmp_path / "s")
    first = runner.invoke(cli, ["build", str(SEED), "--store", store, "-q"])
    assert first.exit_code == 0, first.output
    assert "1 added" in first.stderr
    second = runner.invoke(cli, ["build", str(SEED), "--store", store, "-q"])
    assert "1 unchanged" in second.stderr and "0 added" in second.stderr


def test_build_exit_1_when_a_letter_is_kept_out(runner: CliRunner, tmp_path: Path) -> None:
    """A bad file among good ones: build goes on, lists the file with its reason, exits 1."""
    (tmp_path / "bad.txt").write_bytes(b"")
    result = runner.invoke(cli, ["build", str(SEED), str(tmp_path / "bad.txt"), "--store", str(tmp_path / "s"), "-q"])
    assert result.exit_code == 1
    assert "kept out:" in result.stderr and "bad.txt" in result.stderr and "file is empty" in result.stderr


def test_validate_text_json_turtle(runner: CliRunner, built_store_path: Path) -> None:
    """The bundled letters conform (exit 0) in every output format."""
    for fmt in ("text", "json", "turtle"):
        result = runner.invoke(cli, ["validate", "--store", str(built_store_path), "--format", fmt])
        assert result.exit_code == 0, result.output
    data = json.loads(runner.invoke(cli, ["validate", "--store", str(built_store_path), "--format", "json"]).stdout)
    assert len(data) == 14 and all(entry["conforms"] for entry in data)


def test_validate_exit_1_on_violations(runner: CliRunner, tmp_path: Path) -> None:
    """A letter whose dates are out of order: validate names the case and exits 1."""
    letter = tmp_path / SEED.name
    letter.write_text(SEED.read_text().replace("UR Denial Date:</b>\t10/03/2014", "UR Denial Date:</b>\t10/30/2014"))
    runner.invoke(cli, ["build", str(letter), "--store", str(tmp_path / "s"), "-q"])
    result = runner.invoke(cli, ["validate", "--store", str(tmp_path / "s")])
    assert result.exit_code == 1
    assert "CM14-0166055" in result.stdout and "violation" in result.stdout


def test_query_formats(runner: CliRunner, built_store_path: Path) -> None:
    """SELECT results as a table, CSV, JSON and TSV."""
    query = "SELECT ?n WHERE { GRAPH ?g { ?c imr:caseNumber ?n } } ORDER BY ?n"
    table = runner.invoke(cli, ["query", query, "--store", str(built_store_path)]).stdout
    assert "CM14-0166055" in table and "(14 rows)" in table
    rows = list(csv.DictReader(io.StringIO(runner.invoke(
        cli, ["query", query, "--store", str(built_store_path), "--format", "csv"]).stdout)))
    assert len(rows) == 14
    data = json.loads(runner.invoke(cli, ["query", query, "--store", str(built_store_path), "--format", "json"]).stdout)
    assert len(data["results"]["bindings"]) == 14
    tsv = runner.invoke(cli, ["query", query, "--store", str(built_store_path), "--format", "tsv"]).stdout
    assert tsv.splitlines()[0] == "?n"


def test_query_example_and_list(runner: CliRunner, built_store_path: Path) -> None:
    """Examples run by name; --list-examples shows their descriptions."""
    listing = runner.invoke(cli, ["query", "--list-examples"]).stdout
    assert "upheld-rate-by-category" in listing and "treatment category" in listing
    result = runner.invoke(cli, ["query", "--store", str(built_store_path), "--example", "upheld-rate-by-category"])
    assert result.exit_code == 0 and "Pharmaceuticals" in result.stdout


def test_query_errors(runner: CliRunner, built_store_path: Path, tmp_path: Path) -> None:
    """Bad SPARQL is a clear error; a missing store says how to build one; no query is a usage error."""
    bad = runner.invoke(cli, ["query", "SELEC nothing", "--store", str(built_store_path)])
    assert bad.exit_code == 1 and "not valid SPARQL" in bad.stderr
    missing = runner.invoke(cli, ["query", "ASK {}", "--store", str(tmp_path / "none")])
    assert missing.exit_code == 1 and "kg build" in missing.stderr
    assert runner.invoke(cli, ["query", "--store", str(built_store_path)]).exit_code == 2


def test_query_syntax_error_names_line_and_column(runner: CliRunner, built_store_path: Path) -> None:
    """A query that does not parse: one line on stderr naming the line, column and token in words, exit 1."""
    text = "SELECT ?n WHERE {\n  ?c imr:caseNumber ?n .\n  OPTINAL { ?c imr:decisionDate ?d }\n}"
    bad = runner.invoke(cli, ["query", text, "--store", str(built_store_path)])
    assert bad.exit_code == 1 and bad.stdout == ""
    message = bad.stderr.strip()
    assert len(message.splitlines()) == 1
    assert "The query is not valid SPARQL. Line 3, column 3: unexpected 'OPTINAL' (did you mean OPTIONAL?)" in message
    assert "[_]" not in message and "error at" not in message
    unknown = runner.invoke(cli, ["query", "SELECT * WHERE { ?s nope:p ?o }", "--store", str(built_store_path)])
    assert unknown.exit_code == 1
    assert "Line 1, column 21: unknown prefix 'nope:'" in unknown.stderr and "imr, rdf, rdfs" in unknown.stderr


def test_query_refuses_updates_in_words(runner: CliRunner, built_store_path: Path) -> None:
    """An update given to kg query is not run: the message says what to use instead, exit 1."""
    update = "PREFIX ex: <http://example.org/>\nINSERT DATA { GRAPH ex:g { ex:a ex:b ex:c } }"
    result = runner.invoke(cli, ["query", update, "--store", str(built_store_path)])
    assert result.exit_code == 1
    message = result.stderr.strip()
    assert len(message.splitlines()) == 1
    assert "kg query runs queries only, and INSERT starts a SPARQL update" in message
    assert "kg load" in message and "kg build" in message and "--update-token" in message
    asked = runner.invoke(cli, ["query", "ASK { GRAPH <http://example.org/g> { ?s ?p ?o } }", "--store",
                                str(built_store_path)])
    assert asked.stdout.strip() == "false"


def test_load_export_delete_stats(runner: CliRunner, store_copy: Path, tmp_path: Path) -> None:
    """Load a file into a named graph, export the store, delete a letter and see the counts change."""
    ttl = tmp_path / "extra.ttl"
    ttl.write_text("<https://example.org/a> <https://example.org/b> <https://example.org/c> .\n")
    loaded = runner.invoke(cli, ["load", str(ttl), "--graph", "https://example.org/g", "--store", str(store_copy)])
    assert loaded.exit_code == 0 and "loaded 1 triples" in loaded.stderr
    before = json.loads(runner.invoke(cli, ["stats", "--store", str(store_copy), "--format", "json"]).stdout)
    assert before["cases"] == 14
    export = runner.invoke(cli, ["export", "--store", str(store_copy), "--format", "nquads"])
    assert "<https://example.org/g>" in export.stdout
    deleted = runner.invoke(cli, ["delete", "CM14-0166055", "--store", str(store_copy)])
    assert deleted.exit_code == 0
    after = json.loads(runner.invoke(cli, ["stats", "--store", str(store_copy), "--format", "json"]).stdout)
    assert after["cases"] == 13 and after["triples"] < before["triples"]
    again = runner.invoke(cli, ["delete", "CM14-0166055", "--store", str(store_copy)])
    assert again.exit_code == 1 and "no letter CM14-0166055" in again.stderr


def test_stats_text(runner: CliRunner, built_store_path: Path) -> None:
    """Stats as text list cases, items, outcomes, triples and the validation summary."""
    out = runner.invoke(cli, ["stats", "--store", str(built_store_path)]).stdout
    for word in ("cases", "items", "upheld", "overturned", "triples", "named graphs", "letters conforming"):
        assert word in out


def test_read_commands_refuse_while_a_writer_holds_the_store(runner: CliRunner, store_copy: Path) -> None:
    """query/export on a store being written give a clear message instead of undefined behaviour."""
    from kg.store import KGStore

    with KGStore(store_copy):
        result = runner.invoke(cli, ["query", "ASK {}", "--store", str(store_copy)])
    assert result.exit_code == 1 and "being written by another process" in result.stderr


def test_load_rejects_bad_rdf(runner: CliRunner, store_copy: Path, tmp_path: Path) -> None:
    """A file that is not RDF is refused with its name."""
    bad = tmp_path / "bad.ttl"
    bad.write_text("this is not turtle")
    result = runner.invoke(cli, ["load", str(bad), "--graph", "https://example.org/g", "--store", str(store_copy)])
    assert result.exit_code == 1 and "bad.ttl" in result.stderr
