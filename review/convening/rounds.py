"""Convening rounds (批量组成评议组): every accepted case at once, as one assignment against the whole roster.

The office requests a round; the seed's hash goes into the audit chain then, the seed is revealed when the round
is done. A job solves the assignment (panels.domain.assignment) off the event loop, reports progress, and seats the
panels in batches; it is idempotent: a case already convened is skipped, a finished round is left as it is.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import secrets
from collections import defaultdict
from datetime import UTC, datetime
from typing import Any

from panels.domain.assignment import RoundAssignment, RoundCase, assign_round
from panels.domain.conflicts import Candidate, CaseFacts
from panels.domain.draw import (
    DrawnSeat,
    Template,
    canonical_json,
    from_snapshot,
    roster_snapshot,
    seed_hash,
    template_from_json,
    template_json,
)
from panels.domain.draw_record import DrawRecord, record_json
from panels.domain.roster import ROLE_LABELS
from panels.services.invitations import invite
from panels.services.templates import as_template, template_for
from panels.tables import ConveningRound, Panel, Seat
from review.cases.lifecycle import Action
from review.cases.services import apply_transition
from review.convening.services import criteria_in_force, current_rule, roster_candidates
from review.core import db
from review.core import jobs as queue
from review.core.actors import OFFICE, SYSTEM, Actor
from review.core.audit import store as audit
from review.core.errors import Conflict, NotFound
from review.core.tables import Account

BATCH = 200
STATUS_LABELS = {"queued": "排队中", "running": "进行中", "done": "已完成", "failed": "失败"}
PROGRESS_SHARE = 0.5  # the solver's share of the progress bar; seating the panels is the rest


async def cases_ready_count() -> int:
    return (await db.fetch("SELECT COUNT(*) AS n FROM review_case WHERE status = 'accepted'"))[0]["n"]


async def request_round(*, actor: Actor) -> int:
    """Start a round over every case accepted for review and not yet convened."""
    OFFICE.check(actor, "只有评议办可以批量组成评议组")
    seed = secrets.token_hex(32)
    async with db.transaction():
        busy = await ConveningRound.exists().where(ConveningRound.status.is_in(["queued", "running"])).run()
        if busy:
            raise Conflict("round_running", "已有一批正在组成，请等待其完成")
        ids = [r["id"] for r in await db.fetch("SELECT id FROM review_case WHERE status = 'accepted' ORDER BY id")]
        if not ids:
            raise Conflict("no_cases", "没有待组成评议组的案件")
        # The seed is shown only once the round is done (round_status); until then only its hash.
        rows = await ConveningRound.insert(ConveningRound(
            requested_by=actor.user_id, seed_hash=seed_hash(seed), seed=seed, case_ids=json.dumps(ids),
            total=len(ids),
        )).run()
        round_id = rows[0]["id"]
        await audit.record(case_id=None, actor=actor.label, action="round_requested",
                           data={"round": round_id, "cases": len(ids), "seed_hash": seed_hash(seed)})
    await queue.enqueue("convene_round", round_id)
    return round_id


async def _round_facts(case_rows: list[dict[str, Any]]) -> dict[int, CaseFacts]:
    """Case facts for many cases in two queries (departments, earlier seats), not one per case."""
    ids = [c["id"] for c in case_rows]
    codes = {r["id"]: r["code"] for r in await db.fetch("SELECT id, code FROM department")}
    earlier: dict[int, set[int]] = defaultdict(set)
    if ids:
        placeholders = ", ".join("{}" for _ in ids)
        for row in await db.fetch(
            "SELECT panel.\"case\" AS case_id, seat.member FROM seat JOIN panel ON panel.id = seat.panel"
            f" WHERE panel.\"case\" IN ({placeholders})", *ids,
        ):
            earlier[row["case_id"]].add(row["member"])
    return {
        c["id"]: CaseFacts(codes[c["department"]], c["district"], c["community"], case_id=c["id"],
                           earlier_members=frozenset(earlier[c["id"]]))
        for c in case_rows
    }


async def _set_progress(round_id: int, done: int, **columns: Any) -> None:
    values: dict[Any, Any] = {ConveningRound.done: done}
    values.update({getattr(ConveningRound, k): v for k, v in columns.items()})
    await ConveningRound.update(values).where(ConveningRound.id == round_id).run()


async def run_round(*, round_id: int) -> str:
    """The job: solve the round, then seat its panels in batches. Returns the round's status."""
    found = await ConveningRound.select().where(ConveningRound.id == round_id).first().run()
    if found is None:
        raise NotFound("round_not_found", "批次不存在")
    if found["status"] in ("done", "failed"):
        return found["status"]
    seed, total = found["seed"], found["total"]
    await _set_progress(round_id, 0, status="running")
    ids = db.json_value(found["case_ids"])
    placeholders = ", ".join("{}" for _ in ids)
    case_rows = await db.fetch(
        f"SELECT * FROM review_case WHERE id IN ({placeholders}) AND status = 'accepted' ORDER BY id", *ids)
    facts = await _round_facts(case_rows)
    templates: dict[str, tuple[dict[str, Any], Template]] = {}
    for category in sorted({c["category"] for c in case_rows}):
        row = await template_for(category)
        templates[category] = (row, as_template(row))
    now = datetime.now(UTC)
    kept_snapshot = db.json_value(found["snapshot"]) or {}
    if kept_snapshot.get("members") is not None:
        # A run cut off while seating: solve again from what the first run saw, so that its panels stay valid.
        candidates, kept = _from_round_snapshot(kept_snapshot)
        round_cases = [rc for rc in kept if rc.facts.case_id in facts]
    else:
        round_cases = [RoundCase(facts[c["id"]], templates[c["category"]][1]) for c in case_rows]
        candidates = await roster_candidates(now)

    solved = [0]

    def progress(done: int, of: int) -> None:
        solved[0] = int(total * PROGRESS_SHARE * done / max(of, 1))

    task = asyncio.create_task(asyncio.to_thread(
        assign_round, seed=seed, candidates=candidates, cases=round_cases, role_labels=ROLE_LABELS,
        on_progress=progress))
    while not task.done():
        await asyncio.sleep(0.5)
        await _set_progress(round_id, solved[0])
    try:
        assignment = task.result()
    except ValueError as error:
        await _set_progress(round_id, 0, status="failed", report=json.dumps({"error": str(error)}, ensure_ascii=False),
                            finished_at=datetime.now(UTC))
        return "failed"
    if kept_snapshot.get("members") is None:
        # Kept before any panel is seated, so that the panels of a round that fails partway can still be checked.
        snapshot = round_snapshot(candidates, round_cases)
        await _set_progress(round_id, solved[0], roster_hash=_digest(snapshot["members"]),
                            snapshot=json.dumps(snapshot, ensure_ascii=False))
    convener = await _convener(found["requested_by"])
    try:
        await _seat_round(round_id, seed, assignment, case_rows, templates, now, total, convener)
    except Exception as error:
        await _set_progress(round_id, 0, status="failed", finished_at=datetime.now(UTC),
                            report=json.dumps({"error": f"组成评议组时出错：{type(error).__name__}"}, ensure_ascii=False))
        raise
    final = _report_json(assignment, {c["id"]: c["number"] for c in case_rows})
    await _set_progress(round_id, total, status="done", report=json.dumps(final, ensure_ascii=False),
                        finished_at=datetime.now(UTC))
    async with db.transaction():
        await audit.record(case_id=None, actor=SYSTEM.label, action="round_done",
                           data={"round": round_id, "seed": seed, "seated": len(assignment.panels),
                                 "unfilled": len(final["unfilled"])})
    return "done"


def _digest(value: Any) -> str:
    return hashlib.sha256(canonical_json(value)).hexdigest()


_NO_CASE = CaseFacts("", "", "")


def round_snapshot(candidates: list[Candidate], round_cases: list[RoundCase]) -> dict[str, Any]:
    """What the round saw, to re-run it: the roster as the draw snapshots it, and each case with its template."""
    return {"members": roster_snapshot(candidates, _NO_CASE, salt="")["members"],
            "cases": [_case_json(rc) for rc in round_cases]}


def _from_round_snapshot(snapshot: dict[str, Any]) -> tuple[list[Candidate], list[RoundCase]]:
    empty = roster_snapshot([], _NO_CASE, salt="")
    candidates, _, _ = from_snapshot({**empty, "members": snapshot["members"]})
    cases = []
    for c in snapshot["cases"]:
        template = template_from_json(c["template"])
        facts = CaseFacts(c["department_code"], c["district"], c["community"], case_id=c["case_id"],
                          earlier_members=frozenset(c["earlier_members"]))
        cases.append(RoundCase(facts, template))
    return candidates, cases


# Re-solving a large round takes seconds; its result depends only on the seed and the snapshot, so it is kept
# per (seed, snapshot digest). What is compared against it, the seated panels, is read afresh every time.
_reruns: dict[tuple[str, str], dict[int, list[tuple[int, str, bool]]]] = {}


async def _rerun(seed: str, snapshot: dict[str, Any]) -> dict[int, list[tuple[int, str, bool]]]:
    key = (seed, _digest(snapshot))
    if key not in _reruns:
        candidates, cases = _from_round_snapshot(snapshot)
        rerun = await asyncio.to_thread(assign_round, seed=seed, candidates=candidates, cases=cases)
        if len(_reruns) >= 16:
            _reruns.pop(next(iter(_reruns)))
        _reruns[key] = {p.case_id: sorted((s.member_id, s.role, s.is_chair) for s in p.seats)
                        for p in rerun.panels if not p.shortfall}
    return _reruns[key]


async def verify_round(round_id: int, *, case_id: int | None = None) -> tuple[bool, list[str]]:
    """Re-run a round from its snapshot and seed; compare with the panels it seated (or with one case's panel)."""
    found = await ConveningRound.select().where(ConveningRound.id == round_id).first().run()
    if found is None or "members" not in (db.json_value(found["snapshot"]) or {}) or found["status"] not in ("done", "failed"):
        raise NotFound("round_not_found", "批次不存在或尚未完成")
    problems = []
    if seed_hash(found["seed"]) != found["seed_hash"]:
        problems.append("公布的种子与登记的种子哈希不一致")
    snapshot = db.json_value(found["snapshot"])
    if _digest(snapshot["members"]) != found["roster_hash"]:
        problems.append("名册快照与登记的名册摘要不一致")
    expected = await _rerun(found["seed"], snapshot)
    stored = {}
    sql = "SELECT \"case\" AS case_id, record FROM panel WHERE round = {}"
    args: list[Any] = [round_id]
    if case_id is not None:
        sql += " AND \"case\" = {}"
        args.append(case_id)
    for row in await db.fetch(sql, *args):
        record = db.json_value(row["record"])
        stored[row["case_id"]] = sorted((s["member_id"], s["role"], s["is_chair"]) for s in record["result"])
    for one in sorted(stored):
        if expected.get(one) != stored[one]:
            problems.append(f"案件 {one} 的评议组与复算结果不一致")
    return not problems, problems


def _case_json(rc: RoundCase) -> dict[str, Any]:
    f = rc.facts
    return {"case_id": f.case_id, "department_code": f.department_code, "district": f.district,
            "community": f.community, "earlier_members": sorted(f.earlier_members),
            "template": template_json(rc.template)}


def _report_json(assignment: RoundAssignment, numbers: dict[int, str]) -> dict[str, Any]:
    report = assignment.report
    return {
        "unfilled": [s.message for s in report.shortages],
        # Which cases each line is about, so that the office can act on them one by one.
        "unfilled_cases": [{"role": s.role, "reason": s.reason, "message": s.message,
                            "cases": [numbers.get(i, str(i)) for i in s.case_ids]} for s in report.shortages],
        "conflicts": report.conflict_counts,
        "load_spread": report.load_spread,
    }


async def _convener(account_id: int | None) -> Actor:
    """The office account that requested the round: the lifecycle lets only the office convene a panel."""
    row = await Account.select(Account.id, Account.username).where(Account.id == account_id).first().run()
    return Actor(kind="office", user_id=row["id"] if row else None, username=row["username"] if row else "round")


async def _seat_round(round_id: int, seed: str, assignment: RoundAssignment, case_rows: list[dict[str, Any]],
                      templates: dict[str, tuple[dict[str, Any], Template]], now: datetime, total: int,
                      convener: Actor) -> None:
    by_id = {c["id"]: c for c in case_rows}
    criteria = await criteria_in_force()
    full = [p for p in assignment.panels if not p.shortfall]
    base = total * PROGRESS_SHARE
    for start in range(0, len(full), BATCH):
        batch = full[start:start + BATCH]
        async with db.transaction():
            ids = [panel.case_id for panel in batch]
            locked = {c["id"]: c for c in await db.fetch(
                f"SELECT * FROM review_case WHERE id IN ({', '.join('{}' for _ in ids)}) ORDER BY id"
                + db.for_update(), *ids)}
            for panel in batch:
                case = locked[panel.case_id]
                if case["status"] != "accepted":
                    continue  # convened meanwhile, or by an earlier run of this job
                row, template = templates[by_id[panel.case_id]["category"]]
                await _seat_one(round_id, seed, case, row, template, panel.seats, now, criteria, convener)
        done = min(total, int(base + (total - base) * min(start + BATCH, len(full)) / max(len(full), 1)))
        await _set_progress(round_id, done)


async def _seat_one(round_id: int, seed: str, case: dict[str, Any], row: dict[str, Any], template: Template,
                    seats: tuple[DrawnSeat, ...], now: datetime, criteria: dict[str, Any], convener: Actor) -> None:
    # Refills of a round's panel follow the single-draw procedure; the record's base is the round's result.
    record = DrawRecord(seed_hash=seed_hash(seed), seed=seed, template=template, roster_hash="", case_hash="",
                        exclusions=(), result=seats, rule=current_rule())
    stored = {**record_json(record), "round": round_id}
    rows = await Panel.insert(Panel(
        case=case["id"], template=row["id"], template_version=row["version"], round=round_id,
        seed_hash=record.seed_hash, seed=seed, roster_hash="", record=json.dumps(stored, ensure_ascii=False),
        convened_at=now,
    )).run()
    await invite([Seat(panel=rows[0]["id"], member=s.member_id, role=s.role, is_chair=s.is_chair,
                       status="invited", invited_at=now) for s in seats],
                 case_id=case["id"], now=now, reply_days=row["reply_days"])
    await apply_transition(case=case, action=Action.convene, actor=convener, extra={"criteria_set_id": criteria["id"]},
                           data={"panel_id": rows[0]["id"], "round": round_id, "seed_hash": record.seed_hash,
                                 "criteria_version": criteria["version"]})


async def round_status(round_id: int) -> dict[str, Any]:
    found = await ConveningRound.select(
        ConveningRound.id, ConveningRound.status, ConveningRound.done, ConveningRound.total,
        ConveningRound.seed_hash, ConveningRound.seed, ConveningRound.report, ConveningRound.created_at,
        ConveningRound.finished_at,
    ).where(ConveningRound.id == round_id).first().run()
    if found is None:
        raise NotFound("round_not_found", "批次不存在")
    found["report"] = db.json_value(found["report"])
    found["status_label"] = STATUS_LABELS[found["status"]]
    if found["status"] != "done":
        found["seed"] = ""
    return found


async def recent_rounds(limit: int = 20) -> list[dict[str, Any]]:
    rows = await ConveningRound.select(
        ConveningRound.id, ConveningRound.status, ConveningRound.done, ConveningRound.total,
        ConveningRound.created_at,
    ).order_by(ConveningRound.id, ascending=False).limit(limit).run()
    for row in rows:
        row["status_label"] = STATUS_LABELS[row["status"]]
    return rows

