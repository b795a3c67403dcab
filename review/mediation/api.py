"""JSON twins of mediation's pages: open, schedule, answer, extend, end, settle; a case's mediation; the office list."""

from __future__ import annotations

from typing import Literal

import msgspec
from starlette.requests import Request
from starlette.responses import FileResponse, Response

from review.cases.queries.visibility import visible_case
from review.core import db
from review.core.actors import CASE_PARTY, OFFICE, PARTY, STAFF, TOKEN_HOLDER, Actor
from review.core.api.contract import Reason, Reply, Status, Text, operation
from review.core.errors import NotFound
from review.core.web.guard import route
from review.mediation import minutes_document, queries
from review.mediation.domain import agreement as agreement_rules
from review.mediation.services import agreement, minutes, wall
from review.mediation.services import notice as notices
from review.mediation.services import room as room_services
from review.mediation.services import stage as mediation


class Opened(msgspec.Struct):
    mediation_id: int
    status: str
    start_by: str
    start_by_provisional: bool
    end_by: str


class SessionBody(msgspec.Struct):
    """A session: its time (ISO 8601; without an offset, Beijing time), its mode and its place or room."""

    starts_at: Text
    mode: Text
    location: Text = ""


class Scheduled(msgspec.Struct):
    session_id: int


class AnswerBody(msgspec.Struct):
    """accepted, or other_time with the times that suit (note)."""

    answer: Text
    note: Text = ""


class Answered(msgspec.Struct):
    answer: str


class ExtendBody(msgspec.Struct):
    reason: Text = ""
    days: int | None = None


class Extended(msgspec.Struct):
    end_by: str


class Participant(msgspec.Struct):
    id: int
    kind: str
    name: str | None  # not shown to the complainant (as on their page)
    answer: Literal["pending", "accepted", "other_time"]
    answered_at: str | None
    note: str | None  # the office only
    reminders: int  # reminders recorded for this invitee


class Session(msgspec.Struct):
    id: int
    starts_at: str
    mode: str
    location: str
    status: str
    participants: list[Participant]


class CaseMediation(msgspec.Struct):
    id: int
    status: str
    outcome: str
    came_from: str
    opened_at: str
    start_by: str
    start_by_provisional: bool
    end_by: str
    extended_reason: str
    overdue: str
    sessions: list[Session]
    # The agreement's state (never its text), for the parties and the office; None for members or without a draft.
    agreement: CaseAgreement | None = None


class CaseConfirmation(msgspec.Struct):
    party: Literal["complainant", "department"]
    at: str


class CaseAgreement(msgspec.Struct):
    """The agreement as the case page shows it: the current draft version and its SHA-256, who confirmed that
    version, who is still to confirm, the sealed agreement (its PDF and verification code)."""

    latest_version: int
    sha256: str
    confirmed: list[CaseConfirmation]
    waiting: list[str]
    sealed: SealedAgreement | None


class ListedMediation(msgspec.Struct):
    id: int
    case_number: str
    case_status: str
    status: str
    outcome: str
    start_by: str
    start_by_provisional: bool
    end_by: str
    sessions: int
    overdue: str
    next_starts_at: str | None  # the next session to come, if any
    confirmed: int  # of its invitees, how many accepted (已确认 confirmed/invited)
    invited: int


class Reminder(msgspec.Struct):
    """A reminder recorded for the invitee before the session (MEDIATION_REMINDERS)."""

    offset_minutes: int
    text: str
    recorded_at: str
    channel: str  # page: shown on the invitee's page and here; a later SMS / e-mail sender sets its own
    delivered_at: str | None


class Upcoming(msgspec.Struct):
    participant_id: int
    session_id: int
    mediation_id: int
    case_number: str
    kind: str
    starts_at: str
    mode: str
    location: str
    answer: str
    room: str  # the room's page (/mediation/{mediation_id})
    reminders: list[Reminder]


class MessageBody(msgspec.Struct):
    """A message to the room (at most MEDIATION_MESSAGE_MAX_CHARS characters); caucus: '' (the whole room), or
    complainant / liaison for a caucus (单独沟通) the mediator holds with that party."""

    text: Text
    caucus: Text = ""


class EventsQuery(msgspec.Struct):
    """after: the last event id the client has seen (0 or absent: from the start)."""

    after: int = 0


class Event(msgspec.Struct):
    id: int
    kind: Literal["message", "draft", "confirm"]
    author_kind: Literal["complainant", "liaison", "member", "office"]
    author: str
    body: str
    sha256: str
    at: str
    caucus: Literal["", "complainant", "liaison"] = ""


class Present(msgspec.Struct):
    """One person in the room now: their kind, role label and the actor label the audit uses."""

    kind: str
    role: str
    actor: str


def _number(request: Request) -> str:
    return str(request.path_params["number"])


async def _opened(number: str) -> Opened:
    found = await queries.of_case(number)
    assert found is not None
    m = found.mediation
    return Opened(mediation_id=m["id"], status=m["status"], start_by=m["start_by"].isoformat(),
                  start_by_provisional=bool(m["start_by_provisional"]), end_by=m["end_by"].isoformat())


@operation(responses={201: Opened})
async def open_mediation(request: Request) -> Reply:
    """
    summary: 启动调解：案件转入「调解中」，评分暂停；应在 MEDIATION_START_WORKDAYS 个工作日内召开调解会，
      MEDIATION_END_DAYS 日内结束。评议办启动；MEDIATION_CHAIR_MAY_OPEN 开启时，本案在任的评议组组长也可启动
    """
    number = _number(request)
    await mediation.open_mediation(number=number, actor=request.state.actor)
    return Reply(201, await _opened(number))


@operation(responses={201: Scheduled})
async def schedule_session(request: Request, body: SessionBody) -> Reply:
    """
    summary: 安排调解会并邀请诉求人、承办部门联络员和评议组组长（mode 为 online、in_person 或 both）
    """
    session_id = await mediation.schedule_session(number=_number(request), starts_at=body.starts_at, mode=body.mode,
                                                  location=body.location, actor=request.state.actor)
    return Reply(201, Scheduled(session_id=session_id))


@operation(responses={200: Answered})
async def answer_invitation(request: Request, body: AnswerBody) -> Answered:
    """
    summary: 受邀者答复调解会邀请：accepted（接受）或 other_time（请求另定时间，note 写明方便的时间）；只能答复本人的邀请
    """
    answer = await mediation.answer_invitation(participant_id=int(request.path_params["id"]),
                                               actor=request.state.actor, answer=body.answer, note=body.note)
    return Answered(answer=answer)


@operation(responses={200: Extended})
async def extend(request: Request, body: ExtendBody) -> Extended:
    """
    summary: 延长调解期限（须说明理由；days 缺省为 MEDIATION_END_DAYS）
    """
    end_by = await mediation.extend(number=_number(request), reason=body.reason or "", actor=request.state.actor,
                                    days=body.days)
    return Extended(end_by=end_by.isoformat())


@operation(responses={200: Status})
async def end_mediation(request: Request, body: Reason) -> Status:
    """
    summary: 调解未达成协议：结束调解，案件回到调解前的状态，评分恢复
    """
    return Status(status=await mediation.end_without_agreement(number=_number(request), actor=request.state.actor,
                                                               reason=body.reason or ""))


@operation(responses={200: Status})
async def settle_by_agreement(request: Request, body: Reason) -> Status:
    """
    summary: 调解达成协议，调解结案（评议组随之解散）
    """
    return Status(status=await mediation.settle_by_agreement(number=_number(request), actor=request.state.actor,
                                                             reason=body.reason or ""))


@operation(responses={200: Status})
async def withdraw(request: Request, body: Reason) -> Status:
    """
    summary: 调解中撤回：诉求人撤回诉求（评议办办理，或诉求人本人），案件撤回，调解随之终止（须说明理由）
    """
    return Status(status=await mediation.withdraw(number=_number(request), actor=request.state.actor,
                                                  reason=body.reason or ""))


@operation(responses={}, files={200: "application/pdf"})
async def session_notice(request: Request) -> Response:
    """调解会通知单（PDF）：调解会的时间、方式、地点、调解室链接和二维码，供评议办打印交给诉求人；不含提取码"""
    found = await notices.session_notice(number=_number(request), session_id=int(request.path_params["id"]),
                                         actor=request.state.actor)
    return notices.download(await notices.render_pdf(found), found)


def case_mediation(found: queries.CaseMediation, actor: Actor) -> CaseMediation:
    m = found.mediation
    office = actor.kind == "office"
    return CaseMediation(
        id=m["id"], status=m["status"], outcome=m["outcome"], came_from=m["came_from"],
        opened_at=m["opened_at"].isoformat(), start_by=m["start_by"].isoformat(),
        start_by_provisional=bool(m["start_by_provisional"]), end_by=m["end_by"].isoformat(),
        extended_reason=m["extended_reason"], overdue=found.overdue,
        sessions=[Session(id=s["id"], starts_at=s["starts_at"].isoformat(), mode=s["mode"], location=s["location"],
                          status=s["status"], participants=[
                              Participant(id=p["id"], kind=p["kind"],
                                          name=None if actor.kind == "complainant" else p["display_name"],
                                          answer=p["answer"],
                                          answered_at=p["answered_at"].isoformat() if p["answered_at"] else None,
                                          note=p["note"] if office else None, reminders=int(p["reminders"]))
                              for p in s["participants"]])
                  for s in found.sessions],
        agreement=_case_agreement(m["id"], found.agreement)
        if actor.kind in queries.AGREEMENT_STATE_READERS else None)


def _sealed(mediation_id: int, sealed: db.Row) -> SealedAgreement:
    return SealedAgreement(
        version=int(sealed["version"]), sha256=sealed["sha256"], code=sealed["code"],
        sealed_at=sealed["sealed_at"].isoformat(), pdf_ready=bool(sealed["pdf_sha256"]),
        pdf=f"/api/v1/mediation/{mediation_id}/agreement.pdf", verify=f"/verify/{sealed['code']}")


def _case_agreement(mediation_id: int, state: queries.AgreementState | None) -> CaseAgreement | None:
    if state is None:
        return None
    return CaseAgreement(latest_version=state.latest_version, sha256=state.sha256,
                         confirmed=[CaseConfirmation(party=c["party"], at=c["at"].isoformat()) for c in state.confirmed],
                         waiting=state.waiting, sealed=_sealed(mediation_id, state.sealed) if state.sealed else None)


@operation(responses={200: CaseMediation})
async def show_case_mediation(request: Request) -> CaseMediation:
    """
    summary: 本案的调解（最近一次）：期限、调解会及受邀者的答复；限本案当事人、评议员与评议办
    """
    actor = request.state.actor
    case = await visible_case(actor, _number(request))
    found = await queries.of_case(case["number"])
    if found is None:
        raise NotFound("mediation_not_found", "本案没有调解记录")
    return case_mediation(found, actor)


@operation(responses={200: list[ListedMediation]})
async def list_mediations(request: Request) -> list[ListedMediation]:
    """
    summary: 全部调解及其期限；overdue 为 start（逾期未开调解会）、end（逾期未结束）或空
    """
    rows = await queries.office_list(actor=request.state.actor)
    return [ListedMediation(id=r["id"], case_number=r["number"], case_status=r["case_status"], status=r["status"],
                            outcome=r["outcome"], start_by=r["start_by"].isoformat(),
                            start_by_provisional=bool(r["start_by_provisional"]), end_by=r["end_by"].isoformat(),
                            sessions=int(r["sessions"]), overdue=r["overdue"],
                            next_starts_at=r["next_starts_at"].isoformat() if r["next_starts_at"] else None,
                            confirmed=r["confirmed"], invited=r["invited"]) for r in rows]


@operation(responses={200: list[Upcoming]})
async def my_sessions(request: Request) -> list[Upcoming]:
    """
    summary: 我受邀参加、尚未举行的调解会（诉求人：本案的），含调解室地址和已发出的提醒（MEDIATION_REMINDERS）
    """
    rows = await queries.upcoming_sessions(actor=request.state.actor)
    return [Upcoming(participant_id=r["participant_id"], session_id=r["session_id"], mediation_id=r["mediation_id"],
                     case_number=r["number"], kind=r["kind"], starts_at=r["starts_at"].isoformat(), mode=r["mode"],
                     location=r["location"], answer=r["answer"], room=r["room"], reminders=[
                         Reminder(offset_minutes=m["offset_minutes"], text=m["text"],
                                  recorded_at=m["recorded_at"].isoformat(), channel=m["channel"],
                                  delivered_at=m["delivered_at"].isoformat() if m["delivered_at"] else None)
                         for m in r["reminders"]]) for r in rows]


@operation(responses={201: Event})
async def post_message(request: Request, body: MessageBody) -> Reply:
    """
    summary: 在调解室发言（限本案诉求人、承办部门联络员、在任评议员与评议办；调解结束后不能发言；发言频率有限制）；
      caucus 为 complainant 或 liaison 时为单独沟通：由调解员（评议办、组长或指定的调解员）发起，只有调解员一方和该方看得到，该方在调解员发起后可回复
    """
    event = await room_services.post_message(mediation_id=int(request.path_params["id"]), actor=request.state.actor,
                                             text=body.text, caucus=body.caucus)
    return Reply(201, msgspec.convert(event, Event))


@operation(responses={200: list[Event]})
async def room_events(request: Request, query: EventsQuery) -> list[Event]:
    """
    summary: 调解室中 after 之后的事件（按 id 升序，每次至多 500 条；单独沟通只返回给调解员一方和该方）；断线重连时从最后收到的 id 继续
    """
    events = await room_services.events_after(mediation_id=int(request.path_params["id"]), actor=request.state.actor,
                                     after=query.after)
    return [msgspec.convert(e, Event) for e in events]


@operation(responses={200: list[Present]})
async def room_presence(request: Request) -> list[Present]:
    """
    summary: 此刻在调解室中的人（按身份；同一人多处连接只计一次）
    """
    people = await room_services.room_presence(mediation_id=int(request.path_params["id"]), actor=request.state.actor)
    return [Present(**who) for who in people]


routes = [
    route("/cases/{number}/mediation", open_mediation, STAFF, methods=["POST"]),  # the office, or the chair if allowed
    route("/cases/{number}/mediation", show_case_mediation, CASE_PARTY),
    route("/cases/{number}/mediation/sessions", schedule_session, OFFICE, methods=["POST"]),
    route("/cases/{number}/mediation/extend", extend, OFFICE, methods=["POST"]),
    route("/cases/{number}/mediation/end", end_mediation, OFFICE, methods=["POST"]),
    route("/cases/{number}/mediation/settle", settle_by_agreement, OFFICE, methods=["POST"]),
    route("/cases/{number}/mediation/withdraw", withdraw, CASE_PARTY, methods=["POST"]),
    route("/cases/{number}/mediation/sessions/{id:int}/notice.pdf", session_notice, OFFICE),
    route("/mediation/participants/{id:int}/answer", answer_invitation, TOKEN_HOLDER, methods=["POST"]),
    route("/mediation/sessions/mine", my_sessions, TOKEN_HOLDER),
    route("/mediations", list_mediations, OFFICE),
    route("/mediation/{id:int}/messages", post_message, CASE_PARTY, methods=["POST"]),
    route("/mediation/{id:int}/events", room_events, CASE_PARTY),
    route("/mediation/{id:int}/presence", room_presence, CASE_PARTY),
]


class AgreementVersion(msgspec.Struct):
    number: int
    base: int  # the version it was edited on (0: the first draft)
    text: str
    sha256: str  # SHA-256 of the text (UTF-8): what a party confirms
    author_kind: Literal["complainant", "liaison", "member", "office"]
    author: str
    at: str


class AgreementConfirmation(msgspec.Struct):
    party: Literal["complainant", "department"]
    version: int
    sha256: str
    at: str
    voided: bool  # 已作废: a newer version was saved after it


class SealedAgreement(msgspec.Struct):
    version: int
    sha256: str
    code: str  # verification code: /verify/{code}
    sealed_at: str
    pdf_ready: bool
    pdf: str  # the PDF's address (GET; 404 agreement_not_ready until rendered)
    verify: str


class Agreement(msgspec.Struct):
    """The mediation's agreement: versions newest first, every confirmation, who must still confirm."""

    mediation_id: int
    latest_version: int  # 0: no draft yet
    required: list[str]  # complainant, department
    waiting: list[str]  # the required parties that have not confirmed the latest version
    editable: bool
    my_party: str | None  # the party the caller confirms for, if any
    versions: list[AgreementVersion]
    confirmations: list[AgreementConfirmation]
    sealed: SealedAgreement | None


class VersionBody(msgspec.Struct):
    """A new version of the draft: its full text, and the version it was edited on (0 for the first draft)."""

    text: Text
    base_version: int


class VersionSaved(msgspec.Struct):
    version: int
    sha256: str
    event_id: int


class ConfirmBody(msgspec.Struct):
    """The version confirmed, by its number and SHA-256; party, if given, must be the caller's own."""

    version: int
    sha256: Text
    party: Literal["complainant", "department"] | None = None


class Confirmed(msgspec.Struct):
    party: str
    version: int
    sha256: str
    sealed: bool  # this confirmation completed the required parties: the agreement is sealed, the case settled
    event_id: int


def _agreement(view: queries.AgreementView) -> Agreement:
    sealed = view.sealed
    return Agreement(
        mediation_id=view.mediation_id, latest_version=int(view.latest["number"]) if view.latest else 0,
        required=list(agreement_rules.REQUIRED), editable=view.editable, my_party=view.my_party,
        waiting=view.waiting,
        versions=[AgreementVersion(number=int(v["number"]), base=int(v["base"]), text=v["text"], sha256=v["sha256"],
                                   author_kind=v["author_kind"], author=v["author_label"], at=v["at"].isoformat())
                  for v in view.versions],
        confirmations=[AgreementConfirmation(party=c["party"], version=int(c["version"]), sha256=c["sha256"],
                                             at=c["at"].isoformat(), voided=c["voided"])
                       for c in view.confirmations],
        sealed=None if sealed is None else _sealed(view.mediation_id, sealed))


@operation(responses={200: Agreement})
async def show_agreement(request: Request) -> Agreement:
    """
    summary: 调解协议：各版草稿（新版在前）、各方确认（voided 为已作废）、待确认的一方、签订状态与核验码；限调解室的参与者
    """
    actor = request.state.actor
    found = await room_services.room_admits(mediation_id=int(request.path_params["id"]), actor=actor)
    return _agreement(await queries.agreement(mediation_id=found["id"], status=found["status"], actor=actor))


@operation(responses={201: VersionSaved})
async def save_agreement_version(request: Request, body: VersionBody) -> Reply:
    """
    summary: 保存调解协议草稿的新版本（全文；base_version 为所修改的版本，首版为 0；不是最新版本时 409 stale_draft；
      此前的确认随之作废；协议签订后 409 agreement_sealed）
    """
    saved = await agreement.save_version(mediation_id=int(request.path_params["id"]), actor=request.state.actor,
                                         text=body.text, base_version=body.base_version)
    return Reply(201, VersionSaved(version=saved["version"], sha256=saved["sha256"], event_id=saved["event"]["id"]))


@operation(responses={201: Confirmed})
async def confirm_agreement(request: Request, body: ConfirmBody) -> Reply:
    """
    summary: 诉求人或承办部门（联络员）确认调解协议的某一版本（版本号与 SHA-256 须为最新版本）；各方均确认同一版本时
      协议签订封存、本案调解结案，协议书 PDF 随后生成
    """
    done = await agreement.confirm(mediation_id=int(request.path_params["id"]), actor=request.state.actor,
                                   version=body.version, sha256=body.sha256, party=body.party)
    return Reply(201, Confirmed(party=done["party"], version=done["version"], sha256=done["sha256"],
                                sealed=done["sealed"], event_id=done["event"]["id"]))


@operation(responses={}, files={200: "application/pdf"})
async def agreement_pdf(request: Request) -> Response:
    """
    summary: 下载签订的调解协议书（PDF，含协议文本 SHA-256、核验码与二维码）；限调解室的参与者
    """
    path, code = await agreement.sealed_pdf(mediation_id=int(request.path_params["id"]), actor=request.state.actor)
    return FileResponse(path, media_type="application/pdf", filename=f"mediation-agreement-{code}.pdf")


routes += [
    route("/mediation/{id:int}/agreement", show_agreement, CASE_PARTY),
    route("/mediation/{id:int}/agreement/versions", save_agreement_version, CASE_PARTY, methods=["POST"]),
    route("/mediation/{id:int}/agreement/confirmations", confirm_agreement, CASE_PARTY, methods=["POST"]),
    route("/mediation/{id:int}/agreement.pdf", agreement_pdf, CASE_PARTY),
]


# ---- Minutes (调解笔录) and the wall (调解信息隔离) ----


class MinutesVersion(msgspec.Struct):
    id: int
    version: int
    body: str
    sha256: str
    written_by_kind: str
    at: str


class MinutesComment(msgspec.Struct):
    id: int
    party: Literal["complainant", "liaison"]
    version: int  # the version commented on
    body: str
    at: str


class SessionMinutes(msgspec.Struct):
    session_id: int
    starts_at: str
    status: str
    minutes: MinutesVersion | None
    comments: list[MinutesComment]


class Minutes(msgspec.Struct):
    may_write: bool  # the office, the chair, an appointed mediator
    sessions: list[SessionMinutes]  # the sessions begun or with minutes
    pdf: str


class MinutesBody(msgspec.Struct):
    """A session's minutes: the whole text of the new version; base_version the version revised (0: the first)."""

    session_id: int
    text: Text
    base_version: int | None = None


class SavedMinutes(msgspec.Struct):
    id: int
    session_id: int
    version: int
    sha256: str


class CommentBody(msgspec.Struct):
    """A party's one comment on a session's minutes (on the version in force)."""

    session_id: int
    text: Text


class Commented(msgspec.Struct):
    id: int
    session_id: int
    minutes_id: int
    version: int
    party: str
    sha256: str


class ConsentItem(msgspec.Struct):
    item_kind: Literal["message", "minutes", "draft"]
    item_id: int
    title: str
    body: str
    sha256: str
    in_force: bool  # minutes: the version in force (only it may be consented to)
    complainant: bool | None  # None: not answered
    liaison: bool | None
    both: bool
    in_file: bool
    entry_id: int | None


class ConsentBody(msgspec.Struct):
    """item_kind: message, minutes or draft (a version of the agreement); consent: true (may go into the case file) or false (withdrawn)."""

    item_kind: Text
    item_id: int
    consent: bool


class Consented(msgspec.Struct):
    item_kind: str
    item_id: int
    party: str
    consent: bool
    both: bool


class MoveBody(msgspec.Struct):
    item_kind: Text
    item_id: int


class Moved(msgspec.Struct):
    entry_id: int


def _mediation_id(request: Request) -> int:
    return int(request.path_params["id"])


@operation(responses={200: Minutes})
async def show_minutes(request: Request) -> Minutes:
    """
    summary: 调解笔录：各场调解会的现行笔录（版本与 SHA-256）及当事人意见；限调解室的参加人
    """
    actor = request.state.actor
    found = await room_services.room_admits(mediation_id=_mediation_id(request), actor=actor)
    view = await queries.minutes_view(mediation=found, actor=actor)
    return Minutes(may_write=view.may_write, pdf=f"/api/v1/mediation/{found['id']}/minutes.pdf", sessions=[
        SessionMinutes(session_id=s["id"], starts_at=s["starts_at"].isoformat(), status=s["status"],
                       minutes=MinutesVersion(id=s["minutes"]["id"], version=int(s["minutes"]["version"]),
                                              body=s["minutes"]["body"], sha256=s["minutes"]["sha256"],
                                              written_by_kind=s["minutes"]["written_by_kind"],
                                              at=s["minutes"]["at"].isoformat()) if s["minutes"] else None,
                       comments=[MinutesComment(id=c["id"], party=c["party"], version=int(c["version"]),
                                                body=c["body"], at=c["at"].isoformat()) for c in s["comments"]])
        for s in view.sessions])


@operation(responses={200: SavedMinutes})
async def save_minutes(request: Request, body: MinutesBody) -> SavedMinutes:
    """
    summary: 撰写或修订一场调解会的笔录（评议办、评议组组长或指定的调解员；调解会开始后）；每次保存为新版本，
      base_version 为所修订的版本（首次为 0），已被他人修订时拒绝（409 minutes_changed）
    """
    saved = await minutes.save_minutes(mediation_id=_mediation_id(request), session_id=body.session_id,
                                       text=body.text, actor=request.state.actor, base_version=body.base_version)
    return SavedMinutes(**saved)


@operation(responses={201: Commented})
async def comment_minutes(request: Request, body: CommentBody) -> Reply:
    """
    summary: 诉求人或承办部门对一场调解会的笔录发表意见（每方一次，再次提交 409 comment_given）
    """
    made = await minutes.comment(mediation_id=_mediation_id(request), session_id=body.session_id, text=body.text,
                                 actor=request.state.actor)
    return Reply(201, Commented(**made))


@operation(responses={}, files={200: "application/pdf"})
async def minutes_pdf(request: Request) -> Response:
    """下载调解笔录（PDF），限调解的参加人"""
    pdf, filename = await minutes_document.minutes_pdf(mediation_id=_mediation_id(request),
                                                       actor=request.state.actor)
    return Response(pdf, media_type="application/pdf", headers={
        "content-disposition": f'attachment; filename="{filename}"', "cache-control": "private, no-store"})


class ConsentsQuery(msgspec.Struct):
    """before: list the messages before this id (absent: the latest); the smallest message id listed pages on."""

    before: int | None = None


@operation(responses={200: list[ConsentItem]})
async def list_consents(request: Request, query: ConsentsQuery) -> list[ConsentItem]:
    """
    summary: 调解内容逐项的入卷同意情况（诉求人、承办部门各自是否同意，是否已移入案卷）；限调解室的参加人。
      笔录与协议草稿全部列出；发言列出最近 100 条（before=ID：该 id 之前的 100 条）及任何一方已表态的发言
    """
    actor = request.state.actor
    found = await room_services.room_admits(mediation_id=_mediation_id(request), actor=actor)
    view = await queries.consent_view(mediation=found, actor=actor, before=query.before)
    return [ConsentItem(item_kind=i["kind"], item_id=i["id"], title=i["title"], body=i["body"], sha256=i["sha256"],
                        in_force=i["in_force"], complainant=i["consents"].get("complainant"),
                        liaison=i["consents"].get("liaison"), both=i["both"], in_file=bool(i["filed"]),
                        entry_id=i["filed"]["id"] if i["filed"] else None) for i in view.items]


@operation(responses={200: Consented})
async def set_consent(request: Request, body: ConsentBody) -> Consented:
    """
    summary: 诉求人或承办部门就一项调解内容（message 发言、minutes 笔录的现行版本、draft 调解协议草稿的一个版本）同意（consent=true）或撤回同意
      （false）入卷；移入案卷后不能再更改
    """
    made = await wall.set_consent(mediation_id=_mediation_id(request), item_kind=body.item_kind,
                                  item_id=body.item_id, consent=body.consent, actor=request.state.actor)
    return Consented(**made)


@operation(responses={201: Moved})
async def move_to_case_file(request: Request, body: MoveBody) -> Reply:
    """
    summary: 评议办将双方均已同意的一项调解内容移入案卷（「调解中经双方同意入卷的内容」），评议组此后可见；
      未经双方同意 409 consent_missing
    """
    entry_id = await wall.move_to_case_file(mediation_id=_mediation_id(request), item_kind=body.item_kind,
                                            item_id=body.item_id, actor=request.state.actor)
    return Reply(201, Moved(entry_id=entry_id))


routes += [
    route("/mediation/{id:int}/minutes", show_minutes, CASE_PARTY),
    route("/mediation/{id:int}/minutes", save_minutes, CASE_PARTY, methods=["PUT"]),
    route("/mediation/{id:int}/minutes/comments", comment_minutes, PARTY, methods=["POST"]),
    route("/mediation/{id:int}/minutes.pdf", minutes_pdf, CASE_PARTY),
    route("/mediation/{id:int}/consents", list_consents, CASE_PARTY),
    route("/mediation/{id:int}/consents", set_consent, PARTY, methods=["POST"]),
    route("/mediation/{id:int}/consents/move", move_to_case_file, OFFICE, methods=["POST"]),
]
