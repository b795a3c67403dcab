"""Idempotent writes for machines: every POST of the API may carry an `Idempotency-Key` header.

The first request with a key acts and its answer is kept (encrypted with the server key) for KEPT; the same key
with the same method, path, query and body within that time is given that answer again, marked
`Idempotent-Replayed: true`, without acting again; the same key with anything else is refused with 409, and so is
one sent while the first is still being answered. Keys belong to their caller (the account, token or API key
that sent them): two callers' equal keys never meet. An answer of 429 or 5xx, or one that streams, is not kept:
a retry acts afresh. Anonymous requests (sign-in, tracking) ignore the header: nothing is kept for them.

The guard applies this to every API POST (review.core.web.guard), so no endpoint declares it.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import re
from collections.abc import Awaitable, Callable
from datetime import timedelta

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from starlette.requests import Request
from starlette.responses import Response

from review.core import db, keys
from review.core.actors import Actor
from review.core.api import sql
from review.core.clock import now
from review.core.errors import Conflict, Invalid

HEADER = "idempotency-key"
REPLAYED = "idempotent-replayed"
KEPT = timedelta(hours=24)
_KEY = re.compile(r"^[\x21-\x7e]{1,255}$")  # printable ASCII, no spaces, as clients make them (UUIDs, ULIDs)
_KEPT_HEADERS = ("content-type", "location")


def applies(request: Request, actor: Actor) -> bool:
    """A POST of the API carrying the header, by a caller who is known."""
    return (request.method == "POST" and request.url.path.startswith("/api/") and HEADER in request.headers
            and actor.kind != "anonymous")


def _cipher() -> AESGCM:
    return AESGCM(hmac.new(keys.server_key(), b"idempotent answers", hashlib.sha256).digest())


def _sealed(status: int, headers: dict[str, str], body: bytes) -> str:
    plain = json.dumps({"status": status, "headers": headers, "body": base64.b64encode(body).decode()}).encode()
    nonce = os.urandom(12)
    return base64.b64encode(nonce + _cipher().encrypt(nonce, plain, None)).decode()


def _opened(sealed: str) -> Response:
    raw = base64.b64decode(sealed)
    kept = json.loads(_cipher().decrypt(raw[:12], raw[12:], None))
    response = Response(base64.b64decode(kept["body"]), status_code=kept["status"])
    for name, value in kept["headers"].items():
        response.headers[name] = value
    response.headers[REPLAYED] = "true"
    return response


def _scope(actor: Actor, key: str) -> str:
    return f"{actor.kind}:{actor.user_id if actor.user_id is not None else actor.username}|{key}"


async def answer(request: Request, actor: Actor, act: Callable[[], Awaitable[Response]]) -> Response:
    """The answer to an API POST with an Idempotency-Key: `act()`'s the first time, the kept one after."""
    key = request.headers[HEADER].strip()
    if not _KEY.match(key):
        raise Invalid("invalid_idempotency_key", "Idempotency-Key 应为 1 至 255 个可见 ASCII 字符（不含空格）",
                      field="Idempotency-Key")
    body = await request.body()
    fingerprint = hashlib.sha256(b"\0".join(
        [request.method.encode(), request.url.path.encode(), request.url.query.encode(), body])).hexdigest()
    scope, at = _scope(actor, key), now()
    await db.fetch(sql.FORGET_EXPIRED_KEY, scope, at - KEPT)
    if not await db.fetch(sql.CLAIM, scope, fingerprint, at):
        return await _again(scope, fingerprint)
    try:
        response = await act()
    except BaseException:
        await db.fetch(sql.RELEASE, scope)
        raise
    body_sent = getattr(response, "body", None)
    if isinstance(body_sent, bytes) and response.status_code < 500 and response.status_code != 429:
        headers = {name: response.headers[name] for name in _KEPT_HEADERS if name in response.headers}
        await db.fetch(sql.ANSWERED, response.status_code, _sealed(response.status_code, headers, body_sent), scope)
    else:
        await db.fetch(sql.RELEASE, scope)
    return response


async def _again(scope: str, fingerprint: str) -> Response:
    rows = await db.fetch(sql.CLAIMED, scope)
    if not rows:  # the first one's answer was not kept and it let go of the key just now
        raise Conflict("idempotency_in_progress", "使用同一 Idempotency-Key 的请求刚刚结束，请重试")
    row = rows[0]
    if row["fingerprint"] != fingerprint:
        raise Conflict("idempotency_key_reused", "该 Idempotency-Key 已用于另一请求（方法、地址或内容不同），请换用新的键",
                       field="Idempotency-Key")
    if row["status"] is None:
        raise Conflict("idempotency_in_progress", "使用同一 Idempotency-Key 的请求正在处理，请稍后再试")
    return _opened(row["answer"])


async def forget_expired() -> int:
    """Delete the keys older than KEPT; how many."""
    rows = await db.fetch(sql.FORGET_EXPIRED + " RETURNING id", now() - KEPT)
    return len(rows)
