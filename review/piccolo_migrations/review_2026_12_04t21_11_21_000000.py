from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-12-04T21:11:21:000000"
VERSION = "1.38.0"
DESCRIPTION = ("Publication's indexes: the public list newest first under each filter, a case's latest answer"
               " (review.publication.tables.INDEXES)")

# As written here, not imported: a migration keeps the schema of its day.
_CREATE = [
    "CREATE INDEX IF NOT EXISTS published_ruling_listed ON published_ruling (status, id)",
    "CREATE INDEX IF NOT EXISTS published_ruling_by_department ON published_ruling (department, status, id)",
    "CREATE INDEX IF NOT EXISTS published_ruling_by_grade ON published_ruling (grade, status, id)",
    "CREATE INDEX IF NOT EXISTS published_ruling_by_issue ON published_ruling (issued_on, id)",
    "CREATE INDEX IF NOT EXISTS publication_consent_latest ON publication_consent (\"case\", id)",
]
_DROP = [
    "DROP INDEX IF EXISTS published_ruling_listed",
    "DROP INDEX IF EXISTS published_ruling_by_department",
    "DROP INDEX IF EXISTS published_ruling_by_grade",
    "DROP INDEX IF EXISTS published_ruling_by_issue",
    "DROP INDEX IF EXISTS publication_consent_latest",
]


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
