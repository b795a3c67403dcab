"""Complainants: open a case with its number and access code, and follow every step."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import UTC, datetime

from review.cases import sql
from review.cases.lifecycle import ACTION_LABELS, PRIVATE_REASONS, STATUS_LABELS
from review.cases.services import load_case_for_update
from review.core import db, ratelimit, settings
from review.core.actors import OFFICE, Actor
from review.core.audit import store as audit
from review.core.clock import today_in_china
from review.core.errors import NotFound, Unauthorized
from review.core.secrets import code_matches, hash_code, new_access_code, normalise
from review.core.tables import ApiToken, Case

_ACTOR_LABELS = {
    "office": "评议办",
    "member": "评议员",
    "liaison": "承办部门",
    "complainant": "诉求人",
    "hotline": "12345 热线平台",
    "system": "系统",
}


async def open_case(*, case_number: str, access_code: str, client: str) -> Actor:
    """The complainant's actor for one case; the same refusal for an unknown case and a wrong code."""
    number = case_number.strip().upper()

    async def check() -> Actor:
        case = await Case.select(Case.id, Case.access_code_hash).where(Case.number == number).first().run()
        stored = case["access_code_hash"] if case else "0" * 64
        if not code_matches(access_code, stored) or not case or not normalise(access_code):
            raise Unauthorized("invalid_case_or_code", "受理编号或提取码不正确")
        return Actor(kind="complainant", case_id=case["id"])

    return await ratelimit.ACCESS_CODES.attempt(check, client=client, subject=number)


def tracking_url() -> str:
    """The tracking page's public address, as printed for complainants (never with a code in it)."""
    return f"{settings.PUBLIC_BASE_URL.rstrip('/')}/track"


async def reissue_access_code(*, number: str, actor: Actor) -> bytes:
    """重新生成提取码: a new code for the case, handed over once as a printable notice (PDF).

    The old code and every tracking session opened with it stop working; the audit event names no code. The
    notice is rendered before anything is written, so a failed render leaves the old code in force.
    """
    # lazy: the notice loads WeasyPrint, only when an access code is reissued
    from review.cases.access_notice import render_notice

    OFFICE.check(actor)
    case = await Case.select(Case.id, Case.number).where(Case.number == number.strip().upper()).first().run()
    if case is None:
        raise NotFound("case_not_found", "未找到该案件")
    code = new_access_code()
    notice = await asyncio.to_thread(
        render_notice,
        case_number=case["number"],
        access_code=code,
        track_url=tracking_url(),
        issued_on=today_in_china(),
    )
    async with db.transaction():
        await load_case_for_update(case["number"])
        await (
            Case.update({Case.access_code_hash: hash_code(code), Case.updated_at: datetime.now(UTC)})
            .where(Case.id == case["id"])
            .run()
        )
        await ApiToken.delete().where(ApiToken.case == case["id"]).run()
        await audit.record(case_id=case["id"], actor=actor.label, action="access_code_reissued")
    return notice


@dataclass(frozen=True)
class Step:
    at: datetime
    what: str
    by: str
    status: str
    reason: str


async def timeline(case_id: int) -> list[Step]:
    """Every step of the case, oldest first, naming roles rather than people."""
    events = await db.fetch(sql.CASE_EVENTS, case_id)
    return steps(events)


def steps(events: list[dict], *, plain: bool = False) -> list[Step]:
    """Audit events (at, action, actor, to_status, reason) as the steps a person reads; `plain` for the
    complainant: the platform's own steps in everyday words, each run of the members' like steps one line."""
    listed = [
        Step(
            at=e["at"] if isinstance(e["at"], datetime) else datetime.fromisoformat(e["at"]),
            what=ACTION_LABELS.get(e["action"], e["action"]),
            by=_ACTOR_LABELS.get(e["actor"].split(":")[0], e["actor"].split(":")[0]),
            status=STATUS_LABELS.get(e["to_status"], ""),
            reason="" if e["action"] in PRIVATE_REASONS else e["reason"],
        )
        for e in events
    ]
    return _in_plain_words(events, listed) if plain else listed


# The platform's steps as a complainant would say them (the office's wording stays in ACTION_LABELS).
PLAIN_STEPS = {
    "draw_seed_committed": "评议办准备随机抽取评议组（抽取过程可公开核验）",
    "convene": "随机抽取评议组，向评议员发出邀请",
    "start_scoring": "评议组开始评分",
    "close_scoring": "评分结束，评议组开始合议",
    "reasoning_drafted": "评议组起草评议理由",
    "reasoning_signed": "评议组确定评议理由",
    "deliberation_message": "评议组合议",
    "verdict_rendered": "评议意见书已生成，可在本页下载",
    "seat_refilled": "补充抽取评议员",
    "deadline_recounted": "按国家节假日安排重新计算期限",
    "clock_reminded": "办理环节即将到期，平台已提醒经办人",
    "clock_escalated": "办理环节已超期，平台已通报督办",
    "panel_dissolved": "本案已结束，评议组解散",
    "invitation_withdrawn": "本案已结束，撤回评议邀请",
}
# Steps each member takes on their own, told as one line per run with the panel's total so far:
# "{n} 位评议员已接受邀请".
COUNTED_STEPS = {
    "invitation_accepted": "{n} 位评议员已接受邀请",
    "invitation_declined": "{n} 位评议员谢绝邀请，将补充抽取",
    "invitation_recused": "{n} 位评议员申请回避，将补充抽取",
    "invitation_expired": "{n} 位评议员逾期未答复，将补充抽取",
    "score_submitted": "{n} 位评议员已提交评分",
    "dissent_recorded": "{n} 位评议员提出不同意见",
}


# A new panel (a first draw, a reconsideration) starts the members' counts again.
_NEW_PANEL = {"convene", "reconsider"}


def _in_plain_words(events: list[dict], listed: list[Step]) -> list[Step]:
    """Each run of a counted step is one line with the total so far (a sheet, then 评议组开始评分, then the other
    four sheets read as 1 and then 5 members)."""
    told: list[Step] = []
    counts: dict[str, int] = {}
    run_action = ""
    for event, step in zip(events, listed, strict=True):
        action = event["action"]
        if action in _NEW_PANEL:
            counts.clear()
        if action in COUNTED_STEPS:
            counts[action] = counts.get(action, 0) + 1
            line = Step(at=step.at, what=COUNTED_STEPS[action].format(n=counts[action]), by=step.by,
                        status=step.status, reason="")
            if action == run_action:
                told[-1] = line
            else:
                told.append(line)
            run_action = action
            continue
        run_action = ""
        told.append(Step(at=step.at, what=PLAIN_STEPS.get(action, step.what), by=step.by, status=step.status,
                         reason=step.reason))
    return told


# What happens next, by the case's status, for the complainant (after where the case is and by when).
NEXT_AFTER = {
    "received": "评议办正在审查您的诉求是否纳入第三方评议，结果将在本页告知。",
    "not_selected": "按公布的选取规则，您的诉求本次未入选评议；如仍希望评议，可在本页申请。",
    "accepted": "您的诉求已立案，评议办将随机抽取评议组。",
    "panel_ready": "评议组已组成，评议员将对承办部门的办理逐项评分。",
    "under_review": "评议组正在评分，评分结束后合议并作出评议结论。",
    "deliberation": "评分已结束，评议组正在合议，随后作出评议结论。",
    "ruled": "评议结论已作出，评议意见书见下方。",
    "reconsideration": "复议申请已受理，评议办将另组评议组重新评议。",
    "mediation": "评议暂停，正在调解：达成协议即结案，未达成的恢复评议。",
    "closed": "本案已办结，评议结论见下方。",
    "dismissed": "评议办决定不予评议，理由见下方说明。",
    "withdrawn": "本案已撤回。",
    "settled": "本案经调解达成协议，已结案。",
}


def where_it_stands(status: str, running_words: str = "", *, redo_deadline: str = "",
                    reconsideration_deadline: str = "") -> str:
    """One plain sentence for the complainant: where the case is, what happens next and by when."""
    parts = [running_words] if running_words else []
    parts.append(NEXT_AFTER.get(status, ""))
    if redo_deadline:
        parts.append(f"承办部门须在 {redo_deadline} 前完成整改。")
    if reconsideration_deadline:
        parts.append(f"如对结论有异议，可在 {reconsideration_deadline} 前申请复议一次。")
    return "".join(parts)
