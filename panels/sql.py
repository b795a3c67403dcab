"""Panels' hand-written SQL: what a draw reads, invitations, challenges, refills, rounds and draw verification.

Statements that take a row lock end with `db.for_update(...)`, added by the caller (the clause is the engine's).
"""

from __future__ import annotations


def _placeholders(count: int) -> str:
    return ", ".join("{}" for _ in range(count))


# ----------------------------------------------------------------------------------------------------------
# What a draw reads (panels.loaders)

# Seats each member holds on panels still at work: {member, n}.
SEATED_LOADS = (
    "SELECT seat.member AS member, COUNT(*) AS n FROM seat JOIN panel ON panel.id = seat.panel "
    "WHERE panel.status = 'seated' AND seat.status IN ('invited', 'accepted') GROUP BY seat.member"
)

# Every seat on every panel of a case: {member, status, reason_kind, panel}.
CASE_SEATS = (
    "SELECT seat.member, seat.status, seat.reason_kind, seat.panel FROM seat"
    " JOIN panel ON panel.id = seat.panel WHERE panel.\"case\" = {}"
)

# Every department's code: {id, code}.
DEPARTMENT_CODES = "SELECT id, code FROM department"


def earlier_members(count: int) -> str:
    """The members seated on any panel of `count` cases: {case_id, member}."""
    return (
        "SELECT panel.\"case\" AS case_id, seat.member FROM seat JOIN panel ON panel.id = seat.panel"
        f" WHERE panel.\"case\" IN ({_placeholders(count)})"
    )


# ----------------------------------------------------------------------------------------------------------
# Invitations (panels.services.invitations)

# A seat with its member's account, its panel and its case (the caller row-locks the seat).
INVITATION_SEAT = (
    "SELECT seat.id, seat.status, seat.panel, seat.role, seat.is_chair, seat.reply_by, m.\"user\" AS user_id,"
    " panel.status AS panel_status, panel.\"case\" AS case_id, c.status AS case_status"
    " FROM seat JOIN roster_member m ON m.id = seat.member JOIN panel ON panel.id = seat.panel"
    " JOIN review_case c ON c.id = panel.\"case\""
    " WHERE seat.id = {}"
)

# The ids of a case's panels at work, in order (the caller row-locks them).
SEATED_PANELS_OF_CASE = "SELECT id FROM panel WHERE \"case\" = {} AND status = 'seated' ORDER BY id"


def ended_seats(limit: int) -> str:
    """A member's (by account) withdrawn or accepted seats on dissolved panels, newest first, at most `limit`."""
    return (
        "SELECT seat.id, seat.status, seat.role, seat.reason, c.number, c.category, c.district, c.status AS case_status"
        " FROM seat JOIN roster_member m ON m.id = seat.member JOIN panel ON panel.id = seat.panel"
        " JOIN review_case c ON c.id = panel.\"case\""
        " WHERE m.\"user\" = {} AND panel.status = 'dissolved' AND seat.status IN ('withdrawn', 'accepted')"
        f" ORDER BY seat.id DESC LIMIT {int(limit)}"
    )


# Expires the invitations on panels at work whose reply deadline has passed: {id, panel, role} of each.
EXPIRE_INVITATIONS = (
    "UPDATE seat SET status = 'expired', answered_at = {}, reason = '逾期未答复'"
    " WHERE status = 'invited' AND reply_by < {}"
    " AND panel IN (SELECT id FROM panel WHERE status = 'seated') RETURNING id, panel, role"
)

# A member's (by account) invited or accepted seats on panels at work, newest first, with case and department.
MEMBER_INVITATIONS = (
    "SELECT seat.id, seat.status, seat.role, seat.is_chair, seat.reply_by, seat.reply_by_provisional,"
    " seat.invited_at,"
    " c.number, c.category, c.district, d.name AS department_name"
    " FROM seat JOIN roster_member m ON m.id = seat.member JOIN panel ON panel.id = seat.panel"
    " JOIN review_case c ON c.id = panel.\"case\" JOIN department d ON d.id = c.department"
    " WHERE m.\"user\" = {} AND panel.status = 'seated' AND seat.status IN ('invited', 'accepted')"
    " ORDER BY seat.id DESC"
)

# A member's (by account) capacity and the seats they hold on panels at work: {max_panels, load}.
MEMBER_LOAD = (
    "SELECT m.max_panels, (SELECT COUNT(*) FROM seat JOIN panel ON panel.id = seat.panel"
    " WHERE seat.member = m.id AND panel.status = 'seated' AND seat.status IN ('invited', 'accepted')) AS load"
    " FROM roster_member m WHERE m.\"user\" = {}"
)


# ----------------------------------------------------------------------------------------------------------
# Challenges (panels.services.challenges)

# A seat with its panel and case (the caller row-locks the panel).
SEAT_ON_CASE = (
    "SELECT seat.id, seat.status, seat.panel, seat.role, panel.status AS panel_status,"
    " c.id AS case_id, c.department AS department_id, c.status AS case_status"
    " FROM seat JOIN panel ON panel.id = seat.panel JOIN review_case c ON c.id = panel.\"case\""
    " WHERE seat.id = {}"
)

# Raises a challenge, returning its id; one pending challenge per party and seat (panels.tables.INDEXES): a
# second one writes nothing.
RAISE_CHALLENGE = (
    "INSERT INTO challenge (seat, raised_by, reason, status, decision_reason, raised_at)"
    " VALUES ({}, {}, {}, 'pending', '', {})"
    " ON CONFLICT (seat, raised_by) WHERE status = 'pending' DO NOTHING RETURNING id"
)

# Decides a pending challenge, returning its id; one already decided is left as it is (no row).
DECIDE_CHALLENGE = (
    "UPDATE challenge SET status = {}, decided_by = {}, decision_reason = {}, decided_at = {}"
    " WHERE id = {} AND status = 'pending' RETURNING id"
)

# Every challenge on a case's panels with its seat and member's name, in order.
CASE_CHALLENGES = (
    "SELECT ch.id, ch.raised_by, ch.reason, ch.status, ch.decision_reason, ch.raised_at, ch.decided_at,"
    " seat.id AS seat_id, seat.role, m.name AS member_name"
    " FROM challenge ch JOIN seat ON seat.id = ch.seat JOIN roster_member m ON m.id = seat.member"
    " JOIN panel ON panel.id = seat.panel WHERE panel.\"case\" = {} ORDER BY ch.id"
)

# The pending challenges with their seat, member's name and case number, oldest first.
PENDING_CHALLENGES = (
    "SELECT ch.id, ch.raised_by, ch.reason, ch.raised_at, seat.role, m.name AS member_name, c.number"
    " FROM challenge ch JOIN seat ON seat.id = ch.seat JOIN roster_member m ON m.id = seat.member"
    " JOIN panel ON panel.id = seat.panel JOIN review_case c ON c.id = panel.\"case\""
    " WHERE ch.status = 'pending' ORDER BY ch.id"
)


# ----------------------------------------------------------------------------------------------------------
# Refills (panels.services.refill)

# A panel's record and status with its case's id and status: {record, status, case_id, case_status}.
PANEL_TO_REFILL = (
    "SELECT p.record, p.status, p.\"case\" AS case_id, c.status AS case_status FROM panel p"
    " JOIN review_case c ON c.id = p.\"case\" WHERE p.id = {}"
)

# A panel's row (the caller row-locks it).
PANEL_BY_ID = "SELECT * FROM panel WHERE id = {}"

# A case's row.
CASE_BY_ID = "SELECT * FROM review_case WHERE id = {}"


# ----------------------------------------------------------------------------------------------------------
# Rounds (panels.services.rounds)

# How many cases are accepted for review: {n}.
ACCEPTED_CASE_COUNT = "SELECT COUNT(*) AS n FROM review_case WHERE status = 'accepted'"

# The ids of the cases accepted for review, in order.
ACCEPTED_CASE_IDS = "SELECT id FROM review_case WHERE status = 'accepted' ORDER BY id"


def accepted_cases(count: int) -> str:
    """The rows of those of `count` cases (by id) still accepted for review, by id."""
    return f"SELECT * FROM review_case WHERE id IN ({_placeholders(count)}) AND status = 'accepted' ORDER BY id"


def round_panels(*, one_case: bool) -> str:
    """The panels a round seated (or its one panel on a case, `one_case`): {case_id, record}."""
    text = "SELECT \"case\" AS case_id, record FROM panel WHERE round = {}"
    if one_case:
        text += " AND \"case\" = {}"
    return text


# ----------------------------------------------------------------------------------------------------------
# Draw verification (panels.services.verification)

# A case's draw events (seed commitments, convening, refills) and the round requests named by action, in order.
DRAW_EVENTS = (
    'SELECT id, action, data FROM audit_event WHERE ("case" = {} AND action IN'
    " ('draw_seed_committed', 'convene', 'seat_refilled')) OR action = {} ORDER BY id"
)
