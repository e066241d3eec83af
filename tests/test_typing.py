"""The packages type-check under mypy with the project's configuration."""
from __future__ import annotations

from pathlib import Path

import pytest
from mypy import api

ROOT = Path(__file__).resolve().parent.parent


def test_mypy_reports_no_errors(monkeypatch: pytest.MonkeyPatch) -> None:
    """``mypy kg webapp`` finds nothing: the house style promises typed public functions checked by mypy."""
    monkeypatch.chdir(ROOT)
    stdout, stderr, status = api.run(["--config-file", str(ROOT / "pyproject.toml"), "kg", "webapp"])
    assert status == 0, f"mypy exited with status {status}:\n{stdout}{stderr}"
