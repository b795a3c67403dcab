"""What a verdict PDF says (DESIGN.md §6), as plain frozen data.

Pure module: no I/O, no database, no WeasyPrint. The caller (the background
render job) is responsible for masking personal data *before* building a
:class:`VerdictDocument` (DESIGN.md §8); nothing here unmasks or re-derives it.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from review.core.document_format import chinese_number, document_date, document_number

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


