"""The API's logins and credentials: the token login (password, and the TOTP code where one is on), the holder's
tokens, their own TOTP, the set-password link, and the office's accounts."""

from __future__ import annotations

import msgspec
from starlette.requests import Request

from review.accounts import queries
from review.accounts.services import auth, invitations, login, totp
from review.accounts.services import tokens as accounts
from review.core.actors import OFFICE, PUBLIC, STAFF, TOKEN_HOLDER
from review.core.api.contract import Reply, Status, Text, operation
from review.core.web.client_address import client_address
from review.core.web.guard import bearer_token, route


class Credentials(msgspec.Struct):
    username: Text = ""
    password: Text = ""
    totp: Text | None = None  # the authenticator's code (or a recovery code), for an account with TOTP on
    label: Text | None = None  # names the token on its holder's list; else the client's User-Agent


class Token(msgspec.Struct):
    token: str


class TokenShown(msgspec.Struct):
    """One live token of its holder: never the token itself."""

    id: int
    created_at: str
    last_used_at: str | None
    expires_at: str
    client: str | None
    current: bool


@operation(responses={200: Token})
async def create_token(request: Request, body: Credentials) -> Token:
    """
    summary: 以用户名和密码（已启用两步验证的账号另加 totp 验证码）换取 API 令牌
    """
    actor = await login.api_log_in(username=body.username, password=body.password, code=body.totp,
                                   client=client_address(request))
    client = body.label or request.headers.get("user-agent", "")
    return Token(token=await auth.issue_token(actor, client=client))


@operation(responses={200: Status})
async def revoke_presented(request: Request) -> Status:
    """
    summary: 注销本次请求所出示的令牌
    """
    await auth.revoke_token(bearer_token(request) or "")
    return Status(status="revoked")


@operation(responses={200: list[TokenShown]})
async def list_tokens(request: Request) -> list[dict[str, object]]:
    """
    summary: 本人的有效令牌：签发时间、最近使用时间、到期时间与客户端（不含令牌本身）
    """
    tokens = await accounts.tokens_of(actor=request.state.actor, presented=bearer_token(request))
    return [t.as_json() for t in tokens]


@operation(responses={200: Status})
async def revoke_one(request: Request) -> Status:
    """
    summary: 注销本人的一个令牌（按编号）
    """
    await accounts.revoke_token(actor=request.state.actor, token_id=request.path_params["token_id"])
    return Status(status="revoked")


# -- the holder's own second factor

class TotpStatus(msgspec.Struct):
    enabled: bool
    enabled_at: str | None
    pending: bool
    recovery_codes_left: int


class TotpSetup(msgspec.Struct):
    """The new secret, shown this once: typed into the authenticator, or its otpauth URI drawn as a QR code."""

    secret: str
    otpauth_uri: str


class TotpCode(msgspec.Struct):
    totp: Text = ""


class RecoveryCodes(msgspec.Struct):
    recovery_codes: list[str]


@operation(responses={200: TotpStatus})
async def totp_status(request: Request) -> TotpStatus:
    """
    summary: 本人两步验证的状态（不含密钥）
    """
    found = await totp.status(actor=request.state.actor)
    return TotpStatus(enabled=found.enabled, enabled_at=found.enabled_at.isoformat() if found.enabled_at else None,
                      pending=found.pending, recovery_codes_left=found.recovery_left)


@operation(responses={200: TotpSetup})
async def begin_totp(request: Request) -> TotpSetup:
    """
    summary: 开始设置两步验证：生成新密钥（仅此一次显示），以验证码确认后生效
    """
    setup = await totp.begin(user_id=request.state.actor.user_id)
    secret = setup.secret.replace(" ", "")
    return TotpSetup(secret=secret, otpauth_uri=totp.otpauth_uri(secret, request.state.actor.username))


@operation(responses={200: RecoveryCodes})
async def confirm_totp(request: Request, body: TotpCode) -> RecoveryCodes:
    """
    summary: 以验证器显示的验证码确认并启用两步验证；返回 10 个一次性恢复码（仅此一次显示）
    """
    actor = request.state.actor
    codes = await totp.confirm(actor=actor, user_id=actor.user_id, code=body.totp, client=client_address(request))
    return RecoveryCodes(recovery_codes=codes)


@operation(responses={200: Status})
async def disable_totp(request: Request, body: TotpCode) -> Status:
    """
    summary: 以当前验证码关闭两步验证
    """
    await totp.disable(actor=request.state.actor, code=body.totp, client=client_address(request))
    return Status(status="disabled")


# -- the set-password link

class SetPassword(msgspec.Struct):
    token: Text = ""
    password: Text = ""
    confirm: Text = ""


class PasswordSet(msgspec.Struct):
    username: str


@operation(responses={200: PasswordSet})
async def set_password(request: Request, body: SetPassword) -> PasswordSet:
    """
    summary: 以一次性链接中的令牌设置密码（新账号或重置后）
    """
    username = await invitations.set_password(token=body.token, password=body.password, confirm=body.confirm)
    return PasswordSet(username=username)


# -- the office's accounts

class AccountOut(msgspec.Struct):
    id: int
    username: str
    display_name: str
    role: str
    department: str | None
    active: bool
    created_at: str
    last_login_at: str | None
    totp: bool


class AccountsOut(msgspec.Struct):
    items: list[AccountOut]
    total: int
    page: int
    pages: int


class AccountsQuery(msgspec.Struct):
    role: str = ""
    active: str = ""
    page: int = 1


class NewAccount(msgspec.Struct):
    username: Text = ""
    display_name: Text = ""
    role: Text = ""
    department: Text = ""  # the department's code: liaisons only


class Invitation(msgspec.Struct):
    """The one-time link to set the password: shown once, to hand over."""

    account_id: int
    username: str
    setup_url: str
    expires_at: str


class Deactivated(msgspec.Struct):
    status: str
    sessions_ended: int
    tokens_revoked: int


def _invitation(invited: invitations.Invited) -> Invitation:
    return Invitation(account_id=invited.account_id, username=invited.username, setup_url=invited.url,
                      expires_at=invited.expires_at.isoformat())


@operation(responses={200: AccountsOut})
async def list_accounts(request: Request, query: AccountsQuery) -> dict[str, object]:
    """
    summary: 登录账号列表（按角色、是否启用筛选，分页），含最近登录时间
    """
    page = await queries.accounts(role=query.role, active=query.active, page=query.page)
    return {"items": [a.as_json() for a in page.items], "total": page.total, "page": page.page,
            "pages": page.pages}


@operation(responses={200: AccountOut})
async def account_detail(request: Request) -> dict[str, object]:
    """
    summary: 一个登录账号
    """
    return (await queries.account(request.path_params["account_id"])).as_json()


@operation(responses={201: Invitation})
async def create_account(request: Request, body: NewAccount) -> Reply:
    """
    summary: 建立登录账号（评议员、部门联络员或评议办公室），返回一次性设置密码链接（仅此一次显示）
    """
    invited = await invitations.create_account(actor=request.state.actor, username=body.username,
                                               display_name=body.display_name, role=body.role,
                                               department=body.department)
    return Reply(201, _invitation(invited))


@operation(responses={200: Invitation})
async def reset_password(request: Request) -> Invitation:
    """
    summary: 重置密码：返回新的一次性设置密码链接；新密码设置前旧密码仍可用
    """
    invited = await invitations.reset_password(actor=request.state.actor, account_id=request.path_params["account_id"])
    return _invitation(invited)


@operation(responses={200: Deactivated})
async def deactivate(request: Request) -> Deactivated:
    """
    summary: 停用账号：立即结束其全部会话、注销其全部 API 令牌
    """
    sessions, tokens = await invitations.deactivate(actor=request.state.actor,
                                                    account_id=request.path_params["account_id"])
    return Deactivated(status="deactivated", sessions_ended=sessions, tokens_revoked=tokens)


@operation(responses={200: Status})
async def reactivate(request: Request) -> Status:
    """
    summary: 恢复已停用的账号
    """
    await invitations.reactivate(actor=request.state.actor, account_id=request.path_params["account_id"])
    return Status(status="active")


routes = [
    route("/auth/token", create_token, PUBLIC, methods=["POST"]),
    route("/auth/token", revoke_presented, TOKEN_HOLDER, methods=["DELETE"]),
    route("/auth/tokens", list_tokens, STAFF),
    route("/auth/tokens/{token_id:int}", revoke_one, STAFF, methods=["DELETE"]),
    route("/me/totp", totp_status, STAFF),
    route("/me/totp", begin_totp, STAFF, methods=["POST"]),
    route("/me/totp/confirm", confirm_totp, STAFF, methods=["POST"]),
    route("/me/totp/disable", disable_totp, STAFF, methods=["POST"]),
    route("/accounts/setup", set_password, PUBLIC, methods=["POST"]),
    route("/accounts", list_accounts, OFFICE),
    route("/accounts", create_account, OFFICE, methods=["POST"]),
    route("/accounts/{account_id:int}", account_detail, OFFICE),
    route("/accounts/{account_id:int}/reset", reset_password, OFFICE, methods=["POST"]),
    route("/accounts/{account_id:int}/deactivate", deactivate, OFFICE, methods=["POST"]),
    route("/accounts/{account_id:int}/reactivate", reactivate, OFFICE, methods=["POST"]),
]
