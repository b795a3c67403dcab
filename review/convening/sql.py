"""Convening's hand-written SQL: the case look-ups of a single draw and of seating a round.

Statements that take a row lock end with `db.for_update()`, added by the caller (the clause is the engine's).
"""

from __future__ import annotations

# A case's id and status by its number: {id, status}.
CASE_STATUS_BY_NUMBER = "SELECT id, status FROM review_case WHERE number = {}"


def cases_by_id(count: int) -> str:
    """The rows of `count` cases by id, in order (the caller row-locks them)."""
    return f"SELECT * FROM review_case WHERE id IN ({', '.join('{}' for _ in range(count))}) ORDER BY id"
