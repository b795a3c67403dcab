"""全程留痕: the pure hash chain over audit events."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
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

    PostgreSQL computes the same digest in SQL (see review.core.audit.store), so the two must agree.
    """
    return hashlib.sha256((prev_hash + canonical(event)).encode()).hexdigest()


LINK_BROKEN = "与前一条事件的哈希不衔接（其间的事件被删除、插入或调换）"
CONTENT_BROKEN = "的内容与其哈希不符（事件被改动）"


@dataclass(frozen=True)
class ChainBreak:
    """Where the chain fails: the event (None where the chain has ended) and what is wrong there, in words
    that follow 「第 N 条」."""

    event_id: int | None
    problem: str


@dataclass(frozen=True)
class Head:
    """A published head (公布的链头): the chain had `seq` events, the last with hash `hash`, at `published_at`."""

    seq: int
    hash: str
    published_at: str  # as shown to people: China time, to the minute
    at: datetime | None = None  # the same instant, to compare events' times with


def head_break(heads: list[Head], hashes: dict[int, str], length: int) -> tuple[int, ChainBreak] | None:
    """The first published head a chain of `length` verified events does not reach or match, as
    (events verified before it, the break); `hashes` holds the chain's hash at each head's position."""
    for head in sorted(heads, key=lambda h: h.seq):
        if head.seq > length:
            return length, ChainBreak(None, f"不存在：链在 {head.published_at} 公布的链头（第 {head.seq} 条）之前结束，"
                                            f"第 {length + 1} 至 {head.seq} 条事件已被删除")
        found = hashes.get(head.seq, GENESIS if head.seq == 0 else None)
        if found != head.hash:
            return max(head.seq - 1, 0), ChainBreak(None, f"的哈希与 {head.published_at} 公布的链头不符（链被改写）")
    return None


def verify_chain(
    events: list[tuple[int, str, str, EventFields]], start: str = GENESIS
) -> tuple[str, ChainBreak | None]:
    """Check (id, prev_hash, hash, fields) in order from `start`; the last hash and the first break."""
    expected_prev = start
    for event_id, prev_hash, stored_hash, fields in events:
        if prev_hash != expected_prev:
            return expected_prev, ChainBreak(event_id, LINK_BROKEN)
        if event_hash(prev_hash, fields) != stored_hash:
            return expected_prev, ChainBreak(event_id, CONTENT_BROKEN)
        expected_prev = stored_hash
    return expected_prev, None
