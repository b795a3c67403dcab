"""Who is told, and `notify` / `notify_many`: one notification per (key, recipient), stored once, its deliveries
queued after the commit."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
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
    return (await recipients_many([Asked(role, case_number, department_id)]))[0]


@dataclass(frozen=True)
class Asked:
    """Who plays `role` for a case (by number) or a department: one question for `recipients_many`."""

    role: str
    case_number: str | None = None
    department_id: int | None = None


async def recipients_many(asked: Sequence[Asked]) -> list[list[Recipient]]:
    """`recipients` for many questions at once, the answers in the order asked, in a few queries whatever their
    number: the cases' facts, the office, the departments' liaisons and the panels' members, each once."""
    for question in asked:
        if question.role not in _ROLES:
            raise ValueError(f"unknown recipient role {question.role!r}")
    numbers = sorted({q.case_number for q in asked if q.case_number is not None})
    facts = {r["number"]: r for r in await db.fetch_among(sql.CASE_FACTS_OF, numbers, "text")}
    resolved: list[tuple[str, Asked, dict[str, Any] | None]] = []
    for question in asked:
        fact = facts.get(question.case_number) if question.case_number is not None else None
        role = question.role
        if role == "assignee":
            role = _ASSIGNEE_OF_STATUS.get(fact["status"], "office") if fact else "office"
        resolved.append((role, question, fact))
    roles = {role for role, _, _ in resolved}
    office = ([Recipient(account_id=r["id"]) for r in await db.fetch(sql.ACTIVE_OF_ROLE, "office")]
              if "office" in roles else [])
    heads: list[Recipient] = []
    if "office_head" in roles:
        accounts = await db.fetch(sql.OFFICE_OF_USERNAMES)
        named = {name.strip() for name in settings.OFFICE_HEADS.split(",") if name.strip()}
        heads = [Recipient(account_id=r["id"]) for r in ([r for r in accounts if r["username"] in named] or accounts)]

    def department_of(role: str, question: Asked, fact: dict[str, Any] | None) -> int | None:
        if question.department_id is not None:
            return question.department_id
        return fact["department"] if fact else None

    departments = sorted({d for role, q, f in resolved if role in ("department", "department_head")
                          if (d := department_of(role, q, f)) is not None})
    liaisons: dict[int, list[Recipient]] = {}
    for row in await db.fetch_among(sql.LIAISONS_OF_DEPARTMENTS, departments, "int"):
        liaisons.setdefault(row["department"], []).append(Recipient(account_id=row["id"]))
    cases = sorted({f["id"] for role, _, f in resolved if role in ("panel", "chair") and f is not None})
    seats: dict[int, list[dict[str, Any]]] = {}
    for row in await db.fetch_among(sql.PANEL_ACCOUNTS_OF, cases, "int"):
        seats.setdefault(row["case_id"], []).append(row)
    answers: list[list[Recipient]] = []
    for role, question, fact in resolved:
        if role == "office":
            answers.append(list(office))
        elif role == "office_head":
            answers.append(list(heads))
        elif role in ("department", "department_head"):
            department = department_of(role, question, fact)
            answers.append(list(liaisons.get(department, [])) if department is not None else [])
        elif role in ("panel", "chair"):
            held = seats.get(fact["id"], []) if fact is not None else []
            answers.append([Recipient(account_id=s["account_id"]) for s in held if role == "panel" or s["is_chair"]])
        else:  # complainant
            answers.append([Recipient(case_number=question.case_number)] if fact else [])
    return answers


_ROLES = frozenset({"assignee", "office", "office_head", "department", "department_head", "panel", "chair",
                    "complainant"})


def available_channels() -> set[str]:
    """The outside channels this installation sends by: e-mail once SMTP is configured; SMS always (logged
    when no gateway is configured)."""
    return {SMS} | ({EMAIL} if settings.SMTP_HOST else set())


@dataclass(frozen=True)
class Notice:
    """One notification of `event` under `key` for each of `recipients` (see `notify`)."""

    event: str
    key: str
    recipients: Sequence[Recipient]
    context: Mapping[str, Any]


@dataclass
class Stored:
    """What `store_many` wrote: how many notifications were new, and the deliveries to queue after the commit."""

    count: int = 0
    deliveries: list[int] = field(default_factory=list)




async def notify(*, event: str, key: str, recipients: Sequence[Recipient], context: Mapping[str, Any]) -> int:
    """Queue the notification of `event` (its templates in Chinese name the subject and the text) for each
    recipient, once per (`key`, recipient) however often it is called; returns how many were newly queued.

    `context` holds what the templates show; nothing personal beyond what the recipient already has. It may
    name `link`, the path where an account acts on it (complainants are sent to their tracking page).
    Called after the caller's commit: it writes in its own transaction and queues the deliveries after it."""
    return await notify_many([Notice(event, key, recipients, context)])


async def notify_many(notices: Sequence[Notice]) -> int:
    """`notify` for many notices at once: one transaction, the deliveries queued after its commit; returns how
    many notifications were newly stored. Called after the caller's commit (a caller that wants its own writes
    and the notifications in one transaction calls `store_many` inside it and `queue_stored` after)."""
    async with db.transaction():
        stored = await store_many(notices)
    await queue_stored(stored)
    return stored.count


async def queue_stored(stored: Stored) -> None:
    """Queue the deliveries `store_many` wrote; only once their transaction has committed."""
    for delivery_id in stored.deliveries:
        await queue.enqueue("deliver_notification", delivery_id)


async def store_many(notices: Sequence[Notice]) -> Stored:
    """Write the notifications of `notices` and their deliveries inside the caller's transaction, each once per
    (key, recipient) however often or by however many callers at once (INSERT … ON CONFLICT DO NOTHING on the
    unique key, `db.insert_many`: one statement per table on PostgreSQL; rows in the key's order so that two
    callers at once wait, never deadlock).
    Returns what to hand to `queue_stored` after the commit."""
    for notice in notices:
        if notice.event not in EVENT_LABELS:
            raise ValueError(f"unknown notification event {notice.event!r}")
    told = [(notice, list(dict.fromkeys(r for r in notice.recipients if r.account_id is not None or r.case_number)))
            for notice in notices]
    told = [(notice, wanted) for notice, wanted in told if wanted]
    if not told:
        return Stored()
    choices = await _choices_of(list(dict.fromkeys(r for _, wanted in told for r in wanted)))
    available = available_channels()
    at = now()
    rows: dict[str, tuple[Any, ...]] = {}  # dedupe → the notification's values
    chosen_of: dict[str, tuple[str, Choices]] = {}  # dedupe → (event, the recipient's choices)
    for notice, wanted in told:
        subject, body = rendering.render(notice.event, notice.context)
        for recipient in wanted:
            if recipient not in choices:
                continue  # a case number that names no case
            case_id, chosen = choices[recipient]
            link = COMPLAINANT_LINK if recipient.account_id is None else str(notice.context.get("link", ""))
            dedupe = f"{notice.key}|{recipient.label}"[:255]
            if dedupe not in rows:
                rows[dedupe] = (dedupe, notice.key[:200], notice.event, recipient.account_id, case_id, subject, body,
                                link[:200], at)
                chosen_of[dedupe] = (notice.event, chosen)
    inserted = await db.insert_many(sql.NOTIFICATIONS, [rows[dedupe] for dedupe in sorted(rows)])
    # Told already (by an earlier call or by another caller just now): no row came back, no delivery.
    deliveries: list[tuple[Any, ...]] = []
    for row in sorted(inserted, key=lambda r: r["dedupe"]):
        event, chosen = chosen_of[row["dedupe"]]
        for route in routes(chosen, event, available=available):
            deliveries.append((f"{row['id']}:{route.channel}", row["id"], route.channel,
                               "held" if route.held else "queued", at, False, at))
    made = await db.insert_many(sql.DELIVERIES, deliveries)
    queued = [r["id"] for r in made if r["status"] == "queued"]
    return Stored(len(inserted), sorted(queued))


async def _choices_of(wanted: list[Recipient]) -> dict[Recipient, tuple[int | None, Choices]]:
    """Each recipient's case id (complainants) and choices, in two queries."""
    found: dict[Recipient, tuple[int | None, Choices]] = {}
    accounts = [r.account_id for r in wanted if r.account_id is not None]
    if accounts:
        stored = {row["account"]: row for row in await db.fetch_among(sql.PREFERENCES_OF, accounts, "int")}
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
        cases = {row["number"]: row for row in await db.fetch_among(sql.CASE_PHONES_OF, numbers, "text")}
        for recipient in wanted:
            if recipient.account_id is None and recipient.case_number in cases:
                case = cases[recipient.case_number]
                found[recipient] = (case["id"], Choices(phone=case["complainant_phone"] or ""))
    return found
