"""The live room's WebSocket (/mediation/{id}/socket): on connect every stored event after `?after=ID`, then each
new one as the hub announces it. Sent in id order, each once: a client resuming from the last id it saw loses
nothing and sees nothing twice (a mediation's events commit in id order, see services.post_message)."""

from __future__ import annotations

import asyncio
import contextlib

from starlette.websockets import WebSocket, WebSocketDisconnect

from review.core import realtime
from review.core.actors import CASE_PARTY, Actor
from review.core.errors import ServiceError
from review.core.params import int_param
from review.core.web.sockets import POLICY_VIOLATION, socket_route
from review.mediation.domain import room
from review.mediation.services import room as room_services

TRY_AGAIN_LATER = 1013  # the socket fell too far behind: the client resumes from its last id


async def _drain_client(websocket: WebSocket) -> None:
    """Read (and ignore) what the client sends, until it goes away."""
    with contextlib.suppress(WebSocketDisconnect):
        while True:
            message = await websocket.receive()
            if message["type"] == "websocket.disconnect":
                return


async def _forward(websocket: WebSocket, mediation_id: int, actor: Actor, after: int,
                   announced: realtime.Subscription) -> None:
    last = after
    while True:  # what was stored before the hub could tell us, page by page
        stored = await room_services.events_after(mediation_id=mediation_id, actor=actor, after=last)
        for event in stored:
            await websocket.send_json(event)
            last = event["id"]
        if len(stored) < room.EVENTS_PAGE:
            break
    async for event in announced:
        if int(event["id"]) > last:
            await websocket.send_json(event)
            last = int(event["id"])


async def room_socket(websocket: WebSocket, actor: Actor) -> None:
    mediation_id = int(websocket.path_params["id"])
    try:
        after = int_param(websocket.query_params.get("after"), "after", 0)
        await room_services.room_admits(mediation_id=mediation_id, actor=actor)
    except ServiceError:
        await websocket.close(code=POLICY_VIOLATION)
        return
    await websocket.accept()
    async with realtime.subscribe(room.channel(mediation_id)) as announced:  # before the catch-up: none missed
        forward = asyncio.ensure_future(_forward(websocket, mediation_id, actor, after, announced))
        listen = asyncio.ensure_future(_drain_client(websocket))
        done, pending = await asyncio.wait({forward, listen}, return_when=asyncio.FIRST_COMPLETED)
        for task in pending:
            task.cancel()
        for task in pending:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
    if forward in done and forward.exception() is not None:
        with contextlib.suppress(Exception):
            code = TRY_AGAIN_LATER if isinstance(forward.exception(), realtime.Overflowed) else 1011
            await websocket.close(code=code)


routes = [socket_route("/mediation/{id:int}/socket", room_socket, CASE_PARTY, name="mediation_socket")]
