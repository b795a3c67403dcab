"""Score sheets: sealed scoring by seated members, drafts, revisions and the conflict check."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from review.cases.lifecycle import Action
from review.cases.services import apply_transition
from review.core import db, kept
from review.core.actors import Actor
from review.core.audit import store as audit
from review.core.errors import Conflict, Invalid, NotFound
from review.rulings import sql
from scoring.domain.aggregate import Aggregate, CriterionSpec, RulingRule, Sheet, aggregate_scores
from scoring.domain.values import BadValue, score_value
from scoring.tables import CriteriaSet, Criterion

SCORING_OPEN = ("panel_ready", "under_review")
# Mediation pauses scoring (the case's status says so; scoring knows nothing of mediation itself).
SCORING_PAUSED = "mediation"


async def criteria_of(criteria_set_id: int) -> list[dict]:
    return await Criterion.select().where(Criterion.criteria_set == criteria_set_id).order_by(Criterion.position).run()


# A published criteria version never changes, so each process keeps what it has read.
_published: dict[int, list[dict]] = {}
_rules: dict[int, RulingRule] = {}


@kept.forgettable
def forget_criteria() -> None:
    """Drop what this process keeps of criteria versions (a database emptied under it, as between tests)."""
    _published.clear()
    _rules.clear()
    _recent_criteria.clear()


async def published_criteria(criteria_set_id: int) -> list[dict]:
    """The criteria of a published version, levels decoded (cached: published versions are frozen)."""
    if criteria_set_id not in _published:
        rows = await criteria_of(criteria_set_id)
        for c in rows:
            c["levels"] = db.json_value(c["levels"])
        _published[criteria_set_id] = rows
    return _published[criteria_set_id]


async def ruling_rule(criteria_set_id: int) -> RulingRule:
    if criteria_set_id not in _rules:
        row = await CriteriaSet.select(CriteriaSet.rule).where(CriteriaSet.id == criteria_set_id).first().run()
        _rules[criteria_set_id] = RulingRule.from_json(db.json_value(row["rule"]))
    return _rules[criteria_set_id]


async def seat_of(actor: Actor, case_id: int) -> dict | None:
    """The member's accepted seat on the case's active panel: {id, role, is_chair, panel}."""
    rows = await db.fetch(
        sql.SEAT_OF,
        actor.user_id or 0, case_id,
    )
    return rows[0] if rows else None


def parse_scores(raw: Any, criteria: list[dict], *, complete: bool) -> list[tuple[dict, int | None, str]]:
    """(criterion, value, reason) per criterion; a submission needs every value and reason, a draft none."""
    if not isinstance(raw, list):
        raise Invalid("invalid_field", "scores 应为列表", field="scores")
    by_code = {str(item.get("criterion")): item for item in raw if isinstance(item, dict)}
    parsed: list[tuple[dict, int | None, str]] = []
    for c in criteria:
        item = by_code.get(c["code"]) or {}
        field = f"scores.{c['code']}"
        about = {"criterion": c["code"]}
        try:
            value = score_value(item.get("value"), scale_max=c["scale_max"], name=c["name"])
        except BadValue as bad:
            raise Invalid("invalid_score", bad.message, field=field, extra=about) from None
        reason = str(item.get("reason") or "").strip()[:2000]
        if complete and value is None:
            raise Invalid("missing_field", f"缺少「{c['name']}」的评分", field=field, extra=about)
        if complete and not reason:
            raise Invalid("reason_required", f"请填写「{c['name']}」的评分理由", field=field, extra=about)
        parsed.append((c, value, reason))
    return parsed


@dataclass(frozen=True)
class SavedSheet:
    sheet_id: int
    revision: int
    submitted: bool






async def _saved_revision(case_id: int, panel_id: int, actor: Actor) -> int:
    rows = await db.fetch(sql.SAVED_REVISION,
                          case_id, panel_id, actor.user_id or 0)
    return rows[0]["revision"] if rows else 0


def sheet_changed(current: int) -> Conflict:
    return Conflict("sheet_changed", f"您的评分表已在别处修改（现为第 {current} 次保存），本次修改没有保存。"
                                     "页面保留了您刚才填写的内容；核对后再次提交，将以此为准。", field="revision")


async def save_sheet(*, number: str, actor: Actor, scores: Any, revision: int | None = None,
                     submit: bool = True) -> SavedSheet:
    """评分: a seated member saves a draft or submits (or revises) their sheet while scoring is open.

    `revision` is the save the member's edit started from (0 or None for a new sheet); if the sheet
    has been saved since, nothing is written and a conflict names the current save.
    """
    base = int(revision or 0)
    if submit and base == 0 and db.writes_in_one_statement() and _recent_criteria:
        sheet_id = await _first_submission_in_one_statement(number, actor, scores)
        if sheet_id is not None:
            return SavedSheet(sheet_id, 1, True)
    async with db.transaction():
        rows = await db.fetch(sql.CONTEXT + db.for_update(of="c"),
                              actor.user_id or 0, actor.user_id or 0, number)
        if not rows or actor.kind != "member":
            raise NotFound("case_not_found", "未找到该案件")
        ctx = rows[0]
        _remember_criteria(ctx["criteria_set_id"])
        if ctx["status"] == SCORING_PAUSED:
            raise Conflict("scoring_paused", "本案正在调解，评分暂停；调解结束后方可继续评分")
        if ctx["status"] not in SCORING_OPEN:
            raise Conflict("scoring_closed", "本案评分已结束，不能再修改评分")
        current = ctx["revision"] or 0
        if current != base:
            raise sheet_changed(current)
        if ctx["submitted"] and not submit:
            raise Conflict("already_submitted", "评分表已提交，不能再存为草稿；修改后请直接重新提交")
        parsed = parse_scores(scores, await published_criteria(ctx["criteria_set_id"]), complete=submit)
        now = datetime.now(UTC)
        new_revision = current + 1
        sheet_id = ctx["sheet_id"]
        if sheet_id is None and submit and db.writes_in_one_statement():
            sheet_id = await _insert_first_sheet(number, ctx["criteria_set_id"], actor, parsed, SCORING_OPEN)
            if sheet_id is None:  # the same member's other save wrote the sheet first (all else holds under the lock)
                raise sheet_changed(await _saved_revision(ctx["id"], ctx["panel_id"], actor))
            if ctx["status"] == "panel_ready":
                await apply_transition(case=ctx, action=Action.start_scoring, actor=actor)
            return SavedSheet(sheet_id, new_revision, submit)
        if sheet_id is None:
            inserted = await db.fetch(
                sql.INSERT_SHEET,
                ctx["id"], ctx["panel_id"], actor.user_id, ctx["role"], ctx["criteria_set_id"], submit, new_revision,
                now if submit else None, now,
            )
            if not inserted:
                raise sheet_changed(await _saved_revision(ctx["id"], ctx["panel_id"], actor))
            sheet_id = inserted[0]["id"]
        else:
            # The revision read above may predate a save that held the lock before this one: PostgreSQL re-reads
            # a changed row in an UPDATE's condition, so a save based on an old revision writes nothing.
            updated = await db.fetch(
                sql.UPDATE_SHEET, submit, new_revision, now if submit else None, now, sheet_id, current)
            if not updated:
                raise sheet_changed(await _saved_revision(ctx["id"], ctx["panel_id"], actor))
        if submit:
            if ctx["sheet_id"] is not None:
                await db.fetch(sql.DELETE_SCORES, sheet_id)
            args: list[Any] = []
            for c, value, reason in parsed:
                args += [sheet_id, c["id"], value, reason]
            await db.fetch(sql.insert_scores(len(parsed)), *args)
        content = [{"criterion": c["code"], "value": v, "reason": r} for c, v, r in parsed]
        await db.fetch(sql.INSERT_REVISION, sheet_id, new_revision, submit,
                       json.dumps(content, ensure_ascii=False), now)
        if submit and ctx["status"] == "panel_ready":
            await apply_transition(case=ctx, action=Action.start_scoring, actor=actor)
        if submit:
            # The audit trail records that a sheet came in, never its scores (sealed until scoring closes).
            await audit.record(case_id=ctx["id"], actor=actor.label, action="score_submitted",
                               data={"sheet_id": sheet_id, "revision": new_revision})
    return SavedSheet(sheet_id, new_revision, submit)


# The criteria version the last sheet this process saved was pinned to. Nearly every case under review is
# pinned to the version in force, so it is the likely pin of the next case too: a first submission on
# PostgreSQL is checked against it and written in one statement, which re-checks the pin; a wrong guess only
# sends the request down the general path.
_recent_criteria: list[int] = []


def _remember_criteria(criteria_set_id: int | None) -> None:
    if criteria_set_id is not None:
        _recent_criteria[:] = [criteria_set_id]




async def _first_submission_in_one_statement(number: str, actor: Actor, scores: Any) -> int | None:
    """The sheet id, or None when the general path must decide (nothing has been written then)."""
    if actor.kind != "member":
        return None
    criteria_set_id = _recent_criteria[0]
    try:
        parsed = parse_scores(scores, await published_criteria(criteria_set_id), complete=True)
    except Invalid:
        return None  # answered by the general path, against the version the case is pinned to now
    return await _insert_first_sheet(number, criteria_set_id, actor, parsed, ("under_review",))


async def _insert_first_sheet(number: str, criteria_set_id: int, actor: Actor,
                              parsed: list[tuple[dict, int | None, str]], statuses: tuple[str, ...]) -> int | None:
    content = json.dumps([{"criterion": c["code"], "value": v, "reason": r} for c, v, r in parsed], ensure_ascii=False)
    rows = await db.fetch(
        sql.FIRST_SUBMISSION_ONE_STATEMENT, number, criteria_set_id, actor.user_id or 0, datetime.now(UTC),
        [c["id"] for c, _, _ in parsed], [v for _, v, _ in parsed], [r for _, _, r in parsed], content, actor.label,
        list(statuses))
    return rows[0]["id"] if rows else None


async def note_others_viewed(sheet_id: int) -> None:
    """Record when a member is first shown another member's sheet (one statement; later views change nothing).

    Every save after it is marked 「查看他人评分后修改」 (scoring.domain.sealing.saved_after_viewing)."""
    await db.fetch(sql.NOTE_OTHERS_VIEWED, datetime.now(UTC), sheet_id)


async def submit_sheet(*, number: str, actor: Actor, scores: Any, revision: int | None = None) -> int:
    """提交评分: submit a complete sheet (see save_sheet)."""
    saved = await save_sheet(number=number, actor=actor, scores=scores, revision=revision, submit=True)
    return saved.sheet_id


async def active_panel_id(case_id: int) -> int | None:
    """The panel now at work on the case (seated), or None."""
    rows = await db.fetch(sql.ACTIVE_PANEL, case_id)
    return rows[0]["id"] if rows else None


async def panel_aggregate(case: dict, panel_id: int) -> tuple[Aggregate, list[dict], RulingRule]:
    """Aggregate one panel's submitted sheets by the case's pinned criteria version."""
    criteria = await published_criteria(case["criteria_set_id"])
    rule = await ruling_rule(case["criteria_set_id"])
    by_id = {c["id"]: c["code"] for c in criteria}
    rows = await db.fetch(
        sql.PANEL_SCORES, case["id"], panel_id, True,
    )
    sheets: dict[int, Sheet] = {}
    for r in rows:
        sheet = sheets.setdefault(r["score_sheet"], Sheet(r["member_role"], {}))
        sheet.scores[by_id[r["criterion"]]] = r["value"]
    specs = [CriterionSpec(c["code"], c["weight"], c["scale_max"]) for c in criteria]
    return aggregate_scores(specs, list(sheets.values()), rule), criteria, rule
