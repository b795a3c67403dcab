"""Printed documents (verdicts, notices): their templates, the deny-by-default resource fetcher WeasyPrint uses,
the Jinja environment with the official date and numeral filters, and the process's font configuration."""

from __future__ import annotations

import base64
import mimetypes
import re
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import unquote_to_bytes, urlsplit
from urllib.request import url2pathname

import jinja2
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher, URLFetcherResponse, path2url

from review.core import i18n
from review.core.document_format import chinese_number, document_date

TEMPLATE_DIR = Path(__file__).resolve().parents[2] / "templates"
PDF_TEMPLATE_DIR = TEMPLATE_DIR / "pdf"

_MIME_BY_SUFFIX = {
    ".css": "text/css",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".woff2": "font/woff2",
    ".woff": "font/woff",
    ".otf": "font/otf",
    ".ttf": "font/ttf",
}


class VerdictURLFetcher(URLFetcher):
    """Deny-by-default fetcher: serves ``data:`` URIs and files under ``root`` only.

    Everything else raises :class:`ValueError` before any I/O happens.
    ``requested`` records every URL WeasyPrint asked for (served or not),
    ``served`` the ones that were answered, ``denied`` the refused ones.
    """

    def __init__(self, root: Path = PDF_TEMPLATE_DIR) -> None:
        # fail_on_errors=False: a refused resource is left out (and recorded in
        # ``denied``), WeasyPrint carries on. Tests assert ``denied`` is empty.
        super().__init__(allowed_protocols=("data", "file"), allow_redirects=False)
        self.root = Path(root).resolve()
        self.requested: list[str] = []
        self.served: list[str] = []
        self.denied: list[str] = []

    def fetch(self, url: str, headers: dict[str, str] | None = None) -> URLFetcherResponse:
        self.requested.append(url)
        try:
            response = self._serve(url)
        except ValueError:
            self.denied.append(url)
            raise
        self.served.append(url)
        return response

    def _serve(self, url: str) -> URLFetcherResponse:
        scheme, sep, _ = url.partition(":")
        if not sep:
            raise ValueError(f"拒绝获取资源（不是绝对地址）：{url[:200]}")
        scheme = scheme.lower()
        if scheme == "data":
            return self._data(url)
        if scheme == "file":
            return self._file(url)
        raise ValueError(f"拒绝获取资源（协议 {scheme} 不允许）：{url[:200]}")

    @staticmethod
    def _data(url: str) -> URLFetcherResponse:
        header, comma, payload = url[len("data:") :].partition(",")
        if not comma:
            raise ValueError("拒绝获取资源（data: 地址格式错误）")
        params = header.split(";")
        is_base64 = params[-1].strip().lower() == "base64"
        if is_base64:
            params = params[:-1]
        media_type = params[0].strip() or "text/plain"
        raw = unquote_to_bytes(payload)
        if is_base64:
            try:
                body = base64.b64decode(raw, validate=False)
            except ValueError as exc:  # binascii.Error is a ValueError
                raise ValueError("拒绝获取资源（data: base64 无效）") from exc
        else:
            body = raw
        content_type = "; ".join([media_type, *(p.strip() for p in params[1:] if p.strip())])
        return URLFetcherResponse(url, body, {"Content-Type": content_type})

    def _file(self, url: str) -> URLFetcherResponse:
        parts = urlsplit(url)
        if parts.netloc not in ("", "localhost"):
            raise ValueError(f"拒绝获取资源（远程文件主机 {parts.netloc}）：{url[:200]}")
        try:
            path = Path(url2pathname(parts.path)).resolve(strict=True)  # url2pathname unquotes
        except (OSError, RuntimeError) as exc:
            raise ValueError(f"拒绝获取资源（文件不存在）：{url[:200]}") from exc
        if not path.is_relative_to(self.root) or not path.is_file():
            raise ValueError(f"拒绝获取资源（不在模板目录内）：{url[:200]}")
        content_type = _MIME_BY_SUFFIX.get(path.suffix.lower()) or (
            mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        )
        if content_type.startswith("text/"):
            content_type += "; charset=utf-8"
        return URLFetcherResponse(path2url(path), path.read_bytes(), {"Content-Type": content_type})


# A run of this many letters, digits and signs without a break opportunity (an address, a file name, a hash)
# gets one between every two characters: WeasyPrint breaks such a run only when it is longer than a whole line,
# so a shorter one would move down whole and leave the line before it ending many characters short.
_LONG_RUN = re.compile(r"[!-~]{11,}")


def breakable(text: str) -> str:
    """The text with zero-width spaces inside long Latin runs (invisible, and absent from copied text)."""
    return _LONG_RUN.sub(lambda m: "\u200b".join(m.group(0)), text)


class ChineseTemplate(jinja2.Template):
    """A printed document's template: rendered in Chinese whatever the request's locale (they are official
    documents), so a label handed in reads as it does on paper."""

    def render(self, *args: Any, **kwargs: Any) -> str:
        with i18n.use_locale(i18n.DEFAULT):
            return super().render(*args, **kwargs)


@lru_cache(maxsize=1)
def pdf_environment() -> jinja2.Environment:
    """The Jinja environment of every printed document (verdicts, notices): GB/T 9704 dates, breakable runs."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATE_DIR),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.template_class = ChineseTemplate
    env.filters["doc_date"] = document_date
    env.filters["breakable"] = breakable
    env.globals["cn_num"] = chinese_number
    return env


@lru_cache(maxsize=1)
def font_config() -> FontConfiguration:
    """Fontconfig set up once per process: every verdict uses the same system CJK fonts."""
    return FontConfiguration()


# Official documents (verdicts, mediation agreements) are written as tagged PDF/UA-1: a structure tree that
# screen readers follow, and the document language (/Lang) read from the template's <html lang>.
ACCESSIBLE_PDF: dict[str, str] = {"pdf_variant": "pdf/ua-1"}
