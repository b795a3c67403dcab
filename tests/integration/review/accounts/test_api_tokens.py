"""API tokens: listed with when and by which client they were made and used, revoked one by one or with the
account, and their lifetimes (and the web session's) read from the settings."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from datetime import timedelta

import pytest
from httpx import AsyncClient

from review.accounts.services import auth
from review.core.secrets import hash_token
from review.core.tables import Account, ApiToken, AuditEvent, LoginSession
from tests import factories

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("clean_db")]


async def _token(username: str, **extra: str) -> str:
    async with factories.client(**{"User-Agent": "ReviewHelper/2.1 (Android 14)"}) as http:
        response = await http.post("/api/v1/auth/token",
                                   json={"username": username, "password": factories.PASSWORD, **extra})
    assert response.status_code == 200, response.text
    return str(response.json()["token"])


def _bearer(token: str) -> AsyncClient:
    return factories.client(Authorization=f"Bearer {token}")


async def _login(http: AsyncClient, username: str) -> None:
    form = await http.get("/login")
    field = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
    assert field
    await http.post("/login", data={"csrf_token": field.group(1), "username": username,
                                    "password": factories.PASSWORD})


async def test_token_list_names_client_and_times_but_never_the_token() -> None:
    member = await factories.account("member")
    labelled = await _token(member.username, label="办公室电脑上的脚本")
    by_agent = await _token(member.username)

    async with _bearer(by_agent) as http:
        listed = await http.get("/api/v1/auth/tokens")

    assert listed.status_code == 200
    rows = listed.json()
    assert [r["client"] for r in rows] == ["ReviewHelper/2.1 (Android 14)", "办公室电脑上的脚本"]
    assert [r["current"] for r in rows] == [True, False]
    assert rows[0]["last_used_at"] is not None and rows[1]["last_used_at"] is None
    assert all(r["created_at"] and r["expires_at"] for r in rows)
    for secret in (labelled, by_agent, hash_token(labelled), hash_token(by_agent)):
        assert secret not in listed.text
    assert listed.headers["cache-control"] == "no-store"


async def test_tokens_are_stored_only_as_their_hash() -> None:
    member = await factories.account("member")
    token = await _token(member.username)

    stored = await ApiToken.select().run()

    assert [row["token_hash"] for row in stored] == [hash_token(token)]
    assert token not in repr(stored)


async def test_delete_auth_token_revokes_the_token_presented() -> None:
    member = await factories.account("member")
    token, other = await _token(member.username), await _token(member.username)

    async with _bearer(token) as http:
        before = await http.get("/api/v1/cases")
        revoked = await http.delete("/api/v1/auth/token")
        after = await http.get("/api/v1/cases")
    async with _bearer(other) as http:
        untouched = await http.get("/api/v1/cases")

    assert before.status_code == 200
    assert revoked.status_code == 200 and revoked.json() == {"status": "revoked"}
    assert after.status_code == 401
    assert untouched.status_code == 200


async def test_a_token_is_revoked_by_id_by_its_holder_only() -> None:
    member, other = await factories.account("member"), await factories.account("member")
    token, spare = await _token(member.username), await _token(member.username)
    stranger = await _token(other.username)
    spare_id = (await ApiToken.select(ApiToken.id).where(ApiToken.token_hash == hash_token(spare))
                .first().run())["id"]

    async with _bearer(stranger) as http:
        by_stranger = await http.delete(f"/api/v1/auth/tokens/{spare_id}")
    async with _bearer(token) as http:
        by_holder = await http.delete(f"/api/v1/auth/tokens/{spare_id}")
        again = await http.delete(f"/api/v1/auth/tokens/{spare_id}")
    async with _bearer(spare) as http:
        spare_after = await http.get("/api/v1/cases")

    assert by_stranger.status_code == 404 and by_stranger.json()["error"]["code"] == "token_not_found"
    assert by_holder.status_code == 200
    assert again.status_code == 404 and again.json() == by_stranger.json()
    assert spare_after.status_code == 401
    assert await AuditEvent.count().where(AuditEvent.action == "api_token_revoked").run() == 1


async def test_the_web_page_lists_the_tokens_and_revokes_one() -> None:
    liaison = await factories.account("liaison")
    token = await _token(liaison.username, label="部门对接程序")

    async with factories.client() as http:
        await _login(http, liaison.username)
        page = await http.get("/account/tokens")
        form = re.search(r'action="(/account/tokens/\d+/revoke)"', page.text)
        field = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
        assert form and field
        revoked = await http.post(form.group(1), data={"csrf_token": field.group(1)})
        after = await http.get(revoked.headers["location"])
    async with _bearer(token) as api:
        refused = await api.get("/api/v1/cases")

    assert page.status_code == 200 and "部门对接程序" in page.text and token not in page.text
    assert revoked.status_code == 303
    assert "令牌已注销" in after.text and "没有有效的令牌" in after.text
    assert refused.status_code == 401


async def test_web_logout_leaves_api_tokens_until_they_are_revoked() -> None:
    office = await factories.account("office")
    token = await _token(office.username)

    async with factories.client() as http:
        await _login(http, office.username)
        field = re.search(r'name="csrf_token" value="([^"]+)"', (await http.get("/office/cases")).text)
        assert field
        await http.post("/logout", data={"csrf_token": field.group(1)})
    async with _bearer(token) as api:
        kept = await api.get("/api/v1/auth/tokens")

    assert kept.status_code == 200 and len(kept.json()) == 1


def _cli(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """`review …` in its own process, on the test database (the environment conftest set)."""
    return subprocess.run([sys.executable, "-m", "review.cli", *args], capture_output=True, text=True,
                          timeout=120, env={**os.environ, **env}, check=False)


async def test_deactivate_user_ends_every_session_and_token() -> None:
    member, colleague = await factories.account("member"), await factories.account("member")
    tokens = [await _token(member.username), await _token(member.username)]
    kept = await _token(colleague.username)
    async with factories.client() as browser:
        await _login(browser, member.username)
        assert (await browser.get("/panel")).status_code == 200

        result = _cli("deactivate-user", "--username", member.username)

        page_after = await browser.get("/panel")
    unknown = _cli("deactivate-user", "--username", "nobody-here")

    assert result.returncode == 0, result.stderr
    assert "结束会话 1 个，注销令牌 2 个" in result.stdout
    assert page_after.status_code == 303 and page_after.headers["location"].startswith("/login")
    for token in tokens:
        async with _bearer(token) as api:
            assert (await api.get("/api/v1/cases")).status_code == 401
    async with _bearer(kept) as api:
        assert (await api.get("/api/v1/cases")).status_code == 200
    assert await LoginSession.count().where(LoginSession.user == member.user_id).run() == 0
    assert await ApiToken.count().where(ApiToken.user == member.user_id).run() == 0
    assert not (await Account.select(Account.active).where(Account.id == member.user_id).first().run())["active"]
    assert await AuditEvent.count().where(AuditEvent.action == "account_deactivated").run() == 1
    assert unknown.returncode == 1 and "nobody-here" in unknown.stderr


def _python(code: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60,
                          env={**os.environ, **env}, check=False)


async def test_token_and_session_lifetimes_are_the_settings() -> None:
    office = await factories.account("office")
    token = await _token(office.username)
    row = await ApiToken.select().where(ApiToken.token_hash == hash_token(token)).first().run()
    async with factories.client() as http:
        form = await http.get("/login")
        field = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
        assert field
        login = await http.post("/login", data={"csrf_token": field.group(1), "username": office.username,
                                                "password": factories.PASSWORD})
    probe = _python("from review.accounts.services import auth; print(auth.SESSION_LIFETIME, auth.TOKEN_LIFETIME,"
                    " auth.COMPLAINANT_TOKEN_LIFETIME)",
                    SESSION_LIFETIME_HOURS="1.5", API_TOKEN_LIFETIME_HOURS="24", TRACK_TOKEN_LIFETIME_HOURS="0.5")
    refused = _python("import review.core.settings", API_TOKEN_LIFETIME_HOURS="0")

    assert row["expires_at"] - row["created_at"] == timedelta(days=7) == auth.TOKEN_LIFETIME
    assert f"Max-Age={12 * 3600}" in login.headers["set-cookie"]
    assert probe.stdout.split() == ["1:30:00", "1", "day,", "0:00:00", "0:30:00"]
    assert refused.returncode != 0 and "API_TOKEN_LIFETIME_HOURS" in refused.stderr
