"""The selection's hand-written SQL: the screening queue, the complainants' keys, a proposal's decisions read
with filters and counted per department, and what verification reads of the audit chain."""

from __future__ import annotations

# The screening queue up to a moment: every case waiting for screening taken in before it (its intake, or a
# complainant's request to review it anyway), in number order.
CANDIDATES = (
    "SELECT c.id, c.number, c.category, c.received_at, c.replied_at, c.review_requested, c.department,"
    " d.code AS department_code, d.name AS department_name, k.key"
    " FROM review_case c JOIN department d ON d.id = c.department"
    ' LEFT JOIN selection_complainant_key k ON k."case" = c.id'
    " WHERE c.status = 'received' AND c.created_at < {} ORDER BY c.number"
)
QUEUE = "SELECT c.created_at, c.review_requested FROM review_case c WHERE c.status = 'received'"

# Cases whose complainant key is missing or made under another key: the queue up to the moment, and every case
# received in the window around it or replied to since its start (the cases a repeated dispute may pair with).
UNKEYED = (
    "SELECT c.id, c.complainant_phone FROM review_case c"
    ' LEFT JOIN selection_complainant_key k ON k."case" = c.id'
    " WHERE (k.id IS NULL OR k.key_id <> {})"
    " AND ((c.status = 'received' AND c.created_at < {}) OR (c.received_at >= {} AND c.received_at <= {})"
    " OR c.replied_at >= {})"
)


def upsert_keys(count: int) -> str:
    """Write `count` keys (case, key, key id each), replacing those made under another key."""
    rows = ", ".join(["({}, {}, {})"] * count)
    return (f'INSERT INTO selection_complainant_key ("case", key, key_id) VALUES {rows}'
            ' ON CONFLICT ("case") DO UPDATE SET key = excluded.key, key_id = excluded.key_id')


# Every case sharing a complainant key with a case in the queue up to the moment (those cases included).
SAME_COMPLAINANT = (
    'SELECT o."case" AS case_id, o.key, c.department, c.received_at, c.replied_at'
    ' FROM selection_complainant_key o JOIN review_case c ON c.id = o."case"'
    " WHERE o.key IN (SELECT k.key FROM selection_complainant_key k"
    '   JOIN review_case q ON q.id = k."case"'
    "   WHERE q.status = 'received' AND q.created_at < {} AND k.key <> '')"
)

OPEN_SELECTION = "SELECT id, status FROM selection WHERE status IN ('proposed', 'applying') ORDER BY id"

_FINAL = "COALESCE(s.adjusted, s.proposed)"
_FROM = (
    ' FROM selection_decision s JOIN review_case c ON c.id = s."case"'
    " JOIN department d ON d.id = c.department WHERE s.selection = {}"
)

PER_DEPARTMENT = (
    "SELECT d.code, d.name, COUNT(*) AS total,"
    " SUM(CASE WHEN s.proposed THEN 1 ELSE 0 END) AS proposed,"
    f" SUM(CASE WHEN {_FINAL} THEN 1 ELSE 0 END) AS selected,"
    " SUM(CASE WHEN s.adjusted IS NOT NULL THEN 1 ELSE 0 END) AS adjusted,"
    " SUM(CASE WHEN s.outcome = 'skipped' THEN 1 ELSE 0 END) AS skipped"
    f"{_FROM} GROUP BY d.code, d.name ORDER BY d.code"
)
PER_RULE = f"SELECT s.rule, COUNT(*) AS n{_FROM} GROUP BY s.rule"
CATEGORIES = f"SELECT DISTINCT c.category{_FROM} ORDER BY c.category"

_DECISION_COLUMNS = (
    "SELECT s.id, c.id AS case_id, c.number, d.code AS department_code, d.name AS department_name, c.category,"
    " c.received_at, s.proposed, s.rule, s.reason, s.adjusted, s.adjust_reason, s.adjusted_by, s.outcome, s.note,"
    f" s.applied_at, {_FINAL} AS selected"
)


def decisions(*, department: bool, category: bool, selected: bool, rule: bool, adjusted: bool, after: bool,
              limit: bool) -> str:
    """A proposal's decisions in id order, narrowed by the filters given (each `True` adds one argument, in the
    order of the keywords)."""
    sql = _DECISION_COLUMNS + _FROM
    if department:
        sql += " AND d.code = {}"
    if category:
        sql += " AND c.category = {}"
    if selected:
        sql += f" AND {_FINAL} = {{}}"
    if rule:
        sql += " AND s.rule = {}"
    if adjusted:
        sql += " AND s.adjusted IS NOT NULL"
    if after:
        sql += " AND s.id > {}"
    sql += " ORDER BY s.id"
    if limit:
        sql += " LIMIT {}"
    return sql


def insert_decisions(count: int) -> str:
    """Write `count` decisions (selection, case, proposed, rule, reason each)."""
    rows = ", ".join(["({}, {}, {}, {}, {})"] * count)
    return f'INSERT INTO selection_decision (selection, "case", proposed, rule, reason) VALUES {rows}'


DECISION_BY_NUMBER = _DECISION_COLUMNS + _FROM + " AND c.number = {}"

# What applying has left to do, in id order.
PENDING = (
    "SELECT s.id, c.number, s.proposed, s.adjusted, s.reason, s.adjust_reason, s.rule"
    ' FROM selection_decision s JOIN review_case c ON c.id = s."case"'
    " WHERE s.selection = {} AND s.applied_at IS NULL ORDER BY s.id"
)


def mark_applied(count: int) -> str:
    """Mark `count` decisions applied with one outcome (the time, the outcome, then the ids)."""
    marks = ", ".join(["{}"] * count)
    return f"UPDATE selection_decision SET applied_at = {{}}, outcome = {{}} WHERE id IN ({marks})"


MARK_SKIPPED = "UPDATE selection_decision SET applied_at = {}, outcome = 'skipped', note = {} WHERE id = {}"

# Verification: the platform's selection events, and the case events applying wrote.
SELECTION_EVENTS = (
    "SELECT id, action, data FROM audit_event WHERE \"case\" IS NULL AND action IN"
    " ('draw_seed_committed', 'selection_drawn', 'selection_adjusted', 'selection_apply_requested',"
    " 'selection_applied', 'selection_discarded') ORDER BY id"
)
CASE_OUTCOME_EVENTS = (
    'SELECT e.id, c.number, e.action, e.reason, e.data FROM audit_event e JOIN review_case c ON c.id = e."case"'
    ' JOIN selection_decision s ON s."case" = e."case"'
    " WHERE s.selection = {} AND e.action IN ('accept', 'not_select') ORDER BY e.id"
)

SELECTION_BY_ID = "SELECT * FROM selection WHERE id = {}"
RECENT = "SELECT * FROM selection ORDER BY id DESC LIMIT {}"
FINAL_COUNTS = (
    "SELECT COALESCE(SUM(CASE WHEN COALESCE(adjusted, proposed) THEN 1 ELSE 0 END), 0) AS selected,"
    " COALESCE(SUM(CASE WHEN adjusted IS NOT NULL THEN 1 ELSE 0 END), 0) AS adjusted"
    " FROM selection_decision WHERE selection = {}"
)
OUTCOMES = "SELECT outcome, COUNT(*) AS n FROM selection_decision WHERE selection = {} GROUP BY outcome"
ADD_DONE = "UPDATE selection SET done = done + {} WHERE id = {}"
CASE_NUMBER = "SELECT number FROM review_case WHERE id = {}"
