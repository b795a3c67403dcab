from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-12-04T21:40:00:000000"
VERSION = "1.38.0"
DESCRIPTION = ("The published rulings' keyword search: a trigram index over the masked summary and reasoning"
               " (review.core.db.search)")

# As written here, not imported: a migration keeps the schema of its day.
_CREATE = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    ("CREATE INDEX IF NOT EXISTS published_ruling_text_trgm ON published_ruling"
     " USING gin (((summary || ' '::text) || reasoning) gin_trgm_ops)"),
]
_DROP = ["DROP INDEX IF EXISTS published_ruling_text_trgm"]


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="review", description=DESCRIPTION)

    async def create():
        for statement in _CREATE:
            await engine_finder().run_ddl(statement)

    async def drop():
        for statement in _DROP:
            await engine_finder().run_ddl(statement)

    manager.add_raw(create)
    manager.add_raw_backwards(drop)
    return manager
