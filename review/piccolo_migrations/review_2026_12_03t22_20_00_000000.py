from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-12-03T22:20:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "An index of each mediation's events in id order (review.mediation.tables.INDEXES)"

_CREATE = "CREATE INDEX IF NOT EXISTS mediation_event_order ON mediation_event (mediation, id)"
_DROP = "DROP INDEX IF EXISTS mediation_event_order"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="review", description=DESCRIPTION)

    async def create():
        await engine_finder().run_ddl(_CREATE)

    async def drop():
        await engine_finder().run_ddl(_DROP)

    manager.add_raw(create)
    manager.add_raw_backwards(drop)
    return manager
