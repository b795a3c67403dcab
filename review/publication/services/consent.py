"""诉求人对公开的意见: the complainant grants or refuses publication, and may change their answer until the
ruling is published; each answer is kept, the latest stands."""

from __future__ import annotations

from review.core import db
from review.core import jobs as queue
from review.core.actors import COMPLAINANT, Actor
from review.core.audit import store as audit
from review.core.clock import now
from review.core.errors import Conflict, Invalid, NotFound
from review.publication import queries, rules, sql
from review.publication.tables import PublicationConsent

CHANNELS = ("web", "api")


async def record_consent(*, actor: Actor, answer: str, channel: str = "web") -> str:
    """Record the complainant's answer (granted / refused) for their case; a grant queues publication."""
    COMPLAINANT.check(actor, "只有诉求人本人可以决定是否公开")
    if answer not in rules.ANSWERS:
        raise Invalid("invalid_answer", "请选择同意公开或不同意公开", field="answer")
    if channel not in CHANNELS:
        raise Invalid("invalid_channel", "来源无效", field="channel")
    async with db.transaction():
        row = await queries.standing_row(case_id=actor.case_id or 0)
        if row is None:
            raise NotFound("case_not_found", "未找到该案件")
        await db.fetch(sql.LOCK_CASE + db.for_update(), row["id"])
        row = await queries.standing_row(case_id=row["id"])  # read again under the case's lock
        assert row is not None
        closed = rules.may_answer(case_status=row["status"], published=row["published_status"] == "published")
        if closed:
            raise Conflict("consent_closed", closed)
        if row["consent"] == answer:
            return answer  # the same answer again changes nothing
        await PublicationConsent.insert(PublicationConsent(case=row["id"], answer=answer, channel=channel,
                                                           answered_at=now())).run()
        await audit.record(case_id=row["id"], actor=actor.label, action=f"publication_consent_{answer}",
                           data={"channel": channel})
        if answer == rules.GRANTED:
            case_id = row["id"]
            db.on_commit(lambda: queue.enqueue("publish_case", case_id))
    return answer
