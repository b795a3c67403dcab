"""Live announcements (the mediation room): `publish(channel, payload)` and `subscribe(channel)`.

Redis pub/sub when REDIS_URL is set, so a post on one web process reaches a socket on another; in-process queues
otherwise, the same two-backend shape as review.core.jobs. The hub only announces: what it carries is stored
first (callers publish after their transaction has committed), and a subscriber that misses an announcement
reads it back from the store (pub/sub keeps nothing for a listener that was away).

    async with realtime.subscribe("mediation:7") as announced:
        async for payload in announced:
            ...
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import AsyncIterator
from types import TracebackType
from typing import Any, Self

from review.core import settings

log = logging.getLogger("review.realtime")

Payload = dict[str, Any]

# Announcements a subscriber may leave unread before it is dropped (a socket that never reads).
QUEUE_LIMIT = 1000


class Overflowed(Exception):
    """A subscriber fell QUEUE_LIMIT announcements behind (or lost Redis); it should resume from the store."""


class Subscription:
    """One listener on one channel: an async context manager (subscribed on entry) and an async iterator."""

    def __init__(self, hub: Hub, channel: str) -> None:
        self.hub = hub
        self.channel = channel
        self.queue: asyncio.Queue[Payload | None] = asyncio.Queue()
        self._pubsub: Any = None
        self._reader: asyncio.Task[None] | None = None
        self.overflowed = False
        # Set when the listener is dropped: whoever is stuck writing to a client that never reads can still learn
        # it (the sentinel in the queue reaches only a listener that is reading)
        self.dropped = asyncio.Event()

    def _drop(self) -> None:
        self.overflowed = True
        self.queue.put_nowait(None)
        self.dropped.set()

    def deliver(self, payload: Payload) -> None:
        if self.overflowed:
            return
        if self.queue.qsize() >= QUEUE_LIMIT:
            self._drop()
            return
        self.queue.put_nowait(payload)

    async def __aenter__(self) -> Self:
        if self.hub.redis_url:
            client = await self.hub.client()
            self._pubsub = client.pubsub(ignore_subscribe_messages=True)
            await self._pubsub.subscribe(self.channel)
            self._reader = asyncio.get_running_loop().create_task(self._read_redis())
        else:
            self.hub.local.setdefault(self.channel, set()).add(self)
        return self

    async def _read_redis(self) -> None:
        try:
            async for message in self._pubsub.listen():
                if message.get("type") == "message":
                    self.deliver(json.loads(message["data"]))
        except Exception:
            log.warning("lost the Redis subscription to %s", self.channel, exc_info=True)
        self._drop()  # the listener resumes from the store, as one that fell behind

    async def __aexit__(self, kind: type[BaseException] | None, error: BaseException | None,
                        trace: TracebackType | None) -> None:
        if self._reader is not None:
            self._reader.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._reader
        if self._pubsub is not None:
            await self._pubsub.unsubscribe(self.channel)
            await self._pubsub.aclose()
        listeners = self.hub.local.get(self.channel)
        if listeners is not None:
            listeners.discard(self)
            if not listeners:
                del self.hub.local[self.channel]

    def __aiter__(self) -> AsyncIterator[Payload]:
        return self

    async def __anext__(self) -> Payload:
        payload = await self.queue.get()
        if payload is None:
            raise Overflowed(self.channel)
        return payload


class Hub:
    """The announcements of one process: Redis at `redis_url`, or in-process when it is empty."""

    def __init__(self, redis_url: str = "") -> None:
        self.redis_url = redis_url
        self.local: dict[str, set[Subscription]] = {}
        self._client: Any = None

    async def client(self) -> Any:
        if self._client is None:
            # lazy: redis loads only where it is used
            import redis.asyncio as redis

            self._client = redis.Redis.from_url(self.redis_url)
        return self._client

    async def publish(self, channel: str, payload: Payload) -> None:
        """Announce `payload` (JSON-able) to every subscriber of `channel`, in this process or any."""
        text = json.dumps(payload, ensure_ascii=False, default=str)
        if self.redis_url:
            await (await self.client()).publish(channel, text)
            return
        for listener in list(self.local.get(channel, ())):
            listener.deliver(json.loads(text))  # a copy each, as over Redis

    def subscribe(self, channel: str) -> Subscription:
        return Subscription(self, channel)

    async def close(self) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None


_hub: Hub | None = None


def hub() -> Hub:
    global _hub
    if _hub is None or _hub.redis_url != settings.REDIS_URL:
        _hub = Hub(settings.REDIS_URL)
    return _hub


async def publish(channel: str, payload: Payload) -> None:
    await hub().publish(channel, payload)


def subscribe(channel: str) -> Subscription:
    return hub().subscribe(channel)


async def close() -> None:
    global _hub
    if _hub is not None:
        await _hub.close()
        _hub = None
