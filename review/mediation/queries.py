"""Mediation's reads: the office's list with each clock, a participant's sessions to come, a case's mediation."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from review.cases.lifecycle import MEDIATION_FROM
from review.cases.queries.file import file_refs
from review.core import clock, db, settings
from review.core.actors import OFFICE, Actor
from review.core.errors import Forbidden
from review.core.params import LARGEST
from review.core.verification import Verified
from review.mediation import sql
from review.mediation.domain import agreement as agreement_rules
from review.mediation.domain import clock as clock_rules
from review.mediation.domain import minutes as minutes_rules
from review.mediation.domain import room as room_rules
from review.mediation.domain import wall as wall_rules
from review.mediation.domain.reminders import offset_label, reminder_text

OVERDUE_LABELS = clock_rules.OVERDUE_LABELS
MEDIATION_FROM_VALUES = frozenset(s.value for s in MEDIATION_FROM)


def overdue(mediation: dict, *, sessions: int, today: date) -> str:
    """'' or what is overdue of a mediation row: its first session (start_by) or its end (end_by)."""
    return clock_rules.overdue(status=mediation["status"], start_by=mediation["start_by"],
                               end_by=mediation["end_by"], sessions=sessions, today=today)


async def office_list(*, actor: Actor, today: date | None = None) -> list[db.Row]:
    """Every mediation, newest first, with its case, state and clock, and what is overdue."""
    OFFICE.check(actor)
    day = today or clock.today_in_china()
    rows = await db.fetch(sql.OFFICE_LIST)
    next_of: dict[int, dict] = {}
    for s in await db.fetch(sql.NEXT_SESSIONS, clock.now()):
        next_of.setdefault(s["mediation"], s)  # the earliest to come
    for r in rows:
        r["overdue"] = overdue(r, sessions=int(r["sessions"]), today=day)
        following = next_of.get(r["id"])
        # 已确认 n/m: of the next session's invitees, how many have accepted.
        r["next_starts_at"] = following["starts_at"] if following else None
        r["confirmed"] = int(following["accepted"] or 0) if following else 0
        r["invited"] = int(following["invited"]) if following else 0
    return [db.Row(r) for r in rows]


async def upcoming_sessions(*, actor: Actor) -> list[db.Row]:
    """The sessions still to come that `actor` is invited to (the complainant: of their one case), each with
    its room's address and the reminders recorded for the invitee (newest first)."""
    now = clock.now()
    if actor.kind == "complainant":
        rows = await db.fetch(sql.UPCOMING_OF_COMPLAINANT, now, actor.case_id or 0)
        sent = await db.fetch(sql.REMINDERS_OF_COMPLAINANT, now, actor.case_id or 0) if rows else []
    elif actor.kind in ("liaison", "member") and actor.user_id:
        rows = await db.fetch(sql.UPCOMING_OF_ACCOUNT, now, actor.user_id)
        sent = await db.fetch(sql.REMINDERS_OF_ACCOUNT, now, actor.user_id) if rows else []
    else:
        rows, sent = [], []
    by_participant: dict[int, list[db.Row]] = {}
    for r in sent:
        by_participant.setdefault(r["participant"], []).append(
            db.Row(r, text=reminder_text(r["offset_minutes"]), offset=offset_label(r["offset_minutes"])))
    return [db.Row(r, room=f"/mediation/{r['mediation_id']}", reminders=by_participant.get(r["participant_id"], []))
            for r in rows]


@dataclass
class ViewerPart:
    """What the case page's mediation part shows its viewer of their own: their sessions to come on this case
    (with their invitation and reminders) and whether they, as the panel's chair, may open mediation."""

    upcoming: list[db.Row] = field(default_factory=list)
    may_open: bool = False

    @property
    def next(self) -> db.Row | None:
        return self.upcoming[0] if self.upcoming else None


async def viewer_part(*, actor: Actor, case: dict) -> ViewerPart:
    """The viewer's own part of a case's mediation (`case`: the case row the page is built from)."""
    upcoming = [u for u in await upcoming_sessions(actor=actor) if u["number"] == case["number"]]
    may_open = False
    if actor.kind == "member" and settings.MEDIATION_CHAIR_MAY_OPEN and case["status"] in MEDIATION_FROM_VALUES:
        chairs = {r["account"] for r in await db.fetch(sql.CHAIR_OF_CASE, case["id"])}
        may_open = actor.user_id is not None and actor.user_id in chairs
    return ViewerPart(upcoming=upcoming, may_open=may_open)


@dataclass
class AgreementState:
    """The agreement as the case page shows it to the parties and the office — never its text (the case page is
    the panel's too; the text stays in the room): the current draft version with its SHA-256, who confirmed that
    version, who is still to confirm, and the sealed agreement with its verification code."""

    latest_version: int
    sha256: str
    confirmed: list[db.Row]  # each: party, party_label, at (of the latest version; earlier ones are void)
    waiting: list[str]  # complainant / department, still to confirm the latest version
    waiting_labels: list[str]
    sealed: db.Row | None  # version, sha256, code, sealed_at, pdf_sha256 ('' while the PDF is made)

    @property
    def short_sha256(self) -> str:
        return self.sha256[:12]


# Who may see the agreement's state on the case page and through its API: the parties and the office.
AGREEMENT_STATE_READERS = frozenset({"office", "complainant", "liaison"})


async def agreement_state(mediation_id: int) -> AgreementState | None:
    """The agreement of a mediation without its text, or None while there is no draft."""
    latest = await db.fetch(sql.LATEST_AGREEMENT_VERSION, mediation_id)
    if not latest:
        return None
    number = int(latest[0]["number"])
    stored = await db.fetch(sql.AGREEMENT_CONFIRMATIONS, mediation_id)
    marked = agreement_rules.with_voiding([(c["party"], int(c["version"]), c["sha256"]) for c in stored],
                                          latest=number)
    confirmed = [db.Row(party=c["party"], party_label=agreement_rules.PARTY_LABELS[c["party"]],
                        at=clock.instant(c["at"]))
                 for c, m in zip(stored, marked, strict=True) if not m.voided]
    waiting = agreement_rules.waiting_for(marked, latest=number)
    sealed_rows = await db.fetch(sql.SEALED_OF_MEDIATION, mediation_id)
    sealed = db.Row(version=int(sealed_rows[0]["version"]), sha256=sealed_rows[0]["sha256"],
                    code=sealed_rows[0]["code"], sealed_at=clock.instant(sealed_rows[0]["sealed_at"]),
                    pdf_sha256=sealed_rows[0]["pdf_sha256"] or "") if sealed_rows else None
    return AgreementState(latest_version=number, sha256=latest[0]["sha256"], confirmed=confirmed, waiting=waiting,
                          waiting_labels=[agreement_rules.PARTY_LABELS[p] for p in waiting], sealed=sealed)


@dataclass
class CaseMediation:
    """A case's latest mediation with its sessions, each with who is invited and how they answered."""

    mediation: db.Row
    overdue: str
    sessions: list[db.Row] = field(default_factory=list)
    earlier: int = 0  # mediations of the case before this one
    consents: list[db.Row] = field(default_factory=list)  # who agreed to what may go into the file (no text)
    agreement: AgreementState | None = None  # for the parties and the office only (AGREEMENT_STATE_READERS)


async def of_case(number: str, *, today: date | None = None) -> CaseMediation | None:
    """The case's latest mediation, or None; callers check that the reader may see the case."""
    found = await db.fetch(sql.OF_CASE, number)
    if not found:
        return None
    mediation = db.Row(found[0])
    sessions = [db.Row(s, participants=[]) for s in await db.fetch(sql.SESSIONS_OF, mediation["id"])]
    by_id: dict[int, Any] = {s["id"]: s for s in sessions}
    for p in await db.fetch(sql.PARTICIPANTS_OF_MEDIATION, mediation["id"]):
        by_id[p["session"]]["participants"].append(db.Row(p))
    live = sum(1 for s in sessions if s["status"] != "cancelled")
    return CaseMediation(mediation, overdue(mediation, sessions=live, today=today or clock.today_in_china()),
                         sessions, earlier=len(found) - 1,
                         consents=await consent_board(mediation_id=mediation["id"], case_id=mediation["case_id"]),
                         agreement=await agreement_state(mediation["id"]))


@dataclass
class AgreementView:
    """The agreement of a mediation as the room shows it: every version (newest first), every confirmation with
    whether a newer version voided it, who is still to confirm, the sealed agreement if any, and what the reader
    may do (draft while it is open; confirm for their own party)."""

    mediation_id: int
    versions: list[db.Row]
    latest: db.Row | None
    confirmations: list[db.Row]
    waiting: list[str]  # the parties still to confirm the latest version (complainant / department)
    waiting_labels: list[str]
    sealed: db.Row | None
    editable: bool
    my_party: str | None  # complainant / department, if the reader confirms for one
    my_party_label: str
    may_confirm: bool  # a required party that has not confirmed the latest version
    max_chars: int


async def agreement(*, mediation_id: int, status: str, actor: Actor) -> AgreementView:
    """The agreement of a mediation whose room `actor` is admitted to (callers check it), `status` the mediation's."""
    versions = [db.Row(v, author_label=room_rules.AUTHOR_LABELS.get(v["author_kind"], v["author_kind"]),
                       at_local=clock.local_label(v["at"]))
                for v in await db.fetch(sql.AGREEMENT_VERSIONS, mediation_id)]
    latest_number = int(versions[-1]["number"]) if versions else 0
    stored = await db.fetch(sql.AGREEMENT_CONFIRMATIONS, mediation_id)
    marked = agreement_rules.with_voiding([(c["party"], int(c["version"]), c["sha256"]) for c in stored],
                                          latest=latest_number)
    confirmations = [db.Row(c, voided=m.voided, party_label=agreement_rules.PARTY_LABELS[c["party"]],
                            at_local=clock.local_label(c["at"]))
                     for c, m in zip(stored, marked, strict=True)]
    sealed_rows = await db.fetch(sql.SEALED_OF_MEDIATION, mediation_id)
    sealed = db.Row({k: sealed_rows[0][k] for k in ("id", "code", "sha256", "version", "pdf_sha256")},
                    sealed_at_local=clock.local_label(sealed_rows[0]["sealed_at"]),
                    sealed_at=clock.instant(sealed_rows[0]["sealed_at"])) if sealed_rows else None
    party = agreement_rules.party_of(actor.kind)
    waiting = agreement_rules.waiting_for(marked, latest=latest_number)
    editable = status == "open" and sealed is None
    confirmed_latest = any(m.party == party and m.version == latest_number for m in marked)
    return AgreementView(
        mediation_id=mediation_id, versions=versions[::-1], latest=versions[-1] if versions else None,
        confirmations=confirmations,
        waiting=waiting, waiting_labels=[agreement_rules.PARTY_LABELS[p] for p in waiting],
        sealed=sealed, editable=editable, my_party=party,
        my_party_label=agreement_rules.PARTY_LABELS.get(party or "", ""),
        may_confirm=editable and party is not None and latest_number > 0 and not confirmed_latest,
        max_chars=settings.MEDIATION_AGREEMENT_MAX_CHARS)


async def agreement_verification(code: str) -> Verified | None:
    """/verify/{code} for a sealed mediation agreement: its case, when sealed, the version's hash; no names."""
    rows = await db.fetch(sql.SEALED_BY_CODE, code)
    if not rows:
        return None
    sealed = rows[0]
    return Verified(
        title="调解协议书", status_label="有效（已经各方确认签订）", valid=True, code=sealed["code"],
        kind="mediation_agreement",
        sha256=sealed["pdf_sha256"] or "",
        facts=(("案件编号", sealed["case_number"]), ("文书性质", f"案件 {sealed['case_number']} 的调解协议"),
               ("签订时间", clock.local_label(sealed["sealed_at"])),
               ("协议版本", f"第{sealed['version']}版"), ("协议文本 SHA-256", sealed["sha256"]),
               ("协议书文件 SHA-256", sealed["pdf_sha256"] or "（生成中）")))


# ---- Minutes (调解笔录) and the wall (调解信息隔离): the room page's parts ----


async def invited_as(mediation_id: int, actor: Actor) -> set[str]:
    """The kinds `actor` is invited as to the mediation's sessions (chair, mediator, member); a chair only while
    still the seated chair of the case's panel."""
    if actor.kind != "member" or not actor.user_id:
        return set()
    kinds = {r["kind"] for r in await db.fetch(sql.INVITED_AS, mediation_id, actor.user_id)}
    if "chair" in kinds:
        found = await db.fetch(sql.MEDIATION_OF_ROOM, mediation_id)
        chairs = {r["account"] for r in await db.fetch(sql.CHAIR_OF_CASE, found[0]["case_id"])} if found else set()
        if actor.user_id not in chairs:
            kinds.discard("chair")
    return kinds


async def may_keep_minutes(mediation_id: int, actor: Actor) -> bool:
    try:
        minutes_rules.check_mediator(actor_kind=actor.kind, seated_as=await invited_as(mediation_id, actor))
    except Forbidden:
        return False
    return True


@dataclass
class MinutesView:
    """The minutes of a mediation's sessions as the room page shows them to one actor."""

    may_write: bool  # the office, the chair, an appointed mediator
    party: str | None  # complainant / liaison: may comment once per session
    may_download: bool = False  # the PDF: the office, the parties, the members invited
    sessions: list[db.Row] = field(default_factory=list)  # each: id, starts_at, minutes (or None), comments, mine


async def minutes_view(*, mediation: dict, actor: Actor) -> MinutesView:
    """The room's minutes part for an actor the room admits (`mediation` as room_admits gave it)."""
    mediation_id = mediation["id"]
    view = MinutesView(may_write=await may_keep_minutes(mediation_id, actor),
                       party=actor.kind if actor.kind in minutes_rules.COMMENT_PARTIES else None)
    view.may_download = actor.kind != "member" or bool(await invited_as(mediation_id, actor))
    in_force = {r["session"]: r for r in await db.fetch(sql.MINUTES_IN_FORCE, mediation_id)}
    comments: dict[int, list[db.Row]] = {}
    for c in await db.fetch(sql.COMMENTS_OF_MEDIATION, mediation_id):
        comments.setdefault(c["session"], []).append(db.Row(c, party_label=minutes_rules.COMMENT_PARTIES[c["party"]]))
    now = clock.now()
    for s in await db.fetch(sql.SESSIONS_OF, mediation_id):
        if s["status"] == "cancelled" or (s["starts_at"] > now and s["id"] not in in_force):
            continue
        said = comments.get(s["id"], [])
        view.sessions.append(db.Row(s, minutes=db.Row(in_force[s["id"]]) if s["id"] in in_force else None,
                                    comments=said, commented=any(c["party"] == view.party for c in said)))
    return view


@dataclass
class ConsentView:
    """Who agreed to what may go into the case file, item by item, as the room page shows it to one actor: the
    minutes and drafts, the latest messages (room_rules.PAGE_LATEST, or those of the page shown) and every message
    a party has answered on."""

    party: str | None  # complainant / liaison: the actor's own ticks
    office: bool  # sees who agreed and moves what both agreed to
    items: list[db.Row] = field(default_factory=list)
    earlier: int | None = None  # earlier messages exist: read them with before= this id


NO_MESSAGES = (1, 0)  # a window of message ids holding none: only the messages answered on


async def _message_window(mediation_id: int, before: int | None) -> tuple[tuple[int, int], int | None]:
    """The ids (lowest, highest) of the latest messages to the whole room before `before`, and the id to read
    the earlier ones before (None if there are none)."""
    count = room_rules.PAGE_LATEST
    rows = await db.fetch(sql.LATEST_MESSAGE_IDS, mediation_id, before if before is not None else LARGEST, count + 1)
    ids = [int(r["id"]) for r in rows[:count]]
    if not ids:
        return NO_MESSAGES, None
    return (min(ids), max(ids)), (min(ids) if len(rows) > count else None)


async def _consent_items(mediation: dict, *, messages: tuple[int, int]) -> list[db.Row]:
    """The items of a mediation a party may consent to — its messages with ids in `messages` (lowest, highest)
    or answered on, its minutes and drafts — each with both parties' answers and whether it is filed."""
    mediation_id = mediation["id"]
    answers = wall_rules.board(await db.fetch(sql.CONSENTS_OF_MEDIATION, mediation_id))
    filed = await file_refs(mediation["case_id"], f"{wall_rules.FILE_SOURCE}:{mediation_id}:")
    found = [("message", r, wall_rules.item_title("message", author=room_rules.AUTHOR_LABELS.get(r["author_kind"], ""),
                                                  when=clock.local_label(r["at"])), True)
             for r in await db.fetch(sql.MESSAGE_ITEMS_OF_MEDIATION, mediation_id, *messages)]
    found += [("minutes", r, wall_rules.item_title("minutes", author="", when=clock.local_label(r["starts_at"]),
                                                   version=r["version"]), bool(r["in_force"]))
              for r in await db.fetch(sql.MINUTES_ITEMS_OF_MEDIATION, mediation_id)]
    found += [("draft", r, wall_rules.item_title("draft", author=room_rules.AUTHOR_LABELS.get(r["author_kind"], ""),
                                                 when=clock.local_label(r["at"]), version=r["version"]),
               bool(r["in_force"]))
              for r in await db.fetch(sql.DRAFT_ITEMS_OF_MEDIATION, mediation_id)]
    items = []
    for kind, r, title, in_force in found:
        given = answers.get((kind, int(r["id"])), {})
        entry = filed.get(wall_rules.source_ref(mediation_id, kind, int(r["id"])))
        items.append(db.Row(kind=kind, kind_label=wall_rules.ITEM_KINDS[kind], id=int(r["id"]), title=title,
                            body=r["body"], sha256=r["sha256"], in_force=in_force, consents=given,
                            both=all(given.get(p) for p in wall_rules.PARTIES), filed=entry))
    return items


async def consent_view(*, mediation: dict, actor: Actor, before: int | None = None,
                       shown: list[int] | None = None) -> ConsentView:
    """The room's consent part for an actor the room admits (`mediation` as room_admits gave it): with the
    latest messages before `before` (the latest of all if None), or those among the event ids `shown` (the
    events the room page shows; its own link leads to the earlier ones)."""
    if shown is not None:
        window, earlier = ((min(shown), max(shown)) if shown else NO_MESSAGES), None
    else:
        window, earlier = await _message_window(mediation["id"], before)
    return ConsentView(party=wall_rules.party_of(actor.kind), office=actor.kind == "office",
                       items=await _consent_items(mediation, messages=window), earlier=earlier)


async def consent_board(*, mediation_id: int, case_id: int) -> list[db.Row]:
    """For the office's case page: the items either party has answered on, without their text (the case page is
    the panel's too; the text stays in the room)."""
    items = await _consent_items({"id": mediation_id, "case_id": case_id}, messages=NO_MESSAGES)
    return [db.Row({k: v for k, v in i.items() if k != "body"}) for i in items if i["consents"] or i["filed"]]
