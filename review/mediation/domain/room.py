"""The live room's rules (/mediation/{id}), pure: who is named how, a message's text, an event as it is carried,
who hears a caucus (单独沟通) and how presence names a person.

The services (review.mediation.services.room) store every event first, with its SHA-256 in the audit chain (never
its text), and announce it on the hub (review.core.realtime) only after its transaction has committed: the hub
tells clients what is new, the store is what they read and resume from."""

from __future__ import annotations

import hashlib
from typing import Any

from review.core.errors import Forbidden, Invalid

AUTHOR_LABELS = {"complainant": "诉求人", "liaison": "部门联络员", "member": "评议员", "office": "评议办"}
EVENTS_PAGE = 500  # events one read returns at most
PAGE_LATEST = 100  # events the no-JavaScript page shows: the latest, with a link to the earlier ones

# A caucus (单独沟通) is the mediator's side room with one party: its events carry that party's name as their
# audience; '' is the whole room.
CAUCUSES = {"complainant": "诉求人", "liaison": "部门联络员"}
# Sides of the room: the mediator (the office, or the chair or appointed mediator among seated members), each
# party, and members who only sit in (observers).
MEDIATOR, OBSERVER = "mediator", "observer"
_ORDER = {"office": "0", "member": "1", "complainant": "2", "liaison": "3"}


def side_of(kind: str, *, mediates: bool = False) -> str:
    """The side of the room an actor of `kind` is on (`mediates`: a member who is chair or appointed mediator)."""
    if kind == "office" or (kind == "member" and mediates):
        return MEDIATOR
    if kind in CAUCUSES:
        return kind
    return OBSERVER


def audience(side: str) -> tuple[str, ...]:
    """The audiences whose events `side` hears: the whole room, and the caucuses it is part of."""
    if side == MEDIATOR:
        return ("", *CAUCUSES)
    if side in CAUCUSES:
        return ("", side)
    return ("",)


def hears(side: str, caucus: str) -> bool:
    """Whether `side` hears an event said in `caucus` ('' the whole room)."""
    return caucus in audience(side)


def caucus_field(value: Any) -> str:
    """The caucus a post names ('' or absent: the whole room); refused when it names no party."""
    caucus = str(value or "").strip()
    if caucus and caucus not in CAUCUSES:
        raise Invalid("invalid_caucus", "单独沟通的对象应为诉求人或部门联络员", field="caucus")
    return caucus


def check_caucus_post(*, side: str, caucus: str, opened: bool) -> None:
    """Refuse a post into `caucus` by `side`: the mediator opens a caucus with either party; that party answers
    in it once opened; nobody else speaks there."""
    if not caucus or side == MEDIATOR:
        return
    if side != caucus:
        raise Forbidden("caucus_forbidden", "您不能在该单独沟通中发言")
    if not opened:
        raise Forbidden("caucus_not_opened", "调解员尚未与您开始单独沟通")


def caucus_args(side: str) -> tuple[str, str, str]:
    """The three audiences an events query admits for `side` (repeated to fill, so the SQL has one shape)."""
    heard = [*audience(side), *audience(side)[-1:] * 2]
    return heard[0], heard[1], heard[2]


def presence_who(*, kind: str, label: str, side: str) -> dict[str, str]:
    """How presence names a person: a role label and the actor label the audit uses (never personal data)."""
    role = "调解员" if side == MEDIATOR and kind == "member" else AUTHOR_LABELS.get(kind, kind)
    return {"kind": kind, "role": role, "actor": label, "order": _ORDER.get(kind, "9")}


def presence_summary(people: list[dict[str, str]]) -> str:
    """在场：诉求人、部门联络员…: each role once, with how many when more than one."""
    counts: dict[str, int] = {}
    for who in people:
        counts[who["role"]] = counts.get(who["role"], 0) + 1
    return "、".join(role if n == 1 else f"{role}（{n} 人）" for role, n in counts.items())


def channel(mediation_id: int) -> str:
    """The hub channel a mediation's room is announced on."""
    return f"mediation:{mediation_id}"


def message_text(text: Any, *, limit: int) -> str:
    """A message's text, stripped; refused when empty or longer than `limit` characters."""
    body = str(text or "").strip()
    if not body:
        raise Invalid("message_required", "请填写发言内容", field="text")
    if len(body) > limit:
        raise Invalid("message_too_long", f"发言不能超过 {limit} 字（现为 {len(body)} 字）", field="text")
    return body


def digest(body: str) -> str:
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


def poster_key(*, kind: str, case_id: int | None, user_id: int | None, label: str, mediation_id: int) -> str:
    """Whose messages a rate limit counts together: one participant in one room."""
    who = f"case{case_id}" if kind == "complainant" else f"{kind}{user_id or label}"
    return f"{mediation_id}:{who}"


def event_payload(row: dict[str, Any]) -> dict[str, Any]:
    """An event as the API, the socket and the hub carry it."""
    at = row["at"]
    return {"id": int(row["id"]), "kind": row["kind"], "author_kind": row["author_kind"],
            "author": AUTHOR_LABELS.get(row["author_kind"], row["author_kind"]), "body": row["body"],
            "sha256": row["sha256"], "at": at if isinstance(at, str) else at.isoformat(),
            "caucus": row.get("caucus") or ""}
