"""Counting the SQL statements run within a block, so that tests can hold a page to a fixed number of queries.

`review.core.db.fetch` and both engines' statement paths call `note`; outside a `count_queries` block that is one
context-variable read. Transaction control (BEGIN, COMMIT, savepoints) is not counted, on either database.
"""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Iterator


class QueryCount:
    """The statements run while the block was open (a task started within the block counts towards it too)."""

    def __init__(self, parent: QueryCount | None) -> None:
        self.parent = parent
        self.open = True
        self.statements: list[object] = []

    def __len__(self) -> int:
        return len(self.statements)

    @property
    def count(self) -> int:
        return len(self.statements)

    def sql(self) -> list[str]:
        return [str(statement) for statement in self.statements]


_current: contextvars.ContextVar[QueryCount | None] = contextvars.ContextVar("review_query_count", default=None)


def note(statement: object) -> None:
    """One statement is about to run (its SQL, or Piccolo's query string, kept for the count's report)."""
    counter = _current.get()
    while counter is not None:
        if counter.open:
            counter.statements.append(statement)
        counter = counter.parent


@contextlib.contextmanager
def count_queries() -> Iterator[QueryCount]:
    """Count the statements run inside the block; blocks may nest (an inner one counts towards the outer)."""
    counter = QueryCount(_current.get())
    token = _current.set(counter)
    try:
        yield counter
    finally:
        counter.open = False
        _current.reset(token)
