"""两步验证: a TOTP secret per account (pyotp, RFC 6238), set up by scanning a QR code and confirming a code, with
ten one-time recovery codes; turning it off takes a current code.

The secret is kept in the account row as is (base32): it is shown only while it is being set up, never
logged, never in an answer after that. A code is accepted once: the step it belongs to must be later than the
last accepted one."""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime

import pyotp
import segno

from review.accounts.tables import RecoveryCode
from review.core import db, ratelimit, settings
from review.core.actors import Actor
from review.core.audit import store as audit
from review.core.errors import Conflict, Invalid, Unauthorized
from review.core.secrets import ALPHABET, hash_code, normalise
from review.core.tables import Account

ISSUER = "第三方评议平台"
RECOVERY_CODES = 10
RECOVERY_LENGTH = 10  # characters of a recovery code, told apart from a 6-digit code by length
# Wrong codes: refused per client and slowed per account like wrong passwords, counted apart from them.
CODES = ratelimit.Throttle("totp", settings.LOGIN_FAILURES_PER_CLIENT, settings.LOGIN_FAILURES_PER_ACCOUNT)


def _now() -> datetime:
    return datetime.now(UTC)


def _digits(code: str) -> str:
    return "".join(ch for ch in code if ch.isdigit())


def matching_step(secret: str, code: str, *, at: datetime | None = None) -> int | None:
    """The 30-second step (now, or one either side for a slow clock) whose code is `code`, or None."""
    code = _digits(code)
    if len(code) != 6:
        return None
    totp = pyotp.TOTP(secret)
    moment = at or _now()
    for drift in (0, -1, 1):
        step = totp.timecode(moment) + drift
        if hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


@dataclass(frozen=True)
class Setup:
    """What the setup page shows while the secret waits for its first code."""

    secret: str  # for typing in by hand, grouped by four
    qr_svg: str  # the otpauth:// URI as an inline SVG QR code, drawn here (nothing fetched)


@dataclass(frozen=True)
class Status:
    enabled: bool
    enabled_at: datetime | None
    pending: bool  # a secret waits for its first code
    recovery_left: int


async def _account(user_id: int | None) -> dict:
    row = await Account.select().where(Account.id == user_id).first().run()
    if not row:
        raise Unauthorized("unauthorized", "请先登录")
    return row


async def status(*, actor: Actor) -> Status:
    row = await _account(actor.user_id)
    left = await RecoveryCode.count().where((RecoveryCode.account == actor.user_id)
                                            & RecoveryCode.used_at.is_null()).run()
    return Status(enabled=row["totp_enabled_at"] is not None, enabled_at=row["totp_enabled_at"],
                  pending=row["totp_secret"] is not None and row["totp_enabled_at"] is None, recovery_left=left)


def otpauth_uri(secret: str, username: str) -> str:
    """What an authenticator app scans: the secret, the account and the issuer."""
    return pyotp.TOTP(secret).provisioning_uri(name=username, issuer_name=ISSUER)


def _setup_of(secret: str, username: str) -> Setup:
    uri = otpauth_uri(secret, username)
    svg = segno.make(uri, error="m").svg_inline(scale=4, dark="#000", light="#fff")
    return Setup(secret=" ".join(secret[i:i + 4] for i in range(0, len(secret), 4)), qr_svg=svg)


async def begin(*, user_id: int) -> Setup:
    """A new secret waiting for its first code (replacing one that waited); refused while TOTP is on."""
    row = await _account(user_id)
    if row["totp_enabled_at"] is not None:
        raise Conflict("totp_enabled", "两步验证已启用；如需更换，请先用验证码关闭后重新设置")
    secret = pyotp.random_base32()
    await Account.update({Account.totp_secret: secret, Account.totp_last_step: 0}).where(
        Account.id == user_id).run()
    return _setup_of(secret, row["username"])


async def pending_setup(*, user_id: int) -> Setup | None:
    """The secret that waits for its first code, drawn again (the setup page reloaded), or None."""
    row = await _account(user_id)
    if row["totp_secret"] is None or row["totp_enabled_at"] is not None:
        return None
    return _setup_of(row["totp_secret"], row["username"])


def _new_recovery_code() -> str:
    raw = "".join(secrets.choice(ALPHABET) for _ in range(RECOVERY_LENGTH))  # 50 bits, one use each
    return f"{raw[:5]}-{raw[5:]}"


async def _check_code(*, user_id: int, code: str, client: str, pending: bool = False) -> int:
    """The step of a right code for the account's secret, under the throttle; Unauthorized otherwise."""
    async def check() -> int:
        row = await _account(user_id)
        secret = row["totp_secret"]
        if secret is None or (row["totp_enabled_at"] is None) != pending:
            raise Unauthorized("invalid_totp", "验证码错误或已过期，请输入验证器当前显示的 6 位数字", field="totp")
        step = matching_step(secret, code)
        if step is None or step <= row["totp_last_step"]:
            raise Unauthorized("invalid_totp", "验证码错误或已过期，请输入验证器当前显示的 6 位数字", field="totp")
        return step

    return await CODES.attempt(check, client=client, subject=f"account:{user_id}")


async def confirm(*, actor: Actor, user_id: int, code: str, client: str) -> list[str]:
    """Turn TOTP on with the first right code for the waiting secret: returns the ten recovery codes (shown
    once; only their hashes are kept)."""
    if not _digits(code):
        raise Invalid("invalid_field", "请填写验证器显示的 6 位验证码", field="totp")
    step = await _check_code(user_id=user_id, code=code, client=client, pending=True)
    codes = [_new_recovery_code() for _ in range(RECOVERY_CODES)]
    async with db.transaction():
        done = await (Account.update({Account.totp_enabled_at: _now(), Account.totp_last_step: step})
                      .where((Account.id == user_id) & Account.totp_enabled_at.is_null()
                             & Account.totp_secret.is_not_null())
                      .returning(Account.id).run())
        if not done:
            raise Conflict("totp_enabled", "两步验证已启用")
        await RecoveryCode.delete().where(RecoveryCode.account == user_id).run()
        await RecoveryCode.insert(*[RecoveryCode(account=user_id, code_hash=hash_code(c)) for c in codes]).run()
        await audit.record(case_id=None, actor=actor.label, action="totp_enabled", data={"account": user_id})
    return codes


async def disable(*, actor: Actor, code: str, client: str) -> None:
    """Turn TOTP off: only with a current code from the authenticator."""
    user_id = actor.user_id
    assert user_id is not None
    row = await _account(user_id)
    if row["totp_enabled_at"] is None:
        raise Conflict("totp_disabled", "两步验证未启用")
    if not _digits(code):
        raise Invalid("invalid_field", "请填写验证器显示的 6 位验证码", field="totp")
    await _check_code(user_id=user_id, code=code, client=client)
    async with db.transaction():
        await Account.update({Account.totp_secret: None, Account.totp_enabled_at: None,
                              Account.totp_last_step: 0}).where(Account.id == user_id).run()
        await RecoveryCode.delete().where(RecoveryCode.account == user_id).run()
        await audit.record(case_id=None, actor=actor.label, action="totp_disabled", data={"account": user_id})


async def verify_login_code(*, user_id: int, actor_label: str, code: str, client: str) -> None:
    """A login's second step: a current code (used once) or an unused recovery code (then spent)."""
    if not code.strip():
        raise Invalid("invalid_field", "请填写验证器显示的 6 位验证码或一个恢复码", field="totp")
    if len(normalise(code)) == RECOVERY_LENGTH:
        await CODES.attempt(lambda: _spend_recovery_code(user_id, actor_label, code), client=client,
                            subject=f"account:{user_id}")
        return
    step = await _check_code(user_id=user_id, code=code, client=client)
    # Accepted once: a second login with the same code (seen over a shoulder) finds the step used.
    taken = await (Account.update({Account.totp_last_step: step})
                   .where((Account.id == user_id) & (Account.totp_last_step < step)).returning(Account.id).run())
    if not taken:
        raise Unauthorized("invalid_totp", "验证码已使用过，请等待验证器显示下一个验证码", field="totp")


async def _spend_recovery_code(user_id: int, actor_label: str, code: str) -> None:
    async with db.transaction():
        spent = await (RecoveryCode.update({RecoveryCode.used_at: _now()})
                       .where((RecoveryCode.account == user_id) & (RecoveryCode.code_hash == hash_code(code))
                              & RecoveryCode.used_at.is_null())
                       .returning(RecoveryCode.id).run())
        if not spent:
            raise Unauthorized("invalid_totp", "恢复码错误或已使用过", field="totp")
        await audit.record(case_id=None, actor=actor_label, action="recovery_code_used",
                           data={"account": user_id})
