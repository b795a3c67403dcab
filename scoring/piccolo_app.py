"""Piccolo app for `scoring`: its tables and migrations, and INDEXES, the indexes over several columns that the
table definitions cannot state (`review.core.db` reads both from the app registry)."""

from __future__ import annotations

import os

from piccolo.conf.apps import AppConfig

from scoring.tables import INDEXES, TABLES

APP_CONFIG = AppConfig(
    app_name="scoring",
    migrations_folder_path=os.path.join(os.path.dirname(__file__), "piccolo_migrations"),
    table_classes=TABLES,
    # panels: a scoring migration refers to the panel table (review.piccolo_app.REFERENCES).
    migration_dependencies=["review.piccolo_app", "panels.piccolo_app"],
)

__all__ = ["APP_CONFIG", "INDEXES"]
