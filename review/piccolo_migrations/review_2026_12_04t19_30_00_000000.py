from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-12-04T19:30:00:000000"
VERSION = "1.38.0"
DESCRIPTION = ("The office's case list: an index per filter in received order, status and department pairs for"
               " the counts, and a trigram index on the complaint and reply text (review.cases.sql.LIST_INDEXES,"
               " review.core.db.search)")

# As written here, not imported: a migration keeps the schema of its day.
_CREATE = [
    "CREATE INDEX IF NOT EXISTS review_case_received ON review_case (received_at, id)",
    "CREATE INDEX IF NOT EXISTS review_case_status_received ON review_case (status, received_at, id)",
    "CREATE INDEX IF NOT EXISTS review_case_department_received ON review_case (department, received_at, id)",
    "CREATE INDEX IF NOT EXISTS review_case_district_received ON review_case (district, received_at, id)",
    "CREATE INDEX IF NOT EXISTS review_case_category_received ON review_case (category, received_at, id)",
    "CREATE INDEX IF NOT EXISTS review_case_department_status ON review_case (department, status)",
    "CREATE INDEX IF NOT EXISTS review_case_status_department ON review_case (status, department)",
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    ("CREATE INDEX IF NOT EXISTS review_case_text_trgm ON review_case"
    " USING gin (((content || ' '::text) || reply) gin_trgm_ops)"),
]
_DROP = [
    "DROP INDEX IF EXISTS review_case_text_trgm",
    *(f"DROP INDEX IF EXISTS {name}" for name in (
        "review_case_received", "review_case_status_received", "review_case_department_received",
        "review_case_district_received", "review_case_category_received", "review_case_department_status",
        "review_case_status_department")),
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
