"""The live room: messages stored, audited by hash, read after an id, and announced on the socket; refusals."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, timedelta, timezone

import pytest

from review.accounts.services import auth
from review.core import settings
from review.mediation.domain import room
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


async def test_a_caucus_is_read_only_by_the_mediator_and_its_party_through_the_api_and_the_page() -> None:
    office = await factories.account("office")
    number, code, mediation_id = await _room(office)
    liaison = await factories.account("liaison")
    page = f"/mediation/{mediation_id}"
    track = factories.client(Authorization=f"Bearer {await complainant_token(number, code)}")
    async with await api(liaison) as desk, track:
        early = await track.post(f"/api/v1/mediation/{mediation_id}/messages",
                                 json={"text": "我想单独说", "caucus": "complainant"})
        assert early.status_code == 403 and early.json()["error"]["code"] == "caucus_not_opened"
        async with await web(office) as http:  # the mediator opens it by form
            posted = await submit(http, page, f"{page}/messages", {"text": "单独问：可以接受赔偿吗", "caucus": "complainant"})
            assert posted.status_code == 303
            assert "单独沟通 · 诉求人" in (await http.get(page)).text
        answer = await track.post(f"/api/v1/mediation/{mediation_id}/messages",
                                  json={"text": "可以接受八成", "caucus": "complainant"})
        assert answer.status_code == 201 and answer.json()["caucus"] == "complainant"
        public = (await desk.post(f"/api/v1/mediation/{mediation_id}/messages", json={"text": "部门意见如下"})).json()
        intruding = await desk.post(f"/api/v1/mediation/{mediation_id}/messages",
                                    json={"text": "我也听听", "caucus": "complainant"})
        assert intruding.status_code == 403 and intruding.json()["error"]["code"] == "caucus_forbidden"
        crossing = await track.post(f"/api/v1/mediation/{mediation_id}/messages",
                                    json={"text": "给部门的私话", "caucus": "liaison"})
        assert crossing.status_code == 403 and crossing.json()["error"]["code"] == "caucus_forbidden"
        unknown = await desk.post(f"/api/v1/mediation/{mediation_id}/messages", json={"text": "x", "caucus": "all"})
        assert unknown.status_code == 422 and unknown.json()["error"]["field"] == "caucus"

        mine = (await track.get(f"/api/v1/mediation/{mediation_id}/events")).json()
        assert [e["body"] for e in mine] == ["单独问：可以接受赔偿吗", "可以接受八成", "部门意见如下"]
        theirs = (await desk.get(f"/api/v1/mediation/{mediation_id}/events")).json()
        assert [e["id"] for e in theirs] == [public["id"]]
        assert (await desk.get(f"/api/v1/mediation/{mediation_id}/events?after=0")).json() == theirs
    async with await web(liaison) as http:
        shown = (await http.get(page)).text
        assert "部门意见如下" in shown and "赔偿" not in shown and "八成" not in shown
        assert 'name="caucus"' not in shown  # no caucus opened with the liaison: nowhere to post one
    async with await api(office) as http:
        everything = (await http.get(f"/api/v1/mediation/{mediation_id}/events")).json()
    assert len(everything) == 3
    audited = await events("mediation_message")
    assert [e["data"].get("caucus") for e in audited] == ["complainant", "complainant", None]


async def test_the_page_shows_the_latest_messages_with_a_link_to_earlier_ones(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(room, "PAGE_LATEST", 3)
    office = await factories.account("office")
    _, _, mediation_id = await _room(office)
    page = f"/mediation/{mediation_id}"
    async with await api(office) as http:
        ids = [(await http.post(f"/api/v1/mediation/{mediation_id}/messages", json={"text": f"第{n}条发言"})).json()["id"]
               for n in range(5)]
    async with await web(office) as http:
        latest = (await http.get(page)).text
        assert [f"第{n}条发言" in latest for n in range(5)] == [False, False, True, True, True]
        assert f'href="{page}?before={ids[2]}">查看更早的发言' in latest
        earlier = (await http.get(f"{page}?before={ids[2]}")).text
        assert [f"第{n}条发言" in earlier for n in range(5)] == [True, True, False, False, False]
        assert "查看更早的发言" not in earlier and f'href="{page}">查看最新的发言' in earlier


async def test_the_page_refreshes_itself_by_header_unless_held_live_or_closed() -> None:
    office = await factories.account("office")
    number, _, mediation_id = await _room(office)
    page = f"/mediation/{mediation_id}"
    async with await web(office) as http:
        shown = await http.get(page)
        assert shown.headers["refresh"] == str(settings.MEDIATION_PAGE_REFRESH)
        assert 'http-equiv="refresh"' not in shown.text and "暂停自动刷新" in shown.text
        assert "在场：<span id=\"presence-list\">评议办</span>" in shown.text  # the page's reader counts as present
        held = await http.get(f"{page}?hold=1")
        assert "refresh" not in held.headers and "恢复自动刷新" in held.text
        posted = await submit(http, f"{page}?hold=1", f"{page}/messages", {"text": "慢慢写", "hold": "1"})
        assert posted.headers["location"] == f"{page}?hold=1#latest"
        http.cookies.set("rv_room_live", "1")  # the room's script is connected: its socket brings what is new
        assert "refresh" not in (await http.get(page)).headers
    async with await api(office) as http:
        await http.post(f"/api/v1/cases/{number}/mediation/end", json={})
    async with await web(office) as http:
        closed = await http.get(page)
        assert "refresh" not in closed.headers and "调解已结束，不能再发言" in closed.text
