"""Piccolo app for `scoring`: its tables and migrations."""

from __future__ import annotations

import os

from piccolo.conf.apps import AppConfig

from scoring.tables import TABLES

APP_CONFIG = AppConfig(
    app_name="scoring",
    migrations_folder_path=os.path.join(os.path.dirname(__file__), "piccolo_migrations"),
    table_classes=TABLES,
    # panels: a scoring migration refers to the panel table (scoring.references).
    migration_dependencies=["review.piccolo_app", "panels.piccolo_app"],
)
