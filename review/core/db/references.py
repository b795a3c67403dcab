"""References between the apps' tables that the table definitions cannot state, kept by the database itself
(the list is `REFERENCES` in review/piccolo_app.py: the review app wires the others together).

Review's tables name scoring's (a case's pinned criteria set, a verdict's ruling and the ruling that superseded
it) and scoring's name panels' (the panel a sheet, a deliberation or a ruling belongs to), but the Python
columns stay plain integers: review's tables come before scoring's (scoring's refer to cases and accounts), so a
review migration could not refer to a scoring table, and scoring's code never names panels. On PostgreSQL a
scoring migration adds the foreign keys (ON DELETE NO ACTION: nothing deletes a criteria set, a ruling or a
panel); on SQLite, which cannot add a constraint to a table, triggers refuse a row written with an id that names
no row (`review.core.db.migrate` creates them with the tables; deleting the referenced row is not guarded there).
The schema test holds the migrations to `postgres_statements`.
"""

from __future__ import annotations

Reference = tuple[str, str, str]  # (table, column, referenced table)


def constraint_name(table: str, column: str) -> str:
    """The name PostgreSQL itself would give the foreign key."""
    return f"{table}_{column}_fkey"


def postgres_statements(references: list[Reference]) -> list[str]:
    return [f'ALTER TABLE "{table}" ADD CONSTRAINT "{constraint_name(table, column)}"'
            f' FOREIGN KEY ("{column}") REFERENCES "{target}" ("id")'
            for table, column, target in references]


def sqlite_statements(references: list[Reference]) -> list[str]:
    statements = []
    for table, column, target in references:
        check = (f'WHEN NEW."{column}" IS NOT NULL AND NOT EXISTS (SELECT 1 FROM "{target}" WHERE id = NEW."{column}")'
                 f" BEGIN SELECT RAISE(ABORT, 'FOREIGN KEY constraint failed: {table}.{column} names no {target}'); END")
        name = constraint_name(table, column)
        statements.append(f'CREATE TRIGGER IF NOT EXISTS "{name}_insert" BEFORE INSERT ON "{table}" {check}')
        statements.append(f'CREATE TRIGGER IF NOT EXISTS "{name}_update" BEFORE UPDATE OF "{column}" ON "{table}" {check}')
    return statements
