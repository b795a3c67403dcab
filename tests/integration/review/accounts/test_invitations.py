"""Logins made by the office: the one-time set-password link (valid once, expiring), password resets, the
accounts list, and who may do it."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest

from review.accounts.services import invitations
from review.accounts.tables import AccountInvitation
from review.core.tables import Account, AuditEvent
from tests import factories
from tests.integration.panel_helpers import api, submit, web

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("clean_db")]

NEW_PASSWORD = "new-password-2026"


def _token_of(page_text: str) -> str:
    found = re.search(r"/account/setup/([A-Za-z0-9_-]+)", page_text)
    assert found, "the page shows no set-password link"
    return found.group(1)


async def _api_login(username: str, password: str) -> int:
    async with factories.client() as http:
        response = await http.post("/api/v1/auth/token", json={"username": username, "password": password})
    return response.status_code


async def _set_password(token: str, password: str = NEW_PASSWORD) -> tuple[int, str]:
    async with factories.client() as http:
        page = await http.get(f"/account/setup/{token}")
        if page.status_code != 200:
            return page.status_code, page.text
        response = await submit(http, f"/account/setup/{token}", f"/account/setup/{token}",
                                {"password": password, "confirm": password})
    return response.status_code, response.text


async def test_office_creates_login_whose_link_sets_the_password_once() -> None:
    office = await factories.account("office")
    async with await web(office) as http:
        created = await submit(http, "/office/accounts/new", "/office/accounts",
                               {"username": "wang.member", "display_name": "王评议", "role": "member"})
    assert created.status_code == 201
    token = _token_of(created.text)
    assert await _api_login("wang.member", NEW_PASSWORD) == 401  # no password until the link sets one

    async with factories.client() as http:
        page = await http.get(f"/account/setup/{token}")
    assert page.status_code == 200 and "wang.member" in page.text
    assert page.headers.get_list("referrer-policy") == ["no-referrer"]  # the token never leaks by a link

    status, text = await _set_password(token)
    assert status == 200 and "密码已设置" in text
    assert await _api_login("wang.member", NEW_PASSWORD) == 200

    status, text = await _set_password(token, "another-password-1")
    assert status == 404 and "已使用过" in text
    assert await _api_login("wang.member", "another-password-1") == 401
    stored = await AccountInvitation.select(AccountInvitation.token_hash).run()
    assert token not in str(stored)  # kept hashed only
    actions = [e["action"] for e in await AuditEvent.select(AuditEvent.action).run()]
    assert "account_created" in actions and "account_password_set" in actions


async def test_expired_link_is_refused_and_sets_nothing() -> None:
    office = await factories.account("office")
    await factories.department("CDJT")
    invited = await invitations.create_account(actor=office, username="li.liaison", display_name="李联络",
                                               role="liaison", department="CDJT")
    await AccountInvitation.update({AccountInvitation.expires_at: datetime.now(UTC) - timedelta(minutes=1)}).where(
        AccountInvitation.account == invited.account_id).run()

    status, text = await _set_password(invited.token)
    assert status == 404 and "已过期" in text
    with pytest.raises(Exception, match="过期"):
        await invitations.set_password(token=invited.token, password=NEW_PASSWORD, confirm=NEW_PASSWORD)
    row = await Account.select(Account.password_hash).where(Account.id == invited.account_id).first().run()
    assert row["password_hash"] == invitations.NO_PASSWORD


async def test_link_expires_after_its_lifetime() -> None:
    office = await factories.account("office")
    invited = await invitations.create_account(actor=office, username="zhao", display_name="", role="member")
    assert (await invitations.link(token=invited.token)).username == "zhao"
    later = datetime.now(UTC) + invitations.LIFETIME + timedelta(seconds=1)
    with pytest.raises(Exception, match="过期"):
        await invitations.link(token=invited.token, now=later)


async def test_reset_keeps_old_password_until_new_one_is_set() -> None:
    office = await factories.account("office")
    member = await factories.account("member")
    member_web = await web(member)
    async with await api(office) as http:
        response = await http.post(f"/api/v1/accounts/{member.user_id}/reset")
    assert response.status_code == 200
    token = _token_of(response.json()["setup_url"])
    assert await _api_login(member.username, factories.PASSWORD) == 200  # still works until the new one is set

    status, _ = await _set_password(token)
    assert status == 200
    assert await _api_login(member.username, factories.PASSWORD) == 401
    assert await _api_login(member.username, NEW_PASSWORD) == 200
    page = await member_web.get("/panel")  # the old password's session ended with it
    await member_web.aclose()
    assert page.status_code == 303 and page.headers["location"].startswith("/login")


async def test_bad_input_names_the_field_and_stores_nothing() -> None:
    office = await factories.account("office")
    before = await Account.count().run()
    async with await api(office) as http:
        no_department = await http.post("/api/v1/accounts", json={"username": "liaison9", "role": "liaison"})
        bad_name = await http.post("/api/v1/accounts", json={"username": "张", "role": "member"})
        bad_role = await http.post("/api/v1/accounts", json={"username": "someone", "role": "admin"})
        taken = await http.post("/api/v1/accounts", json={"username": office.username, "role": "member"})
    assert no_department.status_code == 422 and no_department.json()["error"]["field"] == "department"
    assert bad_name.status_code == 422 and bad_name.json()["error"]["field"] == "username"
    assert bad_role.status_code == 422 and bad_role.json()["error"]["field"] == "role"
    assert taken.status_code == 409
    assert await Account.count().run() == before
    assert await AccountInvitation.count().run() == 0


async def test_member_cannot_create_or_reset_accounts() -> None:
    member = await factories.account("member")
    other = await factories.account("liaison")
    before = await Account.count().run()
    async with await api(member) as http:
        created = await http.post("/api/v1/accounts", json={"username": "sneaky", "role": "office"})
        reset = await http.post(f"/api/v1/accounts/{other.user_id}/reset")
        listed = await http.get("/api/v1/accounts")
    async with await web(member) as http:
        page = await http.get("/office/accounts")
    assert created.status_code == reset.status_code == listed.status_code == 403
    assert page.status_code == 403
    assert await Account.count().run() == before
    with pytest.raises(Exception, match="评议办公室"):
        await invitations.create_account(actor=member, username="sneaky", display_name="", role="office")


async def test_accounts_list_filters_by_role_and_active() -> None:
    office = await factories.account("office")
    kept = await factories.account("member", username="m-kept")
    gone = await factories.account("member", username="m-gone")
    await factories.account("liaison", username="l-one")
    await invitations.deactivate(actor=office, account_id=gone.user_id)  # type: ignore[arg-type]
    async with await api(office) as http:
        members = (await http.get("/api/v1/accounts", params={"role": "member"})).json()
        inactive = (await http.get("/api/v1/accounts", params={"role": "member", "active": "no"})).json()
        wrong = await http.get("/api/v1/accounts", params={"role": "boss"})
    assert {a["username"] for a in members["items"]} == {kept.username, gone.username}
    assert [a["username"] for a in inactive["items"]] == [gone.username]
    assert wrong.status_code == 422 and wrong.json()["error"]["field"] == "role"
    async with await web(office) as http:
        page = await http.get("/office/accounts", params={"active": "no"})
    assert page.status_code == 200 and "m-gone" in page.text and "m-kept" not in page.text
