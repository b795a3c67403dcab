"""A draw record against what the platform did with it: the seats held, the commitments in the audit chain and
the panel a verdict prints. Re-running the draw proves the record consistent; these prove it is the record the
platform acted on."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from panels.domain.draw import DrawnSeat
from panels.domain.draw_record import Check, DrawRecord, history

HELD = frozenset({"invited", "accepted"})


@dataclass(frozen=True)
class SeatRow:
    """One row of the `seat` table of the panel, in insertion (id) order."""

    member_id: int
    role: str
    is_chair: bool
    status: str


@dataclass(frozen=True)
class Event:
    """One audit event of the case (or of the round), as the chain holds it."""

    id: int
    action: str
    data: Mapping[str, Any]


def drawn_in_order(record: DrawRecord) -> list[tuple[int, DrawnSeat, bool]]:
    """Everyone the record seated, in the order their seats were written: (seat number, seat, still holds it)."""
    steps, holders, _ = history(record)
    order = list(enumerate(record.result, start=1))
    order += [(step.number, step.refill.seat) for step in steps if step.refill.seat is not None]
    return [(n, seat, seat.member_id in holders) for n, seat in order]


def _who(member_id: int) -> str:
    return f"评议员 {member_id}"


def verify_seats(record: DrawRecord, rows: Sequence[SeatRow]) -> Check:
    """座位表: each seat row is the member the record (or its refill) drew, in role and chair; only holders sit."""
    expected = drawn_in_order(record)
    numbers: set[int] = set()
    details: list[str] = []
    for i in range(max(len(expected), len(rows))):
        if i >= len(rows):
            n, seat, _ = expected[i]
            numbers.add(n)
            details.append(f"席位 {n}：记录为{_who(seat.member_id)}，座位表中没有")
            continue
        row = rows[i]
        if i >= len(expected):
            numbers.add(0)
            details.append(f"座位表多出一席：{_who(row.member_id)}（{row.role}），记录中没有")
            continue
        n, seat, holds = expected[i]
        problem = ""
        if row.member_id != seat.member_id:
            problem = f"记录为{_who(seat.member_id)}，实际为{_who(row.member_id)}"
        elif (row.role, row.is_chair) != (seat.role, seat.is_chair):
            problem = f"{_who(row.member_id)}的角色或组长身份与记录不符"
        elif not holds and row.status in HELD:
            problem = f"{_who(row.member_id)}已由补选替换，座位表中仍在任"
        if problem:
            numbers.add(n)
            details.append(f"席位 {n}：{problem}")
    seats = "、".join("多出的席位" if n == 0 else f"第 {n} 席" for n in sorted(numbers))
    return Check(
        "seats",
        not details,
        f"座位表中的评议员与抽取记录及其补选一致（{len(rows)} 个席位）"
        if not details
        else f"座位表与抽取记录不符：{seats}",
        "；".join(details),
    )


def _committed(events: Iterable[Event], seed_hash: str, before: int | None) -> Event | None:
    for event in events:
        committed = event.action == "draw_seed_committed" and event.data.get("seed_hash") == seed_hash
        if committed and (before is None or event.id < before):
            return event
    return None


def verify_commitments(record: DrawRecord, events: Sequence[Event], *, panel_id: int) -> list[Check]:
    """审计链: the draw's and each refill's seed hash (and the pseudonym key's) as committed before they were used."""
    convened = next(
        (e.id for e in events if e.action == "convene" and e.data.get("panel_id") == panel_id), None
    )
    found = _committed(events, record.seed_hash, convened)
    keys_ok = found is not None and str(found.data.get("pseudonym_key_hash", "")) == record.pseudonym_key_hash
    checks = [
        Check(
            "commitment",
            keys_ok,
            "记录的种子哈希与审计链中抽取前登记的事件（draw_seed_committed）一致"
            if keys_ok
            else "记录的种子哈希与审计链中抽取前登记的事件（draw_seed_committed）不符：种子或记录在登记后被改写"
            if found is None
            else "记录的假名密钥哈希与审计链中抽取前登记的事件（draw_seed_committed）不符",
            ""
            if keys_ok
            else f"审计链中没有在组成评议组之前登记种子哈希 {record.seed_hash[:16]}… 的事件"
            if found is None
            else f"第 {found.id} 号审计事件登记的假名密钥哈希与记录不同",
        )
    ]
    for refill in record.refills:
        done = next(
            (
                e.id
                for e in events
                if e.action == "seat_refilled"
                and e.data.get("panel_id") == panel_id
                and e.data.get("refill") == refill.index
            ),
            None,
        )
        ok = _committed(events, refill.seed_hash, done) is not None
        label = f"第 {refill.index + 1} 次补选："
        checks.append(
            Check(
                f"refill:{refill.index}:commitment",
                ok,
                f"{label}种子哈希与审计链中补选前登记的事件（draw_seed_committed）一致"
                if ok
                else f"{label}种子哈希与审计链中补选前登记的事件（draw_seed_committed）不符",
                "" if ok else f"审计链中没有在补选之前登记种子哈希 {refill.seed_hash[:16]}… 的事件",
            )
        )
    return checks


def verify_round_commitment(record: DrawRecord, events: Sequence[Event], *, round_id: int) -> Check:
    """A round's panel: its seed hash as the round's request committed it."""
    ok = any(
        e.action == "round_requested"
        and e.data.get("round") == round_id
        and e.data.get("seed_hash") == record.seed_hash
        for e in events
    )
    return Check(
        "commitment",
        ok,
        f"记录的种子哈希与审计链中第 {round_id} 批次申请时登记的一致"
        if ok
        else f"记录的种子哈希与审计链中第 {round_id} 批次申请时登记的不符",
    )


def verify_printed(record: DrawRecord, printed: Sequence[tuple[int, str, bool]], *, verdict: str) -> Check:
    """评议意见书: the panel a verdict prints (member, role, chair) is the record's panel after its refills."""
    _, holders, _ = history(record)
    expected = sorted((s.member_id, s.role, s.is_chair) for _, s in holders.values())
    got = sorted(printed)
    details = [
        f"意见书列出{_who(m)}（{r}{'，组长' if c else ''}），记录中没有"
        for m, r, c in got
        if (m, r, c) not in expected
    ]
    details += [
        f"记录中的{_who(m)}（{r}{'，组长' if c else ''}）未列入意见书"
        for m, r, c in expected
        if (m, r, c) not in got
    ]
    return Check(
        f"verdict:{verdict}",
        not details,
        f"评议意见书 {verdict} 所列评议组与抽取记录一致（{len(got)} 人）"
        if not details
        else f"评议意见书 {verdict} 所列评议组与抽取记录不符",
        "；".join(details),
    )
