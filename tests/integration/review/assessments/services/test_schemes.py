"""The assessment scheme's versions: draft, preview, publish (web and API); a published version never changes;
the public page lists every version with its hash; a ruling's deduction follows the version in force."""

from __future__ import annotations

import pytest

from review.assessments import scheme as rules
from review.assessments.services import record_outcome, schemes
from review.assessments.tables import AssessmentEntry, Scheme
from review.core.errors import Conflict, Forbidden, Invalid
from review.core.tables import AuditEvent
from tests import factories
from tests.integration.panel_helpers import api, csrf_of, web

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("clean_db")]


def _content(improper: int = 5, **overrides: object) -> dict:
    body = rules.scheme_json(rules.DEFAULT)
    body["deductions"] = {**body["deductions"], "improper": improper}
    return {**body, "effective_from": schemes.next_month(), **overrides}


def _later(month: str, by: int) -> str:
    year, m = int(month[:4]), int(month[5:]) + by
    year, m = year + (m - 1) // 12, (m - 1) % 12 + 1
    return f"{year}-{m:02d}"


async def test_seeded_version_one_is_the_default_with_its_hash() -> None:
    row = await Scheme.select().where(Scheme.version == 1).first().run()

    assert row["status"] == "published"
    assert row["content_hash"] == rules.scheme_hash(rules.DEFAULT)
    assert (await schemes.in_force("2026-10")).deductions["improper"] == 2


async def test_published_version_refuses_every_change_and_a_second_publish() -> None:
    office = await factories.account("office")
    draft = await schemes.create_draft(actor=office, content=_content())
    version = await schemes.publish_scheme(actor=office, draft_id=draft)
    before = await Scheme.select().where(Scheme.id == draft).first().run()

    with pytest.raises(Conflict) as changed:
        await schemes.update_draft(actor=office, draft_id=draft, content=_content(improper=9))
    with pytest.raises(Conflict) as again:
        await schemes.publish_scheme(actor=office, draft_id=draft)

    assert version == 2 and changed.value.code == again.value.code == "scheme_published"
    assert await Scheme.select().where(Scheme.id == draft).first().run() == before
    assert before["content_hash"] == rules.scheme_hash(rules.parse_scheme(
        {k: v for k, v in _content().items() if k != "effective_from"}))
    actions = [r["action"] for r in await AuditEvent.select(AuditEvent.action).run()]
    assert "scheme_drafted" in actions and "scheme_published" in actions


async def test_only_the_office_drafts_and_a_bad_draft_names_its_field() -> None:
    office = await factories.account("office")
    member = await factories.account("member")
    with pytest.raises(Forbidden):
        await schemes.create_draft(actor=member, content=_content())
    with pytest.raises(Invalid) as weights:
        await schemes.create_draft(actor=office, content=_content(weights={"reply": 30, "resolution": 30,
                                                                           "satisfaction": 30}))
    with pytest.raises(Invalid) as month:
        await schemes.create_draft(actor=office, content=_content(effective_from="2027-13"))
    draft = await schemes.create_draft(actor=office, content=_content(effective_from="2020-01"))
    with pytest.raises(Invalid) as past:
        await schemes.publish_scheme(actor=office, draft_id=draft)

    assert weights.value.field == "weights" and "100" in weights.value.message
    assert month.value.field == past.value.field == "effective_from"
    assert await Scheme.count().where(Scheme.status == "published") == 1


async def test_record_outcome_uses_a_new_deduction_for_later_periods_only() -> None:
    office = await factories.account("office")
    department_id = await factories.department()
    start = _later(schemes.next_month(), 2)
    earlier, later = _later(start, -1), start
    await schemes.publish_scheme(actor=office, draft_id=await schemes.create_draft(
        actor=office, content=_content(improper=5, effective_from=start)))

    await record_outcome(department_id=department_id, grade="improper", period=earlier)
    await record_outcome(department_id=department_id, grade="improper", period=later)
    await record_outcome(department_id=department_id, grade="improper", period=later)
    await record_outcome(department_id=department_id, grade="improper", period=later, count=-1)

    points = {r["period"]: r["points_deducted"] for r in await AssessmentEntry.select().run()}
    assert points == {earlier: 2, later: 5}


async def test_api_drafts_previews_publishes_and_lists_versions() -> None:
    office = await factories.account("office")
    async with await api(office) as http:
        created = await http.post("/api/v1/assessments/scheme/drafts", json=_content(improper=3))
        draft_id = created.json()["draft_id"]
        preview = await http.get(f"/api/v1/assessments/scheme/drafts/{draft_id}")
        bad = await http.post(f"/api/v1/assessments/scheme/drafts/{draft_id}",
                              json=_content(bands=[{"label": "好", "min": 50}, {"label": "差", "min": 10}]))
        published = await http.post(f"/api/v1/assessments/scheme/drafts/{draft_id}/publish")
        twice = await http.post(f"/api/v1/assessments/scheme/drafts/{draft_id}/publish")
        changed = await http.post(f"/api/v1/assessments/scheme/drafts/{draft_id}", json=_content(improper=7))
    async with factories.client() as anyone:
        listing = await anyone.get("/api/v1/assessments/scheme")
        one = await anyone.get("/api/v1/assessments/scheme/2")
        refused = await anyone.post("/api/v1/assessments/scheme/drafts", json=_content())

    assert created.status_code == 201
    assert preview.status_code == 200 and preview.json()["content"]["deductions"]["improper"] == 3
    assert bad.status_code == 422 and bad.json()["error"]["field"] == "bands.1.min"
    assert published.json() == {"version": 2, "status": "published"}
    assert twice.status_code == changed.status_code == 409
    body = listing.json()
    assert [v["version"] for v in body] == [2, 1]
    assert body[0]["content_hash"] == preview.json()["content_hash"]
    assert body[1]["in_force"] and not body[0]["in_force"]  # version 2 governs from next month
    assert body[1]["effective_until"] == body[0]["effective_from"]
    assert one.json()["content"]["deductions"]["improper"] == 3
    assert refused.status_code in (401, 403)


async def test_web_drafts_previews_publishes_and_the_public_page_lists_hashes() -> None:
    office = await factories.account("office")
    async with await web(office) as http:
        listing = await http.get("/office/assessments/scheme")
        made = await http.post("/office/assessments/scheme", data={"csrf_token": csrf_of(listing)})
        page_url = made.headers["location"]
        page = await http.get(page_url)
        form = {"csrf_token": csrf_of(page), "name": "考核方案（修订）", "effective_from": schemes.next_month(),
                "basic_counts_as_satisfied": "false", "numerator_reply": "replied", "denominator_reply": "handled",
                "numerator_resolution": "resolved", "denominator_resolution": "handled",
                "numerator_satisfaction": "satisfied", "denominator_satisfaction": "rated",
                "numerator_overdue": "overdue", "denominator_overdue": "handled",
                "deduction_proper": "0", "deduction_basic": "1", "deduction_improper": "4",
                "redo_overdue_points": "2", "redo_working_days": "10",
                "weight_reply": "20", "weight_resolution": "40", "weight_satisfaction": "40", "bands": "3",
                "band_label_0": "好", "band_min_0": "75", "band_label_1": "差", "band_min_1": "0"}
        bad = await http.post(page_url, data={**form, "weight_reply": "25"})
        saved = await http.post(page_url, data=form)
        preview = await http.get(page_url)
        published = await http.post(f"{page_url}/publish", data={"csrf_token": csrf_of(preview)})
        again = await http.post(f"{page_url}/publish", data={"csrf_token": csrf_of(preview)})
    async with factories.client() as anyone:
        public = await anyone.get("/public/assessments/scheme")

    assert made.status_code == 303 and saved.status_code == 303 and published.status_code == 303
    assert bad.status_code == 422 and "权重之和应为 100" in bad.text
    assert "满意率 = 满意 ÷ 评价量" in preview.text and "每件扣 4 分" in preview.text
    assert again.status_code == 409
    rows = await Scheme.select().where(Scheme.status == "published").order_by(Scheme.version).run()
    assert [r["version"] for r in rows] == [1, 2]
    assert rules.parse_scheme(__import__("json").loads(rows[1]["content"])).redo_working_days == 10
    assert public.status_code == 200
    for r in rows:
        assert r["content_hash"] in public.text
    assert "第 2 版" in public.text and "整改逾期" in public.text and "<script" not in public.text


async def test_a_ruling_takes_its_redo_days_and_deduction_from_the_version_in_force_for_its_month() -> None:
    from datetime import UTC, datetime

    from review.core import calendar
    from review.core.clock import CHINA
    from scoring.tables import Ruling
    from tests.integration.review.holidays.test_services import _improper_ruling

    office = await factories.account("office")
    start = _later(schemes.next_month(), 2)
    await schemes.publish_scheme(actor=office, draft_id=await schemes.create_draft(
        actor=office, content=_content(improper=6, redo_working_days=5, effective_from=start)))
    before, after = _later(start, -1), start
    deadlines = {}
    for month in (before, after):
        issued = datetime(int(month[:4]), int(month[5:]), 10, 2, tzinfo=UTC)
        _, ruling_id = await _improper_ruling(office, issued)
        row = await Ruling.select(Ruling.redo_deadline).where(Ruling.id == ruling_id).first().run()
        deadlines[month] = (row["redo_deadline"], issued.astimezone(CHINA).date())

    day_before, day_after = deadlines[before][1], deadlines[after][1]
    assert deadlines[before][0] == (await calendar.add_workdays(day_before, 15)).day
    assert deadlines[after][0] == (await calendar.add_workdays(day_after, 5)).day
    points = {r["period"]: r["points_deducted"] for r in await AssessmentEntry.select().run()}
    assert points == {before: 2, after: 6}


async def test_the_public_assessments_page_leads_to_the_scheme() -> None:
    async with factories.client() as public:
        page = await public.get("/public/assessments")
        assert 'href="/public/assessments/scheme"' in page.text
        assert (await public.get("/public/assessments/scheme")).status_code == 200
