"""Case services: intake, screening and the simple lifecycle steps."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from review import audit, db
from review.access_codes import hash_code, new_access_code
from review.actors import Actor
from review.errors import Conflict, Forbidden, Invalid, NotFound
from review.intake import IntakeRecord, parse_intake
from review.lifecycle import Action, TransitionRefused, transition
from review.tables import Case, Department


@dataclass(frozen=True)
class IntakeResult:
    case_number: str
    access_code: str | None  # only when the case was created now
    status: str
    created: bool


def case_number_for(case_id: int, received_at: datetime) -> str:
    """受理编号, e.g. PY2026000123: the year received and the case's serial."""
    return f"PY{received_at.year}{case_id:06d}"


async def intake_case(*, payload: Any, actor: Actor) -> IntakeResult:
    """Take in one unsatisfied case; idempotent on source_ref, nothing stored on any error."""
    record = parse_intake(payload)
    department = await Department.select(Department.id).where(
        Department.code == record.department_code
    ).first().run()
    if not department:
        raise Invalid("unknown_department", f"未知的部门代码 {record.department_code}", field="department_code")
    async with db.transaction():
        existing = await _existing(record)
        if existing:
            return existing
        code = new_access_code()
        case_id = await _insert_case(record, department["id"], hash_code(code))
        await audit.record(case_id=case_id, actor=actor.label, action=Action.intake.value,
                           to_status="received", data={"channel": record.channel})
        number = case_number_for(case_id, record.received_at)
    return IntakeResult(case_number=number, access_code=code, status="received", created=True)


async def _existing(record: IntakeRecord) -> IntakeResult | None:
    row = await Case.select(Case.number, Case.payload_hash, Case.status).where(
        Case.source_ref == record.source_ref
    ).first().run()
    if not row:
        return None
    if row["payload_hash"] != record.payload_hash:
        raise Conflict("source_ref_conflict", "同一 source_ref 已以不同内容提交过", field="source_ref")
    return IntakeResult(case_number=row["number"], access_code=None, status=row["status"], created=False)


async def _insert_case(record: IntakeRecord, department_id: int, code_hash: str) -> int:
    now = datetime.now(timezone.utc)
    person = record.complainant
    rows = await Case.insert(
        Case(
            number=f"pending-{record.payload_hash[:24]}", source_ref=record.source_ref,
            payload_hash=record.payload_hash, channel=record.channel, received_at=record.received_at,
            category=record.category, district=record.district, community=record.community,
            department=department_id,
            complainant_name=person.name, complainant_phone=person.phone,
            complainant_id_number=person.id_number, complainant_address=person.address,
            content=record.content, reply=record.reply, replied_at=record.replied_at,
            rating="unsatisfied", rated_at=record.rated_at, status="received",
            access_code_hash=code_hash, created_at=now, updated_at=now,
        )
    ).run()
    case_id = rows[0]["id"]
    await Case.update({Case.number: case_number_for(case_id, record.received_at)}).where(Case.id == case_id).run()
    return case_id


async def load_case_for_update(number: str) -> dict:
    """The case row inside a write transaction (row-locked on PostgreSQL)."""
    suffix = "" if db.is_sqlite() else " FOR UPDATE"
    rows = await Case.raw(f"SELECT * FROM review_case WHERE number = {{}}{suffix}", number).run()
    if not rows:
        raise NotFound("case_not_found", "未找到该案件")
    return rows[0]


async def apply_transition(
    *, case: dict, action: Action, actor: Actor, reason: str = "", data: dict | None = None,
    extra: dict | None = None,
) -> str:
    """Move the case by the lifecycle rules, write the change and its audit event (inside a transaction)."""
    try:
        target = transition(case["status"], action, actor.kind, reason)
    except TransitionRefused as refused:
        if refused.code == "forbidden":
            raise Forbidden(refused.code, refused.message) from None
        raise (Invalid if refused.code == "reason_required" else Conflict)(
            refused.code, refused.message, field="reason" if refused.code == "reason_required" else None
        ) from None
    values: dict = {Case.status: target.value, Case.updated_at: datetime.now(timezone.utc)}
    if reason:
        values[Case.status_reason] = reason
    for column, value in (extra or {}).items():
        values[getattr(Case, column)] = value
    await Case.update(values).where(Case.id == case["id"]).run()
    await audit.record(case_id=case["id"], actor=actor.label, action=action.value,
                       from_status=case["status"], to_status=target.value, reason=reason, data=data)
    return target.value


async def screen_case(*, number: str, actor: Actor, accept: bool, reason: str = "") -> str:
    """审查: the office accepts a case for review or dismisses it with a reason."""
    async with db.transaction():
        case = await load_case_for_update(number)
        action = Action.accept if accept else Action.dismiss
        return await apply_transition(case=case, action=action, actor=actor, reason=reason)


async def close_case(*, number: str, actor: Actor) -> str:
    async with db.transaction():
        case = await load_case_for_update(number)
        return await apply_transition(case=case, action=Action.close, actor=actor)
