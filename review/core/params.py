"""Whole numbers sent as text (query parameters, form fields, JSON values): one rule, 422 naming the field."""

from __future__ import annotations

import re
from typing import overload

from review.core.errors import Invalid

# What the databases' integer columns hold; a larger number can name nothing stored.
LARGEST = 2**31 - 1

_WHOLE = re.compile(r"-?[0-9]{1,10}")


@overload
def int_param(value: object, field: str, default: int, *, minimum: int = 0, maximum: int = LARGEST) -> int: ...


@overload
def int_param(value: object, field: str, default: None = None, *, minimum: int = 0,
              maximum: int = LARGEST) -> int | None: ...


def int_param(value: object, field: str, default: int | None = None, *, minimum: int = 0,
              maximum: int = LARGEST) -> int | None:
    """`value` as a whole number from `minimum` to `maximum` written in ASCII digits (a JSON integer also
    does); `default` when absent or empty; else 422 `invalid_field` naming the field."""
    if value is None or value == "":
        return default
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise _refusal(field, minimum, maximum)
    if isinstance(value, str):
        text = value.strip()
        if not _WHOLE.fullmatch(text):
            raise _refusal(field, minimum, maximum)
        value = int(text)
    if not minimum <= value <= maximum:
        raise _refusal(field, minimum, maximum)
    return value


def _refusal(field: str, minimum: int, maximum: int) -> Invalid:
    within = f"{minimum} 至 {maximum} 之间的整数" if maximum < LARGEST else f"不小于 {minimum} 的整数"
    return Invalid("invalid_field", f"{field} 应为{within}", field=field)
