"""Writing and verifying the audit chain (全程留痕)."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from typing import Any

from review import db
from review.audit_chain import GENESIS, ChainBreak, EventFields, event_hash, verify_chain
from review.tables import AuditEvent, ChainHead


def _iso(at: datetime) -> str:
    return at.astimezone(timezone.utc).isoformat(timespec="microseconds")


async def record(
    *,
    case_id: int | None,
    actor: str,
    action: str,
    from_status: str = "",
    to_status: str = "",
    reason: str = "",
    data: dict[str, Any] | None = None,
) -> str:
    """Append one event to the chain; call inside the transaction that made the change."""
    last_hash, count = await db.lock_chain_head()
    at = datetime.now(timezone.utc)
    fields = EventFields(case_id, actor, action, from_status, to_status, reason, data or {}, _iso(at))
    digest = event_hash(last_hash, fields)
    await AuditEvent.insert(
        AuditEvent(
            case=case_id, actor=actor, action=action, from_status=from_status, to_status=to_status,
            reason=reason, data=json.dumps(data or {}, ensure_ascii=False), at=at,
            prev_hash=last_hash, hash=digest,
        )
    ).run()
    await ChainHead.update({ChainHead.last_hash: digest, ChainHead.count: count + 1}).where(
        ChainHead.id == 1
    ).run()
    return digest


async def verify(batch: int = 5000) -> tuple[int, ChainBreak | None]:
    """Re-hash the whole chain; returns (events checked, first break or None)."""
    checked, last_id, expected = 0, 0, GENESIS
    while True:
        rows = await AuditEvent.select().where(AuditEvent.id > last_id).order_by(AuditEvent.id).limit(batch).run()
        if not rows:
            break
        events = [(r["id"], r["prev_hash"], r["hash"], _fields(r)) for r in rows]
        expected, problem = verify_chain(events, start=expected)
        if problem:
            return checked, problem
        checked += len(rows)
        last_id = rows[-1]["id"]
    head = await ChainHead.select(ChainHead.last_hash).where(ChainHead.id == 1).first().run()
    if head and head["last_hash"] != expected:
        return checked, ChainBreak(last_id, "the chain head does not match the last event (events removed)")
    return checked, None


def _fields(row: dict[str, Any]) -> EventFields:
    data = json.loads(row["data"]) if isinstance(row["data"], str) else row["data"]
    return EventFields(
        row["case"], row["actor"], row["action"], row["from_status"], row["to_status"], row["reason"],
        data, _iso(row["at"]),
    )
