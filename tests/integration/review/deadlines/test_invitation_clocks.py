"""An invitation left unanswered is on a clock of its own: the member is reminded before its reply deadline, the
office is told once it has passed unanswered, each once however many sweeps run; an answered one alerts nobody."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

import pytest

from panels.services.invitations import answer_invitation
from panels.tables import Seat
from review.core.actors import Actor
from review.core.calendar import calendar
from review.deadlines.clocks import invitation_clock
from review.deadlines.services import policy_in_force
from review.deadlines.services import sweep as sweeping
from review.deadlines.tables import ClockAlert
from review.notifications.tables import Notification
from tests import factories
from tests.conftest import run_jobs
from tests.integration.panel_helpers import convened_case

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("clean_db")]

ROSTER = {"lawyer": 4, "deputy": 4, "resident": 8, "expert": 4}
MINUTE = timedelta(minutes=1)


async def _seats(number: str) -> list[dict]:
    return await Seat.select(Seat.id, Seat.invited_at, Seat.reply_by, Seat.reply_by_provisional,
                             Seat.member.user.id, Seat.member.user.username).where(
        (Seat.panel.case.number == number) & (Seat.status == "invited")).order_by(Seat.id).run()


async def _told(event: str) -> Counter[tuple[str, int]]:
    await run_jobs()
    rows = await Notification.select(Notification.key, Notification.account, Notification.link).where(
        Notification.event == event).run()
    return Counter((r["key"], r["account"], r["link"]) for r in rows)


async def test_an_unanswered_invitation_reminds_its_member_then_tells_the_office_once_each() -> None:
    office = await factories.account("office")
    await factories.roster(ROSTER)
    number, _, _ = await convened_case(office)
    seats = await _seats(number)
    answered, *waiting = seats
    await answer_invitation(seat_id=answered["id"], actor=Actor(
        kind="member", user_id=answered["member.user.id"], username=answered["member.user.username"]),
        answer="accept")
    rule = (await policy_in_force()).stages["invitation"]
    days = await calendar()
    first = waiting[0]
    remind, escalate = invitation_clock(first["id"], first["invited_at"], first["reply_by"], False, rule, days,
                                        first["invited_at"]).alerts

    assert (await sweeping.sweep(now=remind.at - MINUTE)).fired == 0
    reminded = await sweeping.sweep(now=remind.at + MINUTE)
    again = await sweeping.sweep(now=remind.at + 2 * MINUTE)

    # Every seat still waiting has the same deadline here: each member is reminded of theirs, on their page.
    assert reminded.fired == len(waiting) and again.fired == 0
    assert await _told("reminder") == Counter(
        {(f"{number}:invitation:{s['id']}:remind:0", s["member.user.id"], "/panel/invitations"): 1 for s in waiting})

    late = await sweeping.sweep(now=escalate.at + MINUTE)
    assert late.fired == len(waiting) and (await sweeping.sweep(now=escalate.at + 2 * MINUTE)).fired == 0
    assert await _told("escalation") == Counter(
        {(f"{number}:invitation:{s['id']}:escalate:1", office.user_id, f"/office/cases/{number}"): 1
         for s in waiting})
    # The answered invitation alerted nobody.
    assert not await ClockAlert.count().where(ClockAlert.key.like(f"%:invitation:{answered['id']}:%"))
