"""Text from a request that both databases store alike: no NUL character and no lone surrogate.

PostgreSQL refuses both (NUL in any text, a lone surrogate in UTF-8), SQLite stores a NUL as it is; so
every request's text is held to this rule where it is read (JSON bodies, forms, query and path parameters),
and refused with 422 naming the field, before anything reaches a database.
"""

from __future__ import annotations

import re
from typing import Any

from review.core.errors import Invalid

MAX_JSON_DEPTH = 32

_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def unstorable(text: str) -> bool:
    """Whether the text holds a NUL character or a lone surrogate."""
    return _UNSTORABLE.search(text) is not None


def refuse_unstorable(text: str, field: str) -> None:
    """422 `invalid_text` naming the field (itself storable) when the text is not."""
    if unstorable(text):
        raise Invalid("invalid_text", f"「{field}」含有无法保存的字符（空字符或不成对的代理码位）", field=field)


def _path(parent: str, key: str | int) -> str:
    return f"{parent}.{key}" if parent else str(key)


def check_json(value: Any) -> None:
    """A parsed JSON body held to the text rule (strings and keys) and nested at most `MAX_JSON_DEPTH` deep."""
    pending: list[tuple[Any, str, int]] = [(value, "", 1)]
    while pending:
        item, path, depth = pending.pop()
        if isinstance(item, str):
            refuse_unstorable(item, path or "body")
            continue
        if not isinstance(item, dict | list):
            continue
        if depth > MAX_JSON_DEPTH:
            raise Invalid("invalid_json", f"请求体嵌套超过 {MAX_JSON_DEPTH} 层", field=path or "body")
        if isinstance(item, dict):
            for key, child in item.items():
                refuse_unstorable(key, path or "body")  # a key names the field only once it is storable
                pending.append((child, _path(path, key), depth + 1))
        else:
            pending.extend((child, _path(path, i), depth + 1) for i, child in enumerate(item))
