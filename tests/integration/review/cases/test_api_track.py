"""API logins: staff tokens from username and password, complainant tokens from case number and access code."""

from __future__ import annotations

import re
from typing import Any

import pytest

from review.core import ratelimit
from review.core.secrets import ALPHABET
from review.core.tables import AuditEvent, Case
from tests import factories

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("clean_db")]

CODE_SHAPE = re.compile(r"^[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}$")


async def _post(path: str, body: Any) -> Any:
    async with factories.client() as http:
        return await http.post(path, json=body)


async def _get(path: str, token: str) -> Any:
    async with factories.client(Authorization=f"Bearer {token}") as http:
        return await http.get(path)


async def test_token_with_good_credentials_works_as_bearer() -> None:
    office = await factories.account("office")
    number, _ = await factories.case()

    response = await _post("/api/v1/auth/token", {"username": office.username, "password": factories.PASSWORD})
    listing = await _get("/api/v1/cases", response.json()["token"])

    assert response.status_code == 200
    assert listing.status_code == 200
    assert [c["case_number"] for c in listing.json()] == [number]


async def test_token_bad_username_and_bad_password_answer_identically() -> None:
    office = await factories.account("office")

    bad_user = await _post("/api/v1/auth/token", {"username": "nobody", "password": factories.PASSWORD})
    bad_password = await _post("/api/v1/auth/token", {"username": office.username, "password": "wrong-password"})

    assert bad_user.status_code == bad_password.status_code == 401
    assert bad_user.json() == bad_password.json()
    assert bad_user.json()["error"]["code"] == "invalid_credentials"
    assert "token" not in bad_user.json()


async def test_token_made_up_bearer_returns_401() -> None:
    response = await _get("/api/v1/cases", "not-a-real-token")

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "unauthorized"


async def test_track_right_code_gives_token_for_that_case_only() -> None:
    number, code = await factories.case()
    other, _ = await factories.case()

    response = await _post("/api/v1/track", {"case_number": number, "access_code": code})
    token = response.json()["token"]
    own = await _get(f"/api/v1/cases/{number}", token)
    foreign = await _get(f"/api/v1/cases/{other}", token)

    assert response.status_code == 200
    assert own.status_code == 200
    assert own.json()["case_number"] == number
    assert [step["step"] for step in own.json()["timeline"]] == ["受理诉求"]
    assert foreign.status_code == 404
    assert foreign.json()["error"]["code"] == "case_not_found"


async def test_track_code_typed_loosely_is_accepted() -> None:
    number, code = await factories.case()

    response = await _post("/api/v1/track", {"case_number": number.lower(),
                                              "access_code": code.replace("-", " ").lower()})

    assert response.status_code == 200
    assert response.json()["token"]


async def test_track_unknown_case_and_wrong_code_answer_identically() -> None:
    number, code = await factories.case()
    wrong = ("0000-0000-0000-0000" if code != "0000-0000-0000-0000" else "1111-1111-1111-1111")

    unknown_case = await _post("/api/v1/track", {"case_number": "PY2026999999", "access_code": code})
    wrong_code = await _post("/api/v1/track", {"case_number": number, "access_code": wrong})
    empty_code = await _post("/api/v1/track", {"case_number": number, "access_code": ""})

    assert unknown_case.status_code == wrong_code.status_code == empty_code.status_code == 401
    assert unknown_case.json() == wrong_code.json() == empty_code.json()
    assert unknown_case.json()["error"]["code"] == "invalid_case_or_code"


async def test_track_failures_on_one_case_leave_other_cases_unslowed() -> None:
    number, _ = await factories.case()
    other, other_code = await factories.case()
    for _ in range(6):
        await _post("/api/v1/track", {"case_number": number, "access_code": "AAAA-AAAA-AAAA-AAAA"})

    delay = await ratelimit.ACCESS_CODES.delay(other)
    response = await _post("/api/v1/track", {"case_number": other, "access_code": other_code})

    assert delay == 0
    assert response.status_code == 200


async def test_access_codes_carry_at_least_80_bits() -> None:
    codes = [(await factories.case())[1] for _ in range(20)]

    assert len(set(ALPHABET)) == 32
    assert all(CODE_SHAPE.match(code) for code in codes)
    assert all(set(code.replace("-", "")) <= set(ALPHABET) for code in codes)
    assert len(set(codes)) == len(codes)
    # 16 symbols of a 32-symbol alphabet: 16 × log2(32) = 80 bits.
    assert len(codes[0].replace("-", "")) * 5 >= 80


async def test_access_code_is_stored_only_as_a_hash() -> None:
    number, code = await factories.case()

    row = await Case.select().where(Case.number == number).first().run()

    assert row["access_code_hash"] not in {code, code.replace("-", "")}
    assert re.fullmatch(r"[0-9a-f]{64}", row["access_code_hash"])
    events = await AuditEvent.select(AuditEvent.data, AuditEvent.reason).where(AuditEvent.case == row["id"]).run()
    for column, value in row.items():
        text = str(value).upper()
        assert code not in text and code.replace("-", "") not in text, column
    assert events
    assert not [e for e in events if code.replace("-", "") in str(e).upper().replace("-", "")]
