"""Writing and verifying the audit chain (全程留痕)."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from typing import Any

from review import db
from review.audit_chain import GENESIS, ChainBreak, EventFields, canonical_tail, event_hash, verify_chain
from review.tables import AuditEvent, ChainHead

_EVENT_COLUMNS = 'seq, "case", actor, action, from_status, to_status, reason, data, at, prev_hash, hash'


def append_ctes_pg(case_id_sql: str, only_if: str = "TRUE") -> str:
    """CTEs `old`, `new`, `event` that append one event for the case id `case_id_sql` (a SQL expression).

    PostgreSQL locks the chain head, hashes in the database, inserts the event and moves the head in
    the statement that made the change, so the head is locked only for that statement and its commit.
    Nothing is appended unless `only_if` holds. Placeholders, in order: the canonical tail, then
    actor, action, from status, to status, reason, data, at.
    """
    return f"""old AS (SELECT last_hash FROM chain_head WHERE id = 1 AND {only_if} FOR UPDATE),
new AS (
    UPDATE chain_head SET count = count + 1, last_hash = encode(sha256(convert_to(
        (SELECT last_hash FROM old) || '[' || COALESCE(({case_id_sql})::integer::text, 'null') || {{}}::text,
        'UTF8')), 'hex')
    WHERE id = 1 AND {only_if} RETURNING last_hash, count
),
event AS (
    INSERT INTO audit_event ({_EVENT_COLUMNS})
    SELECT (SELECT count FROM new), ({case_id_sql})::integer, {{}}::text, {{}}::text, {{}}::text, {{}}::text, {{}}::text, {{}}::json,
           {{}}::timestamptz, (SELECT last_hash FROM old), (SELECT last_hash FROM new)
    WHERE {only_if}
    RETURNING hash
)"""


def _iso(at: datetime) -> str:
    return at.astimezone(timezone.utc).isoformat(timespec="microseconds")


def event_fields(
    *, case_id: int | None, actor: str, action: str, from_status: str = "", to_status: str = "",
    reason: str = "", data: dict[str, Any] | None = None,
) -> tuple[EventFields, datetime]:
    at = datetime.now(timezone.utc)
    return EventFields(case_id, actor, action, from_status, to_status, reason, data or {}, _iso(at)), at


def append_args(fields: EventFields, at: datetime) -> list[Any]:
    """Arguments for `append_ctes_pg`, in its placeholder order."""
    return [canonical_tail(fields), fields.actor, fields.action, fields.from_status, fields.to_status,
            fields.reason, json.dumps(fields.data, ensure_ascii=False), at]


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
    fields, at = event_fields(case_id=case_id, actor=actor, action=action, from_status=from_status,
                              to_status=to_status, reason=reason, data=data)
    if not db.is_sqlite():
        tail, *event_args = append_args(fields, at)
        sql = f"WITH {append_ctes_pg('{}')} SELECT hash FROM event"
        rows = await AuditEvent.raw(sql, case_id, tail, case_id, *event_args).run()
        return rows[0]["hash"]
    # SQLite: the transaction's BEGIN IMMEDIATE already makes this the only writer.
    last_hash, count = await db.lock_chain_head()
    digest = event_hash(last_hash, fields)
    await AuditEvent.raw(
        f"INSERT INTO audit_event ({_EVENT_COLUMNS}) VALUES ({', '.join(['{}'] * 11)})",
        count + 1, case_id, *append_args(fields, at)[1:], last_hash, digest,
    ).run()
    await ChainHead.raw("UPDATE chain_head SET last_hash = {}, count = count + 1 WHERE id = 1", digest).run()
    return digest


async def verify(batch: int = 5000) -> tuple[int, ChainBreak | None]:
    """Re-hash the whole chain; returns (events checked, first break or None)."""
    checked, last_seq, last_id, expected = 0, 0, 0, GENESIS
    while True:
        rows = await AuditEvent.select().where(AuditEvent.seq > last_seq).order_by(AuditEvent.seq).limit(batch).run()
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


def _fields(row: dict[str, Any]) -> EventFields:
    data = json.loads(row["data"]) if isinstance(row["data"], str) else row["data"]
    return EventFields(
        row["case"], row["actor"], row["action"], row["from_status"], row["to_status"], row["reason"],
        data, _iso(row["at"]),
    )
