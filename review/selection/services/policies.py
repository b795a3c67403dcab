"""The selection policy's versions (评议案件选取规则): the office drafts, previews and publishes; a published version
never changes; every proposal is drawn under the latest published version and records it."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from review.core import db
from review.core.actors import OFFICE, Actor
from review.core.audit import store as audit
from review.core.errors import Conflict, Invalid, NotFound
from review.selection import policy as rules
from review.selection.policy import Policy, PolicyInvalid
from review.selection.tables import SelectionPolicy as PolicyRow


def parse(raw: Any) -> Policy:
    """A draft body as a policy, or 422 naming the field."""
    try:
        return rules.parse_policy(raw)
    except PolicyInvalid as error:
        raise Invalid("invalid_selection_policy", error.message, field=error.field) from None


def load(row: dict[str, Any]) -> Policy:
    return rules.parse_policy(json.loads(row["content"]))


async def _row(draft_id: int) -> dict[str, Any]:
    row = await PolicyRow.select().where(PolicyRow.id == draft_id).first().run()
    if row is None:
        raise NotFound("selection_policy_not_found", "未找到该选取规则")
    return row


async def create_draft(*, actor: Actor, content: Any) -> int:
    """起草: a new draft (not in force, no version)."""
    OFFICE.check(actor)
    policy = parse(content)
    async with db.transaction():
        rows = await PolicyRow.insert(PolicyRow(status="draft", content=rules.canonical(policy), content_hash="",
                                                created_at=datetime.now(UTC))).run()
        await audit.record(case_id=None, actor=actor.label, action="selection_policy_drafted",
                           data={"selection_policy_id": rows[0]["id"]})
    return int(rows[0]["id"])


async def update_draft(*, actor: Actor, draft_id: int, content: Any) -> None:
    """修改草稿: replace a draft's content; a published version is refused, whatever is sent."""
    OFFICE.check(actor)
    policy = parse(content)
    async with db.transaction():
        await db.lock_chain_head()  # one writer of policies at a time: a draft is not published under an edit
        row = await _row(draft_id)
        if row["status"] != "draft":
            raise Conflict("selection_policy_published",
                           f"第 {row['version']} 版选取规则已发布，不能修改；请另起草新版本")
        await PolicyRow.update({PolicyRow.content: rules.canonical(policy)}).where(PolicyRow.id == draft_id).run()
        await audit.record(case_id=None, actor=actor.label, action="selection_policy_draft_updated",
                           data={"selection_policy_id": draft_id})


async def publish_policy(*, actor: Actor, draft_id: int) -> int:
    """发布: the draft becomes the next version with its hash; the next proposal is drawn under it."""
    OFFICE.check(actor)
    async with db.transaction():
        await db.lock_chain_head()  # one publisher at a time: versions are gapless
        row = await _row(draft_id)
        if row["status"] != "draft":
            raise Conflict("selection_policy_published", f"第 {row['version']} 版选取规则已发布")
        latest = await PolicyRow.select(PolicyRow.version).where(PolicyRow.status == "published").order_by(
            PolicyRow.version, ascending=False).first().run()
        version = (latest["version"] if latest else 0) + 1
        digest = rules.policy_hash(load(row))
        await PolicyRow.update({PolicyRow.version: version, PolicyRow.status: "published",
                                PolicyRow.content_hash: digest, PolicyRow.published_at: datetime.now(UTC)}).where(
            PolicyRow.id == draft_id).run()
        await audit.record(case_id=None, actor=actor.label, action="selection_policy_published",
                           data={"selection_policy_id": draft_id, "version": version, "content_hash": digest})
    return version


async def versions(*, include_drafts: bool = False) -> list[dict[str, Any]]:
    """Every published version, newest first (the newest is in force), drafts first when asked."""
    rows = await PolicyRow.select().order_by(PolicyRow.id).run()
    published = sorted((r for r in rows if r["status"] == "published"), key=lambda r: r["version"], reverse=True)
    out: list[dict[str, Any]] = [
        db.Row(id=r["id"], version=r["version"], status="published", content_hash=r["content_hash"],
               published_at=r["published_at"], in_force=i == 0, policy=load(r)) for i, r in enumerate(published)]
    if include_drafts:
        drafts = [db.Row(id=r["id"], version=None, status="draft", content_hash="", published_at=None,
                         in_force=False, policy=load(r)) for r in rows if r["status"] == "draft"]
        out = drafts + out
    return out


async def draft(draft_id: int) -> dict[str, Any]:
    """One row (draft or published) with its policy, for the draft page and the preview."""
    row = await _row(draft_id)
    return db.Row(id=row["id"], version=row["version"], status=row["status"], content_hash=row["content_hash"],
                  policy=load(row))


async def in_force() -> tuple[Policy, int, str]:
    """The policy a proposal is drawn under now: the latest published version, its number and hash."""
    row = await PolicyRow.select().where(PolicyRow.status == "published").order_by(
        PolicyRow.version, ascending=False).first().run()
    if row is None:
        raise Conflict("no_selection_policy", "尚未发布评议案件选取规则，请先发布")
    return load(row), int(row["version"]), str(row["content_hash"])


async def published_hash(version: int) -> str | None:
    """The hash a published version was published with (None: no such version)."""
    row = await PolicyRow.select(PolicyRow.content_hash).where(
        (PolicyRow.status == "published") & (PolicyRow.version == version)).first().run()
    return str(row["content_hash"]) if row else None


async def seed_default() -> None:
    """Version 1, the default policy, where none exists yet."""
    if await PolicyRow.exists().run():
        return
    now = datetime.now(UTC)
    await PolicyRow.insert(PolicyRow(version=1, status="published", content=rules.canonical(rules.DEFAULT),
                                     content_hash=rules.policy_hash(rules.DEFAULT), created_at=now,
                                     published_at=now)).run()


def version_json(row: dict[str, Any]) -> dict[str, Any]:
    """One version as the public API shows it: the policy its hash covers, its state."""
    return {
        "version": row["version"], "status": row["status"], "content_hash": row["content_hash"],
        "in_force": bool(row.get("in_force")),
        "published_at": row["published_at"].isoformat() if row.get("published_at") else None,
        "content": rules.policy_json(row["policy"]),
    }
