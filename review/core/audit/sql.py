"""The audit chain's hand-written SQL: events written, linked into the chain, and the published daily heads."""

from __future__ import annotations

from review.core.db.bulk import Insert

EVENT_COLUMNS = '"case", actor, action, from_status, to_status, reason, data, at'

_EVENT_ROW = f"({', '.join(['{}'] * 8)})"
INSERT_EVENT = f"INSERT INTO audit_event ({EVENT_COLUMNS}) VALUES {_EVENT_ROW}"


# Many events at once (`db.insert_many`: 8 values each, in EVENT_COLUMNS' order), their ids in the order given.
EVENTS = Insert("audit_event", EVENT_COLUMNS, ", ".join(["{}"] * 8),
                ("int", "text", "text", "text", "text", "text", "json", "timestamptz"))

# Link a batch of events into the chain in one statement: one `ROW` per event (id, seq, prev_hash, hash).
_LINK = (
    "WITH v(id, seq, prev_hash, hash) AS (VALUES {rows})"
    " UPDATE audit_event SET seq = v.seq, prev_hash = v.prev_hash, hash = v.hash, sealed_at = {}"
    " FROM v WHERE audit_event.id = v.id"
)
_ROW = "(CAST({} AS INTEGER), CAST({} AS INTEGER), CAST({} AS TEXT), CAST({} AS TEXT))"


def link_events(count: int) -> str:
    """The statement linking `count` events (4 arguments each, then the time sealed)."""
    return _LINK.replace("{rows}", ", ".join([_ROW] * count))


SET_CHAIN_HEAD = "UPDATE chain_head SET last_hash = {}, count = {} WHERE id = 1"

# A day's head, once: the unique day makes concurrent publishers agree.
PUBLISH_HEAD = (
    "INSERT INTO published_head (seq, hash, published_at, day) VALUES ({}, {}, {}, {})"
    " ON CONFLICT (day) DO NOTHING RETURNING id"
)
PUBLISHED_HEADS = "SELECT id, seq, hash, published_at, day FROM published_head ORDER BY seq, id"
