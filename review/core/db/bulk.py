"""Many rows in one statement, and one value among many, on either engine.

PostgreSQL takes one array per column (`INSERT … SELECT … FROM unnest($1::text[], $2::int[], …)`, `x = ANY($1)`):
the statement's text is the same whatever the count, so it is parsed and planned once per connection, with a
handful of parameters however many rows. SQLite takes multi-row VALUES and IN lists, in chunks far below its
limit on a statement's values.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from review.core.db import dialect

SQLITE_ROWS = 1000  # rows of one multi-row VALUES on SQLite
SQLITE_VALUES = 5000  # values of one IN list on SQLite


@dataclass(frozen=True)
class Insert:
    """The shape of a bulk insert: `columns` of `table` written with `row`, the expressions of one row with `{}`
    for each value handed in (constants written in), `types` the PostgreSQL type of each value handed in, and
    `tail` what follows (ON CONFLICT …, RETURNING …). Rows are inserted in the order given."""

    table: str
    columns: str
    row: str
    types: tuple[str, ...]
    tail: str = ""

    def __post_init__(self) -> None:
        assert self.row.count("{}") == len(self.types), self
        assert "{}" not in self.tail and "{}" not in self.columns, self


def _unnested(spec: Insert) -> str:
    names = [f"c{i}" for i in range(len(spec.types))]
    parts = spec.row.split("{}")
    row = "".join(p + (f"v.{names[i]}" if i < len(names) else "") for i, p in enumerate(parts))
    arrays = ", ".join(f"{{}}::{kind}[]" for kind in spec.types)
    return (f"INSERT INTO {spec.table} ({spec.columns}) SELECT {row} FROM unnest({arrays}) WITH ORDINALITY"
            f" AS v({', '.join(names)}, n) ORDER BY v.n {spec.tail}").rstrip()


def _valued(spec: Insert, count: int) -> str:
    rows = ", ".join([f"({spec.row})"] * count)
    return f"INSERT INTO {spec.table} ({spec.columns}) VALUES {rows} {spec.tail}".rstrip()


def insert_statements(spec: Insert, rows: Sequence[Sequence[Any]]) -> list[tuple[str, list[Any]]]:
    """The statements (with `{}` placeholders) and their arguments that insert `rows`, each the values of one row
    in `spec.types`' order: one statement on PostgreSQL, chunks of multi-row VALUES on SQLite."""
    if not rows:
        return []
    if not dialect.is_sqlite():
        return [(_unnested(spec), [list(column) for column in zip(*rows, strict=True)])]
    statements = []
    for start in range(0, len(rows), SQLITE_ROWS):
        chunk = rows[start:start + SQLITE_ROWS]
        statements.append((_valued(spec, len(chunk)), [value for row in chunk for value in row]))
    return statements


def among_statements(statement: str, values: Sequence[Any], kind: str) -> list[tuple[str, list[Any]]]:
    """`statement` (its `{among}` standing for the list of `values`, of PostgreSQL type `kind`; no other
    placeholder) for every value: `= ANY({}::kind[])` in one statement on PostgreSQL, `IN (…)` lists in
    chunks on SQLite. Each statement's rows belong to the values of its chunk."""
    assert "{}" not in statement and statement.count("{among}") == 1, statement
    if not values:
        return []
    if not dialect.is_sqlite():
        return [(statement.replace("{among}", f"= ANY({{}}::{kind}[])"), [list(values)])]
    statements = []
    for start in range(0, len(values), SQLITE_VALUES):
        chunk = list(values[start:start + SQLITE_VALUES])
        statements.append((statement.replace("{among}", f"IN ({', '.join(['{}'] * len(chunk))})"), chunk))
    return statements
