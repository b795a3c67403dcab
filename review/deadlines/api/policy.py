"""JSON endpoints of the clock policy (时限规则), mounted under /api/v1: every published version for anyone, the
office's draft, publishing it, and the deadlines a change moved. Each parses, calls one service, returns JSON."""

from __future__ import annotations

from typing import Any

import msgspec
from starlette.requests import Request

from review.core.actors import OFFICE, PUBLIC
from review.core.api.contract import UNSET, Text, Unset, iso, operation, sent
from review.core.web.guard import PolicyRoute, route
from review.deadlines import policy as rules
from review.deadlines.services import policy as versions
from review.deadlines.services import shifts

Row = dict[str, Any]
# What a client may put where a number or text is asked for; the policy's check names what is wrong.
Loose = bool | int | float | Text | None


class PolicyDraft(msgspec.Struct):
    """The draft: the published JSON's `name` and `stages` (stage code → limit, unit, remind_before, remind,
    escalations [{after, to}], pauses); a stage left out has no clock."""

    name: Loose | Unset = UNSET
    stages: dict[str, Any] | Loose | Unset = UNSET


class PolicyVersion(msgspec.Struct):
    """One published version: the policy its hash covers and each stage's limit in words."""

    version: int
    content_hash: str
    published_at: str | None
    in_force: bool
    built_in: bool
    content: Row
    words: dict[str, str]


class PublishedPolicy(msgspec.Struct):
    version_in_force: int
    versions: list[PolicyVersion]


class DraftOut(msgspec.Struct):
    """The draft as saved; `problem` says why it cannot be published (a rule added since it was saved), and then
    it has no hash or words."""

    draft_id: int
    saved_at: str | None
    content: Row
    content_hash: str
    words: dict[str, str]
    problem: dict[str, str] | None = None


class OfficeVersions(msgspec.Struct):
    draft: DraftOut | None
    versions: list[PolicyVersion]


class Published(msgspec.Struct):
    version: int
    content_hash: str
    shifts: int


class ShiftOut(msgspec.Struct):
    cause: str
    cause_ref: str
    case_number: str
    stage: str
    occurrence: int
    due_before: str | None
    due_after: str | None
    recorded_at: str | None


def _words(policy: rules.Policy) -> dict[str, str]:
    return {code: rule.words for code, rule in policy.stages.items()}


def _version(v: versions.Version) -> PolicyVersion:
    return PolicyVersion(version=v.version, content_hash=v.content_hash,
                         published_at=iso(v.published_at) if v.published_at else None, in_force=v.in_force,
                         built_in=not v.stored, content=rules.as_data(v.policy), words=_words(v.policy))


def _draft(d: versions.Draft) -> DraftOut:
    return DraftOut(draft_id=d.id, saved_at=iso(d.saved_at) if d.saved_at else None, content=d.content,
                    content_hash=d.content_hash, words=_words(d.policy) if d.policy else {},
                    problem=d.problem.as_json()["error"] if d.problem else None)


@operation(responses={200: PublishedPolicy})
async def published_policy(request: Request) -> PublishedPolicy:
    """
    summary: 历次公布的时限规则（版本、发布时间、SHA-256 与全文），现行版本在前
    """
    found = await versions.versions()
    return PublishedPolicy(version_in_force=found[0].version, versions=[_version(v) for v in found])


@operation(responses={200: OfficeVersions})
async def office_versions(request: Request) -> OfficeVersions:
    """
    summary: 评议办查看时限规则的草稿与已发布版本
    """
    current = await versions.draft()
    return OfficeVersions(draft=_draft(current) if current else None,
                          versions=[_version(v) for v in await versions.versions()])


@operation(responses={200: DraftOut})
async def save_draft(request: Request, body: PolicyDraft) -> DraftOut:
    """
    summary: 保存时限规则草稿（字段同公布的 JSON）；负数时限、不早于到期的提醒、无通知对象的升级步骤等一律拒绝并指明字段
    """
    return _draft(await versions.save_draft(actor=request.state.actor, content=sent(body)))


@operation(responses={200: Published})
async def publish_draft(request: Request) -> Published:
    """
    summary: 发布时限规则草稿为下一版本（此后不可更改），并重算未结案件的期限、记录变动
    """
    done = await versions.publish(actor=request.state.actor)
    return Published(version=done.version, content_hash=done.content_hash, shifts=done.shifts)


@operation(responses={200: list[ShiftOut]})
async def latest_shifts(request: Request) -> list[ShiftOut]:
    """
    summary: 最近的期限变动（时限规则或节假日安排变更后，未结环节的原期限与新期限）
    """
    return [ShiftOut(cause=s["cause"], cause_ref=s["cause_ref"], case_number=s["case_number"], stage=s["stage"],
                     occurrence=s["occurrence"], due_before=iso(s["due_before"]) if s["due_before"] else None,
                     due_after=iso(s["due_after"]) if s["due_after"] else None,
                     recorded_at=iso(s["recorded_at"]) if s["recorded_at"] else None)
            for s in await shifts.latest()]


routes: list[PolicyRoute] = [
    route("/clocks/policy", published_policy, PUBLIC),
    route("/clocks/policy/versions", office_versions, OFFICE),
    route("/clocks/policy/draft", save_draft, OFFICE, methods=["PUT"]),
    route("/clocks/policy/draft/publish", publish_draft, OFFICE, methods=["POST"]),
    route("/clocks/policy/shifts", latest_shifts, OFFICE),
]
