"""The one clock and the one time zone: instants are aware UTC, days and shown times are Beijing time."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

CHINA = timezone(timedelta(hours=8))


def now() -> datetime:
    """This instant, aware, in UTC."""
    return datetime.now(UTC)


def today_in_china() -> date:
    """Today's date in Beijing."""
    return datetime.now(CHINA).date()


def local_time(value: datetime | None) -> str:
    """Beijing time as 2026-11-22 14:05."""
    if not value:
        return ""
    t = value.astimezone(CHINA)
    return f"{t.year:04d}-{t.month:02d}-{t.day:02d} {t.hour:02d}:{t.minute:02d}"


def instant(value: Any) -> datetime | None:
    """A stored instant as an aware datetime: PostgreSQL gives one, SQLite its ISO text; None when there is none."""
    if value is None or isinstance(value, datetime):
        return value
    text = str(value).strip()
    return datetime.fromisoformat(text) if text else None


def local_label(value: Any) -> str:
    """A stored instant (datetime or ISO text) in Beijing time as 2026-11-22 14:05; '' when there is none."""
    return local_time(instant(value))
