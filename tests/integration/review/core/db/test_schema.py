"""The committed migrations give exactly the schema the table definitions describe."""

from __future__ import annotations

import uuid

import asyncpg
import pytest

from review.core import db
from tests.conftest import _PG_BASE

# SQLite is built from the definitions themselves, so the SQLite run leaves this test out.
pytestmark = [pytest.mark.integration, pytest.mark.postgres_only]

_COLUMNS = """
SELECT table_name, column_name, data_type, is_nullable, column_default, character_maximum_length
FROM information_schema.columns WHERE table_schema = 'public' AND table_name != 'migration'
ORDER BY table_name, column_name
"""
_CONSTRAINTS = """
SELECT tc.table_name, tc.constraint_type, kcu.column_name, ccu.table_name AS references
FROM information_schema.table_constraints tc
JOIN information_schema.key_column_usage kcu ON kcu.constraint_name = tc.constraint_name
LEFT JOIN information_schema.constraint_column_usage ccu
  ON ccu.constraint_name = tc.constraint_name AND tc.constraint_type = 'FOREIGN KEY'
WHERE tc.table_schema = 'public' AND tc.table_name != 'migration'
ORDER BY 1, 2, 3, 4
"""
_INDEXES = """
SELECT tablename, indexdef FROM pg_indexes WHERE schemaname = 'public' AND tablename != 'migration'
ORDER BY 1, 2
"""


async def _schema(url: str) -> tuple[list, list, list]:
    connection = await asyncpg.connect(url)
    try:
        found = []
        for query in (_COLUMNS, _CONSTRAINTS, _INDEXES):
            found.append([tuple(r) for r in await connection.fetch(query)])
        return found[0], found[1], found[2]
    finally:
        await connection.close()


async def test_schema_committed_migrations_match_table_definitions(database: None) -> None:
    name = f"review_schema_{uuid.uuid4().hex[:8]}"
    admin = await asyncpg.connect(f"{_PG_BASE}/postgres")
    await admin.execute(f'CREATE DATABASE "{name}"')
    try:
        fresh = await asyncpg.connect(f"{_PG_BASE}/{name}")
        try:
            for table in db.all_tables():
                for statement in table.create_table().ddl:
                    await fresh.execute(statement)
            for statement in [*db.all_indexes(), *db.all_references("postgres")]:
                await fresh.execute(statement)
        finally:
            await fresh.close()
        migrated = await _schema(f"{_PG_BASE}/{db.engine().config['database']}")
        defined = await _schema(f"{_PG_BASE}/{name}")
        for what, got, want in zip(("columns", "constraints", "indexes"), migrated, defined):
            assert got == want, f"{what} differ between the migrations and the table definitions"
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()
