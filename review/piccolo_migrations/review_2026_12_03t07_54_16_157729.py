from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Integer
from piccolo.columns.indexes import IndexMethod

ID = "2026-12-03T07:54:16:157729"
VERSION = "1.38.0"
DESCRIPTION = ""


async def forwards():
    manager = MigrationManager(
        migration_id=ID, app_name="review", description=DESCRIPTION
    )

    manager.add_column(
        table_class_name="Verdict",
        tablename="verdict",
        column_name="corrects",
        db_column_name="corrects",
        column_class_name="Integer",
        column_class=Integer,
        params={
            "default": None,
            "null": True,
            "primary_key": False,
            "unique": True,
            "index": False,
            "index_method": IndexMethod.btree,
            "choices": None,
            "db_column_name": None,
            "secret": False,
        },
        schema=None,
    )

    manager.alter_column(
        table_class_name="Verdict",
        tablename="verdict",
        column_name="ruling_id",
        db_column_name="ruling_id",
        params={"unique": False, "index": True},
        old_params={"unique": True, "index": False},
        column_class=Integer,
        old_column_class=Integer,
        schema=None,
    )

    return manager
