"""Mediation's hand-written SQL: who is invited, and the reads of its pages."""

from __future__ import annotations

# A case's department liaisons (active accounts): each is invited to every session of the case.
LIAISONS_OF_CASE = (
    "SELECT a.id FROM account a JOIN review_case c ON c.department = a.department"
    " WHERE c.id = {} AND a.role = 'liaison' AND a.active ORDER BY a.id"
)

# The chair of the panel at work on the case, if seated (accepted) and with an account.
CHAIR_OF_CASE = (
    "SELECT m.\"user\" AS account FROM seat s JOIN panel p ON p.id = s.panel JOIN roster_member m ON m.id = s.member"
    " WHERE p.\"case\" = {} AND p.status = 'seated' AND s.status = 'accepted' AND s.is_chair"
    " AND m.\"user\" IS NOT NULL"
)

# One invitation with what answering it needs to know.
PARTICIPANT = (
    "SELECT p.id, p.kind, p.account, p.answer, s.id AS session_id, s.starts_at, s.status AS session_status,"
    " s.\"case\" AS case_id, m.id AS mediation_id, m.status AS mediation_status"
    " FROM mediation_participant p JOIN mediation_session s ON s.id = p.session"
    " JOIN mediation m ON m.id = s.mediation WHERE p.id = {}"
)

# The office's list: every mediation, newest first, with its case and how many sessions it has had.
OFFICE_LIST = (
    "SELECT m.id, m.status, m.outcome, m.opened_at, m.start_by, m.start_by_provisional, m.end_by,"
    " m.extended_reason, m.came_from, c.number, c.status AS case_status,"
    " (SELECT COUNT(*) FROM mediation_session s WHERE s.mediation = m.id AND s.status != 'cancelled') AS sessions"
    " FROM mediation m JOIN review_case c ON c.id = m.\"case\" ORDER BY m.opened_at DESC, m.id DESC"
)

# A case's mediations, newest first.
OF_CASE = (
    "SELECT m.id, m.status, m.outcome, m.opened_at, m.opened_by, m.start_by, m.start_by_provisional, m.end_by,"
    " m.extended_reason, m.came_from, m.ended_at, m.\"case\" AS case_id"
    " FROM mediation m JOIN review_case c ON c.id = m.\"case\" WHERE c.number = {} ORDER BY m.id DESC"
)

SESSIONS_OF = (
    "SELECT id, starts_at, mode, location, status FROM mediation_session WHERE mediation = {} ORDER BY starts_at, id"
)

PARTICIPANTS_OF_MEDIATION = (
    "SELECT p.id, p.session, p.kind, p.account, p.answer, p.answered_at, p.note, a.display_name,"
    " (SELECT COUNT(*) FROM mediation_reminder r WHERE r.participant = p.id) AS reminders"
    " FROM mediation_participant p JOIN mediation_session s ON s.id = p.session"
    " LEFT JOIN account a ON a.id = p.account WHERE s.mediation = {} ORDER BY p.session, p.id"
)

# A participant's sessions still to come, in an open mediation: staff by account, the complainant by case.
_UPCOMING = (
    "SELECT p.id AS participant_id, p.kind, p.answer, p.note, s.id AS session_id, s.starts_at, s.mode, s.location,"
    " c.number, m.id AS mediation_id FROM mediation_participant p JOIN mediation_session s ON s.id = p.session"
    " JOIN mediation m ON m.id = s.mediation JOIN review_case c ON c.id = s.\"case\""
    " WHERE m.status = 'open' AND s.status = 'scheduled' AND s.starts_at >= {} AND "
)
UPCOMING_OF_ACCOUNT = _UPCOMING + "p.account = {} ORDER BY s.starts_at, s.id"
UPCOMING_OF_COMPLAINANT = _UPCOMING + "p.kind = 'complainant' AND s.\"case\" = {} ORDER BY s.starts_at, s.id"

# The live room: a mediation with its case (locked while an event is stored, so a mediation's events commit in
# the order of their ids and a client resuming from the last id it saw misses none).
MEDIATION_OF_ROOM = (
    "SELECT m.id, m.status, m.\"case\" AS case_id, c.number, c.department FROM mediation m"
    " JOIN review_case c ON c.id = m.\"case\" WHERE m.id = {}"
)


# A room's events a reader hears (caucus among three audiences, see domain.room.caucus_args), after an id.
_EVENT_COLUMNS = "SELECT id, kind, author, author_kind, body, sha256, at, caucus FROM mediation_event"
EVENTS_AFTER = _EVENT_COLUMNS + " WHERE mediation = {} AND caucus IN ({}, {}, {}) AND id > {} ORDER BY id LIMIT {}"
# The latest of them before an id (newest first; the page shows them oldest first).
EVENTS_BEFORE = (
    _EVENT_COLUMNS + " WHERE mediation = {} AND caucus IN ({}, {}, {}) AND id < {} ORDER BY id DESC LIMIT {}"
)

# The id of a mediation's latest event, whoever hears it (read under the mediation's row lock, before storing the
# next: announced with it as `prev`, so a socket knows when an announcement arrived before one it follows).
LAST_EVENT_OF = "SELECT id FROM mediation_event WHERE mediation = {} ORDER BY id DESC LIMIT 1"

# Whether the mediator has opened a caucus (said anything in it) in this mediation.
CAUCUS_OPENED = "SELECT 1 AS opened FROM mediation_event WHERE mediation = {} AND caucus = {} LIMIT 1"

# Whether a member mediates this mediation: the chair of the panel at work on its case, or invited to one of its
# sessions as chair or mediator.
MEMBER_MEDIATES = (
    "SELECT 1 AS mediates FROM mediation_participant p JOIN mediation_session s ON s.id = p.session"
    " WHERE s.mediation = {} AND p.account = {} AND p.kind IN ('chair', 'mediator')"
    " UNION SELECT 1 AS mediates FROM seat s JOIN panel p ON p.id = s.panel JOIN roster_member m ON m.id = s.member"
    " WHERE p.\"case\" = {} AND p.status = 'seated' AND s.status = 'accepted' AND s.is_chair AND m.\"user\" = {}"
)


# The agreement (调解协议): its versions, the confirmations of each, and the sealed agreement.
AGREEMENT_VERSIONS = (
    "SELECT id, number, base, text, sha256, author, author_kind, at FROM mediation_agreement_version"
    " WHERE mediation = {} ORDER BY number"
)

LATEST_AGREEMENT_VERSION = (
    "SELECT id, number, text, sha256 FROM mediation_agreement_version WHERE mediation = {}"
    " ORDER BY number DESC LIMIT 1"
)

AGREEMENT_CONFIRMATIONS = (
    "SELECT c.id, c.party, c.sha256, c.actor, c.at, v.number AS version FROM mediation_agreement_confirmation c"
    " JOIN mediation_agreement_version v ON v.id = c.version WHERE c.mediation = {} ORDER BY c.id"
)

_SEALED = (
    "SELECT a.id, a.mediation, a.code, a.sha256, a.sealed_at, a.pdf_sha256, a.rendered_at, v.number AS version,"
    " v.text, m.\"case\" AS case_id, c.number AS case_number, c.department, c.complainant_name,"
    " d.name AS department_name FROM mediation_agreement a JOIN mediation_agreement_version v ON v.id = a.version"
    " JOIN mediation m ON m.id = a.mediation JOIN review_case c ON c.id = m.\"case\""
    " LEFT JOIN department d ON d.id = c.department"
)
SEALED_OF_MEDIATION = _SEALED + " WHERE a.mediation = {}"
SEALED_BY_ID = _SEALED + " WHERE a.id = {}"
SEALED_BY_CODE = _SEALED + " WHERE a.code = {}"

# Sealed agreements whose PDF is not stored yet (a render that failed or was never run).
UNRENDERED_AGREEMENTS = "SELECT id FROM mediation_agreement WHERE pdf_sha256 = '' ORDER BY id"

# Read under the agreement's row lock when its rendered PDF is recorded: two renders record one file.
AGREEMENT_PDF_STATE = "SELECT pdf_sha256 FROM mediation_agreement WHERE id = {}"

# ---- Minutes (调解笔录) and the wall (调解信息隔离) ----

# A session of the mediation, as keeping its minutes needs it.
SESSION_OF_MEDIATION = "SELECT id, starts_at, status FROM mediation_session WHERE id = {} AND mediation = {}"

# The kinds a member is invited as to the mediation's sessions that still stand (chair, mediator, member).
INVITED_AS = (
    "SELECT DISTINCT p.kind FROM mediation_participant p JOIN mediation_session s ON s.id = p.session"
    " WHERE s.mediation = {} AND p.account = {} AND s.status != 'cancelled'"
)

LATEST_MINUTES_VERSION = "SELECT COALESCE(MAX(version), 0) AS version FROM mediation_minutes WHERE session = {}"

# The minutes in force of each session of a mediation (its latest version), sessions in order.
MINUTES_IN_FORCE = (
    "SELECT mm.id, mm.session, mm.version, mm.body, mm.sha256, mm.written_by_kind, mm.at,"
    " s.starts_at, s.mode, s.location, s.status AS session_status"
    " FROM mediation_minutes mm JOIN mediation_session s ON s.id = mm.session"
    " WHERE mm.mediation = {} AND mm.version = (SELECT MAX(v.version) FROM mediation_minutes v WHERE v.session = mm.session)"
    " ORDER BY s.starts_at, s.id"
)

COMMENTS_OF_MEDIATION = (
    "SELECT c.id, c.session, c.minutes, c.party, c.body, c.sha256, c.at, mm.version"
    " FROM mediation_minutes_comment c JOIN mediation_minutes mm ON mm.id = c.minutes"
    " WHERE mm.mediation = {} ORDER BY c.id"
)

COMMENT_OF_PARTY = "SELECT id FROM mediation_minutes_comment WHERE session = {} AND party = {}"

CONSENTS_OF_MEDIATION = (
    "SELECT item_kind, item_id, party, consent, given_by, at FROM mediation_consent WHERE mediation = {} ORDER BY id"
)
CONSENTS_OF_ITEM = (
    "SELECT id, party, consent, given_by, at FROM mediation_consent"
    " WHERE mediation = {} AND item_kind = {} AND item_id = {} ORDER BY id"
)

# The items a party may consent to, one loader per kind (review.mediation.services.wall): each gives its id,
# its text (body), its SHA-256, who said or wrote it (author_kind), when, and whether it is still in force.
# A message is an item only if said to the whole room: what is said in a caucus (单独沟通) never goes into the
# file — the other party never heard it, so it cannot consent to it.
MESSAGE_ITEM = (
    "SELECT id, body, sha256, author_kind, at, 1 AS in_force FROM mediation_event"
    " WHERE id = {} AND mediation = {} AND kind = 'message' AND caucus = ''"
)
MINUTES_ITEM = (
    "SELECT mm.id, mm.body, mm.sha256, mm.written_by_kind AS author_kind, mm.at, mm.version, s.starts_at,"
    " CASE WHEN mm.version = (SELECT MAX(v.version) FROM mediation_minutes v WHERE v.session = mm.session)"
    " THEN 1 ELSE 0 END AS in_force"
    " FROM mediation_minutes mm JOIN mediation_session s ON s.id = mm.session WHERE mm.id = {} AND mm.mediation = {}"
)

# The items of a mediation a party may consent to or has answered on. Its messages to the whole room (none of a
# caucus): those with ids in a window (the latest, or the page the room shows) and every one a party has answered
# on, wherever it stands — so the consent list never reads a whole long mediation, and who agreed to what stays
# complete. Then the minutes in force of each session with any earlier version a party has answered on.
MESSAGE_ITEMS_OF_MEDIATION = (
    "SELECT e.id, e.body, e.sha256, e.author_kind, e.at FROM mediation_event e WHERE e.mediation = {}"
    " AND e.kind = 'message' AND e.caucus = '' AND ((e.id >= {} AND e.id <= {})"
    " OR EXISTS (SELECT 1 FROM mediation_consent k WHERE k.mediation = e.mediation AND k.item_kind = 'message'"
    " AND k.item_id = e.id)) ORDER BY e.id"
)
# The latest messages to the whole room before an id, newest first: the window of the consent list.
LATEST_MESSAGE_IDS = (
    "SELECT id FROM mediation_event WHERE mediation = {} AND kind = 'message' AND caucus = '' AND id < {}"
    " ORDER BY id DESC LIMIT {}"
)
MINUTES_ITEMS_OF_MEDIATION = (
    "SELECT mm.id, mm.session, mm.version, mm.body, mm.sha256, mm.written_by_kind AS author_kind, mm.at, s.starts_at,"
    " CASE WHEN mm.version = (SELECT MAX(v.version) FROM mediation_minutes v WHERE v.session = mm.session)"
    " THEN 1 ELSE 0 END AS in_force"
    " FROM mediation_minutes mm JOIN mediation_session s ON s.id = mm.session WHERE mm.mediation = {}"
    " AND (mm.version = (SELECT MAX(v.version) FROM mediation_minutes v WHERE v.session = mm.session)"
    " OR EXISTS (SELECT 1 FROM mediation_consent k WHERE k.mediation = mm.mediation AND k.item_kind = 'minutes'"
    " AND k.item_id = mm.id))"
    " ORDER BY s.starts_at, s.id, mm.version"
)

# A version of the agreement's draft as an item the parties may consent to file; the latest version is in force.
_DRAFT_ITEMS = (
    "SELECT v.id, v.text AS body, v.sha256, v.author_kind, v.at, v.number AS version,"
    " CASE WHEN v.number = (SELECT MAX(x.number) FROM mediation_agreement_version x WHERE x.mediation = v.mediation)"
    " THEN 1 ELSE 0 END AS in_force FROM mediation_agreement_version v"
)
DRAFT_ITEM = _DRAFT_ITEMS + " WHERE v.id = {} AND v.mediation = {}"
# The latest version and every earlier one a party has answered about, oldest first.
DRAFT_ITEMS_OF_MEDIATION = (
    _DRAFT_ITEMS + " WHERE v.mediation = {}"
    " AND (v.number = (SELECT MAX(x.number) FROM mediation_agreement_version x WHERE x.mediation = v.mediation)"
    " OR EXISTS (SELECT 1 FROM mediation_consent k WHERE k.mediation = v.mediation AND k.item_kind = 'draft'"
    " AND k.item_id = v.id)) ORDER BY v.number"
)

# The case a mediation's minutes are printed for.
MINUTES_DOCUMENT_CASE = (
    "SELECT m.id, c.number, c.category, d.name AS department_name FROM mediation m"
    " JOIN review_case c ON c.id = m.\"case\" JOIN department d ON d.id = c.department WHERE m.id = {}"
)


# Reminders: the invitees of every scheduled session of an open mediation starting within the window, except
# those who asked for another time (they are not coming then).
REMINDER_CANDIDATES = (
    "SELECT p.id AS participant_id, p.kind, s.id AS session_id, s.starts_at, s.\"case\" AS case_id,"
    " m.id AS mediation_id FROM mediation_participant p JOIN mediation_session s ON s.id = p.session"
    " JOIN mediation m ON m.id = s.mediation"
    " WHERE m.status = 'open' AND s.status = 'scheduled' AND s.starts_at > {} AND s.starts_at <= {}"
    " AND p.answer != 'other_time' ORDER BY s.starts_at, s.id, p.id"
)

# One reminder per invitee and offset: a second sweep (or a second worker at once) inserts nothing.
INSERT_REMINDER = (
    "INSERT INTO mediation_reminder (key, participant, session, offset_minutes, due_at, recorded_at, channel,"
    " delivered_at) VALUES ({}, {}, {}, {}, {}, {}, 'page', NULL) ON CONFLICT (key) DO NOTHING RETURNING id"
)

# The reminders of sessions still to come, newest first: of one mediation, of an account, of a complainant.
_REMINDERS = (
    "SELECT r.participant, r.offset_minutes, r.recorded_at, r.channel, r.delivered_at, s.id AS session_id"
    " FROM mediation_reminder r JOIN mediation_participant p ON p.id = r.participant"
    " JOIN mediation_session s ON s.id = r.session JOIN mediation m ON m.id = s.mediation"
    " WHERE m.status = 'open' AND s.status = 'scheduled' AND s.starts_at >= {} AND "
)
REMINDERS_OF_ACCOUNT = _REMINDERS + "p.account = {} ORDER BY r.recorded_at DESC, r.id DESC"
REMINDERS_OF_COMPLAINANT = _REMINDERS + ("p.kind = 'complainant' AND s.\"case\" = {}"
                                         " ORDER BY r.recorded_at DESC, r.id DESC")

# The sessions still to come of open mediations, each with how many of its invitees have accepted.
NEXT_SESSIONS = (
    "SELECT s.mediation, s.id, s.starts_at, COUNT(p.id) AS invited,"
    " SUM(CASE WHEN p.answer = 'accepted' THEN 1 ELSE 0 END) AS accepted"
    " FROM mediation_session s JOIN mediation m ON m.id = s.mediation"
    " LEFT JOIN mediation_participant p ON p.session = s.id"
    " WHERE m.status = 'open' AND s.status = 'scheduled' AND s.starts_at >= {}"
    " GROUP BY s.mediation, s.id, s.starts_at ORDER BY s.starts_at, s.id"
)

# A session of a case, for its printed notice.
SESSION_OF_CASE = (
    "SELECT s.id, s.starts_at, s.mode, s.location, s.status, s.mediation AS mediation_id, c.number"
    " FROM mediation_session s JOIN review_case c ON c.id = s.\"case\" WHERE s.id = {} AND c.number = {}"
)

# A session as its notice tells it: {mediation, starts_at, mode, status, number, department}.
# The panel's chair a session invited (each on the page where members act).
CHAIRS_INVITED = (
    "SELECT account FROM mediation_participant WHERE session = {} AND kind = 'chair' AND account IS NOT NULL"
)

SESSION_TO_TELL = (
    "SELECT s.mediation, s.starts_at, s.mode, s.status, c.number, c.department FROM mediation_session s"
    " JOIN review_case c ON c.id = s.\"case\" WHERE s.id = {}"
)
