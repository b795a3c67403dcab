from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-12-03T17:38:55:000000"
VERSION = "1.38.0"
DESCRIPTION = "Unique indexes of the minutes, comments, consents and case file entries (after their tables: raw steps run first)"

# One version number per session's minutes, one comment per party and session, one consent per item and party,
# one entry per case and source item (review.mediation.tables.INDEXES, review.cases.tables.INDEXES).
_CREATE = [
    "CREATE UNIQUE INDEX IF NOT EXISTS mediation_minutes_version ON mediation_minutes (session, version)",
    "CREATE UNIQUE INDEX IF NOT EXISTS mediation_minutes_comment_once ON mediation_minutes_comment (session, party)",
    "CREATE UNIQUE INDEX IF NOT EXISTS mediation_consent_one ON mediation_consent (mediation, item_kind, item_id, party)",
    'CREATE UNIQUE INDEX IF NOT EXISTS case_file_entry_once ON case_file_entry ("case", source_ref)',
]
_DROP = ["DROP INDEX IF EXISTS mediation_minutes_version", "DROP INDEX IF EXISTS mediation_minutes_comment_once",
         "DROP INDEX IF EXISTS mediation_consent_one", "DROP INDEX IF EXISTS case_file_entry_once"]


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
