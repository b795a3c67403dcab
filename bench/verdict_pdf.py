"""Benchmark: verdict PDF rendering vs. bare WeasyPrint on the same HTML.

Renders a realistic three-page verdict 9 times through ``render_verdict_pdf``
(Jinja2 + QR code + deny-by-default fetcher + fixed metadata), then renders the
same pre-built HTML 9 times with bare ``HTML(string=..., base_url=...).write_pdf()``.
Each side runs in a fresh process of its own (one after the other), so neither
inherits the other's heap or garbage; one untimed warm-up comes first in each
(fontconfig and font loading). The peak RSS is that of the process rendering
with ``render_verdict_pdf``, i.e. of a render worker, after rendering the full
and the public version of the verdict 9 times each.

Prints one JSON line: {"median_s": …, "bare_median_s": …, "ratio": …, "peak_rss_mb": …}

    .venv/bin/python bench/verdict_pdf.py
"""

from __future__ import annotations

import dataclasses
import datetime
import json
import multiprocessing
import resource
import statistics
import sys
import time
from pathlib import Path

# bench/http.py is named like the standard library's `http`: keep this folder off the import path.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from weasyprint import HTML
from weasyprint.urls import path2url

from review.verdicts.document import CriterionLine, PanelSeatLine, VerdictDocument
from review.verdicts.render import PDF_TEMPLATE_DIR, build_verdict_html, render_verdict_pdf

RUNS = 9


def realistic_verdict() -> VerdictDocument:
    return VerdictDocument(
        number="评〔2026〕123号",
        issuing_office="成都市网络理政第三方评议办公室",
        issued_on=datetime.date(2026, 11, 22),
        case_number="CD-2026-0412-00873",
        category="城市管理·噪声扰民",
        district="武侯区",
        department_name="武侯区综合行政执法局",
        complainant_display="王某",
        summary=(
            "诉求人反映，某小区旁建筑工地连续多日在夜间二十二时后施工，噪声严重影响周边居民休息，"
            "多次向工地及社区反映未果，要求相关部门依法查处并规范施工时间。"
        ),
        reply_summary="承办单位答复称，已联系施工单位负责人，要求其严格遵守夜间施工管理规定，将加强巡查。",
        panel=(
            PanelSeatLine("张明", "法律专家", True),
            PanelSeatLine("李华", "市民代表", False),
            PanelSeatLine("赵磊", "行业专家", False),
        ),
        criteria_name="成都市网络理政诉求办理质量评议标准",
        criteria_version=3,
        criteria_hash="9f2c4e1ab37d5e6f8a0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d1e2f",
        criteria=(
            CriterionLine("A1", "响应及时性", 0.20, 4.2, 5),
            CriterionLine("A2", "核查深入性", 0.30, 2.4, 5),
            CriterionLine("A3", "问题解决程度", 0.30, 2.2, 5),
            CriterionLine("A4", "沟通与答复质量", 0.20, 3.0, 5),
        ),
        total=56.40,
        grade_label="办理不到位",
        ruling_text="评议组认为，承办单位未到现场核查，答复与诉求对应不足。",
        reasoning=(
            "一是承办单位仅通过电话联系施工单位，未开展现场核查。\n"
            "二是答复未说明夜间施工许可的时段是否与诉求人反映的施工时段一致。"
        ),
        redo_deadline=datetime.date(2026, 12, 6),
        dissent="",
        verification_code="7KQ4-M2XP-9D",
        verify_url="https://pingyi.chengdu.example.gov.cn/verify/7KQ4-M2XP-9D",
        public=True,
    )


def _timed(fn) -> list[float]:
    times = []
    for _ in range(RUNS):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return times


def _side(which: str) -> tuple[float, float]:
    """Median seconds of one side and the process's peak RSS in MB (runs in a fresh process)."""
    doc = realistic_verdict()
    if which == "ours":
        other = dataclasses.replace(doc, public=False)

        def fn() -> bytes:
            return render_verdict_pdf(doc)

        fn()  # warm-up: fontconfig, font loading
        times = _timed(fn)
        for _ in range(RUNS):  # a worker renders both versions of every verdict
            render_verdict_pdf(other)
    else:
        html = build_verdict_html(doc)
        base_url = path2url(str(PDF_TEMPLATE_DIR) + "/")

        def fn() -> bytes:
            return HTML(string=html, base_url=base_url).write_pdf()

        fn()
        times = _timed(fn)
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    return statistics.median(times), peak_kb / 1024


def main() -> None:
    context = multiprocessing.get_context("spawn")
    with context.Pool(1, maxtasksperchild=1) as pool:
        median, peak_mb = pool.apply(_side, ("ours",))
    with context.Pool(1, maxtasksperchild=1) as pool:
        bare_median, _ = pool.apply(_side, ("bare",))
    print(
        json.dumps(
            {
                "median_s": round(median, 4),
                "bare_median_s": round(bare_median, 4),
                "ratio": round(median / bare_median, 3),
                "peak_rss_mb": round(peak_mb, 1),
            }
        )
    )


if __name__ == "__main__":
    main()
