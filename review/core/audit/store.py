"""The audit trail (全程留痕): events written with each change, sealed into a hash chain by the sealer.

Writers only insert. Linking each event to the one before happens in `seal`, which takes the chain
head's lock, hashes the unsealed events in id order and moves the head, in batches. This keeps a
global lock (and its disk flush) off every request; the sealer runs every second in each web process
and worker, and `verify` seals what is pending before it checks.

An event is sealed within seconds of its commit, so one that waits longer than LATE_AFTER (still unsealed
when the verifier looks, or sealed that long after its time) was written into the table afterwards with an
earlier time: the verifier reports it. The heads published every day (`review.core.audit.heads`) fix the chain's
length and hash at their positions, so a shortened or rewritten chain is found too.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from review.core import db
from review.core.audit import sql
from review.core.audit.chain import (
    GENESIS,
    ChainBreak,
    EventFields,
    Head,
    event_hash,
    head_break,
    verify_chain,
)
from review.core.clock import local_time
from review.core.tables import AuditEvent, ChainHead

log = logging.getLogger("review.audit")

SEAL_INTERVAL = 1.0
# The sealer's interval, with room for the longest a writing transaction stays open before its commit.
LATE_AFTER = 60.0


# json.dumps(…, ensure_ascii=False), without a new encoder for each event.
_encode = json.JSONEncoder(ensure_ascii=False).encode


def event_values(
    *, case_id: int | None, actor: str, action: str, from_status: str = "", to_status: str = "",
    reason: str = "", data: dict[str, Any] | None = None,
) -> list[Any]:
    """The values of EVENT_COLUMNS for one event."""
    return [case_id, actor, action, from_status, to_status, reason, _encode(data or {}), datetime.now(UTC)]


async def record(
    *,
    case_id: int | None,
    actor: str,
    action: str,
    from_status: str = "",
    to_status: str = "",
    reason: str = "",
    data: dict[str, Any] | None = None,
) -> None:
    """Write one event; call inside the transaction that made the change."""
    values = event_values(case_id=case_id, actor=actor, action=action, from_status=from_status,
                          to_status=to_status, reason=reason, data=data)
    await db.fetch(sql.INSERT_EVENT, *values)


async def record_many(events: Sequence[Sequence[Any]]) -> int:
    """Write many events (each the `event_values` of one) in the order given, in one statement on PostgreSQL
    (an array per column) and multi-row ones on SQLite; call inside the transaction that made the changes. The
    chain is global and linked by `seal` in id order, so a bulk append needs nothing more: the events are
    sealed like any others (no hashing here). Returns how many were written."""
    await db.insert_many(sql.EVENTS, events)
    return len(events)


def _iso(at: datetime) -> str:
    return at.astimezone(UTC).isoformat(timespec="microseconds")


def _fields(row: dict[str, Any]) -> EventFields:
    data = json.loads(row["data"]) if isinstance(row["data"], str) else row["data"]
    return EventFields(row["case"], row["actor"], row["action"], row["from_status"], row["to_status"],
                       row["reason"], data, _iso(row["at"]))


async def seal(batch: int = 200) -> int:
    """Link every unsealed event into the chain, oldest id first; returns how many were sealed.

    Small batches with a pause between them keep the requests served alongside from waiting long.
    """
    total = 0
    while True:
        await asyncio.sleep(0)
        async with db.transaction():
            last_hash, count = await db.lock_chain_head()
            rows = await AuditEvent.select().where(AuditEvent.seq.is_null()).order_by(AuditEvent.id).limit(
                batch).run()
            if not rows:
                return total
            args: list[Any] = []
            for row in rows:
                count += 1
                digest = event_hash(last_hash, _fields(row))
                args += [row["id"], count, last_hash, digest]
                last_hash = digest
            args.append(datetime.now(UTC))
            await db.fetch(sql.link_events(len(rows)), *args)
            await db.fetch(sql.SET_CHAIN_HEAD, last_hash, count)
        total += len(rows)


async def sealer(interval: float = SEAL_INTERVAL) -> None:
    """Seal pending events every `interval` seconds until cancelled."""
    while True:
        try:
            await seal()
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("sealing the audit chain failed; will retry")
        await asyncio.sleep(interval)


async def published() -> list[dict[str, Any]]:
    """Every published head, oldest first."""
    return await db.fetch(sql.PUBLISHED_HEADS)


def as_head(row: dict[str, Any]) -> Head:
    return Head(seq=row["seq"], hash=row["hash"], published_at=local_time(row["published_at"]), at=row["published_at"])


@dataclass(frozen=True)
class LateEvent:
    """An event that waited longer than LATE_AFTER to be sealed: written afterwards with an earlier time."""

    event_id: int
    at: datetime
    sealed_at: datetime | None  # None: still unsealed when the verifier looked
    after_head: Head | None = None  # a head published before the event's time that the event comes after


@dataclass(frozen=True)
class Report:
    """What the verifier found: events verified in order before the first break (all when none), the break,
    the late events and how many published heads the chain was held against."""

    checked: int
    broken: ChainBreak | None
    late: list[LateEvent] = field(default_factory=list)
    heads: int = 0

    @property
    def problem(self) -> ChainBreak | None:
        """The first thing wrong: the break, else the first late event."""
        if self.broken or not self.late:
            return self.broken
        first = self.late[0]
        return ChainBreak(first.event_id, _late_words(first))

    def message(self) -> str:
        """The verifier's finding in words: 「已核验 N 条事件，第 N+1 条……」."""
        lines = [f"已核验 {self.checked} 条事件，第 {self.checked + 1} 条{self.broken.problem}。" if self.broken
                 else f"审计链完整：已核验 {self.checked} 条事件，与 {self.heads} 个公布的链头相符。"]
        lines += [f"事件 #{e.event_id}：{_late_words(e)}。" for e in self.late]
        return "\n".join(lines)


def _late_words(event: LateEvent) -> str:
    written = f"时间记为 {local_time(event.at)}"
    if event.after_head is not None:
        return (f"{written}，却排在 {event.after_head.published_at} 公布的链头（第 {event.after_head.seq} 条）"
                "之后（疑为事后补写）")
    if event.sealed_at is None:
        return f"{written}，超过 {LATE_AFTER:.0f} 秒仍未封存（疑为事后补写）"
    return f"{written}，{local_time(event.sealed_at)} 才封存，晚于封存间隔（疑为事后补写）"


def _late(row: dict[str, Any], limit: timedelta, before: Head | None) -> LateEvent | None:
    """The event as a late one, if it is: sealed long after its time, or placed after a head published long
    after its time (which the sealed time, not hashed, cannot hide)."""
    if before is not None and before.at is not None and row["at"] < before.at - limit:
        return LateEvent(row["id"], row["at"], row["sealed_at"], before)
    if row["sealed_at"] is not None and row["sealed_at"] - row["at"] > limit:
        return LateEvent(row["id"], row["at"], row["sealed_at"])
    return None


class _HeadsPassed:
    """The latest-published head at a position before the one asked, for positions asked in increasing order."""

    def __init__(self, heads: list[Head]) -> None:
        self._ahead = sorted((h for h in heads if h.at is not None), key=lambda h: h.seq, reverse=True)
        self._latest: Head | None = None

    def before(self, position: int) -> Head | None:
        while self._ahead and self._ahead[-1].seq < position:
            head = self._ahead.pop()
            # Every head kept ahead has a time (__init__), so the one taken from them has one too.
            if self._latest is None or (head.at is not None and self._latest.at is not None
                                        and head.at > self._latest.at):
                self._latest = head
        return self._latest


async def report(*, heads: list[Head] | None = None, batch: int = 5000, late_after: float = LATE_AFTER) -> Report:
    """Re-hash the whole chain and hold it against every published head (and `heads`, kept copies), after
    noting the events left unsealed too long and sealing the rest."""
    limit = timedelta(seconds=late_after)
    stale = await AuditEvent.select(AuditEvent.id, AuditEvent.at).where(
        AuditEvent.seq.is_null(), AuditEvent.at < datetime.now(UTC) - limit).order_by(AuditEvent.id).run()
    late = [LateEvent(r["id"], r["at"], None) for r in stale]
    await seal()
    known = list({(h.seq, h.hash): h for h in [
        *(heads or []), *(as_head(r) for r in await published())]}.values())
    wanted = {h.seq for h in known}
    hashes: dict[int, str] = {}
    noted = {e.event_id for e in late}
    passed = _HeadsPassed(known)
    checked, last_seq, expected, broken = 0, 0, GENESIS, None
    while broken is None:
        rows = await AuditEvent.select().where(AuditEvent.seq > last_seq).order_by(AuditEvent.seq).limit(
            batch).run()
        if not rows:
            break
        events = [(r["id"], r["prev_hash"], r["hash"], _fields(r)) for r in rows]
        expected, broken = verify_chain(events, start=expected)
        good = rows if broken is None else rows[:[r["id"] for r in rows].index(broken.event_id)]
        for position, row in enumerate(good, checked + 1):
            if position in wanted:
                hashes[position] = row["hash"]
            if row["id"] not in noted and (late_one := _late(row, limit, passed.before(position))):
                late.append(late_one)
        checked += len(good)
        last_seq = rows[-1]["seq"]
    reached = [h for h in known if broken is None or h.seq <= checked]
    if found := head_break(reached, hashes, checked):
        checked, broken = found
    elif broken is None:
        head = await ChainHead.select(ChainHead.last_hash, ChainHead.count).where(ChainHead.id == 1).first().run()
        if head and (head["last_hash"] != expected or head["count"] != checked):
            broken = ChainBreak(None, f"起与链头记录（共 {head['count']} 条）不符（事件被删除或链头被改动）")
    return Report(checked, broken, sorted(late, key=lambda e: e.event_id), len(known))


async def verify(batch: int = 5000) -> tuple[int, ChainBreak | None]:
    """Seal what is pending, then check the whole chain: (events checked, the first problem or None)."""
    found = await report(batch=batch)
    return found.checked, found.problem
