"""The live mediation room in a real browser: the complainant on a phone and the department's liaison at a desk
see each other's presence and messages as they happen; a complainant without JavaScript posts by form and the
liaison sees it live; a socket dropped mid-conversation resumes from its last id with nothing lost or doubled."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

import httpx
import pytest
from playwright.sync_api import Page, WebSocket, expect

from tests.e2e.conftest import Server
from tests.e2e.test_browser_path import PHONE, log_in, push_case

pytestmark = pytest.mark.e2e

LIAISON = "e2e-liaison"


@pytest.fixture(scope="module")
def liaison(server: Server) -> Iterator[str]:
    """The department's liaison (of CDJT, the department every pushed case goes to)."""
    server.command("createuser", "--username", LIAISON, "--role", "liaison", "--department", "CDJT",
                   "--display-name", "交通局联络员", "--password-stdin", stdin=server.password + "\n")
    yield LIAISON


def _api(server: Server, username: str) -> httpx.Client:
    token = httpx.post(f"{server.url}/api/v1/auth/token", json={"username": username, "password": server.password})
    assert token.status_code == 200, token.text
    return httpx.Client(base_url=f"{server.url}/api/v1", headers={"Authorization": f"Bearer {token.json()['token']}"})


def _room(server: Server) -> tuple[str, str, int]:
    """A case pushed by the hotline, accepted and in mediation: (number, access code, mediation id)."""
    number, code = push_case(server)
    with _api(server, server.office) as office:
        assert office.post(f"/cases/{number}/screen", json={"decision": "accept"}).status_code == 200
        opened = office.post(f"/cases/{number}/mediation")
        assert opened.status_code == 201, opened.text
    return number, code, int(opened.json()["mediation_id"])


def _complainant_api(server: Server, number: str, code: str) -> httpx.Client:
    token = httpx.post(f"{server.url}/api/v1/track", json={"case_number": number, "access_code": code})
    assert token.status_code == 200, token.text
    return httpx.Client(base_url=f"{server.url}/api/v1", headers={"Authorization": f"Bearer {token.json()['token']}"})


def _track_in(page: Page, number: str, code: str) -> None:
    page.goto("/track")
    page.get_by_label("受理编号").fill(number)
    page.get_by_label("提取码").fill(code)
    page.get_by_role("button", name="查询").click()
    expect(page).to_have_url(re.compile(r"/track/case$"))


def _say(page: Page, text: str) -> None:
    page.get_by_label(re.compile("^发言")).fill(text)
    page.get_by_role("button", name="发送").click()


def _live(page: Page) -> None:
    expect(page.locator("#room-status")).to_contain_text("实时更新中")


def test_phone_and_desk_see_each_others_presence_and_messages_live(
        server: Server, liaison: str, new_page: Callable[..., Page]) -> None:
    number, code, mediation_id = _room(server)
    room = f"/mediation/{mediation_id}"
    phone = new_page(viewport=PHONE, is_mobile=True, has_touch=True)
    _track_in(phone, number, code)
    phone.goto(room)
    _live(phone)
    desk = new_page(viewport={"width": 1280, "height": 800})
    log_in(desk, liaison, server.password)
    desk.goto(room)
    _live(desk)
    expect(phone.locator("#presence-list")).to_contain_text("部门联络员")
    expect(desk.locator("#presence-list")).to_contain_text("诉求人")

    _say(phone, "希望本月内修好井盖。")
    expect(desk.locator("ol.messages li").last).to_contain_text("希望本月内修好井盖。")
    expect(desk.locator("ol.messages li").last).to_contain_text("诉求人")
    expect(phone.get_by_label(re.compile("^发言"))).to_have_value("")  # sent by fetch: the page stayed
    _say(desk, "我们本周安排维修。")
    expect(phone.locator("ol.messages li").last).to_contain_text("我们本周安排维修。")
    expect(phone.locator("ol.messages li")).to_have_count(2)
    phone.screenshot(path="/tmp/e2e-phone-mediation-live.png", full_page=True)

    desk.close()
    expect(phone.locator("#presence-list")).not_to_contain_text("部门联络员")


def test_a_complainant_without_javascript_posts_by_form_and_the_desk_sees_it_live(
        server: Server, liaison: str, new_page: Callable[..., Page]) -> None:
    number, code, mediation_id = _room(server)
    room = f"/mediation/{mediation_id}"
    desk = new_page(viewport={"width": 1280, "height": 800})
    log_in(desk, liaison, server.password)
    desk.goto(room)
    _live(desk)

    phone = new_page(viewport=PHONE, is_mobile=True, has_touch=True, java_script_enabled=False)
    _track_in(phone, number, code)
    response = phone.goto(room)
    assert response is not None and response.headers.get("refresh")  # refreshes itself, with no <meta refresh>
    expect(phone.locator("#presence")).to_contain_text("部门联络员")
    expect(desk.locator("#presence-list")).to_contain_text("诉求人")  # a page that refreshes itself is present
    _say(phone, "我没有智能手机的流量，只能用这个页面。")
    expect(phone.locator("ol.messages li").last).to_contain_text("我没有智能手机的流量")
    expect(desk.locator("ol.messages li").last).to_contain_text("我没有智能手机的流量")
    expect(desk.locator("ol.messages li")).to_have_count(1)


def test_a_dropped_socket_resumes_from_its_last_id_with_nothing_lost_or_doubled(
        server: Server, liaison: str, new_page: Callable[..., Page]) -> None:
    number, code, mediation_id = _room(server)
    room = f"/mediation/{mediation_id}"
    desk = new_page(viewport={"width": 1280, "height": 800})
    sockets: list[WebSocket] = []
    desk.on("websocket", lambda opened: sockets.append(opened))
    log_in(desk, liaison, server.password)
    desk.goto(room)
    _live(desk)
    with _complainant_api(server, number, code) as complainant:
        def post(text: str) -> int:
            answer = complainant.post(f"/mediation/{mediation_id}/messages", json={"text": text})
            assert answer.status_code == 201, answer.text
            return int(answer.json()["id"])

        first = post("第一句")
        expect(desk.locator("ol.messages li")).to_have_count(1)
        desk.context.set_offline(True)
        desk.evaluate("document.getElementById('room').dropSocket()")
        expect(desk.locator("#room-status")).to_contain_text("重新连接")
        missed = [post("断线时第二句"), post("断线时第三句")]
        desk.context.set_offline(False)
        _live(desk)
        post("重连后第四句")
    texts = ["第一句", "断线时第二句", "断线时第三句", "重连后第四句"]
    expect(desk.locator("ol.messages li")).to_have_count(4)
    for text in texts:
        expect(desk.locator("ol.messages li", has_text=text)).to_have_count(1)
    shown = desk.locator("ol.messages li").evaluate_all("items => items.map(i => Number(i.dataset.id))")
    assert shown == sorted(shown) and shown[1:3] == missed and shown[0] == first
    resumed = [s.url for s in sockets if f"after={first}" in s.url]
    assert resumed, [s.url for s in sockets]  # the client asked for what came after the last id it had


_CLOSE_CODE_AFTER_SENDING = """([id, size]) => new Promise(done => {
  const socket = new WebSocket(`ws://${location.host}/mediation/${id}/socket`);
  socket.onopen = () => socket.send("长".repeat(size));
  socket.onclose = closing => done(closing.code);
})"""


def test_an_over_large_frame_closes_the_socket_with_1009(
        server: Server, liaison: str, new_page: Callable[..., Page]) -> None:
    _, _, mediation_id = _room(server)
    desk = new_page()
    log_in(desk, liaison, server.password)
    desk.goto(f"/mediation/{mediation_id}")
    _live(desk)
    assert desk.evaluate(_CLOSE_CODE_AFTER_SENDING, [mediation_id, 5000]) == 1009  # over the room's limit
    assert desk.evaluate(_CLOSE_CODE_AFTER_SENDING, [mediation_id, 100_000]) == 1009  # over uvicorn's
    _live(desk)  # the page's own socket is untouched
