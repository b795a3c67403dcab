"""Scoring screens in a real browser: the rater-quality chart under the Content-Security-Policy, and the
scoring and signing forms on a phone without JavaScript."""

from __future__ import annotations

import io
import re
from collections.abc import Callable

import httpx
import pytest
from PIL import Image
from playwright.sync_api import Page, expect

from tests.e2e.conftest import MEMBERS, Server
from tests.e2e.test_browser_path import PHONE, log_in, push_case

pytestmark = pytest.mark.e2e

CODES = ["C1", "C2", "C3", "C4", "C5", "C6"]


_tokens: dict[tuple[str, str], dict[str, str]] = {}


def _token(server: Server, username: str) -> dict[str, str]:
    """A bearer token per login and server, asked for once (logins are rate-limited per client)."""
    if (server.url, username) not in _tokens:
        response = httpx.post(
            f"{server.url}/api/v1/auth/token", json={"username": username, "password": server.password}
        )
        assert response.status_code == 200, response.text
        _tokens[server.url, username] = {"Authorization": f"Bearer {response.json()['token']}"}
    return _tokens[server.url, username]


def _post(server: Server, path: str, headers: dict[str, str], body: dict | None = None) -> dict:
    response = httpx.post(f"{server.url}/api/v1{path}", json=body or {}, headers=headers)
    assert response.status_code in (200, 201), (path, response.text)
    return response.json()


def convened(server: Server) -> tuple[str, str]:
    """A case whose five-seat panel has accepted (through the API): (case number, the chair's login)."""
    number, _ = push_case(server)
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
    return number, chair


def scored_and_closed(server: Server, number: str) -> None:
    for i, m in enumerate(MEMBERS):  # 5, 4, 3, 2, 1: two lenient, two harsh, one in the middle
        scores = [{"criterion": c, "value": 5 - i, "reason": f"{m['name']}对{c}的理由"} for c in CODES]
        _post(server, f"/cases/{number}/scores", _token(server, m["username"]), {"scores": scores})
    _post(server, f"/cases/{number}/scoring/close", _token(server, server.office))


def test_quality_chart_renders_in_colour_under_the_csp_at_phone_width(
    server: Server, new_page: Callable[..., Page]
) -> None:
    number, _ = convened(server)
    scored_and_closed(server, number)
    page = new_page(viewport=PHONE, is_mobile=True, has_touch=True)
    refused: list[str] = []
    page.on("console", lambda m: refused.append(m.text) if "Content Security Policy" in m.text else None)

    log_in(page, server.office, server.password)
    page.goto("/office/quality")
    chart = page.locator("figure.chart svg")
    expect(chart).to_be_visible()
    png = chart.screenshot()
    page.screenshot(path="/tmp/e2e-quality-phone.png", full_page=True)

    box = chart.bounding_box()
    assert box is not None and 300 <= box["width"] <= PHONE["width"], box
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert refused == []  # nothing on the page was blocked by the policy
    colours = Image.open(io.BytesIO(png)).convert("RGB").getcolors(maxcolors=1 << 20)
    assert colours is not None and len(colours) > 2, colours
    present = {c for _, c in colours}
    assert (0xB0, 0x3A, 0x2E) in present and (0x1F, 0x61, 0x8D) in present  # both kinds of bar are drawn
    dominant = max(colours)[0] / sum(n for n, _ in colours)
    assert dominant < 0.95  # not one colour with a few stray pixels


def test_scoring_form_on_a_phone_without_javascript_keeps_the_text_and_marks_the_field(
    server: Server, new_page: Callable[..., Page]
) -> None:
    number, _ = convened(server)
    page = new_page(viewport=PHONE, is_mobile=True, has_touch=True, java_script_enabled=False)
    log_in(page, MEMBERS[0]["username"], server.password)
    page.goto(f"/panel/cases/{number}")
    form = page.locator("form.scoring")
    criteria = form.locator("fieldset")
    for i in range(criteria.count()):
        criteria.nth(i).locator("input[type=radio][value='4']").check()
        criteria.nth(i).locator("textarea").fill(f"第{i + 1}项：答复没有说明井盖何时修复")

    # The browser itself stops a sheet with a reason missing, before anything is sent.
    page.locator("#reason-C2").fill("")
    form.get_by_role("button", name="提交评分").click()
    expect(page).to_have_url(re.compile(rf"/panel/cases/{number}$"))
    expect(page.locator("#reason-C2:invalid")).to_have_count(1)

    # A reason of spaces passes the browser and is refused by the server, at the field.
    page.locator("#reason-C2").fill("   ")
    form.get_by_role("button", name="提交评分").click()
    field = page.locator("#reason-C2")
    expect(field).to_have_attribute("aria-invalid", "true")
    expect(field).to_have_attribute("aria-describedby", "error-C2")
    expect(page.locator("#error-C2")).to_contain_text("请填写")
    expect(field).to_be_focused()
    expect(field).to_be_in_viewport()
    for i in range(criteria.count()):
        if i != 1:
            expect(page.locator(f"#reason-C{i + 1}")).to_have_value(f"第{i + 1}项：答复没有说明井盖何时修复")
        expect(page.locator(f"#score-C{i + 1} input[value='4']")).to_be_checked()
    page.screenshot(path="/tmp/e2e-phone-scoring-error.png", full_page=True)

    field.fill("第2项：答复没有说明井盖何时修复")
    page.locator("form.scoring").get_by_role("button", name="提交评分").click()
    expect(page).to_have_url(re.compile(r"submitted=1"))


def test_chair_signs_the_typed_reasoning_on_a_phone_without_javascript(
    server: Server, new_page: Callable[..., Page]
) -> None:
    number, chair = convened(server)
    scored_and_closed(server, number)
    page = new_page(viewport=PHONE, is_mobile=True, has_touch=True, java_script_enabled=False)
    log_in(page, chair, server.password)
    page.goto(f"/panel/cases/{number}")

    page.get_by_label("评议理由（组长起草）").fill("答复未说明修复时间，评议组认定办理不到位。")
    page.get_by_role("button", name="签署评议理由").click()

    expect(page.get_by_role("heading", name="评议理由（组长已签署）")).to_be_visible()
    expect(page.get_by_text("答复未说明修复时间，评议组认定办理不到位。")).to_be_visible()
