from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-12-04T18:20:35:000000"
VERSION = "1.38.0"
DESCRIPTION = "Selection: one decision per case and proposal (review.selection.tables.INDEXES)"

# As written here, not imported: a migration keeps the schema of its day.
_CREATE = 'CREATE UNIQUE INDEX IF NOT EXISTS selection_decision_once ON selection_decision (selection, "case")'
_DROP = "DROP INDEX IF EXISTS selection_decision_once"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="review", description=DESCRIPTION)

    async def create():
        await engine_finder().run_ddl(_CREATE)

    async def drop():
        await engine_finder().run_ddl(_DROP)

    manager.add_raw(create)
    manager.add_raw_backwards(drop)
    return manager
