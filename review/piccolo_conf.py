"""Piccolo configuration: the engine from settings and the three apps."""

from __future__ import annotations

from piccolo.conf.apps import AppRegistry

from review.core.db import engine

# The registry comes first: binding the engine (`engine()`) reads every app's tables from it
# (`review.core.db.all_tables`). Its order is the order tables are created in on SQLite.
APP_REGISTRY = AppRegistry(apps=["review.piccolo_app", "panels.piccolo_app", "scoring.piccolo_app"])

DB = engine()
