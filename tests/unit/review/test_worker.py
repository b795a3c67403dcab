"""The one list of background jobs, and the worker settings, queue map and sweeper derived from it."""

from __future__ import annotations

from typing import Any

import pytest

from review import worker
from review.core import jobs as queue
from review.core.jobs import DEFAULT_QUEUE, Job
from review.verdicts.jobs import VERDICT_QUEUE


def _functions(settings: Any) -> dict[Any, float | None]:
    """A worker's functions by name, with the timeout arq gives each (None: the worker's own)."""
    return {getattr(f, "name", getattr(f, "__name__", None)): getattr(f, "timeout_s", None)
            for f in settings.functions}


def test_every_job_has_one_name_and_a_queue_with_workers() -> None:
    names = [job.name for job in worker.JOBS]
    assert len(names) == len(set(names))
    served = {settings.queue_name for settings in worker.SETTINGS_BY_QUEUE.values()}
    assert {job.queue for job in worker.JOBS} <= served


def test_each_queue_runs_its_jobs_with_their_timeouts() -> None:
    assert _functions(worker.WorkerSettings) == {
        "run_import": 3600, "expire_invitations": None, "refill_panel": None, "convene_round": 3600,
        "issue_bulk": worker.settings.VERDICT_BULK_TIMEOUT, "publish_daily": None, "send_mediation_reminders": None,
        "render_mediation_agreement": worker.settings.VERDICT_RENDER_TIMEOUT, "requeue_unrendered_agreements": None,
        "export_assessments_year": 600, "apply_selection": 1800,
        "sweep_clocks": None, "tell_clock_alerts": 600, "deliver_notification": 120, "send_due_notifications": None,
        "send_notification_digests": None, "deliver_webhook": 180, "send_due_webhooks": None, "forget_idempotency_keys": None,
        "report_leak": None, "report_public_leak": None, "publish_case": None, "publish_verdict": None,
        "publish_due": None}
    assert _functions(worker.VerdictWorkerSettings) == {
        "render_verdict": worker.settings.VERDICT_RENDER_TIMEOUT, "requeue_pending_verdicts": None}
    assert worker.worker_options("default")["queue_name"] == DEFAULT_QUEUE
    assert worker.worker_options("verdicts")["queue_name"] == VERDICT_QUEUE
    assert worker.worker_options("verdicts")["job_timeout"] == worker.settings.VERDICT_RENDER_TIMEOUT
    assert worker.worker_options("default")["job_timeout"] == 120


def test_periodic_jobs_run_at_the_same_clock_times() -> None:
    def times(settings: Any) -> dict[str, tuple]:
        return {job.coroutine.__name__: (job.hour, job.minute, job.unique) for job in settings.cron_jobs}

    assert times(worker.WorkerSettings) == {"expire_invitations": (None, set(range(0, 60, 5)), True),
                                            "publish_daily": (None, {7}, True),
                                            "send_mediation_reminders": (None, set(range(1, 60, 5)), True),
                                            "requeue_unrendered_agreements": (None, set(range(3, 60, 5)), True),
                                            "sweep_clocks": (None, set(range(4, 60, 10)), True),
                                            "send_due_notifications": (None, set(range(60)), True),
                                            "send_notification_digests": ({1}, {0}, True),  # 09:00 in Beijing
                                            "send_due_webhooks": (None, set(range(60)), True),
                                            "forget_idempotency_keys": (None, {30}, True),
                                            "publish_due": (None, set(range(3, 60, 5)), True)}
    assert times(worker.VerdictWorkerSettings) == {"requeue_pending_verdicts": (None, set(range(2, 60, 5)), True)}


def test_the_sweeper_runs_the_periodic_jobs_in_order() -> None:
    assert [job.name for job in worker.JOBS if job.every] == [
        "expire_invitations", "requeue_pending_verdicts", "publish_daily", "send_mediation_reminders",
        "requeue_unrendered_agreements", "sweep_clocks", "send_due_notifications", "send_notification_digests",
        "send_due_webhooks", "forget_idempotency_keys", "publish_due"]
    assert worker.SWEEP_INTERVAL == 300


async def _nothing(ctx: dict) -> None:
    return None


def test_periods_are_clock_times() -> None:
    assert Job(_nothing, every=86400, offset=3 * 3600 + 30 * 60).clock_times() == ({3}, {30})
    assert Job(_nothing, every=6 * 3600, offset=3600).clock_times() == ({1, 7, 13, 19}, {0})
    assert Job(_nothing, every=600, offset=60).clock_times() == (None, {1, 11, 21, 31, 41, 51})
    for every, offset in ((7 * 60, 0), (300, 300), (90, 0), (5 * 3600, 0), (300, 30)):
        with pytest.raises(ValueError):
            Job(_nothing, every=every, offset=offset)


async def test_enqueue_refuses_a_job_it_was_not_given() -> None:
    queue.configure(worker.JOBS)
    with pytest.raises(LookupError):
        await queue.enqueue("no_such_job", 1)
    with pytest.raises(ValueError):
        queue.configure([Job(_nothing), Job(_nothing)])
    queue.configure(worker.JOBS)
