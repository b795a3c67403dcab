"""Who is in a room now (在场): `touch(room, key, who, ttl)`, `leave(room, key)`, `present(room)`.

Each connection (a socket, or a page that refreshes itself) holds one entry under its own `key`, with what may be
shown of the person (`who`: a role label and the actor label the audit uses, never personal data) and an expiry
it pushes on with every heartbeat. An entry not renewed expires, so a process killed mid-session leaves nobody
behind for longer than the ttl. Redis (one sorted set per room, the expiry as score) when REDIS_URL is set, so
every web process sees the same room; in-process otherwise, the same two-backend shape as review.core.realtime.

Presence is not stored as room events: it is a state, not something said, and a client that resumes reads it
afresh (`present`) rather than replaying joins and leaves.
"""

from __future__ import annotations

import json
import time
from typing import Any

from review.core import kept, realtime, settings

Who = dict[str, str]

_local: dict[str, dict[str, tuple[float, str]]] = {}  # room → key → (expires at, who as JSON)


def _key(room: str) -> str:
    return f"presence:{room}"


def _people(entries: list[str]) -> list[Who]:
    """One entry per person (however many tabs or devices they have open), in a stable order."""
    seen: dict[str, Who] = {}
    for text in entries:
        who = json.loads(text)
        seen.setdefault(who.get("actor", ""), who)
    return sorted(seen.values(), key=lambda w: (w.get("order", ""), w.get("actor", "")))


async def _redis() -> Any:
    return await realtime.hub().client()


async def present(room: str) -> list[Who]:
    """The people in `room` now, one entry each."""
    now = time.time()
    if settings.REDIS_URL:
        client = await _redis()
        async with client.pipeline(transaction=True) as pipe:
            pipe.zremrangebyscore(_key(room), "-inf", now)
            pipe.zrange(_key(room), 0, -1)
            _, members = await pipe.execute()
        return _people([m.decode().split("\n", 1)[1] for m in members])
    entries = _local.get(room, {})
    for key in [k for k, (until, _) in entries.items() if until <= now]:
        del entries[key]
    if not entries:
        _local.pop(room, None)
    return _people([text for _, text in entries.values()])


async def touch(room: str, key: str, who: Who, ttl: float) -> bool:
    """Put (or keep) connection `key` in `room` for `ttl` seconds more; whether the people present changed."""
    before = await present(room)
    text = json.dumps(who, ensure_ascii=False, sort_keys=True)
    until = time.time() + ttl
    if settings.REDIS_URL:
        client = await _redis()
        async with client.pipeline(transaction=True) as pipe:
            # the member names its connection and carries who it is: one sorted set holds the whole room
            pipe.zadd(_key(room), {f"{key}\n{text}": until})
            pipe.expire(_key(room), max(1, int(ttl) + 60))
            await pipe.execute()
    else:
        _local.setdefault(room, {})[key] = (until, text)
    return await present(room) != before


async def leave(room: str, key: str) -> bool:
    """Take connection `key` out of `room`; whether the people present changed."""
    before = await present(room)
    if settings.REDIS_URL:
        client = await _redis()
        mine = [m for m in await client.zrange(_key(room), 0, -1) if m.decode().split("\n", 1)[0] == key]
        if mine:
            await client.zrem(_key(room), *mine)
    else:
        _local.get(room, {}).pop(key, None)
    return await present(room) != before


@kept.forgettable
def forget() -> None:
    """Empty the in-process rooms (a database emptied under the process, as between tests)."""
    _local.clear()
