"""Joining mediation from the printed notice in a real browser: the complainant, on a phone without JavaScript and
without an account, opens the room's link, signs in with case number and access code, and lands in the room."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime, timedelta, timezone

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import Server
from tests.e2e.test_browser_path import PHONE, log_in, open_office_case, push_case

pytestmark = pytest.mark.e2e


def test_the_complainant_joins_from_the_notice_link_on_a_phone(
        server: Server, new_page: Callable[..., Page]) -> None:
    number, access_code = push_case(server)
    office = new_page(java_script_enabled=False)
    log_in(office, server.office, server.password)
    open_office_case(office, number)
    office.get_by_role("button", name=re.compile("审查通过")).click()
    office.get_by_role("button", name="启动调解（评分暂停）").click()
    past = (datetime.now(timezone(timedelta(hours=8))) - timedelta(days=1)).strftime("%Y-%m-%dT14:30")
    office.get_by_label("调解会时间（北京时间）").fill(past)
    office.get_by_label("地点或线上调解室（线下调解必填）").fill("锦江区人民调解中心")
    office.get_by_role("button", name="安排调解会并邀请各方").click()
    # refused, and the form comes back as typed
    expect(office.locator("#mediation")).to_contain_text("调解会时间已过")
    expect(office.get_by_label("地点或线上调解室（线下调解必填）")).to_have_value("锦江区人民调解中心")
    tomorrow = (datetime.now(timezone(timedelta(hours=8))) + timedelta(days=1)).strftime("%Y-%m-%dT14:30")
    office.get_by_label("调解会时间（北京时间）").fill(tomorrow)
    office.get_by_role("button", name="安排调解会并邀请各方").click()
    office.get_by_role("link", name="打印诉求人通知单").click()
    expect(office.locator(".session-notice")).to_contain_text("锦江区人民调解中心")
    link = office.locator(".session-notice td.url").inner_text().strip()
    room = re.sub(r"^https?://[^/]+", "", link)
    assert re.fullmatch(r"/mediation/\d+", room)
    office.screenshot(path="/tmp/e2e-office-mediation-notice.png", full_page=True)

    phone = new_page(viewport=PHONE, is_mobile=True, has_touch=True, java_script_enabled=False)
    phone.goto(room)
    expect(phone).to_have_url(re.compile(r"/track\?next="))
    phone.get_by_label("受理编号").fill(number)
    phone.get_by_label("提取码").fill(access_code)
    phone.get_by_role("button", name="进入调解室").click()
    expect(phone).to_have_url(re.compile(rf"{room}$"))
    expect(phone.locator("h1")).to_contain_text(number)

    phone.goto("/track/case")
    box = phone.locator("#next-session")
    expect(box).to_contain_text("锦江区人民调解中心")
    box.get_by_role("radio", name="请求另定时间").check()
    box.get_by_label(re.compile("方便的时间")).fill("后天上午")
    box.get_by_role("button", name="答复邀请").click()
    expect(phone.locator("#next-session")).to_contain_text("请求另定时间（后天上午）")
    phone.screenshot(path="/tmp/e2e-phone-mediation-next.png", full_page=True)

    office.goto("/office/mediations")
    expect(office.locator("table.list")).to_contain_text("已确认 0/")
