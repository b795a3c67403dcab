"""The one clock: a stored instant, as PostgreSQL (a datetime) or SQLite (ISO text) gives it, and its label."""

from __future__ import annotations

from datetime import UTC, datetime

from review.core import clock


def test_a_stored_instant_reads_the_same_from_either_database() -> None:
    at = datetime(2026, 12, 3, 2, 5, tzinfo=UTC)
    assert clock.instant(at) is at
    assert clock.instant("2026-12-03T02:05:00+00:00") == at
    assert clock.instant(None) is None and clock.instant("") is None


def test_a_stored_instant_is_labelled_in_beijing_time() -> None:
    assert clock.local_label("2026-12-03T02:05:00+00:00") == "2026-12-03 10:05"
    assert clock.local_label(datetime(2026, 12, 3, 2, 5, tzinfo=UTC)) == "2026-12-03 10:05"
    assert clock.local_label(None) == ""
