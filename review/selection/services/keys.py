"""Complainant keys (诉求人标识): the keyed hash of each case's normalised phone number, made when a selection
first needs it. The number is read from the case to make the hash and goes nowhere else: not into a selection
record, an audit event or a log line."""

from __future__ import annotations

from datetime import datetime, timedelta

from review.core import db
from review.core.keys import keyed_hash
from review.selection import sql
from review.selection.disputes import KEY_PURPOSE, normalise_phone

_CHUNK = 500  # keys written per statement


def key_id() -> str:
    """Which server key the keys are made under: a changed key makes every key anew before it is matched."""
    return keyed_hash("selection:key-id", "")[:16]


def complainant_key(phone: str) -> str:
    """The keyed hash of a phone number; empty without a usable number (no match is made on nothing)."""
    digits = normalise_phone(phone)
    return keyed_hash(KEY_PURPOSE, digits) if digits else ""


async def ensure_keys(*, until: datetime, earliest: datetime, latest: datetime, repeat_days: int,
                      reopen_days: int) -> int:
    """Make the keys missing for the queue up to `until` and for every case a repeated dispute may pair one of its
    cases (received from `earliest` to `latest`) with; returns how many were made. Its own transaction."""
    window = timedelta(days=max(repeat_days, 0))
    current = key_id()
    rows = await db.fetch(sql.UNKEYED, current, until, earliest - window, latest + window,
                          earliest - timedelta(days=max(reopen_days, 0)))
    if not rows:
        return 0
    async with db.transaction():
        for start in range(0, len(rows), _CHUNK):
            chunk = rows[start:start + _CHUNK]
            args: list[object] = []
            for row in chunk:
                args += [row["id"], complainant_key(row["complainant_phone"] or ""), current]
            await db.fetch(sql.upsert_keys(len(chunk)), *args)
    return len(rows)
