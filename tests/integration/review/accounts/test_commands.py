"""`review createuser`: a taken login name is refused in Chinese, without a traceback and without a second account."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from review.core.tables import Account

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("clean_db")]


def _createuser(username: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "review.cli", "createuser", "--username", username, "--role", "office",
                           "--password-stdin"], input="a-long-password\n", capture_output=True, text=True, timeout=120,
                          env=dict(os.environ), check=False)


async def test_a_taken_username_is_refused_with_a_message() -> None:
    first = _createuser("office-twice")
    second = _createuser("office-twice")

    assert first.returncode == 0, first.stderr
    assert second.returncode == 1
    assert "登录名 office-twice 已被使用" in second.stderr
    assert "Traceback" not in second.stderr
    assert await Account.count().where(Account.username == "office-twice").run() == 1
