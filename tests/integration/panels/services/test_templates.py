"""Composition templates: every save is a new version; panels keep the version they were convened with."""

from __future__ import annotations

import json
from typing import Any

import pytest

from panels.services.templates import save_template
from panels.tables import CompositionTemplate, Panel
from review.convening.services import convene_panel
from review.core.errors import Forbidden, Invalid
from tests import factories
from tests.integration.panel_helpers import accepted_case, api, events, seats_of, submit, web

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("clean_db")]

THREE = {"name": "三人评议组", "seats": {"lawyer": 1, "deputy": 1, "resident": 1}, "chair_roles": ["deputy"],
         "prefer_local_residents": True, "reply_days": 3}


async def _versions(category: str = "") -> list[tuple[int, bool, dict[str, int]]]:
    rows = await CompositionTemplate.select().where(CompositionTemplate.category == category).order_by(
        CompositionTemplate.version).run()
    return [(r["version"], r["current"], json.loads(r["seats"]) if isinstance(r["seats"], str) else r["seats"])
            for r in rows]


async def test_save_template_adds_a_version_and_retires_the_old_one() -> None:
    office = await factories.account("office")

    template_id = await save_template(actor=office, fields=THREE)

    assert await _versions() == [(1, False, {"lawyer": 1, "deputy": 1, "resident": 2, "expert": 1}),
                                  (2, True, {"lawyer": 1, "deputy": 1, "resident": 1})]
    row = await CompositionTemplate.select().where(CompositionTemplate.id == template_id).first().run()
    assert (row["reply_days"], json.loads(row["chair_roles"])) == (3, ["deputy"])
    [event] = await events("template_saved")
    assert event["data"]["version"] == 2 and event["data"]["template"] == template_id


async def test_save_template_for_a_category_leaves_the_default_current() -> None:
    office = await factories.account("office")

    await save_template(actor=office, fields={**THREE, "category": "城市管理"})

    assert [(v, current) for v, current, _ in await _versions()] == [(1, True)]
    assert [(v, current) for v, current, _ in await _versions("城市管理")] == [(1, True)]


@pytest.mark.parametrize(("fields", "field"), [
    ({"seats": {"lawyer": 1, "deputy": 1}}, "seats"),
    ({"seats": {"lawyer": 10, "resident": 6}}, "seats"),
    ({"seats": {"lawyer": 1, "deputy": 1, "resident": 1}, "chair_roles": ["expert"]}, "chair_roles"),
    ({"chair_roles": []}, "chair_roles"),
    ({"seats": {"lawyer": 1, "judge": 2}}, "seats"),
    ({"seats": {"lawyer": -1, "resident": 4}}, "seats"),
    ({"name": " "}, "name"),
    ({"reply_days": 0}, "reply_days"),
])
async def test_save_template_invalid_names_the_field_and_keeps_versions(fields: dict[str, Any], field: str) -> None:
    office = await factories.account("office")

    with pytest.raises(Invalid) as refused:
        await save_template(actor=office, fields={**THREE, **fields})
    async with await api(office) as http:
        response = await http.post("/api/v1/templates", json={**THREE, **fields})

    assert refused.value.field == field
    assert response.status_code == 422 and response.json()["error"]["field"] == field
    assert await _versions() == [(1, True, {"lawyer": 1, "deputy": 1, "resident": 2, "expert": 1})]


async def test_save_template_web_form_saves_a_version_and_shows_refusals() -> None:
    office = await factories.account("office")
    form = {"name": "四人评议组", "category": "", "seats_lawyer": "2", "seats_deputy": "1", "seats_resident": "1",
            "chair_roles": "lawyer", "reply_days": "2"}

    async with await web(office) as http:
        too_few = await submit(http, "/office/templates", "/office/templates", {**form, "seats_lawyer": "0",
                                                                                 "seats_resident": "0"})
        no_chair_seat = await submit(http, "/office/templates", "/office/templates", {**form, "chair_roles": "expert"})
        saved = await submit(http, "/office/templates", "/office/templates", form)
        listing = await http.get("/office/templates")

    assert too_few.status_code == 422 and "评议组应有 3 至 15 个席位，现为 1 个" in too_few.text
    assert no_chair_seat.status_code == 422 and "组长须从本模板设有席位的角色中产生" in no_chair_seat.text
    assert saved.status_code == 303
    assert await _versions() == [(1, False, {"lawyer": 1, "deputy": 1, "resident": 2, "expert": 1}),
                                 (2, True, {"lawyer": 2, "deputy": 1, "resident": 1})]
    assert "第 2 版" in listing.text and "已被新版本取代" in listing.text


async def test_save_template_api_returns_the_new_version() -> None:
    office = await factories.account("office")

    async with await api(office) as http:
        response = await http.post("/api/v1/templates", json=THREE)
        listing = await http.get("/api/v1/templates")

    assert response.status_code == 201
    assert (response.json()["version"], response.json()["current"]) == (2, True)
    assert [(t["version"], t["current"]) for t in listing.json()] == [(2, True), (1, False)]


@pytest.mark.parametrize("kind", ["member", "liaison"])
async def test_save_template_by_others_is_refused(kind: str) -> None:
    actor = await factories.account(kind)

    with pytest.raises(Forbidden):
        await save_template(actor=actor, fields=THREE)
    async with await api(actor) as http:
        response = await http.post("/api/v1/templates", json=THREE)

    assert response.status_code == 403
    assert len(await _versions()) == 1


async def test_panel_records_the_template_version_it_was_convened_with() -> None:
    office = await factories.account("office")
    await factories.roster()
    before, _ = await accepted_case(office)
    old_panel = await convene_panel(number=before, actor=office)
    old_template = (await Panel.select(Panel.template).where(Panel.id == old_panel).first().run())["template"]

    new_template = await save_template(actor=office, fields=THREE)
    after, _ = await accepted_case(office)
    new_panel = await convene_panel(number=after, actor=office)

    rows = {r["id"]: r for r in await Panel.select().run()}
    assert (rows[old_panel]["template"], rows[old_panel]["template_version"]) == (old_template, 1)
    assert (rows[new_panel]["template"], rows[new_panel]["template_version"]) == (new_template, 2)
    new_seats = await seats_of(new_panel)
    assert sorted(s["role"] for s in new_seats) == ["deputy", "lawyer", "resident"]
    assert [s["role"] for s in new_seats if s["is_chair"]] == ["deputy"]
    assert len(await seats_of(old_panel)) == 5
    old = await CompositionTemplate.select().where(CompositionTemplate.id == old_template).first().run()
    assert json.loads(old["seats"]) == {"lawyer": 1, "deputy": 1, "resident": 2, "expert": 1}


async def test_panel_uses_the_template_of_the_case_category() -> None:
    office = await factories.account("office")
    await factories.roster()
    await save_template(actor=office, fields={**THREE, "category": "城市管理"})
    city, _ = await accepted_case(office, category="城市管理")
    other, _ = await accepted_case(office, category="交通运输")

    city_panel = await convene_panel(number=city, actor=office)
    other_panel = await convene_panel(number=other, actor=office)

    assert len(await seats_of(city_panel)) == 3
    assert len(await seats_of(other_panel)) == 5
