"""Convening a case's panel: load the roster, run the pure draw, invite the members; refill vacated seats."""

from __future__ import annotations

import json
import secrets
from datetime import UTC, datetime
from typing import Any

from panels.domain.case_end import panel_refusal
from panels.domain.conflicts import CONFLICT_LABELS, Candidate, CaseFacts, ConflictKind
from panels.domain.draw import DrawRule, seed_hash
from panels.domain.draw_record import record_draw, record_from_json, record_json, record_refill
from panels.domain.roster import ROLE_LABELS
from panels.services.invitations import invite, refuse_if_ended
from panels.services.roster import is_available
from panels.services.templates import as_template, for_reconsideration, template_by_id, template_for
from panels.tables import Panel, RosterMember, Seat
from review.cases.lifecycle import Action, Status
from review.cases.services import apply_transition, check_transition, load_case_for_update
from review.core import db, settings
from review.core.actors import SYSTEM, Actor
from review.core.audit import store as audit
from review.core.clock import CHINA
from review.core.errors import Conflict
from review.core.tables import Department
from scoring.tables import CriteriaSet

__all__ = ["ROLE_LABELS", "convene_panel", "refill_panel"]

VACATED = ("declined", "recused", "expired", "removed")


def current_rule() -> DrawRule:
    """The draw rule new draws follow, with the load margin this installation publishes."""
    margin = settings.PANEL_LOAD_MARGIN
    return DrawRule(load_margin=int(margin) if float(margin).is_integer() else margin)


async def current_loads() -> dict[int, int]:
    """Seats each member holds on panels still at work."""
    rows = await db.fetch(
        "SELECT seat.member AS member, COUNT(*) AS n FROM seat JOIN panel ON panel.id = seat.panel "
        "WHERE panel.status = 'seated' AND seat.status IN ('invited', 'accepted') GROUP BY seat.member"
    )
    return {r["member"]: r["n"] for r in rows}


async def roster_candidates(now: datetime) -> list[Candidate]:
    """The whole roster as the draw sees it today: loads, capacity, active and declared availability."""
    loads = await current_loads()
    today = now.astimezone(CHINA).date()
    rows = await RosterMember.select(
        RosterMember.id, RosterMember.role, RosterMember.district, RosterMember.community,
        RosterMember.affiliations, RosterMember.active, RosterMember.max_panels, RosterMember.unavailable,
        RosterMember.user,
    ).run()
    return [
        Candidate(r["id"], r["role"], r["district"], r["community"], frozenset(db.json_value(r["affiliations"])),
                  loads.get(r["id"], 0), r["max_panels"], r["active"], is_available(r["unavailable"], today),
                  r["user"] is not None)
        for r in rows
    ]


async def case_facts(case: dict[str, Any], *, panel_id: int | None = None) -> CaseFacts:
    """What conflicts are judged against, including members excluded by record on this case."""
    department = await Department.select(Department.code).where(Department.id == case["department"]).first().run()
    seats = await db.fetch(
        "SELECT seat.member, seat.status, seat.reason_kind, seat.panel FROM seat"
        " JOIN panel ON panel.id = seat.panel WHERE panel.\"case\" = {}",
        case["id"],
    )
    ties, recused, challenged, earlier = set(), set(), set(), set()
    for seat in seats:
        if panel_id is not None and seat["panel"] != panel_id:
            earlier.add(seat["member"])
        elif seat["status"] == "recused":
            (ties if seat["reason_kind"] == ConflictKind.personal_tie.value else recused).add(seat["member"])
        elif seat["status"] == "removed":
            challenged.add(seat["member"])
    if panel_id is None:  # a new panel: everyone who sat on an earlier one is out
        earlier = {s["member"] for s in seats}
    return CaseFacts(
        department["code"], case["district"], case["community"], case_id=case["id"],
        personal_ties=frozenset(ties), earlier_members=frozenset(earlier), recused=frozenset(recused),
        challenged=frozenset(challenged),
    )


async def criteria_in_force() -> dict:
    row = await CriteriaSet.select().where(CriteriaSet.published_at.is_not_null()).order_by(
        CriteriaSet.version, ascending=False
    ).first().run()
    if not row:
        raise Conflict("no_criteria", "尚未发布评议标准")
    return row


def shortfall_message(shortfall: dict[str, int]) -> str:
    wanted = "、".join(f"{ROLE_LABELS.get(r, r)} {n} 名" for r, n in sorted(shortfall.items()))
    return f"无利益冲突的可选评议员不足：还缺 {wanted}"


def exclusions_json(exclusions: Any) -> str:
    return json.dumps([{"member": e.member_id, "kind": e.kind.value, "reason": CONFLICT_LABELS[e.kind.value]}
                       for e in exclusions], ensure_ascii=False)


async def commit_seed(*, case_id: int, actor: Actor, purpose: str, pseudonym_key: str = "") -> str:
    """A fresh seed whose hash goes into the audit chain, in its own transaction, before it is used.

    A draw's pseudonym key decides its lots as much as the seed does, so its hash is committed alongside.
    """
    seed = secrets.token_hex(32)
    data = {"seed_hash": seed_hash(seed), "purpose": purpose}
    if pseudonym_key:
        data["pseudonym_key_hash"] = seed_hash(pseudonym_key)
    async with db.transaction():
        await audit.record(case_id=case_id, actor=actor.label, action="draw_seed_committed", data=data)
    return seed


async def convene_panel(*, number: str, actor: Actor, seed: str | None = None) -> int:
    """组成评议组: draw a conflict-free panel by the category's template, invite its members, pin the criteria."""
    pseudonym_key = secrets.token_hex(32)
    if seed is None:
        case_row = await db.fetch("SELECT id, status FROM review_case WHERE number = {}", number)
        if case_row:
            # Before the seed is committed: an ended case, or one convened already, gets neither a commitment
            # nor a draw (the check is made again under the case's lock).
            refuse_if_ended(case_status=case_row[0]["status"], what="组成评议组")
            check_transition(status=case_row[0]["status"], action=Action.convene, actor=actor)
        seed = await commit_seed(case_id=case_row[0]["id"] if case_row else None, actor=actor, purpose="draw",
                                 pseudonym_key=pseudonym_key)
    now = datetime.now(UTC)
    async with db.transaction():
        case = await load_case_for_update(number)
        refuse_if_ended(case_status=case["status"], what="组成评议组")
        template_row = await template_for(case["category"])
        template = as_template(template_row)
        if case["status"] == Status.reconsideration:
            template = for_reconsideration(template)
        facts = await case_facts(case)
        result, record, snapshot = record_draw(seed=seed, candidates=await roster_candidates(now), case=facts,
                                               template=template, salt=secrets.token_hex(16), rule=current_rule(),
                                               pseudonym_key=pseudonym_key)
        if result.shortfall:
            raise Conflict("panel_infeasible", shortfall_message(result.shortfall))
        criteria = await criteria_in_force()
        rows = await Panel.insert(Panel(
            case=case["id"], template=template_row["id"], template_version=template_row["version"],
            seed_hash=record.seed_hash, seed=seed, roster_hash=record.roster_hash, case_hash=record.case_hash,
            record=json.dumps(record_json(record), ensure_ascii=False),
            snapshot=json.dumps(snapshot, ensure_ascii=False), exclusions=exclusions_json(result.exclusions),
            convened_at=now,
        )).run()
        panel_id = rows[0]["id"]
        await invite([Seat(panel=panel_id, member=s.member_id, role=s.role, is_chair=s.is_chair, status="invited",
                           invited_at=now) for s in result.seats],
                     case_id=case["id"], now=now, reply_days=template_row["reply_days"])
        await apply_transition(
            case=case, action=Action.convene, actor=actor, extra={"criteria_set_id": criteria["id"]},
            data={"panel_id": panel_id, "seed_hash": record.seed_hash, "roster_hash": record.roster_hash,
                  "criteria_version": criteria["version"], "excluded": len(result.exclusions)},
        )
    return panel_id


async def refill_panel(*, panel_id: int) -> int:
    """Refill every vacated seat of a panel at work by the seeded procedure; returns the seats refilled.

    Idempotent: a seat already refilled (its member is in the record's refills) is left alone.
    """
    refilled = 0
    while True:
        vacated = await _next_vacated(panel_id)
        if vacated is None:
            return refilled
        seed = await commit_seed(case_id=vacated["case_id"], actor=SYSTEM, purpose="refill")
        if await _refill_one(panel_id, vacated["member"], seed):
            refilled += 1


async def _next_vacated(panel_id: int) -> dict[str, Any] | None:
    rows = await db.fetch(
        "SELECT p.record, p.status, p.\"case\" AS case_id, c.status AS case_status FROM panel p"
        " JOIN review_case c ON c.id = p.\"case\" WHERE p.id = {}", panel_id)
    # A refill queued before the case ended (its panel dissolved) does nothing.
    if not rows or rows[0]["status"] != "seated" or panel_refusal(rows[0]["case_status"], None, "补选") is not None:
        return None
    done = {r["replaces"] for r in db.json_value(rows[0]["record"]).get("refills", [])}
    seats = await Seat.select(Seat.member).where(
        (Seat.panel == panel_id) & Seat.status.is_in(list(VACATED))).order_by(Seat.id).run()
    pending = [s["member"] for s in seats if s["member"] not in done]
    return {"member": pending[0], "case_id": rows[0]["case_id"]} if pending else None


async def _refill_one(panel_id: int, member_id: int, seed: str) -> bool:
    now = datetime.now(UTC)
    async with db.transaction():
        panel = (await db.fetch("SELECT * FROM panel WHERE id = {}" + db.for_update(),
                                panel_id))[0]
        record = record_from_json(db.json_value(panel["record"]))
        if panel["status"] != "seated" or any(r.replaces == member_id for r in record.refills):
            return False
        case = (await db.fetch("SELECT * FROM review_case WHERE id = {}", panel["case"]))[0]
        facts = await case_facts(case, panel_id=panel_id)
        new_record, snapshot = record_refill(record=record, replaces=member_id, seed=seed,
                                             candidates=await roster_candidates(now), case=facts,
                                             salt=secrets.token_hex(16),
                                             pseudonym_key=str((db.json_value(panel["snapshot"]) or {}).get(
                                                 "pseudonym_key") or ""))
        refill = new_record.refills[-1]
        snapshots = db.json_value(panel["refill_snapshots"]) or {}
        snapshots[str(refill.index)] = snapshot
        await Panel.update({Panel.record: json.dumps(record_json(new_record), ensure_ascii=False),
                            Panel.refill_snapshots: json.dumps(snapshots, ensure_ascii=False)}).where(
            Panel.id == panel_id).run()
        data: dict[str, Any] = {"panel_id": panel_id, "role": refill.role, "refill": refill.index,
                                "seed_hash": refill.seed_hash}
        if refill.seat is not None:
            template = await template_by_id(panel["template"])
            await invite([Seat(panel=panel_id, member=refill.seat.member_id, role=refill.seat.role,
                               is_chair=refill.seat.is_chair, status="invited", invited_at=now)],
                         case_id=case["id"], now=now, reply_days=template["reply_days"])
        else:
            data["unfilled"] = shortfall_message({refill.role: 1})
        await audit.record(case_id=case["id"], actor=SYSTEM.label, action="seat_refilled", data=data)
    return True
