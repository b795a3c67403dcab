"""JSON endpoints of the scoring area that need scoring alone, mounted under /api/v1: the criteria (published
versions and the office's drafts) and rater quality. Each parses, calls one service, returns JSON."""

from __future__ import annotations

from typing import Any

import msgspec
from starlette.requests import Request

from review.core.actors import OFFICE, PUBLIC
from review.core.api.contract import UNSET, Text, Unset, number_param, operation, sent
from review.core.errors import NotFound
from review.core.web.guard import PolicyRoute, route
from scoring.domain.criteria import content_hash, content_json
from scoring.queries import rater_quality
from scoring.services import criteria as criteria_admin

Row = dict[str, Any]


# What a client may put where a number or text is asked for; the criteria check names what is wrong with it.
Loose = int | float | Text | None


class CriterionDraft(msgspec.Struct):
    code: Loose | Unset = UNSET
    name: Loose | Unset = UNSET
    description: Loose | Unset = UNSET
    weight: Loose | Unset = UNSET
    scale_max: Loose | Unset = UNSET
    levels: list[Text] | Loose | Unset = UNSET


class CriteriaDraft(msgspec.Struct):
    """A draft of the criteria: its name, the criteria in order and the ruling rule."""

    name: Loose | Unset = UNSET
    criteria: list[CriterionDraft] | None | Unset = UNSET
    rule: dict[str, Any] | None | Unset = UNSET


class CriteriaVersion(msgspec.Struct):
    """One published version of the criteria: the content its hash covers, and when it was in force."""

    version: int | None
    status: str
    content_hash: str
    effective_from: str | None
    effective_until: str | None
    in_force: bool
    content: Row


class DraftPreview(msgspec.Struct):
    draft_id: int
    content: Row
    content_hash: str


class MemberQuality(msgspec.Struct):
    member: str
    role: str | None
    scores: int
    mean_deviation: float | None
    mean_abs_deviation: float | None
    tendency: str | None
    sheets: int
    revised_after_viewing_others: int
    revised_after_viewing_others_share: float | None


class Agreement(msgspec.Struct):
    criteria_version: int | None
    units: int
    krippendorff_alpha: float | None


class RaterQuality(msgspec.Struct):
    scores: int
    members: list[MemberQuality]
    agreement: list[Agreement]


class DraftState(msgspec.Struct):
    draft_id: int
    status: str


class Published(msgspec.Struct):
    version: int
    status: str


@operation(responses={200: list[CriteriaVersion]})
async def list_criteria(request: Request) -> list[Row]:
    """
    summary: 历次公布的评议标准（版本、生效日期、内容哈希与全文）
    """
    return [criteria_admin.version_json(row, await criteria_admin.load_content(row["id"]))
            for row in await criteria_admin.versions()]


@operation(responses={200: CriteriaVersion})
async def criteria_version(request: Request) -> Row:
    """
    summary: 某一版评议标准
    """
    version = number_param(request.path_params["version"], "version")
    row = next((r for r in await criteria_admin.versions() if r["version"] == version), None)
    if row is None:
        raise NotFound("criteria_not_found", "没有这一版评议标准")
    return criteria_admin.version_json(row, await criteria_admin.load_content(row["id"]))


@operation(responses={201: DraftState})
async def create_draft(request: Request, body: CriteriaDraft) -> DraftState:
    """
    summary: 评议办起草新版评议标准（name, criteria, rule）
    """
    set_id = await criteria_admin.create_draft(actor=request.state.actor, content=sent(body))
    return DraftState(draft_id=set_id, status="draft")


@operation(responses={200: DraftPreview})
async def preview_draft(request: Request) -> Row:
    """
    summary: 预览草稿（含发布后将得到的内容哈希）
    """
    set_id = number_param(request.path_params["draft_id"], "draft_id") or 0
    content = await criteria_admin.load_content(set_id)
    return {"draft_id": set_id, "content": content_json(content), "content_hash": content_hash(content)}


@operation(responses={200: DraftState})
async def update_draft(request: Request, body: CriteriaDraft) -> DraftState:
    """
    summary: 修改草稿；已发布的版本一律拒绝
    """
    set_id = number_param(request.path_params["draft_id"], "draft_id") or 0
    await criteria_admin.update_draft(actor=request.state.actor, set_id=set_id, content=sent(body))
    return DraftState(draft_id=set_id, status="draft")


@operation(responses={200: Published})
async def publish_draft(request: Request) -> Published:
    """
    summary: 发布草稿为新版本，此后不可更改
    """
    set_id = number_param(request.path_params["draft_id"], "draft_id") or 0
    version = await criteria_admin.publish_criteria(actor=request.state.actor, set_id=set_id)
    return Published(version=version, status="published")


@operation(responses={200: RaterQuality})
async def quality(request: Request) -> Row:
    """
    summary: 评议员评分质量：相对所在评议组的平均偏差（宽松/严格），各版标准的评分一致性（Krippendorff α）
    """
    report = await rater_quality()
    return {
        "scores": report.scores,
        "members": [{"member": m.name, "role": m.role, "scores": m.lean.scores,
                     "mean_deviation": m.lean.mean_deviation, "mean_abs_deviation": m.lean.mean_abs_deviation,
                     "tendency": m.lean.tendency, "sheets": m.sheets,
                     "revised_after_viewing_others": m.revised_after_viewing,
                     "revised_after_viewing_others_share": m.revised_share} for m in report.members],
        "agreement": [{"criteria_version": v, "units": a.units, "krippendorff_alpha": a.alpha}
                      for v, a in report.agreement],
    }


routes: list[PolicyRoute] = [
    route("/criteria", list_criteria, PUBLIC),
    route("/criteria/drafts", create_draft, OFFICE, methods=["POST"]),
    route("/criteria/drafts/{draft_id}", preview_draft, OFFICE),
    route("/criteria/drafts/{draft_id}", update_draft, OFFICE, methods=["POST"]),
    route("/criteria/drafts/{draft_id}/publish", publish_draft, OFFICE, methods=["POST"]),
    route("/criteria/{version}", criteria_version, PUBLIC),
    route("/scoring/quality", quality, OFFICE),
]
