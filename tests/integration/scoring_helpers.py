"""Arrangement shared by the scoring tests: a case whose panel is seated and ready to score."""

from __future__ import annotations

from panels.tables import Seat
from review.cases import services as cases
from review.convening.services import convene_panel
from review.core.actors import Actor
from tests import factories


async def accept_invitations(number: str) -> None:
    """Every invited member of the case's panel at work accepts (through the invitation service)."""
    try:
        from panels.services.invitations import answer_invitation
    except ImportError:  # seats are accepted at convening
        return
    rows = await Seat.select(Seat.id, Seat.member.user.id, Seat.member.user.username).where(
        (Seat.panel.case.number == number) & (Seat.status == "invited") & (Seat.panel.status == "seated")).run()
    for r in rows:
        member = Actor(kind="member", user_id=r["member.user.id"], username=r["member.user.username"])
        await answer_invitation(seat_id=r["id"], actor=member, answer="accept")


async def convened_case(office: Actor | None = None, **overrides: object) -> tuple[str, str, Actor, list[Actor]]:
    """(number, access code, office, seated members) for a case with a seated panel."""
    office = office or await factories.account("office")
    if not await Seat.exists().run():
        await factories.roster({"lawyer": 4, "deputy": 4, "resident": 8, "expert": 4})
    number, code = await factories.case(**overrides)
    await cases.screen_case(number=number, actor=office, accept=True)
    await convene_panel(number=number, actor=office)
    await accept_invitations(number)
    members = [m for m in await factories.seated_members(number)]
    return number, code, office, members


async def seated_now(number: str) -> list[Actor]:
    """Members with an accepted seat on the panel at work."""
    rows = await Seat.select(Seat.member.user.id, Seat.member.user.username).where(
        (Seat.panel.case.number == number) & (Seat.status == "accepted") & (Seat.panel.status == "seated")
    ).order_by(Seat.id).run()
    return [Actor(kind="member", user_id=r["member.user.id"], username=r["member.user.username"]) for r in rows]
