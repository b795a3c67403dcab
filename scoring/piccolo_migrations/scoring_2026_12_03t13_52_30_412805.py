from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-12-03T13:52:30:412805"
VERSION = "1.38.0"
DESCRIPTION = "Foreign keys for the ids that point across the apps (scoring.references)"

# (table, column, referenced table), as scoring.references.REFERENCES had them when this migration was written.
_REFERENCES = [
    ("review_case", "criteria_set_id", "criteria_set"),
    ("verdict", "ruling_id", "ruling"),
    ("verdict", "superseded_by_ruling", "ruling"),
    ("score_sheet", "panel_id", "panel"),
    ("deliberation", "panel_id", "panel"),
    ("ruling", "panel_id", "panel"),
]


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="scoring", description=DESCRIPTION)

    async def add():
        for table, column, target in _REFERENCES:
            await engine_finder().run_ddl(
                f'ALTER TABLE "{table}" ADD CONSTRAINT "{table}_{column}_fkey"'
                f' FOREIGN KEY ("{column}") REFERENCES "{target}" ("id")')

    async def drop():
        for table, column, _ in reversed(_REFERENCES):
            await engine_finder().run_ddl(f'ALTER TABLE "{table}" DROP CONSTRAINT IF EXISTS "{table}_{column}_fkey"')

    manager.add_raw(add)
    manager.add_raw_backwards(drop)
    return manager
