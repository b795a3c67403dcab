"""The live room across two real web processes on one PostgreSQL and one Redis (tests/integration/servers.py): a
message posted on one process reaches the sockets on both, once; a process killed mid-conversation loses no
stored message, its clients resuming on the other with ?after= the last id they saw; a caucus posted on one
process never reaches the other party's socket on the other.

The case, the logins and the tokens are made here through the factories, in the run's database, before the
processes start; the clients are real (aiohttp, as bench/mediation_room.py), over TCP."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import aiohttp
import pytest

from review.accounts.services import auth
from tests import factories
from tests.integration.panel_helpers import complainant_token
from tests.integration.review.mediation.room_helpers import room_of
from tests.integration.servers import WebProcess, web_processes

pytestmark = [pytest.mark.integration, pytest.mark.postgres_only, pytest.mark.redis_only,
              pytest.mark.usefixtures("clean_db")]

RATE = "600/minute"  # the posting tests below send more than the default 20 a minute from one participant
WAIT = 10.0  # seconds any awaited condition may take


@dataclass
class Room:
    mediation_id: int
    complainant: str  # bearer tokens
    liaison: str
    office: str
    office_session: str  # the office's web login (cookie) and its CSRF token
    office_csrf: str


async def _room() -> Room:
    """A case in mediation, with the complainant's tracking token, a liaison's and the office's tokens and the
    office's web session: all committed before the web processes start."""
    office = await factories.account("office")
    number, code, mediation_id = await room_of(office)
    liaison = await factories.account("liaison")
    session, csrf = await auth.start_session(office)
    return Room(mediation_id=mediation_id, complainant=await complainant_token(number, code),
                liaison=await auth.issue_token(liaison), office=await auth.issue_token(office),
                office_session=session, office_csrf=csrf)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@dataclass
class Listener:
    """One client of the room's socket, read in the background: the events (each with an id) in the order they
    came, over every connection it made; the control messages (presence, closed) aside."""

    http: aiohttp.ClientSession
    name: str
    mediation_id: int
    headers: Callable[[WebProcess], dict[str, str]]
    events: list[dict[str, Any]] = field(default_factory=list)
    controls: list[dict[str, Any]] = field(default_factory=list)
    closed: asyncio.Event = field(default_factory=asyncio.Event)
    changed: asyncio.Event = field(default_factory=asyncio.Event)
    socket: aiohttp.ClientWebSocketResponse | None = None
    reader: asyncio.Task[None] | None = None

    @property
    def ids(self) -> list[int]:
        return [int(e["id"]) for e in self.events]

    @property
    def last(self) -> int:
        return max(self.ids, default=0)

    async def connect(self, server: WebProcess, *, after: int | None = None) -> None:
        """Open the socket on `server` (resuming after `after`) and wait for its first presence message, which it
        sends once it has sent what was stored and listens to the room's announcements."""
        query = f"?after={after}" if after is not None else ""
        self.closed.clear()
        presences = len(self.controls)
        self.socket = await self.http.ws_connect(f"{server.ws_url}/mediation/{self.mediation_id}/socket{query}",
                                                 headers=self.headers(server), heartbeat=None)
        self.reader = asyncio.ensure_future(self._read(self.socket))
        await self.until(lambda: any("presence" in c for c in self.controls[presences:]), "presence")

    async def _read(self, socket: aiohttp.ClientWebSocketResponse) -> None:
        try:
            async for message in socket:
                if message.type != aiohttp.WSMsgType.TEXT:
                    break
                payload = json.loads(message.data)
                (self.events if "id" in payload else self.controls).append(payload)
                self.changed.set()
        finally:
            self.closed.set()
            self.changed.set()

    async def until(self, condition: Callable[[], bool], what: str) -> None:
        """Wait (WAIT seconds at most) until `condition()` holds, re-checked on each message and on the close."""
        deadline = time.monotonic() + WAIT
        while not condition():
            self.changed.clear()
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(f"{self.name}: no {what} within {WAIT} s; events {self.ids}, "
                                     f"controls {self.controls}")
            try:
                await asyncio.wait_for(self.changed.wait(), remaining)
            except TimeoutError:
                pass

    async def holds(self, ids: list[int] | set[int]) -> None:
        await self.until(lambda: set(ids) <= set(self.ids), f"events {sorted(ids)}")

    async def until_closed(self) -> None:
        await self.until(self.closed.is_set, "close")

    async def close(self) -> None:
        if self.socket is not None:
            await self.socket.close()
        if self.reader is not None:
            await asyncio.wait_for(self.reader, WAIT)


async def post(http: aiohttp.ClientSession, server: WebProcess, room: Room, token: str, text: str,
               caucus: str = "") -> dict[str, Any]:
    """发言 through the API on `server`: the stored event."""
    async with http.post(f"{server.url}/api/v1/mediation/{room.mediation_id}/messages", headers=bearer(token),
                         json={"text": text, "caucus": caucus}) as response:
        body = await response.json()
        assert response.status == 201, body
        return dict(body)


async def stored(http: aiohttp.ClientSession, server: WebProcess, room: Room, token: str) -> list[dict[str, Any]]:
    """The room's events as `token`'s holder may read them, from the store (through `server`'s API)."""
    async with http.get(f"{server.url}/api/v1/mediation/{room.mediation_id}/events",
                        headers=bearer(token)) as response:
        assert response.status == 200
        return list(await response.json())


async def test_a_message_posted_on_one_process_reaches_the_sockets_on_both_once() -> None:
    room = await _room()
    async with web_processes(2, MEDIATION_MESSAGE_RATE=RATE) as (a, b), aiohttp.ClientSession() as http:
        complainant_on_a = Listener(http, "complainant on A", room.mediation_id, lambda _: bearer(room.complainant))
        liaison_on_b = Listener(http, "liaison on B", room.mediation_id, lambda _: bearer(room.liaison))
        # the office as a browser: its session cookie, and the Origin of the page on the process it connects to
        office_on_b = Listener(http, "office on B", room.mediation_id,
                               lambda s: {"Cookie": f"rv_session={room.office_session}", "Origin": s.origin})
        listeners = [complainant_on_a, liaison_on_b, office_on_b]
        await complainant_on_a.connect(a)
        await liaison_on_b.connect(b)
        await office_on_b.connect(b)

        said = await post(http, a, room, room.complainant, "我在A进程上发言：井盖至今没有修好。")
        async with http.post(f"{a.url}/mediation/{room.mediation_id}/messages", allow_redirects=False,
                             headers={"Cookie": f"rv_session={room.office_session}", "Origin": a.origin},
                             data={"csrf_token": room.office_csrf, "text": "评议办经网页表单在A进程发言"}) as form:
            assert form.status == 303, await form.text()
        answered = await post(http, b, room, room.liaison, "部门在B进程答复：本周内修复。")
        for listener in listeners:
            await listener.holds([said["id"], answered["id"]])

        everything = await stored(http, b, room, room.office)
        assert [e["body"] for e in everything] == ["我在A进程上发言：井盖至今没有修好。", "评议办经网页表单在A进程发言",
                                                   "部门在B进程答复：本周内修复。"]
        ids = [e["id"] for e in everything]
        assert ids[0] == said["id"] and ids[2] == answered["id"]
        for listener in listeners:  # every one, the one on the process it was posted to included, exactly once
            assert listener.ids == ids, listener.name
            assert [e["body"] for e in listener.events] == [e["body"] for e in everything], listener.name
        for listener in listeners:
            await listener.close()


async def test_a_process_killed_mid_conversation_loses_nothing_its_clients_resume_on_the_other() -> None:
    room = await _room()
    async with web_processes(2, MEDIATION_MESSAGE_RATE=RATE) as (a, b), aiohttp.ClientSession() as http:
        on_a = [Listener(http, "complainant on A", room.mediation_id, lambda _: bearer(room.complainant)),
                Listener(http, "liaison on A", room.mediation_id, lambda _: bearer(room.liaison))]
        office_on_b = Listener(http, "office on B", room.mediation_id, lambda _: bearer(room.office))
        listeners = [*on_a, office_on_b]
        for listener in on_a:
            await listener.connect(a)
        await office_on_b.connect(b)

        before = [await post(http, a, room, room.complainant, "先说第一句（A）"),
                  await post(http, b, room, room.liaison, "部门回应第一句（B）")]
        for listener in listeners:
            await listener.holds([e["id"] for e in before])

        # The complainant keeps posting on A, the liaison on B, while A is killed.
        acknowledged: list[int] = []
        stop = asyncio.Event()

        async def keep_posting(server: WebProcess, token: str, tag: str) -> None:
            n = 0
            while not stop.is_set():
                n += 1
                try:
                    async with http.post(f"{server.url}/api/v1/mediation/{room.mediation_id}/messages",
                                         headers=bearer(token), json={"text": f"{tag}第{n}句"}) as response:
                        if response.status != 201:
                            raise AssertionError(await response.text())
                        acknowledged.append(int((await response.json())["id"]))
                except aiohttp.ClientError:
                    return  # the process is gone: this poster stops (what it sent last may or may not be stored)
                await asyncio.sleep(0.02)

        posters = [asyncio.ensure_future(keep_posting(a, room.complainant, "诉求人在A进程")),
                   asyncio.ensure_future(keep_posting(b, room.liaison, "联络员在B进程"))]
        await office_on_b.until(lambda: len(office_on_b.events) >= len(before) + 6, "six messages mid-conversation")
        a.kill()
        for listener in on_a:
            await listener.until_closed()
        seen_when_killed = [listener.last for listener in on_a]
        heard = len(office_on_b.events)
        await office_on_b.until(lambda: len(office_on_b.events) >= heard + 3, "messages after the kill")
        stop.set()
        await asyncio.gather(*posters)

        for listener in on_a:  # away while the talk went on, they come back on B from the last id they saw
            await listener.connect(b, after=listener.last)
        last = await post(http, b, room, room.complainant, "回来了（B）")
        everything = [e["id"] for e in await stored(http, b, room, room.office)]
        assert set(acknowledged) | {e["id"] for e in before} | {last["id"]} <= set(everything)  # nothing lost
        assert everything == sorted(everything)
        for listener in listeners:
            await listener.holds(everything)
        for listener in listeners:
            assert listener.ids == everything, listener.name  # every stored message once, in id order
        for seen in seen_when_killed:  # each had heard part of the talk, and missed some of it while away
            assert before[-1]["id"] <= seen < office_on_b.ids[heard + 2]
        for listener in listeners:
            await listener.close()


async def test_a_caucus_posted_on_one_process_never_reaches_the_other_partys_socket_on_the_other() -> None:
    room = await _room()
    async with web_processes(2, MEDIATION_MESSAGE_RATE=RATE) as (a, b), aiohttp.ClientSession() as http:
        complainant_on_b = Listener(http, "complainant on B", room.mediation_id, lambda _: bearer(room.complainant))
        liaison_on_b = Listener(http, "liaison on B", room.mediation_id, lambda _: bearer(room.liaison))
        office_on_a = Listener(http, "office on A", room.mediation_id, lambda _: bearer(room.office))
        await complainant_on_b.connect(b)
        await liaison_on_b.connect(b)
        await office_on_a.connect(a)

        aside = await post(http, a, room, room.office, "单独沟通：您能接受的底线是多少？", caucus="complainant")
        reply = await post(http, a, room, room.complainant, "单独回复：赔偿两千元即可。", caucus="complainant")
        said = await post(http, a, room, room.office, "回到全体：请部门说明修复计划。")
        caucus = [aside["id"], reply["id"]]
        await complainant_on_b.holds([*caucus, said["id"]])
        await office_on_a.holds([*caucus, said["id"]])
        await liaison_on_b.holds([said["id"]])  # the socket sends in id order: the caucus before it is never coming
        assert complainant_on_b.ids == office_on_a.ids == [*caucus, said["id"]]
        assert liaison_on_b.ids == [said["id"]]
        assert not any("底线" in json.dumps(c, ensure_ascii=False) for c in liaison_on_b.controls)

        await liaison_on_b.close()  # nor does a resume from the start on the other process
        again = Listener(http, "liaison again on A", room.mediation_id, lambda _: bearer(room.liaison))
        await again.connect(a, after=0)
        last = await post(http, b, room, room.liaison, "部门：下周一前修复。")
        await again.holds([last["id"]])
        assert again.ids == [said["id"], last["id"]]
        assert [e["id"] for e in await stored(http, b, room, room.liaison)] == [said["id"], last["id"]]
        for listener in (complainant_on_b, office_on_a, again):
            await listener.close()
