"""CSRF tokens are bound to the browser's own session: a cookie and field taken from another browser fail."""

from __future__ import annotations

import re

import pytest
from httpx import AsyncClient, Response

from review.core.tables import Case
from tests import factories
from tests.integration.panel_helpers import complainant_token

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("clean_db")]


def _field(page: Response) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert found, "the page carries no CSRF field"
    return found.group(1)


async def _login(http: AsyncClient, username: str) -> Response:
    form = await http.get("/login")
    return await http.post("/login", data={"csrf_token": _field(form), "username": username,
                                           "password": factories.PASSWORD})


def _plant(http: AsyncClient, cookie: str) -> None:
    """Put another browser's rv_csrf cookie in place of this one's, as an attacker who can set cookies would."""
    for held in [c for c in http.cookies.jar if c.name == "rv_csrf"]:
        http.cookies.jar.clear(held.domain, held.path, held.name)
    http.cookies.set("rv_csrf", cookie)


async def _status(number: str) -> str:
    return (await Case.select(Case.status).where(Case.number == number).first().run())["status"]


async def _pair_from_browser_b(signed_in: bool) -> tuple[str, str]:
    """(rv_csrf cookie, form field) as another browser holds them, anonymous or signed in."""
    async with factories.client() as b:
        if signed_in:
            await _login(b, (await factories.account("office")).username)
        page = await b.get("/login")
        return b.cookies.get("rv_csrf") or page.cookies.get("rv_csrf") or "", _field(page)


@pytest.mark.parametrize("signed_in", [False, True], ids=["b_anonymous", "b_signed_in"])
async def test_csrf_pair_planted_from_another_browser_is_refused_with_this_session(signed_in: bool) -> None:
    victim = await factories.account("office")
    number, _ = await factories.case()
    cookie_b, field_b = await _pair_from_browser_b(signed_in)

    async with factories.client() as a:
        await _login(a, victim.username)
        own = _field(await a.get(f"/office/cases/{number}"))
        _plant(a, cookie_b or field_b)
        planted = await a.post(f"/office/cases/{number}/accept", data={"csrf_token": field_b})
        status_after_planted = await _status(number)
        accepted = await a.post(f"/office/cases/{number}/accept", data={"csrf_token": own})

    assert planted.status_code == 403 and "csrf_failed" in planted.text
    assert status_after_planted == "received"
    assert accepted.status_code == 303
    assert await _status(number) == "accepted"


async def test_a_forged_equal_cookie_and_field_are_refused_on_the_login_form() -> None:
    office = await factories.account("office")

    async with factories.client() as http:
        http.cookies.set("rv_csrf", "chosen-by-the-attacker")
        forged = await http.post("/login", data={"csrf_token": "chosen-by-the-attacker",
                                                 "username": office.username, "password": factories.PASSWORD})

    assert forged.status_code == 403 and "csrf_failed" in forged.text
    assert "rv_session" not in forged.cookies


async def test_login_form_token_is_bound_to_its_own_pre_session_cookie() -> None:
    office = await factories.account("office")
    async with factories.client() as b:
        field_b = _field(await b.get("/login"))

    async with factories.client() as a:
        own = _field(await a.get("/login"))
        with_b_field = await a.post("/login", data={"csrf_token": field_b, "username": office.username,
                                                    "password": factories.PASSWORD})
        with_own = await a.post("/login", data={"csrf_token": own, "username": office.username,
                                                "password": factories.PASSWORD})

    assert own != field_b
    assert with_b_field.status_code == 403
    assert with_own.status_code == 303 and "rv_session" in with_own.cookies


async def test_login_issues_a_new_token_and_the_old_one_stops_working() -> None:
    office = await factories.account("office")
    number, _ = await factories.case()

    async with factories.client() as http:
        before = _field(await http.get("/login"))
        await _login(http, office.username)
        first = _field(await http.get(f"/office/cases/{number}"))
        await _login(http, office.username)
        second = _field(await http.get(f"/office/cases/{number}"))
        stale = await http.post(f"/office/cases/{number}/accept", data={"csrf_token": first})
        status_after_stale = await _status(number)
        fresh = await http.post(f"/office/cases/{number}/accept", data={"csrf_token": second})

    assert len({before, first, second}) == 3
    assert stale.status_code == 403 and status_after_stale == "received"
    assert fresh.status_code == 303


async def test_tracking_forms_take_only_their_own_sessions_token() -> None:
    number_a, code_a = await factories.case()
    number_b, code_b = await factories.case()
    token_a, token_b = await complainant_token(number_a, code_a), await complainant_token(number_b, code_b)

    async with factories.client() as b:
        b.cookies.set("rv_track", token_b)
        field_b = _field(await b.get("/track/case"))
    async with factories.client() as a:
        a.cookies.set("rv_track", token_a)
        own = _field(await a.get("/track/case"))
        _plant(a, field_b)
        planted = await a.post("/logout", data={"csrf_token": field_b})
        still_in = await a.get("/track/case")
        out = await a.post("/logout", data={"csrf_token": own})

    assert own != field_b
    assert planted.status_code == 403 and "csrf_failed" in planted.text
    assert still_in.status_code == 200
    assert out.status_code == 303
