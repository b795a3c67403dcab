"""An account's notification preferences (通知设置): which events reach it outside the inbox, by which channels,
at once or gathered in a daily digest, and its e-mail address and mobile number."""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass

from review.core import db
from review.core.actors import STAFF, Actor
from review.core.clock import now
from review.core.errors import Invalid
from review.notifications.domain.events import EVENTS
from review.notifications.tables import NotificationPreference

_EMAIL = re.compile(r"^[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}$")
_PHONE = re.compile(r"^1[3-9][0-9]{9}$")


@dataclass(frozen=True)
class Preferences:
    email: str = ""
    phone: str = ""
    use_email: bool = True
    use_sms: bool = False
    events: frozenset[str] = frozenset(EVENTS)  # the events sent outside the inbox
    digest: bool = False


async def preferences_of(account_id: int) -> Preferences:
    """The account's stored preferences, or the defaults (every event, e-mail at once)."""
    row = await NotificationPreference.select().where(NotificationPreference.account == account_id).first().run()
    if row is None:
        return Preferences()
    muted = set(db.json_list(row["muted"]))
    return Preferences(email=row["email"], phone=row["phone"], use_email=bool(row["use_email"]),
                       use_sms=bool(row["use_sms"]), events=frozenset(e for e in EVENTS if e not in muted),
                       digest=bool(row["digest"]))


async def save_preferences(*, actor: Actor, email: str, phone: str, use_email: bool, use_sms: bool,
                           events: Collection[str], digest: bool) -> Preferences:
    """Store the actor's own preferences, refused with the field named when an address is malformed."""
    STAFF.check(actor, "只有登录用户可以设置通知")
    assert actor.user_id is not None
    email, phone = email.strip(), re.sub(r"[\s-]", "", phone)
    if email and not _EMAIL.match(email):
        raise Invalid("invalid_email", "电子邮件地址格式不正确", field="email")
    if phone and not _PHONE.match(phone):
        raise Invalid("invalid_phone", "手机号码应为 11 位数字", field="phone")
    unknown = set(events) - set(EVENTS)
    if unknown:
        raise Invalid("unknown_event", "未知的通知类型", field="events")
    if use_email and not email and events:
        raise Invalid("email_required", "选择电子邮件通知时请填写电子邮件地址", field="email")
    if use_sms and not phone and events:
        raise Invalid("phone_required", "选择短信通知时请填写手机号码", field="phone")
    muted = sorted(set(EVENTS) - set(events))
    values = {NotificationPreference.email: email, NotificationPreference.phone: phone,
              NotificationPreference.use_email: use_email, NotificationPreference.use_sms: use_sms,
              NotificationPreference.muted: muted, NotificationPreference.digest: digest,
              NotificationPreference.updated_at: now()}
    async with db.transaction():
        existing = await NotificationPreference.select(NotificationPreference.id).where(
            NotificationPreference.account == actor.user_id).first().run()
        if existing:
            await NotificationPreference.update(values).where(NotificationPreference.id == existing["id"]).run()
        else:
            await NotificationPreference.insert(NotificationPreference(
                account=actor.user_id, **{column._meta.name: value for column, value in values.items()})).run()
    return Preferences(email=email, phone=phone, use_email=use_email, use_sms=use_sms,
                       events=frozenset(events), digest=digest)
