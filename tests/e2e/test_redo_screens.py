"""Redo orders (整改) in a real browser on a phone without JavaScript: the office's list (overdue first, no
sideways scroll) leads to the case's 整改 section with its required actions and deadline."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import MEMBERS, Server
from tests.e2e.test_browser_path import PHONE, log_in
from tests.e2e.test_scoring_screens import CODES, _post, _token, convened

pytestmark = pytest.mark.e2e


def ruled_improper(server: Server) -> str:
    """A case every member scored 1 on every criterion, ruled 办理不到位: its number."""
    number, chair = convened(server)
    for m in MEMBERS:
        scores = [{"criterion": c, "value": 1, "reason": f"{m['name']}对{c}的理由"} for c in CODES]
        _post(server, f"/cases/{number}/scores", _token(server, m["username"]), {"scores": scores})
    _post(server, f"/cases/{number}/scoring/close", _token(server, server.office))
    _post(server, f"/cases/{number}/deliberation/sign", _token(server, chair),
          {"reasoning": "评议组认为承办部门未按承诺修复。"})
    _post(server, f"/cases/{number}/ruling", _token(server, server.office))
    return number


def test_office_list_and_case_section_on_a_phone_without_javascript(
    server: Server, new_page: Callable[..., Page]
) -> None:
    number = ruled_improper(server)
    page = new_page(viewport=PHONE, is_mobile=True, has_touch=True, java_script_enabled=False)
    log_in(page, server.office, server.password)
    page.goto("/office/redo-orders")
    row = page.locator("table.list tbody tr", has_text=number)
    expect(row).to_contain_text("待整改")
    widths = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    page.screenshot(path="/tmp/e2e-redo-orders-phone.png", full_page=True)
    assert widths[0] <= widths[1], f"scrollWidth {widths[0]} > innerWidth {widths[1]}"

    row.get_by_role("link", name=number).click()
    section = page.locator("section.redo")
    expect(section).to_contain_text("整改要求")
    expect(section).to_contain_text(re.compile(r"整改期限：\d{4}-\d{2}-\d{2}"))
    expect(section.get_by_role("button", name="报告整改完成")).to_have_count(0)  # the liaison's, not the office's
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
