"""Every one-time action, called twenty times at once, each call in its own transaction on its own connection:
exactly one effect, exactly one audit event, and every other caller refused with a 409 — never a server error.

The effect is made once by the database itself (a row lock taken before the check, a unique index or a
conditional update), so this holds on PostgreSQL, where writers run side by side; SQLite runs one writer at a
time and must give the same answers.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import asyncpg
import httpx
import pytest

from panels.services.challenges import decide_challenge, raise_challenge
from panels.services.invitations import answer_invitation, expire_invitations
from panels.services.templates import save_template
from panels.tables import Challenge, CompositionTemplate, Panel, Seat
from review.cases import services as cases
from review.cases.lifecycle import Action
from review.convening.services import convene_panel
from review.core import db
from review.core.actors import Actor
from review.core.errors import ServiceError
from review.core.tables import AuditEvent, Case, Holiday
from review.holidays.importing import load_year, text_rows
from review.rulings.services.deliberation import close_scoring, issue_ruling, save_reasoning, sign_reasoning
from review.rulings.services.reconsideration import decide_reconsideration, request_reconsideration
from review.rulings.services.sheets import submit_sheet
from review.verdicts import services as verdicts
from review.verdicts.tables import Verdict
from scoring.domain.default_criteria import DEFAULT_CRITERIA, DEFAULT_RULE
from scoring.services.criteria import create_draft, publish_criteria
from scoring.tables import CriteriaSet, Deliberation, Reconsideration, Ruling
from tests import factories
from tests.integration.panel_helpers import accepted_case, api
from tests.integration.scoring_helpers import convened_case, seated_now

pytestmark = [pytest.mark.integration]

CALLS = 20
# A row another connection holds while the calls start: a query and its arguments.
Hold = tuple[Any, ...]
_VERDICT_OF_CASE = ("SELECT v.id FROM verdict v JOIN review_case c ON c.id = v.\"case\" WHERE c.number = $1"
                    " FOR UPDATE OF v")
REASON = "该评议员曾代理被评议部门的诉讼案件"


@pytest.fixture
async def side_by_side(clean_db: None) -> AsyncIterator[None]:
    """A PostgreSQL pool wide enough for every concurrent call to hold a connection of its own."""
    if db.is_sqlite():
        yield
        return
    await db.stop()
    await db.start(pool_size=CALLS + 4)
    try:
        yield
    finally:
        await db.stop()
        await db.start()


async def _waiting_for_locks() -> int:
    rows = await db.fetch("SELECT COUNT(*) AS n FROM pg_stat_activity WHERE datname = current_database()"
                          " AND wait_event_type = 'Lock'")
    return int(rows[0]["n"])


@contextlib.asynccontextmanager
async def _row_held(hold: Hold | None) -> AsyncIterator[None]:
    if hold is None or db.is_sqlite():
        yield
        return
    holder = await asyncpg.connect(os.environ["DATABASE_URL"])
    try:
        async with holder.transaction():
            assert await holder.fetch(hold[0], *hold[1:]), "the row to hold is missing"
            yield
    finally:
        await holder.close()


async def together(calls: list[Awaitable[Any]], hold: Hold | None = None) -> list[Any]:
    """Run the calls side by side; their outcomes, exceptions included.

    With `hold`, another connection runs that statement (a SELECT … FOR UPDATE, or an UPDATE: a change under
    way) in a transaction left open while the calls start, and commits once every call waits for some lock:
    each call has made its checks by then, unless a lock it took first kept it from doing so.
    """
    assert db.engine().current_transaction.get() is None  # no surrounding transaction for the calls to share
    async with _row_held(hold):
        running = asyncio.gather(*calls, return_exceptions=True)
        if hold and not db.is_sqlite():
            async with asyncio.timeout(120):
                while await _waiting_for_locks() < len(calls):
                    await asyncio.sleep(0.025)
    return await running


async def at_once(call: Callable[[], Awaitable[Any]], hold: Hold | None = None) -> tuple[list[Any], list[ServiceError]]:
    """CALLS calls started together, each opening its own transaction: (results, refusals).

    A call failing with anything but a service refusal (what the API answers 500) fails the test, as does a
    refusal other than 409.
    """
    outcomes = await together([call() for _ in range(CALLS)], hold)
    crashed = [o for o in outcomes if isinstance(o, BaseException) and not isinstance(o, ServiceError)]
    assert not crashed, f"{len(crashed)} of {CALLS} calls failed with a server error, e.g. {crashed[0]!r}"
    if not db.is_sqlite():
        pool = db.engine().pool
        assert pool is not None and pool.get_size() > CALLS // 2, "the calls did not run on separate connections"
    refused = [o for o in outcomes if isinstance(o, ServiceError)]
    assert {e.status for e in refused} <= {409}, [(e.status, e.code) for e in refused]
    return [o for o in outcomes if not isinstance(o, BaseException)], refused


async def audit_count(action: str) -> int:
    return await AuditEvent.count().where(AuditEvent.action == action).run()


async def case_id_of(number: str) -> int:
    return (await Case.select(Case.id).where(Case.number == number).first().run())["id"]


# Arrangements: each returns what its action needs.


async def _received() -> dict[str, Any]:
    number, _ = await factories.case()
    return {"number": number, "office": await factories.account("office")}


async def _accepted() -> dict[str, Any]:
    office = await factories.account("office")
    await factories.roster()
    number, _ = await accepted_case(office)
    return {"number": number, "office": office}


async def _invited() -> dict[str, Any]:
    ctx = await _accepted()
    await convene_panel(number=ctx["number"], actor=ctx["office"])
    seat_id, member = (await factories.invited_members(ctx["number"]))[0]
    return {**ctx, "seat_id": seat_id, "member": member}


async def _seated() -> dict[str, Any]:
    number, _, office, _ = await convened_case()
    case_id = await case_id_of(number)
    seat = await Seat.select(Seat.id).where((Seat.panel.case == case_id) & (Seat.status == "accepted")).order_by(
        Seat.id).first().run()
    return {"number": number, "office": office, "seat_id": seat["id"],
            "complainant": Actor(kind="complainant", case_id=case_id)}


async def _challenged() -> dict[str, Any]:
    ctx = await _seated()
    challenge_id = await raise_challenge(seat_id=ctx["seat_id"], actor=ctx["complainant"], reason=REASON)
    return {**ctx, "challenge_id": challenge_id}


async def _scored() -> dict[str, Any]:
    number, _, office, _ = await convened_case()
    for member in await seated_now(number):
        await submit_sheet(number=number, actor=member, scores=factories.full_scores(3))
    return {"number": number, "office": office}


async def _deliberating() -> dict[str, Any]:
    ctx = await _scored()
    await close_scoring(number=ctx["number"], actor=ctx["office"])
    chair = await factories.chair_of(ctx["number"])
    await save_reasoning(number=ctx["number"], actor=chair, reasoning="评议组依据公布的评议标准逐项评分，经合议作出本结论。")
    return {**ctx, "chair": chair}


async def _signed() -> dict[str, Any]:
    ctx = await _deliberating()
    await sign_reasoning(number=ctx["number"], actor=ctx["chair"])
    return ctx


async def _ruled() -> dict[str, Any]:
    ctx = await _signed()
    await issue_ruling(number=ctx["number"], actor=ctx["office"])
    return {**ctx, "complainant": Actor(kind="complainant", case_id=await case_id_of(ctx["number"]))}


async def _asked() -> dict[str, Any]:
    ctx = await _ruled()
    await request_reconsideration(number=ctx["number"], actor=ctx["complainant"], reason="评议组未考虑维修记录。")
    return ctx


async def _withdrawn() -> dict[str, Any]:
    ctx = await _ruled()
    await verdicts.withdraw(number=ctx["number"], actor=ctx["office"], reason="送达前发现案情摘要有误")
    return ctx


async def _drafted() -> dict[str, Any]:
    office = await factories.account("office")
    set_id = await create_draft(actor=office, content={
        "name": "评议标准（第二版）", "criteria": [dict(c) for c in DEFAULT_CRITERIA], "rule": DEFAULT_RULE})
    return {"office": office, "set_id": set_id}


# What each action leaves behind, counted before and after.


async def _status_of_case(ctx: dict[str, Any], status: str) -> int:
    return await Case.count().where((Case.number == ctx["number"]) & (Case.status == status)).run()


async def _panels(ctx: dict[str, Any]) -> int:
    return await Panel.count().where(Panel.case.number == ctx["number"]).run()


async def _accepted_seats(ctx: dict[str, Any]) -> int:
    return await Seat.count().where((Seat.id == ctx["seat_id"]) & (Seat.status == "accepted")).run()


async def _pending_challenges(ctx: dict[str, Any]) -> int:
    return await Challenge.count().where((Challenge.seat == ctx["seat_id"]) & (Challenge.status == "pending")).run()


async def _removed_seats(ctx: dict[str, Any]) -> int:
    return await Seat.count().where((Seat.id == ctx["seat_id"]) & (Seat.status == "removed")).run()


async def _dissolved_panels(ctx: dict[str, Any]) -> int:
    return await Panel.count().where((Panel.case.number == ctx["number"]) & (Panel.status == "dissolved")).run()


async def _deliberations(ctx: dict[str, Any]) -> int:
    return await Deliberation.count().where(Deliberation.case.number == ctx["number"]).run()


async def _signatures(ctx: dict[str, Any]) -> int:
    return await Deliberation.count().where(
        (Deliberation.case.number == ctx["number"]) & Deliberation.signed_at.is_not_null()).run()


async def _rulings(ctx: dict[str, Any]) -> int:
    return await Ruling.count().where(Ruling.case.number == ctx["number"]).run()


async def _requests(ctx: dict[str, Any]) -> int:
    return await Reconsideration.count().where(Reconsideration.case.number == ctx["number"]).run()


async def _decided_requests(ctx: dict[str, Any]) -> int:
    return await Reconsideration.count().where(
        (Reconsideration.case.number == ctx["number"]) & (Reconsideration.status != "pending")).run()


async def _verdicts(ctx: dict[str, Any], status: str | None = None) -> int:
    where = Verdict.case.number == ctx["number"]
    return await Verdict.count().where(where if status is None else where & (Verdict.status == status)).run()


async def _published(ctx: dict[str, Any]) -> int:
    return await CriteriaSet.count().where(CriteriaSet.status == "published").run()


@dataclass(frozen=True)
class OneTime:
    """A one-time action: how to arrange for it, the call, what it leaves once, its event, the losers' code."""

    arrange: Callable[[], Awaitable[dict[str, Any]]]
    act: Callable[[dict[str, Any]], Awaitable[Any]]
    effect: Callable[[dict[str, Any]], Awaitable[int]]
    event: str
    refusal: str
    hold: Callable[[dict[str, Any]], Hold] | None = None


ACTIONS: dict[str, OneTime] = {
    "screening": OneTime(
        _received, lambda c: cases.screen_case(number=c["number"], actor=c["office"], accept=True),
        lambda c: _status_of_case(c, "accepted"), Action.accept.value, "invalid_transition"),
    "convening": OneTime(
        _accepted, lambda c: convene_panel(number=c["number"], actor=c["office"]),
        _panels, Action.convene.value, "invalid_transition"),
    "accepting a seat": OneTime(
        _invited, lambda c: answer_invitation(seat_id=c["seat_id"], actor=c["member"], answer="accept"),
        _accepted_seats, "invitation_accepted", "already_answered"),
    "raising a challenge": OneTime(
        _seated, lambda c: raise_challenge(seat_id=c["seat_id"], actor=c["complainant"], reason=REASON),
        _pending_challenges, "challenge_raised", "challenge_pending"),
    "upholding a challenge": OneTime(
        _challenged,
        lambda c: decide_challenge(challenge_id=c["challenge_id"], actor=c["office"], uphold=True, reason="理由成立"),
        _removed_seats, "challenge_upheld", "challenge_decided",
        hold=lambda c: ("SELECT id FROM challenge WHERE id = $1 FOR UPDATE", c["challenge_id"])),
    "closing scoring": OneTime(
        _scored, lambda c: close_scoring(number=c["number"], actor=c["office"]),
        _deliberations, Action.close_scoring.value, "invalid_transition"),
    "signing": OneTime(
        _deliberating, lambda c: sign_reasoning(number=c["number"], actor=c["chair"]),
        _signatures, "reasoning_signed", "already_signed"),
    "issuing": OneTime(
        _signed, lambda c: issue_ruling(number=c["number"], actor=c["office"]),
        _rulings, Action.issue_ruling.value, "already_ruled"),
    "requesting reconsideration": OneTime(
        _ruled, lambda c: request_reconsideration(number=c["number"], actor=c["complainant"], reason="未考虑维修记录"),
        _requests, "reconsideration_requested", "already_requested"),
    "deciding reconsideration": OneTime(
        _asked, lambda c: decide_reconsideration(number=c["number"], actor=c["office"], accept=True),
        _decided_requests, Action.reconsider.value, "no_pending_request"),
    "closing the case": OneTime(
        _ruled, lambda c: cases.close_case(number=c["number"], actor=c["office"]),
        lambda c: _status_of_case(c, "closed"), Action.close.value, "invalid_transition"),
    "withdrawing the case": OneTime(
        _seated,
        lambda c: cases.end_case(number=c["number"], actor=c["complainant"], action=Action.withdraw, reason="已协商解决"),
        _dissolved_panels, Action.withdraw.value, "invalid_transition"),
    "withdrawing a verdict": OneTime(
        _ruled, lambda c: verdicts.withdraw(number=c["number"], actor=c["office"], reason="送达前发现案情摘要有误"),
        lambda c: _verdicts(c, "withdrawn"), "verdict_withdrawn", "verdict_not_valid",
        hold=lambda c: (_VERDICT_OF_CASE, c["number"])),
    "correcting a verdict": OneTime(
        _withdrawn, lambda c: verdicts.correct(number=c["number"], actor=c["office"], reason="更正路段名称"),
        _verdicts, "verdict_corrected", "verdict_not_withdrawn"),
    "publishing criteria": OneTime(
        _drafted, lambda c: publish_criteria(actor=c["office"], set_id=c["set_id"]),
        _published, "criteria_published", "criteria_published"),
}


@pytest.mark.parametrize("name", list(ACTIONS))
async def test_one_time_action_called_at_once_takes_effect_once(side_by_side: None, name: str) -> None:
    action = ACTIONS[name]
    ctx = await action.arrange()
    effects, events = await action.effect(ctx), await audit_count(action.event)

    results, refused = await at_once(lambda: action.act(ctx), hold=action.hold(ctx) if action.hold else None)

    assert len(results) == 1 and len(refused) == CALLS - 1
    assert {e.code for e in refused} == {action.refusal}
    assert await action.effect(ctx) - effects == 1
    assert await audit_count(action.event) - events == 1


THREE = {"name": "三人评议组", "seats": {"lawyer": 1, "deputy": 1, "resident": 1}, "chair_roles": ["deputy"],
         "prefer_local_residents": True, "reply_days": 3}


async def test_template_saved_at_once_gets_one_version_each_and_one_current(side_by_side: None) -> None:
    """Every save is a new version of the category's template: twenty saves, twenty versions, one in force."""
    office = await factories.account("office")
    before = await CompositionTemplate.count().where(CompositionTemplate.category == "").run()

    results, refused = await at_once(lambda: save_template(actor=office, fields=THREE))

    assert len(results) == CALLS and not refused
    rows = await CompositionTemplate.select(CompositionTemplate.version, CompositionTemplate.current).where(
        CompositionTemplate.category == "").order_by(CompositionTemplate.version).run()
    assert [r["version"] for r in rows] == list(range(1, before + CALLS + 1))
    assert [r["version"] for r in rows if r["current"]] == [before + CALLS]
    assert await audit_count("template_saved") == CALLS


async def test_two_parties_challenging_one_seat_at_once_each_have_one_pending(side_by_side: None) -> None:
    """The complainant and the department each may have one pending challenge of the same member."""
    ctx = await _seated()
    liaison = await factories.account("liaison")
    calls = [raise_challenge(seat_id=ctx["seat_id"], actor=party, reason=REASON)
             for party in (ctx["complainant"], liaison) for _ in range(CALLS // 2)]

    outcomes = await together(calls)

    assert [type(o) for o in outcomes if not isinstance(o, (int, ServiceError))] == []
    assert sum(isinstance(o, int) for o in outcomes) == 2
    rows = await Challenge.select(Challenge.raised_by).where(Challenge.seat == ctx["seat_id"]).run()
    assert sorted(r["raised_by"] for r in rows) == ["complainant", "department"]


async def test_challenge_decided_at_once_through_the_api_answers_one_decision_and_409s(side_by_side: None) -> None:
    """Twenty decisions of one challenge posted together, half upholding and half rejecting: one is taken,
    the others are told it was decided already, in the API's error form."""
    ctx = await _challenged()
    async with await api(ctx["office"]) as http:
        async def post(uphold: bool) -> httpx.Response:
            return await http.post(f"/api/v1/challenges/{ctx['challenge_id']}/decision",
                                   json={"uphold": uphold, "reason": "经核实作出决定"})

        responses = await together([post(i % 2 == 0) for i in range(CALLS)],
                                   hold=("SELECT id FROM challenge WHERE id = $1 FOR UPDATE", ctx["challenge_id"]))

    assert all(isinstance(r, httpx.Response) for r in responses), responses
    assert sorted(r.status_code for r in responses) == [200] + [409] * (CALLS - 1)
    assert {r.json()["error"]["code"] for r in responses if r.status_code == 409} == {"challenge_decided"}
    assert await audit_count("challenge_upheld") + await audit_count("challenge_rejected") == 1


async def test_holidays_loaded_at_once_replace_the_year_each_in_turn(side_by_side: None) -> None:
    """Each load replaces the year's holidays: twenty loads at once all succeed one after another, leave the
    year loaded once, and each is audited."""
    office = await factories.account("office")
    rows = "2031-01-01 放假 元旦\n2031-05-01 放假 劳动节\n2031-04-27 调休上班 劳动节"
    before = await audit_count("holidays_loaded")

    results, refused = await at_once(
        lambda: load_year(raw=text_rows(rows), actor=office, source="国务院办公厅通知（测试）"))

    assert [r.loaded for r in results] == [3] * CALLS and not refused
    assert await Holiday.count().where((Holiday.day >= date(2031, 1, 1)) & (Holiday.day <= date(2031, 12, 31))).run() == 3
    assert await audit_count("holidays_loaded") - before == CALLS


async def test_invitations_expired_at_once_expire_each_seat_once(side_by_side: None) -> None:
    """The deadline job run twenty times at once (workers on several machines): each overdue seat expires once,
    with one event, and its panel is refilled by one run."""
    ctx = await _invited()
    seats = len(await factories.invited_members(ctx["number"]))
    later = datetime.now(UTC) + timedelta(days=60)

    results, refused = await at_once(lambda: expire_invitations(now=later))

    assert sorted(map(len, results)) == [0] * (CALLS - 1) + [1] and not refused
    assert await Seat.count().where((Seat.panel.case.number == ctx["number"]) & (Seat.status == "expired")).run() \
        == seats
    assert await audit_count("invitation_expired") == seats


async def test_case_withdrawn_while_a_party_challenges_a_member_neither_deadlocks(side_by_side: None) -> None:
    """The challenge has locked the panel and waits (here, for the seat another connection holds) while the
    complainant withdraws the case, whose panel must then be dissolved: both go through, one after the other,
    and the challenge lapses with the panel."""
    ctx = await _seated()
    liaison = await factories.account("liaison")

    outcomes = await together(
        [raise_challenge(seat_id=ctx["seat_id"], actor=liaison, reason=REASON),
         cases.end_case(number=ctx["number"], actor=ctx["complainant"], action=Action.withdraw, reason="已协商解决")],
        hold=("SELECT id FROM seat WHERE id = $1 FOR UPDATE", ctx["seat_id"]))

    assert [type(o) for o in outcomes] == [int, str], outcomes
    assert await _dissolved_panels(ctx) == 1
    assert [r["status"] for r in await Challenge.select(Challenge.status).where(Challenge.seat == ctx["seat_id"]).run()] \
        == ["withdrawn"]


@pytest.mark.postgres_only  # SQLite lets one writer in at a time: a withdrawal cannot be under way during a render
async def test_verdict_withdrawn_while_it_renders_stays_withdrawn(side_by_side: None) -> None:
    """The render stores the files after a withdrawal that was being written while it rendered: the verdict
    stays withdrawn, it does not turn valid."""
    ctx = await _ruled()
    verdict = await Verdict.select(Verdict.id).where(Verdict.case.number == ctx["number"]).first().run()

    [status] = await together(
        [verdicts.render(verdict_id=verdict["id"])],
        hold=("UPDATE verdict SET status = 'withdrawn' WHERE id = $1 RETURNING id", verdict["id"]))

    row = await Verdict.select(Verdict.status, Verdict.full_sha256).where(Verdict.id == verdict["id"]).first().run()
    assert status == "withdrawn" and row["status"] == "withdrawn" and row["full_sha256"]
