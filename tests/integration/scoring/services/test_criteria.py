"""Criteria sets: draft, preview, publish as a new version; a published version never changes."""

from __future__ import annotations

import pytest

from review.core.errors import Conflict, Forbidden, Invalid
from scoring.domain.criteria import content_hash
from scoring.domain.default_criteria import DEFAULT_CRITERIA, DEFAULT_NAME, DEFAULT_RULE
from scoring.services.criteria import create_draft, load_content, publish_criteria, update_draft
from scoring.tables import CriteriaSet, Criterion
from tests import factories

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("clean_db")]


def _content(name: str = "评议标准（第二版）", weight: float = 20) -> dict:
    criteria = [dict(c) for c in DEFAULT_CRITERIA]
    criteria[0]["weight"] = weight
    return {"name": name, "criteria": criteria, "rule": {**DEFAULT_RULE, "method": "median"}}


async def test_published_version_refuses_every_change_and_keeps_its_hash() -> None:
    office = await factories.account("office")
    draft = await create_draft(actor=office, content=_content())
    version = await publish_criteria(actor=office, set_id=draft)
    before = await CriteriaSet.select().where(CriteriaSet.id == draft).first().run()
    criteria_before = await Criterion.select().where(Criterion.criteria_set == draft).run()

    with pytest.raises(Conflict) as refused:
        await update_draft(actor=office, set_id=draft, content=_content(name="偷改", weight=99))
    with pytest.raises(Conflict):
        await publish_criteria(actor=office, set_id=draft)

    after = await CriteriaSet.select().where(CriteriaSet.id == draft).first().run()
    assert version == 2 and refused.value.code == "criteria_published"
    assert after == before
    assert await Criterion.select().where(Criterion.criteria_set == draft).run() == criteria_before
    assert after["content_hash"] == content_hash(await load_content(draft))


async def test_draft_is_editable_and_only_the_office_may_draft() -> None:
    office = await factories.account("office")
    member = await factories.account("member")
    draft = await create_draft(actor=office, content=_content())

    await update_draft(actor=office, set_id=draft, content=_content(weight=30))
    with pytest.raises(Forbidden):
        await create_draft(actor=member, content=_content())
    with pytest.raises(Invalid) as invalid:
        await update_draft(actor=office, set_id=draft, content={**_content(), "rule": {"proper_at": 50, "basic_at": 60}})

    assert (await load_content(draft)).criteria[0].weight == 30.0
    assert invalid.value.field == "rule.proper_at"


async def test_default_set_hash_is_over_the_canonical_form() -> None:
    row = await CriteriaSet.select().where(CriteriaSet.version == 1).first().run()

    assert row["content_hash"] == content_hash(await load_content(row["id"]))
    reordered = {"rule": dict(reversed(list(DEFAULT_RULE.items()))), "criteria": DEFAULT_CRITERIA, "name": DEFAULT_NAME}
    from scoring.domain.criteria import parse_content
    assert content_hash(parse_content(reordered)) == row["content_hash"]


async def test_public_page_and_api_list_every_version_with_dates_and_hash() -> None:
    office = await factories.account("office")
    await publish_criteria(actor=office, set_id=await create_draft(actor=office, content=_content()))

    async with factories.client() as anyone:
        page = await anyone.get("/public/criteria")
        listing = await anyone.get("/api/v1/criteria")
        one = await anyone.get("/api/v1/criteria/1")

    body = listing.json()
    assert page.status_code == listing.status_code == one.status_code == 200
    assert [v["version"] for v in body] == [2, 1]
    assert body[0]["in_force"] and not body[1]["in_force"]
    assert body[1]["effective_until"] == body[0]["effective_from"]
    for v in body:
        assert v["content_hash"] in page.text
    assert one.json()["content"]["name"] == DEFAULT_NAME


async def test_case_convened_keeps_its_version_after_a_new_one_is_published() -> None:
    from review.core.tables import Case
    from tests.integration.scoring_helpers import convened_case

    number, _, office, _ = await convened_case()
    await publish_criteria(actor=office, set_id=await create_draft(actor=office, content=_content()))

    case = await Case.select(Case.criteria_set_id).where(Case.number == number).first().run()
    pinned = await CriteriaSet.select(CriteriaSet.version).where(CriteriaSet.id == case["criteria_set_id"]).first().run()
    assert pinned["version"] == 1
