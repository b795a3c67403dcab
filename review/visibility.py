"""Which cases an actor may see: the one check every case read goes through."""

from __future__ import annotations

from panels.tables import RosterMember, Seat
from review.actors import Actor
from review.errors import NotFound
from review.tables import Case


async def seated_case_ids(user_id: int) -> list[int]:
    """Cases on whose panel this member holds an accepted seat."""
    members = await RosterMember.select(RosterMember.id).where(RosterMember.user == user_id).run()
    if not members:
        return []
    seats = await Seat.select(Seat.panel.case).where(
        Seat.member.is_in([m["id"] for m in members]) & (Seat.status == "accepted")
        & (Seat.panel.status != "dissolved")
    ).run()
    return [s["panel.case"] for s in seats]


async def may_see(actor: Actor, case: dict) -> bool:
    if actor.kind == "office":
        return True
    if actor.kind == "liaison":
        return actor.department_id is not None and case["department"] == actor.department_id
    if actor.kind == "complainant":
        return case["id"] == actor.case_id
    if actor.kind == "member" and actor.user_id is not None:
        return case["id"] in await seated_case_ids(actor.user_id)
    return False


async def visible_case(actor: Actor, number: str) -> dict:
    """The case row if `actor` may see it; the same 404 whether it is missing or hidden."""
    case = await Case.select().where(Case.number == number).first().run()
    if not case or not await may_see(actor, case):
        raise NotFound("case_not_found", "未找到该案件")
    return case


