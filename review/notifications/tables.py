"""The notifications' records (the `review` Piccolo app)."""

from __future__ import annotations

TABLES: list = []
