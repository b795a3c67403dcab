"""What a verdict PDF says (DESIGN.md §6), as plain frozen data.

Pure module: no I/O, no database, no WeasyPrint. The caller (the background
render job) is responsible for masking personal data *before* building a
:class:`VerdictDocument` (DESIGN.md §8); nothing here unmasks or re-derives it.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

__all__ = [
    "CriterionLine",
    "PanelSeatLine",
    "VerdictDocument",
    "chinese_number",
    "document_date",
    "document_number",
]


@dataclass(frozen=True)
class PanelSeatLine:
    """One seat of the review panel as printed: name, role, whether chair."""

    name: str
    role_label: str
    is_chair: bool


@dataclass(frozen=True)
class CriterionLine:
    """One row of the score table: the criterion and the panel's mean score."""

    code: str
    name: str
    weight: float
    mean: float
    scale_max: int


@dataclass(frozen=True)
class VerdictDocument:
    """Everything printed on one verdict (意见书), already masked for its audience."""

    number: str  # 评〔2026〕1号 (GB/T 9704-2012 7.2.4: no leading zeros, no 第)
    issuing_office: str  # 成都市网络理政第三方评议办公室
    issued_on: datetime.date
    case_number: str
    category: str
    district: str
    department_name: str
    complainant_display: str  # already masked, e.g. "王某"
    summary: str  # already masked complaint text
    reply_summary: str
    panel: tuple[PanelSeatLine, ...]
    criteria_name: str
    criteria_version: int
    criteria_hash: str
    criteria: tuple[CriterionLine, ...]
    total: float
    grade_label: str  # 办理到位 / 基本到位 / 办理不到位
    ruling_text: str
    reasoning: str
    redo_deadline: datetime.date | None
    dissent: str
    verification_code: str
    verify_url: str  # full URL …/verify/{code}
    public: bool  # True: public version (panel names kept, complainant removed entirely)
    required_actions: tuple[str, ...] = ()  # 整改要求, one line each; printed when a redo deadline is set
    panel_label: str = "评议组"  # 复议评议组 on the verdict of a reconsideration's ruling
    corrects: str = ""  # the number of the withdrawn verdict this one corrects, printed under the number
    redo_deadline_provisional: bool = False  # 暂定: counted across a year with no official holiday table

    @property
    def chair(self) -> PanelSeatLine | None:
        """The chair's seat, or None if the panel has no chair marked."""
        return next((seat for seat in self.panel if seat.is_chair), None)


_DIGITS = "〇一二三四五六七八九"


def chinese_number(n: int) -> str:
    """Write 0 ≤ n ≤ 99 in Chinese numerals, as the （一）（二） of a list: 十, 十一, 二十, 三十一."""
    if not 0 <= n <= 99:
        raise ValueError(f"chinese_number supports 0..99, got {n}")
    if n < 10:
        return _DIGITS[n]
    tens, units = divmod(n, 10)
    head = "十" if tens == 1 else _DIGITS[tens] + "十"
    return head + (_DIGITS[units] if units else "")


def document_date(d: datetime.date) -> str:
    """A date as GB/T 9704-2012 (7.3.5.1) writes 成文日期, in Arabic numerals: 2026-12-03 → 2026年12月3日."""
    return f"{d.year}年{d.month}月{d.day}日"


def document_number(prefix: str, year: int, sequence: int) -> str:
    """发文字号 as GB/T 9704-2012 (7.2.4) writes it: 评〔2026〕41号 — 〔〕 round the year, no 第, no leading zeros."""
    if sequence < 1:
        raise ValueError(f"a document's sequence number starts at 1, got {sequence}")
    return f"{prefix}〔{year}〕{sequence}号"
