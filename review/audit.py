"""The audit trail (全程留痕): events written with each change, sealed into a hash chain by the sealer.

Writers only insert. Linking each event to the one before happens in `seal`, which takes the chain
head's lock, hashes the unsealed events in id order and moves the head, in batches. This keeps a
global lock (and its disk flush) off every request; the sealer runs every second in each web process
and worker, and `verify` seals what is pending before it checks.
"""

from __future__ import annotations

import asyncio
import json
import logging
from datetime import UTC, datetime
from typing import Any

from review import db
from review.audit_chain import GENESIS, ChainBreak, EventFields, event_hash, verify_chain
from review.tables import AuditEvent, ChainHead

log = logging.getLogger("review.audit")

EVENT_COLUMNS = '"case", actor, action, from_status, to_status, reason, data, at'
SEAL_INTERVAL = 1.0


def event_values(
    *, case_id: int | None, actor: str, action: str, from_status: str = "", to_status: str = "",
    reason: str = "", data: dict[str, Any] | None = None,
) -> list[Any]:
    """The values of EVENT_COLUMNS for one event."""
    return [case_id, actor, action, from_status, to_status, reason, json.dumps(data or {}, ensure_ascii=False),
            datetime.now(UTC)]


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
    await db.fetch(f"INSERT INTO audit_event ({EVENT_COLUMNS}) VALUES ({', '.join(['{}'] * 8)})",
                         *values)


def _iso(at: datetime) -> str:
    return at.astimezone(UTC).isoformat(timespec="microseconds")


def _fields(row: dict[str, Any]) -> EventFields:
    data = json.loads(row["data"]) if isinstance(row["data"], str) else row["data"]
    return EventFields(row["case"], row["actor"], row["action"], row["from_status"], row["to_status"],
                       row["reason"], data, _iso(row["at"]))


_LINK = (
    "WITH v(id, seq, prev_hash, hash) AS (VALUES {rows})"
    " UPDATE audit_event SET seq = v.seq, prev_hash = v.prev_hash, hash = v.hash FROM v WHERE audit_event.id = v.id"
)
_ROW = "(CAST({} AS INTEGER), CAST({} AS INTEGER), CAST({} AS TEXT), CAST({} AS TEXT))"


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
            await db.fetch(_LINK.replace("{rows}", ", ".join([_ROW] * len(rows))), *args)
            await db.fetch("UPDATE chain_head SET last_hash = {}, count = {} WHERE id = 1",
                                last_hash, count)
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


async def verify(batch: int = 5000) -> tuple[int, ChainBreak | None]:
    """Seal what is pending, then re-hash the whole chain: (events checked, first break or None)."""
    await seal()
    checked, last_seq, last_id, expected = 0, 0, 0, GENESIS
    while True:
        rows = await AuditEvent.select().where(AuditEvent.seq > last_seq).order_by(AuditEvent.seq).limit(
            batch).run()
        if not rows:
            break
        events = [(r["id"], r["prev_hash"], r["hash"], _fields(r)) for r in rows]
        expected, problem = verify_chain(events, start=expected)
        if problem:
            return checked, problem
        checked += len(rows)
        last_seq, last_id = rows[-1]["seq"], rows[-1]["id"]
    head = await ChainHead.select(ChainHead.last_hash, ChainHead.count).where(ChainHead.id == 1).first().run()
    if head and (head["last_hash"] != expected or head["count"] != checked):
        return checked, ChainBreak(last_id, "the chain head does not match the last event (events removed)")
    return checked, None
