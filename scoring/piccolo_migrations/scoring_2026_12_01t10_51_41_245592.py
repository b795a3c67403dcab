from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-12-01T10:51:41:245592"
VERSION = "1.38.0"
DESCRIPTION = "One score sheet per member per panel of a case (scoring.tables.INDEXES)"

_CREATE = "CREATE UNIQUE INDEX IF NOT EXISTS score_sheet_one_per_member ON score_sheet (\"case\", panel_id, member)"
_DROP = "DROP INDEX IF EXISTS score_sheet_one_per_member"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="scoring", description=DESCRIPTION)

    async def create():
        await engine_finder().run_ddl(_CREATE)

    async def drop():
        await engine_finder().run_ddl(_DROP)

    manager.add_raw(create)
    manager.add_raw_backwards(drop)
    return manager
