"""The rulings' hand-written SQL: score sheets saved under the case's row lock, and the one-statement first
submission."""

from __future__ import annotations

from review.core.audit.sql import EVENT_COLUMNS
from review.core.db.dialect import row_lock

# The case (row-locked on PostgreSQL), the member's seat on its active panel and their sheet, in one query.
CONTEXT = (
    "SELECT c.id, c.status, c.criteria_set_id, s.role, s.panel AS panel_id,"
    " sh.id AS sheet_id, sh.revision, sh.submitted"
    " FROM review_case c JOIN panel p ON p.\"case\" = c.id AND p.status = 'seated'"
    " JOIN seat s ON s.panel = p.id AND s.status = 'accepted'"
    " JOIN roster_member m ON m.id = s.member AND m.\"user\" = {}"
    " LEFT JOIN score_sheet sh ON sh.\"case\" = c.id AND sh.member = {} AND sh.panel_id = p.id"
    " WHERE c.number = {}"
)


# A second save of a member's new sheet racing the first writes nothing (see scoring.tables.INDEXES).
ONE_PER_MEMBER = "ON CONFLICT (\"case\", panel_id, member) DO NOTHING"


# The member's accepted seat on the case's active panel: {id, role, is_chair, panel}.
SEAT_OF = (
    "SELECT s.id, s.role, s.is_chair, s.panel FROM seat s JOIN panel p ON p.id = s.panel"
    " JOIN roster_member m ON m.id = s.member"
    " WHERE m.\"user\" = {} AND p.\"case\" = {} AND p.status = 'seated' AND s.status = 'accepted'"
)

SAVED_REVISION = "SELECT revision FROM score_sheet WHERE \"case\" = {} AND panel_id = {} AND member = {}"

INSERT_SHEET = (
    "INSERT INTO score_sheet (\"case\", panel_id, member, member_role, criteria_set, submitted, revision,"
    " submitted_at, updated_at) VALUES ({}, {}, {}, {}, {}, {}, {}, {}, {})"
    f" {ONE_PER_MEMBER} RETURNING id"
)

UPDATE_SHEET = (
    "UPDATE score_sheet SET submitted = {}, revision = {}, submitted_at = {}, updated_at = {}"
    " WHERE id = {} AND revision = {} RETURNING id"
)

DELETE_SCORES = "DELETE FROM score WHERE score_sheet = {}"


def insert_scores(count: int) -> str:
    """One statement for a sheet's `count` scores: (score_sheet, criterion, value, reason) each."""
    return "INSERT INTO score (score_sheet, criterion, value, reason) VALUES " + ", ".join(["({}, {}, {}, {})"] * count)


INSERT_REVISION = (
    "INSERT INTO score_sheet_revision (score_sheet, revision, submitted, scores, saved_at)"
    " VALUES ({}, {}, {}, {}, {})"
)

# The hottest write: a member's first submission, as one statement (outside any explicit transaction while
# scoring is under way). It locks the case row as save_sheet does, and writes only if the case is still under
# review on the pinned criteria, the member holds an accepted seat on its active panel and has no sheet yet;
# otherwise it writes nothing and save_sheet takes over (and gives the precise answer).
FIRST_SUBMISSION_ONE_STATEMENT = (
    "WITH ctx AS (SELECT c.id, s.role, s.panel AS panel_id FROM review_case c"
    "  JOIN panel p ON p.\"case\" = c.id AND p.status = 'seated'"
    "  JOIN seat s ON s.panel = p.id AND s.status = 'accepted'"
    "  JOIN roster_member m ON m.id = s.member AND m.\"user\" = $3"
    "  WHERE c.number = $1 AND c.status = ANY($10::text[]) AND c.criteria_set_id = $2"
    "  AND NOT EXISTS (SELECT 1 FROM score_sheet sh WHERE sh.\"case\" = c.id AND sh.member = $3"
    "   AND sh.panel_id = p.id)"
    f"  {row_lock('c')}),"
    " sheet AS (INSERT INTO score_sheet (\"case\", panel_id, member, member_role, criteria_set, submitted,"
    "  revision, submitted_at, updated_at) SELECT ctx.id, ctx.panel_id, $3, ctx.role, $2, true, 1, $4, $4"
    f"  FROM ctx {ONE_PER_MEMBER} RETURNING id, \"case\"),"
    " scores AS (INSERT INTO score (score_sheet, criterion, value, reason)"
    "  SELECT sheet.id, v.criterion, v.value, v.reason FROM sheet,"
    "  unnest($5::int[], $6::int[], $7::text[]) AS v(criterion, value, reason)),"
    " revision AS (INSERT INTO score_sheet_revision (score_sheet, revision, submitted, scores, saved_at)"
    "  SELECT sheet.id, 1, true, $8::json, $4 FROM sheet),"
    f" event AS (INSERT INTO audit_event ({EVENT_COLUMNS})"
    "  SELECT sheet.\"case\", $9, 'score_submitted', '', '', '',"
    "  json_build_object('sheet_id', sheet.id, 'revision', 1), $4 FROM sheet)"
    " SELECT id FROM sheet"
)


NOTE_OTHERS_VIEWED = "UPDATE score_sheet SET others_viewed_at = {} WHERE id = {} AND others_viewed_at IS NULL"

ACTIVE_PANEL = "SELECT id FROM panel WHERE \"case\" = {} AND status = 'seated' ORDER BY id DESC LIMIT 1"

PANEL_SCORES = (
    "SELECT sc.value, sc.criterion, sc.score_sheet, sh.member_role FROM score sc"
    " JOIN score_sheet sh ON sh.id = sc.score_sheet"
    " WHERE sh.\"case\" = {} AND sh.panel_id = {} AND sh.submitted = {}"
)

DISSENTS = (
    "SELECT d.text, d.member_role, a.display_name FROM dissent d JOIN account a ON a.id = d.member"
    " WHERE d.deliberation = {} ORDER BY d.id"
)

SUBMITTED_SHEETS = "SELECT COUNT(*) AS n FROM score_sheet WHERE panel_id = {} AND submitted = {}"

COMPLAINANT_CASE_NUMBER = "SELECT number FROM review_case WHERE id = {}"
