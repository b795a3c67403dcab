"""Composition templates (评议组组成模板): seats per role by case category, kept as versions."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

from panels.domain.draw import Template
from panels.tables import CompositionTemplate
from review.core import db
from review.core.actors import OFFICE, Actor
from review.core.audit import store as audit
from review.core.errors import Conflict, Invalid, NotFound
from review.core.labels import ROLE_LABELS

MAX_SEATS = 15
# 复议: the new panel is larger than the first — one more lawyer and one more resident representative.
RECONSIDERATION_EXTRA_SEATS = {"lawyer": 1, "resident": 1}


def parse_template(fields: dict[str, Any]) -> dict[str, Any]:
    """Checked template fields from a form or an API body; Invalid names the field."""
    name = str(fields.get("name") or "").strip()
    if not name:
        raise Invalid("invalid_field", "模板名称不能为空", field="name")
    seats_raw = fields.get("seats") or {}
    if not isinstance(seats_raw, dict):
        raise Invalid("invalid_field", "seats 应为 {角色: 席位数}", field="seats")
    seats: dict[str, int] = {}
    for role, count in seats_raw.items():
        if role not in ROLE_LABELS:
            raise Invalid("invalid_field", f"未知角色：{role}", field="seats")
        try:
            number = int(count or 0)
        except (TypeError, ValueError):
            raise Invalid("invalid_field", f"{ROLE_LABELS[role]}的席位数应为整数", field="seats") from None
        if number < 0:
            raise Invalid("invalid_field", "席位数不能为负", field="seats")
        if number:
            seats[role] = number
    total = sum(seats.values())
    if not 3 <= total <= MAX_SEATS:
        raise Invalid("invalid_field", f"评议组应有 3 至 {MAX_SEATS} 个席位，现为 {total} 个", field="seats")
    chair_roles = [r for r in fields.get("chair_roles") or [] if r]
    if not chair_roles or any(r not in seats for r in chair_roles):
        raise Invalid("invalid_field", "组长须从本模板设有席位的角色中产生", field="chair_roles")
    try:
        raw_days = fields.get("reply_days")
        reply_days = 2 if raw_days is None or raw_days == "" else int(raw_days)
    except (TypeError, ValueError):
        raise Invalid("invalid_field", "答复期限应为整数个工作日", field="reply_days") from None
    if not 1 <= reply_days <= 10:
        raise Invalid("invalid_field", "答复期限应为 1 至 10 个工作日", field="reply_days")
    return {
        "name": name,
        "category": str(fields.get("category") or "").strip(),
        "seats": seats,
        "chair_roles": sorted(chair_roles),
        "prefer_local_residents": bool(fields.get("prefer_local_residents")),
        "reply_days": reply_days,
    }


async def save_template(*, actor: Actor, fields: dict[str, Any]) -> int:
    """A new version of the category's template; panels keep the version they were convened with."""
    OFFICE.check(actor, "只有评议办可以修改组成模板")
    data = parse_template(fields)
    async with db.transaction():
        # One save of a category's template at a time: versions follow one another and one is in force
        # (the unique indexes in panels.tables.INDEXES hold the database to it).
        await db.lock_name(f"composition_template:{data['category']}")
        previous = await CompositionTemplate.select(CompositionTemplate.version).where(
            CompositionTemplate.category == data["category"]
        ).order_by(CompositionTemplate.version, ascending=False).first().run()
        version = (previous["version"] + 1) if previous else 1
        await CompositionTemplate.update({CompositionTemplate.current: False}).where(
            (CompositionTemplate.category == data["category"]) & (CompositionTemplate.current == True)
        ).run()
        rows = await CompositionTemplate.insert(CompositionTemplate(
            name=data["name"], category=data["category"], version=version, seats=json.dumps(data["seats"]),
            chair_roles=json.dumps(data["chair_roles"]), prefer_local_residents=data["prefer_local_residents"],
            reply_days=data["reply_days"], current=True,
        )).run()
        await audit.record(case_id=None, actor=actor.label, action="template_saved",
                           data={"template": rows[0]["id"], "category": data["category"], "version": version,
                                 "seats": data["seats"]})
    return rows[0]["id"]


async def template_for(category: str) -> dict[str, Any]:
    """The current template of the category, or the current default (empty category)."""
    rows = await CompositionTemplate.select().where(
        CompositionTemplate.category.is_in([category, ""]) & (CompositionTemplate.current == True)
    ).run()
    if not rows:
        raise Conflict("no_template", "没有可用的评议组组成模板")
    return next((r for r in rows if r["category"] == category), rows[0])


async def template_by_id(template_id: int) -> dict[str, Any]:
    row = await CompositionTemplate.select().where(CompositionTemplate.id == template_id).first().run()
    if row is None:
        raise NotFound("template_not_found", "组成模板不存在")
    return _decoded(row)


def _decoded(row: dict[str, Any]) -> dict[str, Any]:
    """A template row with its JSON columns as values, whichever database read it."""
    row["seats"] = db.json_value(row["seats"])
    row["chair_roles"] = db.json_value(row["chair_roles"])
    return row


def for_reconsideration(template: Template) -> Template:
    """The template a reconsideration panel is drawn by: the category's, with the extra seats added."""
    seats = dict(template.seats)
    for role, extra in RECONSIDERATION_EXTRA_SEATS.items():
        seats[role] = seats.get(role, 0) + extra
    return replace(template, seats=seats)


def as_template(row: dict[str, Any]) -> Template:
    """The pure draw's view of a template row."""
    return Template(seats=db.json_value(row["seats"]), chair_roles=tuple(db.json_value(row["chair_roles"])),
                    prefer_local_residents=row["prefer_local_residents"], id=row["id"], version=row["version"])


async def all_templates() -> list[dict[str, Any]]:
    rows = await CompositionTemplate.select().order_by(CompositionTemplate.category).order_by(
        CompositionTemplate.version, ascending=False
    ).run()
    return [_decoded(row) for row in rows]
