"""Nothing with personal data is cached: every route but a public page read anonymously sends no-store."""

from __future__ import annotations

import re

import pytest
from httpx import Response
from starlette.routing import BaseRoute, Mount, Route

from review.accounts.services import auth
from review.app import app
from review.core.actors import Actor, Policy
from tests import factories
from tests.integration.panel_helpers import complainant_token
from tests.integration.review.verdicts.test_services import issued_verdict

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("clean_db")]


def _routes(routes: list[BaseRoute], prefix: str = "") -> list[tuple[str, str, Policy]]:
    """(method, path, policy) of every route in the table."""
    found = []
    for r in routes:
        path = prefix + getattr(r, "path", "")
        if isinstance(r, Mount) and r.routes and not hasattr(r, "policy"):
            found.extend(_routes(list(r.routes), path))
        elif isinstance(r, Route):
            found.extend((m, path, r.policy) for m in sorted(r.methods or {"GET"}) if m != "HEAD")  # type: ignore[attr-defined]
    return found


def _fill(path: str, number: str) -> str:
    return re.sub(r"\{[^}]+\}", lambda m: "1" if m.group(0).endswith(":int}") else number, path)


def _no_store(response: Response) -> bool:
    # `no-store`, or a download's `private, no-store`
    return "no-store" in response.headers.get("cache-control", "").replace(" ", "").split(",")


async def _credentials(number: str, code: str) -> dict[str, tuple[dict[str, str], dict[str, str]]]:
    """For each kind of actor: (API headers, web cookies)."""
    found = {}
    for kind in ("office", "member", "liaison"):
        actor: Actor = await factories.account(kind)
        session, _ = await auth.start_session(actor)
        found[kind] = ({"Authorization": f"Bearer {await auth.issue_token(actor)}"}, {"rv_session": session})
    track = await complainant_token(number, code)
    found["complainant"] = ({"Authorization": f"Bearer {track}"}, {"rv_track": track})
    found["hotline"] = ({"X-API-Key": await auth.create_api_key(name="hotline")}, {})
    return found


async def test_every_non_public_route_sends_no_store_to_whoever_asks() -> None:
    number, code = await factories.case()
    credentials = await _credentials(number, code)
    table = [(m, p, policy) for m, p, policy in _routes(list(app.routes)) if policy.kinds]
    answers: dict[tuple[str, str, str], bool] = {}
    statuses: dict[str, int] = {}

    for method, path, policy in table:
        url = _fill(path, number)
        async with factories.client() as anonymous:
            answers[("anonymous", method, path)] = _no_store(await anonymous.request(method, url))
        if method != "GET":  # a form or API call that changes something is checked anonymously only
            continue
        kind = "office" if "office" in policy.kinds else min(policy.kinds)
        headers, cookies = credentials[kind]
        async with factories.client(**(headers if path.startswith("/api/") else {})) as http:
            for name, value in cookies.items():
                http.cookies.set(name, value)
            response = await http.request(method, url)
            answers[(kind, method, path)], statuses[path] = _no_store(response), response.status_code

    assert len(table) > 60
    assert statuses["/office/cases/{number}"] == statuses["/track/case"] == statuses["/api/v1/cases/{number}"] == 200
    assert statuses["/panel"] == statuses["/liaison"] == statuses["/api/v1/departments"] == 200
    assert sorted(key for key, no_store in answers.items() if not no_store) == []


async def test_public_routes_send_no_store_once_the_visitor_is_known() -> None:
    number, code = await factories.case()
    credentials = await _credentials(number, code)
    public = [(m, p) for m, p, policy in _routes(list(app.routes)) if not policy.kinds]
    answers: dict[tuple[str, str, str], bool] = {}

    for method, path in public:
        url = _fill(path, number)
        if method != "GET":  # any post is for one visitor only, known or not (and logging out ends a token)
            async with factories.client() as anonymous:
                answers[("anonymous", method, path)] = _no_store(await anonymous.request(method, url))
            continue
        for kind in ("office", "complainant"):
            headers, cookies = credentials[kind]
            async with factories.client(**(headers if path.startswith("/api/") else {})) as http:
                for name, value in cookies.items():
                    http.cookies.set(name, value)
                answers[(kind, method, path)] = _no_store(await http.request(method, url))

    assert ("anonymous", "POST", "/api/v1/auth/token") in answers and ("anonymous", "POST", "/track") in answers
    assert sorted(key for key, no_store in answers.items() if not no_store) == []


async def test_public_pages_read_anonymously_keep_their_caching() -> None:
    number, _ = await factories.case()
    public_gets = [p for m, p, policy in _routes(list(app.routes)) if not policy.kinds and m == "GET"]

    async with factories.client() as http:
        await http.get("/login")  # the browser holds its pre-session cookie from here on
        answers = {path: await http.get(_fill(path, number)) for path in public_gets}
        static = await http.get("/static/site.css")

    assert {"/public/assessments", "/verify/{code}", "/login", "/track"} <= set(answers)
    assert [path for path, response in answers.items() if _no_store(response)] == []
    assert static.status_code == 200 and not _no_store(static)


async def test_pages_and_files_with_personal_data_are_not_cached() -> None:
    office = await factories.account("office")
    await factories.roster()
    number, verdict = await issued_verdict(office, complainant={"name": "王小明", "phone": "13800001234",
                                                                "id_number": None, "address": None})
    session, _ = await auth.start_session(office)
    bearer = {"Authorization": f"Bearer {await auth.issue_token(office)}"}

    async with factories.client() as web:
        web.cookies.set("rv_session", session)
        page = await web.get(f"/office/cases/{number}")
        pdf = await web.get(f"/cases/{number}/verdict.pdf")
    async with factories.client(**bearer) as api:
        detail = await api.get(f"/api/v1/cases/{number}")
        api_pdf = await api.get(f"/api/v1/cases/{number}/verdict.pdf")
    async with factories.client() as anonymous:
        public_page = await anonymous.get(f"/verify/{verdict['code']}")
        public_pdf = await anonymous.get(f"/verify/{verdict['code']}/public.pdf")

    assert page.status_code == 200 and "王小明" in page.text and _no_store(page)
    assert detail.status_code == 200 and "王小明" in detail.text and _no_store(detail)
    assert pdf.status_code == api_pdf.status_code == 200
    assert pdf.headers["content-type"] == "application/pdf" and _no_store(pdf) and _no_store(api_pdf)
    assert public_page.status_code == public_pdf.status_code == 200
    assert not _no_store(public_pdf)
