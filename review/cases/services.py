"""Case services: intake, screening and the simple lifecycle steps."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from panels.services.invitations import dissolve_panels
from review.cases import sql
from review.cases.intake import IntakeRecord, case_number_for, parse_intake
from review.cases.lifecycle import Action, Status, TransitionRefused, transition
from review.cases.tables import CaseFileEntry
from review.core import db, kept
from review.core.actors import Actor
from review.core.audit import store as audit
from review.core.enums import ENDED
from review.core.errors import Conflict, Forbidden, Invalid, NotFound, ServiceError
from review.core.secrets import hash_code, new_access_code
from review.core.tables import Case
from review.webhooks import services as webhooks


@dataclass(frozen=True)
class IntakeResult:
    case_number: str
    access_code: str | None  # only when the case was created now
    status: str
    created: bool


async def intake_case(*, payload: Any, actor: Actor) -> IntakeResult:
    """Take in one unsatisfied case; idempotent on source_ref, nothing stored on any error."""
    record = parse_intake(payload)
    department_id = await department_id_for(record.department_code)
    code = new_access_code()
    async with db.transaction():
        if db.writes_in_one_statement():
            case_id = await sql.insert_case_in_one_statement(record, department_id, hash_code(code), actor)
        else:
            case_id = await sql.insert_case(record, department_id, hash_code(code))
            if case_id is not None:
                await audit.record(case_id=case_id, actor=actor.label, action=Action.intake.value,
                                   to_status="received", data=record.intake_data())
        if case_id is not None:
            await webhooks.emit("case.received", _received(case_number_for(case_id, record.received_at), record))
    if case_id is None:
        return await _existing(record)
    return IntakeResult(case_number=case_number_for(case_id, record.received_at), access_code=code,
                        status="received", created=True)


def _received(number: str, record: IntakeRecord) -> dict[str, Any]:
    return {"case_number": number, "channel": record.channel, "department_code": record.department_code,
            "link": f"/api/v1/cases/{number}"}


# Department codes change rarely and intake is the hottest path: remember them briefly.
_DEPARTMENT_TTL = 60.0
_departments: dict[str, tuple[int, float]] = {}


@kept.forgettable
def forget_departments() -> None:
    _departments.clear()


async def department_id_for(code: str) -> int:
    cached = _departments.get(code)
    if cached and cached[1] > time.monotonic():
        return cached[0]
    rows = await db.fetch(sql.DEPARTMENT_BY_CODE, code)
    if not rows:
        raise Invalid("unknown_department", f"未知的部门代码 {code}", field="department_code")
    _departments[code] = (rows[0]["id"], time.monotonic() + _DEPARTMENT_TTL)
    return rows[0]["id"]


async def _existing(record: IntakeRecord) -> IntakeResult:
    rows = await db.fetch(sql.CASE_BY_SOURCE_REF, record.source_ref)
    row = rows[0]
    if row["payload_hash"] != record.payload_hash:
        raise Conflict("source_ref_conflict", "同一 source_ref 已以不同内容提交过", field="source_ref")
    return IntakeResult(case_number=row["number"], access_code=None, status=row["status"], created=False)


async def load_case_for_update(number: str) -> dict:
    """The case row inside a write transaction (row-locked on PostgreSQL)."""
    rows = await db.fetch(sql.CASE_BY_NUMBER + db.for_update(), number)
    if not rows:
        raise NotFound("case_not_found", "未找到该案件")
    return rows[0]


def check_transition(*, status: str, action: Action, actor: Actor, reason: str = "",
                     came_from: str | None = None) -> Status:
    """The status `action` moves a case in `status` to; the refusal the lifecycle gives otherwise."""
    try:
        return transition(status, action, actor.kind, reason, came_from=came_from)
    except TransitionRefused as refused:
        if refused.code == "forbidden":
            raise Forbidden(refused.code, refused.message) from None
        raise (Invalid if refused.code == "reason_required" else Conflict)(
            refused.code, refused.message, field="reason" if refused.code == "reason_required" else None
        ) from None


async def apply_transition(
    *, case: dict, action: Action, actor: Actor, reason: str = "", data: dict | None = None,
    extra: dict | None = None, came_from: str | None = None,
) -> str:
    """Move the case by the lifecycle rules, write the change and its audit event (inside a transaction).

    `came_from` is where an action that goes back (ending mediation) returns the case to."""
    target = check_transition(status=case["status"], action=action, actor=actor, reason=reason, came_from=came_from)
    values: dict = {Case.status: target.value, Case.updated_at: datetime.now(UTC)}
    if reason:
        values[Case.status_reason] = reason
    for column, value in (extra or {}).items():
        values[getattr(Case, column)] = value
    await Case.update(values).where(Case.id == case["id"]).run()
    await audit.record(case_id=case["id"], actor=actor.label, action=action.value,
                       from_status=case["status"], to_status=target.value, reason=reason, data=data)
    if target in ENDED:
        await dissolve_panels(case_id=case["id"], case_status=target.value, actor=actor.label)
    return target.value


async def screen_case(*, number: str, actor: Actor, accept: bool, reason: str = "") -> str:
    """审查: the office accepts a case for review or dismisses it with a reason."""
    async with db.transaction():
        case = await load_case_for_update(number)
        action = Action.accept if accept else Action.dismiss
        await webhooks.emit("case.screened", {"case_number": number, "selected": accept, "link": f"/api/v1/cases/{number}"})
        return await apply_transition(case=case, action=action, actor=actor, reason=reason)


@dataclass(frozen=True)
class Screening:
    """One case of a bulk screening: taken up for review, or left 未入选, with the reason the case records."""

    number: str
    selected: bool
    reason: str
    data: dict[str, Any]  # what its audit event records (the selection that decided it)


async def screen_cases(*, screenings: Sequence[Screening], actor: Actor) -> dict[str, ServiceError]:
    """批量审查: screen many cases at once (review.selection), in one transaction (the caller's, if it holds one).
    Each case moves by the lifecycle's rules, as `screen_case` moves one, with its own audit event; a case the
    lifecycle refuses (no longer waiting for screening, or unknown) is left as it is and returned with the
    refusal, by number. Three statements however many cases: the rows locked, the moves, the events."""
    if not screenings:
        return {}
    async with db.transaction():
        return await _screen_locked(screenings, actor)


async def _screen_locked(screenings: Sequence[Screening], actor: Actor) -> dict[str, ServiceError]:
    found = {r["number"]: r for r in await db.fetch(sql.cases_by_number(len(screenings)) + db.for_update(),
                                                      *[s.number for s in screenings])}
    refused: dict[str, ServiceError] = {}
    moves: list[tuple[dict, Screening, Action, Status]] = []
    for screening in screenings:
        case = found.get(screening.number)
        if case is None:
            refused[screening.number] = NotFound("case_not_found", "未找到该案件")
            continue
        action = Action.accept if screening.selected else Action.not_select
        try:
            target = check_transition(status=case["status"], action=action, actor=actor, reason=screening.reason)
        except ServiceError as error:
            refused[screening.number] = error
            continue
        moves.append((case, screening, action, target))
    if moves:
        args: list[Any] = []
        for case, screening, _, target in moves:
            args += [case["id"], target.value, screening.reason]
        await db.fetch(sql.set_screened(len(moves)), *args, datetime.now(UTC))
        await audit.record_many([audit.event_values(
            case_id=case["id"], actor=actor.label, action=action.value, from_status=case["status"],
            to_status=target.value, reason=screening.reason, data=screening.data)
            for case, screening, action, target in moves])
        await webhooks.emit_many("case.screened", [{"case_number": case["number"], "selected": screening.selected,
                                                    "link": f"/api/v1/cases/{case['number']}"} for case, screening, _, _ in moves])
    return refused


async def request_review(*, number: str, actor: Actor, reason: str = "") -> str:
    """申请评议: the complainant of a case left 未入选 (or the office for them) asks for review anyway; the case
    goes back to the screening queue, marked as asked for, which the selection policy always selects. The
    reason they give is kept on the timeline; the 未入选 reason leaves the case."""
    reason = reason.strip()
    if len(reason) > REQUEST_REASON_MAX:
        raise Invalid("invalid_field", f"申请理由不能超过 {REQUEST_REASON_MAX} 个字", field="reason")
    async with db.transaction():
        case = await load_case_for_update(number)
        if actor.kind == "complainant" and actor.case_id != case["id"]:
            raise NotFound("case_not_found", "未找到该案件")
        return await apply_transition(case=case, action=Action.request_review, actor=actor, reason=reason,
                                      extra={"review_requested": True, "status_reason": ""})


REQUEST_REASON_MAX = 1000


async def end_case(*, number: str, actor: Actor, action: Action, reason: str) -> str:
    """撤回 / 调解结案: the case ends before a ruling, with the reason on record."""
    if action not in (Action.withdraw, Action.settle):
        raise Invalid("invalid_field", "操作无效", field="action")
    async with db.transaction():
        case = await load_case_for_update(number)
        if case["status"] == Status.mediation:
            # Settled by its mediation's agreement, or withdrawn, in the mediation part (review.mediation.services),
            # which ends the mediation too.
            raise Conflict("in_mediation", "本案正在调解，请在调解一栏以「达成协议，调解结案」结案"
                           if action == Action.settle else "本案正在调解，请在调解一栏办理撤回（调解随之终止）")
        return await apply_transition(case=case, action=action, actor=actor, reason=reason)


async def close_case(*, number: str, actor: Actor) -> str:
    async with db.transaction():
        case = await load_case_for_update(number)
        return await apply_transition(case=case, action=Action.close, actor=actor)


@dataclass(frozen=True)
class FileItem:
    """An item to go into the case file, as its source service hands it over: its own copy of the text."""

    source: str  # mediation
    source_label: str  # 调解中经双方同意入卷的内容
    source_ref: str  # mediation:3:message:17 (once per case)
    title: str
    body: str
    sha256: str
    consents: list[dict[str, Any]]  # who agreed, when: [{party, party_label, by, at}]


async def add_file_entry(*, case_id: int, item: FileItem, actor: Actor) -> int:
    """入卷: add one entry to the case file, inside the caller's transaction (the source service holds the checks
    that let the item in, e.g. both parties' consent). Audited by hash, never by text. The entry's id."""
    if await db.fetch(sql.FILE_ENTRY_BY_REF, case_id, item.source_ref):
        raise Conflict("already_in_file", "该内容已在案卷中")
    inserted = await CaseFileEntry.insert(CaseFileEntry(
        case=case_id, source=item.source, source_label=item.source_label, source_ref=item.source_ref,
        title=item.title[:200], body=item.body, sha256=item.sha256, consents=item.consents, added_by=actor.label,
        added_at=datetime.now(UTC),
    )).returning(CaseFileEntry.id).run()
    entry_id: int = inserted[0]["id"]
    await audit.record(case_id=case_id, actor=actor.label, action="case_file_entry_added", data={
        "entry_id": entry_id, "source": item.source, "source_ref": item.source_ref, "sha256": item.sha256,
        "consents": [{"party": c["party"], "at": c["at"]} for c in item.consents]})
    return entry_id
