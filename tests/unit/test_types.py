"""The type checker passes over the modules `[tool.mypy]` in pyproject.toml names (strict).

`./dev test` runs the suite twice, on PostgreSQL and on SQLite, and the types are the same both times: the
check runs in the SQLite run only (the one `./dev test` always makes), and is skipped in the PostgreSQL one.
Mypy keeps its cache in .mypy_cache at the repository's root, so a run after the first takes a second or two.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from mypy import api

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.sqlite_only  # checked once, in the SQLite run of the suite
def test_mypy_reports_no_errors(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)  # the paths in `files` are relative to the repository's root
    report, errors, status = api.run(["--config-file", str(ROOT / "pyproject.toml")])
    assert status == 0, f"mypy found errors:\n{report}{errors}"
