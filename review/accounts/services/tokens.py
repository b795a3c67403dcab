"""A person's credentials: the API tokens they hold, listed and revoked, and deactivation, which ends them all."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from review.accounts.services import invitations
from review.core import db
from review.core.actors import Actor
from review.core.audit import store as audit
from review.core.errors import NotFound
from review.core.secrets import hash_token
from review.core.tables import Account, ApiToken


@dataclass(frozen=True)
class TokenView:
    """One live API token as its holder sees it (never the token itself)."""

    id: int
    created_at: datetime
    last_used_at: datetime | None
    expires_at: datetime
    client: str
    current: bool  # the token this request presents

    def as_json(self) -> dict[str, object]:
        return {
            "id": self.id, "created_at": self.created_at.isoformat(),
            "last_used_at": self.last_used_at.isoformat() if self.last_used_at else None,
            "expires_at": self.expires_at.isoformat(), "client": self.client, "current": self.current,
        }


async def tokens_of(*, actor: Actor, presented: str | None = None) -> list[TokenView]:
    """The actor's live API tokens, newest first; `presented` (the request's own token) is marked current."""
    presented_hash = hash_token(presented) if presented else None
    rows = await (
        ApiToken.select(ApiToken.id, ApiToken.token_hash, ApiToken.created_at, ApiToken.last_used_at,
                        ApiToken.expires_at, ApiToken.client)
        .where((ApiToken.user == actor.user_id) & (ApiToken.expires_at > datetime.now(UTC)))
        .order_by(ApiToken.id, ascending=False)
        .run()
    )
    return [TokenView(id=r["id"], created_at=r["created_at"], last_used_at=r["last_used_at"],
                      expires_at=r["expires_at"], client=r["client"], current=r["token_hash"] == presented_hash)
            for r in rows]


async def revoke_token(*, actor: Actor, token_id: int) -> None:
    """Revoke one of the actor's own tokens; another's, or one already gone, is 404 alike."""
    async with db.transaction():
        gone = await (ApiToken.delete().where((ApiToken.id == token_id) & (ApiToken.user == actor.user_id))
                      .returning(ApiToken.id).run())
        if not gone:
            raise NotFound("token_not_found", "没有这个令牌，或它已被注销")
        await audit.record(case_id=None, actor=actor.label, action="api_token_revoked", data={"token": token_id})


async def deactivate(*, username: str, actor: Actor) -> tuple[int, int]:
    """停用账号 by username (`review deactivate-user`): the login stops working, and every session and API token
    it holds ends at once. Returns (sessions ended, tokens revoked)."""
    found = await Account.select(Account.id).where(Account.username == username).first().run()
    if not found:
        raise NotFound("account_not_found", f"没有用户名为 {username} 的账号")
    return await invitations.deactivate(actor=actor, account_id=found["id"])
