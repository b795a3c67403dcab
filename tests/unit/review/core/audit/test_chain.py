"""全程留痕: the audit hash chain detects any change, reordering or deletion, at the event where it happens."""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import given
from hypothesis import strategies as st

from review.core.audit.chain import (
    CONTENT_BROKEN,
    GENESIS,
    LINK_BROKEN,
    EventFields,
    Head,
    canonical,
    event_hash,
    head_break,
    verify_chain,
)

pytestmark = pytest.mark.unit

Row = tuple[int, str, str, EventFields]


def _fields(n: int) -> EventFields:
    return EventFields(
        case_id=100 + n % 3,
        actor=f"office:{n}",
        action=["intake", "accept", "convene", "start_scoring", "issue_ruling"][n % 5],
        from_status="received",
        to_status="accepted",
        reason=f"理由{n}",
        data={"seat": n, "名单": ["张三", "李四"], "nested": {"k": n}},
        at=f"2026-10-{8 + n % 20:02d}T01:02:03.{n:06d}+00:00",
    )


def build_chain(fields: list[EventFields], start: str = GENESIS, first_id: int = 1) -> list[Row]:
    rows: list[Row] = []
    prev = start
    for offset, event in enumerate(fields):
        digest = event_hash(prev, event)
        rows.append((first_id + offset, prev, digest, event))
        prev = digest
    return rows


# A different value for each field, chosen so that the canonical JSON certainly changes.
CHANGES = {
    "case_id": lambda e: None if e.case_id is not None else 1,
    "actor": lambda e: e.actor + "x",
    "action": lambda e: e.action + "x",
    "from_status": lambda e: e.from_status + "x",
    "to_status": lambda e: e.to_status + "x",
    "reason": lambda e: e.reason + "。",
    "data": lambda e: {**e.data, "__tampered__": True},
    "at": lambda e: e.at + "0",
}


def test_change_table_covers_every_event_field() -> None:
    assert set(CHANGES) == {f.name for f in dataclasses.fields(EventFields)}


def test_verify_chain_built_chain_has_no_break() -> None:
    rows = build_chain([_fields(n) for n in range(6)])

    last, broken = verify_chain(rows)

    assert broken is None
    assert last == rows[-1][2]


def test_verify_chain_empty_returns_start() -> None:
    assert verify_chain([]) == (GENESIS, None)
    assert verify_chain([], start="a" * 64) == ("a" * 64, None)


@pytest.mark.parametrize("field", sorted(CHANGES))
@pytest.mark.parametrize("position", range(5))
def test_verify_chain_changed_field_breaks_at_that_event(field: str, position: int) -> None:
    rows = build_chain([_fields(n) for n in range(5)])
    event_id, prev, digest, event = rows[position]
    rows[position] = (event_id, prev, digest, dataclasses.replace(event, **{field: CHANGES[field](event)}))

    last, broken = verify_chain(rows)

    assert broken is not None
    assert broken.event_id == event_id
    assert broken.problem == CONTENT_BROKEN
    assert last == prev


def test_verify_chain_changed_nested_data_breaks() -> None:
    rows = build_chain([_fields(n) for n in range(3)])
    event_id, prev, digest, event = rows[1]
    rows[1] = (event_id, prev, digest, dataclasses.replace(event, data={**event.data, "nested": {"k": -1}}))

    _, broken = verify_chain(rows)

    assert broken is not None and broken.event_id == event_id


def test_verify_chain_rewritten_event_with_recomputed_hash_breaks_at_next() -> None:
    rows = build_chain([_fields(n) for n in range(4)])
    event_id, prev, _, event = rows[1]
    forged = dataclasses.replace(event, reason="改写后的理由")
    rows[1] = (event_id, prev, event_hash(prev, forged), forged)

    _, broken = verify_chain(rows)

    assert broken is not None
    assert broken.event_id == rows[2][0]
    assert broken.problem == LINK_BROKEN


@pytest.mark.parametrize("position", range(4))
def test_verify_chain_swapped_neighbours_break_at_first_moved_event(position: int) -> None:
    rows = build_chain([_fields(n) for n in range(5)])
    rows[position], rows[position + 1] = rows[position + 1], rows[position]

    _, broken = verify_chain(rows)

    assert broken is not None
    assert broken.event_id == rows[position][0]
    assert broken.problem == LINK_BROKEN


@pytest.mark.parametrize("position", range(4))
def test_verify_chain_deleted_event_breaks_at_its_successor(position: int) -> None:
    rows = build_chain([_fields(n) for n in range(5)])
    successor_id = rows[position + 1][0]
    del rows[position]

    _, broken = verify_chain(rows)

    assert broken is not None
    assert broken.event_id == successor_id
    assert broken.problem == LINK_BROKEN


def test_verify_chain_deleted_last_event_shows_in_the_returned_head() -> None:
    # Truncating the tail leaves a valid chain; only the head hash, compared with a recorded head, tells.
    rows = build_chain([_fields(n) for n in range(5)])
    head = rows[-1][2]

    last, broken = verify_chain(rows[:-1])

    assert broken is None
    assert last != head
    assert last == rows[-2][2]


def test_verify_chain_suffix_from_non_genesis_start_verifies() -> None:
    rows = build_chain([_fields(n) for n in range(8)])

    last, broken = verify_chain(rows[3:], start=rows[2][2])

    assert broken is None
    assert last == rows[-1][2]


def test_verify_chain_suffix_with_wrong_start_breaks_at_first_event() -> None:
    rows = build_chain([_fields(n) for n in range(8)])

    last, broken = verify_chain(rows[3:], start=rows[1][2])

    assert broken is not None
    assert broken.event_id == rows[3][0]
    assert broken.problem == LINK_BROKEN
    assert last == rows[1][2]


def test_verify_chain_chain_built_from_other_start_fails_from_genesis() -> None:
    rows = build_chain([_fields(n) for n in range(3)], start="f" * 64, first_id=50)

    assert verify_chain(rows, start="f" * 64)[1] is None
    broken = verify_chain(rows)[1]
    assert broken is not None and broken.event_id == 50


def test_canonical_ignores_data_key_order() -> None:
    a = dataclasses.replace(_fields(1), data={"x": 1, "y": {"b": 2, "a": 1}})
    b = dataclasses.replace(_fields(1), data={"y": {"a": 1, "b": 2}, "x": 1})

    assert canonical(a) == canonical(b)
    assert event_hash(GENESIS, a) == event_hash(GENESIS, b)


def test_event_hash_depends_on_previous_hash() -> None:
    event = _fields(1)

    assert event_hash(GENESIS, event) != event_hash("1" * 64, event)


_text = st.text(max_size=12)
_events = st.builds(
    EventFields,
    case_id=st.one_of(st.none(), st.integers(min_value=1, max_value=10**6)),
    actor=_text,
    action=_text,
    from_status=_text,
    to_status=_text,
    reason=_text,
    data=st.dictionaries(st.text(max_size=5), st.one_of(st.integers(), _text, st.booleans()), max_size=3),
    at=_text,
)


@given(events=st.lists(_events, min_size=1, max_size=8), data=st.data())
def test_verify_chain_any_field_change_detected_at_that_event(
    events: list[EventFields], data: st.DataObject
) -> None:
    rows = build_chain(events)
    position = data.draw(st.integers(min_value=0, max_value=len(rows) - 1))
    field = data.draw(st.sampled_from(sorted(CHANGES)))
    event_id, prev, digest, event = rows[position]
    rows[position] = (event_id, prev, digest, dataclasses.replace(event, **{field: CHANGES[field](event)}))

    assert verify_chain(build_chain(events))[1] is None
    _, broken = verify_chain(rows)

    assert broken is not None
    assert broken.event_id == event_id


def _head(seq: int, digest: str) -> Head:
    return Head(seq=seq, hash=digest, published_at="2026-12-01 00:07")


def test_head_break_chain_reaching_every_head_with_its_hash_has_none() -> None:
    rows = build_chain([_fields(n) for n in range(6)])
    hashes = {2: rows[1][2], 6: rows[5][2]}

    assert head_break([_head(6, rows[5][2]), _head(2, rows[1][2]), _head(0, GENESIS)], hashes, 6) is None


def test_head_break_chain_shorter_than_a_head_ends_before_it() -> None:
    rows = build_chain([_fields(n) for n in range(5)])

    found = head_break([_head(2, rows[1][2]), _head(5, rows[4][2])], {2: rows[1][2]}, 3)

    assert found is not None
    checked, broken = found
    assert checked == 3
    assert broken.event_id is None
    assert broken.problem == "不存在：链在 2026-12-01 00:07 公布的链头（第 5 条）之前结束，第 4 至 5 条事件已被删除"


def test_head_break_other_hash_at_a_head_breaks_there() -> None:
    rows = build_chain([_fields(n) for n in range(5)])
    rewritten = build_chain([_fields(n + 10) for n in range(5)])

    found = head_break([_head(2, rows[1][2]), _head(4, rows[3][2])], {2: rows[1][2], 4: rewritten[3][2]}, 5)

    assert found is not None
    assert found[0] == 3
    assert found[1].problem == "的哈希与 2026-12-01 00:07 公布的链头不符（链被改写）"


def test_head_break_reports_the_earliest_head_first() -> None:
    found = head_break([_head(9, "b" * 64), _head(4, "a" * 64)], {4: "c" * 64}, 5)

    assert found is not None and found[0] == 3
