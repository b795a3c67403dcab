"""调解笔录, pure: who keeps the minutes of a session, their text, and the parties' one comment each."""

from __future__ import annotations

import hashlib
from typing import Any

from review.core.errors import Conflict, Forbidden, Invalid

# The kinds of participant who keep a session's minutes besides the office (the panel's chair, an appointed mediator).
MEDIATOR_KINDS = ("chair", "mediator")
COMMENT_PARTIES = {"complainant": "诉求人", "liaison": "承办部门"}


def digest(body: str) -> str:
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


def text(value: Any, *, limit: int, what: str, field: str) -> str:
    """A text as written, stripped; refused when empty or longer than `limit` characters."""
    body = str(value or "").strip()
    if not body:
        raise Invalid(f"{field}_required", f"请填写{what}", field=field)
    if len(body) > limit:
        raise Invalid(f"{field}_too_long", f"{what}不能超过 {limit} 字（现为 {len(body)} 字）", field=field)
    return body


def check_mediator(*, actor_kind: str, seated_as: set[str]) -> None:
    """The office keeps the minutes, or a member invited to the mediation as its chair or mediator."""
    if actor_kind == "office" or (actor_kind == "member" and seated_as & set(MEDIATOR_KINDS)):
        return
    raise Forbidden("forbidden", "只有评议办、评议组组长或指定的调解员可以撰写调解笔录")


def check_session(*, status: str, starts_at: Any, now: Any) -> None:
    """Minutes are kept during a session or after it, never before it or of a cancelled one."""
    if status == "cancelled":
        raise Conflict("session_cancelled", "该调解会已取消，不能撰写笔录")
    if starts_at > now:
        raise Conflict("session_not_started", "调解会尚未开始，开始后才能撰写笔录")


def check_base(*, current: int, base: int | None) -> None:
    """A revision names the version it revises (0: the first text); another writer's newer version is not lost."""
    if base is not None and base != current:
        raise Conflict("minutes_changed", f"笔录已被修订为第 {current} 版，请在最新版本上修改后再保存")


def comment_party(actor_kind: str) -> str:
    if actor_kind not in COMMENT_PARTIES:
        raise Forbidden("forbidden", "只有诉求人和承办部门可以对调解笔录发表意见")
    return actor_kind


def check_first_comment(*, party: str, already: bool) -> None:
    if already:
        raise Conflict("comment_given", f"{COMMENT_PARTIES[party]}已对本次调解会的笔录发表过意见，每方只能发表一次")
