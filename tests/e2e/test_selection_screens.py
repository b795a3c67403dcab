"""Bulk screening (批量审查) in a real browser without JavaScript: a day's intake proposed by the published policy,
the proposal read by its counts per department and narrowed by filters, one case adjusted with a reason, the
proposal applied by a job whose progress page refreshes itself until done; then every case stands as decided
with its screening on its timeline, and a complainant left 「未入选」 sees the reason and asks for review. And the
proposal on a phone: no sideways scroll, its filters and forms work by touch."""

from __future__ import annotations

import itertools
import re
import subprocess
import time
from collections.abc import Callable
from datetime import datetime, timedelta, timezone

import httpx
import pytest
from playwright.sync_api import Locator, Page, expect

from tests.e2e.conftest import VENV_BIN, Server, _child_env
from tests.e2e.test_browser_path import PHONE, log_in

pytestmark = pytest.mark.e2e

WATER = ("CDSW", "成都市水务局")
ADJUST_REASON = "涉及供水安全，评议办决定评议"
APPLY_TIMEOUT = 30_000  # ms: the job runs in-process; the page refreshes itself every 3 s while it runs
_phones = itertools.count(int(time.time()) % 10_000 * 10_000)

_DEPARTMENT = """
import asyncio, sys
from review.core import db
from review.core.tables import Department


async def main(code, name):
    db.engine()
    await db.start()
    try:
        if not await Department.exists().where(Department.code == code).run():
            await Department.insert(Department(code=code, name=name, level="市级")).run()
    finally:
        await db.stop()


asyncio.run(main(sys.argv[1], sys.argv[2]))
"""


def add_department(server: Server, code: str, name: str) -> None:
    """A second department, written to the server's database as the e2e seed writes the first."""
    assert server.data_dir is not None
    done = subprocess.run([str(VENV_BIN / "python"), "-c", _DEPARTMENT, code, name], check=False, text=True,
                          capture_output=True, env=_child_env(server.data_dir, server.url), cwd=server.data_dir,
                          timeout=60)
    assert done.returncode == 0, done.stderr


def intake(server: Server, *, department: str, category: str, requested: bool = False) -> tuple[str, str]:
    """A case of today's intake pushed by the hotline, each from its own complainant: (number, access code)."""
    now = datetime.now(timezone(timedelta(hours=8)))
    body = {
        "source_ref": f"E2E-SEL-{time.time_ns()}", "channel": "hotline",
        "received_at": (now - timedelta(hours=3)).isoformat(), "category": category, "district": "锦江区",
        "department_code": department,
        "complainant": {"name": "李华", "phone": f"139{next(_phones):08d}", "id_number": None, "address": None},
        "content": f"{category}问题反映多次仍未解决。", "reply": "已转相关单位处理。",
        "replied_at": (now - timedelta(hours=2)).isoformat(), "rating": "unsatisfied",
        "rated_at": (now - timedelta(hours=1)).isoformat(), "review_requested": requested,
    }
    response = httpx.post(f"{server.url}/api/v1/cases", json=body, headers={"X-API-Key": server.api_key})
    assert response.status_code == 201, response.text
    return response.json()["case_number"], response.json()["access_code"]


def no_sideways_scroll(page: Page) -> None:
    widths = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert widths[0] <= widths[1], f"scrollWidth {widths[0]} > innerWidth {widths[1]}"


def decisions(page: Page) -> dict[str, tuple[str, str]]:
    """The proposal's rows on the page: number -> (结果, 结果与理由's whole text)."""
    found = {}
    for row in page.locator("#decisions tbody tr").all():
        number = row.locator("td[data-label=受理编号]").inner_text().strip()
        cell = row.locator("td.outcome")
        found[number] = (cell.locator("b").inner_text().strip(), cell.inner_text())
    return found


def query_with(**params: str) -> re.Pattern[str]:
    """A URL whose query holds these parameters (whatever else the GET form sends empty)."""
    return re.compile(r"\?" + "".join(rf"(?=(.*&)?{k}={re.escape(v)}(&|$))" for k, v in params.items()))


def department_counts(page: Page, name: str) -> dict[str, str]:
    row = page.locator("#per-department tbody tr", has_text=name)
    expect(row).to_have_count(1)
    return {label: row.locator(f"td[data-label={label}]").inner_text().strip()
            for label in ("案件", "抽样入选", "现入选", "未入选", "调整")}


def filter_proposal(page: Page, **choices: str) -> None:
    form = page.get_by_role("search")
    for label, option in choices.items():
        form.get_by_label(label).select_option(label=option)
    form.get_by_role("button", name="筛选").click()


def propose(page: Page) -> None:
    page.goto("/office/selection")
    expect(page.get_by_role("heading", level=1)).to_have_text("批量审查")
    page.get_by_role("button", name="按规则生成方案").click()
    expect(page).to_have_url(re.compile(r"/office/selection/\d+$"))
    expect(page.locator("h1 .status")).to_have_text("待确认")


def timeline_step(page: Page, what: str) -> Locator:
    return page.locator("ol.timeline li").filter(has=page.locator("b", has_text=what))


def test_the_office_screens_a_days_intake_in_one_go_without_javascript(
    server: Server, new_page: Callable[..., Page]
) -> None:
    add_department(server, *WATER)
    requested, _ = intake(server, department=WATER[0], category="供水", requested=True)
    # Four others in one stratum at the policy's 10%: at most one is drawn, so at least three are left out.
    drains = [intake(server, department=WATER[0], category="排水") for _ in range(4)]
    codes = dict(drains)
    ours = {requested, *codes}
    intake(server, department="CDJT", category="城市管理")  # another department in the same proposal

    office = new_page(java_script_enabled=False)
    log_in(office, server.office, server.password)
    office.goto("/office/selection")
    expect(office.locator("#queue .badge")).to_have_text(re.compile(r"^\d+$"))
    assert int(office.locator("#queue .badge").inner_text()) >= 6
    propose(office)
    expect(office.locator("#per-department tbody tr", has_text="成都市交通运输局")).to_have_count(1)

    # The policy's proposal, read for our department.
    filter_proposal(office, 承办部门=WATER[1])
    expect(office).to_have_url(query_with(department=WATER[0]))
    proposal = decisions(office)
    assert set(proposal) == ours
    assert proposal[requested][0] == "入选" and "诉求人申请第三方评议" in proposal[requested][1]
    left_out = sorted(n for n, (outcome, _) in proposal.items() if outcome == "未入选")
    assert len(left_out) >= 3 and requested not in left_out
    for number in left_out:
        assert "分层随机抽样未抽中" in proposal[number][1] and "排水" in proposal[number][1]
    for number in ours - {requested} - set(left_out):
        assert proposal[number][0] == "入选" and "分层随机抽样抽中" in proposal[number][1]
    chosen = len(ours) - len(left_out)
    assert department_counts(office, WATER[1]) == {"案件": "5", "抽样入选": str(chosen), "现入选": str(chosen),
                                                   "未入选": str(len(left_out)), "调整": "0"}

    # Narrowed to what was left out, then one of them taken up with a reason; the filter stays.
    filter_proposal(office, 承办部门=WATER[1], 结果="未入选")
    expect(office).to_have_url(query_with(department=WATER[0], selected="0"))
    assert sorted(decisions(office)) == left_out
    target = left_out[0]
    row = office.locator("#decisions tbody tr", has_text=target)
    row.get_by_label("理由").fill(ADJUST_REASON)
    row.get_by_role("button", name="改为入选").click()
    expect(office).to_have_url(query_with(department=WATER[0], selected="0"))
    expect(office.locator("#decisions tbody tr")).to_have_count(len(left_out) - 1)
    assert target not in decisions(office)
    not_selected = left_out[1:]
    assert department_counts(office, WATER[1]) == {"案件": "5", "抽样入选": str(chosen),
                                                   "现入选": str(chosen + 1), "未入选": str(len(not_selected)),
                                                   "调整": "1"}
    filter_proposal(office, 结果="全部")
    office.get_by_role("search").get_by_label("只看调整过的").check()
    office.get_by_role("search").get_by_role("button", name="筛选").click()
    expect(office).to_have_url(query_with(adjusted="1"))
    adjusted = decisions(office)
    assert list(adjusted) == [target] and adjusted[target][0] == "入选"
    assert "已调整" in adjusted[target][1] and ADJUST_REASON in adjusted[target][1]
    assert "抽样结果：未入选" in adjusted[target][1]

    # Applied by a job: the page follows its progress on its own (a meta refresh, no script) until done.
    office.get_by_role("button", name="应用本方案").click()
    expect(office.locator("h1 .status")).to_have_text(re.compile("正在应用|已应用"))
    expect(office.locator("h1 .status")).to_have_text("已应用", timeout=APPLY_TIMEOUT)
    expect(office.locator("p.status[role=status]")).to_have_text(re.compile(r"已处理 (\d+)/\1$"))
    expect(office.locator("progress")).to_be_visible()
    expect(office.get_by_role("button", name="应用本方案")).to_have_count(0)
    filter_proposal(office, 承办部门=WATER[1])
    expect(office).to_have_url(query_with(department=WATER[0]))
    handled = {n: office.locator("#decisions tbody tr", has_text=n).locator("td[data-label=处理]").inner_text()
               for n in ours}
    assert handled == {n: "未入选" if n in not_selected else "已立案" for n in ours}
    office.screenshot(path="/tmp/e2e-selection-applied.png", full_page=True)

    # The case list agrees, by status within the department.
    accepted = sorted(ours - set(not_selected))
    for key, status, expected in (("not_selected", "未入选", not_selected), ("accepted", "已立案", accepted)):
        office.goto("/office/cases")
        filters = office.get_by_role("search")
        filters.get_by_label("状态").select_option(label=status)
        filters.get_by_label("承办部门").select_option(label=WATER[1])
        filters.get_by_role("button", name="筛选").click()
        expect(office).to_have_url(query_with(status=key, department=WATER[0]))
        expect(office.locator("table.list tbody tr")).to_have_count(len(expected))
        listed = [t.strip() for t in office.locator("table.list td[data-label=受理编号]").all_inner_texts()]
        assert sorted(listed) == sorted(expected)
        for row in office.locator("table.list tbody tr").all():
            expect(row.locator("td[data-label=状态]")).to_have_text(status)

    # Each case its own screening event on its timeline, with the reason it records.
    for number in sorted(ours):
        office.goto(f"/office/cases/{number}")
        if number in not_selected:
            expect(office.locator("h1 .status")).to_have_text("未入选")
            step = timeline_step(office, "按公布的选取规则未入选评议")
            expect(step).to_have_count(1)
            expect(step).to_contain_text("分层随机抽样未抽中")
            expect(timeline_step(office, "审查通过，立案评议")).to_have_count(0)
            expect(office.locator("#review-request")).to_contain_text("代为登记")
        else:
            expect(office.locator("h1 .status")).to_have_text("已立案")
            step = timeline_step(office, "审查通过，立案评议")
            expect(step).to_have_count(1)
            expect(timeline_step(office, "按公布的选取规则未入选评议")).to_have_count(0)
            if number == target:
                expect(step).to_contain_text(f"评议办调整了按规则生成的方案，理由：{ADJUST_REASON}")
            elif number == requested:
                expect(step).to_contain_text("诉求人申请第三方评议")
            else:
                expect(step).to_contain_text("分层随机抽样抽中")

    # A complainant left out sees 「未入选」 and why, and asks for review anyway.
    number = not_selected[0]
    complainant = new_page()
    complainant.goto("/track")
    complainant.get_by_label("受理编号").fill(number)
    complainant.get_by_label("提取码").fill(codes[number])
    complainant.get_by_role("button", name="查询").click()
    expect(complainant).to_have_url(re.compile(r"/track/case$"))
    expect(complainant.locator("h1 .status")).to_have_text("未入选")
    reason = complainant.locator("section.facts dt", has_text="说明").locator("xpath=following-sibling::dd[1]")
    expect(reason).to_contain_text("未入选：")
    expect(reason).to_contain_text("分层随机抽样未抽中")
    ask = complainant.locator("#review-request")
    ask.get_by_label("申请理由（选填）").fill("部门答复与事实不符，请求评议")
    ask.get_by_role("button", name="申请评议").click()
    expect(complainant).to_have_url(re.compile(r"/track/case$"))
    expect(complainant.locator("#review-request")).to_contain_text("您已申请评议")
    expect(complainant.locator("h1 .status")).to_have_text("已受理")
    step = timeline_step(complainant, "诉求人申请评议，重新进入审查")
    expect(step).to_have_count(1)
    expect(step).to_contain_text("部门答复与事实不符，请求评议")

    # Back in the office's queue, asked for.
    office.goto("/office/selection")
    expect(office.locator("#queue")).to_contain_text(re.compile(r"其中诉求人申请评议的 \d+ 件"))
    office.goto(f"/office/cases/{number}")
    expect(office.locator("h1 .status")).to_have_text("已受理")


def test_the_proposal_on_a_phone_reads_without_sideways_scroll_and_works_by_touch(
    server: Server, new_page: Callable[..., Page]
) -> None:
    for _ in range(3):
        intake(server, department="CDJT", category="市容环境")
    page = new_page(viewport=PHONE, is_mobile=True, has_touch=True, java_script_enabled=False)
    log_in(page, server.office, server.password)
    propose(page)
    no_sideways_scroll(page)
    page.screenshot(path="/tmp/e2e-selection-phone.png", full_page=True)

    form = page.get_by_role("search")
    controls = [form.get_by_label(label) for label in ("承办部门", "类别", "结果", "依据")]
    for control in [*controls, form.get_by_role("button", name="筛选"), page.get_by_role("button", name="应用本方案")]:
        expect(control).to_be_visible()
        box = control.bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], box
        assert box["height"] >= 24, box  # big enough to tap
    form.get_by_label("结果").select_option(label="未入选")
    form.get_by_role("button", name="筛选").tap()
    expect(page).to_have_url(query_with(selected="0"))
    rows = page.locator("#decisions tbody tr")
    expect(rows.first).to_be_visible()
    no_sideways_scroll(page)
    # Each case's outcome and reason read as text across the card, not squeezed into a column a character wide.
    outcome = rows.first.locator("td.outcome b")
    expect(outcome).to_have_text("未入选")
    lines = outcome.evaluate("b => b.getBoundingClientRect().height / parseFloat(getComputedStyle(b).fontSize)")
    assert lines < 2, f"「未入选」 is {lines:.1f} characters tall: broken into a column"

    row = rows.first
    number = row.locator("td[data-label=受理编号]").inner_text().strip()
    reason = row.get_by_label("理由")
    button = row.get_by_role("button", name="改为入选")
    for control in (reason, button):
        box = control.bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], box
    reason.tap()
    reason.fill("手机上调整：涉及老旧小区的反复投诉")
    button.tap()
    expect(page).to_have_url(query_with(selected="0"))
    expect(page.locator("#decisions tbody tr", has_text=number)).to_have_count(0)
    page.goto(page.url.split("?")[0] + "?adjusted=1")
    expect(page.locator("#decisions tbody tr", has_text=number)).to_contain_text("手机上调整")
    no_sideways_scroll(page)

    # Set aside, so nothing stays open; the list of proposals reads on the phone too.
    page.get_by_label("放弃本方案的理由").fill("手机端检查，放弃本方案")
    page.get_by_role("button", name=re.compile("^放弃本方案")).tap()
    expect(page).to_have_url(re.compile(r"/office/selection$"))
    expect(page.locator("#recent tbody tr").first).to_contain_text("已放弃")
    no_sideways_scroll(page)
