"""The clocks' JSON endpoints, mounted under /api/v1: a case's clocks, for whoever may see the case."""

from __future__ import annotations

import json
from typing import Any

import msgspec
from starlette.requests import Request

from review.cases.queries.visibility import visible_case
from review.core.actors import CASE_PARTY
from review.core.api.contract import operation
from review.core.web.guard import PolicyRoute, route
from review.deadlines import policy as rules
from review.deadlines import services


class PauseOut(msgspec.Struct):
    kind: str
    name: str
    start: str
    end: str | None


class StageClock(msgspec.Struct):
    stage: str
    name: str
    occurrence: int
    start: str
    end: str | None
    due: str | None
    due_day: str | None
    provisional: bool
    spent: float
    unit: str
    overdue: bool
    paused: bool
    pauses: list[PauseOut]


class CaseClocks(msgspec.Struct):
    case_number: str
    policy_hash: str
    clocks: list[StageClock]


@operation(responses={200: CaseClocks})
async def case_clocks(request: Request) -> dict[str, Any]:
    """
    summary: 案件各环节的计时：开始、期限、暂停、用时、是否超期
    """
    case = await visible_case(request.state.actor, request.path_params["number"])
    found = await services.case_clocks(json.loads(case["events_json"]))
    return {"case_number": case["number"], "policy_hash": rules.policy_hash(await services.policy_in_force()),
            "clocks": [services.as_json(c) for c in found]}


routes: list[PolicyRoute] = [route("/cases/{number}/clocks", case_clocks, CASE_PARTY)]
