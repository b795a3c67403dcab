"""Logging in, in one or two steps: the password, then — for an account with TOTP on — its code, or — for an
office account when OFFICE_TOTP_REQUIRED is set and it has none — setting TOTP up before anything else.

Between the steps the browser holds a challenge token (its own cookie, never a session): it lets its holder
give the code and nothing more. The API's token login takes the code in the same request."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from review.accounts.services import auth, totp
from review.accounts.tables import LoginChallenge
from review.core import settings
from review.core.actors import Actor
from review.core.errors import Forbidden, Unauthorized
from review.core.identity import actor_of
from review.core.secrets import hash_token, new_token
from review.core.tables import Account

CHALLENGE_LIFETIME = timedelta(minutes=10)
# Wrong codes one challenge takes before it ends and the password is asked again.
CHALLENGE_FAILURES = 5


def _now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class Challenge:
    """The password was right; `purpose` is due next: `code` (give it) or `setup` (set TOTP up first)."""

    token: str
    purpose: str


def setup_required(account: dict) -> bool:
    return settings.OFFICE_TOTP_REQUIRED and account["role"] == "office" and account["totp_enabled_at"] is None


async def _row(user_id: int | None) -> dict:
    row = await Account.select().where(Account.id == user_id).first().run()
    if not row:
        raise Unauthorized("invalid_credentials", "用户名或密码错误")
    return row


async def web_log_in(*, username: str, password: str, client: str, next_path: str = "") -> Actor | Challenge:
    """The password step: the actor when it is all that is due, else the challenge for the next step."""
    actor = await auth.log_in(username=username, password=password, client=client)
    account = await _row(actor.user_id)
    purpose = "code" if account["totp_enabled_at"] is not None else "setup" if setup_required(account) else ""
    if not purpose:
        await auth.record_login(actor.user_id)
        return actor
    token = new_token()
    await LoginChallenge.delete().where(LoginChallenge.account == actor.user_id).run()
    await LoginChallenge.insert(LoginChallenge(token_hash=hash_token(token), account=actor.user_id,
                                               purpose=purpose, next_path=next_path[:200],
                                               expires_at=_now() + CHALLENGE_LIFETIME)).run()
    if purpose == "setup":
        await totp.begin(user_id=actor.user_id)  # type: ignore[arg-type]
    return Challenge(token=token, purpose=purpose)


@dataclass(frozen=True)
class Pending:
    id: int
    account_id: int
    username: str
    purpose: str
    next_path: str


async def pending(token: str) -> Pending:
    """The live challenge of a token; Unauthorized (log in again) for none, or one expired."""
    row = await LoginChallenge.select(
        LoginChallenge.id, LoginChallenge.account, LoginChallenge.purpose, LoginChallenge.next_path,
        LoginChallenge.expires_at, LoginChallenge.account.username, LoginChallenge.account.active,
    ).where(LoginChallenge.token_hash == hash_token(token or "-")).first().run()
    if not row or row["expires_at"] <= _now() or not row["account.active"]:
        raise Unauthorized("login_again", "登录已超时，请重新输入用户名和密码")
    return Pending(id=row["id"], account_id=row["account"], username=row["account.username"],
                   purpose=row["purpose"], next_path=row["next_path"])


async def _failed(challenge: Pending) -> None:
    rows = await (LoginChallenge.update({LoginChallenge.failures: LoginChallenge.failures + 1})
                  .where(LoginChallenge.id == challenge.id).returning(LoginChallenge.failures).run())
    if rows and rows[0]["failures"] >= CHALLENGE_FAILURES:
        await LoginChallenge.delete().where(LoginChallenge.id == challenge.id).run()


async def _finish(challenge: Pending) -> Actor:
    await LoginChallenge.delete().where(LoginChallenge.id == challenge.id).run()
    await auth.record_login(challenge.account_id)
    return actor_of(await _row(challenge.account_id))


async def give_code(*, token: str, code: str, client: str) -> tuple[Actor, str]:
    """The second step: a right code (or recovery code) ends the challenge; returns (actor, next path)."""
    challenge = await pending(token)
    if challenge.purpose != "code":
        raise Unauthorized("login_again", "登录已超时，请重新输入用户名和密码")
    try:
        await totp.verify_login_code(user_id=challenge.account_id, actor_label=f"account:{challenge.username}",
                                     code=code, client=client)
    except Unauthorized:
        await _failed(challenge)
        raise
    return await _finish(challenge), challenge.next_path


async def finish_setup(*, token: str, code: str, client: str) -> tuple[Actor, list[str], str]:
    """The required setup's step: the first right code turns TOTP on; returns (actor, recovery codes, next)."""
    challenge = await pending(token)
    if challenge.purpose != "setup":
        raise Unauthorized("login_again", "登录已超时，请重新输入用户名和密码")
    row = await _row(challenge.account_id)
    try:
        codes = await totp.confirm(actor=actor_of(row), user_id=challenge.account_id, code=code, client=client)
    except Unauthorized:
        await _failed(challenge)
        raise
    return await _finish(challenge), codes, challenge.next_path


async def api_log_in(*, username: str, password: str, code: str | None, client: str) -> Actor:
    """The API's token login: the password and, for an account with TOTP on, its code in the same request."""
    actor = await auth.log_in(username=username, password=password, client=client)
    account = await _row(actor.user_id)
    if account["totp_enabled_at"] is not None:
        if not (code or "").strip():
            raise Unauthorized("totp_required", "此账号已启用两步验证，请在 totp 字段填写验证器显示的验证码",
                               field="totp")
        await totp.verify_login_code(user_id=account["id"], actor_label=actor.label, code=code or "",
                                     client=client)
    elif setup_required(account):
        raise Forbidden("totp_setup_required", "评议办公室账号须先在网页登录并设置两步验证，才能使用 API")
    await auth.record_login(actor.user_id)
    return actor
