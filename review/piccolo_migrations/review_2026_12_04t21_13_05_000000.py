from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-12-04T21:13:05:000000"
VERSION = "1.38.0"
DESCRIPTION = "Clock alerts recorded before had their notifications stored by the sweep that recorded them"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="review", description=DESCRIPTION)

    async def told_already():
        await engine_finder().run_ddl("UPDATE clock_alert SET notified_at = fired_at WHERE notified_at IS NULL")

    manager.add_raw(told_already)
    return manager
