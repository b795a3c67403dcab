"""The live room's WebSocket (/mediation/{id}/socket): on connect every stored event after `?after=ID`, then each
new one as the hub announces it. Sent in id order, each once: a client resuming from the last id it saw loses
nothing and sees nothing twice (a mediation's events commit in id order, see services.post_message; each
announcement names the event stored before it, so one that overtakes another, from another process, sends the
socket to the store instead). A caucus (单独沟通) reaches only the mediator's side and its party: the filter is
here, on the server, so the other party's socket never carries it.

Besides events (each with an `id`), the socket sends control messages without one: `{"presence": [...]}` (who is
in the room now) whenever that changes, and `{"closed": "..."}` just before it closes. It closes with
- 1008 when the mediation is over or the reader's access is withdrawn (the tracking code reissued, the account
  deactivated, the member unseated): re-checked at each heartbeat and at once when the mediation ends;
- 1009 when the client sends a frame larger than MEDIATION_SOCKET_MAX_FRAME (it only sends heartbeats);
- 1013 when it fell too far behind (a client that never reads): the client resumes from its last id."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from typing import Any

from starlette.websockets import WebSocket, WebSocketDisconnect

from review.core import realtime, settings
from review.core.actors import CASE_PARTY, Actor
from review.core.errors import ServiceError
from review.core.params import int_param
from review.core.web.guard import resolve_actor
from review.core.web.sockets import POLICY_VIOLATION, socket_route
from review.mediation.domain import room
from review.mediation.services import room as room_services

MESSAGE_TOO_BIG = 1009
TRY_AGAIN_LATER = 1013  # the socket fell too far behind: the client resumes from its last id
CLOSE_WAIT = 5.0  # seconds a close may take to reach a client before the socket is simply dropped


class Withdrawn(Exception):
    """The mediation is over or the reader may no longer be in its room."""


class TooBig(Exception):
    """The client sent a frame over the limit."""


class RoomSocket:
    """One reader's socket on one room: what it has sent, its side of the room, its presence entry."""

    def __init__(self, websocket: WebSocket, mediation_id: int, actor: Actor, side: str) -> None:
        self.websocket = websocket
        self.mediation_id = mediation_id
        self.actor = actor
        self.side = side
        self.key = uuid.uuid4().hex
        self.last = 0
        self.shown: list[dict[str, str]] | None = None
        self._sending = asyncio.Lock()  # forward and heartbeat both send: one frame at a time

    async def send(self, payload: dict[str, Any]) -> None:
        async with self._sending:
            await self.websocket.send_json(payload)

    async def send_presence(self) -> None:
        people = await room_services.present(mediation_id=self.mediation_id)
        if people != self.shown:
            self.shown = people
            await self.send({"presence": people})

    async def touch(self) -> None:
        await room_services.presence_touch(mediation_id=self.mediation_id, key=self.key, actor=self.actor,
                                           side=self.side, ttl=3 * settings.MEDIATION_SOCKET_HEARTBEAT)

    async def check_admitted(self) -> None:
        """Raise Withdrawn unless the same actor may still be in the room of a mediation still open."""
        again = await resolve_actor(self.websocket)
        if (again.kind, again.user_id, again.case_id) != (self.actor.kind, self.actor.user_id, self.actor.case_id):
            raise Withdrawn("您的访问权限已失效")
        try:
            mediation = await room_services.room_admits(mediation_id=self.mediation_id, actor=again)
        except ServiceError:
            raise Withdrawn("您的访问权限已失效") from None
        if mediation["status"] != "open":
            raise Withdrawn("调解已结束")
        self.side = mediation["side"]

    async def send_stored(self) -> None:
        """Send what the store holds after the last event sent that this reader hears, page by page."""
        while True:
            stored = await room_services.events_after(mediation_id=self.mediation_id, actor=self.actor,
                                                      after=self.last)
            for event in stored:
                await self.send(event)
                self.last = event["id"]
            if len(stored) < room.EVENTS_PAGE:
                return

    async def forward_event(self, payload: dict[str, Any]) -> None:
        """One announced event: sent when it follows the last one this socket accounted for; otherwise (an
        announcement from another process overtook this one's, or one was lost) the store is read instead, which
        holds every event up to it, since a mediation's events commit in id order."""
        event_id = int(payload["id"])
        if event_id <= self.last:
            return  # already sent from the store
        if int(payload.get("prev") or 0) <= self.last:
            if room.hears(self.side, str(payload.get("caucus") or "")):
                await self.send({k: v for k, v in payload.items() if k != "prev"})
        else:
            await self.send_stored()
        self.last = max(self.last, event_id)

    async def forward(self, after: int, announced: realtime.Subscription) -> None:
        self.last = after
        await self.send_stored()  # what was stored before the hub could tell us
        await self.send_presence()
        async for payload in announced:
            control = payload.get("control")
            if control == "presence":
                await self.send_presence()
            elif control == "closed":
                await self.check_admitted()
            elif control is None:
                await self.forward_event(payload)

    async def listen(self) -> None:
        """Read what the client sends (heartbeats, ignored) until it goes away; a frame over the limit ends it."""
        with contextlib.suppress(WebSocketDisconnect):
            while True:
                message = await self.websocket.receive()
                if message["type"] == "websocket.disconnect":
                    return
                data = message.get("bytes") or (message.get("text") or "").encode()
                if len(data) > settings.MEDIATION_SOCKET_MAX_FRAME:
                    raise TooBig(len(data))

    async def heartbeat(self) -> None:
        """Renew presence, see who else is here (an entry left by a process that died expires) and re-check access."""
        while True:
            await asyncio.sleep(settings.MEDIATION_SOCKET_HEARTBEAT)
            await self.check_admitted()
            await self.touch()
            await self.send_presence()


def _close_code(done: set[asyncio.Task[None]], dropped: asyncio.Task[Any]) -> tuple[int, str] | None:
    """How the socket closes, from the task that ended first (None: the client went away)."""
    if dropped in done:
        return TRY_AGAIN_LATER, "连接跟不上，请重新连接"
    for task in done:
        error = task.exception()
        if isinstance(error, Withdrawn):
            return POLICY_VIOLATION, str(error)
        if isinstance(error, TooBig):
            return MESSAGE_TOO_BIG, "发送的数据过大"
        if isinstance(error, realtime.Overflowed):
            return TRY_AGAIN_LATER, "连接跟不上，请重新连接"
        if error is not None:
            return 1011, "服务器出错，请重新连接"
    return None


async def room_socket(websocket: WebSocket, actor: Actor) -> None:
    mediation_id = int(websocket.path_params["id"])
    try:
        after = int_param(websocket.query_params.get("after"), "after", 0)
        admitted = await room_services.room_admits(mediation_id=mediation_id, actor=actor)
    except ServiceError:
        await websocket.close(code=POLICY_VIOLATION)
        return
    if admitted["status"] != "open":
        await websocket.close(code=POLICY_VIOLATION)
        return
    await websocket.accept()
    me = RoomSocket(websocket, mediation_id, actor, admitted["side"])
    closing: tuple[int, str] | None = None
    async with realtime.subscribe(room.channel(mediation_id)) as announced:  # before the catch-up: none missed
        try:
            await me.touch()
            # the socket now counts its reader present: the entry of the page that opened it would outlive it
            await room_services.presence_leave(mediation_id=mediation_id, key=room_services.page_key(actor))
            tasks = {asyncio.ensure_future(me.forward(after, announced)), asyncio.ensure_future(me.listen()),
                     asyncio.ensure_future(me.heartbeat())}
            dropped = asyncio.ensure_future(announced.dropped.wait())
            done, pending = await asyncio.wait({*tasks, dropped}, return_when=asyncio.FIRST_COMPLETED)
            for task in pending:
                task.cancel()
            for task in pending:
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await task
            closing = _close_code(done, dropped)  # type: ignore[arg-type]
        finally:
            with contextlib.suppress(Exception):
                await asyncio.shield(room_services.presence_leave(mediation_id=mediation_id, key=me.key))
    if closing is not None:
        code, reason = closing
        with contextlib.suppress(Exception):
            if code != TRY_AGAIN_LATER:  # a client that reads gets the reason; one that doesn't, only the close
                await asyncio.wait_for(websocket.send_json({"closed": reason}), CLOSE_WAIT)
            await asyncio.wait_for(websocket.close(code=code), CLOSE_WAIT)


routes = [socket_route("/mediation/{id:int}/socket", room_socket, CASE_PARTY, name="mediation_socket")]
