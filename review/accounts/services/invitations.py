"""Logins made by the office: a new account with a one-time link to set its password, a password reset (a new
link; the old password works until the new one is set), deactivation and reactivation.

A link's token is shown once, to the office member who made it, to hand over; only its SHA-256 is kept. No
notification kind fits a login that has no password yet, so the link is not sent: the office hands it over."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from review.accounts.services import auth
from review.accounts.tables import AccountInvitation, LoginChallenge
from review.core import db, settings
from review.core.actors import OFFICE, Actor
from review.core.audit import store as audit
from review.core.errors import Conflict, Invalid, NotFound
from review.core.secrets import hash_token, new_token
from review.core.tables import Account, ApiToken, Department, LoginSession

LIFETIME = timedelta(hours=settings.INVITATION_LIFETIME_HOURS)
ROLES = {"member": "评议员", "liaison": "部门联络员", "office": "评议办公室"}
_USERNAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{2,63}$")
# No password verifies against this: a new login cannot be used until its link has set one.
NO_PASSWORD = "!unset"


def _now() -> datetime:
    return datetime.now(UTC)


def setup_path(token: str) -> str:
    return f"/account/setup/{token}"


@dataclass(frozen=True)
class Invited:
    """A link to set a password: shown once, to hand over."""

    account_id: int
    username: str
    token: str
    expires_at: datetime

    @property
    def path(self) -> str:
        return setup_path(self.token)

    @property
    def url(self) -> str:
        return settings.PUBLIC_BASE_URL.rstrip("/") + self.path


async def _department_id(code: str) -> int:
    row = await Department.select(Department.id).where(Department.code == code).first().run()
    if not row:
        raise Invalid("invalid_field", f"未知的部门代码 {code}", field="department")
    return row["id"]


async def _new_link(*, account_id: int, purpose: str, actor: Actor, at: datetime) -> tuple[str, datetime]:
    """A fresh link for the account, the earlier unused ones ending with it (inside the caller's transaction)."""
    await AccountInvitation.delete().where((AccountInvitation.account == account_id)
                                           & AccountInvitation.used_at.is_null()).run()
    token, expires = new_token(), at + LIFETIME
    await AccountInvitation.insert(AccountInvitation(
        token_hash=hash_token(token), account=account_id, purpose=purpose, created_by=actor.label,
        created_at=at, expires_at=expires)).run()
    return token, expires


async def create_account(*, actor: Actor, username: str, display_name: str, role: str,
                         department: str = "") -> Invited:
    """建立登录账号 for a roster member, a liaison or office staff: no password until its link sets one."""
    OFFICE.check(actor, "只有评议办公室可以建立账号")
    username, display_name, department = username.strip(), display_name.strip(), department.strip()
    if not _USERNAME.match(username):
        raise Invalid("invalid_field", "登录名应为 3–64 位字母、数字、点、下划线或连字符，以字母或数字开头",
                      field="username")
    if role not in ROLES:
        raise Invalid("invalid_field", "角色应为评议员（member）、部门联络员（liaison）或评议办公室（office）",
                      field="role")
    if len(display_name) > 64:
        raise Invalid("invalid_field", "姓名最多 64 个字", field="display_name")
    department_id = None
    if role == "liaison":
        if not department:
            raise Invalid("invalid_field", "部门联络员须填写所属部门代码", field="department")
        department_id = await _department_id(department)
    at = _now()
    async with db.transaction():
        if await Account.exists().where(Account.username == username).run():
            raise Conflict("username_taken", f"登录名 {username} 已被使用，请换一个", field="username")
        rows = await Account.insert(Account(
            username=username, display_name=display_name or username, role=role, department=department_id,
            password_hash=NO_PASSWORD, created_at=at)).run()
        account_id = rows[0]["id"]
        token, expires = await _new_link(account_id=account_id, purpose="setup", actor=actor, at=at)
        await audit.record(case_id=None, actor=actor.label, action="account_created",
                           data={"account": account_id, "role": role})
    return Invited(account_id=account_id, username=username, token=token, expires_at=expires)


async def _account(account_id: int) -> dict:
    row = await Account.select(Account.id, Account.username, Account.active).where(
        Account.id == account_id).first().run()
    if not row:
        raise NotFound("account_not_found", "没有这个账号")
    return row


async def reset_password(*, actor: Actor, account_id: int) -> Invited:
    """重置密码: a new link to set a password; the current one keeps working until the new one is set."""
    OFFICE.check(actor, "只有评议办公室可以重置密码")
    account = await _account(account_id)
    if not account["active"]:
        raise Conflict("account_deactivated", "该账号已停用，请先恢复再重置密码")
    async with db.transaction():
        token, expires = await _new_link(account_id=account_id, purpose="reset", actor=actor, at=_now())
        await audit.record(case_id=None, actor=actor.label, action="account_password_reset",
                           data={"account": account_id})
    return Invited(account_id=account_id, username=account["username"], token=token, expires_at=expires)


@dataclass(frozen=True)
class LinkView:
    username: str
    display_name: str
    purpose: str
    expires_at: datetime


async def _live_link(token: str, at: datetime) -> dict:
    row = await AccountInvitation.select(
        AccountInvitation.id, AccountInvitation.account, AccountInvitation.purpose, AccountInvitation.expires_at,
        AccountInvitation.used_at, AccountInvitation.account.username, AccountInvitation.account.display_name,
        AccountInvitation.account.active,
    ).where(AccountInvitation.token_hash == hash_token(token)).first().run()
    if not row or row["used_at"] is not None or not row["account.active"]:
        raise NotFound("link_invalid", "此链接无效或已使用过；请向评议办公室索取新的链接")
    if row["expires_at"] <= at:
        raise NotFound("link_expired", "此链接已过期；请向评议办公室索取新的链接")
    return row


async def link(*, token: str, now: datetime | None = None) -> LinkView:
    """What the set-password page shows for a live link; NotFound for one used, expired or unknown."""
    row = await _live_link(token, now or _now())
    return LinkView(username=row["account.username"], display_name=row["account.display_name"],
                    purpose=row["purpose"], expires_at=row["expires_at"])


async def set_password(*, token: str, password: str, confirm: str, now: datetime | None = None) -> str:
    """Set the password with a live link, once: the link ends, and so do the account's sessions and tokens
    (after a reset, whoever held the old password is signed out). Returns the username."""
    at = now or _now()
    await _live_link(token, at)
    auth.check_password(password)
    if password != confirm:
        raise Invalid("invalid_field", "两次输入的密码不一致", field="confirm")
    password_hash = await auth.password_hash_of(password)
    async with db.transaction():
        taken = await (AccountInvitation.update({AccountInvitation.used_at: at})
                       .where((AccountInvitation.token_hash == hash_token(token))
                              & AccountInvitation.used_at.is_null() & (AccountInvitation.expires_at > at))
                       .returning(AccountInvitation.account).run())
        if not taken:  # another tab used it a moment ago
            raise NotFound("link_invalid", "此链接无效或已使用过；请向评议办公室索取新的链接")
        account_id = taken[0]["account"]
        await Account.update({Account.password_hash: password_hash}).where(Account.id == account_id).run()
        await LoginSession.delete().where(LoginSession.user == account_id).run()
        await ApiToken.delete().where(ApiToken.user == account_id).run()
        await LoginChallenge.delete().where(LoginChallenge.account == account_id).run()
        row = await Account.select(Account.username).where(Account.id == account_id).first().run()
        await audit.record(case_id=None, actor=f"account:{row['username']}", action="account_password_set",
                           data={"account": account_id})
    return str(row["username"])


async def deactivate(*, actor: Actor, account_id: int) -> tuple[int, int]:
    """停用账号: the login stops working and its sessions, API tokens and unused links end at once.

    Returns (sessions ended, tokens revoked)."""
    OFFICE.check(actor, "只有评议办公室可以停用账号")
    if account_id == actor.user_id:
        raise Conflict("own_account", "不能停用自己正在使用的账号")
    account = await _account(account_id)
    async with db.transaction():
        await Account.update({Account.active: False}).where(Account.id == account_id).run()
        sessions = await LoginSession.delete().where(LoginSession.user == account_id).returning(
            LoginSession.id).run()
        tokens = await ApiToken.delete().where(ApiToken.user == account_id).returning(ApiToken.id).run()
        await AccountInvitation.delete().where((AccountInvitation.account == account_id)
                                               & AccountInvitation.used_at.is_null()).run()
        await LoginChallenge.delete().where(LoginChallenge.account == account_id).run()
        if account["active"]:
            await audit.record(case_id=None, actor=actor.label, action="account_deactivated",
                               data={"account": account_id, "sessions": len(sessions), "tokens": len(tokens)})
    return len(sessions), len(tokens)


async def reactivate(*, actor: Actor, account_id: int) -> None:
    """恢复账号: its password works again (its sessions and tokens ended with the deactivation stay ended)."""
    OFFICE.check(actor, "只有评议办公室可以恢复账号")
    account = await _account(account_id)
    if account["active"]:
        return
    async with db.transaction():
        await Account.update({Account.active: True}).where(Account.id == account_id).run()
        await audit.record(case_id=None, actor=actor.label, action="account_reactivated",
                           data={"account": account_id})

