"""Redo orders (整改): opened and voided with the ruling, moved by the liaison, the office or the chair and the
complainant, each step audited on the case's timeline; read with their deadline and lateness, and the files the
liaison's reports came with, served to whoever may see the order."""

from __future__ import annotations

import functools
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from review.assessments import redo
from review.assessments.tables import RedoFile, RedoOrder
from review.cases.queries.visibility import may_see
from review.cases.services import load_case_for_update
from review.core import calendar, clock, db
from review.core.actors import Actor
from review.core.audit import store as audit
from review.core.errors import Forbidden, Invalid, NotFound
from review.core.file_kinds import CheckedFile, Upload, size_text
from review.core.tables import Case
from review.notifications import services as notifications
from review.webhooks import services as webhooks
from scoring.tables import Ruling

log = logging.getLogger(__name__)

STATEMENT_MAX = 4000
NOT_FOUND = ("redo_order_not_found", "本案没有整改单")
FILE_NOT_FOUND = ("redo_file_not_found", "未找到该整改附件")


@dataclass(frozen=True)
class FileView:
    """One file a report came with, as listed on the order (its bytes are fetched by id, on their own)."""

    id: int
    report_round: int
    filename: str
    content_type: str
    kind_label: str
    size: int
    size_text: str
    sha256: str
    uploaded_at: datetime


@dataclass(frozen=True)
class StoredFile:
    """A file to send: its bytes, the type its content was found to be, its name."""

    id: int
    filename: str
    content_type: str
    content: bytes


@dataclass(frozen=True)
class OrderView:
    """One redo order as pages and the API show it (the deadline is the ruling's, as recounted)."""

    id: int
    case_number: str
    department_id: int
    department_name: str
    state: str
    state_label: str
    actions: tuple[str, ...]
    deadline: date
    deadline_provisional: bool
    overdue: bool
    days_over: int
    opened_at: datetime
    statement: str
    reported_at: datetime | None
    return_reason: str
    returned_count: int
    decided_at: datetime | None
    feedback: str
    feedback_label: str
    feedback_note: str
    void_reason: str
    files: tuple[FileView, ...] = ()


# ---------------------------------------------------------------------------------------------------------
# Opened and voided with the ruling (inside the caller's transaction)


async def open_for_ruling(*, case_id: int, department_id: int, ruling_id: int, actions: tuple[str, ...],
                          deadline: date, provisional: bool, actor: Actor) -> int:
    """A 办理不到位 ruling's order for the case's department: its required actions and redo deadline."""
    rows = await RedoOrder.insert(RedoOrder(
        case=case_id, ruling_id=ruling_id, department=department_id, actions="\n".join(actions),
        deadline=deadline, deadline_provisional=provisional, state=redo.OPEN, opened_at=clock.now(),
    )).run()
    await audit.record(case_id=case_id, actor=actor.label, action="redo_order_opened",
                       data={"redo_order_id": rows[0]["id"], "deadline": deadline.isoformat(),
                             "provisional": provisional})
    await webhooks.emit("redo.opened", {"redo_id": rows[0]["id"], "ruling_id": ruling_id, "due_on": deadline.isoformat()})
    return int(rows[0]["id"])


async def tell_opened(*, order_id: int) -> int:
    """整改通知: tell the department's liaisons of an opened order, once however often it is called (after the
    commit that opened it; a voided order tells nobody). How many were newly told."""
    try:
        order = await RedoOrder.select(RedoOrder.department, RedoOrder.deadline, RedoOrder.state,
                                       RedoOrder.case.number).where(RedoOrder.id == order_id).first().run()
        if order is None or order["state"] == redo.VOID:
            return 0
        number = order["case.number"]
        deadline = order["deadline"]
        if isinstance(deadline, str):
            deadline = date.fromisoformat(deadline)
        return await notifications.notify(
            event="redo_order", key=f"redo:{order_id}:opened",
            recipients=await notifications.recipients("department", department_id=order["department"]),
            context={"case_number": number, "link": f"/liaison/cases/{number}",
                     "deadline": f"{deadline.year}年{deadline.month}月{deadline.day}日" if deadline else ""})
    except Exception:  # the order is open and committed: a failure to tell is logged, never raised
        log.exception("telling of redo order %s failed", order_id)
        return 0


async def void_for_ruling(*, ruling_id: int, why: str, actor: str) -> None:
    """The ruling's pending order gives way (`why`: superseded / withdrawn); an accepted one stays."""
    rows = await RedoOrder.select(RedoOrder.id, RedoOrder.case, RedoOrder.state).where(
        (RedoOrder.ruling_id == ruling_id) & RedoOrder.state.is_in(list(redo.PENDING))).run()
    for row in rows:
        await RedoOrder.update({RedoOrder.state: redo.next_state(row["state"], "void"),
                                RedoOrder.void_reason: why}).where(RedoOrder.id == row["id"]).run()
        await audit.record(case_id=row["case"], actor=actor, action="redo_order_voided",
                           from_status=row["state"], to_status=redo.VOID, reason=redo.VOID_LABELS[why],
                           data={"redo_order_id": row["id"]})


async def reopen_for_ruling(*, ruling_id: int, actor: Actor) -> int | None:
    """A corrected verdict puts its ruling back in force: the order its withdrawal voided opens again as a new
    order with the same actions and deadline (the ruling's)."""
    voided = await RedoOrder.select().where(
        (RedoOrder.ruling_id == ruling_id) & (RedoOrder.void_reason == "withdrawn")).order_by(
        RedoOrder.id, ascending=False).first().run()
    if voided is None:
        return None
    ruling = await Ruling.select(Ruling.redo_deadline, Ruling.redo_deadline_provisional).where(
        Ruling.id == ruling_id).first().run()
    return await open_for_ruling(
        case_id=voided["case"], department_id=voided["department"], ruling_id=ruling_id,
        actions=tuple(voided["actions"].split("\n")) if voided["actions"] else (),
        deadline=ruling["redo_deadline"] or voided["deadline"],
        provisional=bool(ruling["redo_deadline_provisional"]), actor=actor)


# ---------------------------------------------------------------------------------------------------------
# Who may do what


async def _is_chair(actor: Actor, ruling_id: int) -> bool:
    if actor.kind != "member" or actor.user_id is None:
        return False
    ruling = await Ruling.select(Ruling.signed_by).where(Ruling.id == ruling_id).first().run()
    return bool(ruling) and ruling["signed_by"] == actor.user_id


async def _may_see(actor: Actor, case: dict, order: dict) -> bool:
    if actor.kind == "member":
        return await _is_chair(actor, order["ruling_id"])
    return actor.kind in ("office", "liaison", "complainant") and await may_see(actor, case)


async def _latest(case_id: int) -> dict | None:
    return await RedoOrder.select().where(RedoOrder.case == case_id).order_by(
        RedoOrder.id, ascending=False).first().run()


async def _locked(number: str, actor: Actor) -> tuple[dict, dict]:
    """(case, its latest order) inside a write transaction; the same 404 for a missing or hidden one."""
    case = await load_case_for_update(number)
    order = await _latest(case["id"])
    if order is None or not await _may_see(actor, case, order):
        raise NotFound(*NOT_FOUND)
    return case, order


async def _move(order: dict, move: str, values: dict, *, case: dict, actor: Actor, action: str,
                reason: str = "", data: dict[str, Any] | None = None) -> str:
    state = redo.next_state(order["state"], move)
    await RedoOrder.update({RedoOrder.state: state, **values}).where(RedoOrder.id == order["id"]).run()
    await audit.record(case_id=case["id"], actor=actor.label, action=action, from_status=order["state"],
                       to_status=state, reason=reason, data={"redo_order_id": order["id"], **(data or {})})
    return state


# ---------------------------------------------------------------------------------------------------------
# The moves


async def _store_files(order_id: int, report_round: int, files: list[CheckedFile], actor: Actor) -> list[int]:
    if not files:
        return []
    now = clock.now()
    rows = await RedoFile.insert(*[RedoFile(
        redo_order=order_id, report_round=report_round, filename=f.filename, content_type=f.kind.media_type,
        size=f.size, sha256=f.sha256, content=f.content, uploaded_at=now, uploaded_by=actor.user_id,
    ) for f in files]).returning(RedoFile.id).run()
    return [int(row["id"]) for row in rows]


async def report_done(*, number: str, actor: Actor, statement: str, files: Sequence[Upload] = ()) -> str:
    """报告整改完成: the case's department's liaison states what was done, with up to 5 files; the statement
    and the files are kept together or, when anything is refused, not at all."""
    text = statement.strip()
    checked = redo.check_files(files)
    async with db.transaction():
        case, order = await _locked(number, actor)
        if actor.kind != "liaison":
            raise Forbidden("liaison_only", "只有承办部门联络员可以报告整改完成")
        if not text:
            raise Invalid("statement_required", "请填写整改情况说明", field="statement")
        redo.next_state(order["state"], "report")  # refused before any file is written
        report_round = order["returned_count"] + 1
        ids = await _store_files(order["id"], report_round, checked, actor)
        # The files' digests go on the audit chain; their names (which may name people) stay off it.
        attached = [{"id": i, "size": f.size, "sha256": f.sha256, "type": f.kind.media_type}
                    for i, f in zip(ids, checked, strict=True)]
        return await _move(order, "report", {
            RedoOrder.statement: text[:STATEMENT_MAX], RedoOrder.reported_at: clock.now(),
            RedoOrder.reported_by: actor.user_id,
        }, case=case, actor=actor, action="redo_reported", data={"report_round": report_round, "files": attached})


async def _decider(actor: Actor, order: dict) -> None:
    if actor.kind != "office" and not await _is_chair(actor, order["ruling_id"]):
        raise Forbidden("forbidden", "只有评议办或评议组组长可以验收整改")


async def accept(*, number: str, actor: Actor) -> str:
    """验收整改: the office or the panel's chair accepts the reported redo."""
    async with db.transaction():
        case, order = await _locked(number, actor)
        await _decider(actor, order)
        await webhooks.emit("redo.closed", {"case_number": number, "redo_id": order["id"], "link": f"/api/v1/cases/{number}"})
        return await _move(order, "accept", {RedoOrder.decided_at: clock.now(), RedoOrder.decided_by: actor.user_id},
                           case=case, actor=actor, action="redo_accepted")


async def send_back(*, number: str, actor: Actor, reason: str) -> str:
    """退回整改: back to open with a reason; the deadline stays as it was."""
    text = reason.strip()
    async with db.transaction():
        case, order = await _locked(number, actor)
        await _decider(actor, order)
        if not text:
            raise Invalid("reason_required", "请填写退回理由", field="reason")
        return await _move(order, "return", {
            RedoOrder.return_reason: text[:STATEMENT_MAX], RedoOrder.returned_count: order["returned_count"] + 1,
            RedoOrder.decided_at: clock.now(), RedoOrder.decided_by: actor.user_id,
        }, case=case, actor=actor, action="redo_returned", reason=text[:STATEMENT_MAX])


async def give_feedback(*, number: str, actor: Actor, answer: str, note: str = "") -> str:
    """诉求人评价: once, whether the problem was solved; the note stays with the order, off the timeline."""
    async with db.transaction():
        case, order = await _locked(number, actor)
        if actor.kind != "complainant":
            raise Forbidden("complainant_only", "只有诉求人可以评价整改结果")
        redo.check_feedback(order["state"], order["feedback"], answer)
        await RedoOrder.update({RedoOrder.feedback: answer, RedoOrder.feedback_note: note.strip()[:STATEMENT_MAX],
                                RedoOrder.feedback_at: clock.now()}).where(RedoOrder.id == order["id"]).run()
        await audit.record(case_id=case["id"], actor=actor.label, action="redo_feedback",
                           data={"redo_order_id": order["id"], "answer": answer})
    return answer


# ---------------------------------------------------------------------------------------------------------
# Reads


async def _views(rows: list[dict], now: datetime | None = None) -> list[OrderView]:
    if not rows:
        return []
    now = now or clock.now()
    rulings = {r["id"]: r for r in await Ruling.select(
        Ruling.id, Ruling.redo_deadline, Ruling.redo_deadline_provisional).where(
        Ruling.id.is_in([r["ruling_id"] for r in rows])).run()}
    cases = {c["id"]: c for c in await Case.select(Case.id, Case.number).where(
        Case.id.is_in(list({r["case"] for r in rows}))).run()}
    found = await calendar.calendar()
    is_workday = functools.lru_cache(maxsize=None)(found.is_workday)  # the orders share their days
    files = await _files_of([row["id"] for row in rows])
    views = []
    for row in rows:
        ruling = rulings.get(row["ruling_id"]) or {}
        deadline = ruling.get("redo_deadline") or row["deadline"]
        provisional = bool(ruling.get("redo_deadline_provisional", row["deadline_provisional"]))
        late = redo.lateness(row["state"], deadline, now, is_workday)
        views.append(OrderView(
            id=row["id"], case_number=cases[row["case"]]["number"], department_id=row["department"],
            department_name=row.get("department.name", ""), state=row["state"],
            state_label=redo.STATE_LABELS[row["state"]],
            actions=tuple(line for line in row["actions"].split("\n") if line), deadline=deadline,
            deadline_provisional=provisional, overdue=late.overdue, days_over=late.days_over,
            opened_at=row["opened_at"], statement=row["statement"], reported_at=row["reported_at"],
            return_reason=row["return_reason"], returned_count=row["returned_count"],
            decided_at=row["decided_at"], feedback=row["feedback"],
            feedback_label=redo.FEEDBACK.get(row["feedback"], ""), feedback_note=row["feedback_note"],
            void_reason=redo.VOID_LABELS.get(row["void_reason"], ""), files=tuple(files.get(row["id"], ())),
        ))
    return views


_KIND_LABELS = {kind.media_type: kind.label for kind in redo.FILE_KINDS}


async def _files_of(order_ids: list[int]) -> dict[int, list[FileView]]:
    """The orders' files, every column but their bytes, in the order they came."""
    rows = await RedoFile.select(
        RedoFile.id, RedoFile.redo_order, RedoFile.report_round, RedoFile.filename, RedoFile.content_type,
        RedoFile.size, RedoFile.sha256, RedoFile.uploaded_at,
    ).where(RedoFile.redo_order.is_in(order_ids)).order_by(RedoFile.id).run()
    found: dict[int, list[FileView]] = {}
    for row in rows:
        found.setdefault(row["redo_order"], []).append(FileView(
            id=row["id"], report_round=row["report_round"], filename=row["filename"],
            content_type=row["content_type"], kind_label=_KIND_LABELS.get(row["content_type"], ""),
            size=row["size"], size_text=size_text(row["size"]), sha256=row["sha256"],
            uploaded_at=row["uploaded_at"]))
    return found


def fallback_name(found: StoredFile) -> str:
    """The file's name in ASCII, for a client that reads no UTF-8 name: its id and its kind's suffix."""
    suffix = next((kind.suffixes[0] for kind in redo.FILE_KINDS if kind.media_type == found.content_type), "")
    return f"redo-file-{found.id}{suffix}"


async def file_for(*, number: str, file_id: int, actor: Actor) -> StoredFile:
    """A file of the case's redo order, for whoever may see that order (`_may_see`); the same 404 when the
    file is missing, belongs to another case or its order is hidden from `actor`."""
    case = await Case.select(Case.id, Case.department).where(Case.number == number).first().run()
    row = await RedoFile.select(
        RedoFile.id, RedoFile.filename, RedoFile.content_type,
        RedoFile.redo_order.case.as_alias("case_id"), RedoFile.redo_order.ruling_id.as_alias("ruling_id"),
    ).where(RedoFile.id == file_id).first().run()
    if case is None or row is None or row["case_id"] != case["id"] or not await _may_see(actor, case, row):
        raise NotFound(*FILE_NOT_FOUND)
    # The bytes only once the file is known to be theirs to read.
    content = await RedoFile.select(RedoFile.content).where(RedoFile.id == file_id).first().run()
    return StoredFile(id=row["id"], filename=row["filename"], content_type=row["content_type"],
                      content=bytes(content["content"]))


def _columns() -> list[Any]:
    return [*RedoOrder.all_columns(), RedoOrder.department.name]


async def for_case(*, number: str, actor: Actor, now: datetime | None = None) -> OrderView:
    """The case's latest order as `actor` may see it; the same 404 when there is none or it is hidden."""
    case = await Case.select(Case.id, Case.department).where(Case.number == number).first().run()
    order = await _latest(case["id"]) if case else None
    if case is None or order is None or not await _may_see(actor, case, order):
        raise NotFound(*NOT_FOUND)
    row = await RedoOrder.select(*_columns()).where(RedoOrder.id == order["id"]).first().run()
    return (await _views([row], now))[0]


async def maybe_for_case(*, number: str, actor: Actor) -> OrderView | None:
    """As `for_case`, or None (for the case page and the tracking page)."""
    try:
        return await for_case(number=number, actor=actor)
    except NotFound:
        return None


async def listing(*, actor: Actor, state: str | None = None, overdue: bool | None = None,
                  now: datetime | None = None) -> list[OrderView]:
    """The office's every order, a liaison's own department's; overdue first, then by deadline."""
    if actor.kind not in ("office", "liaison"):
        raise Forbidden("forbidden", "您无权查看整改单")
    if state is not None and state not in redo.STATES:
        raise Invalid("invalid_state", "整改状态无效", field="state")
    query = RedoOrder.select(*_columns())
    if actor.kind == "liaison":
        query = query.where(RedoOrder.department == (actor.department_id or -1))
    if state is not None:
        query = query.where(RedoOrder.state == state)
    views = await _views(await query.order_by(RedoOrder.id).run(), now)
    if overdue is not None:
        views = [v for v in views if v.overdue == overdue]
    return sorted(views, key=lambda v: (not v.overdue, -v.days_over, v.deadline, v.id))
