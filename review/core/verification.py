"""/verify/{code} for every document the platform issues with a verification code, without a copy of the page.

The verdicts own the page (review.verdicts.web) and the API's check (`/api/v1/verify/{code}`,
review.verdicts.api); a code that names no verdict is asked of each resolver the
composition root registered (a mediation agreement, …). A resolver answers a `Verified` — what the document
is and the facts the public may read, never personal data — or None when the code is not one of its own."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Verified:
    """A document as /verify/{code} shows it."""

    title: str  # 调解协议书
    status_label: str  # 有效
    valid: bool
    facts: tuple[tuple[str, str], ...]  # (label, value), in the order shown
    sha256: str = ""  # the stored file's SHA-256, to compare an uploaded copy with ("" while it is made)
    code: str = ""
    kind: str = ""  # what kind of document, as the API names it: mediation_agreement, …


Resolver = Callable[[str], Awaitable[Verified | None]]
_resolvers: list[Resolver] = []


def register(resolver: Resolver) -> None:
    """Add a resolver (idempotent: the app and the commands may both register it)."""
    if resolver not in _resolvers:
        _resolvers.append(resolver)


async def resolve(code: str) -> Verified | None:
    """The document a code names, asked of each resolver in the order registered; None if none knows it."""
    for resolver in _resolvers:
        found = await resolver(code)
        if found is not None:
            return found
    return None
