"""The clock policy's versions: the office edits a draft, previews it in words and publishes it as the next
version with its SHA-256; a bad draft is refused naming the field, on the page and through the API; published
versions never change; the public sees every version; only the office may draft or publish."""

from __future__ import annotations

import asyncio
import copy
import json
from datetime import UTC, datetime
from typing import Any

import pytest

from review.core.tables import AuditEvent
from review.deadlines import policy as rules
from review.deadlines import services
from review.deadlines.services import policy as versions
from review.deadlines.tables import ClockPolicyVersion
from tests import factories
from tests.integration.panel_helpers import api, submit, web

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("clean_db")]


def _draft(**stage_changes: dict[str, Any]) -> dict[str, Any]:
    raw = copy.deepcopy(rules.as_data(rules.DEFAULT))
    for stage, change in stage_changes.items():
        raw["stages"][stage].update(change)
    return raw


def _form(raw: dict[str, Any]) -> dict[str, Any]:
    """The office page's form fields for a draft, as a browser posts them."""
    data: dict[str, Any] = {"name": raw["name"]}
    for code, stage in raw["stages"].items():
        data |= {f"timed_{code}": "1", f"limit_{code}": str(stage["limit"]), f"unit_{code}": stage["unit"],
                 f"remind_before_{code}": str(stage["remind_before"]), f"remind_{code}": stage["remind"],
                 f"steps_{code}": str(len(stage["escalations"])), f"pauses_{code}": stage["pauses"]}
        for i, step in enumerate(stage["escalations"]):
            data |= {f"esc_after_{code}_{i}": str(step["after"]), f"esc_to_{code}_{i}": step["to"]}
    return data


async def _rows() -> list[dict[str, Any]]:
    return await ClockPolicyVersion.select().order_by(ClockPolicyVersion.id).run()


async def test_a_fresh_database_reads_version_1_as_the_built_in_policy() -> None:
    found = await versions.versions()

    assert [(v.version, v.content_hash, v.stored) for v in found] == [(1, rules.policy_hash(rules.DEFAULT), False)]
    assert await services.policy_in_force() == rules.DEFAULT
    async with factories.client() as http:
        body = (await http.get("/api/v1/clocks/policy")).json()
    assert body["version_in_force"] == 1 and body["versions"][0]["built_in"] is True


async def test_the_office_drafts_previews_and_publishes_the_next_version() -> None:
    office = await factories.account("office")
    raw = _draft(scoring={"limit": 7, "remind_before": 2})
    expected = rules.parse_policy(raw)

    async with await web(office) as http:
        saved = await submit(http, "/office/clocks", "/office/clocks/draft", _form(raw))
        assert saved.status_code == 303
        page = await http.get("/office/clocks")
        assert "评分：7 个工作日内完成；到期前 2 个工作日提醒当前环节的责任人" in page.text  # the preview in words
        assert rules.policy_hash(expected) in page.text
        assert await services.policy_in_force() == rules.DEFAULT  # a draft is not in force
        published = await submit(http, "/office/clocks", "/office/clocks/publish")
        assert published.status_code == 303 and "published=2" in published.headers["location"]

    rows = await _rows()
    assert [(r["version"], r["status"]) for r in rows] == [(1, "published"), (2, "published")]
    assert rows[0]["content"] == rules.canonical(rules.DEFAULT)
    assert rows[1]["content"] == rules.canonical(expected)
    assert rows[1]["content_hash"] == rules.policy_hash(expected)
    assert await services.policy_in_force() == expected
    events = await AuditEvent.select(AuditEvent.action, AuditEvent.data).where(
        AuditEvent.action == "clock_policy_published").run()
    data = events[0]["data"] if isinstance(events[0]["data"], dict) else json.loads(events[0]["data"])
    assert len(events) == 1 and data["version"] == 2 and data["content_hash"] == rules.policy_hash(expected)


@pytest.mark.parametrize(("change", "field", "words"), [
    ({"screening": {"limit": -2}}, "stages.screening.limit", "「受理审查」的时限不能小于 1"),
    ({"scoring": {"remind_before": 5}}, "stages.scoring.remind_before", "提醒应在期限之内、到期之前"),
    ({"scoring": {"remind_before": 9}}, "stages.scoring.remind_before", "提醒应在期限之内、到期之前"),
    ({"scoring": {"escalations": [{"after": 1, "to": ""}]}}, "stages.scoring.escalations[0].to", "须指明通知对象"),
])
async def test_a_bad_draft_is_refused_on_the_page_naming_the_field(change: dict, field: str, words: str) -> None:
    office = await factories.account("office")

    async with await web(office) as http:
        refused = await submit(http, "/office/clocks", "/office/clocks/draft", _form(_draft(**change)))

    assert refused.status_code == 422
    assert words in refused.text and field in refused.text
    assert 'aria-invalid="true"' in refused.text
    assert await _rows() == []  # nothing stored, not even version 1


@pytest.mark.parametrize(("change", "field", "words"), [
    ({"screening": {"limit": -1}}, "stages.screening.limit", "不能小于 1"),
    ({"convening": {"remind_before": 3}}, "stages.convening.remind_before", "到期之前"),
    ({"redo": {"escalations": [{"after": 1}]}}, "stages.redo.escalations[0].to", "通知对象"),
])
async def test_a_bad_draft_is_refused_through_the_api_naming_the_field(change: dict, field: str, words: str) -> None:
    office = await factories.account("office")

    async with await api(office) as http:
        refused = await http.put("/api/v1/clocks/policy/draft", json=_draft(**change))

    assert refused.status_code == 422
    error = refused.json()["error"]
    assert error["code"] == "invalid_policy" and error["field"] == field and words in error["message"]
    assert await _rows() == []


async def test_the_api_saves_publishes_and_lists_versions() -> None:
    office = await factories.account("office")
    raw = _draft(screening={"limit": 3})
    digest = rules.policy_hash(rules.parse_policy(raw))

    async with await api(office) as http:
        saved = await http.put("/api/v1/clocks/policy/draft", json=raw)
        assert saved.status_code == 200 and saved.json()["content_hash"] == digest
        assert saved.json()["words"]["screening"].startswith("受理审查：3 个工作日内完成")
        listed = (await http.get("/api/v1/clocks/policy/versions")).json()
        assert listed["draft"]["content_hash"] == digest and [v["version"] for v in listed["versions"]] == [1]
        published = await http.post("/api/v1/clocks/policy/draft/publish")
        assert published.status_code == 200
        assert published.json()["version"] == 2 and published.json()["content_hash"] == digest
        again = await http.post("/api/v1/clocks/policy/draft/publish")
        assert again.status_code == 404 and again.json()["error"]["code"] == "policy_draft_not_found"
        same = await http.put("/api/v1/clocks/policy/draft", json=raw)
        assert same.status_code == 200
        unchanged = await http.post("/api/v1/clocks/policy/draft/publish")
        assert unchanged.status_code == 409 and unchanged.json()["error"]["code"] == "policy_unchanged"
        listed = (await http.get("/api/v1/clocks/policy/versions")).json()
    assert [v["version"] for v in listed["versions"]] == [2, 1]
    assert listed["versions"][0]["in_force"] is True and listed["versions"][1]["in_force"] is False


async def test_a_published_version_never_changes() -> None:
    office = await factories.account("office")
    await versions.save_draft(actor=office, content=_draft(screening={"limit": 3}))
    await versions.publish(actor=office)
    second = {r["version"]: (r["content"], r["content_hash"], r["published_at"]) for r in await _rows()}

    await versions.save_draft(actor=office, content=_draft(screening={"limit": 4}))
    await versions.save_draft(actor=office, content=_draft(screening={"limit": 5}))
    await versions.publish(actor=office)

    rows = await _rows()
    kept = {r["version"]: (r["content"], r["content_hash"], r["published_at"]) for r in rows if r["version"] in second}
    assert kept == second
    assert [r["version"] for r in rows if r["status"] == "published"] == [1, 2, 3]
    assert [r for r in rows if r["status"] == "draft"] == []  # the one draft became version 3
    assert (await services.policy_in_force()).rule("screening").limit == 5  # type: ignore[union-attr]


async def test_the_public_sees_every_published_version_the_one_in_force_first() -> None:
    office = await factories.account("office")
    for limit in (3, 4):
        await versions.save_draft(actor=office, content=_draft(scoring={"limit": limit + 4}))
        await versions.publish(actor=office)
    hashes = {v.version: v.content_hash for v in await versions.versions()}

    async with factories.client() as http:
        page = await http.get("/public/clocks")
        body = (await http.get("/api/v1/clocks/policy")).json()

    assert page.status_code == 200
    assert page.text.index("现行：第 3 版") < page.text.index("第 2 版：") < page.text.index("第 1 版：")
    assert all(digest in page.text for digest in hashes.values())
    assert "评分</strong>：8 个工作日内完成" in page.text  # the version in force, in full
    assert body["version_in_force"] == 3
    assert [(v["version"], v["content_hash"]) for v in body["versions"]] == sorted(hashes.items(), reverse=True)
    assert body["versions"][0]["content"]["stages"]["scoring"]["limit"] == 8
    assert rules.policy_hash(rules.parse_policy(body["versions"][1]["content"])) == hashes[2]


async def test_only_the_office_drafts_publishes_or_reads_the_drafts() -> None:
    member = await factories.account("member")
    liaison = await factories.account("liaison", department_id=await factories.department())

    for actor in (member, liaison):
        async with await api(actor) as http:
            assert (await http.put("/api/v1/clocks/policy/draft", json=_draft())).status_code == 403
            assert (await http.post("/api/v1/clocks/policy/draft/publish")).status_code == 403
            assert (await http.get("/api/v1/clocks/policy/versions")).status_code == 403
            assert (await http.get("/api/v1/clocks/policy/shifts")).status_code == 403
        async with await web(actor) as http:
            assert (await http.get("/office/clocks")).status_code == 403
    async with factories.client() as http:
        assert (await http.put("/api/v1/clocks/policy/draft", json=_draft())).status_code == 401
        assert (await http.get("/office/clocks")).status_code in (303, 401)
    with pytest.raises(Exception, match="只有评议办"):
        await versions.save_draft(actor=member, content=_draft())
    assert await _rows() == []


async def test_a_version_published_by_another_process_is_in_force_here_at_once() -> None:
    assert await services.policy_in_force() == rules.DEFAULT  # kept in this process
    other = rules.parse_policy(_draft(screening={"limit": 9}))
    now = datetime.now(UTC)
    # What another process's publish leaves in the table.
    await ClockPolicyVersion.insert(
        ClockPolicyVersion(version=1, status="published", content=rules.canonical(rules.DEFAULT),
                           content_hash=rules.policy_hash(rules.DEFAULT), created_at=now, published_at=now),
        ClockPolicyVersion(version=2, status="published", content=rules.canonical(other),
                           content_hash=rules.policy_hash(other), created_at=now, published_at=now),
    ).run()

    assert await services.policy_in_force() == other


async def test_two_first_saves_at_once_store_version_1_once() -> None:
    office = await factories.account("office")

    await asyncio.gather(versions.save_draft(actor=office, content=_draft(screening={"limit": 3})),
                         versions.save_draft(actor=office, content=_draft(screening={"limit": 4})))

    rows = await _rows()
    assert [(r["version"], r["status"]) for r in rows] == [(1, "published"), (None, "draft")]


async def _stored_bad_draft() -> None:
    """A draft saved before the rule it breaks was added: the reminder at the deadline itself."""
    raw = _draft(scoring={"remind_before": 5})
    await ClockPolicyVersion.insert(ClockPolicyVersion(status="draft", content=json.dumps(raw, ensure_ascii=False),
                                                       created_at=datetime.now(UTC))).run()


async def test_publishing_a_draft_that_breaks_a_rule_is_refused_naming_the_field() -> None:
    office = await factories.account("office")
    await _stored_bad_draft()

    async with await web(office) as http:
        page = await http.get("/office/clocks")
        assert page.status_code == 200 and "stages.scoring.remind_before" in page.text
        refused = await submit(http, "/office/clocks", "/office/clocks/publish")
    async with await api(office) as http:
        listed = (await http.get("/api/v1/clocks/policy/versions")).json()
        by_api = await http.post("/api/v1/clocks/policy/draft/publish")

    assert refused.status_code == 422 and "提醒应在期限之内、到期之前" in refused.text
    assert listed["draft"]["problem"]["field"] == "stages.scoring.remind_before"
    assert by_api.status_code == 422 and by_api.json()["error"]["field"] == "stages.scoring.remind_before"
    assert [r["version"] for r in await _rows() if r["status"] == "published"] == []
    assert await services.policy_in_force() == rules.DEFAULT
