"""Score sheets and rulings: sealed scoring by seated members, one ruling issued by the office."""

from __future__ import annotations

import json
import secrets
from datetime import datetime, timedelta, timezone
from typing import Any

from panels.tables import Panel, Seat
from review import audit, db, queue
from review.access_codes import ALPHABET
from review.actors import Actor
from review.assessments import record_outcome
from review.cases import apply_transition, load_case_for_update
from review.errors import Conflict, Forbidden, Invalid, NotFound
from review.lifecycle import Action
from review.tables import Verdict
from review.workdays import add_workdays
from scoring.aggregate import Aggregate, CriterionSpec, RulingRule, Sheet, aggregate_scores
from scoring.tables import CriteriaSet, Criterion, Ruling, Score, ScoreSheet

REDO_WORKING_DAYS = 15
CHINA = timezone(timedelta(hours=8))


async def criteria_of(criteria_set_id: int) -> list[dict]:
    return await Criterion.select().where(Criterion.criteria_set == criteria_set_id).order_by(Criterion.position).run()


async def seat_of(actor: Actor, case_id: int) -> dict | None:
    """The member's accepted seat on the case's active panel."""
    return await Seat.select(Seat.id, Seat.role, Seat.is_chair).where(
        (Seat.member.user == actor.user_id) & (Seat.panel.case == case_id)
        & (Seat.panel.status == "seated") & (Seat.status == "accepted")
    ).first().run()


def _parse_scores(raw: Any, criteria: list[dict]) -> list[tuple[dict, int, str]]:
    if not isinstance(raw, list):
        raise Invalid("invalid_field", "scores 应为列表", field="scores")
    by_code = {str(item.get("criterion")): item for item in raw if isinstance(item, dict)}
    parsed = []
    for c in criteria:
        item = by_code.get(c["code"])
        field = f"scores.{c['code']}"
        if item is None:
            raise Invalid("missing_field", f"缺少「{c['name']}」的评分", field=field)
        try:
            value = int(item.get("value"))
        except (TypeError, ValueError):
            raise Invalid("invalid_field", f"「{c['name']}」的分值应为整数", field=field) from None
        if not 1 <= value <= c["scale_max"]:
            raise Invalid("invalid_field", f"「{c['name']}」的分值应在 1–{c['scale_max']} 之间", field=field)
        reason = str(item.get("reason") or "").strip()
        if not reason:
            raise Invalid("reason_required", f"请填写「{c['name']}」的评分理由", field=field)
        parsed.append((c, value, reason[:2000]))
    return parsed


async def submit_sheet(*, number: str, actor: Actor, scores: Any) -> int:
    """提交评分: a seated member submits (or revises) their sheet; the first sheet opens scoring."""
    async with db.transaction():
        case = await load_case_for_update(number)
        seat = await seat_of(actor, case["id"])
        if not seat:
            raise NotFound("case_not_found", "未找到该案件")
        if case["status"] not in ("panel_ready", "under_review"):
            raise Conflict("scoring_closed", "本案评分已结束")
        parsed = _parse_scores(scores, await criteria_of(case["criteria_set_id"]))
        sheet = await ScoreSheet.select(ScoreSheet.id, ScoreSheet.revision).where(
            (ScoreSheet.case == case["id"]) & (ScoreSheet.member == actor.user_id)
        ).first().run()
        now = datetime.now(timezone.utc)
        if sheet:
            sheet_id, revision = sheet["id"], sheet["revision"] + 1
            await Score.delete().where(Score.score_sheet == sheet_id).run()
            await ScoreSheet.update({ScoreSheet.revision: revision, ScoreSheet.submitted_at: now}).where(
                ScoreSheet.id == sheet_id).run()
        else:
            revision = 1
            rows = await ScoreSheet.insert(ScoreSheet(
                case=case["id"], member=actor.user_id, member_role=seat["role"],
                criteria_set=case["criteria_set_id"], submitted=True, revision=1, submitted_at=now,
            )).run()
            sheet_id = rows[0]["id"]
        await Score.insert(*[Score(score_sheet=sheet_id, criterion=c["id"], value=v, reason=r)
                             for c, v, r in parsed]).run()
        if case["status"] == "panel_ready":
            await apply_transition(case=case, action=Action.start_scoring, actor=actor)
        # The audit trail records that a sheet came in, never its scores (sealed until scoring closes).
        await audit.record(case_id=case["id"], actor=actor.label, action="score_submitted",
                           data={"sheet_id": sheet_id, "revision": revision})
    return sheet_id


async def case_aggregate(case: dict) -> tuple[Aggregate, list[dict], RulingRule]:
    """Aggregate the case's submitted sheets by its pinned criteria version."""
    criteria_set = await CriteriaSet.select().where(CriteriaSet.id == case["criteria_set_id"]).first().run()
    criteria = await criteria_of(case["criteria_set_id"])
    by_id = {c["id"]: c["code"] for c in criteria}
    rows = await Score.select(Score.value, Score.criterion, Score.score_sheet, Score.score_sheet.member_role).where(
        (Score.score_sheet.case == case["id"]) & (Score.score_sheet.submitted == True)  # noqa: E712
    ).run()
    sheets: dict[int, Sheet] = {}
    for r in rows:
        sheet = sheets.setdefault(r["score_sheet"], Sheet(r["score_sheet.member_role"], {}))
        sheet.scores[by_id[r["criterion"]]] = r["value"]
    rule_data = criteria_set["rule"]
    rule = RulingRule.from_json(json.loads(rule_data) if isinstance(rule_data, str) else rule_data)
    specs = [CriterionSpec(c["code"], c["weight"], c["scale_max"]) for c in criteria]
    return aggregate_scores(specs, list(sheets.values()), rule), criteria, rule


def new_verification_code() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(12))


async def issue_ruling(*, number: str, actor: Actor, reasoning: str = "") -> int:
    """签发评议结论: compute the ruling by the pinned rule, number the verdict, update the assessment."""
    async with db.transaction():
        # One issuer at a time (the chain head doubles as the lock): gapless numbers, exactly one ruling.
        await db.lock_chain_head()
        case = await load_case_for_update(number)
        if await Ruling.exists().where(Ruling.case == case["id"]).run():
            raise Conflict("already_ruled", "本案已作出评议结论")
        if actor.kind != "office":
            raise Forbidden("forbidden", "您无权执行此操作")
        if case["status"] != "under_review":
            raise Conflict("invalid_transition", "案件尚未进入评分阶段，不能作出评议结论")
        result, _, _ = await case_aggregate(case)
        if not result.quorum_met:
            raise Conflict("quorum_not_met", "未达到法定评议人数：" + "；".join(result.missing))
        if result.dispersed and not reasoning.strip():
            raise Invalid("reasoning_required", "评议员意见分歧较大，须经合议并填写评议理由", field="reasoning")
        assert result.grade is not None
        issued_at = datetime.now(timezone.utc)
        local_day = issued_at.astimezone(CHINA).date()
        deadline = add_workdays(local_day, REDO_WORKING_DAYS) if result.grade == "improper" else None
        sheet_count = await ScoreSheet.count().where(
            (ScoreSheet.case == case["id"]) & (ScoreSheet.submitted == True)  # noqa: E712
        ).run()
        rows = await Ruling.insert(Ruling(
            case=case["id"], criteria_set=case["criteria_set_id"], total=result.total, grade=result.grade,
            per_criterion=json.dumps(result.per_criterion), sheet_count=sheet_count,
            dispersion_flag=bool(result.dispersed), reasoning=reasoning.strip(), redo_deadline=deadline,
            issued_by=actor.user_id, issued_at=issued_at,
        )).run()
        ruling_id = rows[0]["id"]
        verdict_id = await _number_verdict(case["id"], ruling_id, local_day)
        await Panel.update({Panel.status: "concluded"}).where(
            (Panel.case == case["id"]) & (Panel.status == "seated")).run()
        await record_outcome(department_id=case["department"], grade=result.grade, period=local_day.strftime("%Y-%m"))
        await apply_transition(case=case, action=Action.issue_ruling, actor=actor,
                               data={"ruling_id": ruling_id, "total": result.total, "grade": result.grade})
    await queue.enqueue("render_verdict", verdict_id)
    return ruling_id


async def _number_verdict(case_id: int, ruling_id: int, day: Any) -> int:
    """The next number in the year's gapless sequence (the chain-head lock is held)."""
    rows = await db.fetch("SELECT COALESCE(MAX(sequence), 0) AS n FROM verdict WHERE year = {}", day.year)
    sequence = rows[0]["n"] + 1
    inserted = await Verdict.insert(Verdict(
        case=case_id, ruling_id=ruling_id, number=f"评〔{day.year}〕第{sequence:04d}号", year=day.year,
        sequence=sequence, code=new_verification_code(), status="pending", issued_on=day,
    )).run()
    return inserted[0]["id"]



