"""The check against server-side request forgery: where an endpoint's host resolves, asked at registration and
again before every delivery (a name may be pointed elsewhere after it was registered)."""

from __future__ import annotations

import asyncio
import socket
from urllib.parse import urlsplit

from review.core import settings
from review.core.errors import Invalid
from review.webhooks import payloads


async def refusal(url: str) -> str | None:
    """Why a receiver at `url` may not be called now (in Chinese), or None."""
    problem = payloads.url_problem(url, allow_http=settings.WEBHOOK_ALLOW_HTTP)
    if problem:
        return problem
    parts = urlsplit(url)
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        return "地址的端口无效"
    try:
        found = await asyncio.get_running_loop().getaddrinfo(parts.hostname, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError):
        return "无法解析地址中的主机名"
    allowed = payloads.networks(settings.WEBHOOK_ALLOWED_NETWORKS)
    for *_, address in found:
        problem = payloads.address_problem(str(address[0]), allowed)
        if problem:
            return problem
    return None


async def check(url: str) -> None:
    """Refuse `url` (422 naming the field) if a receiver there may not be called."""
    problem = await refusal(url)
    if problem:
        raise Invalid("invalid_url", problem, field="url")
