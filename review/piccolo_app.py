"""Piccolo app for `review`: its tables and migrations."""

from __future__ import annotations

import os

from piccolo.conf.apps import AppConfig

from review.core.tables import TABLES

APP_CONFIG = AppConfig(
    app_name="review",
    migrations_folder_path=os.path.join(os.path.dirname(__file__), "piccolo_migrations"),
    table_classes=TABLES,
    migration_dependencies=[],
)
