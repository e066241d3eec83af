"""The README keeps its promises: every command and every setting is documented, and examples are real."""
from __future__ import annotations

import re

from click.testing import CliRunner

from kg.cli import cli
from kg.examples import example_queries
from tests.conftest import ROOT
from webapp.settings import SETTINGS

README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_every_command_is_in_the_readme() -> None:
    """Each `kg` command appears in the README as `kg NAME`."""
    for name in cli.commands:
        assert f"kg {name}" in README, name


def test_every_command_has_help_with_an_example() -> None:
    """Each command's --help ends with an example."""
    runner = CliRunner()
    for name in cli.commands:
        result = runner.invoke(cli, [name, "--help"])
        assert result.exit_code == 0 and "Example:" in result.stdout, name


def test_every_setting_is_in_the_readme_table() -> None:
    """The settings table lists every setting with its default."""
    for name, default, _ in SETTINGS:
        row = re.search(rf"^\| `{name}` \| (.+?) \|", README, re.MULTILINE)
        assert row, name
        shown = row.group(1).strip("`")
        assert shown == str(default) or (default == "" and "empty" in shown), (name, shown)


def test_every_example_query_is_in_the_readme() -> None:
    """The example query table names every shipped query."""
    for name in example_queries():
        assert f"`{name}`" in README, name


def test_the_two_setup_commands_are_there() -> None:
    """The quick start gives the main job and the test command."""
    assert "bash scripts/run.sh" in README and "bash scripts/test.sh" in README
    assert "bash scripts/test.sh" in (ROOT / ".ci" / "run").read_text()
