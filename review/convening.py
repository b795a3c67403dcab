"""Convening a case's panel: load the roster, run the pure draw, seat the members."""

from __future__ import annotations

import json
import secrets
from datetime import datetime, timezone

from panels.conflicts import CONFLICT_LABELS, Candidate, CaseFacts
from panels.draw import Template, draw_panel, seed_hash
from panels.tables import CompositionTemplate, Panel, RosterMember, Seat
from review import db
from review.actors import Actor
from review.cases import apply_transition, load_case_for_update
from review.errors import Conflict
from review.lifecycle import Action
from review.tables import Department
from scoring.tables import CriteriaSet

ROLE_LABELS = {"lawyer": "律师", "deputy": "人大代表/政协委员", "resident": "群众代表", "expert": "专家",
               "township": "镇街代表"}


def _json(value: object) -> object:
    return json.loads(value) if isinstance(value, str) else value


async def current_loads() -> dict[int, int]:
    """Seats each member holds on panels still at work."""
    rows = await db.fetch(
        "SELECT seat.member AS member, COUNT(*) AS n FROM seat JOIN panel ON panel.id = seat.panel "
        "WHERE panel.status = 'seated' AND seat.status IN ('invited', 'accepted') GROUP BY seat.member"
    )
    return {r["member"]: r["n"] for r in rows}


async def _candidates() -> list[Candidate]:
    loads = await current_loads()
    rows = await RosterMember.select(
        RosterMember.id, RosterMember.role, RosterMember.district, RosterMember.community,
        RosterMember.affiliations, RosterMember.active, RosterMember.max_panels,
    ).run()
    return [
        Candidate(r["id"], r["role"], r["district"], r["community"], frozenset(_json(r["affiliations"])),
                  loads.get(r["id"], 0), r["max_panels"], r["active"])
        for r in rows
    ]


async def _template(category: str) -> dict:
    rows = await CompositionTemplate.select().where(
        CompositionTemplate.category.is_in([category, ""])
    ).order_by(CompositionTemplate.version, ascending=False).run()
    if not rows:
        raise Conflict("no_template", "没有可用的评议组组成模板")
    return next((r for r in rows if r["category"] == category), rows[0])


async def criteria_in_force() -> dict:
    row = await CriteriaSet.select().where(CriteriaSet.published_at.is_not_null()).order_by(
        CriteriaSet.version, ascending=False
    ).first().run()
    if not row:
        raise Conflict("no_criteria", "尚未发布评议标准")
    return row


async def convene_panel(*, number: str, actor: Actor, seed: str | None = None) -> int:
    """组成评议组: draw a conflict-free panel by the category's template and pin the criteria in force."""
    seed = seed or secrets.token_hex(32)
    async with db.transaction():
        case = await load_case_for_update(number)
        department = await Department.select(Department.code).where(Department.id == case["department"]).first().run()
        template_row = await _template(case["category"])
        template = Template(seats=_json(template_row["seats"]), chair_roles=tuple(_json(template_row["chair_roles"])),
                            prefer_local_residents=template_row["prefer_local_residents"])
        facts = CaseFacts(department["code"], case["district"], case["community"])
        result = draw_panel(seed=seed, candidates=await _candidates(), case=facts, template=template)
        if result.shortfall:
            wanted = "、".join(f"{ROLE_LABELS.get(r, r)} {n} 名" for r, n in result.shortfall.items())
            raise Conflict("panel_infeasible", f"无利益冲突的可选评议员不足：还缺 {wanted}")
        criteria = await criteria_in_force()
        rows = await Panel.insert(
            Panel(case=case["id"], template=template_row["id"], template_version=template_row["version"],
                  seed_hash=seed_hash(seed), seed=seed, roster_hash=result.roster_hash,
                  exclusions=json.dumps([{"member": e.member_id, "kind": e.kind.value,
                                          "reason": CONFLICT_LABELS[e.kind.value]} for e in result.exclusions]),
                  convened_at=datetime.now(timezone.utc))
        ).run()
        panel_id = rows[0]["id"]
        await Seat.insert(
            *[Seat(panel=panel_id, member=s.member_id, role=s.role, is_chair=s.is_chair, status="accepted")
              for s in result.seats]
        ).run()
        await apply_transition(
            case=case, action=Action.convene, actor=actor, extra={"criteria_set_id": criteria["id"]},
            data={"panel_id": panel_id, "seed_hash": seed_hash(seed), "roster_hash": result.roster_hash,
                  "criteria_version": criteria["version"], "excluded": len(result.exclusions)},
        )
    return panel_id
