"""Who is asking: the actor behind a session cookie, a bearer token or an API key (read from the core tables).

Logging in, starting and ending sessions, issuing and revoking tokens live in `review.accounts.services.tokens`."""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Any

from review.core import clock, db, kept, sql
from review.core.actors import Actor
from review.core.secrets import hash_token
from review.core.tables import ApiToken

# A token's last use is written at most this often (not on every request).
LAST_USED_GRANULARITY = timedelta(minutes=1)



def actor_of(account: dict[str, Any]) -> Actor:
    """The actor an account row (id, username, display_name, role, department) acts as."""
    return Actor(
        kind=account["role"], user_id=account["id"], username=account["username"],
        display_name=account["display_name"], department_id=account["department"],
    )


async def session_actor(token: str) -> tuple[Actor, str] | None:
    """The actor and CSRF token of a live session, or None."""
    rows = await db.fetch(sql.SESSION, hash_token(token))
    if not rows or rows[0]["expires_at"] < clock.now() or not rows[0]["active"]:
        return None
    return actor_of(rows[0]), rows[0]["csrf_token"]


async def token_actor(token: str) -> Actor | None:
    """The actor of a live bearer token (a person's, or a complainant's scoped to their case), or None."""
    rows = await db.fetch(sql.TOKEN, hash_token(token))
    now = clock.now()
    if not rows or rows[0]["expires_at"] < now:
        return None
    row = rows[0]
    if row["last_used_at"] is None or row["last_used_at"] < now - LAST_USED_GRANULARITY:
        await ApiToken.update({ApiToken.last_used_at: now}).where(ApiToken.id == row["token_id"]).run()
    if row["case"] is not None:
        return Actor(kind="complainant", case_id=row["case"])
    return actor_of(row) if row["active"] else None


# Every intake call presents the key: remember answers briefly (a revoked key stops within this time).
API_KEY_TTL = 10.0
_api_keys: dict[str, tuple[Actor | None, float]] = {}


@kept.forgettable
def forget_api_keys() -> None:
    _api_keys.clear()


async def api_key_actor(key: str) -> Actor | None:
    """The hotline actor of an active API key, or None (answers kept for API_KEY_TTL seconds)."""
    digest = hash_token(key)
    cached = _api_keys.get(digest)
    if cached and cached[1] > time.monotonic():
        return cached[0]
    rows = await db.fetch(sql.API_KEY, digest, True)
    actor = Actor(kind="hotline", username=rows[0]["name"]) if rows else None
    if len(_api_keys) > 10_000:
        _api_keys.clear()
    _api_keys[digest] = (actor, time.monotonic() + API_KEY_TTL)
    return actor
