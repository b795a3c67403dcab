"""The office's import of the base figures (基础数据) in a real browser on a phone without JavaScript: the columns
and the sample read without sideways scroll, a GBK file with a bad row is reported row by row and stores nothing,
the corrected file goes in."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import Server
from tests.e2e.test_browser_path import PHONE, log_in

pytestmark = pytest.mark.e2e

HEADER = "部门编码,期间,受理量,回复量,解决量,评价量,满意,基本满意,不满意,超期,平均回复工作日"


def _no_sideways_scroll(page: Page) -> None:
    widths = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert widths[0] <= widths[1], f"scrollWidth {widths[0]} > innerWidth {widths[1]}"


def test_office_uploads_figures_on_a_phone_without_javascript(
    server: Server, new_page: Callable[..., Page], tmp_path: Path
) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_bytes(f"{HEADER}\nCDJT,2026-10,100,99,80,60,40,10,10,3,5.5\nCDJT,2026-13,100,99,80,60,40,10,30,3,\n"
                    .encode("gbk"))
    good = tmp_path / "good.csv"
    good.write_bytes(f"{HEADER}\nCDJT,2026-10,100,99,80,60,40,10,10,3,5.5\n".encode("gbk"))
    page = new_page(viewport=PHONE, is_mobile=True, has_touch=True, java_script_enabled=False)
    log_in(page, server.office, server.password)

    page.goto("/office/assessments/figures")
    expect(page.get_by_role("heading", name="表格的列")).to_be_visible()
    expect(page.locator("table.list").first).to_contain_text("avg_reply_days")
    _no_sideways_scroll(page)

    page.get_by_label("文件").set_input_files(bad)
    page.get_by_role("button", name="上传并导入").click()
    expect(page.get_by_role("alert")).to_contain_text("整批未导入")
    report = page.locator("table.list").first
    expect(report).to_contain_text("期间（period）应为月份")
    expect(report).to_contain_text("满意、基本满意、不满意合计 80，超过评价量（rated） 60")
    page.screenshot(path="/tmp/e2e-figures-phone.png", full_page=True)
    _no_sideways_scroll(page)

    page.get_by_label("文件").set_input_files(good)
    page.get_by_role("button", name="上传并导入").click()
    expect(page.locator("p.ok[role=status]")).to_contain_text("已导入 1 条基础数据（期间 2026-10）")
