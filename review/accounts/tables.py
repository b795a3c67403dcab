"""The accounts' own records (the `review` Piccolo app): links to set a password, recovery codes of the second
factor, and logins half-way through (the password given, the code not yet)."""

from __future__ import annotations

from piccolo.columns import ForeignKey, Integer, Serial, Timestamptz, Varchar
from piccolo.table import Table

from review.core.tables import Account


class AccountInvitation(Table):
    """设置密码链接: a one-time link for a new login or after a reset; only its token's SHA-256 is kept."""

    id = Serial(primary_key=True)
    token_hash = Varchar(length=64, unique=True)
    account = ForeignKey(references=Account, index=True)
    purpose = Varchar(length=8, help_text="setup (a new login) | reset (a password reset)")
    created_by = Varchar(length=80, help_text="The audit label of the office member who made it")
    created_at = Timestamptz()
    expires_at = Timestamptz()
    used_at = Timestamptz(null=True, default=None, help_text="Set when the password was set with it")


class RecoveryCode(Table):
    """恢复码: one of an account's ten one-time codes for when the authenticator is lost; stored hashed."""

    id = Serial(primary_key=True)
    account = ForeignKey(references=Account, index=True)
    code_hash = Varchar(length=64)
    used_at = Timestamptz(null=True, default=None)


class LoginChallenge(Table):
    """A login half-way: the password was right, the second factor (or its setup) is still due. It grants
    nothing: the guard never reads it; it only lets its cookie's holder give the code."""

    id = Serial(primary_key=True)
    token_hash = Varchar(length=64, unique=True)
    account = ForeignKey(references=Account, index=True)
    purpose = Varchar(length=8, help_text="code (give the code) | setup (set the second factor up first)")
    next_path = Varchar(length=200, default="")
    failures = Integer(default=0)
    expires_at = Timestamptz()


TABLES: list[type[Table]] = [AccountInvitation, RecoveryCode, LoginChallenge]
