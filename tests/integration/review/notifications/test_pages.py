"""The inbox pages and API for an account and for a complainant on their tracking session, the preferences page
with its CSRF check, the office's deliveries; nobody sees another's notifications or the deliveries."""

from __future__ import annotations

import pytest

from review.core import settings
from review.core.web.guard import TRACK_COOKIE
from review.notifications import services as notifications
from review.notifications.services import Recipient
from review.notifications.tables import Delivery, Notification, NotificationPreference
from tests import factories
from tests.conftest import run_jobs
from tests.integration.panel_helpers import api, complainant_token, csrf_of, submit, web

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("clean_db")]


async def _tell(recipient: Recipient, key: str, number: str = "CD2026-0100") -> int:
    await notifications.notify(event="reminder", key=key, recipients=[recipient],
                               context={"case_number": number, "stage": "评分", "due": "12月10日", "link": "/panel"})
    row = await Notification.select(Notification.id).where(Notification.key == key).first().run()
    return int(row["id"])


async def test_inbox_page_lists_and_marks_read_for_an_account() -> None:
    member = await factories.account("member")
    notification_id = await _tell(Recipient(account_id=member.user_id), "k:page")
    async with await web(member) as http:
        page = await http.get("/notifications")
        assert page.status_code == 200
        assert "催办提醒：案件 CD2026-0100「评分」即将到期" in page.text and "1 条未读" in page.text
        assert 'id="nav-notifications"' in page.text
        refused = await http.post(f"/notifications/{notification_id}/read", data={"csrf_token": "wrong"})
        assert refused.status_code == 403
        done = await submit(http, "/notifications", f"/notifications/{notification_id}/read")
        assert done.status_code == 303 and done.headers["location"] == "/notifications"
        again = await http.get("/notifications")
    assert "条未读" not in again.text
    row = await Notification.select(Notification.read_at).where(Notification.id == notification_id).first().run()
    assert row["read_at"] is not None


async def test_office_header_shows_the_unread_count() -> None:
    office = await factories.account("office")
    await _tell(Recipient(account_id=office.user_id), "k:head:1")
    await _tell(Recipient(account_id=office.user_id), "k:head:2")
    async with await web(office) as http:
        page = await http.get("/office/cases")
    assert page.status_code == 200
    assert '<a href="/notifications" id="nav-notifications">通知 <span class="badge flag">2</span></a>' in page.text


async def test_complainant_reads_their_inbox_on_the_tracking_session() -> None:
    number, code = await factories.case()
    other_number, _ = await factories.case()
    await _tell(Recipient(case_number=number), "k:mine", number)
    theirs = await _tell(Recipient(case_number=other_number), "k:theirs", other_number)
    token = await complainant_token(number, code)
    async with factories.client() as http:
        http.cookies.set(TRACK_COOKIE, token)
        page = await http.get("/track/notifications")
        assert page.status_code == 200
        assert f"催办提醒：案件 {number}" in page.text and other_number not in page.text
        assert code not in page.text
        foreign = await http.post(f"/track/notifications/{theirs}/read", data={"csrf_token": csrf_of(page)})
        assert foreign.status_code == 404
        done = await submit(http, "/track/notifications", "/track/notifications/read-all")
        assert done.status_code == 303 and done.headers["location"] == "/track/notifications"
    async with factories.client(Authorization=f"Bearer {token}") as http:
        listed = (await http.get("/api/v1/notifications")).json()
    assert listed["unread"] == 0 and [n["subject"] for n in listed["items"]] == [
        f"催办提醒：案件 {number}「评分」即将到期"]
    assert listed["items"][0]["link"] == "/track/case"
    still = await Notification.select(Notification.read_at).where(Notification.id == theirs).first().run()
    assert still["read_at"] is None


async def test_inbox_api_lists_marks_read_and_hides_others() -> None:
    member, other = await factories.account("member"), await factories.account("member")
    mine = await _tell(Recipient(account_id=member.user_id), "k:api")
    theirs = await _tell(Recipient(account_id=other.user_id), "k:api:other")
    async with await api(member) as http:
        listed = (await http.get("/api/v1/notifications")).json()
        assert listed["unread"] == 1 and [n["id"] for n in listed["items"]] == [mine]
        assert (await http.post(f"/api/v1/notifications/{theirs}/read")).status_code == 404
        read = await http.post(f"/api/v1/notifications/{mine}/read")
        assert read.status_code == 200 and read.json() == {"unread": 0}
        assert (await http.get("/api/v1/notifications?unread=true")).json()["items"] == []
    assert (await Notification.select(Notification.read_at).where(Notification.id == theirs).first().run())[
        "read_at"] is None


async def test_preferences_page_saves_with_csrf_and_refuses_bad_addresses() -> None:
    liaison = await factories.account("liaison")
    async with await web(liaison) as http:
        page = await http.get("/account/notifications")
        assert page.status_code == 200 and "通知设置" in page.text
        no_csrf = await http.post("/account/notifications", data={"email": "a@example.cn"})
        assert no_csrf.status_code == 403
        bad = await submit(http, "/account/notifications", "/account/notifications",
                           {"email": "not-an-address", "use_email": "1", "events": ["ruling"]})
        assert bad.status_code == 422 and "电子邮件地址格式不正确" in bad.text
        saved = await submit(http, "/account/notifications", "/account/notifications",
                             {"email": "liaison@example.cn", "use_email": "1", "events": ["ruling", "redo_order"],
                              "digest": "1"})
        assert saved.status_code == 303
    row = await NotificationPreference.select().where(NotificationPreference.account == liaison.user_id).first().run()
    assert row["email"] == "liaison@example.cn" and row["digest"]
    async with await api(liaison) as http:
        shown = (await http.get("/api/v1/notifications/preferences")).json()
        assert shown["events"] == ["redo_order", "ruling"] and shown["digest"] is True
        changed = await http.post("/api/v1/notifications/preferences", json={
            "email": "", "phone": "13800001111", "use_email": False, "use_sms": True, "events": ["reminder"]})
        assert changed.status_code == 200 and changed.json()["use_sms"] is True
        refused = await http.post("/api/v1/notifications/preferences", json={"phone": "123", "use_sms": True,
                                                                            "events": ["reminder"]})
        assert refused.status_code == 422 and refused.json()["error"]["field"] == "phone"


async def test_deliveries_are_the_office_s_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(settings, "SMTP_HOST", "127.0.0.1")
    office = await factories.account("office")
    member = await factories.account("member")
    await notifications.save_preferences(actor=member, email="m@example.cn", phone="", use_email=True,
                                         use_sms=False, events=["reminder"], digest=True)
    await _tell(Recipient(account_id=member.user_id), "k:deliveries")
    await run_jobs()
    assert await Delivery.count().run() == 1
    async with await web(office) as http:
        page = await http.get("/office/notifications/deliveries?status=held")
        assert page.status_code == 200 and 'id="deliveries"' in page.text and member.username in page.text
        assert "m@example.cn" not in page.text
        empty = await http.get("/office/notifications/deliveries?status=failed")
        assert 'id="deliveries"' not in empty.text
    async with await api(office) as http:
        listed = (await http.get("/api/v1/notifications/deliveries?channel=email")).json()
    assert [d["status"] for d in listed["items"]] == ["held"] and listed["counts"]["held"] == 1
    async with await api(member) as http:
        assert (await http.get("/api/v1/notifications/deliveries")).status_code == 403
    async with await web(member) as http:
        assert (await http.get("/office/notifications/deliveries")).status_code == 403
    async with factories.client() as http:
        assert (await http.get("/api/v1/notifications")).status_code == 401


async def test_every_signed_in_viewer_sees_the_unread_count_and_a_kept_page_moves_with_it() -> None:
    """A member's and a complainant's pages carry the header's count too; the case page, kept as rendered, is
    rendered again when a notification arrives."""
    member = await factories.account("member")
    await _tell(Recipient(account_id=member.user_id), "k:member:1")
    async with await web(member) as http:
        page = await http.get("/panel")
    assert '<a href="/notifications" id="nav-notifications">通知 <span class="badge flag">1</span></a>' in page.text

    number, code = await factories.case()
    token = await complainant_token(number, code)
    async with factories.client() as http:
        http.cookies.set(TRACK_COOKIE, token)
        before = await http.get("/track/case")
        assert 'id="nav-notifications">通知</a>' in before.text
        await _tell(Recipient(case_number=number), "k:case:1", number)
        after = await http.get("/track/case")
    assert after.status_code == 200
    assert 'id="nav-notifications">通知 <span class="badge flag">1</span></a>' in after.text
