"""A mediation settled in a real browser: the complainant on a phone (with JavaScript) and the department's liaison at
a desk (without it) talk in the room, draft the agreement, see an edit void a confirmation, both confirm the same
version, and the complainant downloads the sealed agreement; the case is settled and the department's assessment
counts it."""

from __future__ import annotations

import re
import subprocess
import tempfile
from collections.abc import Callable
from datetime import datetime

import pytest
from playwright.sync_api import Page, expect

from review.core.clock import CHINA
from tests.e2e.conftest import Server
from tests.e2e.test_browser_path import PHONE, log_in
from tests.e2e.test_mediation_room_live import _api, _live, _room, _say, _track_in, liaison  # noqa: F401

pytestmark = pytest.mark.e2e


def _draft(page: Page, text: str, version: int) -> None:
    page.locator("#agreement-text").fill(text)
    page.get_by_role("button", name=f"保存为第{version}版").click()
    expect(page.locator("#agreement")).to_contain_text(f"最新草稿：第{version}版")


def _confirm(page: Page, version: int) -> None:
    page.get_by_role("button", name=f"确认第{version}版").click()


def _settled_in_mediation(server: Server) -> int:
    with _api(server, server.office) as office:
        month = datetime.now(CHINA).strftime("%Y-%m")
        rows = office.get("/assessments", params={"period": month, "per_page": 500})
        assert rows.status_code == 200, rows.text
    return sum(int(r["outcomes"]["settled"]) for r in rows.json()["items"] if r["code"] == "CDJT")


def test_phone_and_desk_agree_and_the_case_is_settled_with_its_sealed_agreement(
        server: Server, liaison: str, new_page: Callable[..., Page]) -> None:  # noqa: F811
    settled_before = _settled_in_mediation(server)
    number, code, mediation_id = _room(server)
    room = f"/mediation/{mediation_id}"
    phone = new_page(viewport=PHONE, is_mobile=True, has_touch=True)
    _track_in(phone, number, code)
    phone.goto(room)
    _live(phone)
    desk = new_page(viewport={"width": 1280, "height": 800}, java_script_enabled=False)
    log_in(desk, liaison, server.password)

    _say(phone, "井盖修好、赔偿鞋子，我就同意。")
    desk.goto(room)
    expect(desk.locator("ol.messages li").last).to_contain_text("井盖修好、赔偿鞋子")
    _draft(desk, "一、承办部门于12月10日前补装井盖。\n二、承办部门赔偿诉求人鞋款三百元。", 1)
    _confirm(desk, 1)
    expect(desk.locator("#agreement .confirmations")).to_contain_text("承办部门确认第1版")

    phone.goto(room)
    _live(phone)
    _draft(phone, "一、承办部门于12月10日前补装井盖。\n二、承办部门赔偿诉求人鞋款四百元。", 2)
    desk.goto(room)
    expect(desk.locator("#agreement .confirmations li.voided")).to_contain_text("已作废")
    sha = desk.locator("#version-2 code.hash").inner_text()
    _confirm(phone, 2)
    expect(phone.locator("#agreement")).to_contain_text("诉求人已确认第2版")
    _confirm(desk, 2)
    expect(desk.locator("#agreement")).to_contain_text("本案调解结案")

    download = phone.locator("#agreement a", has_text="下载调解协议书")
    for _ in range(60):  # the PDF is rendered by a job after the commit
        phone.goto(f"{room}?hold=1")  # a load of its own (a change of the #fragment alone is no reload)
        if download.count():
            break
        phone.wait_for_timeout(500)
    assert download.count(), (server.data_dir / "server.log").read_text(errors="replace")[-3000:]
    pdf = phone.request.get(download.get_attribute("href") or "")
    assert pdf.ok and pdf.headers["content-type"] == "application/pdf" and pdf.body().startswith(b"%PDF")
    with tempfile.NamedTemporaryFile(suffix=".pdf") as file:
        file.write(pdf.body())
        file.flush()
        text = subprocess.run(["pdftotext", file.name, "-"], capture_output=True, text=True, check=True).stdout
    compact = re.sub(r"\s+", "", text)
    assert sha in compact and "赔偿诉求人鞋款四百元" in compact and "三百元" not in compact

    phone.goto("/track/case")
    expect(phone.locator("body")).to_contain_text("调解结案")
    assert _settled_in_mediation(server) == settled_before + 1
    phone.screenshot(path="/tmp/e2e-phone-mediation-agreement.png", full_page=True)
