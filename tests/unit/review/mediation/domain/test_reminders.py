"""Which reminder is due before a mediation session, and how its offset reads."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from review.mediation.domain.reminders import due_offset, offset_label, reminder_text

pytestmark = pytest.mark.unit

START = datetime(2026, 12, 10, 6, 30, tzinfo=UTC)
OFFSETS = (2880, 120)


@pytest.mark.parametrize(("before", "due"), [
    (timedelta(days=3), None),
    (timedelta(days=2, seconds=1), None),
    (timedelta(days=2), 2880),
    (timedelta(hours=5), 2880),
    (timedelta(hours=2), 120),
    (timedelta(minutes=1), 120),
    (timedelta(0), None),  # the session has begun
    (-timedelta(hours=1), None),
])
def test_the_nearest_offset_whose_time_has_come_is_due(before: timedelta, due: int | None) -> None:
    assert due_offset(starts_at=START, now=START - before, offsets=OFFSETS) == due


def test_no_offsets_means_no_reminder() -> None:
    assert due_offset(starts_at=START, now=START - timedelta(minutes=5), offsets=()) is None


@pytest.mark.parametrize(("minutes", "label"), [(2880, "2 天"), (120, "2 小时"), (90, "90 分钟"), (1440, "1 天")])
def test_offsets_read_in_chinese(minutes: int, label: str) -> None:
    assert offset_label(minutes) == label
    assert label in reminder_text(minutes)
