"""Mediation's records (the `review` Piccolo app): the stage, its sessions and who is invited to each."""

from __future__ import annotations

from piccolo.columns import Boolean, Date, ForeignKey, Integer, Serial, Text, Timestamptz, Varchar
from piccolo.table import Table

from review.core.tables import Account, Case


class Mediation(Table):
    """调解: a stage of a case that pauses its review, with its own clock (start within, end by)."""

    id = Serial(primary_key=True)
    case = ForeignKey(references=Case, index=True)
    opened_at = Timestamptz()
    opened_by = Varchar(length=100, help_text="The actor's label, as in the audit trail")
    came_from = Varchar(length=32, help_text="The case's status when mediation opened; no agreement returns to it")
    start_by = Date(help_text="The first session is due by this day (MEDIATION_START_WORKDAYS working days)")
    start_by_provisional = Boolean(default=False, help_text="暂定: counted across a year with no official holidays")
    end_by = Date(help_text="Mediation ends by this day (MEDIATION_END_DAYS calendar days), unless extended")
    extended_reason = Text(default="")
    status = Varchar(length=16, default="open", help_text="open / ended / settled")
    outcome = Varchar(length=16, default="", help_text="agreement / no_agreement")
    ended_at = Timestamptz(null=True, default=None)


class MediationSession(Table):
    """调解 / 真情面对面: a meeting of the complainant, the department and the panel."""

    id = Serial(primary_key=True)
    case = ForeignKey(references=Case, index=True)
    mediation = ForeignKey(references=Mediation, null=True, default=None, index=True)
    starts_at = Timestamptz()
    mode = Varchar(length=16, default="online", help_text="online / in_person / both")
    location = Varchar(length=200, default="")
    status = Varchar(length=16, default="scheduled", help_text="scheduled / held / cancelled")
    outcome = Varchar(length=16, default="", help_text="agreement / no_agreement")
    # Its minutes: MediationMinutes (versioned, hashed, commented on by the parties).


class MediationParticipant(Table):
    """One person invited to a session, and their answer."""

    id = Serial(primary_key=True)
    session = ForeignKey(references=MediationSession, index=True)
    kind = Varchar(length=16, help_text="complainant / liaison / chair / mediator / member")
    account = ForeignKey(references=Account, null=True, default=None, index=True,
                         help_text="None for the complainant, who has no account")
    answer = Varchar(length=16, default="pending", help_text="pending / accepted / other_time")
    answered_at = Timestamptz(null=True, default=None)
    note = Text(default="")


class MediationEvent(Table):
    """One stored event of the live room, stored before it is announced; its id is the cursor a client resumes
    from (`events?after=ID`)."""

    id = Serial(primary_key=True)
    mediation = ForeignKey(references=Mediation, index=True)
    kind = Varchar(length=16, default="message", help_text="message (later draft / confirm)")
    author = Varchar(length=100, help_text="The actor's label, as in the audit trail")
    author_kind = Varchar(length=16, help_text="complainant / liaison / member / office")
    body = Text(default="", help_text="At most MEDIATION_MESSAGE_MAX_CHARS characters")
    sha256 = Varchar(length=64, help_text="SHA-256 of the body (UTF-8), as the audit chain records it")
    at = Timestamptz()
    caucus = Varchar(length=16, default="", help_text="'' (the whole room), or the party of a caucus (单独沟通): "
                     "complainant / liaison; only the mediator's side and that party read it")


class MediationReminder(Table):
    """One reminder to one invitee before a session, at one offset (MEDIATION_REMINDERS): at most one per
    invitee and offset, however many sweeps run at once (the unique `key`).

    It is shown on the invitee's own page and in the API from the moment it is recorded (channel `page`); a
    sender for another channel (SMS, e-mail) picks the rows whose `delivered_at` is empty, sends, and sets
    `channel` and `delivered_at`."""

    id = Serial(primary_key=True)
    key = Varchar(length=40, unique=True, help_text="participant id : offset in minutes (one reminder each)")
    participant = ForeignKey(references=MediationParticipant, index=True)
    session = ForeignKey(references=MediationSession, index=True)
    offset_minutes = Integer(help_text="How long before the session's start it is due")
    due_at = Timestamptz(help_text="The session's start less the offset")
    recorded_at = Timestamptz()
    channel = Varchar(length=16, default="page", help_text="page (the invitee's page and API) / sms / email")
    delivered_at = Timestamptz(null=True, default=None, help_text="When another channel delivered it; None: not yet")


class MediationAgreementVersion(Table):
    """One version of the shared draft of the agreement (调解协议草稿), as saved; versions are never changed."""

    id = Serial(primary_key=True)
    mediation = ForeignKey(references=Mediation, index=True)
    number = Integer(help_text="1, 2, 3 … within its mediation")
    base = Integer(default=0, help_text="The version its author edited (0: the first draft)")
    text = Text(help_text="At most MEDIATION_AGREEMENT_MAX_CHARS characters")
    sha256 = Varchar(length=64, help_text="SHA-256 of the text (UTF-8): what a party confirms")
    author = Varchar(length=100, help_text="The actor's label, as in the audit trail")
    author_kind = Varchar(length=16, help_text="complainant / liaison / member / office")
    at = Timestamptz()


class MediationAgreementConfirmation(Table):
    """A required party's confirmation of one version (by its number and hash); a newer version voids it."""

    id = Serial(primary_key=True)
    mediation = ForeignKey(references=Mediation, index=True)
    version = ForeignKey(references=MediationAgreementVersion, index=True)
    party = Varchar(length=16, help_text="complainant / department")
    sha256 = Varchar(length=64, help_text="The hash the party confirmed (that of the version)")
    actor = Varchar(length=100, help_text="The actor's label, as in the audit trail")
    at = Timestamptz()


class MediationAgreement(Table):
    """调解协议: the sealed agreement of a mediation, made when every required party confirmed the same version."""

    id = Serial(primary_key=True)
    mediation = ForeignKey(references=Mediation, unique=True, index=True)
    version = ForeignKey(references=MediationAgreementVersion)
    sha256 = Varchar(length=64, help_text="SHA-256 of the sealed version's text")
    code = Varchar(length=16, unique=True, help_text="Verification code: /verify/{code}")
    sealed_at = Timestamptz()
    pdf_sha256 = Varchar(length=64, default="", help_text="SHA-256 of the rendered PDF; empty while rendering")
    rendered_at = Timestamptz(null=True, default=None)


class MediationMinutes(Table):
    """调解笔录: one version of the minutes of a session, as the mediator wrote or revised it. Every revision is
    a new row (version 1, 2, …); the latest is the minutes in force. The audit chain records its hash only."""

    id = Serial(primary_key=True)
    mediation = ForeignKey(references=Mediation, index=True)
    session = ForeignKey(references=MediationSession, index=True)
    version = Integer(help_text="1 for the first text of the session's minutes, one more for each revision")
    body = Text(help_text="At most MINUTES_MAX_CHARS characters")
    sha256 = Varchar(length=64, help_text="SHA-256 of the body (UTF-8), as the audit chain records it")
    written_by = Varchar(length=100, help_text="The actor's label, as in the audit trail")
    written_by_kind = Varchar(length=16, help_text="office / member (the chair or an appointed mediator)")
    at = Timestamptz()


class MediationMinutesComment(Table):
    """A party's one comment on a session's minutes (the complainant, the department): once each."""

    id = Serial(primary_key=True)
    session = ForeignKey(references=MediationSession, index=True)
    minutes = ForeignKey(references=MediationMinutes, index=True, help_text="The version commented on")
    party = Varchar(length=16, help_text="complainant / liaison")
    author = Varchar(length=100, help_text="The actor's label, as in the audit trail")
    body = Text()
    sha256 = Varchar(length=64)
    at = Timestamptz()


class MediationConsent(Table):
    """同意入卷: one party's answer on whether one item of the mediation (a message, a draft version, a version of
    the minutes) may go into the case file; both parties' consent is needed before the office moves it."""

    id = Serial(primary_key=True)
    mediation = ForeignKey(references=Mediation, index=True)
    item_kind = Varchar(length=16, help_text="message / minutes (later draft)")
    item_id = Integer(help_text="The item's id: a mediation_event, a mediation_minutes version, …")
    party = Varchar(length=16, help_text="complainant / liaison")
    consent = Boolean(default=False, help_text="True: may go into the case file; False: withdrawn")
    given_by = Varchar(length=100, help_text="The actor's label, as in the audit trail")
    at = Timestamptz()


TABLES: list[type[Table]] = [Mediation, MediationSession, MediationParticipant, MediationEvent,
                             MediationAgreementVersion, MediationAgreementConfirmation, MediationAgreement,
                             MediationMinutes, MediationMinutesComment, MediationConsent, MediationReminder]

# Uniqueness the table definitions cannot state: the database itself keeps these true however many writers race.
INDEXES: list[str] = [
    "CREATE INDEX IF NOT EXISTS mediation_event_order ON mediation_event (mediation, id)",
    "CREATE UNIQUE INDEX IF NOT EXISTS mediation_minutes_version ON mediation_minutes (session, version)",
    "CREATE UNIQUE INDEX IF NOT EXISTS mediation_minutes_comment_once ON mediation_minutes_comment (session, party)",
    "CREATE UNIQUE INDEX IF NOT EXISTS mediation_consent_one ON mediation_consent (mediation, item_kind, item_id, party)",
]
