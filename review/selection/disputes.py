"""Repeated disputes (重复争议): which cases the selection policy takes up because their complainant keeps coming
back about the same department (pure).

The complainant is recognised by a keyed hash of the normalised phone number (review.core.keys.keyed_hash over
`normalise_phone`), made by the services: this module sees keys, never numbers.
"""

from __future__ import annotations

import unicodedata
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from review.selection.policy import Policy

KEY_PURPOSE = "selection:complainant-phone"  # the keyed hash's purpose: its hashes match no other purpose's


def normalise_phone(phone: str) -> str:
    """The digits of a phone number as one complainant's number reads however it was typed: full-width digits,
    spaces, dashes and a +86 / 0086 prefix make no difference. Empty when too short to name anyone."""
    digits = "".join(ch for ch in unicodedata.normalize("NFKC", phone or "") if ch.isascii() and ch.isdigit())
    if digits.startswith("0086"):
        digits = digits[4:]
    elif digits.startswith("86") and len(digits) == 13:  # +86 before an 11-digit mobile number
        digits = digits[2:]
    return digits if len(digits) >= 5 else ""


@dataclass(frozen=True)
class KeyedCase:
    """A case as the matching sees it: its complainant's key, its department and its two times."""

    case_id: int
    key: str  # the keyed hash of the complainant's phone; "" when the case has none
    department: int
    received_at: datetime
    replied_at: datetime | None


def repeat_rules(candidates: Iterable[KeyedCase], known: Iterable[KeyedCase], policy: Policy) -> dict[int, str]:
    """Each candidate that is a repeated dispute, by id, with its rule: `reopened` (received within reopen_days
    after the department replied to an earlier case of the same complainant), else `repeat` (another case of
    the same complainant and department received within repeat_days of it, before or after). `known` holds every
    case that shares a key with a candidate (the candidates may be among them)."""
    by_key: dict[tuple[str, int], list[KeyedCase]] = defaultdict(list)
    for case in known:
        if case.key:
            by_key[(case.key, case.department)].append(case)
    repeat, reopen = timedelta(days=policy.repeat_days), timedelta(days=policy.reopen_days)
    found: dict[int, str] = {}
    for case in candidates:
        if not case.key:
            continue
        others = [o for o in by_key.get((case.key, case.department), ()) if o.case_id != case.case_id]
        if policy.reopen_days and any(
            o.replied_at is not None and o.received_at < case.received_at
            and o.replied_at <= case.received_at <= o.replied_at + reopen for o in others
        ):
            found[case.case_id] = "reopened"
        elif policy.repeat_days and any(abs(o.received_at - case.received_at) <= repeat for o in others):
            found[case.case_id] = "repeat"
    return found
