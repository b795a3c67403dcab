from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Timestamptz
from piccolo.columns.indexes import IndexMethod

ID = "2026-12-03T07:58:08:245784"
VERSION = "1.38.0"
DESCRIPTION = "When a member was first shown another member's score sheet (score_sheet.others_viewed_at)"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="scoring", description=DESCRIPTION)

    manager.add_column(
        table_class_name="ScoreSheet",
        tablename="score_sheet",
        column_name="others_viewed_at",
        db_column_name="others_viewed_at",
        column_class_name="Timestamptz",
        column_class=Timestamptz,
        params={
            "default": None,
            "null": True,
            "primary_key": False,
            "unique": False,
            "index": False,
            "index_method": IndexMethod.btree,
            "choices": None,
            "db_column_name": None,
            "secret": False,
        },
        schema=None,
    )

    return manager
