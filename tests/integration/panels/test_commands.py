"""`review import-roster FILE`: a file that is not there is named in Chinese, without a traceback."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("clean_db")]


def _import_roster(path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "review.cli", "import-roster", str(path)], capture_output=True,
                          text=True, timeout=120, env=dict(os.environ), check=False)


async def test_a_missing_file_is_named_not_a_traceback(tmp_path: Path) -> None:
    result = _import_roster(tmp_path / "roster-missing.csv")

    assert result.returncode == 1
    assert "找不到文件 roster-missing.csv" in result.stderr
    assert "Traceback" not in result.stderr
