"""Reminders before a mediation session (pure): which offset is due now, and how an offset reads in Chinese."""

from __future__ import annotations

from datetime import datetime, timedelta


def offset_label(minutes: int) -> str:
    """An offset before a session as a person reads it: 2880 → 「2 天」, 120 → 「2 小时」, 90 → 「90 分钟」."""
    if minutes % (24 * 60) == 0:
        return f"{minutes // (24 * 60)} 天"
    if minutes % 60 == 0:
        return f"{minutes // 60} 小时"
    return f"{minutes} 分钟"


def due_offset(*, starts_at: datetime, now: datetime, offsets: tuple[int, ...]) -> int | None:
    """The offset (minutes) whose reminder is due at `now`: of those whose time has come before the session
    starts, the nearest to the start; None when none has come or the session has begun.

    Only the nearest counts, so that a session scheduled a day ahead gets its two-hour reminder in time and no
    late "two days before" one (an invitee reminded now needs no earlier reminder)."""
    if now >= starts_at:
        return None
    due = [m for m in offsets if starts_at - timedelta(minutes=m) <= now]
    return min(due) if due else None


def reminder_text(offset_minutes: int) -> str:
    """What a reminder recorded `offset_minutes` before a session says to the invitee."""
    return f"提醒：调解会约 {offset_label(offset_minutes)}后开始"
