"""Who is acting: a logged-in person, a complainant with a case-scoped token, a system client."""

from __future__ import annotations

from dataclasses import dataclass

from review.core.errors import Forbidden


@dataclass(frozen=True)
class Actor:
    kind: str  # office / member / liaison / complainant / hotline / anonymous
    user_id: int | None = None
    username: str = ""
    display_name: str = ""
    department_id: int | None = None
    case_id: int | None = None  # complainants: the one case they may see

    @property
    def label(self) -> str:
        """How the audit chain names the actor (never a complainant's personal data)."""
        if self.kind == "complainant":
            return "complainant"
        return f"{self.kind}:{self.username}" if self.username else self.kind

    @property
    def is_staff(self) -> bool:
        return self.kind in {"office", "member", "liaison"}


ANONYMOUS = Actor(kind="anonymous")
SYSTEM = Actor(kind="system", username="job")


@dataclass(frozen=True)
class Policy:
    """Which kinds of actor a route admits; object-level checks happen in the service."""

    name: str
    kinds: frozenset[str]

    def admits(self, actor: Actor) -> bool:
        return not self.kinds or actor.kind in self.kinds

    def check(self, actor: Actor, message: str = "您无权执行此操作") -> None:
        """Refuse (403 `forbidden`) an actor this policy does not admit: the services' one permission check."""
        if not self.admits(actor):
            raise Forbidden("forbidden", message)


PUBLIC = Policy("public", frozenset())
OFFICE = Policy("office", frozenset({"office"}))
MEMBER = Policy("member", frozenset({"member"}))
LIAISON = Policy("liaison", frozenset({"liaison"}))
STAFF = Policy("staff", frozenset({"office", "member", "liaison"}))
CASE_PARTY = Policy("case_party", frozenset({"office", "member", "liaison", "complainant"}))
COMPLAINANT = Policy("complainant", frozenset({"complainant"}))
PARTY = Policy("party", frozenset({"complainant", "liaison"}))  # the two sides of a case
HOTLINE = Policy("hotline", frozenset({"hotline"}))
STAFF_OR_HOTLINE = Policy("staff_or_hotline", frozenset({"office", "member", "liaison", "hotline"}))
TOKEN_HOLDER = Policy("token_holder", frozenset({"office", "member", "liaison", "complainant"}))  # any bearer token
