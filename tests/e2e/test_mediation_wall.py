"""The wall in a real browser: a message said in the room reaches the case file only when both parties have
ticked it — the complainant on a phone, the department's liaison at a desk without JavaScript — and the office has
moved it; until then the office's case page shows who agreed, never the text. The consent list reads on a phone
without scrolling sideways."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import Server
from tests.e2e.test_browser_path import PHONE, log_in
from tests.e2e.test_mediation_room_live import _room, _say, _track_in, liaison  # noqa: F401

pytestmark = pytest.mark.e2e

SAID = "部门承认井盖缺失已有三个月"


def _consent(page: Page, item: str) -> None:
    page.locator(item).get_by_role("button", name="同意入卷").click()


def test_both_parties_consent_item_by_item_and_the_office_moves_it_into_the_case_file(
        server: Server, liaison: str, new_page: Callable[..., Page]) -> None:  # noqa: F811
    number, code, mediation_id = _room(server)
    room = f"/mediation/{mediation_id}"
    phone = new_page(viewport=PHONE, is_mobile=True, has_touch=True)
    _track_in(phone, number, code)
    phone.goto(room)
    _say(phone, SAID)
    _say(phone, "这一句不入卷")
    phone.goto(f"{room}?hold=1")
    said = phone.locator("#consents tr", has_text=SAID)
    expect(said).to_have_count(1)
    item = "#" + (said.get_attribute("id") or "")
    assert re.fullmatch(r"#item-message-\d+", item)
    overflow = phone.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 1, f"the room page scrolls sideways by {overflow}px on a phone"
    expect(phone.locator("#consents thead")).to_be_hidden()  # each item stacked as a card, its cells labelled
    _consent(phone, item)
    phone.goto(f"{room}?hold=1")
    expect(phone.locator(item)).to_contain_text("未入卷")
    expect(phone.locator(item).get_by_role("button", name="撤回同意")).to_be_visible()

    office = new_page(viewport={"width": 1280, "height": 800})
    log_in(office, server.office, server.password)
    office.goto(f"/office/cases/{number}")
    expect(office.locator("body")).not_to_contain_text(SAID)  # the case page names items, never their text
    desk = new_page(viewport={"width": 1280, "height": 800}, java_script_enabled=False)
    log_in(desk, liaison, server.password)
    desk.goto(room)
    _consent(desk, item)
    desk.goto(room)
    expect(desk.locator(item)).to_contain_text("双方同意，待评议办移入")

    office.goto(f"/office/cases/{number}")
    expect(office.locator("body")).not_to_contain_text(SAID)
    expect(office.locator("body")).to_contain_text("双方同意")
    office.goto(room)
    office.locator(item).get_by_role("button", name="移入案卷").click()
    office.goto(room)
    expect(office.locator(item)).to_contain_text("已移入案卷")
    office.goto(f"/office/cases/{number}")
    entry = office.locator("article.file-entry")
    expect(entry).to_have_count(1)
    expect(entry).to_contain_text(SAID)
    expect(entry).to_contain_text("调解中经双方同意入卷的内容")
    expect(office.locator("body")).not_to_contain_text("这一句不入卷")
