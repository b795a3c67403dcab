"""The public league table in a real browser on a phone without JavaScript: the server-drawn chart shows, the
departments' figures read without sideways scroll, the period is chosen from the list."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import Server
from tests.e2e.test_browser_path import PHONE

pytestmark = pytest.mark.e2e

HEADER = "部门编码,期间,受理量,回复量,解决量,评价量,满意,基本满意,不满意,超期,平均回复工作日"


def test_the_league_table_reads_on_a_phone_without_javascript(
    server: Server, new_page: Callable[..., Page], tmp_path: Path
) -> None:
    figures = tmp_path / "figures.csv"
    figures.write_text(f"{HEADER}\nCDJT,2025-05,900,890,760,600,450,90,60,20,5.6\n"
                       f"CDJT,2025-06,1000,992,841,700,520,87,93,36,5.73\n", encoding="utf-8")
    server.command("import-figures", str(figures))
    page = new_page(viewport=PHONE, is_mobile=True, has_touch=True, java_script_enabled=False)

    page.goto("/public/assessments?period=2025-05")
    page.get_by_label("期间").select_option("2025-06")
    page.get_by_role("button", name="查看").click()
    expect(page).to_have_url("/public/assessments?period=2025-06")
    chart = page.locator("figure.chart svg")
    expect(chart).to_be_visible()
    box = chart.bounding_box()
    assert box is not None and box["width"] <= PHONE["width"] and box["height"] > 40
    league = page.locator("ol.league")
    expect(league).to_contain_text("成都市交通运输局")
    expect(league).to_contain_text("99.2%")  # 992 / 1000, beside its numerator and denominator
    expect(league).to_contain_text("992/1000")
    widths = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert widths[0] <= widths[1], f"scrollWidth {widths[0]} > innerWidth {widths[1]}"
    page.screenshot(path="/tmp/e2e-league-phone.png", full_page=True)

    page.get_by_role("link", name="成都市交通运输局").first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("成都市交通运输局 · 2025-06")
    widths = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert widths[0] <= widths[1], f"scrollWidth {widths[0]} > innerWidth {widths[1]}"
