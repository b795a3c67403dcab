"""The live room: messages stored, audited by hash, read after an id, and announced on the socket; refusals."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, timedelta, timezone

import pytest

from review.accounts.services import auth
from review.core import settings
from review.mediation.tables import MediationEvent
from tests import factories
from tests.integration.panel_helpers import accepted_case, api, complainant_token, events, submit, web
from tests.integration.review.mediation.room_helpers import Socket, room_of

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("clean_db")]


_room = room_of


async def test_a_message_is_stored_audited_by_hash_and_read_after_an_id() -> None:
    office = await factories.account("office")
    number, code, mediation_id = await _room(office)
    liaison = await factories.account("liaison")
    track = factories.client(Authorization=f"Bearer {await complainant_token(number, code)}")
    async with track:
        posted = await track.post(f"/api/v1/mediation/{mediation_id}/messages", json={"text": "  希望尽快修好路灯 "})
        assert posted.status_code == 201, posted.text
        first = posted.json()
        assert (first["kind"], first["author_kind"], first["author"], first["body"]) == (
            "message", "complainant", "诉求人", "希望尽快修好路灯")
    stored = await MediationEvent.select().run()
    assert [(e["id"], e["body"], e["sha256"]) for e in stored] == [(first["id"], "希望尽快修好路灯", first["sha256"])]
    audited = await events("mediation_message")
    assert [e["data"] for e in audited] == [
        {"mediation_id": mediation_id, "event_id": first["id"], "sha256": first["sha256"]}]
    assert "路灯" not in json.dumps(audited, ensure_ascii=False, default=str)

    async with await api(liaison) as http:
        second = (await http.post(f"/api/v1/mediation/{mediation_id}/messages", json={"text": "本周内安排"})).json()
        everything = (await http.get(f"/api/v1/mediation/{mediation_id}/events")).json()
        assert [e["id"] for e in everything] == [first["id"], second["id"]]
        newer = (await http.get(f"/api/v1/mediation/{mediation_id}/events?after={first['id']}")).json()
        assert [(e["body"], e["author"]) for e in newer] == [("本周内安排", "部门联络员")]
        assert (await http.get(f"/api/v1/mediation/{mediation_id}/events?after={second['id']}")).json() == []


async def test_non_parties_and_parties_of_another_case_are_refused() -> None:
    office = await factories.account("office")
    _, _, mediation_id = await _room(office)
    other_number, other_code = await accepted_case(office)
    outsider = await factories.account("member")
    elsewhere = await factories.account("liaison", department_id=await factories.department("另一部门"))
    other_track = factories.client(Authorization=f"Bearer {await complainant_token(other_number, other_code)}")
    for http in (await api(outsider), await api(elsewhere), other_track):
        async with http:
            refused = await http.post(f"/api/v1/mediation/{mediation_id}/messages", json={"text": "我也想说"})
            assert refused.status_code == 404 and refused.json()["error"]["code"] == "mediation_not_found"
            read = await http.get(f"/api/v1/mediation/{mediation_id}/events")
            assert read.status_code == 404
    assert await MediationEvent.count().run() == 0


async def test_a_closed_mediation_and_an_over_long_message_are_refused_and_nothing_stored() -> None:
    office = await factories.account("office")
    number, _, mediation_id = await _room(office)
    async with await api(office) as http:
        too_long = await http.post(f"/api/v1/mediation/{mediation_id}/messages",
                                   json={"text": "长" * (settings.MEDIATION_MESSAGE_MAX_CHARS + 1)})
        assert too_long.status_code == 422 and too_long.json()["error"]["code"] == "message_too_long"
        assert "发言不能超过" in too_long.json()["error"]["message"]
        empty = await http.post(f"/api/v1/mediation/{mediation_id}/messages", json={"text": "  "})
        assert empty.status_code == 422 and empty.json()["error"]["code"] == "message_required"
        await http.post(f"/api/v1/cases/{number}/mediation/end", json={})
        closed = await http.post(f"/api/v1/mediation/{mediation_id}/messages", json={"text": "还有一句"})
        assert closed.status_code == 409 and closed.json()["error"]["code"] == "mediation_closed"
    assert await MediationEvent.count().run() == 0
    assert await events("mediation_message") == []


async def test_a_flood_of_messages_is_rate_limited_per_participant(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(settings, "MEDIATION_MESSAGE_RATE", "2/minute")
    office = await factories.account("office")
    number, code, mediation_id = await _room(office)
    async with await api(office) as http:
        for n in range(2):
            assert (await http.post(f"/api/v1/mediation/{mediation_id}/messages",
                                    json={"text": f"第{n}句"})).status_code == 201
        flooded = await http.post(f"/api/v1/mediation/{mediation_id}/messages", json={"text": "第三句"})
        assert flooded.status_code == 429 and flooded.json()["error"]["code"] == "too_many_messages"
        assert "retry-after" in flooded.headers
    async with factories.client(Authorization=f"Bearer {await complainant_token(number, code)}") as track:
        assert (await track.post(f"/api/v1/mediation/{mediation_id}/messages",
                                 json={"text": "轮到我"})).status_code == 201
    assert await MediationEvent.count().run() == 3


async def test_the_page_shows_the_messages_and_takes_a_post_by_form() -> None:
    office = await factories.account("office")
    number, _, mediation_id = await _room(office)
    page = f"/mediation/{mediation_id}"
    async with await web(office) as http:
        assert f'href="{page}">进入调解室' in (await http.get(f"/office/cases/{number}")).text
        shown = await http.get(page)
        assert shown.status_code == 200 and "尚无发言" in shown.text and "刷新" in shown.text
        assert 'http-equiv="refresh"' not in shown.text
        posted = await submit(http, page, f"{page}/messages", {"text": "请双方先陈述<b>诉求</b>"})
        assert posted.status_code == 303 and posted.headers["location"].startswith(page)
        again = (await http.get(page)).text
        assert "评议办" in again and "请双方先陈述&lt;b&gt;诉求&lt;/b&gt;" in again
        no_token = await http.post(f"{page}/messages", data={"text": "无令牌"})
        assert no_token.status_code == 403
    assert await MediationEvent.count().run() == 1


async def test_the_socket_sends_what_is_new_and_resumes_after_the_last_id() -> None:
    office = await factories.account("office")
    number, code, mediation_id = await _room(office)
    session, _ = await auth.start_session(office)
    cookie = {"cookie": f"rv_session={session}", "origin": "http://testserver"}
    path = f"/mediation/{mediation_id}/socket"
    async with factories.client(Authorization=f"Bearer {await complainant_token(number, code)}") as track:
        earlier = (await track.post(f"/api/v1/mediation/{mediation_id}/messages", json={"text": "连接之前"})).json()
        socket = Socket(path, **cookie)
        assert (await socket.connect())["type"] == "websocket.accept"
        assert (await socket.receive())["id"] == earlier["id"]  # what was stored before it connected
        live = (await track.post(f"/api/v1/mediation/{mediation_id}/messages", json={"text": "连接之后"})).json()
        heard = await socket.receive()
        assert (heard["id"], heard["body"], heard["author"]) == (live["id"], "连接之后", "诉求人")
        await asyncio.sleep(0.05)
        assert socket.quiet()  # nothing twice
        await socket.close()

        missed = (await track.post(f"/api/v1/mediation/{mediation_id}/messages", json={"text": "断线期间"})).json()
        resumed = Socket(path, f"after={live['id']}", **cookie)
        assert (await resumed.connect())["type"] == "websocket.accept"
        assert (await resumed.receive())["body"] == "断线期间"
        newest = (await track.post(f"/api/v1/mediation/{mediation_id}/messages", json={"text": "重连之后"})).json()
        assert (await resumed.receive())["id"] == newest["id"]
        await asyncio.sleep(0.05)
        assert resumed.quiet() and missed["id"] < newest["id"]
        await resumed.close()


async def test_the_socket_refuses_another_origin_and_non_parties_with_1008() -> None:
    office = await factories.account("office")
    _, _, mediation_id = await _room(office)
    session, _ = await auth.start_session(office)
    path = f"/mediation/{mediation_id}/socket"
    outsider = await factories.account("member")
    refusals = [
        Socket(path, cookie=f"rv_session={session}", origin="https://evil.example"),
        Socket(path, cookie=f"rv_session={session}"),  # a browser always sends an Origin
        Socket(path, origin="http://testserver"),  # nobody
        Socket(path, authorization=f"Bearer {await auth.issue_token(outsider)}"),
        Socket(f"/mediation/{mediation_id + 100}/socket", cookie=f"rv_session={session}",
               origin="http://testserver"),
    ]
    for socket in refusals:
        answer = await socket.connect()
        assert (answer["type"], answer.get("code")) == ("websocket.close", 1008)
        await asyncio.wait_for(socket.task, 5)


async def test_the_page_shows_each_message_at_beijing_time() -> None:
    office = await factories.account("office")
    _, _, mediation_id = await _room(office)
    page = f"/mediation/{mediation_id}"
    async with await web(office) as http:
        await submit(http, page, f"{page}/messages", {"text": "几点了"})
        shown = (await http.get(page)).text
    stored = (await MediationEvent.select(MediationEvent.at).first().run())["at"]
    beijing = stored.astimezone(timezone(timedelta(hours=8))).strftime("%Y-%m-%d %H:%M")
    utc = stored.astimezone(UTC).strftime("%Y-%m-%d %H:%M")
    assert beijing in shown and utc not in shown
