"""The selection on the web and through the API: the policy's versions for anyone, drafts refused naming the field,
the office screening a day's intake by filters and counts, and the complainant who sees 「未入选」 with its reason
and still asks for review."""

from __future__ import annotations

import html

import pytest

from review.core.tables import AuditEvent, Case
from review.selection import policy as rules
from review.selection.services import policies, screening
from review.selection.tables import SelectionPolicy
from tests import factories
from tests.conftest import run_jobs
from tests.integration.panel_helpers import api, complainant_token, csrf_of, web
from tests.integration.review.selection.helpers import applied, events_of, intake, status_of

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("clean_db")]


async def test_public_page_and_api_show_every_version_with_its_hash() -> None:
    office = await factories.account("office")
    draft = await policies.create_draft(actor=office, content={**rules.policy_json(rules.DEFAULT),
                                                               "sample_rate": 0.2})
    await policies.publish_policy(actor=office, draft_id=draft)

    async with factories.client() as http:
        page = await http.get("/public/selection")
        listing = await http.get("/api/v1/selection/policy")
        first = await http.get("/api/v1/selection/policy/1")

    assert page.status_code == 200
    assert "第 1 版" in page.text and "第 2 版" in page.text and "20%" in page.text
    versions = listing.json()
    assert [v["version"] for v in versions] == [2, 1] and versions[0]["in_force"]
    assert versions[1]["content_hash"] == rules.policy_hash(rules.DEFAULT)
    assert rules.content_hash(first.json()["content"]) == first.json()["content_hash"]


async def test_a_rate_outside_zero_to_one_is_refused_naming_the_field_and_nothing_stored() -> None:
    office = await factories.account("office")
    before = await SelectionPolicy.count()
    body = {**rules.policy_json(rules.DEFAULT), "sample_rate": 1.5}

    async with await api(office) as http:
        refused = await http.post("/api/v1/selection/policy/drafts", json=body)
        garbled = await http.post("/api/v1/selection/policy/drafts", json={**body, "sample_rate": "一成"})
    async with await web(office) as http:
        created = await http.post("/office/selection/policy", data={"csrf_token": csrf_of(
            await http.get("/office/selection/policy"))})
        page = created.headers["location"]
        form = await http.post(page, data={"csrf_token": csrf_of(await http.get(page)), "name": "规则",
                                           "repeat_days": "30", "reopen_days": "30", "sample_rate": "-0.2"})

    assert refused.status_code == 422
    assert refused.json()["error"]["field"] == "sample_rate" and "0 至 1" in refused.json()["error"]["message"]
    assert garbled.status_code == 422 and garbled.json()["error"]["field"] == "sample_rate"
    assert form.status_code == 422 and "抽样比例应在 0 至 1 之间" in html.unescape(form.text)
    assert await SelectionPolicy.count() == before + 1  # the web's draft, as it was copied; no refused one
    draft_id = int(page.rsplit("/", 1)[1])
    assert (await policies.draft(draft_id))["policy"].sample_rate == rules.DEFAULT.sample_rate


async def test_a_published_version_never_changes() -> None:
    office = await factories.account("office")

    async with await api(office) as http:
        changed = await http.post("/api/v1/selection/policy/drafts/1", json=rules.policy_json(rules.DEFAULT))
        again = await http.post("/api/v1/selection/policy/drafts/1/publish")

    assert changed.status_code == again.status_code == 409
    assert changed.json()["error"]["code"] == "selection_policy_published"


async def test_the_office_screens_a_day_on_the_web_by_filters_counts_and_one_adjustment() -> None:
    office = await factories.account("office")
    await factories.department("CDSW", "成都市水务局")
    await intake(12)
    await intake(6, department="CDSW", category="供水", phone_from=100)

    async with await web(office) as http:
        home = await http.get("/office/selection")
        proposed = await http.post("/office/selection", data={"csrf_token": csrf_of(home), "until": ""})
        page_url = proposed.headers["location"]
        page = await http.get(page_url)
        narrowed = await http.get(page_url, params={"department": "CDSW", "selected": "0"})
        unknown = await http.get(page_url, params={"department": "NOPE"})
        selection_id = int(page_url.rsplit("/", 1)[1])
        left_out = (await screening.decisions(selection_id=selection_id,
                                              filters=screening.Filters(department="CDSW", selected=False)))[0]
        adjusted = await http.post(f"{page_url}/adjust", data={
            "csrf_token": csrf_of(page), "case_number": left_out["number"], "selected": "1",
            "reason": "涉及供水安全，评议办决定评议", "back": "department=CDSW"})
        no_reason = await http.post(f"{page_url}/adjust", data={
            "csrf_token": csrf_of(page), "case_number": left_out["number"], "selected": "0", "reason": ""})
        started = await http.post(f"{page_url}/apply", data={"csrf_token": csrf_of(page)})
        await run_jobs()
        done = await http.get(page_url)

    assert home.status_code == 200 and "待审查" in home.text
    assert proposed.status_code == 303
    assert page.status_code == 200 and "成都市水务局" in page.text and "成都市交通运输局" in page.text
    text = html.unescape(narrowed.text)
    assert "成都市交通运输局</td>" not in text and left_out["number"] in text
    assert unknown.status_code == 422 and "本方案中没有部门" in html.unescape(unknown.text)
    assert adjusted.status_code == 303 and adjusted.headers["location"].endswith("?department=CDSW")
    assert no_reason.status_code == 422 and "请填写调整理由" in html.unescape(no_reason.text)
    assert started.status_code == 303
    assert "已应用" in done.text and "18/18" in done.text
    assert (await status_of(left_out["number"]))["status"] == "accepted"


async def test_the_api_proposes_adjusts_applies_and_reports_progress() -> None:
    office = await factories.account("office")
    await intake(8)

    async with await api(office) as http:
        made = await http.post("/api/v1/selection/proposals", json={})
        selection_id = made.json()["id"]
        base = f"/api/v1/selection/proposals/{selection_id}"
        page = await http.get(base, params={"selected": "false", "limit": 3})
        target = page.json()["decisions"][0]["case_number"]
        adjusted = await http.post(f"{base}/adjustments", json={"case_number": target, "selected": True,
                                                                "reason": "评议办决定评议"})
        no_reason = await http.post(f"{base}/adjustments", json={"case_number": target, "selected": True})
        bad_rule = await http.get(base, params={"rule": "lucky"})
        started = await http.post(f"{base}/apply")
        await run_jobs()
        progress = await http.get(f"{base}/progress")
        twice = await http.post(f"{base}/apply")
        record = await http.get(f"/api/v1/selection/draws/{selection_id}")

    assert made.status_code == 201 and made.json()["status"] == "proposed" and made.json()["total"] == 8
    body = page.json()
    assert len(body["decisions"]) == 3 and all(not d["selected"] for d in body["decisions"])
    assert body["per_department"][0]["code"] == "CDJT" and body["per_department"][0]["total"] == 8
    assert sum(body["per_rule"].values()) == 8
    assert adjusted.status_code == 200 and adjusted.json()["selected"] is True and adjusted.json()["adjusted"]
    assert no_reason.status_code == 422 and no_reason.json()["error"]["field"] == "reason"
    assert bad_rule.status_code == 422 and bad_rule.json()["error"]["field"] == "rule"
    assert started.status_code == 202 and started.json()["status"] == "applying"
    assert progress.json()["status"] == "applied" and progress.json()["done"] == progress.json()["total"] == 8
    assert twice.status_code == 409
    assert record.json()["verification"]["ok"] is True


async def test_the_complainant_sees_not_selected_with_the_reason_and_still_asks() -> None:
    office = await factories.account("office")
    numbers = await intake(10)
    selection_id = await screening.propose(actor=office)
    for d in await screening.decisions(selection_id=selection_id, filters=screening.Filters(selected=True)):
        await screening.adjust(selection_id=selection_id, number=d["number"], selected=False, reason="测试：全部未入选",
                               actor=office)
    await screening.apply(selection_id=selection_id, actor=office)
    await run_jobs()
    number = numbers[0]
    token = await _tracking_token(number)

    async with factories.client() as http:
        http.cookies.set("rv_track", token)
        page = html.unescape((await http.get("/track/case")).text)
        asked = await http.post("/track/case/review-request", data={
            "csrf_token": csrf_of(await http.get("/track/case")), "reason": "部门答复与事实不符，请求评议"})
        after = html.unescape((await http.get("/track/case")).text)

    assert "未入选" in page and "申请评议" in page and "/track/case/review-request" in page
    assert "未入选：" in page  # the reason, as the case records it
    assert asked.status_code == 303
    state = await status_of(number)
    assert state["status"] == "received" and state["review_requested"] and state["status_reason"] == ""
    assert "您已申请评议" in after
    assert [e["action"] for e in await events_of(number)][-1] == "request_review"
    # the next proposal takes it up by the first rule
    second = await screening.propose(actor=office)
    rules_now = {d["number"]: d["rule"] for d in await screening.decisions(selection_id=second,
                                                                           filters=screening.Filters())}
    assert rules_now == {number: "review_requested"}


async def _tracking_token(number: str) -> str:
    """A tracking session's token, as signing in with the access code gives it."""
    from review.accounts.services import auth
    from review.core.actors import Actor

    row = await Case.select(Case.id).where(Case.number == number).first().run()
    return await auth.issue_token(Actor(kind="complainant", case_id=row["id"]))


async def test_the_api_twin_of_the_request_and_its_refusals() -> None:
    office = await factories.account("office")
    number, code = await factories.case()
    other, _ = await factories.case()
    selection_id = await screening.propose(actor=office)
    for d in await screening.decisions(selection_id=selection_id, filters=screening.Filters(selected=True)):
        await screening.adjust(selection_id=selection_id, number=d["number"], selected=False, reason="测试",
                               actor=office)
    await screening.apply(selection_id=selection_id, actor=office)
    await run_jobs()
    token = await complainant_token(number, code)

    async with factories.client(Authorization=f"Bearer {token}") as http:
        detail = await http.get(f"/api/v1/cases/{number}")
        not_theirs = await http.post(f"/api/v1/cases/{other}/review-request", json={})
        asked = await http.post(f"/api/v1/cases/{number}/review-request", json={"reason": "请求评议"})
        twice = await http.post(f"/api/v1/cases/{number}/review-request", json={})

    assert detail.json()["status"] == "not_selected" and detail.json()["status_reason"].startswith("未入选：")
    assert not_theirs.status_code == 404
    assert asked.status_code == 200 and asked.json() == {"status": "received"}
    assert twice.status_code == 409
    assert (await status_of(other))["status"] == "not_selected"


async def test_intake_takes_review_requested_and_refuses_a_non_boolean() -> None:
    await factories.department()
    key = "intake-test-key"
    from review.accounts.services import auth

    await auth.create_api_key(name="hotline", key=key)
    async with factories.client(**{"X-API-Key": key}) as http:
        taken = await http.post("/api/v1/cases", json=factories.payload(review_requested=True))
        refused = await http.post("/api/v1/cases", json=factories.payload(review_requested="maybe"))

    assert taken.status_code == 201
    assert (await status_of(taken.json()["case_number"]))["review_requested"]
    assert refused.status_code == 422 and refused.json()["error"]["field"] == "review_requested"
    events = await AuditEvent.select(AuditEvent.data).where(AuditEvent.action == "intake").run()
    assert len(events) == 1


async def test_office_pages_need_the_office() -> None:
    member = await factories.account("member")
    office = await factories.account("office")
    await intake(2)
    await applied(office)

    async with await web(member) as http:
        page = await http.get("/office/selection")
    async with await api(member) as http:
        proposals = await http.get("/api/v1/selection/proposals")

    assert page.status_code in (403, 404)
    assert proposals.status_code == 403
