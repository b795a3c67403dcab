"""Errors every layer raises and the web and API layers render the same way.

A message is written in Chinese, which is its msgid: it is kept lazy (`i18n.lazy`) and reads in the locale of
the request it answers when written out (`as_json`, an error page). The `code` never translates.
"""

from __future__ import annotations

from review.core import i18n


class ServiceError(Exception):
    """A refusal with an HTTP status, a snake_case code, a message (Chinese, translated when written out) and
    optionally a field."""

    status = 400

    def __init__(self, code: str, message: str, field: str | None = None,
                 extra: dict[str, str] | None = None) -> None:
        self.message = i18n.lazy(message)
        super().__init__(self.message)
        self.code = code
        self.field = field
        self.extra = extra or {}  # further keys of the error object, e.g. the criterion a score was for

    def as_json(self) -> dict[str, dict[str, str]]:
        error: dict[str, str] = {"code": self.code, "message": str(self.message)}
        if self.field:
            error["field"] = self.field
        error.update(i18n.text(self.extra))
        return {"error": error}

    @property
    def headers(self) -> dict[str, str]:
        """Response headers the refusal carries (every 429 says when to try again)."""
        return {}


class Unauthorized(ServiceError):
    status = 401


class Forbidden(ServiceError):
    status = 403


class NotFound(ServiceError):
    status = 404


class Conflict(ServiceError):
    status = 409


class Invalid(ServiceError):
    status = 422


class TooLarge(ServiceError):
    status = 413


class RateLimited(ServiceError):
    status = 429

    def __init__(self, code: str, message: str, *, retry_after: int) -> None:
        super().__init__(code, message)
        self.retry_after = retry_after

    @property
    def headers(self) -> dict[str, str]:
        return {"Retry-After": str(self.retry_after)}


class DraftInvalid(Exception):
    """A draft of published rules (a scheme, a policy) that cannot be published as it stands: the message
    (Chinese, translated when written out) names what to fix, `field` where. Raised by the pure modules that
    parse drafts."""

    def __init__(self, message: str, field: str) -> None:
        self.message = i18n.lazy(message)
        super().__init__(self.message)
        self.field = field
