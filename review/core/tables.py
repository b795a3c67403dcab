"""The kernel's records: departments, people and their sessions, cases, the audit chain, import jobs, the holiday
table. Each capability's own tables are in its folder (verdicts/tables.py, …), all in the `review` Piccolo app."""

from __future__ import annotations

from piccolo.columns import (
    JSON,
    Boolean,
    Date,
    ForeignKey,
    Integer,
    Serial,
    Text,
    Timestamptz,
    Varchar,
)
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from review.core.enums import Channel, Role
from review.core.workdays import DayKind, YearStatus


class Department(Table):
    """承办部门: a department that handles cases and is assessed."""

    id = Serial(primary_key=True)
    code = Varchar(length=32, unique=True, help_text="Department code used by the hotline platform")
    name = Varchar(length=100)
    level = Varchar(length=20, default="市级", help_text="市级 / 区级 / 街道")
    district = Varchar(length=20, default="")


class Account(Table):
    """A person who logs in: office staff, a panel member or a department liaison."""

    id = Serial(primary_key=True)
    username = Varchar(length=64, unique=True)
    display_name = Varchar(length=64)
    role = Varchar(length=16, choices=Role)
    department = ForeignKey(references=Department, null=True, help_text="For liaisons")
    password_hash = Varchar(length=255)
    active = Boolean(default=True)
    created_at = Timestamptz()
    last_login_at = Timestamptz(null=True, default=None, help_text="When the password (and code) last let it in")
    totp_secret = Varchar(length=64, null=True, default=None,
                          help_text="Base32 TOTP secret, stored as is: never shown after setup, never logged")
    totp_enabled_at = Timestamptz(null=True, default=None, help_text="Set once a code confirmed the secret")
    totp_last_step = Integer(default=0, help_text="The 30-second step of the last code accepted (no replay)")


class LoginSession(Table):
    """A server-side web session; deleting the row ends it."""

    id = Serial(primary_key=True)
    token_hash = Varchar(length=64, unique=True)
    user = ForeignKey(references=Account)
    csrf_token = Varchar(length=64)
    expires_at = Timestamptz()


class ApiKey(Table):
    """A key for a system client such as the hotline platform."""

    id = Serial(primary_key=True)
    name = Varchar(length=64, unique=True)
    key_hash = Varchar(length=64, unique=True)
    active = Boolean(default=True)


class Case(Table, tablename="review_case"):
    """诉求: a complaint rated 不满意 and taken in for third-party review."""

    id = Serial(primary_key=True)
    number = Varchar(length=32, unique=True, help_text="受理编号")
    source_ref = Varchar(length=64, unique=True, help_text="The hotline platform's own reference")
    payload_hash = Varchar(length=64, help_text="SHA-256 of the intake payload, for idempotency")
    channel = Varchar(length=16, choices=Channel)
    received_at = Timestamptz()
    category = Varchar(length=32)
    district = Varchar(length=20)
    community = Varchar(length=64, default="")
    department = ForeignKey(references=Department)
    complainant_name = Varchar(length=64)
    complainant_phone = Varchar(length=32, default="")
    complainant_id_number = Varchar(length=32, default="")
    complainant_address = Varchar(length=255, default="")
    content = Text()
    reply = Text()
    replied_at = Timestamptz()
    rating = Varchar(length=16)
    rated_at = Timestamptz()
    status = Varchar(length=20, default="received", index=True)
    access_code_hash = Varchar(length=64)
    status_reason = Text(default="", help_text="Why the case was dismissed, withdrawn or settled")
    criteria_set_id = Integer(null=True, default=None, help_text="Criteria version pinned at convening")
    review_requested = Boolean(default=False, help_text="The complainant asked for third-party review (申请评议), at "
                               "intake or after 未入选: the selection policy always selects such a case")
    created_at = Timestamptz()
    updated_at = Timestamptz()


class ApiToken(Table):
    """A bearer token for the JSON API: a user's, or a complainant's scoped to one case."""

    id = Serial(primary_key=True)
    token_hash = Varchar(length=64, unique=True)
    user = ForeignKey(references=Account, null=True)
    case = ForeignKey(references=Case, null=True)
    expires_at = Timestamptz()
    created_at = Timestamptz(default=TimestamptzNow())
    last_used_at = Timestamptz(null=True, default=None, help_text="Updated at most once a minute")
    client = Varchar(length=120, default="", help_text="The label the client gave, else its User-Agent")


class AuditEvent(Table):
    """全程留痕: one state change; the sealer links it into the hash chain within a second."""

    id = Serial(primary_key=True)
    seq = Integer(null=True, default=None, unique=True,
                  help_text="Position in the chain; empty until the sealer links the event")
    case = ForeignKey(references=Case, null=True, index=True)
    actor = Varchar(length=80, help_text="role:username, or system:job")
    action = Varchar(length=40)
    from_status = Varchar(length=20, default="")
    to_status = Varchar(length=20, default="")
    reason = Text(default="")
    data = JSON(default="{}")
    at = Timestamptz(default=TimestamptzNow())
    prev_hash = Varchar(length=64, null=True, default=None)
    hash = Varchar(length=64, null=True, default=None, unique=True)
    sealed_at = Timestamptz(null=True, default=None, help_text="When the sealer linked the event into the chain")


class ImportJob(Table):
    """An uploaded table too large to import while the office waits: imported by a job, with its progress."""

    id = Serial(primary_key=True)
    kind = Varchar(length=16, help_text="What the table holds: roster")
    requested_by = ForeignKey(references=Account)
    file_type = Varchar(length=8, help_text="The upload's suffix, e.g. .xlsx (the file itself waits in the data folder)")
    status = Varchar(length=16, default="queued", help_text="queued / running / done / failed")
    rows_read = Integer(default=0)
    imported = Integer(default=0)
    report = JSON(default="{}", help_text="{rows: [the first refused rows], refused: count} or {error: {code, message}}")
    created_at = Timestamptz()
    finished_at = Timestamptz(null=True, default=None)


class Holiday(Table):
    """法定节假日与调休上班日: one date the working-day calendar treats differently from Monday–Friday."""

    id = Serial(primary_key=True)
    day = Date(unique=True)
    kind = Varchar(length=16, choices=DayKind, help_text="holiday (放假) / workday (调休上班)")
    name = Varchar(length=60, default="", help_text="The festival, e.g. 春节")
    source = Varchar(length=120, default="", help_text="chinese_calendar, or the notice the office loaded")
    status = Varchar(length=16, choices=YearStatus, default=YearStatus.official,
                     help_text="official: the year's notice is loaded; provisional: entered ahead of it")
    updated_at = Timestamptz(help_text="Processes reload their calendar when the newest of these changes")
    updated_by = Varchar(length=80, default="")


class ProvisionalDeadline(Table):
    """A stored deadline counted across a year with no official holiday table, to count again once it has one."""

    id = Serial(primary_key=True)
    subject = Varchar(length=40, help_text="seat.reply_by / ruling.redo_deadline")
    subject_id = Integer()
    case = ForeignKey(references=Case, null=True)
    start = Date(help_text="The day the working days are counted from")
    workdays = Integer()
    due = Date()
    created_at = Timestamptz()
    settled_at = Timestamptz(null=True, default=None, help_text="When a loaded notice made it final")


class ChainHead(Table):
    """The last audit hash, one row; locking it orders writers to the chain."""

    id = Serial(primary_key=True)
    last_hash = Varchar(length=64)
    count = Integer(default=0)  # type: ignore[assignment]  # the schema names the column count; Table.count is unused here


class PublishedHead(Table):
    """公布的链头: the audit chain's head as published, every day and on the office's demand, for anyone to keep."""

    id = Serial(primary_key=True)
    seq = Integer(help_text="Events in the chain when published: the sequence number of the last one")
    hash = Varchar(length=64, help_text="The hash of the event at seq (the genesis hash when the chain was empty)")
    published_at = Timestamptz()
    day = Date(null=True, default=None, unique=True,
               help_text="The day (China time) of a daily head; empty for one published on demand")


class IdempotentRequest(Table):
    """An API POST sent with an Idempotency-Key, and the first answer it got, kept 24 hours: the same key and body
    again are answered the same without acting again (review.core.api.idempotency)."""

    id = Serial(primary_key=True)
    scope = Varchar(length=400, unique=True, help_text="Who sent it and the key: the same key of two callers differs")
    fingerprint = Varchar(length=64, help_text="SHA-256 of the method, path, query and body")
    status = Integer(null=True, default=None, help_text="The answer's HTTP status; None while it is being made")
    answer = Text(default="", help_text="The answer's headers and body, encrypted with the server key")
    created_at = Timestamptz(index=True)


TABLES: list[type[Table]] = [
    Department,
    Account,
    LoginSession,
    Case,
    ApiToken,
    ApiKey,
    AuditEvent,
    ChainHead,
    PublishedHead,
    ImportJob,
    Holiday,
    ProvisionalDeadline,
    IdempotentRequest,
]

__all__ = [t.__name__ for t in TABLES] + ["Role", "Channel"]
