"""The office's clock policy page (/office/clocks): the draft's form, its limits in words, publishing it as the
next version, and the latest deadlines a change moved. Each endpoint parses, calls one service, renders."""

from __future__ import annotations

import re
from typing import Any

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response

from review.core.actors import OFFICE
from review.core.errors import Conflict, Invalid, NotFound
from review.core.params import int_param
from review.core.web.forms import read_form, see_other
from review.core.web.guard import PolicyRoute, route
from review.core.web.templating import render
from review.deadlines import policy as rules
from review.deadlines.services import policy as versions
from review.deadlines.services import shifts

# Escalation rows one stage's form carries: the steps and a spare row; more is no form of ours.
MAX_STEPS = 9

_FIELD = re.compile(r"stages\.(\w+)\.(\w+)(?:\[(\d+)\]\.(\w+))?")


def _input_of(field: str | None) -> str:
    """The form input a refusal's field names (`stages.scoring.escalations[0].to` → `esc_to_scoring_0`)."""
    found = _FIELD.fullmatch(field or "")
    if not found:
        return ""
    stage, key, index, sub = found.groups()
    if index is not None:
        return f"esc_{sub}_{stage}_{index}"
    if key == "escalations":
        return f"esc_after_{stage}_0"
    return f"{key}_{stage}"


def _stage_of(field: str | None) -> str:
    found = _FIELD.fullmatch(field or "")
    return found.group(1) if found else ""


def _draft_from_form(form: FormData) -> dict[str, Any]:
    stages: dict[str, Any] = {}
    for code in rules.STAGES:
        if not form.get(f"timed_{code}"):
            continue
        steps = []
        for i in range(int_param(form.get(f"steps_{code}"), f"steps_{code}", 0, maximum=MAX_STEPS)):
            after = str(form.get(f"esc_after_{code}_{i}", "")).strip()
            to = str(form.get(f"esc_to_{code}_{i}", "")).strip()
            if after or to:  # an empty spare row is left out
                steps.append({"after": after, "to": to})
        stages[code] = {
            "limit": str(form.get(f"limit_{code}", "")),
            "unit": str(form.get(f"unit_{code}", rules.WORKDAYS)),
            "remind_before": str(form.get(f"remind_before_{code}", "") or "0"),
            "remind": str(form.get(f"remind_{code}", "assignee")),
            "escalations": steps,
            "pauses": [str(p) for p in form.getlist(f"pauses_{code}")],
        }
    return {"name": form.get("name", ""), "stages": stages}


async def office_policy(request: Request, error: Exception | None = None, status_code: int = 200,
                        sent: dict[str, Any] | None = None) -> Response:
    found = await versions.versions()
    current = await versions.draft()
    editing = current.policy if current and current.policy else found[0].policy  # else from the version in force
    error = error or (current.problem if current else None)
    return render(request, "deadlines/policy.html", {
        "versions": found, "draft": current, "values": sent or (current.content if current else rules.as_data(editing)),
        "error": error, "error_input": _input_of(getattr(error, "field", None)),
        "error_stage": _stage_of(getattr(error, "field", None)),
        "stage_words": {code: rule.words for code, rule in editing.stages.items()},
        "shifts": await shifts.latest(), "causes": shifts.CAUSES,
        "stages": rules.STAGES, "units": rules.UNITS, "recipients": rules.RECIPIENTS, "pause_kinds": rules.PAUSE_KINDS,
        "max_steps": MAX_STEPS,
    }, status_code=status_code)


async def save_draft(request: Request) -> Response:
    content = _draft_from_form(await read_form(request))
    try:
        await versions.save_draft(actor=request.state.actor, content=content)
    except Invalid as error:
        return await office_policy(request, error, status_code=error.status, sent=content)
    return see_other("/office/clocks?saved=1#preview")


async def publish(request: Request) -> Response:
    try:
        done = await versions.publish(actor=request.state.actor)
    except (Invalid, Conflict, NotFound) as error:
        return await office_policy(request, error, status_code=error.status)
    return see_other(f"/office/clocks?published={done.version}&moved={done.shifts}")


routes: list[PolicyRoute] = [
    route("/office/clocks", office_policy, OFFICE, name="office_clocks"),
    route("/office/clocks/draft", save_draft, OFFICE, methods=["POST"]),
    route("/office/clocks/publish", publish, OFFICE, methods=["POST"]),
]
