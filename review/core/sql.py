"""The kernel's hand-written SQL: who is asking (sessions, tokens, API keys) and the holiday table's version."""

from __future__ import annotations

ACCOUNT_COLUMNS = "a.id, a.username, a.display_name, a.role, a.department, a.active"

SESSION = (
    f"SELECT s.csrf_token, s.expires_at, {ACCOUNT_COLUMNS} FROM login_session s"
    " JOIN account a ON a.id = s.\"user\" WHERE s.token_hash = {}"
)
TOKEN = (
    f"SELECT t.id AS token_id, t.\"case\", t.expires_at, t.last_used_at, {ACCOUNT_COLUMNS} FROM api_token t"
    " LEFT JOIN account a ON a.id = t.\"user\" WHERE t.token_hash = {}"
)
API_KEY = "SELECT name FROM api_key WHERE key_hash = {} AND active = {}"

# The holiday table changes when a year is loaded: its size and last change tell a kept calendar it is stale.
HOLIDAY_TABLE_VERSION = "SELECT COUNT(*) AS n, MAX(updated_at) AS at FROM holiday"
