"""Criteria sets (评议标准): the office drafts, previews and publishes versions; published ones never change."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from review.core import db
from review.core.actors import OFFICE, Actor
from review.core.audit import store as audit
from review.core.clock import CHINA
from review.core.errors import Conflict, Invalid, NotFound
from scoring import sql
from scoring.domain.aggregate import RulingRule
from scoring.domain.criteria import (
    CriteriaContent,
    CriterionDraft,
    DraftInvalid,
    content_hash,
    content_json,
    parse_content,
)
from scoring.tables import CriteriaSet, Criterion


def _parse(raw: Any) -> CriteriaContent:
    try:
        return parse_content(raw)
    except DraftInvalid as error:
        raise Invalid("invalid_criteria", error.message, field=error.field) from None


async def _write_criteria(set_id: int, content: CriteriaContent) -> None:
    await Criterion.delete().where(Criterion.criteria_set == set_id).run()
    await Criterion.insert(*[
        Criterion(criteria_set=set_id, position=i, code=c.code, name=c.name, description=c.description,
                  weight=c.weight, scale_max=c.scale_max, levels=json.dumps(list(c.levels), ensure_ascii=False))
        for i, c in enumerate(content.criteria)
    ]).run()


def _rule_json(content: CriteriaContent) -> str:
    return json.dumps(content_json(content)["rule"], ensure_ascii=False)


async def create_draft(*, actor: Actor, content: Any) -> int:
    """起草: a new draft set (not yet in force, no version)."""
    OFFICE.check(actor)
    parsed = _parse(content)
    async with db.transaction():
        rows = await CriteriaSet.insert(CriteriaSet(
            name=parsed.name, version=None, status="draft", rule=_rule_json(parsed), content_hash="",
            created_at=datetime.now(UTC),
        )).run()
        await _write_criteria(rows[0]["id"], parsed)
        await audit.record(case_id=None, actor=actor.label, action="criteria_drafted",
                           data={"criteria_set_id": rows[0]["id"]})
    return rows[0]["id"]


async def _lock_set(set_id: int) -> dict:
    rows = await db.fetch(sql.CRITERIA_SET + db.for_update(), set_id)
    if not rows:
        raise NotFound("criteria_not_found", "未找到该评议标准")
    return rows[0]


async def update_draft(*, actor: Actor, set_id: int, content: Any) -> None:
    """修改草稿: replace a draft's content; a published version is refused, whatever is sent."""
    OFFICE.check(actor)
    parsed = _parse(content)
    async with db.transaction():
        row = await _lock_set(set_id)
        if row["status"] != "draft":
            raise Conflict("criteria_published", f"第 {row['version']} 版评议标准已发布，不能修改；请另起草新版本")
        await CriteriaSet.update({CriteriaSet.name: parsed.name, CriteriaSet.rule: _rule_json(parsed)}).where(
            CriteriaSet.id == set_id).run()
        await _write_criteria(set_id, parsed)
        await audit.record(case_id=None, actor=actor.label, action="criteria_draft_updated",
                           data={"criteria_set_id": set_id})


async def publish_criteria(*, actor: Actor, set_id: int) -> int:
    """发布: give a draft the next version, its content hash and today's date; it is in force from now on."""
    OFFICE.check(actor)
    async with db.transaction():
        await db.lock_chain_head()  # one publisher at a time: versions are gapless
        row = await _lock_set(set_id)
        if row["status"] != "draft":
            raise Conflict("criteria_published", f"第 {row['version']} 版评议标准已发布")
        content = await load_content(set_id)
        top = await db.fetch(sql.LAST_VERSION)
        version = top[0]["n"] + 1
        now = datetime.now(UTC)
        await CriteriaSet.update({
            CriteriaSet.version: version, CriteriaSet.status: "published", CriteriaSet.content_hash:
            content_hash(content), CriteriaSet.published_at: now, CriteriaSet.effective_from: now.astimezone(CHINA).date(),
        }).where(CriteriaSet.id == set_id).run()
        await audit.record(case_id=None, actor=actor.label, action="criteria_published",
                           data={"criteria_set_id": set_id, "version": version, "content_hash": content_hash(content)})
    return version


async def load_content(set_id: int) -> CriteriaContent:
    """A set's content as the pure layer knows it (the hash is over this)."""
    row = await CriteriaSet.select().where(CriteriaSet.id == set_id).first().run()
    if row is None:
        raise NotFound("criteria_not_found", "未找到该评议标准")
    criteria = await Criterion.select().where(Criterion.criteria_set == set_id).order_by(Criterion.position).run()
    rule = db.json_value(row["rule"])
    return CriteriaContent(
        name=row["name"],
        criteria=tuple(CriterionDraft(c["code"], c["name"], c["description"], c["weight"],
                                      tuple(db.json_value(c["levels"])))
                       for c in criteria),
        rule=RulingRule.from_json(rule),
    )


async def versions(*, include_drafts: bool = False) -> list[dict]:
    """Every published version, newest first, with the day it took effect and the day it was replaced."""
    rows = await CriteriaSet.select().order_by(CriteriaSet.id).run()
    published = sorted((r for r in rows if r["status"] == "published"), key=lambda r: r["version"])
    out: list[dict] = []
    for i, r in enumerate(published):
        following = published[i + 1] if i + 1 < len(published) else None
        out.append(db.Row(id=r["id"], version=r["version"], name=r["name"], status="published",
                          content_hash=r["content_hash"], published_at=r["published_at"],
                          effective_from=r["effective_from"],
                          effective_until=following["effective_from"] if following else None,
                          in_force=following is None))
    out.reverse()
    if include_drafts:
        out = [db.Row(id=r["id"], version=None, name=r["name"], status="draft", content_hash="",
                      published_at=None, effective_from=None, effective_until=None, in_force=False)
               for r in rows if r["status"] == "draft"] + out
    return out


def version_json(row: dict, content: CriteriaContent) -> dict:
    """One version as the public API shows it: the content the hash covers, and its dates."""
    return {
        "version": row["version"], "status": row["status"], "content_hash": row["content_hash"],
        "effective_from": row["effective_from"].isoformat() if row["effective_from"] else None,
        "effective_until": row["effective_until"].isoformat() if row["effective_until"] else None,
        "in_force": row["in_force"], "content": content_json(content),
    }
