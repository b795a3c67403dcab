"""Redo orders (整改) in a real browser on a phone without JavaScript: the office's list (overdue first, no
sideways scroll) leads to the case's 整改 section with its required actions and deadline; the liaison reports
the redo done with a photo, which the section then lists and serves as a download."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import MEMBERS, Server
from tests.e2e.test_browser_path import PHONE, log_in
from tests.e2e.test_scoring_screens import CODES, _post, _token, convened

pytestmark = pytest.mark.e2e

REDO_LIAISON = "e2e-redo-liaison"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + bytes(17)


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


def test_the_liaison_reports_with_a_photo_on_a_phone_without_javascript(
    server: Server, new_page: Callable[..., Page], tmp_path: Path
) -> None:
    number = ruled_improper(server)
    server.command("createuser", "--username", REDO_LIAISON, "--role", "liaison", "--department", "CDJT",
                   "--display-name", "交通局整改联络员", "--password-stdin", stdin=server.password + "\n")
    photo = tmp_path / "整改后现场照片（很长的文件名，用来看手机上是否换行显示）.png"
    photo.write_bytes(PNG)
    page = new_page(viewport=PHONE, is_mobile=True, has_touch=True, java_script_enabled=False)
    log_in(page, REDO_LIAISON, server.password)
    page.goto(f"/liaison/cases/{number}")
    section = page.locator("section.redo")
    section.locator("textarea[name=statement]").fill("已疏通排水管道并恢复路面。")
    section.locator("input[type=file][name=files]").set_input_files(str(photo))
    section.get_by_role("button", name="报告整改完成").click()

    section = page.locator("section.redo")
    expect(section).to_contain_text("已报告整改完成，待验收")
    link = section.get_by_role("link", name=photo.name)
    expect(link).to_have_attribute("href", re.compile(rf"^/cases/{number}/redo/files/\d+$"))
    expect(section).to_contain_text(f"PNG · {len(PNG)} 字节")
    page.screenshot(path="/tmp/e2e-redo-files-phone.png", full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    with page.expect_download() as download:
        link.click()
    assert download.value.suggested_filename == photo.name
    assert Path(download.value.path()).read_bytes() == PNG
