"""CSRF tokens of the web forms, each bound to the browser's own session.

Signed in with a password, a browser's forms carry its session's token, stored with the session and made
anew at each login. A complainant's tracking session carries a token derived from its tracking token under
the server's key. Before either, a browser holds a random pre-session cookie and its forms carry that
cookie's HMAC under the same key. A cookie and a field taken from another browser therefore match nothing
that this browser's session expects; the forms still need no JavaScript.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

from starlette.requests import Request

from review.core.keys import server_key as _key  # the one key, shared with every keyed hash

CSRF_COOKIE = "rv_csrf"  # an anonymous browser's pre-session cookie


def _signed(purpose: str, value: str) -> str:
    digest = hmac.new(_key(), f"{purpose}\0{value}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def new_pre_session() -> str:
    """A fresh value for an anonymous browser's pre-session cookie."""
    return secrets.token_urlsafe(32)


def pre_login_token(pre_session: str) -> str:
    """The form token of an anonymous browser holding this pre-session cookie."""
    return _signed("pre-login", pre_session)


def tracking_token(tracking: str) -> str:
    """The form token of a complainant's tracking session."""
    return _signed("tracking", tracking)


def same(expected: str, sent: str) -> bool:
    """Constant-time comparison of a form's token with the one expected (any text, never an error)."""
    return hmac.compare_digest(expected.encode(), sent.encode("utf-8", "surrogatepass"))


def csrf_token(request: Request) -> str:
    """The token this browser's forms carry: its session's own once signed in, else one bound to its
    pre-session cookie (a SameSite=Strict cookie, made on the first page that needs it)."""
    session_csrf: str | None = getattr(request.state, "session_csrf", None)
    if session_csrf:
        return session_csrf
    pre_session = request.cookies.get(CSRF_COOKIE) or request.scope.get("rv_new_csrf")
    if not pre_session:
        pre_session = new_pre_session()
        request.scope["rv_new_csrf"] = pre_session
    return pre_login_token(pre_session)


def held_token(request: Request) -> str | None:
    """The form token this browser already holds (its session's, or its pre-session cookie's), without making
    one: None for a first visit."""
    session_csrf: str | None = getattr(request.state, "session_csrf", None)
    if session_csrf:
        return session_csrf
    pre_session = request.cookies.get(CSRF_COOKIE) or request.scope.get("rv_new_csrf")
    return pre_login_token(pre_session) if pre_session else None


def minted(request: Request) -> bool:
    """Whether this request made a new pre-session cookie (its page carries a token for this browser only)."""
    return bool(request.scope.get("rv_new_csrf"))


class LazyToken:
    """`csrf_token(request)` made only when a template writes it out, so that a page without a form hands a
    first-time visitor no cookie (and stays the same for every anonymous visitor)."""

    __slots__ = ("_request",)

    def __init__(self, request: Request) -> None:
        self._request = request

    def __str__(self) -> str:
        return csrf_token(self._request)

    def __html__(self) -> str:
        return str(self)
