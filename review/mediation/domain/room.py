"""The live room's rules (/mediation/{id}), pure: who is named how, a message's text, an event as it is carried.

The services (review.mediation.services.room) store every event first, with its SHA-256 in the audit chain (never
its text), and announce it on the hub (review.core.realtime) only after its transaction has committed: the hub
tells clients what is new, the store is what they read and resume from."""

from __future__ import annotations

import hashlib
from typing import Any

from review.core.errors import Invalid

AUTHOR_LABELS = {"complainant": "诉求人", "liaison": "部门联络员", "member": "评议员", "office": "评议办"}
EVENTS_PAGE = 500  # events one read returns at most


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
            "sha256": row["sha256"], "at": at if isinstance(at, str) else at.isoformat()}
