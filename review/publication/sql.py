"""Publication's hand-written SQL: what a case's publication depends on, and the fast paths of the sweep."""

from __future__ import annotations

# Everything publication needs of one case in one row: the case and its complainant's identifiers (for the
# masking and the gate), the department, the ruling in force and its criteria set, the newest verdict, the
# complainant's latest answer, the hold, the published row, whether it was ever settled in mediation.
CASE_STANDING = (
    "SELECT c.id, c.number, c.status, c.category, c.district, c.content, c.reply, c.department,"
    " c.complainant_name, c.complainant_phone, c.complainant_id_number, c.complainant_address,"
    " d.name AS department_name,"
    " r.id AS ruling_id, r.total, r.grade, r.reasoning, r.per_criterion,"
    " s.name AS criteria_name, s.version AS criteria_version, s.content_hash AS criteria_hash, s.id AS criteria_set,"
    " v.id AS verdict_id, v.number AS verdict_number, v.code AS verdict_code, v.status AS verdict_status,"
    " v.public_sha256, v.issued_on,"
    " (SELECT a.answer FROM publication_consent a WHERE a.\"case\" = c.id ORDER BY a.id DESC LIMIT 1) AS consent,"
    " (SELECT h.reason FROM publication_hold h WHERE h.\"case\" = c.id) AS hold_reason,"
    " p.id AS published_id, p.status AS published_status, p.verdict_id AS published_verdict,"
    " (c.status = 'settled' OR EXISTS (SELECT 1 FROM audit_event e WHERE e.\"case\" = c.id"
    " AND e.to_status = 'settled')) AS settled"
    " FROM review_case c JOIN department d ON d.id = c.department"
    " LEFT JOIN ruling r ON r.\"case\" = c.id AND r.status = 'in_force'"
    " LEFT JOIN criteria_set s ON s.id = r.criteria_set"
    " LEFT JOIN verdict v ON v.id = (SELECT MAX(w.id) FROM verdict w WHERE w.\"case\" = c.id)"
    " LEFT JOIN published_ruling p ON p.\"case\" = c.id"
)
STANDING_OF_CASE = CASE_STANDING + " WHERE c.id = {}"
STANDING_OF_NUMBER = CASE_STANDING + " WHERE c.number = {}"

CRITERIA_OF_SET = (
    "SELECT criteria_set, code, name, weight, scale_max FROM criterion WHERE criteria_set = {} ORDER BY position"
)

CASE_OF_VERDICT = "SELECT \"case\" AS case_id FROM verdict WHERE id = {}"

# Cases whose publication may have to change, read from the consents and the published rows (never the whole
# case table): a latest answer of yes with a valid verdict and nothing out (a withdrawn verdict's correction
# included), or a published ruling whose verdict is no longer the newest valid one. The sweep brings each into
# step.
OUT_OF_STEP = (
    "SELECT a.\"case\" AS id FROM publication_consent a"
    " WHERE a.answer = 'granted'"
    " AND a.id = (SELECT MAX(b.id) FROM publication_consent b WHERE b.\"case\" = a.\"case\")"
    " AND NOT EXISTS (SELECT 1 FROM published_ruling p WHERE p.\"case\" = a.\"case\" AND p.status = 'published')"
    " AND EXISTS (SELECT 1 FROM verdict v WHERE v.\"case\" = a.\"case\" AND v.status = 'valid'"
    " AND v.public_sha256 <> '')"
    " AND NOT EXISTS (SELECT 1 FROM publication_hold h WHERE h.\"case\" = a.\"case\")"
    " AND NOT EXISTS (SELECT 1 FROM leak_stop l WHERE l.\"case\" = a.\"case\" AND l.cleared_at IS NULL)"
    " UNION SELECT p.\"case\" AS id FROM published_ruling p WHERE p.status = 'published'"
    " AND (p.verdict_id <> (SELECT MAX(w.id) FROM verdict w WHERE w.\"case\" = p.\"case\")"
    " OR NOT EXISTS (SELECT 1 FROM verdict v WHERE v.id = p.verdict_id AND v.status = 'valid'))"
    " ORDER BY id LIMIT {}"
)

OPEN_STOP = (
    "SELECT id FROM leak_stop WHERE COALESCE(\"case\", 0) = {} AND output = {} AND subject = {}"
    " AND cleared_at IS NULL"
)

LOCK_CASE = "SELECT id FROM review_case WHERE id = {}"

PUBLISHED_OF_ID = "SELECT \"case\" AS case_id, verdict_number FROM published_ruling WHERE id = {}"

CASE_IDENTIFIERS = (
    "SELECT number, complainant_name, complainant_phone, complainant_id_number, complainant_address"
    " FROM review_case WHERE id = {}"
)

PUBLISHED_OF_CASE = "SELECT id FROM published_ruling WHERE \"case\" = {}"

OPEN_STOPS_OF_CASE = (
    "SELECT output, subject, hits, stopped_at FROM leak_stop WHERE \"case\" = {} AND cleared_at IS NULL ORDER BY id"
)
