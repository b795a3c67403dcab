"""The events' templates in Chinese (templates/notifications/events/<event>.txt): the first line is the subject,
the rest, after a blank line, the text. SMS carries the subject and where to read the rest, nothing more."""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any

from jinja2 import ChainableUndefined, Environment, FileSystemLoader

from review.core import settings

# What a template may never be given: an access code goes out once, in the intake's answer, and only the
# reissue flow makes another.
FORBIDDEN_KEYS = frozenset({"access_code", "code", "password", "phone", "complainant_name", "id_number", "address"})


@functools.cache
def _environment() -> Environment:
    return Environment(loader=FileSystemLoader(settings.TEMPLATES_DIR / "notifications"), autoescape=False,
                       undefined=ChainableUndefined, keep_trailing_newline=False)


def render(event: str, context: Mapping[str, Any]) -> tuple[str, str]:
    """The subject and the text of `event` told with `context`."""
    refused = FORBIDDEN_KEYS & set(context)
    if refused:
        raise ValueError(f"a notification's context may not hold {sorted(refused)}")
    written = _environment().get_template(f"events/{event}.txt").render(**context).strip()
    subject, _, text = written.partition("\n")
    return subject.strip()[:200], text.strip()


def sms_text(subject: str, link: str) -> str:
    """An SMS: the platform's signature, the subject, and where to read the rest."""
    where = f"{settings.PUBLIC_BASE_URL.rstrip('/')}{link}" if link else "平台"
    return f"【第三方评议平台】{subject}。详情请登录查看：{where}"


def digest_text(subjects: list[str]) -> tuple[str, str]:
    """A daily digest: one subject, then each notification's subject on a line."""
    lines = "\n".join(f"· {subject}" for subject in subjects)
    return f"您有 {len(subjects)} 条新通知", f"您好，以下是您今日的通知：\n\n{lines}\n\n详情请登录平台查看。"
