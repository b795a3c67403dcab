"""The verdicts' hand-written SQL: numbering, locks and the public facts of a verdict."""

from __future__ import annotations

# The year's last verdict number (read under the chain-head lock: the sequence has no gaps).
LAST_SEQUENCE = "SELECT COALESCE(MAX(sequence), 0) AS n FROM verdict WHERE year = {}"

VERDICT_STATE = "SELECT status, full_sha256 FROM verdict WHERE id = {}"

CASE_ID_BY_NUMBER = "SELECT id FROM review_case WHERE number = {}"

# What /verify/{code} shows besides the verdict row.
PUBLIC_FACTS = (
    "SELECT c.category, c.district, d.name AS department_name, r.total, r.grade"
    " FROM verdict v JOIN review_case c ON c.id = v.\"case\" JOIN department d ON d.id = c.department"
    " JOIN ruling r ON r.id = v.ruling_id WHERE v.id = {}"
)

# Cases whose ruling may be issued now: scoring closed and the reasoning signed.
READY_CASES = (
    "SELECT c.id, c.number, c.category, c.district FROM review_case c WHERE c.status = 'deliberation'"
    " AND EXISTS (SELECT 1 FROM deliberation d WHERE d.\"case\" = c.id AND d.signed_at IS NOT NULL)"
    " ORDER BY c.id"
)
