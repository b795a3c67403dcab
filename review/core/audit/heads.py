"""公布的链头: the audit chain's head (how many events, the last one's hash, when), published every day and on
the office's demand, at /public/audit and GET /api/v1/audit/heads.

Anyone may download the list and keep it. A head, once published, fixes every event up to it: deleting the
chain's tail and moving `chain_head` back, or rewriting the chain from some event on, leaves the chain short
of a head or with another hash at its position, and `review verify-audit` says so.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from review.core import db
from review.core.audit import sql
from review.core.audit import store as audit
from review.core.audit.chain import Head
from review.core.audit.store import as_head, published
from review.core.clock import local_time, today_in_china


async def publish(*, day: date | None = None) -> bool:
    """Seal what is pending and publish the chain's head; with `day`, that day's head, once: False when the
    day's head was already published (the unique day makes concurrent publishers agree)."""
    await audit.seal()
    async with db.transaction():
        last_hash, count = await db.lock_chain_head()
        made = await db.fetch(sql.PUBLISH_HEAD, count, last_hash, datetime.now(UTC), day)
    return bool(made)


async def publish_daily(ctx: dict[str, Any]) -> bool:
    """The day's head (China time), if not yet published: the worker runs this every hour, the in-process
    sweeper every few minutes, so the first run of each day publishes it."""
    return await publish(day=today_in_china())


def as_json(row: dict[str, Any]) -> dict[str, Any]:
    """A head as the API gives it and a kept copy holds it (what `review verify-audit --heads` reads)."""
    day = row["day"]
    return {"seq": row["seq"], "hash": row["hash"],
            "published_at": row["published_at"].astimezone(UTC).isoformat(timespec="seconds"),
            "day": day.isoformat() if day else None}


def from_json(item: Any) -> Head:
    """A head from a kept copy of the list; ValueError when it is not one."""
    if not isinstance(item, dict):
        item = {}
    seq, digest, at = item.get("seq"), item.get("hash"), item.get("published_at")
    if not isinstance(seq, int) or isinstance(seq, bool) or seq < 0:
        raise ValueError("seq 应为非负整数")
    if not isinstance(digest, str) or len(digest) != 64:
        raise ValueError("hash 应为 64 位十六进制")
    try:
        when = datetime.fromisoformat(str(at))
    except ValueError:
        raise ValueError("published_at 应为 ISO 8601 时间") from None
    if when.tzinfo is None:
        raise ValueError("published_at 应带时区")
    return Head(seq=seq, hash=digest.lower(), published_at=local_time(when), at=when)


__all__ = ["as_head", "as_json", "from_json", "publish", "publish_daily", "published"]
