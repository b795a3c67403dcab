from piccolo.apps.migrations.auto.migration_manager import MigrationManager

ID = "2026-12-03T23:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "A session's minutes live in mediation_minutes: drop the unused mediation_session.minutes"


async def forwards():
    manager = MigrationManager(
        migration_id=ID, app_name="review", description=DESCRIPTION
    )

    manager.drop_column(
        table_class_name="MediationSession",
        tablename="mediation_session",
        column_name="minutes",
        db_column_name="minutes",
        schema=None,
    )

    return manager
