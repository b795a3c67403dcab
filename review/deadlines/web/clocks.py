"""The clocks' pages: the published clock policy at /public/clocks, the version in force in full with every
stage's limit in words, and every earlier version with its number, date and hash."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from review.core.actors import PUBLIC
from review.core.web.guard import PolicyRoute, route
from review.core.web.templating import render
from review.deadlines import policy as rules
from review.deadlines.services import policy as versions


async def public_clocks(request: Request) -> Response:
    return render(request, "deadlines/clocks.html",
                  {"versions": await versions.versions(), "units": rules.UNITS, "recipients": rules.RECIPIENTS,
                   "pauses": rules.PAUSE_KINDS})


routes: list[PolicyRoute] = [route("/public/clocks", public_clocks, PUBLIC, name="public_clocks")]
