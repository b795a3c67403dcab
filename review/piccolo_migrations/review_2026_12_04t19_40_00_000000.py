from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-12-04T19:40:00:000000"
VERSION = "1.38.0"
DESCRIPTION = ("The office's case list: the counts per filter from the indexes alone, by department under a status"
               " and received dates, by status under a department and received dates (review.cases.sql.LIST_INDEXES)")

# As written here, not imported: a migration keeps the schema of its day.
_CREATE = [
    ("CREATE INDEX IF NOT EXISTS review_case_status_received_department"
     " ON review_case (status, received_at, department)"),
    ("CREATE INDEX IF NOT EXISTS review_case_department_received_status"
     " ON review_case (department, received_at, status)"),
]
_DROP = [
    "DROP INDEX IF EXISTS review_case_status_received_department",
    "DROP INDEX IF EXISTS review_case_department_received_status",
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
