"""Case services: intake, screening and the simple lifecycle steps."""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from panels.services.invitations import dissolve_panels
from review.cases.intake import IntakeRecord, parse_intake
from review.cases.lifecycle import Action, Status, TransitionRefused, transition
from review.core import db
from review.core.actors import Actor
from review.core.audit import store as audit
from review.core.enums import ENDED
from review.core.errors import Conflict, Forbidden, Invalid, NotFound
from review.core.secrets import hash_code, new_access_code
from review.core.tables import Case


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
    department_id = await department_id_for(record.department_code)
    code = new_access_code()
    if db.is_sqlite():
        async with db.transaction():
            case_id = await _insert_case(record, department_id, hash_code(code))
            if case_id is not None:
                await audit.record(case_id=case_id, actor=actor.label, action=Action.intake.value,
                                   to_status="received", data={"channel": record.channel})
    else:
        case_id = await _insert_case_pg(record, department_id, hash_code(code), actor)
    if case_id is None:
        return await _existing(record)
    return IntakeResult(case_number=case_number_for(case_id, record.received_at), access_code=code,
                        status="received", created=True)


# Department codes change rarely and intake is the hottest path: remember them briefly.
_DEPARTMENT_TTL = 60.0
_departments: dict[str, tuple[int, float]] = {}


def forget_departments() -> None:
    _departments.clear()


async def department_id_for(code: str) -> int:
    cached = _departments.get(code)
    if cached and cached[1] > time.monotonic():
        return cached[0]
    rows = await db.fetch("SELECT id FROM department WHERE code = {}", code)
    if not rows:
        raise Invalid("unknown_department", f"未知的部门代码 {code}", field="department_code")
    _departments[code] = (rows[0]["id"], time.monotonic() + _DEPARTMENT_TTL)
    return rows[0]["id"]


async def _existing(record: IntakeRecord) -> IntakeResult:
    rows = await db.fetch(
        "SELECT number, payload_hash, status FROM review_case WHERE source_ref = {}", record.source_ref
    )
    row = rows[0]
    if row["payload_hash"] != record.payload_hash:
        raise Conflict("source_ref_conflict", "同一 source_ref 已以不同内容提交过", field="source_ref")
    return IntakeResult(case_number=row["number"], access_code=None, status=row["status"], created=False)


_CASE_COLUMNS = (
    "source_ref, payload_hash, channel, received_at, category, district, community, department,"
    " complainant_name, complainant_phone, complainant_id_number, complainant_address, content, reply,"
    " replied_at, rating, rated_at, status, access_code_hash, status_reason, created_at, updated_at"
)
_CASE_VALUES = "{}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, 'unsatisfied', {}, 'received', {}, '', {}, {}"


def _case_args(record: IntakeRecord, department_id: int, code_hash: str) -> list[Any]:
    now = datetime.now(UTC)
    person = record.complainant
    return [record.source_ref, record.payload_hash, record.channel, record.received_at, record.category,
            record.district, record.community, department_id, person.name, person.phone, person.id_number,
            person.address, record.content, record.reply, record.replied_at, record.rated_at, code_hash, now, now]


async def _insert_case(record: IntakeRecord, department_id: int, code_hash: str) -> int | None:
    """Insert the case and give it its number; None when the source_ref is already taken."""
    rows = await db.fetch(
        f"INSERT INTO review_case (number, {_CASE_COLUMNS}) VALUES ({{}}, {_CASE_VALUES})"
        " ON CONFLICT (source_ref) DO NOTHING RETURNING id",
        f"~{secrets.token_hex(12)}", *_case_args(record, department_id, code_hash),
    )
    if not rows:
        return None
    case_id = rows[0]["id"]
    await db.fetch("UPDATE review_case SET number = {} WHERE id = {}",
                   case_number_for(case_id, record.received_at), case_id)
    return case_id


# PostgreSQL takes a case in with one statement (one round trip, atomic on its own): it draws the id,
# inserts the numbered case unless the source_ref is known, and writes the audit event. The number's
# format is case_number_for's.
_INTAKE_PG = (
    "WITH nid AS (SELECT nextval(pg_get_serial_sequence('review_case', 'id')) AS id),"
    " inserted AS ("
    f"  INSERT INTO review_case (id, number, {_CASE_COLUMNS})"
    "   SELECT nid.id, 'PY' || {}::text || CASE WHEN nid.id < 1000000 THEN lpad(nid.id::text, 6, '0')"
    f"   ELSE nid.id::text END, {_CASE_VALUES} FROM nid"
    "   ON CONFLICT (source_ref) DO NOTHING RETURNING id),"
    f" event AS (INSERT INTO audit_event ({audit.EVENT_COLUMNS})"
    "   SELECT inserted.id, {}, {}, {}, {}, {}, {}::json, {}::timestamptz FROM inserted)"
    " SELECT id FROM inserted"
)


async def _insert_case_pg(record: IntakeRecord, department_id: int, code_hash: str, actor: Actor) -> int | None:
    event = audit.event_values(case_id=None, actor=actor.label, action=Action.intake.value,
                               to_status="received", data={"channel": record.channel})
    rows = await db.fetch(_INTAKE_PG, str(record.received_at.year), *_case_args(record, department_id, code_hash),
                          *event[1:])
    return rows[0]["id"] if rows else None


async def load_case_for_update(number: str) -> dict:
    """The case row inside a write transaction (row-locked on PostgreSQL)."""
    rows = await db.fetch("SELECT * FROM review_case WHERE number = {}" + db.for_update(), number)
    if not rows:
        raise NotFound("case_not_found", "未找到该案件")
    return rows[0]


def check_transition(*, status: str, action: Action, actor: Actor, reason: str = "") -> Status:
    """The status `action` moves a case in `status` to; the refusal the lifecycle gives otherwise."""
    try:
        return transition(status, action, actor.kind, reason)
    except TransitionRefused as refused:
        if refused.code == "forbidden":
            raise Forbidden(refused.code, refused.message) from None
        raise (Invalid if refused.code == "reason_required" else Conflict)(
            refused.code, refused.message, field="reason" if refused.code == "reason_required" else None
        ) from None


async def apply_transition(
    *, case: dict, action: Action, actor: Actor, reason: str = "", data: dict | None = None,
    extra: dict | None = None,
) -> str:
    """Move the case by the lifecycle rules, write the change and its audit event (inside a transaction)."""
    target = check_transition(status=case["status"], action=action, actor=actor, reason=reason)
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
        return await apply_transition(case=case, action=action, actor=actor, reason=reason)


async def end_case(*, number: str, actor: Actor, action: Action, reason: str) -> str:
    """撤回 / 调解结案: the case ends before a ruling, with the reason on record."""
    if action not in (Action.withdraw, Action.settle):
        raise Invalid("invalid_field", "操作无效", field="action")
    async with db.transaction():
        case = await load_case_for_update(number)
        return await apply_transition(case=case, action=action, actor=actor, reason=reason)


async def close_case(*, number: str, actor: Actor) -> str:
    async with db.transaction():
        case = await load_case_for_update(number)
        return await apply_transition(case=case, action=Action.close, actor=actor)
