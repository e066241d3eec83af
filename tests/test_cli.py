"""The `kg` command, run in process."""
from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from kg.cli import cli
from tests.conftest import DATA_DIR, SEED


@pytest.fixture
def runner() -> CliRunner:
    """A Click runner that keeps stderr apart from stdout."""
    return CliRunner()


def test_extract_one_letter(runner: CliRunner) -> None:
    """One letter: one JSON line, exit 0, a summary on stderr."""
    result = runner.invoke(cli, ["extract", str(SEED)])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert len(lines) == 1
    record = json.loads(lines[0])
    assert record["case_number"] == "CM14-0166055"
    assert "1 letters: 1 clean, 0 with errors" in result.stderr


def test_extract_folders_recursively(runner: CliRunner) -> None:
    """A folder is read recursively: one line per letter, in path order."""
    result = runner.invoke(cli, ["extract", str(DATA_DIR), "--quiet"])
    assert result.exit_code == 0
    numbers = [json.loads(line)["case_number"] for line in result.stdout.splitlines()]
    assert len(numbers) == 14
    assert "CM15-0204518" in numbers


def test_extract_with_workers_gives_the_same_records(runner: CliRunner) -> None:
    """Parallel workers change nothing but speed."""
    one = runner.invoke(cli, ["extract", str(DATA_DIR), "-q"]).stdout
    two = runner.invoke(cli, ["extract", str(DATA_DIR), "-q", "--jobs", "2"]).stdout
    assert one == two


def test_extract_csv_one_row_per_item(runner: CliRunner) -> None:
    """CSV output has one row per disputed item with the letter's facts repeated."""
    result = runner.invoke(cli, ["extract", str(DATA_DIR / "dev" / "CM15-0076690.md"), "--format", "csv"])
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert [r["item"] for r in rows] == ["1", "2", "3", "4", "5"]
    assert {r["case_number"] for r in rows} == {"CM15-0076690"}
    assert rows[0]["treatment"] == "tramadol"
    assert rows[4]["laterality"] == "bilateral"


def test_errors_exit_1_and_the_batch_goes_on(runner: CliRunner, tmp_path: Path) -> None:
    """A bad file: its line carries errors naming it, the good one is still extracted, exit status 1."""
    (tmp_path / "empty.txt").write_bytes(b"")
    result = runner.invoke(cli, ["extract", str(tmp_path / "empty.txt"), str(SEED)])
    assert result.exit_code == 1
    first, second = (json.loads(line) for line in result.stdout.splitlines())
    assert "empty.txt" in first["errors"][0]
    assert second["errors"] == []
    assert "error: " in result.stderr and "empty.txt" in result.stderr


@pytest.mark.parametrize(
    "args",
    [
        pytest.param(["extract"], id="no-paths"),
        pytest.param(["extract", str(SEED), "--format", "xml"], id="bad-format"),
        pytest.param(["eval", "no/such/folder"], id="missing-folder"),
        pytest.param(["eval", str(DATA_DIR), "--min", "2"], id="min-out-of-range"),
    ],
)
def test_usage_errors_exit_2(runner: CliRunner, args: list[str]) -> None:
    """Wrong arguments are usage errors: exit status 2."""
    assert runner.invoke(cli, args).exit_code == 2


def test_extract_empty_folder_is_a_usage_error(runner: CliRunner, tmp_path: Path) -> None:
    """A folder without letters is a usage error that says so."""
    result = runner.invoke(cli, ["extract", str(tmp_path)])
    assert result.exit_code == 2
    assert "no letter files" in result.stderr


def test_eval_table_passes_the_bar(runner: CliRunner) -> None:
    """`kg eval` prints a per-field table and exits 0 when every field reaches --min."""
    result = runner.invoke(cli, ["eval", str(DATA_DIR), "--min", "0.98"])
    assert result.exit_code == 0, result.output
    assert "reviewer_pages" in result.stdout
    assert "letters: 14" in result.stdout


def test_eval_fails_below_the_bar(runner: CliRunner, tmp_path: Path) -> None:
    """A wrong gold value lowers a field below --min: exit 1 naming the field."""
    gold = json.loads((SEED.parent / "CM14-0166055.gold.json").read_text())
    gold["decision_date"] = "2001-01-01"
    (tmp_path / SEED.name).write_bytes(SEED.read_bytes())
    (tmp_path / "CM14-0166055.gold.json").write_text(json.dumps(gold))
    result = runner.invoke(cli, ["eval", str(tmp_path), "--min", "0.98", "--details"])
    assert result.exit_code == 1
    assert "decision_date" in result.stderr
    assert "decision_date" in result.stdout


def test_eval_json(runner: CliRunner) -> None:
    """`--format json` gives the same scores as data."""
    result = runner.invoke(cli, ["eval", str(DATA_DIR / "seed"), "--format", "json"])
    data = json.loads(result.stdout)
    assert data["letter_count"] == 1
    assert data["totals"]["decision"]["tp"] == 1


def test_every_command_has_help_with_an_example(runner: CliRunner) -> None:
    """Each command's --help shows an example."""
    for name in cli.commands:
        result = runner.invoke(cli, [name, "--help"])
        assert result.exit_code == 0
        assert "Example:" in result.stdout, name
