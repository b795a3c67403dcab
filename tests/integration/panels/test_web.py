"""Every panels route, on the web and the API, admits exactly the kinds of actor its policy names."""

from __future__ import annotations

import re
from typing import Any

import pytest
from starlette.routing import Route

from panels import api as panels_api
from panels import web as panels_web
from review.accounts.services import auth
from review.convening import api as convening_api
from review.convening import web as convening_web
from review.core.actors import Actor
from review.core.web.csrf import tracking_token
from tests import factories
from tests.integration.panel_helpers import complainant_token

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("clean_db")]

KINDS = ("office", "member", "liaison", "complainant")
# The panels' own routes and convening's (rounds and draw records), which were the panels area's before.
web_routes = [*panels_web.routes, *convening_web.routes]
api_routes = [*panels_api.routes, *convening_api.routes]


def _calls(routes: list[Any], prefix: str) -> list[tuple[str, str, Any]]:
    return [(method, prefix + r.path, r.policy) for r in routes if isinstance(r, Route)
            for method in sorted(r.methods or {"GET"}) if method != "HEAD"]


def _fill(path: str, number: str) -> str:
    return re.sub(r"\{[^}]+\}", lambda m: "1" if m.group(0).endswith(":int}") else number, path)


async def _credentials(kind: str, number: str, code: str) -> tuple[str, dict[str, str], str]:
    """(bearer token, web cookies, the CSRF token of that session's forms) for one kind of actor."""
    if kind == "complainant":
        token = await complainant_token(number, code)
        return token, {"rv_track": token}, tracking_token(token)
    actor: Actor = await factories.account(kind)
    session, csrf = await auth.start_session(actor)
    return await auth.issue_token(actor), {"rv_session": session}, csrf


async def test_panel_routes_admit_only_their_policy() -> None:
    number, code = await factories.case()
    calls = _calls(web_routes, "") + _calls(api_routes, "/api/v1")
    refused: dict[tuple[str, str, str], int] = {}
    admitted: dict[tuple[str, str, str], int] = {}

    for kind in KINDS:
        token, cookies, csrf = await _credentials(kind, number, code)
        for method, path, policy in calls:
            url = _fill(path, number)
            if path.startswith("/api/"):
                async with factories.client(Authorization=f"Bearer {token}") as http:
                    status = (await http.request(method, url, json={})).status_code
            else:
                async with factories.client() as http:
                    for name, value in cookies.items():
                        http.cookies.set(name, value)
                    data = {"csrf_token": csrf} if method == "POST" else None
                    status = (await http.request(method, url, data=data)).status_code
            (admitted if policy.admits(Actor(kind=kind)) else refused)[(kind, method, path)] = status

    assert len(calls) >= 30
    assert refused and all(status == 403 for status in refused.values()), refused
    assert not [key for key, status in admitted.items() if status in (401, 403) and key[0] == "office"], admitted
    assert {kind for kind, _, _ in admitted} == set(KINDS)


async def test_panel_routes_send_anonymous_visitors_away() -> None:
    calls = [c for c in _calls(web_routes, "") + _calls(api_routes, "/api/v1") if c[2].kinds]

    async with factories.client() as http:
        answers = {(m, p): (await http.request(m, _fill(p, "X"), json={} if p.startswith("/api/") else None))
                   for m, p, _ in calls}

    for (method, path), response in answers.items():
        if path.startswith("/api/") or method == "POST":
            assert response.status_code == 401, (method, path)
        else:
            assert response.status_code == 303 and response.headers["location"].startswith("/login"), path
