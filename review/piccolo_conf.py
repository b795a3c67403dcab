"""Piccolo configuration: the engine from settings and the three apps."""

from __future__ import annotations

from piccolo.conf.apps import AppRegistry

from review.core.db import engine

DB = engine()

APP_REGISTRY = AppRegistry(apps=["review.piccolo_app", "panels.piccolo_app", "scoring.piccolo_app"])
