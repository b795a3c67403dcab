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

import ctypes.util
import gc
import hashlib
import math
import shutil
import subprocess
import threading
from functools import lru_cache

import segno
from weasyprint import HTML
from weasyprint.urls import path2url

from review.core.printing import (
    ACCESSIBLE_PDF,
    PDF_TEMPLATE_DIR,
    TEMPLATE_DIR,
    VerdictURLFetcher,
    font_config,
    pdf_environment,
)
from review.verdicts.document import VerdictDocument

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

TEMPLATE_NAME = "pdf/verdict.html"


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
        **ACCESSIBLE_PDF,
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
            # lazy: a private WeasyPrint module, read only to check the subsetter is there
            from weasyprint.text.ffi import harfbuzz_subset
        except (ImportError, OSError):  # pragma: no cover - WeasyPrint itself would fail too
            harfbuzz_subset = None
        if harfbuzz_subset is None:
            problems.append(
                "WeasyPrint 未能加载 HarfBuzz 字体子集库，嵌入中文字体会非常慢且文件很大；"
                "请安装 libharfbuzz-subset0 软件包。"
            )
    return problems
