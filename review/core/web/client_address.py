"""The client's address, one answer for every throttle and log: the connection's peer, or, when the peer is a
trusted proxy (`FORWARDED_ALLOW_IPS`), the client it forwarded for."""

from __future__ import annotations

import ipaddress

from starlette.middleware import Middleware
from starlette.requests import HTTPConnection
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware


def trusted_proxies(value: str) -> list[str]:
    """The addresses and networks of a comma-separated `FORWARDED_ALLOW_IPS`; ValueError on one that is neither."""
    entries = [entry.strip() for entry in value.split(",") if entry.strip()]
    for entry in entries:
        if entry != "*":
            try:
                ipaddress.ip_network(entry, strict=False)
            except ValueError:
                raise ValueError(f"FORWARDED_ALLOW_IPS 中的 {entry!r} 不是 IP 地址或网段") from None
    return entries


def forwarded_headers(allow_ips: str) -> list[Middleware]:
    """Believe X-Forwarded-For and X-Forwarded-Proto from the listed proxies only, and from none when empty.

    Done in the app rather than by the server, so that the app answers the same under any ASGI server."""
    proxies = trusted_proxies(allow_ips)
    return [Middleware(ProxyHeadersMiddleware, trusted_hosts=proxies)] if proxies else []


def client_address(connection: HTTPConnection) -> str:
    """The address the request came from, as the forwarded-headers middleware has settled it."""
    return connection.client.host if connection.client else "unknown"
