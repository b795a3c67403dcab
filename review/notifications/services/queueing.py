"""Who is told, and `notify`: one notification per (key, recipient), stored once, its deliveries queued."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from review.core import db, settings
from review.core import jobs as queue
from review.core.clock import now
from review.notifications import rendering, sql
from review.notifications.domain.events import EMAIL, EVENT_LABELS, SMS
from review.notifications.domain.preferences import Choices, routes

# Where each stage's work lies, by the case's status: whose turn it is (the clock policy's `assignee`).
_ASSIGNEE_OF_STATUS: dict[str, str] = {
    "received": "office",
    "accepted": "office",
    "panel_ready": "panel",
    "under_review": "panel",
    "deliberation": "chair",
    "ruled": "department",
    "mediation": "office",
    "reconsideration": "office",
}

COMPLAINANT_LINK = "/track/case"


@dataclass(frozen=True)
class Recipient:
    """An account, or the complainant of a case (reached on the tracking page's inbox, and by SMS or e-mail at
    the contact given at intake)."""

    account_id: int | None = None
    case_number: str | None = None

    @property
    def label(self) -> str:
        return f"account:{self.account_id}" if self.account_id is not None else f"case:{self.case_number}"


async def recipients(role: str, *, case_number: str | None = None,
                     department_id: int | None = None) -> list[Recipient]:
    """Who plays `role` for a case or a department: a recipient of the clock policy (`assignee`, `office`,
    `office_head`, `chair`, `department`, `department_head`) or `complainant`, `panel`.

    - `office`: every active office account.
    - `office_head` (评议办负责人): the office accounts named in the setting OFFICE_HEADS (usernames, comma
      separated); with none named, every office account, so that an escalation always reaches someone.
    - `department` and `department_head`: the active liaisons of the department (the case's, unless
      `department_id` is given). The platform holds no accounts for department heads: the liaison is the
      department's one door, and forwards to the head.
    - `panel`: the members with a login who hold or are offered a seat on the case's sitting panel;
      `chair`: that panel's chair.
    - `complainant`: the case's complainant.
    - `assignee`: whose turn the case's status makes it (office, panel, chair or department).
    """
    facts = None
    if case_number is not None:
        rows = await db.fetch(sql.CASE_FACTS, case_number)
        facts = rows[0] if rows else None
    if role == "assignee":
        role = _ASSIGNEE_OF_STATUS.get(facts["status"], "office") if facts else "office"
    if role == "office":
        return [Recipient(account_id=r["id"]) for r in await db.fetch(sql.ACTIVE_OF_ROLE, "office")]
    if role == "office_head":
        office = await db.fetch(sql.OFFICE_OF_USERNAMES)
        heads = {name.strip() for name in settings.OFFICE_HEADS.split(",") if name.strip()}
        chosen = [r for r in office if r["username"] in heads] or office
        return [Recipient(account_id=r["id"]) for r in chosen]
    if role in ("department", "department_head"):
        department = department_id if department_id is not None else (facts["department"] if facts else None)
        if department is None:
            return []
        return [Recipient(account_id=r["id"]) for r in await db.fetch(sql.LIAISONS_OF_DEPARTMENT, department)]
    if role in ("panel", "chair"):
        if facts is None:
            return []
        seats = await db.fetch(sql.PANEL_ACCOUNTS, facts["id"])
        if role == "chair":
            seats = [s for s in seats if s["is_chair"]]
        return [Recipient(account_id=s["account_id"]) for s in seats]
    if role == "complainant":
        return [Recipient(case_number=case_number)] if facts else []
    raise ValueError(f"unknown recipient role {role!r}")


def available_channels() -> set[str]:
    """The outside channels this installation sends by: e-mail once SMTP is configured; SMS always (logged
    when no gateway is configured)."""
    return {SMS} | ({EMAIL} if settings.SMTP_HOST else set())


async def notify(*, event: str, key: str, recipients: Sequence[Recipient], context: Mapping[str, Any]) -> int:
    """Queue the notification of `event` (its templates in Chinese name the subject and the text) for each
    recipient, once per (`key`, recipient) however often it is called; returns how many were newly queued.

    `context` holds what the templates show; nothing personal beyond what the recipient already has. It may
    name `link`, the path where an account acts on it (complainants are sent to their tracking page).
    Called after the caller's commit: it writes in its own transaction and queues the deliveries after it."""
    if event not in EVENT_LABELS:
        raise ValueError(f"unknown notification event {event!r}")
    subject, body = rendering.render(event, context)
    wanted = list(dict.fromkeys(r for r in recipients if r.account_id is not None or r.case_number))
    if not wanted:
        return 0
    choices = await _choices_of(wanted)
    available = available_channels()
    at = now()
    stored, queued = 0, []
    async with db.transaction():
        for recipient in wanted:
            if recipient not in choices:
                continue  # a case number that names no case
            case_id, chosen = choices[recipient]
            link = COMPLAINANT_LINK if recipient.account_id is None else str(context.get("link", ""))
            inserted = await db.fetch(sql.INSERT_NOTIFICATION, f"{key}|{recipient.label}"[:255], key[:200], event,
                                      recipient.account_id, case_id, subject, body, link[:200], at)
            if not inserted:
                continue  # told already, by an earlier call or by another process just now
            stored += 1
            notification_id = inserted[0]["id"]
            for route in routes(chosen, event, available=available):
                delivery = await db.fetch(sql.INSERT_DELIVERY, f"{notification_id}:{route.channel}",
                                          notification_id, route.channel, "held" if route.held else "queued",
                                          at, False, at)
                if delivery and not route.held:
                    queued.append(delivery[0]["id"])
    for delivery_id in queued:
        await queue.enqueue("deliver_notification", delivery_id)
    return stored


async def _choices_of(wanted: list[Recipient]) -> dict[Recipient, tuple[int | None, Choices]]:
    """Each recipient's case id (complainants) and choices, in two queries."""
    found: dict[Recipient, tuple[int | None, Choices]] = {}
    accounts = [r.account_id for r in wanted if r.account_id is not None]
    if accounts:
        rows = await db.fetch(sql.preferences_of(len(accounts)), *accounts)
        stored = {row["account"]: row for row in rows}
        for recipient in wanted:
            if recipient.account_id is None:
                continue
            row = stored.get(recipient.account_id)
            found[recipient] = (None, Choices(
                email=row["email"], phone=row["phone"], use_email=bool(row["use_email"]),
                use_sms=bool(row["use_sms"]), muted=frozenset(db.json_list(row["muted"])),
                digest=bool(row["digest"])) if row else Choices(use_sms=False))
    numbers = [r.case_number for r in wanted if r.account_id is None and r.case_number]
    if numbers:
        cases = {row["number"]: row for row in await db.fetch(sql.case_phones(len(numbers)), *numbers)}
        for recipient in wanted:
            if recipient.account_id is None and recipient.case_number in cases:
                case = cases[recipient.case_number]
                found[recipient] = (case["id"], Choices(phone=case["complainant_phone"] or ""))
    return found
