"""Real web processes (`review serve`, each its own uvicorn on a free port) for the tests that need more than the
app in-process: several processes on one database and one Redis, a process killed mid-conversation.

The processes get this test run's environment as tests/conftest.py set it: the same DATABASE_URL (the run's
throw-away PostgreSQL database, or its SQLite file), REDIS_URL and REVIEW_DATA_DIR (so the same CSRF key), each
with its own PUBLIC_BASE_URL. They read the database as it is when they serve: seed it first through the usual
factories in the test (every statement there commits on its own), then start them. A process is stopped with
SIGTERM (SIGKILL if it lingers) when the `web_processes` block ends, or killed at once with `kill()`.

    async with web_processes(2) as (a, b):
        ...  # a.url, b.ws_url, a.kill()
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import httpx

_PROJECT_BIN = Path(__file__).resolve().parents[2] / ".venv" / "bin"
REVIEW = (Path(sys.executable).parent if (Path(sys.executable).parent / "review").exists() else _PROJECT_BIN) / "review"
STARTUP_TIMEOUT = 30.0  # seconds for a process to answer /healthz
STOP_TIMEOUT = 10.0  # seconds a process may take to stop after SIGTERM before it is killed


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class WebProcess:
    """One `review serve` process of a test."""

    port: int
    process: subprocess.Popen[bytes]
    log: Path
    terminated: bool = False

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}"

    @property
    def origin(self) -> str:
        """The `Origin` a browser on one of this process's pages sends (the socket's check in place of CSRF)."""
        return self.url

    def running(self) -> bool:
        return self.process.poll() is None

    def output(self) -> str:
        """What the process printed (uvicorn logs warnings and errors only)."""
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def kill(self) -> None:
        """SIGKILL: the process dies at once, mid-request, its sockets reset by the kernel."""
        if self.running():
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()

    def terminate(self) -> None:
        """SIGTERM (once: a second one would make uvicorn quit without its graceful shutdown)."""
        if self.running() and not self.terminated:
            self.terminated = True
            os.killpg(self.process.pid, signal.SIGTERM)

    def stop(self) -> None:
        """SIGTERM, and SIGKILL if the process has not ended STOP_TIMEOUT seconds later."""
        self.terminate()
        try:
            self.process.wait(timeout=STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            self.kill()


def _environment(url: str, extra: dict[str, str]) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")}
    env.update(PUBLIC_BASE_URL=url, PYTHONUNBUFFERED="1", **extra)
    return env


def _launch(folder: Path, index: int, extra: dict[str, str]) -> WebProcess:
    port = free_port()
    log = folder / f"web-{index}-{port}.log"
    with log.open("wb") as out:
        # cwd is the scratch folder, so that no stray .env in the checkout changes the server's settings; its own
        # session (process group), so that a kill reaches it and nothing it started, and no Ctrl+C of the run.
        process = subprocess.Popen([str(REVIEW), "serve", "--port", str(port)],
                                   env=_environment(f"http://127.0.0.1:{port}", extra), cwd=folder,
                                   stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    return WebProcess(port=port, process=process, log=log)


async def _wait_healthy(server: WebProcess, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    async with httpx.AsyncClient(timeout=1) as http:
        while time.monotonic() < deadline:
            if not server.running():
                raise RuntimeError(f"web process on port {server.port} exited with {server.process.returncode}:\n"
                                   f"{server.output()}")
            with contextlib.suppress(httpx.TransportError):
                if (await http.get(f"{server.url}/healthz")).status_code == 200:
                    return
            await asyncio.sleep(0.1)
    raise RuntimeError(f"web process on port {server.port} not healthy within {timeout} s:\n{server.output()}")


async def start(count: int, folder: Path, *, env: dict[str, str] | None = None,
                timeout: float = STARTUP_TIMEOUT) -> list[WebProcess]:
    """`count` web processes started side by side, returned once each answers /healthz (stopped if one fails)."""
    servers = [_launch(folder, i, env or {}) for i in range(count)]
    try:
        await asyncio.gather(*(_wait_healthy(s, timeout) for s in servers))
    except BaseException:
        stop(servers)
        raise
    return servers


def stop(servers: list[WebProcess]) -> None:
    """Stop every process (all told at once, then each waited for)."""
    for server in servers:
        server.terminate()
    for server in servers:
        server.stop()


@contextlib.asynccontextmanager
async def web_processes(count: int, **env: str) -> AsyncIterator[list[WebProcess]]:
    """`count` web processes on this run's database and Redis (`env` added to their environment, e.g. a
    setting), stopped at the end of the block; their output is shown if the block fails."""
    with tempfile.TemporaryDirectory(prefix="review-web-") as scratch:
        servers = await start(count, Path(scratch), env=env)
        try:
            yield servers
        except BaseException:
            for server in servers:
                sys.stderr.write(f"--- web process on port {server.port} ---\n{server.output()}\n")
            raise
        finally:
            await asyncio.to_thread(stop, servers)
