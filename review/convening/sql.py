"""Convening's hand-written SQL: the case look-ups of a single draw and of seating a round.

Statements that take a row lock end with `db.for_update()`, added by the caller (the clause is the engine's).
"""

from __future__ import annotations

# A case's id and status by its number: {id, status}.
CASE_STATUS_BY_NUMBER = "SELECT id, status FROM review_case WHERE number = {}"


def cases_by_id(count: int) -> str:
    """The rows of `count` cases by id, in order (the caller row-locks them)."""
    return f"SELECT * FROM review_case WHERE id IN ({', '.join('{}' for _ in range(count))}) ORDER BY id"


def invited_seats(count: int, *, of_round: bool = False) -> str:
    """The seats still offered (invited) on `count` seated panels by id, each with its member's login and the
    case's number; with `of_round`, the first argument is a round's id and the ids are its cases' ids."""
    marks = ", ".join("{}" for _ in range(count))
    where = f"p.round = {{}} AND p.\"case\" IN ({marks})" if of_round else f"p.id IN ({marks})"
    return ("SELECT s.id AS seat_id, s.reply_by, r.\"user\" AS account_id, c.number FROM seat s"
            " JOIN panel p ON p.id = s.panel JOIN roster_member r ON r.id = s.member"
            " JOIN review_case c ON c.id = p.\"case\""
            f" WHERE {where} AND p.status = 'seated' AND s.status = 'invited' AND r.\"user\" IS NOT NULL"
            " ORDER BY s.id")
