"""The assessments' pages (部门绩效考核): the public figures here, the scheme's (web.scheme), the redo orders'
(web.redo) and the office's import of the base figures (web.figures)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from review.assessments.services import assessments
from review.assessments.web import figures, redo, scheme
from review.core.actors import PUBLIC
from review.core.web.guard import route
from review.core.web.templating import render


async def public_assessments(request: Request) -> Response:
    return render(request, "assessments.html", {"rows": await assessments(period=request.query_params.get("period"))})


routes = [
    route("/public/assessments", public_assessments, PUBLIC),
    *scheme.routes,
    *redo.routes,
    *figures.routes,
]
