"""JSON endpoints of the assessment scheme (考核方案), mounted under /api/v1: its published versions for anyone,
the office's drafts, previews and publishing. Each parses, calls one service, returns JSON."""

from __future__ import annotations

from typing import Any

import msgspec
from starlette.requests import Request

from review.assessments import scheme as rules
from review.assessments.services import schemes
from review.core.actors import OFFICE, PUBLIC
from review.core.api.contract import UNSET, Text, Unset, number_param, operation, sent
from review.core.errors import NotFound
from review.core.web.guard import PolicyRoute, route

Row = dict[str, Any]
# What a client may put where a number, flag or text is asked for; the scheme's check names what is wrong.
Loose = bool | int | float | Text | None


class SchemeDraft(msgspec.Struct):
    """A draft of the scheme: the published JSON's fields (the derived `corrections` and `composite` may be left
    in, they are recomputed) and the month it is to govern from."""

    name: Loose | Unset = UNSET
    effective_from: Loose | Unset = UNSET
    basic_counts_as_satisfied: Loose | Unset = UNSET
    rates: list[dict[str, Any]] | Loose | Unset = UNSET
    deductions: dict[str, Any] | Loose | Unset = UNSET
    redo_overdue_points: Loose | Unset = UNSET
    redo_working_days: Loose | Unset = UNSET
    weights: dict[str, Any] | Loose | Unset = UNSET
    bands: list[dict[str, Any]] | Loose | Unset = UNSET
    corrections: list[dict[str, Any]] | Loose | Unset = UNSET
    composite: dict[str, Any] | Loose | Unset = UNSET


class SchemeVersion(msgspec.Struct):
    """One published version: the scheme its hash covers, the months it governs, its grade bands in words."""

    version: int | None
    status: str
    content_hash: str
    effective_from: str
    effective_until: str | None
    in_force: bool
    published_at: str | None
    content: Row
    bands_words: list[str]


class SchemePreview(msgspec.Struct):
    draft_id: int
    status: str
    effective_from: str
    content: Row
    content_hash: str
    bands_words: list[str]


class DraftState(msgspec.Struct):
    draft_id: int
    status: str


class Published(msgspec.Struct):
    version: int
    status: str


@operation(responses={200: list[SchemeVersion]})
async def list_schemes(request: Request) -> list[Row]:
    """
    summary: 历次公布的考核方案（版本、生效期间、内容哈希与全文）
    """
    return [schemes.version_json(row) for row in await schemes.versions()]


@operation(responses={200: SchemeVersion})
async def scheme_version(request: Request) -> Row:
    """
    summary: 某一版考核方案
    """
    version = number_param(request.path_params["version"], "version") or 0
    row = next((r for r in await schemes.versions() if r["version"] == version), None)
    if row is None:
        raise NotFound("scheme_not_found", "没有这一版考核方案")
    return schemes.version_json(row)


@operation(responses={201: DraftState})
async def create_draft(request: Request, body: SchemeDraft) -> DraftState:
    """
    summary: 评议办起草新版考核方案（字段同公布的 JSON，另加 effective_from 生效月份，默认下月）
    """
    draft_id = await schemes.create_draft(actor=request.state.actor, content=sent(body))
    return DraftState(draft_id=draft_id, status="draft")


@operation(responses={200: SchemePreview})
async def preview_draft(request: Request) -> Row:
    """
    summary: 预览考核方案草稿（含发布后将得到的内容哈希）
    """
    row = await schemes.draft(number_param(request.path_params["draft_id"], "draft_id") or 0)
    return {"draft_id": row["id"], "status": row["status"], "effective_from": row["effective_from"],
            "content": rules.scheme_json(row["scheme"]), "content_hash": rules.scheme_hash(row["scheme"]),
            "bands_words": rules.band_words(row["scheme"])}


@operation(responses={200: DraftState})
async def update_draft(request: Request, body: SchemeDraft) -> DraftState:
    """
    summary: 修改考核方案草稿；已发布的版本一律拒绝
    """
    draft_id = number_param(request.path_params["draft_id"], "draft_id") or 0
    await schemes.update_draft(actor=request.state.actor, draft_id=draft_id, content=sent(body))
    return DraftState(draft_id=draft_id, status="draft")


@operation(responses={200: Published})
async def publish_draft(request: Request) -> Published:
    """
    summary: 发布考核方案草稿为新版本（最早自下月起生效），此后不可更改
    """
    version = await schemes.publish_scheme(actor=request.state.actor,
                                           draft_id=(number_param(request.path_params["draft_id"], "draft_id") or 0))
    return Published(version=version, status="published")


routes: list[PolicyRoute] = [
    route("/assessments/scheme", list_schemes, PUBLIC),
    route("/assessments/scheme/drafts", create_draft, OFFICE, methods=["POST"]),
    route("/assessments/scheme/drafts/{draft_id}", preview_draft, OFFICE),
    route("/assessments/scheme/drafts/{draft_id}", update_draft, OFFICE, methods=["POST"]),
    route("/assessments/scheme/drafts/{draft_id}/publish", publish_draft, OFFICE, methods=["POST"]),
    route("/assessments/scheme/{version}", scheme_version, PUBLIC),
]
