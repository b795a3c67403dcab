"""JSON endpoints of convening, mounted under /api/v1: the office's batch rounds and the public draw records
(they need both the case workflow and the panels). The same services and checks as the pages."""

from __future__ import annotations

from typing import Any

import msgspec
from starlette.requests import Request

from panels.services import rounds
from panels.services import verification as draws
from review.core.actors import OFFICE, PUBLIC
from review.core.api.contract import iso, operation, plain
from review.core.web.guard import route

Row = dict[str, Any]


class DrawSeat(msgspec.Struct):
    seat: int
    role: str
    is_chair: bool


class DrawCheck(msgspec.Struct):
    name: str
    ok: bool
    message: str


class DrawVerification(msgspec.Struct):
    ok: bool
    checks: list[DrawCheck]


class DrawRecord(msgspec.Struct):
    """The public record of a draw: what anyone may check, no member's name or number."""

    panel_id: int
    convened_at: str | None
    round: int | None
    seed_hash: str | None
    seed: str | None
    template: Row
    rule: Row
    roster_hash: str | None
    case_hash: str | None
    exclusions: list[Any]
    excluded_members: int
    seats: list[DrawSeat]
    refills: list[Any]
    verification: DrawVerification
    replay: Row


class ConveningRound(msgspec.Struct):
    """A batch convening: its progress, and once done its seed and report."""

    id: int
    status: str
    status_label: str
    done: int
    total: int
    seed_hash: str | None
    seed: str | None
    report: Any
    created_at: str | None
    finished_at: str | None


@operation(responses={202: ConveningRound})
async def round_request(request: Request) -> Row:
    """
    summary: 批量组成评议组：所有已立案、尚未组成评议组的案件
    """
    round_id = await rounds.request_round(actor=request.state.actor)
    return plain(await rounds.round_status(round_id))


@operation(responses={200: ConveningRound})
async def round_status(request: Request) -> Row:
    """
    summary: 批量组成的进度与结果
    """
    return plain(await rounds.round_status(request.path_params["round_id"]))


@operation(responses={200: DrawRecord})
async def draw(request: Request) -> Row:
    """
    summary: 公开的抽取记录与重新运行的复核结果（不含评议员姓名和编号）；replay 为可离线复算的记录（评议员以本记录内的假名出现）
    """
    record = await draws.public_record(request.path_params["panel_id"])
    return {
        "panel_id": record.panel_id, "convened_at": iso(record.convened_at), "round": record.round_id,
        **record.view,
        # The view's own template (seats, chair roles) named and versioned as the panel recorded it.
        "template": {**record.view["template"], "name": record.template_name, "version": record.template_version},
        "verification": {"ok": record.verification.ok,
                         "checks": [{"name": c.name, "ok": c.ok, "message": c.message}
                                    for c in record.verification.checks]},
        "replay": record.replay,
    }


routes = [
    route("/rounds", round_request, OFFICE, methods=["POST"]),
    route("/rounds/{round_id:int}", round_status, OFFICE),
    route("/draws/{panel_id:int}", draw, PUBLIC),
]
