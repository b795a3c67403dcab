"""WebSocket routes behind the same guard as pages: the actor resolved at the handshake as `guard` resolves it
(session or tracking cookie, or a bearer token), the `Origin` checked in place of CSRF, the policy enforced.
A refused handshake is closed with 1008 (policy violation) before it is accepted."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import urlsplit

from starlette.routing import WebSocketRoute
from starlette.websockets import WebSocket

from review.core.actors import Actor, Policy
from review.core.web.guard import bearer_token, resolve_actor

SocketEndpoint = Callable[[WebSocket, Actor], Awaitable[None]]
POLICY_VIOLATION = 1008


def same_origin(websocket: WebSocket) -> bool:
    """The browser's `Origin` names this very host (its scheme the socket's, ws ↔ http); a client with a bearer
    token, which no browser adds by itself, may send none."""
    origin = websocket.headers.get("origin")
    if origin is None:
        return bearer_token(websocket) is not None
    found = urlsplit(origin)
    scheme = {"ws": "http", "wss": "https"}.get(websocket.url.scheme, websocket.url.scheme)
    return found.scheme == scheme and found.netloc == websocket.headers.get("host", "")


async def handshake_actor(websocket: WebSocket, policy: Policy) -> Actor | None:
    """The actor of an admissible handshake, or None (the socket closed with 1008)."""
    if not same_origin(websocket):
        await websocket.close(code=POLICY_VIOLATION)
        return None
    actor = await resolve_actor(websocket)
    if not policy.admits(actor) or actor.kind == "anonymous":
        await websocket.close(code=POLICY_VIOLATION)
        return None
    return actor


class PolicySocketRoute(WebSocketRoute):
    """A WebSocket route that carries its policy (the route-table test reads it) and enforces it at the handshake;
    the endpoint gets the admitted actor and does its own object-level check."""

    def __init__(self, path: str, endpoint: SocketEndpoint, *, policy: Policy, **kwargs: Any) -> None:
        async def guarded(websocket: WebSocket) -> None:
            actor = await handshake_actor(websocket, policy)
            if actor is not None:
                await endpoint(websocket, actor)

        guarded.__name__ = endpoint.__name__
        super().__init__(path, guarded, **kwargs)
        self.policy = policy


def socket_route(path: str, endpoint: SocketEndpoint, policy: Policy, name: str | None = None) -> PolicySocketRoute:
    return PolicySocketRoute(path, endpoint, policy=policy, name=name)
