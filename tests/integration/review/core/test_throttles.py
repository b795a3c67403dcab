"""Throttles on access codes and passwords: failures refused per client, slowed per case and per account, the
right secret never refused for others' failures, every 429 with Retry-After, forwarded addresses believed only
from trusted proxies."""

from __future__ import annotations

import asyncio
import re
import socket
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest
import uvicorn
from httpx import ASGITransport, AsyncClient, Response

from review.app import create_app
from review.core import ratelimit, settings
from tests import factories

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("clean_db")]

WRONG_CODE = "AAAA-AAAA-AAAA-AAAA"
STRANGER = ("198.51.100.1", 40000)
OWNER = ("198.51.100.2", 40001)
CLIENT_LIMIT = 20  # TRACK_FAILURES_PER_CLIENT and LOGIN_FAILURES_PER_CLIENT in the test environment


def _client(peer: tuple[str, int] = STRANGER, app: Any = None, **headers: str) -> AsyncClient:
    from review.app import app as served

    return AsyncClient(transport=ASGITransport(app=app or served, client=peer), base_url="http://testserver",
                       headers=headers)


async def _post(path: str, body: dict[str, str], peer: tuple[str, int] = STRANGER, app: Any = None,
                **headers: str) -> Response:
    async with _client(peer, app, **headers) as http:
        return await http.post(path, json=body)


async def _web_post(path: str, fields: dict[str, str], peer: tuple[str, int] = STRANGER) -> Response:
    async with _client(peer) as http:
        page = await http.get(path)
        token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
        assert token
        return await http.post(path, data={"csrf_token": token.group(1), **fields})


def _track(number: str, code: str) -> dict[str, str]:
    return {"case_number": number, "access_code": code}


def _login(username: str, password: str = "wrong-password") -> dict[str, str]:
    return {"username": username, "password": password}


def _retry_after(response: Response) -> int:
    assert response.status_code == 429
    if response.headers["content-type"].startswith("application/json"):
        assert response.json()["error"]["code"] == "too_many_attempts"
    else:
        assert "尝试次数过多" in response.text
    seconds = int(response.headers["retry-after"])
    assert 1 <= seconds <= 3600
    return seconds


async def test_track_strangers_wrong_codes_leave_the_right_code_working() -> None:
    number, code = await factories.case()
    for _ in range(12):  # past the per-case free failures (5 in tests), within the stranger's own allowance
        assert (await _post("/api/v1/track", _track(number, WRONG_CODE))).status_code == 401

    owner = await _post("/api/v1/track", _track(number, code), peer=OWNER)
    stranger_with_the_code = await _post("/api/v1/track", _track(number, code))

    assert owner.status_code == 200
    assert owner.json()["token"]
    assert stranger_with_the_code.status_code == 200


async def test_track_failures_on_a_case_slow_it_with_a_growing_capped_delay() -> None:
    number, code = await factories.case()
    delays = []
    for n in range(9):
        delays.append(await ratelimit.ACCESS_CODES.delay(number))
        # from a new client each time: only the case's own counter grows
        await _post("/api/v1/track", _track(number, WRONG_CODE), peer=(f"198.51.100.{10 + n}", 1))

    started = time.monotonic()
    response = await _post("/api/v1/track", _track(number, code), peer=OWNER)
    waited = time.monotonic() - started

    first, cap = settings.FAILURE_DELAY_FIRST, settings.FAILURE_DELAY_MAX
    assert delays == [0, 0, 0, 0, 0, first, 2 * first, cap, cap]
    assert response.status_code == 200
    assert waited >= cap * 0.9


async def test_track_client_past_its_failures_is_refused_with_retry_after() -> None:
    number, code = await factories.case()
    for n in range(CLIENT_LIMIT):  # spread over many numbers, so no case is slowed
        await _post("/api/v1/track", _track(f"PY2026{900000 + n}", WRONG_CODE))

    refused = await _post("/api/v1/track", _track(number, code))
    other_client = await _post("/api/v1/track", _track(number, code), peer=OWNER)

    _retry_after(refused)
    assert "token" not in refused.json()
    assert other_client.status_code == 200


async def test_track_right_codes_do_not_count_against_the_client_or_case() -> None:
    number, code = await factories.case()

    answers = [(await _post("/api/v1/track", _track(number, code))).status_code for _ in range(CLIENT_LIMIT + 5)]

    assert answers == [200] * (CLIENT_LIMIT + 5)


async def test_login_failures_slow_the_account_and_the_right_password_still_works() -> None:
    office = await factories.account("office")
    delays = []
    for n in range(30):  # a stranger spread over many addresses, far past the account's free failures
        delays.append(await ratelimit.PASSWORDS.delay(office.username))
        response = await _post("/api/v1/auth/token", _login(office.username), peer=(f"203.0.113.{n}", 1))
        assert response.status_code == 401

    started = time.monotonic()
    owner = await _post("/api/v1/auth/token", _login(office.username, factories.PASSWORD), peer=OWNER)
    waited = time.monotonic() - started

    first, cap = settings.FAILURE_DELAY_FIRST, settings.FAILURE_DELAY_MAX
    assert delays[:6] == [0, 0, 0, first, 2 * first, cap]
    assert set(delays[5:]) == {cap}  # capped: a stranger's failures never grow into a lock
    assert owner.status_code == 200
    assert owner.json()["token"]
    assert waited >= cap * 0.9


async def test_login_failures_on_one_account_leave_others_unslowed() -> None:
    office = await factories.account("office")
    other = await factories.account("office")
    for n in range(6):
        await _post("/api/v1/auth/token", _login(office.username), peer=(f"203.0.113.{n}", 1))

    assert await ratelimit.PASSWORDS.delay(office.username) == settings.FAILURE_DELAY_MAX
    assert await ratelimit.PASSWORDS.delay(other.username) == 0


async def test_login_client_past_its_failures_is_refused_on_web_and_api_with_retry_after() -> None:
    office = await factories.account("office")
    for n in range(CLIENT_LIMIT):  # wrong usernames: no account is slowed
        await _post("/api/v1/auth/token", _login(f"nobody{n}"))

    api = await _post("/api/v1/auth/token", _login(office.username, factories.PASSWORD))
    web = await _web_post("/login", _login(office.username, factories.PASSWORD))
    other_client = await _post("/api/v1/auth/token", _login(office.username, factories.PASSWORD), peer=OWNER)

    _retry_after(api)
    _retry_after(web)
    assert other_client.status_code == 200


async def test_every_429_carries_retry_after() -> None:
    number, code = await factories.case()
    office = await factories.account("office")
    for n in range(CLIENT_LIMIT):
        await _post("/api/v1/track", _track(f"PY2026{900000 + n}", WRONG_CODE))
        await _post("/api/v1/auth/token", _login(f"nobody{n}"))

    answers = [
        await _post("/api/v1/track", _track(number, code)),
        await _web_post("/track", _track(number, code)),
        await _post("/api/v1/auth/token", _login(office.username, factories.PASSWORD)),
        await _web_post("/login", _login(office.username, factories.PASSWORD)),
    ]

    assert [r.status_code for r in answers] == [429] * 4
    assert all(_retry_after(r) for r in answers)


async def test_forwarded_for_from_an_untrusted_peer_is_ignored() -> None:
    for n in range(CLIENT_LIMIT):
        await _post("/api/v1/auth/token", _login(f"nobody{n}"), **{"X-Forwarded-For": f"192.0.2.{n}"})

    response = await _post("/api/v1/auth/token", _login("nobody"), **{"X-Forwarded-For": "192.0.2.250"})

    _retry_after(response)


async def test_forwarded_for_from_a_trusted_proxy_names_the_client() -> None:
    office = await factories.account("office")
    app = create_app(forwarded_allow_ips="10.0.0.0/8, 192.0.2.1")
    proxy = ("10.1.2.3", 50000)
    for n in range(CLIENT_LIMIT):  # one client behind the proxy, with an inner proxy of ours in the chain
        await _post("/api/v1/auth/token", _login(f"nobody{n}"), proxy, app,
                    **{"X-Forwarded-For": "203.0.113.7, 10.9.9.9"})

    same_client = await _post("/api/v1/auth/token", _login(office.username, factories.PASSWORD), proxy, app,
                              **{"X-Forwarded-For": "203.0.113.7"})
    next_client = await _post("/api/v1/auth/token", _login(office.username, factories.PASSWORD), proxy, app,
                              **{"X-Forwarded-For": "203.0.113.8"})
    # a peer outside the list is its own client, whatever it forwards
    outsider = await _post("/api/v1/auth/token", _login(office.username, factories.PASSWORD), ("198.51.100.50", 1),
                           app, **{"X-Forwarded-For": "203.0.113.7"})

    _retry_after(same_client)
    assert next_client.status_code == 200
    assert outsider.status_code == 200


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@asynccontextmanager
async def _served() -> AsyncIterator[str]:
    """The app served by uvicorn as `review serve` runs it, on a local port (the test database's lifespan)."""
    from review import cli

    port = _free_port()
    config = uvicorn.Config("review.app:app", host="127.0.0.1", port=port, **{**cli.SERVER_OPTIONS,
                                                                                   "lifespan": "off"})
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    while not server.started:
        await asyncio.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task


async def test_forwarded_for_rotated_through_the_served_app_is_ignored() -> None:
    async with _served() as url, httpx.AsyncClient(base_url=url) as http:
        for n in range(CLIENT_LIMIT):
            await http.post("/api/v1/auth/token", json=_login(f"nobody{n}"),
                            headers={"X-Forwarded-For": f"192.0.2.{n}"})
        response = await http.post("/api/v1/auth/token", json=_login("nobody"),
                                   headers={"X-Forwarded-For": "192.0.2.250"})

    _retry_after(response)
