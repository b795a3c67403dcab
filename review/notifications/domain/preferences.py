"""Which outside channels a notification takes for one recipient, and whether it waits for the daily digest."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field

from review.notifications.domain.events import EMAIL, EVENTS, SMS


@dataclass(frozen=True)
class Choices:
    """One recipient's preferences and addresses. Complainants take the defaults: SMS at once."""

    email: str = ""
    phone: str = ""
    use_email: bool = True
    use_sms: bool = True
    muted: frozenset[str] = field(default_factory=frozenset)
    digest: bool = False


@dataclass(frozen=True)
class Route:
    channel: str
    held: bool  # waits for the daily digest


def routes(choices: Choices, event: str, *, available: Collection[str]) -> list[Route]:
    """The deliveries of `event` to this recipient: each outside channel it chose, that is configured
    (`available`) and that it has an address for, unless it muted the event (the inbox keeps it regardless)."""
    if event in choices.muted and event in EVENTS:
        return []
    chosen = []
    if choices.use_email and choices.email and EMAIL in available:
        chosen.append(EMAIL)
    if choices.use_sms and choices.phone and SMS in available:
        chosen.append(SMS)
    return [Route(channel, held=choices.digest) for channel in chosen]
