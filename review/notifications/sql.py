"""The notifications' hand-written SQL: inserts that store a notification or a delivery once (ON CONFLICT DO
NOTHING on its unique key, so two callers at once store one), and the claims that send a delivery once."""

from __future__ import annotations

from review.core.db.bulk import Insert

_NOTIFICATION_COLUMNS = "dedupe, key, event, account, \"case\", subject, body, link, created_at, read_at"
_NOTIFICATION_ROW = "{}, {}, {}, {}, {}, {}, {}, {}, {}, NULL"
_DELIVERY_COLUMNS = ("dedupe, notification, channel, status, attempts, next_attempt_at, last_error, digest, created_at,"
                     " sent_at, failed_at")
_DELIVERY_ROW = "{}, {}, {}, {}, 0, {}, '', {}, {}, NULL, NULL"


# Many at once (`db.insert_many`), each stored once: RETURNING the id and dedupe (the id and status) of those the
# statement stored. A notification's values: dedupe, key, event, account, case, subject, body, link, created_at;
# a delivery's: dedupe, notification, channel, status, next_attempt_at, digest, created_at.
NOTIFICATIONS = Insert("notification", _NOTIFICATION_COLUMNS, _NOTIFICATION_ROW,
                       ("text", "text", "text", "int", "int", "text", "text", "text", "timestamptz"),
                       "ON CONFLICT (dedupe) DO NOTHING RETURNING id, dedupe")
DELIVERIES = Insert("notification_delivery", _DELIVERY_COLUMNS, _DELIVERY_ROW,
                    ("text", "int", "text", "text", "timestamptz", "bool", "timestamptz"),
                    "ON CONFLICT (dedupe) DO NOTHING RETURNING id, status")


# Recipients by role.
ACTIVE_OF_ROLE = "SELECT id FROM account WHERE role = {} AND active ORDER BY id"
OFFICE_OF_USERNAMES = "SELECT id, username FROM account WHERE role = 'office' AND active ORDER BY id"
# Of many at once (`db.fetch_among`: `{among}` stands for the list).
PREFERENCES_OF = ("SELECT account, email, phone, use_email, use_sms, muted, digest FROM notification_preference"
                  " WHERE account {among}")
CASE_PHONES_OF = "SELECT id, number, complainant_phone FROM review_case WHERE number {among}"
CASE_FACTS_OF = "SELECT id, number, status, department FROM review_case WHERE number {among}"
LIAISONS_OF_DEPARTMENTS = ("SELECT id, department FROM account WHERE role = 'liaison' AND active AND department {among}"
                           " ORDER BY id")
PANEL_ACCOUNTS_OF = (
    "SELECT p.\"case\" AS case_id, r.\"user\" AS account_id, s.is_chair FROM seat s JOIN panel p ON p.id = s.panel"
    " JOIN roster_member r ON r.id = s.member"
    " WHERE p.\"case\" {among} AND p.status = 'seated' AND s.status IN ('invited', 'accepted')"
    " AND r.\"user\" IS NOT NULL ORDER BY s.id"
)


# Sending: a delivery is claimed (queued or retrying, and due) by one worker only; the claim counts the attempt.
CLAIM = (
    "UPDATE notification_delivery SET status = 'sending', attempts = attempts + 1, next_attempt_at = {}"
    " WHERE id = {} AND status IN ('queued', 'retrying') AND next_attempt_at <= {} RETURNING id, attempts"
)
CLAIM_HELD = (
    "UPDATE notification_delivery SET status = 'sending', attempts = attempts + 1, next_attempt_at = {}"
    " WHERE id = {} AND status = 'held' RETURNING id"
)
TARGET = (
    "SELECT d.id, d.channel, d.attempts, n.id AS notification_id, n.event, n.subject, n.body, n.link,"
    " n.account AS account_id, n.\"case\" AS case_id, p.email, p.phone, c.complainant_phone"
    " FROM notification_delivery d JOIN notification n ON n.id = d.notification"
    " LEFT JOIN notification_preference p ON p.account = n.account"
    " LEFT JOIN review_case c ON c.id = n.\"case\" WHERE d.id = {}"
)
MARK_SENT = (
    "UPDATE notification_delivery SET status = 'sent', sent_at = {}, last_error = '', digest = {}"
    " WHERE id = {} AND status = 'sending'"
)
MARK_RETRYING = (
    "UPDATE notification_delivery SET status = 'retrying', next_attempt_at = {}, last_error = {}"
    " WHERE id = {} AND status = 'sending'"
)
MARK_FAILED = (
    "UPDATE notification_delivery SET status = 'failed', failed_at = {}, last_error = {}"
    " WHERE id = {} AND status = 'sending' RETURNING id"
)
DUE = (
    "SELECT id FROM notification_delivery WHERE status IN ('queued', 'retrying') AND next_attempt_at <= {}"
    " ORDER BY next_attempt_at, id LIMIT {}"
)
# Claimed before `{}` and never reported back: the worker died mid-send, so the delivery may have gone out.
STALE = (
    "UPDATE notification_delivery SET status = 'failed', failed_at = {}, last_error = {}"
    " WHERE status = 'sending' AND next_attempt_at < {} RETURNING id"
)
HELD = (
    "SELECT d.id, d.channel, n.account AS account_id, n.\"case\" AS case_id, n.subject, n.link"
    " FROM notification_delivery d JOIN notification n ON n.id = d.notification"
    " WHERE d.status = 'held' ORDER BY n.account, n.\"case\", d.channel, d.id"
)
