"""Bulk screening (批量审查): the policy proposes, the office adjusts single cases with a reason and applies the
proposal in one action, which a job carries out case by case through the case lifecycle's screening service
(each case its own audit event), counting its progress.

One proposal is open at a time. Proposing draws the sample as the panels draw: the seed's hash (with the
candidates' and the policy's) is committed to the audit chain in its own transaction before the draw; the record,
seed included, is stored and its hash audited with the draw. Applying twice does nothing twice: a proposal is
applied once, and a case already screened is left as it is.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from panels.domain.draw import digest, seed_hash
from panels.services.seating import commit_seed
from review.cases import services as cases
from review.core import db
from review.core import jobs as queue
from review.core.actors import OFFICE, Actor
from review.core.audit import store as audit
from review.core.clock import CHINA, today_in_china
from review.core.errors import Conflict, Invalid, NotFound
from review.core.params import LARGEST
from review.selection import draw as drawing
from review.selection import sql
from review.selection.disputes import KeyedCase, repeat_rules
from review.selection.policy import canonical_text
from review.selection.services import keys, policies
from review.selection.tables import Selection, SelectionDecision

STATUS_LABELS = {"proposed": "待确认", "applying": "正在应用", "applied": "已应用", "discarded": "已放弃"}
OUTCOME_LABELS = {"accepted": "已立案", "not_selected": "未入选", "skipped": "未处理（已离开审查队列）"}
MAX_CASES = 20_000  # cases one proposal may hold
CHUNK = 100  # cases applied per transaction (the progress moves by this many)
DECISIONS_PER_STATEMENT = 500
REASON_MAX = 500
NOT_FOUND = ("selection_not_found", "未找到该批量审查方案")


@dataclass(frozen=True)
class SelectionView:
    """Where a proposal stands."""

    id: int
    status: str
    until: str
    policy_version: int
    policy_hash: str
    seed_hash: str
    total: int
    proposed: int  # selected by the draw
    selected: int  # selected once the office's adjustments count
    adjusted: int
    done: int
    error: str
    created_at: datetime
    finished_at: datetime | None
    discard_reason: str

    @property
    def status_label(self) -> str:
        return STATUS_LABELS.get(self.status, self.status)

    @property
    def finished(self) -> bool:
        return self.status in ("applied", "discarded")

    def as_json(self) -> dict[str, Any]:
        return {"id": self.id, "status": self.status, "until": self.until, "policy_version": self.policy_version,
                "policy_hash": self.policy_hash, "seed_hash": self.seed_hash, "total": self.total,
                "proposed": self.proposed, "selected": self.selected, "not_selected": self.total - self.selected,
                "adjusted": self.adjusted, "done": self.done, "error": self.error,
                "created_at": self.created_at.isoformat(),
                "finished_at": self.finished_at.isoformat() if self.finished_at else None,
                "discard_reason": self.discard_reason or None,
                "record": f"/api/v1/selection/draws/{self.id}"}


def selection_id_of(value: int | str) -> int:
    """A proposal's id from a path, or NotFound."""
    try:
        found = int(value)
    except (TypeError, ValueError):
        raise NotFound(*NOT_FOUND) from None
    if not 0 < found <= LARGEST:
        raise NotFound(*NOT_FOUND)
    return found


def until_day(value: str | date | None) -> date:
    """The intake day a proposal screens up to: today (Beijing) unless given, never after today."""
    today = today_in_china()
    if value is None or value == "":
        return today
    if isinstance(value, date):
        day = value
    else:
        try:
            day = date.fromisoformat(str(value).strip())
        except ValueError:
            raise Invalid("invalid_field", "截止日期应为日期，形如 2026-12-04", field="until") from None
    if day > today:
        raise Invalid("invalid_field", f"截止日期不能晚于今天（{today.isoformat()}）", field="until")
    return day


async def _row(selection_id: int, *, lock: bool = False) -> dict[str, Any]:
    rows = await db.fetch(sql.SELECTION_BY_ID + (db.for_update() if lock else ""), selection_id)
    if not rows:
        raise NotFound(*NOT_FOUND)
    return rows[0]


async def _view(row: dict[str, Any]) -> SelectionView:
    counts = (await db.fetch(sql.FINAL_COUNTS, row["id"]))[0]
    return SelectionView(
        id=row["id"], status=row["status"], until=row["until"], policy_version=row["policy_version"],
        policy_hash=row["policy_hash"], seed_hash=row["seed_hash"], total=row["total"], proposed=row["selected"],
        selected=int(counts["selected"]), adjusted=int(counts["adjusted"]), done=row["done"], error=row["error"],
        created_at=_instant(row["created_at"]), finished_at=_instant(row["finished_at"]),
        discard_reason=row["discard_reason"])


def _instant(value: Any) -> Any:
    if isinstance(value, str):
        return datetime.fromisoformat(value)
    return value


async def view(*, selection_id: int | str, actor: Actor) -> SelectionView:
    """One proposal as it stands (office only)."""
    OFFICE.check(actor)
    return await _view(await _row(selection_id_of(selection_id)))


async def recent(limit: int = 10) -> list[SelectionView]:
    """The latest proposals, newest first."""
    rows = await db.fetch(sql.RECENT, limit)
    return [await _view(r) for r in rows]


async def open_selection() -> int | None:
    """The proposal being reviewed or applied, if there is one."""
    rows = await db.fetch(sql.OPEN_SELECTION)
    return int(rows[0]["id"]) if rows else None


def _moment(value: Any) -> datetime:
    return value if isinstance(value, datetime) else datetime.fromisoformat(str(value))


async def _candidates(cutoff: datetime, policy: Any) -> tuple[list[dict[str, Any]], list[drawing.Candidate]]:
    """The queue up to `cutoff` and each case as the draw takes it (its mandatory rule found by its key)."""
    rows = await db.fetch(sql.CANDIDATES, cutoff)
    if not rows:
        raise Conflict("no_cases", "截止日期前没有待审查的案件")
    if len(rows) > MAX_CASES:
        raise Conflict("too_many_cases", f"待审查的案件有 {len(rows)} 件，一次至多 {MAX_CASES} 件：请提前截止日期分批审查")
    received = [_moment(r["received_at"]) for r in rows]
    made = await keys.ensure_keys(until=cutoff, earliest=min(received), latest=max(received),
                                  repeat_days=policy.repeat_days, reopen_days=policy.reopen_days)
    if made:  # the queue's own keys were among those just made
        rows = await db.fetch(sql.CANDIDATES, cutoff)
    known = [KeyedCase(r["case_id"], r["key"], r["department"], _moment(r["received_at"]),
                       _moment(r["replied_at"]) if r["replied_at"] is not None else None)
             for r in await db.fetch(sql.SAME_COMPLAINANT, cutoff)]
    queued = [KeyedCase(r["id"], r["key"] or "", r["department"], _moment(r["received_at"]),
                        _moment(r["replied_at"]) if r["replied_at"] is not None else None) for r in rows]
    repeats = repeat_rules(queued, known, policy)
    candidates = [drawing.Candidate(case=r["number"], department=r["department_code"], category=r["category"],
                                    rule="review_requested" if r["review_requested"] else repeats.get(r["id"]))
                  for r in rows]
    return rows, candidates


async def propose(*, actor: Actor, until: str | date | None = None) -> int:
    """按规则生成方案: every case waiting for screening taken in up to the end of `until` (Beijing), each selected
    or not by the policy in force with its reason. The draw's seed is committed before it is drawn."""
    OFFICE.check(actor)
    day = until_day(until)
    cutoff = datetime.combine(day + timedelta(days=1), time(0), CHINA)
    policy, version, policy_digest = await policies.in_force()
    if (open_id := await open_selection()) is not None:
        raise Conflict("selection_open", f"第 {open_id} 号批量审查方案尚未应用或放弃，请先处理")
    rows, candidates = await _candidates(cutoff, policy)
    committed = drawing.candidates_hash(candidates)
    seed = await commit_seed(case_id=None, actor=actor, purpose="selection", also={
        "candidates_hash": committed, "cases": len(candidates), "policy_version": version,
        "policy_hash": policy_digest})
    decisions = drawing.draw(policy, seed, candidates)
    by_number = {r["number"]: r for r in rows}
    now = datetime.now(UTC)
    async with db.transaction():
        await db.lock_chain_head()  # one proposer at a time: one proposal open
        if (open_id := await open_selection()) is not None:
            raise Conflict("selection_open", f"第 {open_id} 号批量审查方案尚未应用或放弃，请先处理")
        inserted = await Selection.insert(Selection(
            status="proposed", until=day.isoformat(), policy_version=version, policy_hash=policy_digest,
            seed_hash=seed_hash(seed), seed=seed, candidates_hash=committed, record="", record_hash="",
            total=len(decisions), selected=sum(1 for d in decisions if d.selected), created_at=now,
            created_by=actor.user_id)).returning(Selection.id).run()
        selection_id = int(inserted[0]["id"])
        record = drawing.record_json(selection_id=selection_id, version=version, policy=policy, seed=seed,
                                     candidates=candidates, decisions=decisions, until=day.isoformat(),
                                     drawn_at=now)
        text = canonical_text(record)
        record_hash = digest(record)
        await Selection.update({Selection.record: text, Selection.record_hash: record_hash}).where(
            Selection.id == selection_id).run()
        for start in range(0, len(decisions), DECISIONS_PER_STATEMENT):
            chunk = decisions[start:start + DECISIONS_PER_STATEMENT]
            args: list[Any] = []
            for d in chunk:
                case = by_number[d.case]
                args += [selection_id, case["id"], d.selected, d.rule,
                         drawing.reason(d, policy, version=version, selection_id=selection_id,
                                        department_name=case["department_name"])]
            await db.fetch(sql.insert_decisions(len(chunk)), *args)
        await audit.record(case_id=None, actor=actor.label, action="selection_drawn", data={
            "selection": selection_id, "seed_hash": seed_hash(seed), "candidates_hash": committed,
            "record_hash": record_hash, "policy_version": version, "policy_hash": policy_digest,
            "cases": len(decisions), "selected": sum(1 for d in decisions if d.selected)})
    return selection_id


def _reason(text: str) -> str:
    reason = text.strip()
    if not reason:
        raise Invalid("reason_required", "请填写调整理由", field="reason")
    if len(reason) > REASON_MAX:
        raise Invalid("invalid_field", f"调整理由不能超过 {REASON_MAX} 个字", field="reason")
    return reason


async def adjust(*, selection_id: int | str, number: str, selected: bool, reason: str,
                 actor: Actor) -> dict[str, Any]:
    """调整: the office decides one case of an open proposal otherwise than the draw, with a reason; deciding it
    as the draw did again takes the adjustment back. Audited on the platform's chain (the case's own event is
    the one applying writes)."""
    OFFICE.check(actor)
    why = _reason(reason)
    found_id = selection_id_of(selection_id)
    async with db.transaction():
        row = await _row(found_id, lock=True)
        if row["status"] != "proposed":
            raise Conflict("selection_not_open", f"第 {found_id} 号方案{STATUS_LABELS[row['status']]}，不能再调整")
        found = await db.fetch(sql.DECISION_BY_NUMBER, found_id, number.strip().upper())
        if not found:
            raise NotFound("case_not_in_selection", "该案件不在本批量审查方案中", field="case_number")
        decision = found[0]
        if decision["rule"] == "review_requested" and not selected:
            raise Conflict("requested_always_selected", "诉求人申请评议的案件按公布的规则一律入选，不能调整为未入选；"
                           "不属于评议范围的，请在案件页面以「不予评议」处理并说明理由", field="selected")
        back = bool(selected) == bool(decision["proposed"])
        await SelectionDecision.update({
            SelectionDecision.adjusted: None if back else bool(selected),
            SelectionDecision.adjust_reason: "" if back else why,
            SelectionDecision.adjusted_by: "" if back else actor.label,
            SelectionDecision.adjusted_at: None if back else datetime.now(UTC),
        }).where(SelectionDecision.id == decision["id"]).run()
        await audit.record(case_id=None, actor=actor.label, action="selection_adjusted", reason=why, data={
            "selection": found_id, "case_number": decision["number"], "selected": bool(selected),
            "proposed": bool(decision["proposed"]), "withdrawn": back})
    return (await db.fetch(sql.DECISION_BY_NUMBER, found_id, decision["number"]))[0]


async def discard(*, selection_id: int | str, reason: str, actor: Actor) -> SelectionView:
    """放弃: an open proposal is set aside with a reason, nothing applied; its record stays public."""
    OFFICE.check(actor)
    why = _reason(reason)
    found_id = selection_id_of(selection_id)
    async with db.transaction():
        row = await _row(found_id, lock=True)
        if row["status"] != "proposed":
            raise Conflict("selection_not_open", f"第 {found_id} 号方案{STATUS_LABELS[row['status']]}，不能放弃")
        await Selection.update({Selection.status: "discarded", Selection.discard_reason: why,
                                Selection.finished_at: datetime.now(UTC)}).where(Selection.id == found_id).run()
        await audit.record(case_id=None, actor=actor.label, action="selection_discarded", reason=why,
                           data={"selection": found_id})
    return await _view(await _row(found_id))


async def apply(*, selection_id: int | str, actor: Actor) -> SelectionView:
    """应用: screen every case of the proposal as decided, by a job with progress. Asking again while it runs
    only looks again; an applied proposal is refused."""
    OFFICE.check(actor)
    found_id = selection_id_of(selection_id)
    async with db.transaction():
        row = await _row(found_id, lock=True)
        if row["status"] in ("applied", "discarded"):
            raise Conflict("selection_finished", f"第 {found_id} 号方案{STATUS_LABELS[row['status']]}")
        if row["status"] == "proposed":
            await Selection.update({Selection.status: "applying", Selection.applied_by: actor.user_id,
                                    Selection.applied_by_name: actor.username, Selection.error: "",
                                    Selection.apply_requested_at: datetime.now(UTC)}).where(
                Selection.id == found_id).run()
            await audit.record(case_id=None, actor=actor.label, action="selection_apply_requested",
                               data={"selection": found_id, "cases": row["total"]})
    await queue.enqueue("apply_selection", found_id)
    return await _view(await _row(found_id))


def _outcome(decision: dict[str, Any], row: dict[str, Any]) -> tuple[bool, str, dict[str, Any]]:
    """(selected, the reason the case records, the audit event's data) of one decision."""
    adjusted = decision["adjusted"]
    selected = bool(decision["proposed"] if adjusted is None else adjusted)
    data: dict[str, Any] = {"selection": row["id"], "rule": decision["rule"],
                            "policy_version": row["policy_version"]}
    if adjusted is None:
        return selected, decision["reason"], data
    data["adjusted"] = True
    return selected, drawing.adjusted_reason(selected, decision["adjust_reason"], version=row["policy_version"],
                                             selection_id=row["id"]), data


async def run_apply(*, selection_id: int) -> str:
    """The job: screen each case not yet applied, a chunk per transaction (the cases' transitions and the marks
    that they are done commit together), then close the proposal. Returns its status."""
    row = await _row(selection_id)
    if row["status"] != "applying":
        return str(row["status"])
    actor = Actor(kind="office", user_id=row["applied_by"], username=row["applied_by_name"] or "selection")
    pending = await db.fetch(sql.PENDING, selection_id)
    try:
        for start in range(0, len(pending), CHUNK):
            await _apply_chunk(pending[start:start + CHUNK], row, actor)
    except Exception:
        # shown while arq tries again (a retry carries on where this stopped); logged by the job runner
        await Selection.update({Selection.error: "应用中断，正在重试；已处理的案件不会重复处理"}).where(
            Selection.id == selection_id).run()
        raise
    async with db.transaction():
        current = await _row(selection_id, lock=True)
        if current["status"] != "applying":
            return str(current["status"])
        tally = {r["outcome"]: int(r["n"]) for r in await db.fetch(sql.OUTCOMES, selection_id)}
        await Selection.update({Selection.status: "applied", Selection.done: current["total"], Selection.error: "",
                                Selection.finished_at: datetime.now(UTC)}).where(
            Selection.id == selection_id).run()
        await audit.record(case_id=None, actor=actor.label, action="selection_applied", data={
            "selection": selection_id, "accepted": tally.get("accepted", 0),
            "not_selected": tally.get("not_selected", 0), "skipped": tally.get("skipped", 0)})
    return "applied"


async def _apply_chunk(chunk: Sequence[dict[str, Any]], row: dict[str, Any], actor: Actor) -> None:
    now = datetime.now(UTC)
    screenings = []
    for decision in chunk:
        selected, why, data = _outcome(decision, row)
        screenings.append(cases.Screening(number=decision["number"], selected=selected, reason=why, data=data))
    done: dict[str, list[int]] = {"accepted": [], "not_selected": []}
    async with db.transaction():
        # The cases' moves and the marks that they are done commit together: a run cut off is taken up again
        # from the first case not marked, and no case is screened twice.
        refused = await cases.screen_cases(screenings=screenings, actor=actor)
        for decision, screening in zip(chunk, screenings, strict=True):
            if screening.number in refused:  # the case left the queue meanwhile (screened on its own page)
                await db.fetch(sql.MARK_SKIPPED, now, refused[screening.number].message, decision["id"])
            else:
                done["accepted" if screening.selected else "not_selected"].append(decision["id"])
        for outcome, ids in done.items():
            if ids:
                await db.fetch(sql.mark_applied(len(ids)), now, outcome, *ids)
        await db.fetch(sql.ADD_DONE, len(chunk), row["id"])


# --- reading a proposal -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Filters:
    department: str = ""
    category: str = ""
    selected: bool | None = None
    rule: str = ""
    adjusted: bool = False


async def decisions(*, selection_id: int, filters: Filters, after: int = 0,
                    limit: int = 100) -> list[dict[str, Any]]:
    """A page of the proposal's decisions, narrowed by the filters, in id order after `after`."""
    args: list[Any] = [selection_id]
    if filters.department:
        args.append(filters.department)
    if filters.category:
        args.append(filters.category)
    if filters.selected is not None:
        args.append(filters.selected)
    if filters.rule:
        args.append(filters.rule)
    if after:
        args.append(after)
    args.append(limit)
    query = sql.decisions(department=bool(filters.department), category=bool(filters.category),
                          selected=filters.selected is not None, rule=bool(filters.rule),
                          adjusted=filters.adjusted, after=bool(after), limit=True)
    return await db.fetch(query, *args)


async def per_department(selection_id: int) -> list[dict[str, Any]]:
    """Counts per department: cases, selected by the draw, selected now, adjusted, skipped when applied."""
    return await db.fetch(sql.PER_DEPARTMENT, selection_id)


async def per_rule(selection_id: int) -> dict[str, int]:
    return {r["rule"]: int(r["n"]) for r in await db.fetch(sql.PER_RULE, selection_id)}


async def categories(selection_id: int) -> list[str]:
    return [r["category"] for r in await db.fetch(sql.CATEGORIES, selection_id)]


async def stored_record(selection_id: int | str) -> tuple[dict[str, Any], dict[str, Any]]:
    """A proposal's row and its record as stored."""
    row = await _row(selection_id_of(selection_id))
    return row, json.loads(row["record"]) if row["record"] else {}
