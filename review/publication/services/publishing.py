"""公开: a ruling is published by a job once its verdict's public PDF is stored and the complainant consents;
unpublished when the verdict is withdrawn or the office holds it back; a corrected verdict is published in
place of the one it corrects. `sync` brings one case's publication into step with its facts, whatever they
were before: every job and every service that changes a fact calls it."""

from __future__ import annotations

import json
import logging
from dataclasses import asdict
from typing import Any

from piccolo.columns import Column

from review.core import db, leak_gate
from review.core.actors import OFFICE, Actor
from review.core.audit import store as audit
from review.core.clock import now
from review.core.errors import Conflict, Invalid, NotFound
from review.notifications import services as notifications
from review.publication import queries, rules, sql
from review.publication.services import leaks
from review.publication.tables import LeakStop, PublicationHold, PublishedRuling
from review.webhooks import services as webhooks

log = logging.getLogger("review.publication")


def _values(row: dict[str, Any], content: queries.PublicContent) -> dict[str, Any]:
    """The published row's columns (by name) for `content`."""
    return {
        "verdict_id": row["verdict_id"], "verdict_number": content.verdict_number,
        "verdict_code": content.verdict_code, "department": row["department"],
        "department_name": content.department_name, "category": content.category, "district": content.district,
        "grade": content.grade, "total": content.total, "summary": content.summary, "reply": content.reply,
        "reasoning": content.reasoning,
        "scores": json.dumps([asdict(s) for s in content.scores], ensure_ascii=False),
        "criteria_name": content.criteria_name, "criteria_version": content.criteria_version,
        "criteria_hash": content.criteria_hash, "issued_on": content.issued_on, "status": "published",
        "published_at": now(), "unpublished_at": None, "unpublished_why": "",
    }


async def sync(*, case_id: int) -> str:
    """Publish, republish or unpublish the case's ruling as its facts now stand: "published", "republished",
    "unpublished", "stopped" (the leak gate found an identifier) or the reason it stays unpublished."""
    row = await queries.standing_row(case_id=case_id)
    if row is None:
        raise NotFound("case_not_found", "未找到该案件")
    reason = rules.refusal(queries.standing_of(row))
    published = row["published_status"] == "published"
    if reason is not None:
        if published:
            await _unpublish(row, why="held" if reason == "held" else "withdrawn")
            return "unpublished"
        return reason
    if published and row["published_verdict"] == row["verdict_id"]:
        return "published"
    content = queries.content_of(row, await queries.criteria_of(row["criteria_set"]))
    try:
        leak_gate.check(content.texts(), what="公开的评议结论", known=queries.known_of(row),
                        allowed=content.allowed())
    except leak_gate.LeakStopped as stop:
        await leaks.stopped(stop, case_id=case_id, output="published_ruling", subject=content.verdict_number)
        return "stopped"
    return await _publish(row, content)


async def _publish(row: dict[str, Any], content: queries.PublicContent) -> str:
    again = row["published_id"] is not None
    async with db.transaction():
        await db.fetch(sql.LOCK_CASE + db.for_update(), row["id"])
        fresh = await queries.standing_row(case_id=row["id"])
        if fresh is None or rules.refusal(queries.standing_of(fresh)) is not None \
                or fresh["verdict_id"] != row["verdict_id"]:
            return "changed"  # something changed meanwhile: the job it queued brings the case into step
        if fresh["published_status"] == "published" and fresh["published_verdict"] == row["verdict_id"]:
            return "published"  # a concurrent run was first
        values = _values(row, content)
        if fresh["published_id"] is None:
            await PublishedRuling.insert(PublishedRuling(case=row["id"], **values)).run()
        else:
            changes: dict[Column | str, Any] = {name: value for name, value in values.items()}
            await PublishedRuling.update(changes).where(PublishedRuling.id == fresh["published_id"]).run()
        action = "ruling_republished" if again else "ruling_published"
        await audit.record(case_id=row["id"], actor="system:job", action=action,
                           data={"verdict": content.verdict_number})
        published_id = (await db.fetch(sql.PUBLISHED_OF_CASE, row["id"]))[0]["id"]
        await webhooks.emit("ruling.published", {
            "case_number": row["number"], "ruling_id": row["ruling_id"], "verdict_number": content.verdict_number,
            "verdict_code": content.verdict_code, "grade": content.grade, "category": content.category,
            "district": content.district, "link": f"/public/rulings/{published_id}"})
        stored = await notifications.store_many([notifications.Notice(
            event="ruling_published", key=f"ruling_published:{row['verdict_id']}",
            recipients=[notifications.Recipient(case_number=row["number"])],
            context={"case_number": row["number"]})])
    await notifications.queue_stored(stored)
    return "republished" if again else "published"


async def _unpublish(row: dict[str, Any], *, why: str) -> None:
    async with db.transaction():
        await PublishedRuling.update({PublishedRuling.status: "unpublished", PublishedRuling.unpublished_at: now(),
                                      PublishedRuling.unpublished_why: why}).where(
            (PublishedRuling.case == row["id"]) & (PublishedRuling.status == "published")).run()
        await audit.record(case_id=row["id"], actor="system:job", action="ruling_unpublished",
                           data={"verdict": row["verdict_number"], "why": why})


async def sync_due(*, limit: int = 1000) -> int:
    """Bring every case out of step into step (the periodic catch-all behind the jobs); how many were looked at."""
    rows = await db.fetch(sql.OUT_OF_STEP, limit)
    for case in rows:
        try:
            await sync(case_id=case["id"])
        except Exception:  # one case's failure must not keep the others unpublished
            log.exception("publication of case %s failed", case["id"])
    return len(rows)


async def case_of_verdict(verdict_id: int) -> int | None:
    rows = await db.fetch(sql.CASE_OF_VERDICT, verdict_id)
    return rows[0]["case_id"] if rows else None


async def hold_back(*, number: str, actor: Actor, reason: str) -> str:
    """暂不公开: the office holds the case's ruling back (unpublishing it if it is out), giving its reason; the
    public list counts the rulings held back."""
    OFFICE.check(actor)
    reason = reason.strip()
    if not reason:
        raise Invalid("reason_required", "请填写暂不公开的理由", field="reason")
    row = await queries.standing_row(number=number)
    if row is None:
        raise NotFound("case_not_found", "未找到该案件")
    async with db.transaction():
        await db.fetch(sql.LOCK_CASE + db.for_update(), row["id"])
        if await PublicationHold.exists().where(PublicationHold.case == row["id"]).run():
            raise Conflict("already_held", "本案评议结论已暂不公开")
        await PublicationHold.insert(PublicationHold(case=row["id"], reason=reason[:2000], held_by=actor.label,
                                                     held_at=now())).run()
        await audit.record(case_id=row["id"], actor=actor.label, action="publication_held", reason=reason[:2000])
    await sync(case_id=row["id"])
    return "held"


async def release_hold(*, number: str, actor: Actor) -> str:
    """恢复公开: the office lifts its hold; the ruling is published if the complainant consents."""
    OFFICE.check(actor)
    row = await queries.standing_row(number=number)
    if row is None:
        raise NotFound("case_not_found", "未找到该案件")
    async with db.transaction():
        await db.fetch(sql.LOCK_CASE + db.for_update(), row["id"])
        deleted = await PublicationHold.delete().where(PublicationHold.case == row["id"]).returning(
            PublicationHold.id).run()
        if not deleted:
            raise Conflict("not_held", "本案评议结论没有被暂不公开")
        await audit.record(case_id=row["id"], actor=actor.label, action="publication_released")
    return await sync(case_id=row["id"])


async def recheck(*, number: str, actor: Actor) -> str:
    """重新检查: the office has looked into what the leak gate stopped on this case; its stops are cleared and the
    case's publication brought into step again, through the gate again (a verdict's public PDF is checked again
    when the pending-verdict sweep renders it)."""
    OFFICE.check(actor)
    row = await queries.standing_row(number=number)
    if row is None:
        raise NotFound("case_not_found", "未找到该案件")
    async with db.transaction():
        cleared = await LeakStop.update({LeakStop.cleared_at: now()}).where(
            (LeakStop.case == row["id"]) & LeakStop.cleared_at.is_null()).returning(LeakStop.id).run()
        if not cleared:
            raise Conflict("no_leak_stop", "本案没有待核查的拦截记录")
        await audit.record(case_id=row["id"], actor=actor.label, action="leak_stop_cleared",
                           data={"stops": len(cleared)})
    return await sync(case_id=row["id"])
