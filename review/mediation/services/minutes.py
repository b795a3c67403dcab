"""调解笔录: the mediator writes and revises the minutes of a session; each party comments once.

Every revision is a new version (the earlier ones stay), audited by its SHA-256, never its text. The minutes are
part of the mediation's record (a PDF of them: review.mediation.minutes_document) and stay behind the wall: they
reach the case file only as an item both parties consent to (review.mediation.services.wall)."""

from __future__ import annotations

from typing import Any

from review.core import clock, db
from review.core.actors import Actor
from review.core.audit import store as audit
from review.core.errors import NotFound
from review.mediation import sql
from review.mediation.domain import minutes as rules
from review.mediation.queries import invited_as
from review.mediation.services.room import room_admits
from review.mediation.tables import MediationMinutes, MediationMinutesComment

MINUTES_MAX_CHARS = 20_000
COMMENT_MAX_CHARS = 2_000


async def locked(mediation_id: int) -> dict[str, Any]:
    """The mediation under its row lock (inside a transaction), whatever its status: minutes, comments and consents
    are kept after mediation has ended too."""
    rows = await db.fetch(sql.MEDIATION_OF_ROOM + db.for_update("m"), mediation_id)
    if not rows:
        raise NotFound("mediation_not_found", "未找到该调解")
    return rows[0]


async def _session(mediation_id: int, session_id: Any) -> dict[str, Any]:
    try:
        sid = int(session_id)
    except (TypeError, ValueError):
        sid = 0
    rows = await db.fetch(sql.SESSION_OF_MEDIATION, sid, mediation_id) if sid > 0 else []
    if not rows:
        raise NotFound("session_not_found", "未找到该调解会")
    return rows[0]


async def save_minutes(*, mediation_id: int, session_id: Any, text: Any, actor: Actor,
                       base_version: int | None = None) -> dict[str, Any]:
    """撰写/修订调解笔录: the office, the chair or an appointed mediator writes a session's minutes, during or after
    it; each save is a new version (`base_version`: the version revised, 0 for the first, to refuse overwriting
    another's revision). The version saved: {id, session_id, version, sha256}."""
    body = rules.text(text, limit=MINUTES_MAX_CHARS, what="调解笔录", field="text")
    await room_admits(mediation_id=mediation_id, actor=actor)
    rules.check_mediator(actor_kind=actor.kind, seated_as=await invited_as(mediation_id, actor))
    async with db.transaction():
        mediation = await locked(mediation_id)
        session = await _session(mediation_id, session_id)
        rules.check_session(status=session["status"], starts_at=session["starts_at"], now=clock.now())
        current = int((await db.fetch(sql.LATEST_MINUTES_VERSION, session["id"]))[0]["version"])
        rules.check_base(current=current, base=base_version)
        sha = rules.digest(body)
        inserted = await MediationMinutes.insert(MediationMinutes(
            mediation=mediation_id, session=session["id"], version=current + 1, body=body, sha256=sha,
            written_by=actor.label, written_by_kind=actor.kind, at=clock.now(),
        )).returning(MediationMinutes.id).run()
        minutes_id: int = inserted[0]["id"]
        await audit.record(case_id=mediation["case_id"], actor=actor.label, action="mediation_minutes_saved", data={
            "mediation_id": mediation_id, "session_id": session["id"], "minutes_id": minutes_id,
            "version": current + 1, "sha256": sha})
    return {"id": minutes_id, "session_id": session["id"], "version": current + 1, "sha256": sha}


async def comment(*, mediation_id: int, session_id: Any, text: Any, actor: Actor) -> dict[str, Any]:
    """对调解笔录发表意见: the complainant and the department each comment once on a session's minutes (on the
    version in force). The comment: {id, session_id, minutes_id, version, party, sha256}."""
    party = rules.comment_party(actor.kind)
    body = rules.text(text, limit=COMMENT_MAX_CHARS, what="对笔录的意见", field="text")
    await room_admits(mediation_id=mediation_id, actor=actor)
    async with db.transaction():
        mediation = await locked(mediation_id)
        session = await _session(mediation_id, session_id)
        rows = await db.fetch(sql.MINUTES_IN_FORCE, mediation_id)
        minutes = next((r for r in rows if r["session"] == session["id"]), None)
        if minutes is None:
            raise NotFound("minutes_not_found", "该调解会尚无笔录，不能发表意见")
        rules.check_first_comment(party=party, already=bool(await db.fetch(sql.COMMENT_OF_PARTY, session["id"], party)))
        sha = rules.digest(body)
        inserted = await MediationMinutesComment.insert(MediationMinutesComment(
            session=session["id"], minutes=minutes["id"], party=party, author=actor.label, body=body, sha256=sha,
            at=clock.now(),
        )).returning(MediationMinutesComment.id).run()
        comment_id: int = inserted[0]["id"]
        await audit.record(case_id=mediation["case_id"], actor=actor.label, action="mediation_minutes_comment",
                           data={"mediation_id": mediation_id, "session_id": session["id"],
                                 "minutes_id": minutes["id"], "comment_id": comment_id, "party": party,
                                 "sha256": sha})
    return {"id": comment_id, "session_id": session["id"], "minutes_id": minutes["id"],
            "version": int(minutes["version"]), "party": party, "sha256": sha}
