"""Notifications as the rest of the platform sends them: `notify` queues one notification per recipient and
event, delivered by each channel the recipient takes, once."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Recipient:
    """An account, or the complainant of a case (reached on the tracking page's inbox, and by SMS or e-mail at
    the contact given at intake)."""

    account_id: int | None = None
    case_number: str | None = None


async def recipients(role: str, *, case_number: str | None = None,
                     department_id: int | None = None) -> list[Recipient]:
    """Who plays `role` for a case or a department: a recipient of the clock policy (`assignee`, `office`,
    `office_head`, `chair`, `department`, `department_head`) or `complainant`, `panel`."""
    raise NotImplementedError


async def notify(*, event: str, key: str, recipients: Sequence[Recipient], context: Mapping[str, Any]) -> int:
    """Queue the notification of `event` (its templates in Chinese name the subject and the text) for each
    recipient, once per (`key`, recipient) however often it is called; returns how many were newly queued.

    `context` holds what the templates show; nothing personal beyond what the recipient already has."""
    raise NotImplementedError
