"""The hub: in-process, every subscriber of a channel hears each announcement; over Redis, across hubs."""

from __future__ import annotations

import asyncio
import uuid

import pytest

from review.core import realtime
from tests.conftest import REDIS_URL


async def _next(subscription: realtime.Subscription) -> realtime.Payload:
    return await asyncio.wait_for(anext(subscription), timeout=5)


async def test_in_process_hub_delivers_to_every_subscriber_of_the_channel_only() -> None:
    hub = realtime.Hub("")
    async with hub.subscribe("room:1") as first, hub.subscribe("room:1") as second, \
            hub.subscribe("room:2") as other:
        await hub.publish("room:1", {"id": 1, "body": "你好"})
        assert await _next(first) == {"id": 1, "body": "你好"}
        assert await _next(second) == {"id": 1, "body": "你好"}
        assert other.queue.empty()
    assert hub.local == {}  # leaving unsubscribes


async def test_a_subscriber_that_never_reads_is_told_it_fell_behind() -> None:
    hub = realtime.Hub("")
    async with hub.subscribe("room:1") as idle:
        for n in range(realtime.QUEUE_LIMIT + 5):
            await hub.publish("room:1", {"id": n})
        assert idle.queue.qsize() == realtime.QUEUE_LIMIT + 1
        for _ in range(realtime.QUEUE_LIMIT):
            await _next(idle)
        with pytest.raises(realtime.Overflowed):
            await _next(idle)


@pytest.mark.integration
@pytest.mark.redis_only
async def test_redis_hub_delivers_across_two_hubs() -> None:
    channel = f"room:{uuid.uuid4().hex}"
    one, two = realtime.Hub(REDIS_URL), realtime.Hub(REDIS_URL)
    try:
        async with one.subscribe(channel) as here, two.subscribe(channel) as there:
            await one.publish(channel, {"id": 7, "body": "跨进程"})
            assert await _next(there) == {"id": 7, "body": "跨进程"}
            assert await _next(here) == {"id": 7, "body": "跨进程"}
    finally:
        await one.close()
        await two.close()
