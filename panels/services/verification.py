"""Draw records for the public and for `review verify-draw`: re-run a panel's draw from what was kept, and hold
the record against the seats, the audit chain and the verdicts.

Verdicts are review's: the composition roots hand in how to read the panels a panel's verdicts print
(`use_verdicts`); panels does not read them itself.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from panels import sql
from panels.domain.draw_checks import (
    Event,
    SeatRow,
    verify_commitments,
    verify_printed,
    verify_round_commitment,
    verify_seats,
)
from panels.domain.draw_record import (
    Check,
    DrawRecord,
    Verification,
    public_view,
    record_from_json,
    replay_json,
    verify_draw,
    verify_round_panel,
)
from panels.queries import panel_record
from panels.services.rounds import verify_round
from panels.verify import NotReplayable, replay
from review.core import db
from review.core.errors import NotFound
from review.core.labels import ROLE_LABELS

# The verdicts issued on a panel's rulings, oldest first, each as its number and the seats it prints (dicts with
# "member", "role" and "is_chair").
PrintedPanels = Callable[[int], Awaitable[list[tuple[str, list[dict[str, Any]]]]]]


async def _not_configured(panel_id: int) -> list[tuple[str, list[dict[str, Any]]]]:
    raise RuntimeError("no reader of the verdicts a panel prints: call panels.services.verification.use_verdicts")


_verdicts: dict[str, PrintedPanels] = {"printed_panels": _not_configured}


def use_verdicts(printed_panels: PrintedPanels) -> None:
    """Hand in the reader of the verdicts issued on a panel (review.verdicts.services.printed.printed_panels)."""
    _verdicts["printed_panels"] = printed_panels


@dataclass(frozen=True)
class PublicDraw:
    """A draw as anyone may see it, with the outcome of re-running it just now."""

    panel_id: int
    convened_at: Any
    template_name: str
    template_version: int
    view: dict[str, Any]
    verification: Verification
    round_id: int | None = None  # seated by a convening round, whose snapshot and seed decide
    replay: dict[str, Any] = field(default_factory=dict)  # what `python -m panels.verify` re-runs


def _refill_snapshots(found: dict[str, Any]) -> dict[int, Any]:
    return {int(k): v for k, v in (db.json_value(found["refill_snapshots"]) or {}).items()}


async def _found(panel_id: int) -> dict[str, Any]:
    found = await panel_record(panel_id)
    if found is None or not found["record"]:
        raise NotFound("draw_not_found", "抽取记录不存在")
    return found


async def _events(case_id: int, round_id: int | None) -> list[Event]:
    rows = await db.fetch(sql.DRAW_EVENTS, case_id, "round_requested" if round_id is not None else "")
    return [Event(r["id"], r["action"], db.json_value(r["data"]) or {}) for r in rows]


async def _printed(panel_id: int, record: DrawRecord) -> list[Check]:
    """One check per verdict issued on this panel's ruling: the panel it prints is the record's."""
    checks = []
    for number, seats in await _verdicts["printed_panels"](panel_id):
        printed = [(s["member"], s["role"], bool(s["is_chair"])) for s in seats]
        checks.append(verify_printed(record, printed, verdict=number))
    return checks


def _replayed(found: dict[str, Any], record: DrawRecord) -> list[Check]:
    """The public replay (the JSON download), re-run as an outsider would: it must give the recorded panel."""
    if not record.pseudonym_key_hash:
        return []  # drawn before pseudonyms: only the office can re-run it
    try:
        outcome = replay(_public_replay(found))
    except NotReplayable as error:
        return [Check("replay", False, f"公开复算记录无法重新运行：{error}")]
    return [
        Check(
            "replay",
            outcome.ok,
            "公开复算记录（JSON 下载）按公布的数据重新运行，得到相同的评议组"
            if outcome.ok
            else "公开复算记录重新运行的结果与记录不同：" + "；".join(outcome.differences),
        )
    ]


async def verify_panel(panel_id: int) -> tuple[dict[str, Any], Verification]:
    """The stored record of a panel's draw, re-run from its snapshots and held against the seats, the audit
    chain's commitments and the panel each of its verdicts prints."""
    found = await _found(panel_id)
    stored = db.json_value(found["record"])
    record = record_from_json(stored)
    rows = [SeatRow(s["member"], s["role"], bool(s["is_chair"]), s["status"]) for s in found["seats"]]
    round_id = int(stored["round"]) if "round" in stored else None
    events = await _events(found["case_id"], round_id)
    if round_id is not None:
        # Seated by a round: the round's own snapshot and seed decide, re-run as a whole.
        ok, problems = await verify_round(round_id, case_id=found["case_id"])
        check = Check(
            "round",
            ok,
            f"按第 {round_id} 批次的种子和名册快照重新求解，本案评议组与记录一致"
            if ok
            else f"第 {round_id} 批次复算未通过：{'；'.join(problems)}",
        )
        drawn = verify_round_panel(record, [check], refill_snapshots=_refill_snapshots(found)).checks
        commitments = [
            verify_round_commitment(record, events, round_id=round_id),
            *verify_commitments(record, events, panel_id=panel_id)[1:],
        ]
    else:
        drawn = verify_draw(record, found["snapshot"], refill_snapshots=_refill_snapshots(found)).checks
        commitments = verify_commitments(record, events, panel_id=panel_id)
    checks = (
        *drawn,
        *commitments,
        verify_seats(record, rows),
        *await _printed(panel_id, record),
        *_replayed(found, record),
    )
    return found, Verification(checks)


async def public_record(panel_id: int) -> PublicDraw:
    """公开抽取记录: seed, hashes, template, exclusions by kind, seats by role, and the replay — no names, no
    member ids."""
    found, verification = await verify_panel(panel_id)
    return PublicDraw(
        panel_id,
        found["convened_at"],
        found["template_name"],
        found["template_version"],
        public_view(record_from_json(found["record"])),
        verification,
        found["round"],
        _public_replay(found),
    )


def _public_replay(found: dict[str, Any]) -> dict[str, Any]:
    stored = db.json_value(found["record"])
    if "round" in stored:
        round_id = int(stored["round"])
        return {
            "format": "",
            "panel_id": found["id"],
            "round": round_id,
            "note": f"本评议组由第 {round_id} 批次统一组成，须按批次复核：review verify-draw {round_id} --round",
        }
    try:
        return replay_json(
            record_from_json(stored),
            found["snapshot"] or {},
            _refill_snapshots(found),
            panel_id=found["id"],
            role_labels=ROLE_LABELS,
        )
    except ValueError as error:
        return {"format": "", "panel_id": found["id"], "note": f"无法生成公开复算记录：{error}"}


async def public_replay(panel_id: int) -> dict[str, Any]:
    """公开复算记录: the record an outsider re-runs with `python -m panels.verify` (members under pseudonyms)."""
    return _public_replay(await _found(panel_id))
