"""Scoring's hand-written SQL: criteria versions locked while a draft is changed or published."""

from __future__ import annotations

CRITERIA_SET = "SELECT * FROM criteria_set WHERE id = {}"
# The last published version number (versions are numbered in the order they are published).
LAST_VERSION = "SELECT COALESCE(MAX(version), 0) AS n FROM criteria_set"
