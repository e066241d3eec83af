"""The `kg` command starts without loading what only some commands need (the timing is in benchmarks/startup.py)."""
from __future__ import annotations

import json
import subprocess
import sys

from click.testing import CliRunner

from kg.cli import cli

HEAVY = ("networkx", "simple_icd_10_cm", "kg.extract", "pyshacl", "pypdfium2", "flask")


def test_importing_the_command_loads_nothing_heavy() -> None:
    """`kg --help` needs neither the extractor, the ICD-10-CM package, networkx, SHACL, PDFium nor Flask."""
    code = ("import json, sys, kg.cli; "
            f"print(json.dumps([m for m in {list(HEAVY)!r} if m in sys.modules]))")
    loaded = json.loads(subprocess.run([sys.executable, "-c", code], check=True, capture_output=True,
                                       text=True).stdout)
    assert loaded == []


def test_help_still_lists_every_command() -> None:
    """Loading lazily loses no command: the graph group and the extraction commands are all listed."""
    result = CliRunner().invoke(cli, ["--help"])
    assert result.exit_code == 0
    for name in ("extract", "eval", "survey", "build", "query", "serve", "graph"):
        assert f"  {name}" in result.output


def test_lazy_package_attributes_resolve() -> None:
    """`from kg import extract_file` and friends still work, and an unknown name is an AttributeError."""
    import kg

    assert kg.extract_file.__module__ == "kg.pipeline"
    assert kg.CaseRecord.__name__ == "CaseRecord"
    try:
        kg.no_such_name  # noqa: B018
    except AttributeError as error:
        assert "no_such_name" in str(error)
    else:
        raise AssertionError("an unknown attribute must raise AttributeError")
