"""Aggregation of score sheets and the published ruling rule (DESIGN §4), pure."""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from typing import Any

from review.core.i18n import lazy_labels


@dataclass(frozen=True)
class CriterionSpec:
    code: str
    weight: float
    scale_max: int


METHODS = ("mean", "trimmed_mean", "median")
METHOD_LABELS = {"mean": "算术平均", "trimmed_mean": "去掉最高分和最低分后平均", "median": "中位数"}


@dataclass(frozen=True)
class RulingRule:
    method: str = "mean"  # mean / trimmed_mean / median
    min_sheets: int = 3
    required_roles: tuple[str, ...] = ("lawyer",)
    proper_at: float = 85.0  # weighted total ≥ this → 办理到位
    basic_at: float = 60.0  # ≥ this → 基本到位, below → 办理不到位
    dispersion_limit: float = 1.5  # standard deviation of one criterion's scores, in scale points
    reconsideration_days: int = 10  # working days after issue in which a party may ask for reconsideration

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> RulingRule:
        known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        if "required_roles" in known:
            known["required_roles"] = tuple(known["required_roles"])
        return cls(**known)


@dataclass(frozen=True)
class Sheet:
    member_role: str
    scores: dict[str, int]  # criterion code → score


GRADE_LABELS = lazy_labels({"proper": "办理到位", "basic": "基本到位", "improper": "办理不到位"})
RULING_TEXT = {
    "proper": "经评议，承办部门办理到位，诉求人的投诉不予支持。",
    "basic": "经评议，承办部门办理基本到位，应进一步做好解释和沟通工作。",
    "improper": "经评议，承办部门办理不到位，诉求人的投诉予以支持，责令承办部门限期重新办理。",
}


@dataclass(frozen=True)
class Aggregate:
    per_criterion: dict[str, float]
    total: float
    grade: str | None  # None while quorum is not met
    quorum_met: bool
    missing: list[str] = field(default_factory=list)
    dispersed: list[str] = field(default_factory=list)


def _combine(values: list[int], method: str) -> float:
    if method == "median":
        return float(statistics.median(values))
    if method == "trimmed_mean" and len(values) >= 4:
        values = sorted(values)[1:-1]
    return statistics.fmean(values)


def grade_for(total: float, rule: RulingRule) -> str:
    if total >= rule.proper_at:
        return "proper"
    return "basic" if total >= rule.basic_at else "improper"


def aggregate_scores(criteria: list[CriterionSpec], sheets: list[Sheet], rule: RulingRule) -> Aggregate:
    """Per-criterion combination, weighted total on 0–100, quorum and dispersion by the rule."""
    missing: list[str] = []
    if len(sheets) < rule.min_sheets:
        missing.append(f"至少需要 {rule.min_sheets} 份评分表，现有 {len(sheets)} 份")
    roles = {s.member_role for s in sheets}
    missing.extend(f"缺少角色 {role} 的评分" for role in rule.required_roles if role not in roles)
    if not sheets:
        return Aggregate({}, 0.0, None, False, missing)
    per: dict[str, float] = {}
    dispersed: list[str] = []
    for c in criteria:
        values = [s.scores[c.code] for s in sheets]
        per[c.code] = round(_combine(values, rule.method), 4)
        if len(values) > 1 and statistics.pstdev(values) > rule.dispersion_limit:
            dispersed.append(c.code)
    weight_sum = sum(c.weight for c in criteria)
    total = sum(c.weight * per[c.code] / c.scale_max for c in criteria) / weight_sum * 100
    total = round(total, 2)
    quorum = not missing
    return Aggregate(per, total, grade_for(total, rule) if quorum else None, quorum, missing, dispersed)
