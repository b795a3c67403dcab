from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-12-04T21:12:05:000000"
VERSION = "1.38.0"
DESCRIPTION = "The webhook delivery sweep's index: what is due, in the order it came due (review.webhooks.tables.INDEXES)"

# As written here, not imported: a migration keeps the schema of its day.
_CREATE = "CREATE INDEX IF NOT EXISTS webhook_delivery_due ON webhook_delivery (status, next_attempt_at)"
_DROP = "DROP INDEX IF EXISTS webhook_delivery_due"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="review", description=DESCRIPTION)

    async def create():
        await engine_finder().run_ddl(_CREATE)

    async def drop():
        await engine_finder().run_ddl(_DROP)

    manager.add_raw(create)
    manager.add_raw_backwards(drop)
    return manager
