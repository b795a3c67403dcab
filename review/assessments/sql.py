"""The assessments' hand-written SQL."""

from __future__ import annotations

# What a period's figures are read from, in one cheap row: anything that changes them adds an audit event, an
# imported row, an outcome count or a department, so a league computed under the same row is still right.
FINGERPRINT = (
    "SELECT (SELECT max(id) FROM audit_event) AS event,"
    " (SELECT max(id) FROM assessment_base_figures) AS figures,"
    " (SELECT max(updated_at) FROM assessment_entry) AS entries_at,"
    " (SELECT sum(ruled_proper + ruled_basic + ruled_improper + settled_in_mediation + points_deducted)"
    " FROM assessment_entry) AS entries,"
    " (SELECT max(id) FROM redo_order) AS orders,"
    " (SELECT max(id) FROM assessment_scheme) AS schemes,"
    " (SELECT count(*) FROM department) AS departments"
)
