"""Piccolo app for `review`: its tables and migrations."""

from __future__ import annotations

import os

from piccolo.conf.apps import AppConfig

from review.accounts.tables import TABLES as ACCOUNT_TABLES
from review.assessments.tables import INDEXES as ASSESSMENT_INDEXES
from review.assessments.tables import TABLES as ASSESSMENT_TABLES
from review.casefile.tables import TABLES as CASEFILE_TABLES
from review.cases.sql import LIST_INDEXES as CASE_LIST_INDEXES
from review.cases.tables import INDEXES as CASE_INDEXES
from review.cases.tables import TABLES as CASE_TABLES
from review.core.tables import TABLES as CORE_TABLES
from review.deadlines.tables import TABLES as DEADLINE_TABLES
from review.mediation.tables import INDEXES as MEDIATION_INDEXES
from review.mediation.tables import TABLES as MEDIATION_TABLES
from review.notifications.tables import TABLES as NOTIFICATION_TABLES
from review.publication.tables import INDEXES as PUBLICATION_INDEXES
from review.publication.tables import TABLES as PUBLICATION_TABLES
from review.selection.tables import INDEXES as SELECTION_INDEXES
from review.selection.tables import TABLES as SELECTION_TABLES
from review.verdicts.tables import TABLES as VERDICT_TABLES
from review.webhooks.tables import INDEXES as WEBHOOK_INDEXES
from review.webhooks.tables import TABLES as WEBHOOK_TABLES

APP_CONFIG = AppConfig(
    app_name="review",
    migrations_folder_path=os.path.join(os.path.dirname(__file__), "piccolo_migrations"),
    table_classes=[*CORE_TABLES, *CASE_TABLES, *MEDIATION_TABLES, *VERDICT_TABLES, *ASSESSMENT_TABLES,
                   *DEADLINE_TABLES, *NOTIFICATION_TABLES, *ACCOUNT_TABLES, *CASEFILE_TABLES,
                   *SELECTION_TABLES, *WEBHOOK_TABLES, *PUBLICATION_TABLES],
    migration_dependencies=[],
)

# Indexes over several columns that the table definitions cannot state (read by review.core.db on SQLite; the
# migrations create them on PostgreSQL).
INDEXES: list[str] = [*CASE_INDEXES, *CASE_LIST_INDEXES, *MEDIATION_INDEXES, *ASSESSMENT_INDEXES,
                      *SELECTION_INDEXES, *WEBHOOK_INDEXES, *PUBLICATION_INDEXES]

# (table, column, referenced table): the column holds an id of the referenced table, or NULL.
# Read by review.core.db (foreign keys on PostgreSQL, added by a scoring migration; triggers on SQLite).
REFERENCES: list[tuple[str, str, str]] = [
    ("review_case", "criteria_set_id", "criteria_set"),
    ("verdict", "ruling_id", "ruling"),
    ("verdict", "superseded_by_ruling", "ruling"),
    ("score_sheet", "panel_id", "panel"),
    ("deliberation", "panel_id", "panel"),
    ("ruling", "panel_id", "panel"),
]

