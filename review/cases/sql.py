"""The cases' hand-written SQL: intake's insert (one statement on PostgreSQL) and the look-ups it needs."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime
from typing import Any

from review.cases.intake import IntakeRecord, case_number_for
from review.cases.lifecycle import Action
from review.core import db
from review.core.actors import Actor
from review.core.audit import store as audit
from review.core.audit.sql import EVENT_COLUMNS

DEPARTMENT_BY_CODE = "SELECT id FROM department WHERE code = {}"
CASE_BY_SOURCE_REF = "SELECT number, payload_hash, status FROM review_case WHERE source_ref = {}"
CASE_BY_NUMBER = "SELECT * FROM review_case WHERE number = {}"
SET_NUMBER = "UPDATE review_case SET number = {} WHERE id = {}"

CASE_COLUMNS = (
    "source_ref, payload_hash, channel, received_at, category, district, community, department,"
    " complainant_name, complainant_phone, complainant_id_number, complainant_address, content, reply,"
    " replied_at, rating, rated_at, status, access_code_hash, status_reason, created_at, updated_at, review_requested"
)
CASE_VALUES = (
    "{}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, 'unsatisfied', {}, 'received', {}, '', {}, {}, {}"
)


def case_args(record: IntakeRecord, department_id: int, code_hash: str) -> list[Any]:
    now = datetime.now(UTC)
    person = record.complainant
    return [record.source_ref, record.payload_hash, record.channel, record.received_at, record.category,
            record.district, record.community, department_id, person.name, person.phone, person.id_number,
            person.address, record.content, record.reply, record.replied_at, record.rated_at, code_hash, now, now,
            record.review_requested]


async def insert_case(record: IntakeRecord, department_id: int, code_hash: str) -> int | None:
    """Insert the case and give it its number; None when the source_ref is already taken."""
    rows = await db.fetch(
        f"INSERT INTO review_case (number, {CASE_COLUMNS}) VALUES ({{}}, {CASE_VALUES})"
        " ON CONFLICT (source_ref) DO NOTHING RETURNING id",
        f"~{secrets.token_hex(12)}", *case_args(record, department_id, code_hash),
    )
    if not rows:
        return None
    case_id = rows[0]["id"]
    await db.fetch(SET_NUMBER,
                   case_number_for(case_id, record.received_at), case_id)
    return case_id


# PostgreSQL takes a case in with one statement (one round trip, atomic on its own): it draws the id,
# inserts the numbered case unless the source_ref is known, and writes the audit event. The number's
# format is case_number_for's.
INTAKE_ONE_STATEMENT = (
    "WITH nid AS (SELECT nextval(pg_get_serial_sequence('review_case', 'id')) AS id),"
    " inserted AS ("
    f"  INSERT INTO review_case (id, number, {CASE_COLUMNS})"
    "   SELECT nid.id, 'PY' || {}::text || CASE WHEN nid.id < 1000000 THEN lpad(nid.id::text, 6, '0')"
    f"   ELSE nid.id::text END, {CASE_VALUES} FROM nid"
    "   ON CONFLICT (source_ref) DO NOTHING RETURNING id),"
    f" event AS (INSERT INTO audit_event ({EVENT_COLUMNS})"
    "   SELECT inserted.id, {}, {}, {}, {}, {}, {}::json, {}::timestamptz FROM inserted)"
    " SELECT id FROM inserted"
)


async def insert_case_in_one_statement(record: IntakeRecord, department_id: int, code_hash: str, actor: Actor) -> int | None:
    event = audit.event_values(case_id=None, actor=actor.label, action=Action.intake.value,
                               to_status="received", data=record.intake_data())
    rows = await db.fetch(INTAKE_ONE_STATEMENT, str(record.received_at.year), *case_args(record, department_id, code_hash),
                          *event[1:])
    return rows[0]["id"] if rows else None




# Bulk screening (review.cases.services.screen_cases): the cases by number, and each one's move written at once.
def cases_by_number(count: int) -> str:
    return f"SELECT id, number, status FROM review_case WHERE number IN ({', '.join(['{}'] * count)}) ORDER BY id"


_SCREENED_ROW = "(CAST({} AS INTEGER), CAST({} AS TEXT), CAST({} AS TEXT))"


def set_screened(count: int) -> str:
    """The statement moving `count` cases (id, status, reason each, then the time of the change)."""
    rows = ", ".join([_SCREENED_ROW] * count)
    return (f"WITH v(id, status, reason) AS (VALUES {rows})"
            " UPDATE review_case SET status = v.status, status_reason = v.reason, updated_at = {}"
            " FROM v WHERE review_case.id = v.id")


# A case's steps for its timeline, oldest first.
CASE_EVENTS = 'SELECT at, action, actor, to_status, reason FROM audit_event WHERE audit_event."case" = {} ORDER BY id'

# The case file (review.cases.tables.CaseFileEntry).
FILE_ENTRY_BY_REF = 'SELECT id FROM case_file_entry WHERE "case" = {} AND source_ref = {}'


# --- The office's case list: its indexes (review.piccolo_app.INDEXES; a migration on PostgreSQL) -------------
# Each filter the list takes leads an index ending in the list's order (received_at, id), so a filtered page is
# one index range read backwards; the pairs of status and department serve the counts per filter.
LIST_INDEXES: list[str] = [
    "CREATE INDEX IF NOT EXISTS review_case_received ON review_case (received_at, id)",
    "CREATE INDEX IF NOT EXISTS review_case_status_received ON review_case (status, received_at, id)",
    "CREATE INDEX IF NOT EXISTS review_case_department_received ON review_case (department, received_at, id)",
    "CREATE INDEX IF NOT EXISTS review_case_district_received ON review_case (district, received_at, id)",
    "CREATE INDEX IF NOT EXISTS review_case_category_received ON review_case (category, received_at, id)",
    "CREATE INDEX IF NOT EXISTS review_case_department_status ON review_case (department, status)",
    "CREATE INDEX IF NOT EXISTS review_case_status_department ON review_case (status, department)",
    # The counts under received dates read these alone (index-only on PostgreSQL): by department under a status,
    # by status under a department.
    ("CREATE INDEX IF NOT EXISTS review_case_status_received_department"
     " ON review_case (status, received_at, department)"),
    ("CREATE INDEX IF NOT EXISTS review_case_department_received_status"
     " ON review_case (department, received_at, status)"),
]
