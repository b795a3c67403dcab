"""The office's list of logins: role, whether active, last login, second factor (never a secret)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from review.core.errors import Invalid, NotFound
from review.core.tables import Account

PAGE = 50
ROLE_FILTER = {"office", "member", "liaison"}
ACTIVE_FILTER = {"yes": True, "no": False}


@dataclass(frozen=True)
class AccountRow:
    id: int
    username: str
    display_name: str
    role: str
    department: str
    active: bool
    created_at: datetime
    last_login_at: datetime | None
    totp: bool

    def as_json(self) -> dict[str, object]:
        return {"id": self.id, "username": self.username, "display_name": self.display_name, "role": self.role,
                "department": self.department or None, "active": self.active,
                "created_at": self.created_at.isoformat(),
                "last_login_at": self.last_login_at.isoformat() if self.last_login_at else None,
                "totp": self.totp}


@dataclass(frozen=True)
class AccountPage:
    items: list[AccountRow]
    total: int
    page: int
    pages: int


_COLUMNS = (Account.id, Account.username, Account.display_name, Account.role, Account.department.code,
            Account.active, Account.created_at, Account.last_login_at, Account.totp_enabled_at)


def _row(r: dict) -> AccountRow:
    return AccountRow(id=r["id"], username=r["username"], display_name=r["display_name"], role=r["role"],
                      department=r["department.code"] or "", active=bool(r["active"]), created_at=r["created_at"],
                      last_login_at=r["last_login_at"], totp=r["totp_enabled_at"] is not None)


async def accounts(*, role: str = "", active: str = "", page: int = 1) -> AccountPage:
    """One page of logins, by username, filtered by role and by whether active."""
    where = []
    if role:
        if role not in ROLE_FILTER:
            raise Invalid("invalid_field", "角色筛选应为 office、member 或 liaison", field="role")
        where.append(Account.role == role)
    if active:
        if active not in ACTIVE_FILTER:
            raise Invalid("invalid_field", "状态筛选应为 yes（启用）或 no（已停用）", field="active")
        where.append(Account.active == ACTIVE_FILTER[active])
    if page < 1:
        raise Invalid("invalid_field", "页码应为正整数", field="page")
    query = Account.select(*_COLUMNS).order_by(Account.username)
    count = Account.count()
    for condition in where:
        query, count = query.where(condition), count.where(condition)
    total = await count.run()
    rows = await query.limit(PAGE).offset((page - 1) * PAGE).run()
    return AccountPage(items=[_row(r) for r in rows], total=total, page=page, pages=max(1, -(-total // PAGE)))


async def account(account_id: int) -> AccountRow:
    row = await Account.select(*_COLUMNS).where(Account.id == account_id).first().run()
    if not row:
        raise NotFound("account_not_found", "没有这个账号")
    return _row(row)
