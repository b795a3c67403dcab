"""Render a :class:`~review.verdicts.document.VerdictDocument` to PDF bytes (DESIGN.md §6).

* Jinja2 with autoescape: every field is text, never markup.
* A deny-by-default URL fetcher: WeasyPrint may read ``data:`` URIs and files
  under ``templates/pdf/``; nothing else (no http, https, ftp, no other file).
* Deterministic: the same document renders to the same bytes (fixed PDF
  identifier, fixed creation/modification dates, no timestamps). The office's
  signature is added afterwards (``review.verdicts.signing``), as an incremental
  update that keeps these bytes.
* Laid out to GB/T 9704-2012 by ``templates/pdf/verdict.css``; the seal is an
  SVG drawn from :func:`seal_layout`.

Rendering is CPU-heavy (hundreds of milliseconds); call it from the background
job, never on the request path.
"""

from __future__ import annotations

import base64
import ctypes.util
import gc
import hashlib
import math
import mimetypes
import re
import shutil
import subprocess
import threading
from functools import lru_cache
from pathlib import Path
from urllib.parse import unquote_to_bytes, urlsplit
from urllib.request import url2pathname

import jinja2
import segno
from weasyprint import HTML
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher, URLFetcherResponse, path2url

from review.verdicts.document import VerdictDocument, chinese_number, document_date

__all__ = [
    "PDF_TEMPLATE_DIR",
    "TEMPLATE_DIR",
    "VerdictURLFetcher",
    "build_verdict_html",
    "check_pdf_environment",
    "font_config",
    "pdf_environment",
    "render_verdict_pdf",
]

TEMPLATE_DIR = Path(__file__).resolve().parents[2] / "templates"
PDF_TEMPLATE_DIR = TEMPLATE_DIR / "pdf"
TEMPLATE_NAME = "pdf/verdict.html"

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

    def fetch(self, url: str, headers: dict | None = None) -> URLFetcherResponse:
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
    env.filters["doc_date"] = document_date
    env.filters["breakable"] = breakable
    env.globals["cn_num"] = chinese_number
    return env


def _weight_labels(doc: VerdictDocument) -> list[str]:
    """Weights as printed: percentages when they add up to 1 or 100, raw otherwise."""
    weights = [c.weight for c in doc.criteria]
    total = sum(weights)
    if abs(total - 1.0) < 1e-6:
        return [f"{w * 100:.4g}%" for w in weights]
    if abs(total - 100.0) < 1e-4:
        return [f"{w:.4g}%" for w in weights]
    return [f"{w:.4g}" for w in weights]


@lru_cache(maxsize=8)
def _qr_data_uri(url: str) -> str:
    """The QR code as a PNG of one pixel per module, printed sharp (``image-rendering: pixelated``).

    A bitmap rather than SVG: WeasyPrint embeds it as is instead of laying out a vector path, and a test
    can read the module grid back out of the PDF file. Cached: both versions of a verdict carry the same code.
    """
    qr = segno.make(url, error="m", micro=False)
    return qr.png_data_uri(scale=1, border=0, dark="#000000", light="#ffffff")


# The seal, in tenths of a millimetre: 42 mm across, a 1.2 mm red ring, a star in the middle and the office's
# name along the upper arc, condensed as on a real seal, every character upright with its top to the rim.
SEAL_SIZE = 420
SEAL_RING_RADIUS = 200
SEAL_RING_WIDTH = 12
SEAL_FONT = 54  # 5.4 mm tall
SEAL_TEXT_TOP = 28  # from the seal's top edge to the top of the characters
SEAL_MAX_SPAN = 200.0  # degrees of arc the name may take: no character turns past 100° from upright
SEAL_MAX_STEP = 24.0


def seal_layout(office: str) -> dict:
    """Geometry of the SVG seal: each character of the office name with its angle from the top, in degrees."""
    chars = [c for c in office if not c.isspace()]
    n = len(chars)
    c = SEAL_SIZE / 2
    radius = c - SEAL_TEXT_TOP - SEAL_FONT / 2  # of the characters' centres
    step = min(SEAL_MAX_SPAN / (n - 1), SEAL_MAX_STEP) if n > 1 else 0.0
    # Condense the characters so that each takes its share of the arc, less a small gap.
    width = math.radians(step) * radius - 6 if n > 1 else SEAL_FONT
    squeeze = max(0.5, min(0.9, width / SEAL_FONT))
    start = -step * (n - 1) / 2
    # distance from the centre to the characters' baseline (their em box is 0.88 above it and 0.12 below)
    baseline = c - SEAL_TEXT_TOP - 0.88 * SEAL_FONT
    outer, inner = 62.0, 62.0 * 0.382
    star = []
    for k in range(10):
        r = outer if k % 2 == 0 else inner
        a = math.radians(-90 + 36 * k)
        star.append(f"{c + r * math.cos(a):.1f},{c + r * math.sin(a):.1f}")
    return {
        "size": SEAL_SIZE, "c": f"{c:g}", "ring_r": SEAL_RING_RADIUS, "ring_w": SEAL_RING_WIDTH,
        "font": SEAL_FONT, "squeeze": f"{squeeze:.3f}",
        "star": " ".join(star),
        "chars": [_seal_char(ch, start + i * step, c, baseline) for i, ch in enumerate(chars)],
    }


def _seal_char(char: str, angle: float, centre: float, baseline: float) -> dict:
    """A character turned ``angle`` degrees clockwise from the top about the seal's centre, its top to the rim."""
    a = math.radians(angle)
    return {"char": char, "angle": f"{angle:.2f}",
            "x": f"{centre + baseline * math.sin(a):.2f}", "y": f"{centre - baseline * math.cos(a):.2f}"}


def _pdf_identifier(doc: VerdictDocument) -> bytes:
    """Fixed PDF /ID: depends only on the number and date, never on time or randomness."""
    return hashlib.sha256(f"{doc.number}|{doc.issued_on.isoformat()}".encode()).hexdigest()[:32].encode()


def build_verdict_html(doc: VerdictDocument) -> str:
    """The HTML that WeasyPrint lays out (exposed for tests and the benchmark)."""
    return (
        pdf_environment()
        .get_template(TEMPLATE_NAME)
        .render(
            doc=doc,
            chair=doc.chair,
            weight_labels=_weight_labels(doc),
            qr_uri=_qr_data_uri(doc.verify_url),
            seal=seal_layout(doc.issuing_office),
        )
    )


def render_verdict_pdf(doc: VerdictDocument, *, url_fetcher: VerdictURLFetcher | None = None) -> bytes:
    """Render the verdict to PDF bytes; the same document always yields the same bytes.

    ``url_fetcher`` is only for inspection in tests; it must be a
    :class:`VerdictURLFetcher` (deny-by-default).

    WeasyPrint's layout objects form reference cycles that hold copies of the
    CJK font files (20–27 MB each) until the cyclic collector runs; a full
    ``gc.collect()`` after each render (~40 ms) keeps a worker's peak RSS at
    about 220 MB instead of 500+ MB over repeated renders.
    """
    fetcher = url_fetcher if url_fetcher is not None else VerdictURLFetcher()
    if not isinstance(fetcher, VerdictURLFetcher):
        raise TypeError("url_fetcher must be a VerdictURLFetcher")
    global _frozen
    with _render_lock:
        try:
            return _write_pdf(doc, fetcher)
        finally:
            gc.collect()
            if not _frozen:
                # Everything alive after the first render (WeasyPrint's modules, caches, the font
                # configuration) stays for the life of the process: moving it out of the collector's
                # reach makes each later collection ~5 ms instead of ~35 ms.
                gc.freeze()
                _frozen = True


# One render at a time per process: the font configuration is shared, and layout is CPU-bound anyway.
_render_lock = threading.Lock()
_frozen = False


@lru_cache(maxsize=1)
def font_config() -> FontConfiguration:
    """Fontconfig set up once per process: every verdict uses the same system CJK fonts."""
    return FontConfiguration()


def _write_pdf(doc: VerdictDocument, fetcher: VerdictURLFetcher) -> bytes:
    html = HTML(
        string=build_verdict_html(doc),
        base_url=path2url(str(PDF_TEMPLATE_DIR) + "/"),
        url_fetcher=fetcher,
    )
    return html.write_pdf(
        font_config=font_config(),
        pdf_identifier=_pdf_identifier(doc),
        uncompressed_pdf=False,
        custom_metadata=False,
    )


def check_pdf_environment() -> list[str]:
    """Problems (in Chinese) that would spoil verdict PDFs; an empty list means all is well."""
    problems: list[str] = []

    fc_list = shutil.which("fc-list")
    if fc_list is None:
        problems.append(
            "未找到 fc-list（fontconfig），无法确认中文字体；请安装 fontconfig 与 fonts-noto-cjk 软件包。"
        )
    else:
        try:
            result = subprocess.run(
                [fc_list, ":lang=zh", "family"],
                capture_output=True,
                text=True,
                timeout=30,
                check=False,
            )
            families = result.stdout
        except (OSError, subprocess.SubprocessError) as exc:
            families = ""
            problems.append(
                f"运行 fc-list 失败（{exc}），无法确认中文字体；请检查 fontconfig 与 fonts-noto-cjk 软件包。"
            )
        else:
            if not families.strip():
                problems.append(
                    "系统中没有中文字体，意见书中的汉字将无法显示；请安装 fonts-noto-cjk 软件包。"
                )
            else:
                if "Noto Serif CJK SC" not in families or "Noto Sans CJK SC" not in families:
                    problems.append(
                        "未找到 Noto Serif CJK SC / Noto Sans CJK SC 字体（意见书的小标宋、仿宋、黑体替代字体），"
                        "意见书将使用其他中文字体排版；请安装 fonts-noto-cjk 软件包。"
                    )
                if "AR PL UKai CN" not in families:
                    problems.append(
                        "未找到 AR PL UKai CN 字体（意见书二级标题的楷体替代字体）；请安装 fonts-arphic-ukai 软件包。"
                    )

    if ctypes.util.find_library("harfbuzz-subset") is None:
        problems.append(
            "未找到 HarfBuzz 字体子集库（libharfbuzz-subset），嵌入中文字体会非常慢且文件很大；"
            "请安装 libharfbuzz-subset0 软件包。"
        )
    else:
        try:
            from weasyprint.text.ffi import harfbuzz_subset
        except (ImportError, OSError):  # pragma: no cover - WeasyPrint itself would fail too
            harfbuzz_subset = None
        if harfbuzz_subset is None:
            problems.append(
                "WeasyPrint 未能加载 HarfBuzz 字体子集库，嵌入中文字体会非常慢且文件很大；"
                "请安装 libharfbuzz-subset0 软件包。"
            )
    return problems
