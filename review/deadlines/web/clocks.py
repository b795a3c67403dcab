"""The clocks' pages: the published clock policy at /public/clocks, every stage's limit in words."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from review.core.actors import PUBLIC
from review.core.web.guard import PolicyRoute, route
from review.core.web.templating import render
from review.deadlines import policy as rules
from review.deadlines import services


async def public_clocks(request: Request) -> Response:
    policy = await services.policy_in_force()
    return render(request, "deadlines/clocks.html",
                  {"policy": policy, "hash": rules.policy_hash(policy), "units": rules.UNITS,
                   "recipients": rules.RECIPIENTS, "pauses": rules.PAUSE_KINDS})


routes: list[PolicyRoute] = [route("/public/clocks", public_clocks, PUBLIC, name="public_clocks")]
