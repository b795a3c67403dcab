"""The notifications' records (the `review` Piccolo app): each notification as its recipient's inbox shows it,
each delivery of it by e-mail or SMS, and each account's preferences."""

from __future__ import annotations

from piccolo.columns import JSON, Boolean, ForeignKey, Integer, Serial, Text, Timestamptz, Varchar
from piccolo.table import Table

from review.core.tables import Account, Case


class Notification(Table):
    """通知: one event told to one recipient (an account, or a case's complainant), as the inbox lists it."""

    id = Serial(primary_key=True)
    dedupe = Varchar(length=255, unique=True,
                     help_text="The caller's key and the recipient: the same notification is stored once")
    key = Varchar(length=200, help_text="The caller's key for the event (e.g. a clock alert's key)")
    event = Varchar(length=24, help_text="An event kind of review.notifications.domain.events")
    account = ForeignKey(references=Account, null=True, index=True, help_text="The recipient, an account")
    case = ForeignKey(references=Case, null=True, index=True,
                      help_text="The recipient, the case's complainant (with no account)")
    subject = Varchar(length=200, help_text="Rendered from the event's template: nothing personal")
    body = Text(help_text="Rendered from the event's template, as the inbox shows it")
    link = Varchar(length=200, default="", help_text="A path on this site where the recipient acts on it")
    created_at = Timestamptz()
    read_at = Timestamptz(null=True, default=None)


class Delivery(Table, tablename="notification_delivery"):
    """投递: one notification sent by one outside channel (email / sms), once, retried with backoff."""

    id = Serial(primary_key=True)
    dedupe = Varchar(length=64, unique=True, help_text="The notification's id and the channel: one delivery each")
    notification = ForeignKey(references=Notification, index=True)
    channel = Varchar(length=8, help_text="email | sms")
    status = Varchar(length=12, default="queued", index=True,
                     help_text="queued | held (for the daily digest) | sending | retrying | sent | failed")
    attempts = Integer(default=0)
    next_attempt_at = Timestamptz(help_text="When a queued or retrying delivery is next tried")
    last_error = Varchar(length=300, default="", help_text="The last failure (never the address or the text)")
    digest = Boolean(default=False, help_text="Sent as part of a daily digest")
    created_at = Timestamptz()
    sent_at = Timestamptz(null=True, default=None)
    failed_at = Timestamptz(null=True, default=None)


class NotificationPreference(Table):
    """通知设置: an account's choices (which events reach it outside the inbox, by which channels, at once or in
    a daily digest) and where: its e-mail address and mobile number (accounts hold neither)."""

    id = Serial(primary_key=True)
    account = ForeignKey(references=Account, unique=True)
    email = Varchar(length=254, default="")
    phone = Varchar(length=32, default="")
    use_email = Boolean(default=True)
    use_sms = Boolean(default=False)
    muted = JSON(default="[]", help_text="Event kinds sent to the inbox only")
    digest = Boolean(default=False, help_text="E-mail and SMS once a day, gathered, instead of at once")
    updated_at = Timestamptz()


TABLES: list[type[Table]] = [Notification, Delivery, NotificationPreference]
