"""A real server (SQLite, in-process jobs) in a subprocess and Debian's Chromium driven by Playwright.

The parent tests/conftest.py points this process's environment at the test database; the server gets its
own environment below, so the e2e run always uses its own SQLite file whatever REVIEW_TEST_DB says.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-sync"]
MISSING_CHROMIUM = "install Debian's chromium (apt-get install chromium)"
_PROJECT_VENV = Path(__file__).resolve().parents[2] / ".venv" / "bin"
VENV_BIN = _PROJECT_VENV if (_PROJECT_VENV / "review").exists() else Path(sys.executable).parent
PASSWORD = "e2e-password-2026"
API_KEY = "e2e-key"
OFFICE = "e2e-office"
# One 5-seat panel exactly (1 lawyer, 1 deputy, 2 residents, 1 expert): every member is drawn.
MEMBERS = [
    {"role": "lawyer", "name": "周平", "username": "e2e-lawyer"},
    {"role": "deputy", "name": "吴敏", "username": "e2e-deputy"},
    {"role": "resident", "name": "郑洁", "username": "e2e-resident-1"},
    {"role": "resident", "name": "王芳", "username": "e2e-resident-2"},
    {"role": "expert", "name": "陈刚", "username": "e2e-expert"},
]

_SEED = """
import asyncio, json, sys
from datetime import datetime, timezone

from panels.tables import RosterMember
from review.accounts.services import auth
from review.core import db
from review.core.tables import Account, Department


async def main(spec):
    db.engine()
    await db.start()
    try:
        now = datetime.now(timezone.utc)
        digest = auth.hash_password(spec["password"])
        await Department.insert(Department(code="CDJT", name="成都市交通运输局", level="市级")).run()
        await Account.insert(Account(username=spec["office"], display_name="评议办（测试）", role="office",
                                     password_hash=digest, created_at=now)).run()
        for m in spec["members"]:
            rows = await Account.insert(Account(username=m["username"], display_name=m["name"], role="member",
                                                password_hash=digest, created_at=now)).run()
            await RosterMember.insert(RosterMember(user=rows[0]["id"], name=m["name"], role=m["role"],
                                                   district="武侯区", community="玉林社区", max_panels=5)).run()
        await auth.create_api_key(name="hotline", key=spec["api_key"])
    finally:
        await db.stop()


asyncio.run(main(json.loads(sys.argv[1])))
"""


@dataclass
class Server:
    url: str
    api_key: str = API_KEY
    office: str = OFFICE
    password: str = PASSWORD
    member_by_name: dict[str, str] = field(default_factory=lambda: {m["name"]: m["username"] for m in MEMBERS})
    data_dir: Path | None = None  # the server's data folder (its SQLite file), for a test's own `review` commands

    def command(self, *args: str, stdin: str = "") -> None:
        """Run `review <args>` against this server's database (as an operator would on the host)."""
        assert self.data_dir is not None
        done = subprocess.run([str(VENV_BIN / "review"), *args], input=stdin, check=False, text=True,
                              capture_output=True, env=_child_env(self.data_dir, self.url), cwd=self.data_dir,
                              timeout=120)
        assert done.returncode == 0, f"review {args[0]} failed:\n{done.stdout}\n{done.stderr}"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _child_env(data_dir: Path, url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TRACK_FAILURES", "LOGIN_FAILURES", "FAILURE_DELAY", "REVIEW_TEST"))}
    env.pop("REVIEW_DEMO", None)
    env.update(DATABASE_URL=f"sqlite:///{data_dir / 'e2e.db'}", REDIS_URL="", COOKIE_SECURE="0",
               REVIEW_DATA_DIR=str(data_dir), PUBLIC_BASE_URL=url, PYTHONUNBUFFERED="1")
    return env


def _run(args: list[str], env: dict[str, str], cwd: Path) -> None:
    done = subprocess.run(args, check=False, env=env, cwd=cwd, capture_output=True, text=True, timeout=120)
    if done.returncode:
        pytest.fail(f"{args[:2]} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")


@pytest.fixture(scope="session")
def chromium() -> Path:
    if not CHROMIUM.exists():
        if os.environ.get("CI") == "true":
            pytest.fail(MISSING_CHROMIUM)
        pytest.skip(MISSING_CHROMIUM)
    return CHROMIUM


@pytest.fixture(scope="module")
def server(chromium: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    data_dir = tmp_path_factory.mktemp("e2e-data")
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    env = _child_env(data_dir, url)
    # cwd is the data folder so that no stray .env in the checkout changes the server's settings.
    _run([str(VENV_BIN / "review"), "migrate"], env, data_dir)
    spec = {"password": PASSWORD, "office": OFFICE, "members": MEMBERS, "api_key": API_KEY}
    _run([str(VENV_BIN / "python"), "-c", _SEED, json.dumps(spec, ensure_ascii=False)], env, data_dir)
    log_path = data_dir / "server.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen([str(VENV_BIN / "review"), "serve", "--port", str(port)], env=env,
                                   cwd=data_dir, stdout=log, stderr=subprocess.STDOUT)
    try:
        _wait_healthy(url, process, log_path)
        yield Server(url=url, data_dir=data_dir)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _wait_healthy(url: str, process: subprocess.Popen, log_path: Path) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"server exited with {process.returncode}:\n{log_path.read_text(errors='replace')}")
        try:
            if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    pytest.fail(f"server not healthy within 30 s:\n{log_path.read_text(errors='replace')}")


# Module scope: Playwright's sync API runs its own event loop on this thread while open, which
# would collide with the async fixtures of the other test modules if it stayed open for the session.
@pytest.fixture(scope="module")
def browser(chromium: Path) -> Iterator[Browser]:
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(chromium), args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def new_page(browser: Browser, server: Server) -> Iterator[Callable[..., Page]]:
    """Pages in fresh browser contexts (one per person), all closed after the test."""
    contexts: list[BrowserContext] = []

    def make(**options: Any) -> Page:
        context = browser.new_context(base_url=server.url, locale="zh-CN", **options)
        context.set_default_timeout(10_000)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()
