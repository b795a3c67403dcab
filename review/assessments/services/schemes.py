"""The assessment scheme's versions (考核方案): the office drafts, previews and publishes; published versions never
change; each period is computed under the version in force for it. Other slices reach this through
`review.assessments.services`."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from review.assessments import scheme as rules
from review.assessments.scheme import Scheme, SchemeInvalid
from review.assessments.tables import Scheme as SchemeRow
from review.core import db
from review.core.actors import OFFICE, Actor
from review.core.audit import store as audit
from review.core.clock import today_in_china
from review.core.errors import Conflict, Invalid, NotFound

# The month the seeded default governs from: every period the platform can hold.
DEFAULT_EFFECTIVE_FROM = "2000-01"


def _parse(raw: Any) -> tuple[Scheme, str | None]:
    """(scheme, effective_from or None) from a draft body: the scheme's fields plus `effective_from`."""
    if not isinstance(raw, dict):
        raise Invalid("invalid_scheme", "考核方案应为对象", field="name")
    body = dict(raw)
    start = body.pop("effective_from", None)
    try:
        return rules.parse_scheme(body), (rules.parse_month(start) if start not in (None, "") else None)
    except SchemeInvalid as error:
        raise Invalid("invalid_scheme", error.message, field=error.field) from None


def next_month() -> str:
    today = today_in_china()
    return f"{today.year + 1}-01" if today.month == 12 else f"{today.year}-{today.month + 1:02d}"


def load(row: dict) -> Scheme:
    return rules.parse_scheme(json.loads(row["content"]))


async def _row(draft_id: int) -> dict:
    row = await SchemeRow.select().where(SchemeRow.id == draft_id).first().run()
    if row is None:
        raise NotFound("scheme_not_found", "未找到该考核方案")
    return row


async def create_draft(*, actor: Actor, content: Any) -> int:
    """起草: a new draft (not in force, no version); it governs from next month unless it says otherwise."""
    OFFICE.check(actor)
    scheme, start = _parse(content)
    async with db.transaction():
        rows = await SchemeRow.insert(SchemeRow(
            status="draft", effective_from=start or next_month(), content=rules.canonical(scheme),
            content_hash="", created_at=datetime.now(UTC),
        )).run()
        await audit.record(case_id=None, actor=actor.label, action="scheme_drafted",
                           data={"scheme_id": rows[0]["id"]})
    return int(rows[0]["id"])


async def update_draft(*, actor: Actor, draft_id: int, content: Any) -> None:
    """修改草稿: replace a draft's content; a published version is refused, whatever is sent."""
    OFFICE.check(actor)
    scheme, start = _parse(content)
    async with db.transaction():
        await db.lock_chain_head()  # one writer of schemes at a time: a draft is not published under an edit
        row = await _row(draft_id)
        if row["status"] != "draft":
            raise Conflict("scheme_published", f"第 {row['version']} 版考核方案已发布，不能修改；请另起草新版本")
        await SchemeRow.update({SchemeRow.content: rules.canonical(scheme),
                                SchemeRow.effective_from: start or row["effective_from"]}).where(
            SchemeRow.id == draft_id).run()
        await audit.record(case_id=None, actor=actor.label, action="scheme_draft_updated",
                           data={"scheme_id": draft_id})


async def publish_scheme(*, actor: Actor, draft_id: int) -> int:
    """发布: the draft becomes the next version with its hash. It may govern from next month at the earliest
    (a month already begun keeps the version it started under), and not before the version in force."""
    OFFICE.check(actor)
    async with db.transaction():
        await db.lock_chain_head()  # one publisher at a time: versions are gapless
        row = await _row(draft_id)
        if row["status"] != "draft":
            raise Conflict("scheme_published", f"第 {row['version']} 版考核方案已发布")
        earliest = next_month()
        if row["effective_from"] < earliest:
            raise Invalid("scheme_effective_past", f"生效期间 {row['effective_from']} 已经开始或已过去，"
                          f"新版本最早自 {earliest} 起生效；请修改草稿的生效期间", field="effective_from")
        latest = await SchemeRow.select(SchemeRow.version, SchemeRow.effective_from).where(
            SchemeRow.status == "published").order_by(SchemeRow.version, ascending=False).first().run()
        if latest and row["effective_from"] < latest["effective_from"]:
            raise Invalid("scheme_effective_before_latest", f"生效期间不能早于第 {latest['version']} 版的生效期间 "
                          f"{latest['effective_from']}", field="effective_from")
        scheme = load(row)
        version = (latest["version"] if latest else 0) + 1
        digest = rules.scheme_hash(scheme)
        await SchemeRow.update({
            SchemeRow.version: version, SchemeRow.status: "published", SchemeRow.content_hash: digest,
            SchemeRow.published_at: datetime.now(UTC),
        }).where(SchemeRow.id == draft_id).run()
        await audit.record(case_id=None, actor=actor.label, action="scheme_published",
                           data={"scheme_id": draft_id, "version": version, "content_hash": digest,
                                 "effective_from": row["effective_from"]})
    return version


async def versions(*, include_drafts: bool = False) -> list[dict]:
    """Every published version, newest first, with the month it governs from and the month it gives way."""
    rows = await SchemeRow.select().order_by(SchemeRow.id).run()
    published = sorted((r for r in rows if r["status"] == "published"), key=lambda r: r["version"])
    current = rules.in_force([(r["version"], r["effective_from"]) for r in published], this_month())
    out: list[dict] = []
    for i, r in enumerate(published):
        following = published[i + 1] if i + 1 < len(published) else None
        out.append(db.Row(id=r["id"], version=r["version"], status="published", content_hash=r["content_hash"],
                          published_at=r["published_at"], effective_from=r["effective_from"],
                          effective_until=following["effective_from"] if following else None,
                          in_force=r["version"] == current, scheme=load(r)))
    out.reverse()
    if include_drafts:
        out = [db.Row(id=r["id"], version=None, status="draft", content_hash="", published_at=None,
                      effective_from=r["effective_from"], effective_until=None, in_force=False, scheme=load(r))
               for r in rows if r["status"] == "draft"] + out
    return out


def this_month() -> str:
    """This month, as a period (whose version is the one in force now)."""
    today = today_in_china()
    return f"{today.year}-{today.month:02d}"


async def draft(draft_id: int) -> dict:
    """One row (draft or published) with its scheme, for the draft page and the preview."""
    row = await _row(draft_id)
    return db.Row(id=row["id"], version=row["version"], status=row["status"], effective_from=row["effective_from"],
                  content_hash=row["content_hash"], scheme=load(row))


async def in_force(period: str) -> Scheme:
    """The scheme every figure of the period is computed under (the default before any is published)."""
    return (await in_force_version(period))[0]


async def in_force_version(period: str) -> tuple[Scheme, int | None, str]:
    """The scheme in force for the period, its version and its hash (None and the default's hash before any
    version is published)."""
    rows = await SchemeRow.select(SchemeRow.version, SchemeRow.effective_from, SchemeRow.content,
                                  SchemeRow.content_hash).where(SchemeRow.status == "published").run()
    version = rules.in_force([(r["version"], r["effective_from"]) for r in rows], period)
    found = next((r for r in rows if r["version"] == version), None)
    if found is None:
        return rules.DEFAULT, None, rules.scheme_hash(rules.DEFAULT)
    return load(found), int(found["version"]), str(found["content_hash"])


async def seed_default() -> None:
    """Version 1, the default scheme (today's rules: 2 points per 办理不到位), where no scheme exists yet."""
    if await SchemeRow.exists().run():
        return
    now = datetime.now(UTC)
    await SchemeRow.insert(SchemeRow(
        version=1, status="published", effective_from=DEFAULT_EFFECTIVE_FROM, content=rules.canonical(rules.DEFAULT),
        content_hash=rules.scheme_hash(rules.DEFAULT), created_at=now, published_at=now,
    )).run()


def version_json(row: dict) -> dict:
    """One version as the public API shows it: the scheme the hash covers, its months, its state."""
    return {
        "version": row["version"], "status": row["status"], "content_hash": row["content_hash"],
        "effective_from": row["effective_from"], "effective_until": row.get("effective_until"),
        "in_force": bool(row.get("in_force")),
        "published_at": row["published_at"].isoformat() if row.get("published_at") else None,
        "content": rules.scheme_json(row["scheme"]),
        "bands_words": rules.band_words(row["scheme"]),
    }
