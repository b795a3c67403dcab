"""Every difference between SQLite and PostgreSQL the code relies on, in one place (like pretalx's common/db.py).

Callers outside `review/core/db/` ask for a capability or a piece of SQL here (re-exported by `review.core.db`),
never which engine runs. The engine in use is told once, when it is bound (`db.use_engine`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")

_engine_type: str | None = None
_bind: Callable[[], Any] | None = None  # the package's engine(): binding the engine calls use()


def use(engine_type: str) -> None:
    """The bound engine's type (`sqlite` or `postgres`): called by `db.use_engine`."""
    global _engine_type
    _engine_type = engine_type


def bind_with(engine: Callable[[], Any]) -> None:
    """How to bind the engine when asked before it is (the package hands in its `engine`)."""
    global _bind
    _bind = engine


def name() -> str:
    """`sqlite` or `postgres`: for caching SQL built per dialect, not for branching on."""
    if _engine_type is None and _bind is not None:
        _bind()
    assert _engine_type is not None, "no database engine is bound"
    return _engine_type


def is_sqlite() -> bool:
    return name() == "sqlite"


def pick(*, postgres: T, sqlite: T) -> T:
    """The engine's own version of a statement or value."""
    return sqlite if is_sqlite() else postgres


def writes_in_one_statement() -> bool:
    """Whether a write spanning several tables can be one statement: PostgreSQL's data-modifying CTEs
    (`WITH … INSERT … RETURNING`) with `unnest()` arrays. SQLite takes the same write in a transaction."""
    return not is_sqlite()


def aggregates_into_arrays() -> bool:
    """Whether a column of many rows can come back as one array (`array_agg`), one row for the lot."""
    return not is_sqlite()


ROW_LOCK = " FOR NO KEY UPDATE"


def row_lock(of: str = "") -> str:
    """PostgreSQL's row-lock clause, for statements that only PostgreSQL runs (see `for_update`)."""
    return f"{ROW_LOCK} OF {of}" if of else ROW_LOCK


def for_update(of: str = "") -> str:
    """The row-lock clause that ends a SELECT inside a write transaction (`of`: lock only that table's rows).

    PostgreSQL locks the rows read until COMMIT, so a one-time action checks the state it changes under the
    lock and a second caller waits, then sees the first one's result. SQLite has no row locks and needs none:
    BEGIN IMMEDIATE already gives one writer at a time.

    The lock is FOR NO KEY UPDATE: it excludes every other writer of the row but not a transaction inserting a
    row that refers to it (an audit event naming the case, a challenge naming the seat), whose foreign-key
    check only takes a key-share lock. Otherwise a transaction holding a panel and writing the case's audit
    event would wait for one holding the case and wanting the panel: a deadlock. Writers take their locks in
    one order: the chain head, the case, its panel, then the panel's seats and challenges, then the verdict.
    """
    return "" if is_sqlite() else row_lock(of)


def json_rows(columns: dict[str, str], source: str, order: str) -> str:
    """A correlated subquery giving the rows of `source` as one JSON array of objects, `columns` naming each
    key's expression, in `order`."""
    if is_sqlite():
        # json_group_array keeps the order of the rows it is fed (SQLite has no ORDER BY inside aggregates here).
        pairs = ", ".join(f"'{key}', {key}" for key in columns)
        selected = ", ".join(f"{expr} AS {key}" for key, expr in columns.items())
        return f"(SELECT json_group_array(json_object({pairs})) FROM (SELECT {selected} {source} ORDER BY {order}))"
    pairs = ", ".join(f"'{key}', {expr}" for key, expr in columns.items())
    return f"(SELECT COALESCE(json_agg(json_build_object({pairs}) ORDER BY {order}), '[]') {source})"
