"""Helpers of the live room's tests: a case in mediation, and a WebSocket client driving the app's ASGI interface."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from review.core.actors import Actor
from tests.integration.panel_helpers import accepted_case, api


async def room_of(office: Actor) -> tuple[str, str, int]:
    """(number, access code, mediation id) of a case in mediation."""
    number, code = await accepted_case(office)
    async with await api(office) as http:
        opened = await http.post(f"/api/v1/cases/{number}/mediation")
    assert opened.status_code == 201, opened.text
    return number, code, int(opened.json()["mediation_id"])


class Socket:
    """A WebSocket client driving the app's ASGI interface directly (on the test's own event loop).

    `receive()` returns the next event (a message with an id) and keeps the control messages it passes
    (`presence`, `closed`) in `controls`; `stall()` makes the client stop reading, as a client whose network
    buffers are full: every later frame the app sends waits forever (a close still goes through)."""

    def __init__(self, path: str, query: str = "", **headers: str) -> None:
        from review.app import app

        self.inbox: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self.outbox: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self.controls: list[dict[str, Any]] = []
        self.stalled = False
        scope = {"type": "websocket", "asgi": {"version": "3.0"}, "http_version": "1.1", "scheme": "ws",
                 "path": path, "raw_path": path.encode(), "root_path": "", "query_string": query.encode(),
                 "headers": [(b"host", b"testserver"), *((k.lower().replace("_", "-").encode(), v.encode())
                                                          for k, v in headers.items())],
                 "server": ("testserver", 80), "client": ("127.0.0.1", 50000), "subprotocols": []}
        self.task = asyncio.ensure_future(app(scope, self.inbox.get, self._send))

    async def _send(self, message: dict[str, Any]) -> None:
        if self.stalled and message["type"] == "websocket.send":
            await asyncio.Event().wait()
        await self.outbox.put(message)

    def stall(self) -> None:
        self.stalled = True

    async def connect(self) -> dict[str, Any]:
        await self.inbox.put({"type": "websocket.connect"})
        return await asyncio.wait_for(self.outbox.get(), 5)

    async def next_message(self, timeout: float = 5) -> dict[str, Any]:
        """The next thing the app sends, as it is (a send with its JSON decoded, or the close)."""
        message = await asyncio.wait_for(self.outbox.get(), timeout)
        if message["type"] == "websocket.send":
            return {"type": "send", "json": json.loads(message["text"])}
        return message

    async def receive(self) -> dict[str, Any]:
        while True:
            message = await self.next_message()
            assert message["type"] == "send", message
            if "id" in message["json"]:
                return dict(message["json"])
            self.controls.append(message["json"])

    async def presence(self, *, until: Any = None) -> list[str]:
        """The roles present in the next presence message (the first one for which `until(roles)` holds)."""
        while True:
            message = await self.next_message()
            assert message["type"] == "send", message
            if "presence" in message["json"]:
                roles = [who["role"] for who in message["json"]["presence"]]
                if until is None or until(roles):
                    return roles

    async def closed(self, timeout: float = 5) -> tuple[int, list[dict[str, Any]]]:
        """The close code the app sent, and what it sent before (events and control messages)."""
        before: list[dict[str, Any]] = []
        while True:
            message = await self.next_message(timeout)
            if message["type"] == "websocket.close":
                return int(message.get("code", 1000)), before
            before.append(message["json"])

    def quiet(self) -> bool:
        """No event waiting (presence messages aside)."""
        while not self.outbox.empty():
            message = self.outbox.get_nowait()
            if message["type"] != "websocket.send" or "id" in json.loads(message["text"]):
                return False
        return True

    async def send_text(self, text: str) -> None:
        await self.inbox.put({"type": "websocket.receive", "text": text})

    async def close(self) -> None:
        await self.inbox.put({"type": "websocket.disconnect", "code": 1000})
        await asyncio.wait_for(self.task, 5)
