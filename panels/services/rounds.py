"""Convening rounds (批量组成评议组): every accepted case at once, as one assignment against the whole roster.

The office requests a round; the seed's hash goes into the audit chain then, the seed is revealed when the round
is done. A job solves the assignment (panels.domain.assignment) off the event loop and reports progress; seating
the solved panels on their cases is the caller's `seat` (review.convening.rounds), which moves the cases on. The
job is idempotent: a finished round is left as it is.
"""

from __future__ import annotations

import asyncio
import json
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from panels import sql
from panels.domain.assignment import RoundAssignment, RoundCase, assign_round
from panels.domain.draw import Template, digest, seed_hash
from panels.domain.rounds import from_round_snapshot, report_json, round_snapshot
from panels.loaders import roster_candidates, round_facts
from panels.services.templates import as_template, template_for
from panels.tables import ConveningRound
from review.core import db
from review.core import jobs as queue
from review.core.actors import OFFICE, SYSTEM, Actor
from review.core.audit import store as audit
from review.core.errors import Conflict, NotFound
from review.core.labels import ROLE_LABELS

STATUS_LABELS = {"queued": "排队中", "running": "进行中", "done": "已完成", "failed": "失败"}
PROGRESS_SHARE = 0.5  # the solver's share of the progress bar; seating the panels is the rest


@dataclass(frozen=True)
class SolvedRound:
    """A round whose assignment is solved, handed to the caller to seat its panels."""

    round_id: int
    seed: str
    requested_by: int | None  # the office account that requested it
    total: int  # cases in the round, the progress bar's length
    assignment: RoundAssignment
    case_rows: list[dict[str, Any]]  # the round's cases still accepted when it ran, by id
    templates: dict[str, tuple[dict[str, Any], Template]]  # by category: the template row and the template
    now: datetime


async def cases_ready_count() -> int:
    return (await db.fetch(sql.ACCEPTED_CASE_COUNT))[0]["n"]


async def request_round(*, actor: Actor) -> int:
    """Start a round over every case accepted for review and not yet convened."""
    OFFICE.check(actor, "只有评议办可以批量组成评议组")
    seed = secrets.token_hex(32)
    async with db.transaction():
        busy = await ConveningRound.exists().where(ConveningRound.status.is_in(["queued", "running"])).run()
        if busy:
            raise Conflict("round_running", "已有一批正在组成，请等待其完成")
        ids = [r["id"] for r in await db.fetch(sql.ACCEPTED_CASE_IDS)]
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


async def _set_progress(round_id: int, done: int, **columns: Any) -> None:
    values: dict[Any, Any] = {ConveningRound.done: done}
    values.update({getattr(ConveningRound, k): v for k, v in columns.items()})
    await ConveningRound.update(values).where(ConveningRound.id == round_id).run()


async def report_seated(solved: SolvedRound, seated: int, of: int) -> None:
    """Progress while seating: `seated` of the round's `of` full panels are seated."""
    total = solved.total
    base = total * PROGRESS_SHARE
    await _set_progress(solved.round_id, min(total, int(base + (total - base) * seated / max(of, 1))))


async def run_round(*, round_id: int, seat: Callable[[SolvedRound], Awaitable[None]]) -> str:
    """The job: solve the round, then `seat` its panels. Returns the round's status."""
    found = await ConveningRound.select().where(ConveningRound.id == round_id).first().run()
    if found is None:
        raise NotFound("round_not_found", "批次不存在")
    if found["status"] in ("done", "failed"):
        return found["status"]
    seed, total = found["seed"], found["total"]
    await _set_progress(round_id, 0, status="running")
    ids = db.json_value(found["case_ids"])
    case_rows = await db.fetch(sql.accepted_cases(len(ids)), *ids)
    facts = await round_facts(case_rows)
    templates: dict[str, tuple[dict[str, Any], Template]] = {}
    for category in sorted({c["category"] for c in case_rows}):
        row = await template_for(category)
        templates[category] = (row, as_template(row))
    now = datetime.now(UTC)
    kept_snapshot = db.json_value(found["snapshot"]) or {}
    if kept_snapshot.get("members") is not None:
        # A run cut off while seating: solve again from what the first run saw, so that its panels stay valid.
        candidates, kept = from_round_snapshot(kept_snapshot)
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
        await _set_progress(round_id, solved[0], roster_hash=digest(snapshot["members"]),
                            snapshot=json.dumps(snapshot, ensure_ascii=False))
    try:
        await seat(SolvedRound(round_id, seed, found["requested_by"], total, assignment, case_rows, templates, now))
    except Exception as error:
        await _set_progress(round_id, 0, status="failed", finished_at=datetime.now(UTC),
                            report=json.dumps({"error": f"组成评议组时出错：{type(error).__name__}"}, ensure_ascii=False))
        raise
    final = report_json(assignment, {c["id"]: c["number"] for c in case_rows})
    await _set_progress(round_id, total, status="done", report=json.dumps(final, ensure_ascii=False),
                        finished_at=datetime.now(UTC))
    async with db.transaction():
        await audit.record(case_id=None, actor=SYSTEM.label, action="round_done",
                           data={"round": round_id, "seed": seed, "seated": len(assignment.panels),
                                 "unfilled": len(final["unfilled"])})
    return "done"


# Re-solving a large round takes seconds; its result depends only on the seed and the snapshot, so it is kept
# per (seed, snapshot digest). What is compared against it, the seated panels, is read afresh every time.
_reruns: dict[tuple[str, str], dict[int, list[tuple[int, str, bool]]]] = {}


async def _rerun(seed: str, snapshot: dict[str, Any]) -> dict[int, list[tuple[int, str, bool]]]:
    key = (seed, digest(snapshot))
    if key not in _reruns:
        candidates, cases = from_round_snapshot(snapshot)
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
    if digest(snapshot["members"]) != found["roster_hash"]:
        problems.append("名册快照与登记的名册摘要不一致")
    expected = await _rerun(found["seed"], snapshot)
    stored = {}
    args: list[Any] = [round_id]
    if case_id is not None:
        args.append(case_id)
    for row in await db.fetch(sql.round_panels(one_case=case_id is not None), *args):
        record = db.json_value(row["record"])
        stored[row["case_id"]] = sorted((s["member_id"], s["role"], s["is_chair"]) for s in record["result"])
    for one in sorted(stored):
        if expected.get(one) != stored[one]:
            problems.append(f"案件 {one} 的评议组与复算结果不一致")
    return not problems, problems


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
