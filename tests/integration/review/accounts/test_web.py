"""Web logins: server-side sessions, cookie flags, CSRF on every form, and the office and panel forms."""

from __future__ import annotations

import re

import pytest
from httpx import AsyncClient, Response

from review.accounts.services import auth
from review.core import settings
from review.core.actors import Actor
from review.core.tables import Account, Case, LoginSession
from review.rulings.services.sheets import submit_sheet
from tests import factories

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("clean_db")]

CODES = ["C1", "C2", "C3", "C4", "C5", "C6"]


def _csrf(page: Response) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert found, "the page carries no CSRF field"
    return found.group(1)


def _set_cookie(response: Response, name: str) -> str:
    headers = [h for h in response.headers.get_list("set-cookie") if h.startswith(f"{name}=")]
    assert len(headers) == 1, headers
    return headers[0]


async def _login(http: AsyncClient, username: str) -> Response:
    form = await http.get("/login")
    return await http.post("/login", data={"csrf_token": _csrf(form), "username": username,
                                           "password": factories.PASSWORD})


async def _form(http: AsyncClient, page: str, action: str, **fields: str) -> Response:
    """Submit a form the way a browser does: read the CSRF token off the page, then post."""
    token = _csrf(await http.get(page))
    return await http.post(action, data={"csrf_token": token, **fields})


async def _status(number: str) -> str:
    return (await Case.select(Case.status).where(Case.number == number).first().run())["status"]


async def test_login_sets_httponly_samesite_session_cookie() -> None:
    office = await factories.account("office")

    async with factories.client() as http:
        response = await _login(http, office.username)

    cookie = _set_cookie(response, "rv_session")
    assert response.status_code == 303
    assert response.headers["location"] == "/office/cases"
    assert "HttpOnly" in cookie
    assert re.search(r"SameSite=(lax|strict)", cookie, re.IGNORECASE)
    assert "Secure" not in cookie  # the test environment serves plain HTTP (COOKIE_SECURE=0)
    assert await LoginSession.count().run() == 1


async def test_login_cookies_are_secure_when_configured(monkeypatch: pytest.MonkeyPatch) -> None:
    office = await factories.account("office")
    monkeypatch.setattr(settings, "COOKIE_SECURE", True)

    # Over https, as a browser would have to be for a Secure cookie to come back.
    async with factories.client() as http:
        form = await http.get("https://testserver/login")
        response = await http.post("https://testserver/login", data={
            "csrf_token": _csrf(form), "username": office.username, "password": factories.PASSWORD})

    assert "Secure" in _set_cookie(form, "rv_csrf")
    assert "Secure" in _set_cookie(response, "rv_session")


async def test_login_csrf_cookie_is_strict_and_httponly() -> None:
    async with factories.client() as http:
        form = await http.get("/login")

    cookie = _set_cookie(form, "rv_csrf")
    assert "HttpOnly" in cookie
    assert "SameSite=strict" in cookie


async def test_login_wrong_password_starts_no_session() -> None:
    office = await factories.account("office")

    async with factories.client() as http:
        form = await http.get("/login")
        response = await http.post("/login", data={"csrf_token": _csrf(form), "username": office.username,
                                                   "password": "wrong-password"})

    assert response.status_code == 401
    assert "用户名或密码错误" in response.text
    assert not [h for h in response.headers.get_list("set-cookie") if h.startswith("rv_session=")]
    assert await LoginSession.count().run() == 0


async def test_login_without_csrf_token_is_refused() -> None:
    office = await factories.account("office")

    async with factories.client() as http:
        await http.get("/login")
        response = await http.post("/login", data={"username": office.username, "password": factories.PASSWORD})

    assert response.status_code == 403
    assert await LoginSession.count().run() == 0


@pytest.mark.parametrize("token", [None, "forged-token"], ids=["missing", "wrong"])
async def test_office_form_without_valid_csrf_changes_nothing(token: str | None) -> None:
    office = await factories.account("office")
    number, _ = await factories.case()

    async with factories.client() as http:
        await _login(http, office.username)
        await http.get(f"/office/cases/{number}")  # the browser now holds a real CSRF cookie
        data = {"csrf_token": token} if token else {}
        response = await http.post(f"/office/cases/{number}/accept", data=data)

    assert response.status_code == 403
    assert await _status(number) == "received"


async def test_logout_ends_the_session_server_side() -> None:
    office = await factories.account("office")

    async with factories.client() as http:
        await _login(http, office.username)
        session = http.cookies["rv_session"]
        out = await _form(http, "/office/cases", "/logout")
    async with factories.client(Cookie=f"rv_session={session}") as replay:
        response = await replay.get("/office/cases")

    assert out.status_code == 303
    assert await LoginSession.count().run() == 0
    assert response.status_code == 303
    assert response.headers["location"].startswith("/login")


async def test_logging_in_again_ends_the_browsers_previous_session() -> None:
    office = await factories.account("office")

    async with factories.client() as http:
        await _login(http, office.username)
        first = http.cookies["rv_session"]
        again = await _login(http, office.username)
        second = http.cookies["rv_session"]
    async with factories.client(Cookie=f"rv_session={first}") as replay:
        response = await replay.get("/office/cases")

    assert again.status_code == 303 and second != first
    assert await LoginSession.count().run() == 1  # the new one only
    assert response.status_code == 303 and response.headers["location"].startswith("/login")


async def test_passwords_are_stored_as_argon2id() -> None:
    await auth.create_account(username="clerk", password="a-long-password", role="office")

    row = await Account.select(Account.password_hash).where(Account.username == "clerk").first().run()

    assert row["password_hash"].startswith("$argon2id$")
    assert "a-long-password" not in row["password_hash"]


def _reasons(member: Actor) -> list[dict]:
    return [{"criterion": c, "value": 4, "reason": f"{member.username} 对 {c} 的封存理由"} for c in CODES]


async def test_office_and_panel_forms_carry_a_case_to_ruling_with_sealed_scores() -> None:
    office = await factories.account("office")
    await factories.roster()
    number, _ = await factories.case()

    async with factories.client() as desk:
        await _login(desk, office.username)
        page = f"/office/cases/{number}"
        accepted = await _form(desk, page, f"{page}/accept")
        convened = await _form(desk, page, f"{page}/convene")
        first, second, *rest = await factories.seated_members(number)
        await submit_sheet(number=number, actor=second, scores=_reasons(second))

        async with factories.client() as panel:
            await _login(panel, first.username)
            before = await panel.get(f"/panel/cases/{number}")
            fields = {}
            for c in CODES:
                fields[f"value_{c}"], fields[f"reason_{c}"] = "4", f"{first.username} 对 {c} 的封存理由"
            submitted = await _form(panel, f"/panel/cases/{number}", f"/panel/cases/{number}/scores", **fields)
            after = await panel.get(submitted.headers["location"])

        office_midway = await desk.get(page)
        for member in rest:
            await submit_sheet(number=number, actor=member, scores=_reasons(member))
        office_before = await desk.get(page)
        closed = await desk.post(f"{page}/close-scoring", data={"csrf_token": _csrf(office_before)})
        office_after = await desk.get(page)
        chair = await factories.chair_of(number)
        async with factories.client() as panel:
            await _login(panel, chair.username)
            chair_page = f"/panel/cases/{number}"
            await _form(panel, chair_page, f"{chair_page}/deliberation/reasoning", reasoning="评议组一致认为办理基本到位。")
            await _form(panel, chair_page, f"{chair_page}/deliberation/sign")
        ruled = await desk.post(f"{page}/ruling", data={"csrf_token": _csrf(await desk.get(page))})

    assert (accepted.status_code, convened.status_code, submitted.status_code, ruled.status_code) == (303,) * 4
    assert before.status_code == 200
    assert "提交本人评分后，才能看到其他评议员的评分" in before.text
    assert f"{second.username} 对 C1 的封存理由" not in before.text
    assert after.status_code == 200
    assert f"{second.username} 对 C1 的封存理由" in after.text
    assert f"{first.username} 对 C1 的封存理由" in after.text
    assert office_midway.status_code == office_before.status_code == 200
    assert "已提交评分表 5 份" in office_before.text
    assert "封存理由" not in office_midway.text and "封存理由" not in office_before.text
    assert closed.status_code == 303 and f"{second.username} 对 C1 的封存理由" in office_after.text
    assert await _status(number) == "ruled"
