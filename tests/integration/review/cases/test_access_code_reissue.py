"""The office reissues a complainant's access code: the old one stops working, the new one is handed over once
as a printable notice (PDF), and it is stored nowhere in plain text (audit, logs, URLs)."""

from __future__ import annotations

import datetime
import logging
import re
import subprocess

import pytest
import segno

from review.accounts.services import auth
from review.cases import access_notice, tracking
from review.core.tables import AuditEvent, Case
from tests import factories

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("clean_db")]

_CODE = re.compile(r"\b[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}\b")


def _text(pdf: bytes) -> str:
    return subprocess.run(
        ["pdftotext", "-layout", "-", "-"], input=pdf, capture_output=True, check=True, timeout=60
    ).stdout.decode("utf-8")


def _csrf(page: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert found
    return found.group(1)


async def _track(number: str, code: str) -> int:
    async with factories.client() as http:
        return (
            await http.post("/api/v1/track", json={"case_number": number, "access_code": code})
        ).status_code


async def test_reissue_by_api_gives_a_notice_with_a_new_code_and_the_old_one_stops(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    office = await factories.account("office")
    number, old_code = await factories.case()
    async with factories.client() as http:
        old_token = (
            await http.post("/api/v1/track", json={"case_number": number, "access_code": old_code})
        ).json()["token"]

    async with factories.client(Authorization=f"Bearer {await auth.issue_token(office)}") as http:
        response = await http.post(f"/api/v1/cases/{number}/access-code")
    async with factories.client(Authorization=f"Bearer {old_token}") as http:
        old_session = await http.get(f"/api/v1/cases/{number}")

    assert response.status_code == 200
    assert response.headers["content-type"] == "application/pdf"
    assert response.headers["content-disposition"] == f'attachment; filename="access-code-{number}.pdf"'
    assert response.headers["cache-control"] == "no-store"
    text = _text(response.content)
    codes = _CODE.findall(text)
    assert len(codes) == 1 and codes[0] != old_code
    new_code = codes[0]
    assert number in text and "http://testserver/track" in text and "提取码通知单" in text
    assert await _track(number, old_code) == 401
    assert await _track(number, new_code) == 200
    assert old_session.status_code == 401
    events = await AuditEvent.select().where(AuditEvent.action == "access_code_reissued").run()
    assert [(e["actor"], e["reason"]) for e in events] == [(office.label, "")]
    stored = str(await Case.select().run()) + str(await AuditEvent.select().run())
    for code in (new_code, new_code.replace("-", ""), old_code):
        assert code not in stored
        assert code not in caplog.text


async def test_reissue_on_the_office_case_page_downloads_the_notice() -> None:
    office = await factories.account("office")
    number, old_code = await factories.case()
    async with factories.client() as http:
        form = await http.get("/login")
        await http.post(
            "/login",
            data={
                "csrf_token": _csrf(form.text),
                "username": office.username,
                "password": factories.PASSWORD,
            },
        )
        page = await http.get(f"/office/cases/{number}")
        csrf = _csrf(page.text)
        without_csrf = await http.post(f"/office/cases/{number}/access-code", data={})
        response = await http.post(f"/office/cases/{number}/access-code", data={"csrf_token": csrf})

    assert f'action="/office/cases/{number}/access-code"' in page.text
    assert without_csrf.status_code == 403
    assert response.status_code == 200 and response.headers["content-type"] == "application/pdf"
    new_code = _CODE.findall(_text(response.content))[0]
    assert await _track(number, old_code) == 401
    assert await _track(number, new_code) == 200


async def test_reissue_is_for_the_office_only_and_an_unknown_case_changes_nothing() -> None:
    member = await factories.account("member")
    liaison = await factories.account("liaison")
    office = await factories.account("office")
    number, code = await factories.case()

    answers = {}
    for actor in (member, liaison):
        async with factories.client(Authorization=f"Bearer {await auth.issue_token(actor)}") as http:
            answers[actor.kind] = (await http.post(f"/api/v1/cases/{number}/access-code")).status_code
    token, _ = await auth.start_session(liaison)
    async with factories.client(Cookie=f"rv_session={token}") as http:
        liaison_page = await http.get(f"/liaison/cases/{number}")
    async with factories.client(Authorization=f"Bearer {await auth.issue_token(office)}") as http:
        unknown = await http.post("/api/v1/cases/PY2026999999/access-code")

    assert answers == {"member": 403, "liaison": 403}
    assert "access-code" not in liaison_page.text
    assert (unknown.status_code, unknown.json()["error"]["code"]) == (404, "case_not_found")
    assert await _track(number, code) == 200
    assert await AuditEvent.count().where(AuditEvent.action == "access_code_reissued").run() == 0


def test_notice_qr_code_points_at_the_tracking_page_without_the_code() -> None:
    html = access_notice.notice_html(
        case_number="PY2026000001",
        access_code="7K3M-Q9XD-2HFA-8RWN",
        track_url=tracking.tracking_url(),
        issued_on=datetime.date(2026, 12, 3),
    )

    expected = segno.make("http://testserver/track", error="m", micro=False).png_data_uri(scale=1, border=0)
    assert f'src="{expected}"' in html
    assert tracking.tracking_url() == "http://testserver/track"
    assert html.count("7K3M-Q9XD-2HFA-8RWN") == 1  # printed once, in the table; not in any address
