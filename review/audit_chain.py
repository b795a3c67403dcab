"""全程留痕: the pure hash chain over audit events."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

GENESIS = "0" * 64


@dataclass(frozen=True)
class EventFields:
    case_id: int | None
    actor: str
    action: str
    from_status: str
    to_status: str
    reason: str
    data: dict[str, Any]
    at: str  # ISO-8601 UTC, microseconds


def canonical(event: EventFields) -> str:
    """The event's canonical JSON, the text that is hashed."""
    return json.dumps(
        [event.case_id, event.actor, event.action, event.from_status, event.to_status, event.reason,
         event.data, event.at],
        ensure_ascii=False, sort_keys=True, separators=(",", ":"),
    )


def event_hash(prev_hash: str, event: EventFields) -> str:
    """SHA-256 over the previous hash followed by the event's canonical JSON.

    PostgreSQL computes the same digest in SQL (see review.audit), so the two must agree.
    """
    return hashlib.sha256((prev_hash + canonical(event)).encode()).hexdigest()


@dataclass(frozen=True)
class ChainBreak:
    event_id: int
    problem: str


def verify_chain(
    events: list[tuple[int, str, str, EventFields]], start: str = GENESIS
) -> tuple[str, ChainBreak | None]:
    """Check (id, prev_hash, hash, fields) in order from `start`; the last hash and the first break."""
    expected_prev = start
    for event_id, prev_hash, stored_hash, fields in events:
        if prev_hash != expected_prev:
            return expected_prev, ChainBreak(event_id, "prev_hash does not match the event before")
        if event_hash(prev_hash, fields) != stored_hash:
            return expected_prev, ChainBreak(event_id, "hash does not match the event's content")
        expected_prev = stored_hash
    return expected_prev, None
