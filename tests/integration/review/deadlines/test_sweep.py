"""The reminder sweep: each reminder and escalation step of a late stage fires once — recorded and audited, then
told by the job the sweep queues — as time passes, however many sweeps run, at once or after one was stopped
half-way."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import timedelta

import pytest

from review.core import db
from review.core.audit import store as audit
from review.core.tables import AuditEvent, Case
from review.deadlines import services
from review.deadlines.clocks import Alert
from review.deadlines.services import sweep as sweeping
from review.deadlines.services import telling
from review.deadlines.tables import ClockAlert
from review.notifications.tables import Notification
from tests import factories
from tests.conftest import USE_POSTGRES, run_jobs

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("clean_db")]

MINUTE = timedelta(minutes=1)


async def _screening_alerts(number: str) -> list[Alert]:
    """The screening clock's reminder and escalation steps, as the pure clocks compute them."""
    rows = await AuditEvent.select(AuditEvent.at, AuditEvent.action).where(AuditEvent.case.number == number).run()
    (screening,) = [c for c in await services.case_clocks(rows) if c.stage == "screening"]
    return list(screening.alerts)


async def _recorded() -> list[str]:
    return sorted(r["key"] for r in await ClockAlert.select(ClockAlert.key).run())


async def _audited() -> list[str]:
    rows = await AuditEvent.select(AuditEvent.data).where(
        AuditEvent.action.is_in(["clock_reminded", "clock_escalated"])).run()
    return sorted(db.json_value(r["data"])["key"] for r in rows)


async def _notified() -> Counter[tuple[str, int | None]]:
    """Who was told of which step, once the jobs the sweeps queued have run."""
    await run_jobs()
    rows = await Notification.select(Notification.key, Notification.account).where(
        Notification.event.is_in(["reminder", "escalation"])).run()
    return Counter((r["key"], r["account"]) for r in rows)


async def test_a_late_stage_is_reminded_then_escalated_once_each_as_time_passes() -> None:
    office = await factories.account("office")
    number, _ = await factories.case()
    remind, first, second = await _screening_alerts(number)
    assert (remind.kind, first.kind, second.kind) == ("remind", "escalate", "escalate")

    assert (await sweeping.sweep(now=remind.at - MINUTE)).fired == 0
    assert (await sweeping.sweep(now=remind.at + MINUTE)).fired == 1
    assert await _recorded() == [f"{number}:screening:1:remind:0"]
    between = await sweeping.sweep(now=remind.at + 2 * MINUTE)
    assert between.fired == 0 and between.candidates == 0  # the reminder recorded, the next step not yet near
    assert (await sweeping.sweep(now=first.at + MINUTE)).fired == 1
    assert (await sweeping.sweep(now=first.at + 2 * MINUTE)).fired == 0
    late = await sweeping.sweep(now=second.at + MINUTE)
    again = await sweeping.sweep(now=second.at + MINUTE)

    assert late.fired == 1 and again.fired == again.found == 0
    keys = [f"{number}:{a.key}" for a in (remind, first, second)]
    assert await _recorded() == sorted(keys)
    assert await _audited() == sorted(keys)
    # The reminder goes to the office, as do both steps here (the office head is every office account when
    # none is named): each account is told once per step.
    assert await _notified() == Counter({(key, office.user_id): 1 for key in keys})
    row = await ClockAlert.select().where(ClockAlert.key == keys[1]).first().run()
    assert (row["case_number"], row["stage"], row["kind"], row["step"], row["recipient"]) == (
        number, "screening", "escalate", 1, "office")
    assert row["due"] == first.at


async def test_a_sweep_that_comes_late_fires_every_step_reached_and_not_the_passed_reminder() -> None:
    await factories.account("office")
    number, _ = await factories.case()
    _remind, first, second = await _screening_alerts(number)

    report = await sweeping.sweep(now=second.at + MINUTE)

    assert report.fired == 2
    assert await _recorded() == sorted(f"{number}:{a.key}" for a in (first, second))
    assert (await sweeping.sweep(now=second.at + 2 * MINUTE)).fired == 0


async def test_a_paused_stage_does_not_alert_until_the_pause_ends() -> None:
    await factories.account("office")
    number, _ = await factories.case()
    _remind, first, _ = await _screening_alerts(number)
    case_id = (await Case.select(Case.id).where(Case.number == number).first().run())["id"]
    async with db.transaction():
        await audit.record(case_id=case_id, actor="office:test", action="supplement_requested")

    assert (await sweeping.sweep(now=first.at + timedelta(days=30))).fired == 0
    assert await _recorded() == []

    async with db.transaction():
        await audit.record(case_id=case_id, actor="office:test", action="supplement_received")
    resumed = await sweeping.sweep(now=first.at + timedelta(days=30))

    assert resumed.fired >= 1
    assert all(key.startswith(f"{number}:screening:1:escalate:") for key in await _recorded())


async def test_a_stage_that_ended_in_time_does_not_alert() -> None:
    from review.cases import services as cases  # lazy: only this test moves a case on

    office = await factories.account("office")
    number, _ = await factories.case()
    remind, *_ = await _screening_alerts(number)
    await cases.screen_case(number=number, actor=office, accept=False, reason="不属于评议范围")

    assert (await sweeping.sweep(now=remind.at + timedelta(days=20))).fired == 0
    assert await _recorded() == []


@pytest.mark.postgres_only
async def test_two_sweeps_at_once_fire_each_step_once() -> None:
    office = await factories.account("office")
    numbers = [(await factories.case(source_ref=f"CD12345-SWEEP-{i}"))[0] for i in range(12)]
    _remind, _first, second = await _screening_alerts(numbers[0])
    at = second.at + MINUTE

    reports = await asyncio.gather(sweeping.sweep(now=at), sweeping.sweep(now=at), sweeping.sweep(now=at))

    keys = sorted(f"{n}:screening:1:escalate:{step}" for n in numbers for step in (1, 2))
    assert sum(r.fired for r in reports) == len(keys)
    assert await _recorded() == keys
    assert await _audited() == keys
    assert await _notified() == Counter({(key, office.user_id): 1 for key in keys})


_FAULT = {
    "postgres": [
        ("CREATE OR REPLACE FUNCTION sweep_fault() RETURNS trigger AS $$"
         " BEGIN RAISE EXCEPTION 'injected fault'; END $$ LANGUAGE plpgsql"),
        ("CREATE TRIGGER sweep_fault BEFORE INSERT ON clock_alert FOR EACH ROW"
         " WHEN (NEW.case_number = '{number}') EXECUTE FUNCTION sweep_fault()"),
    ],
    "sqlite": [
        ("CREATE TRIGGER sweep_fault BEFORE INSERT ON clock_alert WHEN NEW.case_number = '{number}'"
         " BEGIN SELECT RAISE(ABORT, 'injected fault'); END"),
    ],
}
_MEND = {"postgres": ["DROP TRIGGER IF EXISTS sweep_fault ON clock_alert", "DROP FUNCTION IF EXISTS sweep_fault()"],
         "sqlite": ["DROP TRIGGER IF EXISTS sweep_fault"]}


async def test_a_sweep_stopped_half_way_is_completed_by_the_next_without_duplicates(
        monkeypatch: pytest.MonkeyPatch) -> None:
    office = await factories.account("office")
    numbers = [(await factories.case(source_ref=f"CD12345-HALF-{i}"))[0] for i in range(6)]
    remind, *_ = await _screening_alerts(numbers[-1])
    at = remind.at + MINUTE
    keys = sorted(f"{n}:screening:1:remind:0" for n in numbers)
    monkeypatch.setattr(sweeping, "ALERTS_PER_WRITE", 2)  # three batches: the second one fails
    engine = "postgres" if USE_POSTGRES else "sqlite"
    try:
        for statement in _FAULT[engine]:
            await db.engine().run_ddl(statement.replace("{number}", numbers[3]))
        with pytest.raises(Exception, match="injected fault"):
            await sweeping.sweep(now=at)
        assert await _recorded() == sorted(f"{n}:screening:1:remind:0" for n in numbers[:2])
        assert await _audited() == await _recorded()
        # The failed batch left nothing: no record, so nothing to tell.
        assert await _notified() == Counter({(key, office.user_id): 1 for key in await _recorded()})
    finally:
        for statement in _MEND[engine]:
            await db.engine().run_ddl(statement)

    rerun = await sweeping.sweep(now=at)

    assert rerun.fired == 4
    assert await _recorded() == keys
    assert await _audited() == keys
    # The rerun told each step once, nobody twice.
    assert await _notified() == Counter({(key, office.user_id): 1 for key in keys})
    assert (await sweeping.sweep(now=at + MINUTE)).fired == 0


async def test_the_sweep_is_a_periodic_job() -> None:
    from review import worker  # lazy: the composition root, only to read its list

    (job,) = [j for j in worker.JOBS if j.name == "sweep_clocks"]
    assert job.every == 600


async def test_the_reminder_and_the_escalation_name_the_stage_and_its_due_day_in_words() -> None:
    await factories.account("office")
    number, _ = await factories.case()
    remind, first, _second = await _screening_alerts(number)
    await sweeping.sweep(now=remind.at + MINUTE)
    await sweeping.sweep(now=first.at + MINUTE)
    await run_jobs()

    rows = await Notification.select(Notification.event, Notification.subject, Notification.body).run()
    texts = {r["event"]: r["subject"] + "\n" + r["body"] for r in rows}
    assert "「受理审查」" in texts["reminder"] and "screening" not in texts["reminder"]
    assert "应于 " in texts["reminder"] and "前完成" in texts["reminder"]
    assert "已于 " in texts["escalation"] and "True" not in texts["escalation"]


async def test_a_step_recorded_is_told_once_after_a_failed_teller_and_however_many_tellers_run(
        monkeypatch: pytest.MonkeyPatch) -> None:
    office = await factories.account("office")
    number, _ = await factories.case()
    remind, *_ = await _screening_alerts(number)

    async def down(*args: object, **kwargs: object) -> None:
        raise RuntimeError("the notification store is down")

    with monkeypatch.context() as patched:
        patched.setattr(telling.notifications, "store_many", down)
        assert (await sweeping.sweep(now=remind.at + MINUTE)).fired == 1
        await run_jobs()  # the teller the sweep queued fails: the step stays recorded, untold
        assert await ClockAlert.count().where(ClockAlert.notified_at.is_null()) == 1

    await asyncio.gather(telling.tell(), telling.tell())
    await sweeping.sweep(now=remind.at + 2 * MINUTE)  # queues another teller, which finds nothing left

    assert await _notified() == Counter({(f"{number}:{remind.key}", office.user_id): 1})
    assert await ClockAlert.count().where(ClockAlert.notified_at.is_null()) == 0
