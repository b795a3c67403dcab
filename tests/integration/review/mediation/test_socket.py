"""The live room's socket: presence, caucus filtering, and how it closes (1008 when the mediation ends or access is
withdrawn, 1009 for an over-large frame, 1013 for a client that never reads)."""

from __future__ import annotations

import asyncio

import pytest

from panels.tables import Seat
from review.accounts.services import auth
from review.accounts.services import tokens as accounts
from review.core import realtime, settings
from tests import factories
from tests.integration.panel_helpers import api, complainant_token, convened_case, member_of_seat, seats_of
from tests.integration.review.mediation.room_helpers import Socket, room_of

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("clean_db")]

ORIGIN = "http://testserver"


async def _office_socket(office: object, mediation_id: int, query: str = "") -> Socket:
    session, _ = await auth.start_session(office)  # type: ignore[arg-type]
    socket = Socket(f"/mediation/{mediation_id}/socket", query, cookie=f"rv_session={session}", origin=ORIGIN)
    assert (await socket.connect())["type"] == "websocket.accept"
    return socket


async def test_presence_is_announced_as_people_come_and_go() -> None:
    office = await factories.account("office")
    number, code, mediation_id = await room_of(office)
    liaison = await factories.account("liaison")
    watcher = await _office_socket(office, mediation_id)
    assert await watcher.presence() == ["评议办"]
    complainant = Socket(f"/mediation/{mediation_id}/socket",
                         authorization=f"Bearer {await complainant_token(number, code)}")
    assert (await complainant.connect())["type"] == "websocket.accept"
    assert await watcher.presence() == ["评议办", "诉求人"]
    desk = Socket(f"/mediation/{mediation_id}/socket", authorization=f"Bearer {await auth.issue_token(liaison)}")
    assert (await desk.connect())["type"] == "websocket.accept"
    assert await watcher.presence() == ["评议办", "诉求人", "部门联络员"]
    assert await desk.presence() == ["评议办", "诉求人", "部门联络员"]  # a newcomer is told who is here

    async with await api(liaison) as http:
        listed = (await http.get(f"/api/v1/mediation/{mediation_id}/presence")).json()
    assert [(p["kind"], p["role"]) for p in listed] == [("office", "评议办"), ("complainant", "诉求人"),
                                                        ("liaison", "部门联络员")]
    assert {p["actor"] for p in listed} == {office.label, "complainant", liaison.label}

    await complainant.close()
    assert await watcher.presence() == ["评议办", "部门联络员"]
    await desk.close()
    await watcher.close()
    async with await api(office) as http:
        assert (await http.get(f"/api/v1/mediation/{mediation_id}/presence")).json() == []


async def test_a_caucus_reaches_the_mediator_and_its_party_and_never_the_other_socket() -> None:
    office = await factories.account("office")
    number, code, mediation_id = await room_of(office)
    liaison = await factories.account("liaison")
    mediator = await _office_socket(office, mediation_id)
    party = Socket(f"/mediation/{mediation_id}/socket", authorization=f"Bearer {await complainant_token(number, code)}")
    other = Socket(f"/mediation/{mediation_id}/socket", authorization=f"Bearer {await auth.issue_token(liaison)}")
    for socket in (party, other):
        assert (await socket.connect())["type"] == "websocket.accept"
    async with await api(office) as http:
        aside = (await http.post(f"/api/v1/mediation/{mediation_id}/messages",
                                 json={"text": "私下问一句：底线是多少？", "caucus": "complainant"})).json()
        said = (await http.post(f"/api/v1/mediation/{mediation_id}/messages", json={"text": "大家好"})).json()
    assert aside["caucus"] == "complainant" and said["caucus"] == ""
    assert [(await mediator.receive())["id"] for _ in range(2)] == [aside["id"], said["id"]]
    assert [(await party.receive())["id"] for _ in range(2)] == [aside["id"], said["id"]]
    heard = await other.receive()
    assert heard["id"] == said["id"]  # the caucus before it never reached this socket
    await asyncio.sleep(0.05)
    assert other.quiet()
    for socket in (mediator, party, other):
        await socket.close()

    resumed = Socket(f"/mediation/{mediation_id}/socket", authorization=f"Bearer {await auth.issue_token(liaison)}")
    assert (await resumed.connect())["type"] == "websocket.accept"
    assert (await resumed.receive())["id"] == said["id"]  # nor does a resume from the start
    await resumed.close()


async def test_the_socket_closes_with_1008_when_the_mediation_ends() -> None:
    office = await factories.account("office")
    number, _, mediation_id = await room_of(office)
    socket = await _office_socket(office, mediation_id)
    async with await api(office) as http:
        assert (await http.post(f"/api/v1/cases/{number}/mediation/end", json={})).status_code == 200
    code, before = await socket.closed(timeout=2)  # at once: the heartbeat is 10 s away
    assert code == 1008 and {"closed": "调解已结束"} in before
    await asyncio.wait_for(socket.task, 5)
    again = Socket(f"/mediation/{mediation_id}/socket", cookie=(await _cookie(office)), origin=ORIGIN)
    answer = await again.connect()
    assert (answer["type"], answer.get("code")) == ("websocket.close", 1008)


async def _cookie(actor: object) -> str:
    session, _ = await auth.start_session(actor)  # type: ignore[arg-type]
    return f"rv_session={session}"


async def test_the_socket_closes_with_1008_when_access_is_withdrawn(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(settings, "MEDIATION_SOCKET_HEARTBEAT", 0.1)
    office = await factories.account("office")
    number, code, mediation_id = await room_of(office)
    liaison = await factories.account("liaison", username="liaison-withdrawn")
    complainant = Socket(f"/mediation/{mediation_id}/socket",
                         authorization=f"Bearer {await complainant_token(number, code)}")
    desk = Socket(f"/mediation/{mediation_id}/socket", authorization=f"Bearer {await auth.issue_token(liaison)}")
    stays = await _office_socket(office, mediation_id)
    for socket in (complainant, desk):
        assert (await socket.connect())["type"] == "websocket.accept"

    async with await api(office) as http:  # 重新生成提取码: every tracking session of the old code ends
        assert (await http.post(f"/api/v1/cases/{number}/access-code")).status_code == 200
    code_, before = await complainant.closed()
    assert code_ == 1008 and {"closed": "您的访问权限已失效"} in before

    await accounts.deactivate(username="liaison-withdrawn", actor=office)
    assert (await desk.closed())[0] == 1008
    await asyncio.sleep(0.3)
    assert not stays.task.done()  # the office's socket, still admitted, stays open
    await stays.close()


async def test_a_frame_over_the_limit_closes_with_1009() -> None:
    office = await factories.account("office")
    _, _, mediation_id = await room_of(office)
    socket = await _office_socket(office, mediation_id)
    await socket.send_text("ping")  # a heartbeat is fine
    await socket.send_text("长" * settings.MEDIATION_SOCKET_MAX_FRAME)
    assert (await socket.closed())[0] == 1009
    await asyncio.wait_for(socket.task, 5)


async def test_a_socket_that_never_reads_is_closed_with_1013_and_resumes_without_loss(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(realtime, "QUEUE_LIMIT", 3)
    office = await factories.account("office")
    number, code, mediation_id = await room_of(office)
    socket = await _office_socket(office, mediation_id)
    await socket.presence()
    socket.stall()
    posted = []
    async with factories.client(Authorization=f"Bearer {await complainant_token(number, code)}") as track:
        for n in range(6):
            posted.append((await track.post(f"/api/v1/mediation/{mediation_id}/messages",
                                             json={"text": f"第{n}句"})).json()["id"])
    socket.stalled = False
    code_, _ = await socket.closed()
    assert code_ == 1013
    await asyncio.wait_for(socket.task, 5)

    resumed = await _office_socket(office, mediation_id, "after=0")
    assert [(await resumed.receive())["id"] for _ in posted] == posted
    await resumed.close()


async def test_the_chair_mediates_a_member_sits_in_and_an_unseated_member_is_closed_out(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(settings, "MEDIATION_SOCKET_HEARTBEAT", 0.1)
    await factories.roster()
    office = await factories.account("office")
    number, _, panel_id = await convened_case(office)
    await Seat.update({Seat.status: "accepted"}).where(Seat.panel == panel_id).run()
    seats = await seats_of(panel_id)
    chair = await member_of_seat(next(s["id"] for s in seats if s["is_chair"]))
    sitter_seat = next(s["id"] for s in seats if not s["is_chair"])
    sitter = await member_of_seat(sitter_seat)
    async with await api(office) as http:
        mediation_id = int((await http.post(f"/api/v1/cases/{number}/mediation")).json()["mediation_id"])
    async with await api(chair) as http:
        aside = await http.post(f"/api/v1/mediation/{mediation_id}/messages",
                                json={"text": "组长单独问部门", "caucus": "liaison"})
        assert aside.status_code == 201, aside.text
    async with await api(sitter) as http:
        refused = await http.post(f"/api/v1/mediation/{mediation_id}/messages",
                                  json={"text": "我也单独问", "caucus": "liaison"})
        assert refused.status_code == 403 and refused.json()["error"]["code"] == "caucus_forbidden"
        assert (await http.get(f"/api/v1/mediation/{mediation_id}/events")).json() == []

    socket = Socket(f"/mediation/{mediation_id}/socket", authorization=f"Bearer {await auth.issue_token(sitter)}")
    assert (await socket.connect())["type"] == "websocket.accept"
    assert await socket.presence() == ["评议员"]
    await Seat.update({Seat.status: "removed"}).where(Seat.id == sitter_seat).run()  # 回避: off the panel
    code, before = await socket.closed()
    assert code == 1008 and {"closed": "您的访问权限已失效"} in before


async def test_an_announcement_that_overtakes_another_sends_the_socket_to_the_store(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Two processes announce two messages in turn and the second announcement arrives first (or the first never
    does): the socket still sends both, in id order, once each."""
    office = await factories.account("office")
    _, _, mediation_id = await room_of(office)
    socket = await _office_socket(office, mediation_id)
    await socket.presence()
    held: list[tuple[str, dict]] = []
    publish = realtime.publish

    async def hold(channel: str, payload: dict) -> None:
        held.append((channel, payload))

    monkeypatch.setattr(realtime, "publish", hold)
    async with await api(office) as http:
        first = (await http.post(f"/api/v1/mediation/{mediation_id}/messages", json={"text": "第一句"})).json()
        second = (await http.post(f"/api/v1/mediation/{mediation_id}/messages", json={"text": "第二句"})).json()
        monkeypatch.setattr(realtime, "publish", publish)
        announced = [payload for _, payload in held if "id" in payload]
        assert [p["id"] for p in announced] == [first["id"], second["id"]]
        assert announced[0]["prev"] < first["id"] and announced[1]["prev"] == first["id"]  # each names the one before
        await publish(held[-1][0], announced[1])  # the second's announcement arrives first
        got = [await socket.receive(), await socket.receive()]
        assert [e["id"] for e in got] == [first["id"], second["id"]]
        assert [e["body"] for e in got] == ["第一句", "第二句"] and all("prev" not in e for e in got)
        await publish(held[0][0], announced[0])  # the first's, late: already sent
        third = (await http.post(f"/api/v1/mediation/{mediation_id}/messages", json={"text": "第三句"})).json()
    assert (await socket.receive())["id"] == third["id"]
    await asyncio.sleep(0.05)
    assert socket.quiet()
    await socket.close()
