"""Mediation in a real browser: the office opens it and schedules a session; the complainant, on a phone without
JavaScript, answers the invitation on the tracking page and speaks in the room page."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime, timedelta, timezone

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import Server
from tests.e2e.test_browser_path import PHONE, log_in, open_office_case, push_case

pytestmark = pytest.mark.e2e


def _no_horizontal_scroll(page: Page) -> None:
    widths = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert widths[0] <= widths[1], f"scrollWidth {widths[0]} > innerWidth {widths[1]}"


def test_complainant_on_a_phone_without_javascript_answers_and_speaks_in_mediation(
        server: Server, new_page: Callable[..., Page]) -> None:
    number, access_code = push_case(server)
    office = new_page(java_script_enabled=False)
    log_in(office, server.office, server.password)
    open_office_case(office, number)
    office.get_by_role("button", name=re.compile("审查通过")).click()
    office.get_by_role("button", name="启动调解（评分暂停）").click()
    expect(office.locator("h1 .status")).to_have_text("调解中")
    tomorrow = (datetime.now(timezone(timedelta(hours=8))) + timedelta(days=1)).strftime("%Y-%m-%dT14:30")
    office.get_by_label("调解会时间（北京时间）").fill(tomorrow)
    office.get_by_role("button", name="安排调解会并邀请各方").click()
    expect(office.locator("#mediation")).to_contain_text("诉求人：未答复")
    room = office.get_by_role("link", name="进入调解室").get_attribute("href")
    assert room and re.fullmatch(r"/mediation/\d+", room)

    phone = new_page(viewport=PHONE, is_mobile=True, has_touch=True, java_script_enabled=False)
    phone.goto("/track")
    phone.get_by_label("受理编号").fill(number)
    phone.get_by_label("提取码").fill(access_code)
    phone.get_by_role("button", name="查询").click()
    expect(phone).to_have_url(re.compile(r"/track/case$"))
    section = phone.locator("#mediation")
    section.get_by_label("接受，按时参加").check()
    section.get_by_role("button", name="答复邀请").click()
    expect(phone.locator("#mediation")).to_contain_text("诉求人：接受")
    _no_horizontal_scroll(phone)
    phone.screenshot(path="/tmp/e2e-phone-mediation-track.png", full_page=True)

    phone.get_by_role("link", name="进入调解室").click()
    expect(phone).to_have_url(re.compile(rf"{room}$"))
    phone.get_by_label(re.compile("^发言")).fill("同意调解，希望本月内修好井盖。")
    phone.get_by_role("button", name="发送").click()
    expect(phone.locator("ol.messages li").last).to_contain_text("同意调解，希望本月内修好井盖。")
    expect(phone.locator("ol.messages li").last).to_contain_text("诉求人")
    _no_horizontal_scroll(phone)
    phone.screenshot(path="/tmp/e2e-phone-mediation-room.png", full_page=True)

    office.goto(room)
    expect(office.locator("ol.messages li").last).to_contain_text("同意调解，希望本月内修好井盖。")
    office.goto("/office/mediations")
    expect(office.get_by_role("link", name=number)).to_be_visible()
