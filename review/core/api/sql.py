"""The idempotency keys' statements: a key is claimed by one statement, so two requests with it never both act."""

from __future__ import annotations

FORGET_EXPIRED_KEY = "DELETE FROM idempotent_request WHERE scope = {} AND created_at < {}"
CLAIM = """
INSERT INTO idempotent_request (scope, fingerprint, status, answer, created_at) VALUES ({}, {}, NULL, '', {})
ON CONFLICT (scope) DO NOTHING RETURNING id
"""
CLAIMED = "SELECT fingerprint, status, answer FROM idempotent_request WHERE scope = {}"
ANSWERED = "UPDATE idempotent_request SET status = {}, answer = {} WHERE scope = {}"
RELEASE = "DELETE FROM idempotent_request WHERE scope = {} AND status IS NULL"
FORGET_EXPIRED = "DELETE FROM idempotent_request WHERE created_at < {}"
