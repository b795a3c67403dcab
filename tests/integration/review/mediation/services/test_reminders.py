"""Reminders before a mediation session: one per invitee and offset, however many sweeps or workers run."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta

import pytest

from review.core import clock, db, settings
from review.core.actors import Actor
from review.core.tables import AuditEvent, Case
from review.mediation import queries
from review.mediation.services import reminders
from review.mediation.services import stage as services
from review.mediation.tables import MediationParticipant, MediationReminder
from tests import factories
from tests.conftest import run_jobs
from tests.integration.panel_helpers import accepted_case

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("clean_db")]


async def _session(days: float = 3) -> tuple[str, datetime, dict[str, int], Actor]:
    """A case in mediation with one online session `days` ahead: (number, its start, invitation ids, liaison)."""
    office = await factories.account("office")
    liaison = await factories.account("liaison")
    number, _ = await accepted_case(office)
    await services.open_mediation(number=number, actor=office)
    starts = (clock.now() + timedelta(days=days)).replace(microsecond=0)
    session_id = await services.schedule_session(number=number, starts_at=starts.isoformat(), mode="online",
                                                 location="", actor=office)
    invited = {r["kind"]: r["id"] for r in await MediationParticipant.select().where(
        MediationParticipant.session == session_id).run()}
    return number, starts, invited, liaison


async def _reminders() -> list[tuple[int, int]]:
    rows = await MediationReminder.select().order_by(MediationReminder.id).run()
    return sorted((r["participant"], r["offset_minutes"]) for r in rows)


async def _audited(number: str) -> list[dict]:
    rows = await AuditEvent.select().where((AuditEvent.case.number == number)
                                           & (AuditEvent.action == "mediation_reminder")).run()
    return [db.json_value(r["data"]) for r in rows]


async def test_each_invitee_gets_one_reminder_per_offset_as_the_session_nears() -> None:
    number, starts, invited, _ = await _session()
    both = sorted(invited.values())

    assert await reminders.send_due_reminders(now=starts - timedelta(days=2, minutes=5)) == 0
    assert await reminders.send_due_reminders(now=starts - timedelta(hours=47)) == 2
    assert await _reminders() == [(p, 2880) for p in both]
    assert await reminders.send_due_reminders(now=starts - timedelta(hours=46)) == 0  # a later sweep: nothing more
    assert await reminders.send_due_reminders(now=starts - timedelta(minutes=90)) == 2
    assert await reminders.send_due_reminders(now=starts - timedelta(minutes=30)) == 0
    assert await reminders.send_due_reminders(now=starts + timedelta(minutes=1)) == 0

    assert await _reminders() == sorted([(p, 2880) for p in both] + [(p, 120) for p in both])
    row = await MediationReminder.select().first().run()
    assert row["channel"] == "page" and row["delivered_at"] is None  # left for a later SMS / e-mail sender
    assert row["due_at"] == starts - timedelta(minutes=row["offset_minutes"])
    audited = await _audited(number)
    assert sorted((a["participant_id"], a["offset_minutes"]) for a in audited) == await _reminders()
    assert {a["kind"] for a in audited} == {"complainant", "liaison"}


async def test_two_sweeps_at_once_record_each_reminder_once() -> None:
    number, starts, invited, _ = await _session()
    at = starts - timedelta(hours=1)

    counts = await asyncio.gather(*[reminders.send_due_reminders(now=at) for _ in range(6)])

    assert sum(counts) == len(invited) == 2
    assert await _reminders() == sorted((p, 120) for p in invited.values())
    assert len(await _audited(number)) == 2


async def test_a_session_near_at_hand_gets_only_its_nearest_reminder() -> None:
    _, starts, invited, _ = await _session(days=1)

    assert await reminders.send_due_reminders(now=starts - timedelta(hours=20)) == 2
    assert await reminders.send_due_reminders(now=starts - timedelta(hours=1)) == 2

    # no late "two days before" reminder for a session scheduled a day ahead
    assert await _reminders() == sorted([(p, 2880) for p in invited.values()] + [(p, 120) for p in invited.values()])
    first = await MediationReminder.select().where(MediationReminder.offset_minutes == 2880).first().run()
    assert first["recorded_at"] == starts - timedelta(hours=20)


async def test_who_asked_for_another_time_and_ended_mediations_are_not_reminded() -> None:
    _, starts, invited, liaison = await _session()
    await services.answer_invitation(participant_id=invited["liaison"], actor=liaison, answer="other_time",
                                     note="下周三上午")

    assert await reminders.send_due_reminders(now=starts - timedelta(hours=1)) == 1
    assert await _reminders() == [(invited["complainant"], 120)]

    other, later, _, _ = await _session()
    await services.end_without_agreement(number=other, actor=await factories.account("office"))
    assert await reminders.send_due_reminders(now=later - timedelta(hours=47)) == 1  # only the first case's 2d


async def test_the_offsets_are_a_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(settings, "MEDIATION_REMINDERS", settings._offsets("MEDIATION_REMINDERS", "30m"))
    _, starts, _, _ = await _session()
    assert await reminders.send_due_reminders(now=starts - timedelta(hours=1)) == 0
    assert await reminders.send_due_reminders(now=starts - timedelta(minutes=20)) == 2
    assert {r for _, r in await _reminders()} == {30}
    monkeypatch.setattr(settings, "MEDIATION_REMINDERS", ())
    assert await reminders.send_due_reminders(now=starts - timedelta(minutes=1)) == 0


@pytest.mark.parametrize("text", ["2x", "d", "0h", "-2h", "31d", "2d;2h"])
def test_bad_offsets_are_refused_at_start_up_in_chinese(text: str) -> None:
    with pytest.raises(ValueError, match="MEDIATION_REMINDERS 应为"):
        settings._offsets("MEDIATION_REMINDERS", text)


async def test_reminders_show_in_the_invitee_s_sessions_to_come() -> None:
    number, _, _, liaison = await _session(days=0.05)  # 72 minutes ahead: the 2h reminder is due
    await reminders.send_due_reminders()
    case = await Case.select(Case.id).where(Case.number == number).first().run()

    for actor in (liaison, Actor(kind="complainant", case_id=case["id"])):
        (upcoming,) = await queries.upcoming_sessions(actor=actor)
        assert [r["text"] for r in upcoming["reminders"]] == ["提醒：调解会约 2 小时后开始"]
        assert upcoming["room"] == f"/mediation/{upcoming['mediation_id']}"


@pytest.mark.redis_only
async def test_two_workers_sweeping_at_once_record_each_reminder_once() -> None:
    # lazy: only the Redis run has arq workers
    from arq.worker import Worker

    from review.core import jobs as queue
    from review.worker import worker_options

    number, _, invited, _ = await _session(days=0.05)
    await run_jobs()  # the session notice's deliveries, queued when it was scheduled
    pool = await queue.redis_pool()
    for n in range(4):  # four queued sweeps (distinct job ids), taken by two workers at the same time
        await pool.enqueue_job("send_mediation_reminders", _job_id=f"sweep-{n}")
    options = {**worker_options("default"), "cron_jobs": [], "on_startup": None, "on_shutdown": None,
               "poll_delay": 0.01}
    workers = [Worker(**options, burst=True, handle_signals=False) for _ in range(2)]
    try:
        await asyncio.gather(*[w.async_run() for w in workers])
    finally:
        for w in workers:
            await w.close()

    assert sum(w.jobs_complete for w in workers) == 4
    assert await _reminders() == sorted((p, 120) for p in invited.values())
    assert len(await _audited(number)) == 2
