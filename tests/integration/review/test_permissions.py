"""Who may do what: every route declares a policy, and object-level visibility holds on API and web alike."""

from __future__ import annotations

import re
from typing import Any

import pytest
from starlette.routing import BaseRoute, Mount

from review.accounts.services import auth
from review.app import app
from review.cases import services as cases
from review.convening.services import convene_panel
from review.core.actors import PUBLIC, Actor
from review.core.tables import Case
from tests import factories

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("clean_db")]


def _leaves(routes: list[BaseRoute], prefix: str = "") -> list[tuple[str, BaseRoute]]:
    """Every route with its full path; a Mount counts as covered only if it or all its sub-routes carry a policy."""
    found = []
    for r in routes:
        path = prefix + getattr(r, "path", "")
        if isinstance(r, Mount) and not hasattr(r, "policy") and r.routes:
            found.extend(_leaves(list(r.routes), path))
        else:
            found.append((path, r))
    return found


def _api_routes() -> list[tuple[str, str, Any]]:
    """(method, path, policy) for every API route."""
    return [(method, path, r.policy) for path, r in _leaves(list(app.routes)) if path.startswith("/api/")
            for method in sorted(getattr(r, "methods", None) or {"GET"}) if method != "HEAD"]


def _fill(path: str, number: str) -> str:
    """A concrete path: the case number for {number}, 1 for integer ids."""
    return re.sub(r"\{[^}]+\}", lambda m: "1" if m.group(0).endswith(":int}") else number, path)


async def _session(actor: Actor) -> dict[str, str]:
    token, _ = await auth.start_session(actor)
    return {"Cookie": f"rv_session={token}"}


async def _bearer(actor: Actor) -> dict[str, str]:
    return {"Authorization": f"Bearer {await auth.issue_token(actor)}"}


async def _convened() -> tuple[str, Actor, list[Actor]]:
    """A case with a seated panel: (number, office, members not seated on it)."""
    office = await factories.account("office")
    members = await factories.roster()
    number, _ = await factories.case()
    await cases.screen_case(number=number, actor=office, accept=True)
    await convene_panel(number=number, actor=office)
    seated = {m.user_id for m in await factories.seated_members(number)}
    return number, office, [m for m in members if m.user_id not in seated]


async def test_route_table_every_route_declares_a_policy() -> None:
    leaves = _leaves(list(app.routes))

    missing = [path for path, r in leaves if not hasattr(r, "policy")]

    assert len(leaves) > 20
    assert missing == []


async def test_route_table_covers_the_api_under_its_mount() -> None:
    paths = {path for path, _ in _leaves(list(app.routes))}

    assert {"/api/v1/cases", "/api/v1/cases/{number}", "/api/v1/track", "/api/v1/auth/token"} <= paths


async def test_liaison_other_department_case_is_not_found_on_api_and_web() -> None:
    liaison = await factories.account("liaison")
    theirs, _ = await factories.case(department_code="CDSW")

    async with factories.client(**await _bearer(liaison)) as http:
        api = await http.get(f"/api/v1/cases/{theirs}")
    async with factories.client(**await _session(liaison)) as http:
        web = await http.get(f"/liaison/cases/{theirs}")
        pdf = await http.get(f"/cases/{theirs}/verdict.pdf")

    assert api.status_code == 404
    assert api.json()["error"]["code"] == "case_not_found"
    assert web.status_code == 404
    assert theirs not in web.text
    assert pdf.status_code == 404


async def test_liaison_own_department_case_is_visible() -> None:
    liaison = await factories.account("liaison")
    ours, _ = await factories.case()

    async with factories.client(**await _bearer(liaison)) as http:
        api = await http.get(f"/api/v1/cases/{ours}")
    async with factories.client(**await _session(liaison)) as http:
        web = await http.get(f"/liaison/cases/{ours}")

    assert api.status_code == 200
    assert api.json()["complainant"] == {"name": "王小明", "phone": None}  # the name, nothing to reach them by
    assert web.status_code == 200


async def test_liaison_case_list_holds_only_own_department() -> None:
    liaison = await factories.account("liaison")
    ours = {(await factories.case())[0] for _ in range(2)}
    theirs = {(await factories.case(department_code="CDSW"))[0] for _ in range(2)}

    async with factories.client(**await _bearer(liaison)) as http:
        listing = await http.get("/api/v1/cases")
    async with factories.client(**await _session(liaison)) as http:
        page = await http.get("/liaison")

    assert {c["case_number"] for c in listing.json()} == ours
    assert {c["department_code"] for c in listing.json()} == {"CDJT"}
    assert all(n in page.text for n in ours)
    assert not any(n in page.text for n in theirs)


async def test_member_not_seated_gets_not_found() -> None:
    number, _, outsiders = await _convened()
    outsider = outsiders[0]
    seated = (await factories.seated_members(number))[0]

    async with factories.client(**await _bearer(outsider)) as http:
        api = await http.get(f"/api/v1/cases/{number}")
        scores = await http.post(f"/api/v1/cases/{number}/scores", json={"scores": factories.full_scores(4)})
        listing = await http.get("/api/v1/cases")
    async with factories.client(**await _session(outsider)) as http:
        web = await http.get(f"/panel/cases/{number}")
    async with factories.client(**await _bearer(seated)) as http:
        seated_api = await http.get(f"/api/v1/cases/{number}")

    assert api.status_code == web.status_code == scores.status_code == 404
    assert listing.json() == []
    assert seated_api.status_code == 200


@pytest.mark.parametrize(("path", "body"), [
    ("screen", {"decision": "dismiss", "reason": "不属于评议范围"}),
    ("panel", {}),
    ("ruling", {}),
])
async def test_member_office_endpoints_return_403(path: str, body: dict) -> None:
    number, _, _ = await _convened()
    seated = (await factories.seated_members(number))[0]

    async with factories.client(**await _bearer(seated)) as http:
        response = await http.post(f"/api/v1/cases/{number}/{path}", json=body)

    assert response.status_code == 403
    assert response.json()["error"]["code"] == "forbidden"
    assert (await Case.select(Case.status).where(Case.number == number).first().run())["status"] == "panel_ready"


@pytest.mark.parametrize("action", ["accept", "convene", "ruling", "dismiss"])
async def test_member_office_web_forms_return_403(action: str) -> None:
    member = await factories.account("member")
    number, _ = await factories.case()

    async with factories.client(**await _session(member)) as http:
        response = await http.post(f"/office/cases/{number}/{action}", data={"reason": "x"})

    assert response.status_code == 403
    assert (await Case.select(Case.status).where(Case.number == number).first().run())["status"] == "received"


async def test_anonymous_gets_401_on_every_non_public_api_route() -> None:
    number, _ = await factories.case()
    guarded = [(m, p) for m, p, policy in _api_routes() if policy is not PUBLIC]

    async with factories.client() as http:
        answers = {(m, p): await http.request(m, _fill(p, number), json={}) for m, p in guarded}

    assert len(guarded) >= 8
    assert {key: r.status_code for key, r in answers.items()} == {key: 401 for key in guarded}
    assert all(r.json()["error"]["code"] == "unauthorized" for r in answers.values())


async def test_complainant_token_cannot_call_staff_endpoints() -> None:
    number, code = await factories.case()
    async with factories.client() as http:
        token = (await http.post("/api/v1/track", json={"case_number": number, "access_code": code})).json()["token"]
    staff_only = [(m, p) for m, p, policy in _api_routes()
                  if policy is not PUBLIC and "complainant" not in policy.kinds]

    async with factories.client(Authorization=f"Bearer {token}") as http:
        answers = {(m, p): (await http.request(m, _fill(p, number), json={})).status_code for m, p in staff_only}
    async with factories.client(Cookie=f"rv_track={token}") as http:
        office_page = await http.get("/office/cases")
        office_form = await http.post(f"/office/cases/{number}/accept", data={})

    assert ("GET", "/api/v1/cases") in answers and ("POST", "/api/v1/cases/{number}/screen") in answers
    assert answers == {key: 403 for key in staff_only}
    assert office_page.status_code == office_form.status_code == 403
    assert (await Case.select(Case.status).where(Case.number == number).first().run())["status"] == "received"
