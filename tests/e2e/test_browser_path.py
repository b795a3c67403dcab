"""One case through the whole path in a real browser: intake, screening, panel, sealed scoring, ruling,
PDF verdict, verification and complainant tracking; plus a phone viewport and a browser without JavaScript."""

from __future__ import annotations

import itertools
import re
import time
from collections.abc import Callable

import httpx
import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import Server

pytestmark = pytest.mark.e2e

_serial = itertools.count(1)
HIDDEN_NOTE = "提交本人评分后，才能看到其他评议员的评分。"
PHONE = {"width": 390, "height": 844}


def push_case(server: Server) -> tuple[str, str]:
    """A case pushed by the hotline platform: (case number, access code)."""
    body = {
        "source_ref": f"E2E-{time.time_ns()}-{next(_serial)}", "channel": "hotline",
        "received_at": "2026-10-08T09:30:00+08:00", "category": "城市管理", "district": "武侯区",
        "department_code": "CDJT",
        "complainant": {"name": "王小明", "phone": "13800001234", "id_number": None, "address": None},
        "content": "玉林南路人行道井盖缺失，多次反映未处理。", "reply": "已安排养护单位修复。",
        "replied_at": "2026-10-12T16:00:00+08:00", "rating": "unsatisfied", "rated_at": "2026-10-13T10:00:00+08:00",
    }
    response = httpx.post(f"{server.url}/api/v1/cases", json=body, headers={"X-API-Key": server.api_key})
    assert response.status_code == 201, response.text
    return response.json()["case_number"], response.json()["access_code"]


def log_in(page: Page, username: str, password: str) -> None:
    page.goto("/login")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_role("button", name=re.compile("^退出"))).to_be_visible()


def open_office_case(page: Page, number: str) -> None:
    page.goto("/office/cases")
    page.get_by_role("link", name=number, exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(number)


def score_as(page: Page, server: Server, username: str, number: str, reason: str, earlier: list[str]) -> None:
    """Log in as one invited member, accept, check the seal, score every criterion, then see earlier sheets."""
    log_in(page, username, server.password)
    page.goto("/panel/invitations")
    invitation = page.locator("section", has_text=number)
    invitation.get_by_role("button", name="接受邀请").click()
    expect(page.get_by_text("已答复。")).to_be_visible()
    page.goto("/panel")
    page.get_by_role("link", name=number, exact=True).click()
    expect(page.get_by_text(HIDDEN_NOTE)).to_be_visible()
    for text in earlier:
        assert text not in page.content()
    form = page.locator("form.scoring")
    criteria = form.locator("fieldset")
    assert criteria.count() >= 1
    for i in range(criteria.count()):
        fieldset = criteria.nth(i)
        fieldset.locator("input[type=radio][value='2']").check()
        fieldset.locator("textarea").fill(f"{reason}（第{i + 1}项）")
    form.get_by_role("button", name="提交评分").click()
    expect(page).to_have_url(re.compile(r"submitted=1"))
    if not earlier:
        expect(page.get_by_text("暂无其他评议员提交评分。")).to_be_visible()
        return
    summaries = page.locator("main details summary")  # the header's menu is a <details> too
    expect(summaries).to_have_count(len(earlier))
    for i in range(summaries.count()):
        summaries.nth(i).click()
    for text in earlier:
        expect(page.get_by_text(f"{text}（第1项）").first).to_be_visible()


def wait_for_verdict(page: Page) -> None:
    """The verdict renders in an in-process job after the request; reload until its link appears."""
    deadline = time.monotonic() + 20
    link = page.get_by_role("link", name=re.compile("下载评议意见书"))
    while link.count() == 0 and time.monotonic() < deadline:
        page.wait_for_timeout(500)
        page.reload()
    expect(link).to_be_visible()


def test_case_path_in_browser_from_intake_to_verified_verdict(server: Server, new_page: Callable[..., Page]) -> None:
    number, access_code = push_case(server)
    office = new_page()

    log_in(office, server.office, server.password)
    open_office_case(office, number)
    office.get_by_role("button", name=re.compile("审查通过")).click()
    expect(office.locator("h1 .status")).to_have_text("已立案")
    office.get_by_role("button", name="随机抽取评议组").click()
    seats = office.locator("ul.panel li")
    expect(seats).to_have_count(5)
    names = [text.split(" · ")[0] for text in seats.all_inner_texts()]
    chair_name = seats.filter(has_text="组长").inner_text().split(" · ")[0]
    assert sorted(names) == sorted(server.member_by_name)

    reasons: list[str] = []
    for name in names:
        reason = f"{name}的评分理由：答复未解决井盖缺失问题"
        score_as(new_page(), server, server.member_by_name[name], number, reason, reasons)
        reasons.append(reason)

    office.reload()
    expect(office.get_by_text("已提交评分表 5 份")).to_be_visible()
    # Sealed towards the office as well until scoring closes.
    assert not any(reason in office.content() for reason in reasons)
    office.get_by_role("button", name="结束评分，进入合议").click()
    expect(office.locator("h1 .status")).to_have_text("合议中")
    expect(office.get_by_text(f"{reasons[0]}（第1项）")).to_be_attached()

    chair = new_page()
    log_in(chair, server.member_by_name[chair_name], server.password)
    chair.goto(f"/panel/cases/{number}")
    chair.get_by_label("评议理由（组长起草）").fill("答复未解决井盖缺失问题，评议组认定不满意。")
    chair.get_by_role("button", name="保存理由").click()
    chair.get_by_role("button", name="签署评议理由").click()
    expect(chair.get_by_role("heading", name="评议理由（组长已签署）")).to_be_visible()

    office.reload()
    office.get_by_role("button", name=re.compile("签发评议结论")).click()
    expect(office.locator("h1 .status")).to_have_text("已作出评议结论")
    wait_for_verdict(office)
    with office.expect_download() as download:
        office.get_by_role("link", name=re.compile("下载评议意见书")).click()
    with open(download.value.path(), "rb") as pdf:
        assert pdf.read(5) == b"%PDF-"
    office.screenshot(path="/tmp/e2e-office-case.png", full_page=True)
    office.locator("section.ruling").get_by_role("link", name="核验", exact=True).click()
    expect(office).to_have_url(re.compile(r"/verify/[^/]+$"))
    expect(office.locator("dl.facts dd.status")).to_have_text("有效")

    complainant = new_page()
    complainant.goto("/track")
    complainant.get_by_label("受理编号").fill(number)
    complainant.get_by_label("提取码").fill(access_code)
    complainant.get_by_role("button", name="查询").click()
    expect(complainant).to_have_url(re.compile(r"/track/case$"))
    steps = complainant.locator("ol.timeline li b")
    expect(steps.first).to_have_text("受理诉求")
    expect(steps.filter(has_text="作出评议结论")).to_have_count(1)
    expect(complainant.get_by_role("link", name=re.compile("下载评议意见书"))).to_be_visible()
    complainant.screenshot(path="/tmp/e2e-track.png", full_page=True)


def test_track_page_with_wrong_access_code_shows_error(server: Server, new_page: Callable[..., Page]) -> None:
    number, _ = push_case(server)
    page = new_page()

    page.goto("/track")
    page.get_by_label("受理编号").fill(number)
    page.get_by_label("提取码").fill("AAAA-BBBB-CCCC-DDDD")
    page.get_by_role("button", name="查询").click()

    expect(page.get_by_role("alert")).to_have_text("受理编号或提取码不正确")
    expect(page).to_have_url(re.compile(r"/track$"))


def test_office_case_list_on_phone_has_no_horizontal_scroll(server: Server, new_page: Callable[..., Page]) -> None:
    push_case(server)
    page = new_page(viewport=PHONE, is_mobile=True, has_touch=True)

    log_in(page, server.office, server.password)
    page.goto("/office/cases")

    expect(page.locator("table.list tbody tr").first).to_be_visible()
    widths = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    page.screenshot(path="/tmp/e2e-phone-case-list.png", full_page=True)
    assert widths[0] <= widths[1], f"scrollWidth {widths[0]} > innerWidth {widths[1]}"


def test_office_screening_without_javascript_accepts_case(server: Server, new_page: Callable[..., Page]) -> None:
    number, _ = push_case(server)
    page = new_page(java_script_enabled=False)

    log_in(page, server.office, server.password)
    open_office_case(page, number)
    page.get_by_role("button", name=re.compile("审查通过")).click()

    expect(page).to_have_url(re.compile(rf"/office/cases/{number}$"))
    expect(page.locator("h1 .status")).to_have_text("已立案")
    expect(page.get_by_role("button", name="随机抽取评议组")).to_be_visible()
