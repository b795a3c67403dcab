from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-12-04T06:13:10:000000"
VERSION = "1.38.0"
DESCRIPTION = "An index of the base figures by period (review.assessments.tables.INDEXES)"

_CREATE = "CREATE INDEX IF NOT EXISTS assessment_base_figures_period ON assessment_base_figures (period, current, department)"
_DROP = "DROP INDEX IF EXISTS assessment_base_figures_period"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="review", description=DESCRIPTION)

    async def create():
        await engine_finder().run_ddl(_CREATE)

    async def drop():
        await engine_finder().run_ddl(_DROP)

    manager.add_raw(create)
    manager.add_raw_backwards(drop)
    return manager
