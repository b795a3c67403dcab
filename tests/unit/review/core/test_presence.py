"""Presence: one entry per person however many connections, renewed by heartbeats, gone when left or expired;
in-process, and over Redis where every process sees the same room."""

from __future__ import annotations

import asyncio
import uuid

import pytest

from review.core import presence, settings

COMPLAINANT = {"kind": "complainant", "role": "诉求人", "actor": "complainant", "order": "2"}
OFFICE = {"kind": "office", "role": "评议办", "actor": "office:wang", "order": "0"}


async def _round_trip(room: str) -> None:
    assert await presence.touch(room, "tab-1", COMPLAINANT, ttl=30)  # someone new: a change
    assert not await presence.touch(room, "tab-2", COMPLAINANT, ttl=30)  # the same person again: none
    assert await presence.touch(room, "desk", OFFICE, ttl=30)
    assert await presence.present(room) == [OFFICE, COMPLAINANT]  # ordered by kind, one entry each
    assert not await presence.leave(room, "tab-1")  # still there through the other tab
    assert await presence.leave(room, "tab-2")
    assert await presence.present(room) == [OFFICE]
    assert await presence.present(f"{room}-other") == []

    assert not await presence.touch(room, "desk", OFFICE, ttl=0.2)  # a heartbeat: no change
    await asyncio.sleep(0.3)
    assert await presence.present(room) == []  # not renewed: expired (a process that died)


async def test_in_process_presence(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(settings, "REDIS_URL", "")
    presence.forget()
    await _round_trip("room:1")


@pytest.mark.integration
@pytest.mark.redis_only
async def test_redis_presence() -> None:
    await _round_trip(f"room:{uuid.uuid4().hex}")
