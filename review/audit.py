"""Writing and verifying the audit chain (全程留痕)."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from typing import Any

from review import db
from review.audit_chain import GENESIS, ChainBreak, EventFields, canonical, event_hash, verify_chain
from review.tables import AuditEvent, ChainHead

# One statement on PostgreSQL: lock the head, hash in the database, insert the event, move the head.
# The head row is locked only from here to COMMIT, so concurrent writers queue for a single round trip.
_APPEND_PG = """
WITH old AS (SELECT last_hash FROM chain_head WHERE id = 1 FOR UPDATE),
new AS (
    UPDATE chain_head SET count = count + 1,
        last_hash = encode(sha256(convert_to((SELECT last_hash FROM old) || {}, 'UTF8')), 'hex')
    WHERE id = 1 RETURNING last_hash
)
INSERT INTO audit_event ("case", actor, action, from_status, to_status, reason, data, at, prev_hash, hash)
SELECT {}, {}, {}, {}, {}, {}, {}, {}, (SELECT last_hash FROM old), (SELECT last_hash FROM new)
RETURNING hash
"""


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
    at = datetime.now(timezone.utc)
    fields = EventFields(case_id, actor, action, from_status, to_status, reason, data or {}, _iso(at))
    data_json = json.dumps(fields.data, ensure_ascii=False)
    values = (case_id, actor, action, from_status, to_status, reason, data_json, at)
    if not db.is_sqlite():
        rows = await AuditEvent.raw(_APPEND_PG, canonical(fields), *values).run()
        return rows[0]["hash"]
    # SQLite: the transaction's BEGIN IMMEDIATE already makes this the only writer.
    last_hash, _ = await db.lock_chain_head()
    digest = event_hash(last_hash, fields)
    await AuditEvent.raw(
        "INSERT INTO audit_event (\"case\", actor, action, from_status, to_status, reason, data, at, prev_hash, hash)"
        " VALUES ({}, {}, {}, {}, {}, {}, {}, {}, {}, {})", *values, last_hash, digest,
    ).run()
    await ChainHead.raw("UPDATE chain_head SET last_hash = {}, count = count + 1 WHERE id = 1", digest).run()
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
