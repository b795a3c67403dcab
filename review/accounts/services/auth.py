"""Logins, server-side sessions, bearer tokens and API keys: their creation and ending.

Who a cookie, token or key stands for is read by `review.core.identity`."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from review.core import priority, ratelimit, settings
from review.core.actors import Actor
from review.core.enums import Role
from review.core.errors import Conflict, Forbidden, Invalid, RateLimited, Unauthorized
from review.core.identity import actor_of
from review.core.secrets import hash_token, new_token
from review.core.tables import Account, ApiKey, ApiToken, LoginSession

SESSION_LIFETIME = timedelta(hours=settings.SESSION_LIFETIME_HOURS)
TOKEN_LIFETIME = timedelta(hours=settings.API_TOKEN_LIFETIME_HOURS)
COMPLAINANT_TOKEN_LIFETIME = timedelta(hours=settings.TRACK_TOKEN_LIFETIME_HOURS)

_hasher = PasswordHasher()  # argon2id with the library's current recommended parameters
# Verifying against this keeps an unknown username as slow as a wrong password.
T = TypeVar("T")
_DUMMY_HASH = _hasher.hash("unused-password-for-timing")
# Argon2 takes tens of milliseconds of CPU and memory: it runs on these threads, never on the event loop, and
# no more of it at once than there are threads (further logins wait their turn). On Linux the threads also run
# at a lower CPU priority (BACKGROUND_NICE), so that a flood of wrong passwords slows logins, not pages.
_hashing = ThreadPoolExecutor(max_workers=settings.PASSWORD_HASH_THREADS, thread_name_prefix="password-hash",
                              initializer=priority.lower)


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def _password_matches(stored_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(stored_hash, password)
    except (VerificationError, InvalidHashError):
        return False


_waiting = 0  # password checks queued or running in this process


async def _off_loop(fn: Callable[..., T], *args: Any) -> T:
    global _waiting
    if _waiting >= settings.PASSWORD_HASH_QUEUE:
        raise RateLimited("login_busy", "登录请求过多，请稍后再试", retry_after=1)
    _waiting += 1
    try:
        return await asyncio.get_running_loop().run_in_executor(_hashing, fn, *args)
    finally:
        _waiting -= 1


def _now() -> datetime:
    return datetime.now(UTC)


def check_password(password: str) -> None:
    """A password the platform takes: at least 8 characters."""
    if len(password) < 8:
        raise Invalid("invalid_field", "密码至少 8 位", field="password")


async def password_hash_of(password: str) -> str:
    """The argon2 hash of `password`, computed off the event loop."""
    return await _off_loop(hash_password, password)


async def record_login(user_id: int | None) -> None:
    """The account's last login is now (the password, and the code where one is due, were right)."""
    await Account.update({Account.last_login_at: _now()}).where(Account.id == user_id).run()


async def create_account(
    *, username: str, password: str, role: str, display_name: str = "", department_id: int | None = None
) -> int:
    """Create a login (`review createuser`, demo seeding)."""
    if role not in {r.value for r in Role}:
        raise Invalid("invalid_field", "角色应为 office、member 或 liaison", field="role")
    check_password(password)
    if role == "liaison" and department_id is None:
        raise Invalid("invalid_field", "部门联络员须指定部门", field="department")
    if await Account.exists().where(Account.username == username).run():
        raise Conflict("username_taken", f"登录名 {username} 已被使用，请换一个")
    password_hash = await _off_loop(hash_password, password)
    rows = await Account.insert(
        Account(
            username=username, display_name=display_name or username, role=role,
            department=department_id, password_hash=password_hash, created_at=_now(),
        )
    ).run()
    return rows[0]["id"]


async def authenticate(username: str, password: str) -> Actor:
    """The actor for a correct username and password; Unauthorized otherwise (same answer either way)."""
    account = await Account.select().where(Account.username == username).first().run()
    if not await _off_loop(_password_matches, account["password_hash"] if account else _DUMMY_HASH, password):
        account = None
    if not account:
        raise Unauthorized("invalid_credentials", "用户名或密码错误")
    if not account["active"]:  # told only to whoever knows the password
        raise Forbidden("account_deactivated", "该账号已停用，不能登录；如需恢复，请联系评议办公室")
    return actor_of(account)


async def log_in(*, username: str, password: str, client: str) -> Actor:
    """`authenticate` under the password throttle: failures refused per client, slowed per account."""
    return await ratelimit.PASSWORDS.attempt(lambda: authenticate(username, password), client=client,
                                             subject=username)


async def start_session(actor: Actor) -> tuple[str, str]:
    """A new web session for a logged-in actor: (session token, CSRF token)."""
    token, csrf = new_token(), new_token()
    await LoginSession.insert(
        LoginSession(token_hash=hash_token(token), user=actor.user_id, csrf_token=csrf,
                     expires_at=_now() + SESSION_LIFETIME)
    ).run()
    return token, csrf


async def end_session(token: str) -> None:
    await LoginSession.delete().where(LoginSession.token_hash == hash_token(token)).run()


async def issue_token(actor: Actor, *, client: str = "") -> str:
    """A bearer token for the API: a person's, or a complainant's scoped to their case.

    `client` names who holds it on the token list (the label the client gave, else its User-Agent)."""
    token = new_token()
    lifetime = COMPLAINANT_TOKEN_LIFETIME if actor.kind == "complainant" else TOKEN_LIFETIME
    now = _now()
    await ApiToken.insert(
        ApiToken(token_hash=hash_token(token), user=actor.user_id, case=actor.case_id, expires_at=now + lifetime,
                 created_at=now, client=client.strip()[:120])
    ).run()
    return token


async def revoke_token(token: str) -> None:
    await ApiToken.delete().where(ApiToken.token_hash == hash_token(token)).run()


async def create_api_key(*, name: str, key: str | None = None) -> str:
    key = key or new_token()
    await ApiKey.insert(ApiKey(name=name, key_hash=hash_token(key))).run()
    return key
