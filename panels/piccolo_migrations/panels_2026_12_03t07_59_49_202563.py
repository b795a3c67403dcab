from enum import Enum

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Varchar

ID = "2026-12-03T07:59:49:202563"
VERSION = "1.38.0"
DESCRIPTION = "Seat status withdrawn: an open invitation withdrawn because the case ended (no DDL)"

_BEFORE = {
    "invited": "invited",
    "accepted": "accepted",
    "declined": "declined",
    "recused": "recused",
    "expired": "expired",
    "removed": "removed",
}


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="panels", description=DESCRIPTION)

    manager.alter_column(
        table_class_name="Seat",
        tablename="seat",
        column_name="status",
        db_column_name="status",
        params={"choices": Enum("SeatStatus", {**_BEFORE, "withdrawn": "withdrawn"})},
        old_params={"choices": Enum("SeatStatus", _BEFORE)},
        column_class=Varchar,
        old_column_class=Varchar,
        schema=None,
    )

    return manager
