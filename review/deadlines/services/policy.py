"""The clock policy's versions (时限规则): the office edits one draft, previews it in words and publishes it as
the next version; a published version never changes; the latest published version is the one in force.

Version 1 is the built-in policy (`policy.DEFAULT`). Until the office first saves a draft the table may hold no
row at all and version 1 is read as built in; the first save or publish stores it (under the policy's lock, so
two processes store it once), and from then on every version is a row. Publishing counts every open clock again
and records what moved (`services.shifts`).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from review.core import clock, db, kept
from review.core.actors import OFFICE, Actor
from review.core.audit import store as audit
from review.core.calendar import calendar
from review.core.errors import Conflict, Invalid, NotFound
from review.core.workdays import Calendar
from review.deadlines import policy as rules
from review.deadlines.services import shifts
from review.deadlines.tables import ClockPolicyVersion as Row

DRAFT, PUBLISHED = "draft", "published"

# Every writer of the policy takes this lock (`db.lock_name`): versions are gapless, version 1 is stored once, and
# a holiday change counting clocks again waits for a publish under way (and the other way round).
POLICY_LOCK = "clock_policy"


@dataclass(frozen=True)
class Version:
    """One published version as the public reads it."""

    version: int
    policy: rules.Policy
    content_hash: str
    published_at: datetime | None
    stored: bool  # False: the built-in version 1, not yet written to the table
    in_force: bool = False

    @property
    def canonical(self) -> str:
        return rules.canonical(self.policy)


@dataclass(frozen=True)
class Draft:
    """The office's draft: its fields as saved, and the policy they make or why they cannot be published (a draft
    saved before a rule it breaks was added)."""

    id: int
    content: dict[str, Any]
    saved_at: datetime | None
    policy: rules.Policy | None
    problem: Invalid | None

    @property
    def content_hash(self) -> str:
        return rules.policy_hash(self.policy) if self.policy else ""


def _draft(draft_id: int, content: dict[str, Any], saved_at: datetime | None) -> Draft:
    try:
        return Draft(draft_id, content, saved_at, parse(content), None)
    except Invalid as problem:
        return Draft(draft_id, content, saved_at, None, problem)


@dataclass(frozen=True)
class Published:
    version: int
    content_hash: str
    shifts: int


BUILT_IN = Version(1, rules.DEFAULT, rules.policy_hash(rules.DEFAULT), None, stored=False)


def parse(raw: Any) -> rules.Policy:
    """A draft's fields as a policy, or 422 `invalid_policy` naming the field to fix."""
    try:
        return rules.parse_policy(raw)
    except rules.PolicyInvalid as error:
        raise Invalid("invalid_policy", error.message, field=error.field) from None


def _load(content: str) -> rules.Policy:
    return rules.parse_policy(json.loads(content))


def _version(row: dict[str, Any]) -> Version:
    return Version(int(row["version"]), _load(row["content"]), str(row["content_hash"]),
                   clock.instant(row["published_at"]), stored=True)


# --- the version in force, kept per process --------------------------------------------------------------

# (latest version, its hash) → every published version, oldest first. Published versions never change and are
# gapless, so the latest one's number and hash stand for the whole history.
_kept: tuple[tuple[int, str], tuple[Version, ...]] | None = None


@kept.forgettable
def forget() -> None:
    global _kept
    _kept = None


async def history() -> tuple[Version, ...]:
    """Every published version, oldest first (the built-in version 1 alone while none is stored). One small
    query (the latest version's number and hash) per call; the versions are read and parsed again only when
    another version has been published, by this process or any other."""
    global _kept
    head = await Row.select(Row.version, Row.content_hash).where(Row.status == PUBLISHED).order_by(
        Row.version, ascending=False).first().run()
    if head is None:
        return (BUILT_IN,)
    key = (int(head["version"]), str(head["content_hash"]))
    if _kept is not None and _kept[0] == key:
        return _kept[1]
    rows = await Row.select().where((Row.status == PUBLISHED) & (Row.version <= key[0])).order_by(Row.version).run()
    found = tuple(_version(r) for r in rows)
    if not found or found[-1].content_hash != key[1]:  # rolled back between the two reads: read again next time
        return found or (BUILT_IN,)
    _kept = (key, found)
    return found


async def in_force() -> Version:
    """The latest published version (see `history`: one small query per call)."""
    return (await history())[-1]


def in_force_at(found: tuple[Version, ...], at: datetime) -> Version:
    """The version that was in force at `at`: the latest published by then (the first before any was)."""
    earlier = [v for v in found if v.published_at is None or v.published_at <= at]
    return earlier[-1] if earlier else found[0]


# --- what the pages and the API read ---------------------------------------------------------------------


async def versions() -> list[Version]:
    """Every published version, the one in force (the latest) first."""
    rows = await Row.select().where(Row.status == PUBLISHED).order_by(Row.version, ascending=False).run()
    found = [_version(r) for r in rows] or [BUILT_IN]
    return [Version(v.version, v.policy, v.content_hash, v.published_at, v.stored, in_force=i == 0)
            for i, v in enumerate(found)]


async def draft() -> Draft | None:
    """The office's draft, if one is being edited."""
    row = await Row.select().where(Row.status == DRAFT).order_by(Row.id, ascending=False).first().run()
    if row is None:
        return None
    return _draft(int(row["id"]), json.loads(row["content"]), clock.instant(row["created_at"]))


# --- the office's actions --------------------------------------------------------------------------------


async def _store_built_in(now: datetime) -> None:
    """Version 1 as a row, where no version is stored yet (inside the caller's transaction, under the lock)."""
    if await Row.exists().where(Row.status == PUBLISHED).run():
        return
    await Row.insert(Row(version=1, status=PUBLISHED, content=rules.canonical(rules.DEFAULT),
                         content_hash=rules.policy_hash(rules.DEFAULT), created_at=now, published_at=now)).run()


async def save_draft(*, actor: Actor, content: Any) -> Draft:
    """修改草稿: the draft becomes `content` (started afresh if there is none); refused, naming the field, if it
    could not be published as it stands."""
    OFFICE.check(actor, "只有评议办可以修改时限规则")
    policy = parse(content)
    now = clock.now()
    async with db.transaction():
        await db.lock_name(POLICY_LOCK)
        await _store_built_in(now)
        current = await draft()
        if current is None:
            rows = await Row.insert(Row(status=DRAFT, content=rules.canonical(policy), created_at=now)).run()
            draft_id = int(rows[0]["id"])
        else:
            draft_id = current.id
            await Row.update({Row.content: rules.canonical(policy), Row.created_at: now}).where(
                (Row.id == draft_id) & (Row.status == DRAFT)).run()
        await audit.record(case_id=None, actor=actor.label, action="clock_policy_draft_saved",
                           data={"draft_id": draft_id, "content_hash": rules.policy_hash(policy)})
    return _draft(draft_id, rules.as_data(policy), now)


async def publish(*, actor: Actor) -> Published:
    """发布: the draft becomes the next version with the SHA-256 of its canonical JSON, and never changes after;
    every open clock is counted again and what moved is recorded."""
    OFFICE.check(actor, "只有评议办可以发布时限规则")
    now = clock.now()
    async with db.transaction():
        await db.lock_name(POLICY_LOCK)
        await _store_built_in(now)
        current = await draft()
        if current is None:
            raise NotFound("policy_draft_not_found", "没有待发布的时限规则草稿：请先修改并保存草稿")
        if current.problem is not None or current.policy is None:  # the rules have grown since it was saved
            raise current.problem or Invalid("invalid_policy", "草稿无法读取，请重新保存", field="stages")
        policy = current.policy
        previous = await in_force()
        digest = rules.policy_hash(policy)
        if digest == previous.content_hash:
            raise Conflict("policy_unchanged", f"草稿与现行第 {previous.version} 版完全相同，无需发布")
        version = previous.version + 1
        await Row.update({Row.version: version, Row.status: PUBLISHED, Row.content: rules.canonical(policy),
                          Row.content_hash: digest, Row.published_at: now}).where(
            (Row.id == current.id) & (Row.status == DRAFT)).run()
        await audit.record(case_id=None, actor=actor.label, action="clock_policy_published",
                           data={"version": version, "content_hash": digest, "previous": previous.version})
        days = await calendar()
        moved = await shifts.record(cause=shifts.POLICY, cause_ref=f"v{version}", before=(previous.policy, days),
                                    after=(policy, days), actor_label=actor.label)
    return Published(version, digest, moved)


async def holidays_changed(*, before: Calendar, cause_ref: str, actor_label: str,
                           recounted: Iterable[Mapping[str, Any]] = ()) -> int:
    """Count every open clock again after a change of the holiday table (inside the changing transaction):
    `before` is the calendar as it stood before the change; `recounted`, the invitations' reply deadlines it
    counted again. Returns the number of moves recorded."""
    await db.lock_name(POLICY_LOCK)  # a publish under way finishes first, and is counted here
    policy = (await in_force()).policy
    return await shifts.record(cause=shifts.HOLIDAYS, cause_ref=cause_ref, before=(policy, before),
                               after=(policy, await calendar()), actor_label=actor_label,
                               also=await shifts.invitation_moves(recounted))
