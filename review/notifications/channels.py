"""The outside channels: e-mail by SMTP (aiosmtplib), SMS through a gateway (a small interface, logged when no
gateway is configured). A channel raises `SendFailed` when the message did not go; the caller retries."""

from __future__ import annotations

import asyncio
import json
import logging
import urllib.error
import urllib.request
from email.message import EmailMessage
from typing import Protocol

import aiosmtplib

from review.core import settings
from review.notifications.domain.events import mask_address

log = logging.getLogger("review.notifications")


class SendFailed(Exception):
    """The message did not go; `str()` says why, without the address or the text."""


async def send_mail(*, to: str, subject: str, text: str) -> None:
    """One plain-text mail through the configured SMTP server."""
    message = EmailMessage()
    message["From"] = settings.SMTP_FROM
    message["To"] = to
    message["Subject"] = subject
    message.set_content(text)
    try:
        await aiosmtplib.send(
            message, hostname=settings.SMTP_HOST, port=settings.SMTP_PORT,
            username=settings.SMTP_USER or None, password=settings.SMTP_PASSWORD or None,
            use_tls=settings.SMTP_TLS == "tls", start_tls=settings.SMTP_TLS == "starttls",
            timeout=settings.SMTP_TIMEOUT)
    except (aiosmtplib.SMTPException, OSError) as error:
        raise SendFailed(f"SMTP: {type(error).__name__}") from None
    log.info("mail sent to %s", mask_address(to))


class SmsGateway(Protocol):
    """What sends an SMS: a number and a text, or `SendFailed`."""

    async def send(self, *, phone: str, text: str) -> None: ...


class LoggingSms:
    """Logs that an SMS went, to whom masked, and how long it was; never the text (the default, no gateway)."""

    async def send(self, *, phone: str, text: str) -> None:
        log.info("SMS to %s (%d characters) logged, no gateway configured", mask_address(phone), len(text))


class HttpSms:
    """POSTs `{"phone": …, "text": …}` as JSON to the gateway's URL with its key in `Authorization: Bearer`;
    any 2xx is sent, anything else (or no answer in time) a failure to retry. See README, 通知."""

    def __init__(self, url: str, key: str, timeout: float = 10.0) -> None:
        self.url, self.key, self.timeout = url, key, timeout

    async def send(self, *, phone: str, text: str) -> None:
        body = json.dumps({"phone": phone, "text": text}, ensure_ascii=False).encode()
        request = urllib.request.Request(self.url, data=body, method="POST", headers={
            "Content-Type": "application/json; charset=utf-8", "Authorization": f"Bearer {self.key}"})
        try:
            status = await asyncio.to_thread(self._post, request)
        except (urllib.error.URLError, OSError) as error:
            raise SendFailed(f"SMS gateway: {type(error).__name__}") from None
        if not 200 <= status < 300:
            raise SendFailed(f"SMS gateway: HTTP {status}")
        log.info("SMS sent to %s through the gateway", mask_address(phone))

    def _post(self, request: urllib.request.Request) -> int:
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                return int(response.status)
        except urllib.error.HTTPError as error:
            return int(error.code)


def sms_gateway() -> SmsGateway:
    """The configured gateway: HTTP when SMS_GATEWAY_URL is set, else the logging one."""
    if settings.SMS_GATEWAY_URL:
        return HttpSms(settings.SMS_GATEWAY_URL, settings.SMS_GATEWAY_KEY)
    return LoggingSms()
