"""The two locales: Simplified Chinese (the default) and English.

Messages are written in Chinese and the Chinese text is the msgid: `review/locale/en/LC_MESSAGES/messages.po`
holds the English of each, and Chinese needs no catalog (a msgid is shown as it is). A message is looked up
when it is written out, in the locale of the request being answered (`use_locale`, set per request by the web
layer's middleware; jobs and the CLI speak Chinese).

A message built with an f-string (`f"字段 {name} 应为文本"`) is catalogued by its shape, the placeholders named
by their source (`字段 {name} 应为文本`): a text no entry matches exactly is matched against those shapes, and
the translation gets the texts that stood in the placeholders (each translated in turn when it is a message).

`lazy(text)` is a `str` whose value is the Chinese and which reads in the current locale when written out
(`str()`, `%s`, a template, `as_json`, an API answer); comparing, joining, f-strings and `json.dumps` see the
Chinese, so a message built from labels stays Chinese until it is written out whole.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date, datetime, tzinfo
from functools import cache
from io import BytesIO
from pathlib import Path
from typing import Any

from babel import Locale, dates, numbers
from babel.messages.mofile import read_mo, write_mo
from babel.messages.pofile import read_po

LOCALES = ("zh_Hans", "en")
DEFAULT = "zh_Hans"
LOCALE_COOKIE = "locale"
LOCALE_DIR = Path(__file__).resolve().parent.parent / "locale"
DOMAIN = "messages"

# What a page's `lang` attribute says for each locale.
HTML_LANG = {"zh_Hans": "zh-Hans", "en": "en"}
# Each locale's name written in itself, for the switch.
NAMES = {"zh_Hans": "中文", "en": "English"}

_current: ContextVar[str] = ContextVar("review_locale", default=DEFAULT)


def current() -> str:
    return _current.get()


@contextmanager
def use_locale(locale: str) -> Iterator[None]:
    """Write messages, dates and numbers in `locale` within the block."""
    token = _current.set(locale if locale in LOCALES else DEFAULT)
    try:
        yield
    finally:
        _current.reset(token)


# --- choosing a locale --------------------------------------------------------------------------------------

def from_tag(tag: str) -> str | None:
    """The locale a language tag (`en-GB`, `zh-CN`, `zh_Hans`, `en`) asks for, or None when it is neither."""
    primary = re.split(r"[-_]", tag.strip().lower(), maxsplit=1)[0]
    return {"zh": "zh_Hans", "en": "en"}.get(primary)


def from_accept_language(header: str) -> str | None:
    """The locale the browser prefers most among ours, from an `Accept-Language` header, or None."""
    ranked: list[tuple[float, int, str]] = []
    for position, part in enumerate(header.split(",")):
        tag, _, params = part.partition(";")
        quality = 1.0
        found = re.search(r"q\s*=\s*([0-9.]+)", params)
        if found:
            try:
                quality = float(found[1])
            except ValueError:
                continue
        locale = from_tag(tag)
        if locale and quality > 0:
            ranked.append((-quality, position, locale))
    return min(ranked)[2] if ranked else None


def choose(cookie: str | None, accept_language: str | None) -> str:
    """A request's locale: the switch's cookie, then `Accept-Language`, else Chinese."""
    if cookie in LOCALES:
        return cookie
    return from_accept_language(accept_language or "") or DEFAULT


# --- catalogs -----------------------------------------------------------------------------------------------

def po_path(locale: str) -> Path:
    return LOCALE_DIR / locale / "LC_MESSAGES" / f"{DOMAIN}.po"


def compile_catalogs() -> list[Path]:
    """Write each locale's `.mo` from its `.po` (what `pybabel compile -d review/locale` does); the paths written."""
    written = []
    for locale in LOCALES:
        po = po_path(locale)
        if po.exists():
            with po.open("rb") as source:
                catalog = read_po(source, locale=locale)
            mo = po.with_suffix(".mo")
            with mo.open("wb") as target:
                write_mo(target, catalog)
            written.append(mo)
    return written


class _Catalog:
    """One locale's translations: exact msgids, and the shapes of messages built with placeholders."""

    def __init__(self, entries: dict[Any, Any]) -> None:
        self.exact: dict[str, str] = {key: value for key, value in entries.items() if isinstance(key, str)}
        self.plural: dict[str, tuple[str, ...]] = {key[0]: tuple(value) for key, value in entries.items()
                                                   if isinstance(key, tuple)}
        self.shapes: list[tuple[re.Pattern[str], list[str], str]] = []
        for msgid, text in self.exact.items():
            names = PLACEHOLDER.findall(msgid)
            if names:
                literal = PLACEHOLDER.split(msgid)[::2]
                pattern = "(.+?)".join(re.escape(part) for part in literal)
                self.shapes.append((re.compile(f"^{pattern}$", re.DOTALL), names, text))
        # The longest shapes first: the one with the most fixed text is the likeliest.
        self.shapes.sort(key=lambda shape: -len(shape[0].pattern))

    def lookup(self, text: str, depth: int = 0) -> str | None:
        found = self.exact.get(text)
        if found is not None or depth > 1:
            return found
        for pattern, names, translation in self.shapes:
            match = pattern.match(text)
            if match:
                values = {f"{{{name}}}": self.lookup(value, depth + 1) or value
                          for name, value in zip(names, match.groups(), strict=True)}
                return _fill(translation, values)
        return None


def _fill(translation: str, values: dict[str, str]) -> str:
    return PLACEHOLDER_WITH_BRACES.sub(lambda m: values.get(m[0], m[0]), translation)


# A placeholder as the extraction writes an f-string's: `{name}`, `{len(rows)}`, `{'、'.join(names)}` (not
# `{{`, nor braces around Chinese, which are the message's own text: `{角色: 席位数}`).
PLACEHOLDER = re.compile(r"(?<!\{)\{((?![\u3400-\u9fff])[^{}]+)\}(?!\})")
PLACEHOLDER_WITH_BRACES = re.compile(r"(?<!\{)\{(?![\u3400-\u9fff])[^{}]+\}(?!\})")


@cache
def _catalog(locale: str) -> _Catalog:
    """The compiled catalog, or the `.po` itself when no `.mo` newer than it is at hand (a fresh checkout)."""
    po = po_path(locale)
    mo = po.with_suffix(".mo")
    if mo.exists() and (not po.exists() or mo.stat().st_mtime >= po.stat().st_mtime):
        with mo.open("rb") as compiled:
            catalog = read_mo(compiled)
    elif po.exists():
        with po.open("rb") as source:
            parsed = read_po(source, locale=locale)
        buffer = BytesIO()
        write_mo(buffer, parsed)
        buffer.seek(0)
        catalog = read_mo(buffer)
    else:
        return _Catalog({})
    return _Catalog({message.id: message.string for message in catalog if message.id and message.string})


def reload_catalogs() -> None:
    """Read the catalogs again on next use (after `pybabel compile`)."""
    _catalog.cache_clear()


# --- messages -----------------------------------------------------------------------------------------------

def gettext(message: str) -> str:
    """`message` (Chinese, the msgid) in the current locale; the Chinese where no translation is at hand."""
    text = str.__str__(message)
    locale = current()
    if locale == DEFAULT:
        return text
    found = _catalog(locale).lookup(text)
    return text if found is None else found


def ngettext(singular: str, plural: str, n: int) -> str:
    locale = current()
    if locale != DEFAULT:
        forms = _catalog(locale).plural.get(singular)
        if forms:
            return forms[0 if n == 1 else min(1, len(forms) - 1)]
    return singular if n == 1 else plural


class LazyText(str):
    """A message whose value is its Chinese msgid and which reads in the locale current when it is written out."""

    __slots__ = ()

    def __str__(self) -> str:
        return gettext(self)

    def __format__(self, spec: str) -> str:
        # An f-string builds Chinese text (what is stored stays Chinese); the whole is translated by its shape.
        return format(str.__str__(self), spec)

    def __html__(self) -> str:
        from markupsafe import escape  # lazy: only templates ask, and markupsafe comes with Jinja

        return str(escape(gettext(self)))

    def __repr__(self) -> str:
        return f"lazy({str.__repr__(self)})"

    def __reduce__(self) -> tuple[Any, ...]:
        return (LazyText, (str.__str__(self),))


def lazy(message: str) -> LazyText:
    """`message` as a lazy message (a LazyText is returned as it is)."""
    return message if isinstance(message, LazyText) else LazyText(message)


gettext_lazy = lazy


def lazy_labels(labels: dict[str, str]) -> dict[str, str]:
    """A label dictionary whose labels are lazy messages (extracted by `review.core.i18n_extract`)."""
    return {key: lazy(label) for key, label in labels.items()}


def text(value: Any) -> Any:
    """`value` with every lazy message in it written out in the current locale (for JSON: dicts, lists, tuples)."""
    if isinstance(value, LazyText):
        return str(value)
    if isinstance(value, dict):
        return {key: text(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [text(item) for item in value]
    return value


def written(value: Any) -> str:
    """msgspec's `enc_hook`: a lazy message (a str subclass msgspec does not take) written in the current locale."""
    if isinstance(value, LazyText):
        return str(value)
    raise NotImplementedError(f"{type(value).__name__} is not encodable")


# --- dates and numbers --------------------------------------------------------------------------------------

def babel_locale() -> Locale:
    return _babel_locale(current())


@cache
def _babel_locale(locale: str) -> Locale:
    return Locale.parse(locale)


def format_date(value: date | datetime | None, form: str = "medium", tz: tzinfo | None = None) -> str:
    """A date as the current locale writes it (`2026年12月4日`, `4 Dec 2026`)."""
    if value is None:
        return ""
    if isinstance(value, datetime) and tz is not None:
        value = value.astimezone(tz)
    return dates.format_date(value, form, locale=babel_locale())


def format_datetime(value: datetime | None, form: str = "medium", tz: tzinfo | None = None) -> str:
    """An instant as the current locale writes it, in `tz` (Beijing time where the caller says so)."""
    if value is None:
        return ""
    return dates.format_datetime(value, form, tzinfo=tz, locale=babel_locale())


def format_number(value: float | None, digits: int | None = None) -> str:
    """A number with the current locale's separators (`12,345.6`), to `digits` decimals when given."""
    if value is None:
        return ""
    if digits is None:
        return numbers.format_decimal(value, locale=babel_locale())
    return numbers.format_decimal(value, format=f"#,##0.{'0' * digits}" if digits else "#,##0",
                                  locale=babel_locale())


def format_percent(value: float | None, digits: int = 0) -> str:
    """A share (0.25) as a percentage in the current locale (`25%`)."""
    if value is None:
        return ""
    pattern = f"#,##0.{'0' * digits}%" if digits else "#,##0%"
    return numbers.format_percent(value, format=pattern, locale=babel_locale())
