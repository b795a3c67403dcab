"""TOTP for staff: setup with a QR code and recovery codes, the second step of the login (which grants nothing
half-way), recovery codes used once, wrong codes refused and throttled, the office's required setting, and the
API's token login."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pyotp
import pytest
from httpx import AsyncClient, Response

from review.accounts.services import totp
from review.accounts.tables import RecoveryCode
from review.core import ratelimit, settings
from review.core.tables import Account, AuditEvent
from tests import factories
from tests.integration.panel_helpers import api, csrf_of, submit, web

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("clean_db")]


def _code(secret: str, steps: int = 0) -> str:
    """The code of the step `steps` away from now (-1, 0, 1: each accepted once)."""
    return pyotp.TOTP(secret).at(datetime.now(UTC) + timedelta(seconds=30 * steps))


async def _secret(user_id: int | None) -> str:
    row = await Account.select(Account.totp_secret).where(Account.id == user_id).first().run()
    return str(row["totp_secret"])


async def _enable(http: AsyncClient, user_id: int | None) -> tuple[str, list[str]]:
    """Turn TOTP on from the security page: (secret, recovery codes)."""
    begun = await submit(http, "/account/security", "/account/security/totp")
    assert begun.status_code == 303
    page = await http.get("/account/security")
    assert "<svg" in page.text  # the QR code drawn on the server
    secret = await _secret(user_id)
    done = await submit(http, "/account/security", "/account/security/totp/confirm", {"totp": _code(secret, -1)})
    assert done.status_code == 200, done.text
    codes = re.findall(r"<code>([0-9A-Z]{5}-[0-9A-Z]{5})</code>", done.text)
    return secret, codes


async def _password_step(http: AsyncClient, username: str) -> Response:
    form = await http.get("/login")
    return await http.post("/login", data={"csrf_token": csrf_of(form), "username": username,
                                           "password": factories.PASSWORD})


async def _code_step(http: AsyncClient, code: str) -> Response:
    return await submit(http, "/login/code", "/login/code", {"totp": code})


async def test_setup_shows_qr_and_gives_ten_recovery_codes_stored_hashed() -> None:
    office = await factories.account("office")
    async with await web(office) as http:
        secret, codes = await _enable(http, office.user_id)
        page = await http.get("/account/security")
    assert len(codes) == 10 and len(set(codes)) == 10
    stored = [r["code_hash"] for r in await RecoveryCode.select(RecoveryCode.code_hash).run()]
    assert len(stored) == 10 and not set(codes) & set(stored)
    assert "两步验证已于" in page.text and secret not in page.text.replace(" ", "")  # never shown again
    row = await Account.select(Account.totp_enabled_at).where(Account.id == office.user_id).first().run()
    assert row["totp_enabled_at"] is not None
    assert await AuditEvent.count().where(AuditEvent.action == "totp_enabled").run() == 1


async def test_login_asks_for_the_code_and_grants_nothing_before_it() -> None:
    office = await factories.account("office")
    async with await web(office) as http:
        secret, _ = await _enable(http, office.user_id)

    async with factories.client() as http:
        first = await _password_step(http, office.username)
        assert first.status_code == 303 and first.headers["location"] == "/login/code"
        assert "rv_session" not in first.headers.get("set-cookie", "")
        half_way = await http.get("/office/cases")
        assert half_way.status_code == 303 and half_way.headers["location"].startswith("/login")
        assert (await http.get("/api/v1/accounts", headers={"cookie": f"rv_challenge={http.cookies.get('rv_challenge')}"})).status_code == 401

        done = await _code_step(http, _code(secret))
        assert done.status_code == 303 and done.headers["location"] == "/office/cases"
        assert (await http.get("/office/cases")).status_code == 200
    row = await Account.select(Account.last_login_at).where(Account.id == office.user_id).first().run()
    assert row["last_login_at"] is not None

    async with factories.client() as http:  # the same code, seen over a shoulder, does not work twice
        await _password_step(http, office.username)
        again = await _code_step(http, _code(secret))
        assert again.status_code == 401
        assert (await http.get("/office/cases")).status_code == 303


async def test_recovery_code_works_once() -> None:
    office = await factories.account("office")
    async with await web(office) as http:
        _, codes = await _enable(http, office.user_id)
    async with factories.client() as http:
        await _password_step(http, office.username)
        used = await _code_step(http, codes[0].lower())
        assert used.status_code == 303 and used.headers["location"] == "/office/cases"
    async with factories.client() as http:
        await _password_step(http, office.username)
        again = await _code_step(http, codes[0])
        assert again.status_code == 401 and "恢复码" in again.text
    assert await RecoveryCode.count().where(RecoveryCode.used_at.is_not_null()).run() == 1


async def test_wrong_codes_are_refused_and_throttled(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(totp, "CODES", ratelimit.Throttle("totp-test", "3/minute", "100/minute"))
    office = await factories.account("office")
    async with await web(office) as http:
        secret, _ = await _enable(http, office.user_id)
    async with factories.client() as http:
        for _ in range(3):
            wrong = await http.post("/api/v1/auth/token", json={"username": office.username,
                                                                 "password": factories.PASSWORD, "totp": "000000"})
            assert wrong.status_code == 401 and wrong.json()["error"]["field"] == "totp"
        refused = await http.post("/api/v1/auth/token", json={"username": office.username,
                                                               "password": factories.PASSWORD,
                                                               "totp": _code(secret)})
    assert refused.status_code == 429 and "retry-after" in refused.headers


async def test_challenge_ends_after_five_wrong_codes() -> None:
    office = await factories.account("office")
    async with await web(office) as http:
        secret, _ = await _enable(http, office.user_id)
    async with factories.client() as http:
        await _password_step(http, office.username)
        token = csrf_of(await http.get("/login/code"))
        for _ in range(5):
            await http.post("/login/code", data={"csrf_token": token, "totp": "123456"})
        late = await http.post("/login/code", data={"csrf_token": token, "totp": _code(secret)})
    assert late.status_code == 401 and "重新" in late.text


async def test_turning_off_needs_a_current_code() -> None:
    office = await factories.account("office")
    async with await web(office) as http:
        secret, _ = await _enable(http, office.user_id)
        wrong = await submit(http, "/account/security", "/account/security/totp/disable", {"totp": "111111"})
        assert wrong.status_code == 401
        assert await Account.count().where((Account.id == office.user_id)
                                           & Account.totp_enabled_at.is_not_null()).run() == 1
        off = await submit(http, "/account/security", "/account/security/totp/disable", {"totp": _code(secret)})
    assert off.status_code == 303
    row = await Account.select(Account.totp_secret, Account.totp_enabled_at).where(
        Account.id == office.user_id).first().run()
    assert row["totp_secret"] is None and row["totp_enabled_at"] is None
    assert await RecoveryCode.count().run() == 0


async def test_required_setting_sends_office_to_setup_before_anything(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(settings, "OFFICE_TOTP_REQUIRED", True)
    office = await factories.account("office")
    member = await factories.account("member")
    async with factories.client() as http:
        token = await http.post("/api/v1/auth/token", json={"username": office.username,
                                                            "password": factories.PASSWORD})
        assert token.status_code == 403 and token.json()["error"]["code"] == "totp_setup_required"

        first = await _password_step(http, office.username)
        assert first.status_code == 303 and first.headers["location"] == "/login/setup"
        assert (await http.get("/office/cases")).status_code == 303  # nothing else until done
        page = await http.get("/login/setup")
        assert page.status_code == 200 and "<svg" in page.text
        secret = await _secret(office.user_id)
        wrong = await submit(http, "/login/setup", "/login/setup", {"totp": "000000"})
        assert wrong.status_code == 401 and "<svg" in wrong.text
        done = await submit(http, "/login/setup", "/login/setup", {"totp": _code(secret)})
        assert done.status_code == 200 and len(re.findall(r"<code>[0-9A-Z]{5}-[0-9A-Z]{5}</code>", done.text)) == 10
        assert (await http.get("/office/cases")).status_code == 200
    async with factories.client() as http:  # members are not asked
        response = await _password_step(http, member.username)
    assert response.headers["location"] == "/panel"


async def test_api_token_login_honours_totp() -> None:
    office = await factories.account("office")
    async with await api(office) as http:
        begun = await http.post("/api/v1/me/totp")
        assert begun.status_code == 200 and begun.json()["otpauth_uri"].startswith("otpauth://totp/")
        secret = begun.json()["secret"]
        confirmed = await http.post("/api/v1/me/totp/confirm", json={"totp": _code(secret, -1)})
        assert confirmed.status_code == 200 and len(confirmed.json()["recovery_codes"]) == 10
        status = (await http.get("/api/v1/me/totp")).json()
        assert status["enabled"] is True and "secret" not in status
    async with factories.client() as http:
        bare = await http.post("/api/v1/auth/token", json={"username": office.username,
                                                           "password": factories.PASSWORD})
        assert bare.status_code == 401 and bare.json()["error"]["code"] == "totp_required"
        good = await http.post("/api/v1/auth/token", json={"username": office.username,
                                                           "password": factories.PASSWORD, "totp": _code(secret)})
        assert good.status_code == 200
        held = good.json()["token"]
        off = await http.post("/api/v1/me/totp/disable", json={"totp": _code(secret, 1)},
                              headers={"authorization": f"Bearer {held}"})
        assert off.status_code == 200
        plain = await http.post("/api/v1/auth/token", json={"username": office.username,
                                                            "password": factories.PASSWORD})
        assert plain.status_code == 200
