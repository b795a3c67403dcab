"""Publication in a real browser on a phone without JavaScript: one complainant refuses consent and their ruling
is never listed; another reads the preview, consents, and their ruling appears on /public/rulings, found by a
keyword, its page naming no one, its public PDF verifying against the verdict's code."""

from __future__ import annotations

import re
import time
from collections.abc import Callable

import httpx
import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import MEMBERS, Server
from tests.e2e.test_browser_path import PHONE
from tests.e2e.test_scoring_screens import CODES, _post, _token

pytestmark = pytest.mark.e2e


def _ruled(server: Server, content: str) -> tuple[str, str]:
    """A case taken in with `content`, scored by its whole panel and ruled: (case number, access code)."""
    body = {
        "source_ref": f"E2E-PUB-{time.time_ns()}", "channel": "hotline", "received_at": "2026-10-08T09:30:00+08:00",
        "category": "城市管理", "district": "武侯区", "department_code": "CDJT",
        "complainant": {"name": "欧阳娜娜", "phone": "13900004321", "id_number": None, "address": None},
        "content": f"本人欧阳娜娜反映：{content}联系电话13900004321。", "reply": "已安排养护单位处理。", "replied_at": "2026-10-12T16:00:00+08:00",
        "rating": "unsatisfied", "rated_at": "2026-10-13T10:00:00+08:00",
    }
    created = httpx.post(f"{server.url}/api/v1/cases", json=body, headers={"X-API-Key": server.api_key})
    assert created.status_code == 201, created.text
    number, code = created.json()["case_number"], created.json()["access_code"]
    office = _token(server, server.office)
    _post(server, f"/cases/{number}/screen", office, {"decision": "accept"})
    _post(server, f"/cases/{number}/panel", office)
    chair = ""
    for m in MEMBERS:
        headers = _token(server, m["username"])
        invitations = httpx.get(f"{server.url}/api/v1/invitations", headers=headers).json()["invitations"]
        seat = next(s for s in invitations if s["number"] == number)
        _post(server, f"/invitations/{seat['id']}", headers, {"answer": "accept"})
        chair = m["username"] if seat["is_chair"] else chair
    for m in MEMBERS:
        scores = [{"criterion": c, "value": 4, "reason": f"{m['name']}对{c}的理由"} for c in CODES]
        _post(server, f"/cases/{number}/scores", _token(server, m["username"]), {"scores": scores})
    _post(server, f"/cases/{number}/scoring/close", office)
    _post(server, f"/cases/{number}/deliberation/sign", _token(server, chair),
          {"reasoning": "评议组认为承办部门已到现场处理，答复基本清楚。"})
    _post(server, f"/cases/{number}/ruling", office)
    return number, code


def _answer_on_the_tracking_page(page: Page, number: str, code: str, answer: str) -> None:
    page.goto("/track")
    page.get_by_label("受理编号").fill(number)
    page.get_by_label("提取码").fill(code)
    page.get_by_role("button", name="查询").click()
    expect(page).to_have_url(re.compile(r"/track/case$"))
    block = page.locator("#publication")
    expect(block).to_contain_text("只有经您单独同意才会公开")
    expect(page.locator("#publication-preview")).to_contain_text("欧阳某")  # what will be published, masked
    expect(page.locator("#publication-preview")).not_to_contain_text("欧阳娜娜")
    _no_sideways_scroll(page)
    block.get_by_label(answer).check()
    block.get_by_role("button", name="提交我的意见").click()
    expect(page.locator("#consent-answer")).to_have_text(answer.removesuffix("下方预览的内容"))


def _listed(server: Server, keyword: str, timeout: float = 90.0) -> list[dict]:
    """The published rulings a keyword finds, once publication (after the verdict's render) has run."""
    deadline = time.monotonic() + timeout
    while True:
        found = httpx.get(f"{server.url}/api/v1/public/rulings", params={"q": keyword}).json()["rulings"]
        if found or time.monotonic() > deadline:
            return found
        time.sleep(0.5)


def _no_sideways_scroll(page: Page) -> None:
    widths = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert widths[0] <= widths[1], f"scrollWidth {widths[0]} > innerWidth {widths[1]}"


def test_refused_is_not_listed_consented_is_listed_searchable_and_its_pdf_verifies(
        server: Server, new_page: Callable[..., Page]) -> None:
    refused_number, refused_code = _ruled(server, "金牛区某路段路灯长期不亮，夜间出行困难。")
    granted_number, granted_code = _ruled(server, "青羊区某小区门前排水沟堵塞，雨天积水严重。")

    phone = {"viewport": PHONE, "is_mobile": True, "has_touch": True, "java_script_enabled": False}
    _answer_on_the_tracking_page(new_page(**phone), refused_number, refused_code, "不同意公开")
    _answer_on_the_tracking_page(new_page(**phone), granted_number, granted_code, "同意公开下方预览的内容")

    found = _listed(server, "排水沟")
    assert len(found) == 1 and "青羊区某小区门前排水沟堵塞" in found[0]["summary"]
    assert found[0]["summary"].startswith("本人欧阳某反映") and "13900004321" not in found[0]["summary"]
    assert _listed(server, "路灯", timeout=5) == []

    visitor = new_page(**phone)
    visitor.goto("/public/rulings")
    visitor.get_by_label("关键词").fill("排水沟")
    visitor.get_by_role("button", name="查找").click()
    cards = visitor.locator("li.ruling")
    expect(cards).to_have_count(1)
    expect(cards.first).to_contain_text("青羊区某小区门前排水沟堵塞")
    _no_sideways_scroll(visitor)
    cards.first.get_by_role("link", name="全文与评分表").click()
    expect(visitor.locator("article.ruling")).to_contain_text("评议组认为承办部门已到现场处理")
    expect(visitor.locator("body")).not_to_contain_text("欧阳娜娜")
    expect(visitor.locator("body")).not_to_contain_text("13900004321")
    _no_sideways_scroll(visitor)

    pdf_link = visitor.get_by_role("link", name="下载评议意见书公开版（PDF）").get_attribute("href")
    code = found[0]["verification"].rsplit("/", 1)[1]
    assert pdf_link == f"/verify/{code}/public.pdf"
    pdf = httpx.get(f"{server.url}{pdf_link}")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    checked = httpx.post(f"{server.url}/api/v1/verdicts/{code}/verify", content=pdf.content).json()
    assert checked["matches"] == "public" and checked["authentic"] is True
    visitor.get_by_role("link", name="核验这份意见书").click()
    expect(visitor.locator("body")).to_contain_text("有效")
