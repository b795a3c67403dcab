"""The webhooks' hand-written statements: the outbox's writes and the delivery claim, which must be one
statement each so that two workers never send the same attempt."""

from __future__ import annotations

INSERT_EVENT = """
INSERT INTO webhook_event (message_id, event_type, payload, created_at) VALUES ({}, {}, {}, {}) RETURNING id
"""

SUBSCRIBED = "SELECT id, events FROM webhook_endpoint WHERE active"

INSERT_DELIVERY = """
INSERT INTO webhook_delivery (event, endpoint, status, attempts, next_attempt_at, last_error, replay, created_at)
VALUES ({}, {}, 'pending', 0, {}, '', {}, {}) RETURNING id
"""

# Taken for one attempt: only a due delivery that no one else holds.
CLAIM = """
UPDATE webhook_delivery SET status = 'sending', claimed_at = {}
WHERE id = {} AND status IN ('pending', 'retrying') AND next_attempt_at <= {}
RETURNING id, event, endpoint, attempts, replay
"""

TO_SEND = """
SELECT e.message_id, e.payload, p.url, p.active, p.secret, p.previous_secret, p.previous_until, p.failing_since
FROM webhook_event e, webhook_endpoint p WHERE e.id = {} AND p.id = {}
"""

INSERT_ATTEMPT = """
INSERT INTO webhook_attempt (delivery, endpoint, attempted_at, status_code, latency_ms, response_excerpt, error, replay)
VALUES ({}, {}, {}, {}, {}, {}, {}, {})
"""

DELIVERED = """
UPDATE webhook_delivery SET status = 'delivered', attempts = attempts + 1, last_status = {}, last_error = '',
    delivered_at = {}, claimed_at = NULL WHERE id = {}
"""

FAILED_ATTEMPT = """
UPDATE webhook_delivery SET status = {}, attempts = attempts + 1, last_status = {}, last_error = {},
    next_attempt_at = {}, claimed_at = NULL WHERE id = {}
"""

ENDPOINT_SUCCEEDED = "UPDATE webhook_endpoint SET failing_since = NULL WHERE id = {} AND failing_since IS NOT NULL"

# The first failure since the last success starts the count of days; returns it.
ENDPOINT_FAILED = """
UPDATE webhook_endpoint SET failing_since = COALESCE(failing_since, {}) WHERE id = {}
RETURNING failing_since, active
"""

DISABLE = """
UPDATE webhook_endpoint SET active = FALSE, disabled_reason = {}, updated_at = {} WHERE id = {} AND active
RETURNING id
"""

# Whatever was waiting for an endpoint that stops: given up.
DROP_WAITING = """
UPDATE webhook_delivery SET status = 'failed', last_error = {}, claimed_at = NULL
WHERE endpoint = {} AND status IN ('pending', 'retrying')
"""

# A worker that died mid-send never reported back: tried again (receivers take a webhook-id once).
STALE = """
UPDATE webhook_delivery SET status = 'retrying', claimed_at = NULL, next_attempt_at = {}
WHERE status = 'sending' AND claimed_at < {} RETURNING id
"""

DUE = """
SELECT id FROM webhook_delivery WHERE status IN ('pending', 'retrying') AND next_attempt_at <= {}
ORDER BY next_attempt_at LIMIT {}
"""

FAILING_FOR_DAYS = "SELECT id FROM webhook_endpoint WHERE active AND failing_since < {}"

FAILED_SINCE = """
SELECT DISTINCT event FROM webhook_delivery WHERE endpoint = {} AND status = 'failed' AND created_at >= {}
ORDER BY event
"""

FORGET_ATTEMPTS = "DELETE FROM webhook_attempt WHERE attempted_at < {}"
FORGET_DELIVERIES = """
DELETE FROM webhook_delivery WHERE status IN ('delivered', 'failed') AND created_at < {}
    AND id NOT IN (SELECT delivery FROM webhook_attempt)
"""
FORGET_EVENTS = """
DELETE FROM webhook_event WHERE created_at < {} AND id NOT IN (SELECT event FROM webhook_delivery)
"""

ENDPOINT_ACTIVE = "SELECT active FROM webhook_endpoint WHERE id = {}"
DELIVERY_OF = "SELECT event, endpoint FROM webhook_delivery WHERE id = {}"
ENDPOINT = "SELECT * FROM webhook_endpoint WHERE id = {}"

ENDPOINTS = """
SELECT p.id, p.url, p.description, p.events, p.active, p.disabled_reason, p.failing_since, p.previous_until,
    p.created_at,
    (SELECT COUNT(*) FROM webhook_delivery d WHERE d.endpoint = p.id AND d.status = 'failed') AS failed,
    (SELECT COUNT(*) FROM webhook_delivery d WHERE d.endpoint = p.id AND d.status IN ('pending', 'retrying', 'sending'))
        AS waiting,
    (SELECT MAX(a.attempted_at) FROM webhook_attempt a WHERE a.endpoint = p.id AND a.status_code BETWEEN 200 AND 299)
        AS last_success
FROM webhook_endpoint p ORDER BY p.id
"""

DELIVERIES = """
SELECT d.id, d.status, d.attempts, d.next_attempt_at, d.last_status, d.last_error, d.replay, d.created_at,
    d.delivered_at, e.message_id, e.event_type
FROM webhook_delivery d JOIN webhook_event e ON e.id = d.event
WHERE d.endpoint = {} AND ({} = '' OR d.status = {}) ORDER BY d.id DESC LIMIT {} OFFSET {}
"""

ATTEMPTS_OF = """
SELECT delivery, attempted_at, status_code, latency_ms, response_excerpt, error, replay
FROM webhook_attempt WHERE delivery = {} ORDER BY id
"""

DELIVERY = """
SELECT d.id, d.endpoint, d.status, d.attempts, d.next_attempt_at, d.last_status, d.last_error, d.replay,
    d.created_at, d.delivered_at, e.message_id, e.event_type, e.payload
FROM webhook_delivery d JOIN webhook_event e ON e.id = d.event WHERE d.id = {}
"""
