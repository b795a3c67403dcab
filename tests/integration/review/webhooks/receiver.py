"""A webhook receiver for the tests and the benchmark: a Starlette app on uvicorn at 127.0.0.1 that verifies
every request with the reference library (`standardwebhooks`), under the secrets it is told, and answers as a
test sets it up: a share of first attempts failed, 410 on one path, 429 with Retry-After on another."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import time
from collections import Counter, defaultdict
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import uvicorn
from standardwebhooks.webhooks import Webhook, WebhookVerificationError
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route


@dataclass
class Behaviour:
    """How one path answers: a share of the first attempts at an id get a 500 (every `n`-th id, n =
    round(1 / share)); `gone` answers 410; `busy` answers 429 with Retry-After `retry_after` to first attempts;
    `redirect` answers 307 to another path."""

    secrets: list[str] = field(default_factory=list)
    fail_share: float = 0.0
    gone: bool = False
    busy: bool = False
    retry_after: str = "1"
    redirect: str = ""  # answer 307 to this path
    slow: float = 0.0  # seconds to wait before answering


@dataclass
class Receiver:
    port: int
    paths: dict[str, Behaviour] = field(default_factory=dict)
    accepted: Counter[str] = field(default_factory=Counter)  # webhook-id → times answered 2xx
    attempts: Counter[str] = field(default_factory=Counter)  # webhook-id → requests seen
    first_seen: dict[str, float] = field(default_factory=dict)  # webhook-id → time.time() of the first request
    bodies: dict[str, bytes] = field(default_factory=dict)
    signatures: defaultdict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    refused: int = 0  # requests no secret verified
    _seen: int = 0

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}/{path}"

    async def receive(self, request: Request) -> Response:
        behaviour = self.paths.get(request.path_params["path"], Behaviour())
        body = await request.body()
        message_id = request.headers.get("webhook-id", "")
        self.first_seen.setdefault(message_id, time.time())
        self.attempts[message_id] += 1
        self.signatures[message_id].append(request.headers.get("webhook-signature", ""))
        verified = False
        for secret in behaviour.secrets:
            try:
                Webhook(secret).verify(body, dict(request.headers))
                verified = True
                break
            except WebhookVerificationError:
                continue
        if not verified:
            self.refused += 1
            return Response("bad signature", status_code=400)
        if behaviour.slow:
            await asyncio.sleep(behaviour.slow)
        if behaviour.gone:
            return Response("gone", status_code=410)
        if behaviour.redirect:
            return Response("moved", status_code=307, headers={"location": self.url(behaviour.redirect)})
        first = self.attempts[message_id] == 1
        if behaviour.busy and first:
            return Response("slow down", status_code=429, headers={"retry-after": behaviour.retry_after})
        if first and behaviour.fail_share:
            self._seen += 1
            if self._seen % max(1, round(1 / behaviour.fail_share)) == 0:
                return Response("try later", status_code=500)
        self.accepted[message_id] += 1
        self.bodies[message_id] = body
        return Response("ok")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.asynccontextmanager
async def serving() -> AsyncIterator[Receiver]:
    """A receiver served on this event loop for the length of the block."""
    receiver = Receiver(port=free_port())
    app = Starlette(routes=[Route("/{path}", receiver.receive, methods=["POST"])])
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=receiver.port, log_level="warning",
                                           lifespan="off", access_log=False))
    task = asyncio.get_running_loop().create_task(server.serve())
    while not server.started:
        await asyncio.sleep(0.01)
    try:
        yield receiver
    finally:
        server.should_exit = True
        await task
