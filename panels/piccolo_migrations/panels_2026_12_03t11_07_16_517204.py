from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-12-03T11:07:16:517204"
VERSION = "1.38.0"
DESCRIPTION = "One version number and one current version per category's template; one pending challenge per party and seat"

# Rows left by saves and challenges that raced before these indexes: the last saved version of each category
# stays in force, a category with a version number used twice has its versions numbered again in the order they
# were saved (its panels follow), and of a party's pending challenges of one seat the first stays pending, the
# others are marked withdrawn.
_REPAIR = [
    ('UPDATE composition_template t SET "current" = false WHERE t."current" AND EXISTS ('
    ' SELECT 1 FROM composition_template n WHERE n.category = t.category AND n."current" AND n.id > t.id)'),
    ("WITH messy AS (SELECT category FROM composition_template GROUP BY category, version HAVING count(*) > 1),"
    " renumbered AS (SELECT id, row_number() OVER (PARTITION BY category ORDER BY id) AS version"
    "  FROM composition_template WHERE category IN (SELECT category FROM messy))"
    " UPDATE composition_template t SET version = r.version FROM renumbered r"
    " WHERE t.id = r.id AND t.version <> r.version"),
    ("UPDATE panel p SET template_version = t.version FROM composition_template t"
    " WHERE p.template = t.id AND p.template_version <> t.version"),
    ("UPDATE challenge c SET status = 'withdrawn', decided_at = now(), decision_reason = '重复的回避申请'"
    " WHERE c.status = 'pending' AND EXISTS (SELECT 1 FROM challenge o WHERE o.seat = c.seat"
    " AND o.raised_by = c.raised_by AND o.status = 'pending' AND o.id < c.id)"),
]
_CREATE = [
    "CREATE UNIQUE INDEX IF NOT EXISTS composition_template_version ON composition_template (category, version)",
    'CREATE UNIQUE INDEX IF NOT EXISTS composition_template_one_current ON composition_template (category) WHERE "current"',
    "CREATE UNIQUE INDEX IF NOT EXISTS challenge_one_pending ON challenge (seat, raised_by) WHERE status = 'pending'",
]
_DROP = ["DROP INDEX IF EXISTS composition_template_version", "DROP INDEX IF EXISTS composition_template_one_current",
         "DROP INDEX IF EXISTS challenge_one_pending"]


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="panels", description=DESCRIPTION)

    async def create():
        for statement in [*_REPAIR, *_CREATE]:
            await engine_finder().run_ddl(statement)

    async def drop():
        for statement in _DROP:
            await engine_finder().run_ddl(statement)

    manager.add_raw(create)
    manager.add_raw_backwards(drop)
    return manager
