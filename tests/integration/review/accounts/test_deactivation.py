"""Deactivation from the web and the API: sessions and tokens end at once, the login is refused with a clear
message, reactivation lets the password work again; every login's time is recorded."""

from __future__ import annotations

import pytest

from review.core.tables import Account, ApiToken, AuditEvent, LoginSession
from tests import factories
from tests.integration.panel_helpers import api, csrf_of, submit, web

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("clean_db")]


async def _web_login(username: str, password: str = factories.PASSWORD):  # type: ignore[no-untyped-def]
    http = factories.client()
    form = await http.get("/login")
    response = await http.post("/login", data={"csrf_token": csrf_of(form), "username": username,
                                               "password": password})
    return http, response


async def test_deactivation_ends_sessions_and_tokens_at_once() -> None:
    office = await factories.account("office")
    member = await factories.account("member")
    member_web = await web(member)
    member_api = await api(member)
    assert (await member_web.get("/panel")).status_code == 200
    assert (await member_api.get("/api/v1/auth/tokens")).status_code == 200

    async with await web(office) as http:
        done = await submit(http, f"/office/accounts/{member.user_id}",
                            f"/office/accounts/{member.user_id}/deactivate")
    assert done.status_code == 303

    page = await member_web.get("/panel")
    assert page.status_code == 303 and page.headers["location"].startswith("/login")
    assert (await member_api.get("/api/v1/auth/tokens")).status_code == 401
    await member_web.aclose()
    await member_api.aclose()
    assert await LoginSession.count().where(LoginSession.user == member.user_id).run() == 0
    assert await ApiToken.count().where(ApiToken.user == member.user_id).run() == 0

    http, refused = await _web_login(member.username)
    await http.aclose()
    assert refused.status_code == 403 and "已停用" in refused.text and "rv_session" not in refused.headers.get(
        "set-cookie", "")
    async with factories.client() as client:
        token = await client.post("/api/v1/auth/token", json={"username": member.username,
                                                              "password": factories.PASSWORD})
    assert token.status_code == 403 and token.json()["error"]["code"] == "account_deactivated"
    events = await AuditEvent.select(AuditEvent.action).where(AuditEvent.action == "account_deactivated").run()
    assert len(events) == 1


async def test_reactivated_account_logs_in_again() -> None:
    office = await factories.account("office")
    member = await factories.account("member")
    async with await api(office) as http:
        off = await http.post(f"/api/v1/accounts/{member.user_id}/deactivate")
        assert off.status_code == 200 and off.json()["status"] == "deactivated"
        on = await http.post(f"/api/v1/accounts/{member.user_id}/reactivate")
    assert on.status_code == 200
    http, response = await _web_login(member.username)
    await http.aclose()
    assert response.status_code == 303 and response.headers["location"] == "/panel"


async def test_office_cannot_deactivate_itself_and_member_cannot_deactivate() -> None:
    office = await factories.account("office")
    member = await factories.account("member")
    async with await api(office) as http:
        own = await http.post(f"/api/v1/accounts/{office.user_id}/deactivate")
    async with await api(member) as http:
        other = await http.post(f"/api/v1/accounts/{office.user_id}/deactivate")
    assert own.status_code == 409 and other.status_code == 403
    row = await Account.select(Account.active).where(Account.id == office.user_id).first().run()
    assert row["active"] is True


async def test_last_login_is_recorded_and_shown() -> None:
    office = await factories.account("office")
    member = await factories.account("member")
    assert (await Account.select(Account.last_login_at).where(Account.id == member.user_id).first().run())[
        "last_login_at"] is None
    http, response = await _web_login(member.username)
    await http.aclose()
    assert response.status_code == 303
    row = await Account.select(Account.last_login_at).where(Account.id == member.user_id).first().run()
    assert row["last_login_at"] is not None
    async with await api(office) as client:
        shown = (await client.get(f"/api/v1/accounts/{member.user_id}")).json()
    assert shown["last_login_at"] is not None
    async with await web(office) as client:
        page = await client.get(f"/office/accounts/{member.user_id}")
    assert page.status_code == 200 and "从未登录" not in page.text
