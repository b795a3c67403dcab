"""The assessment scheme (考核方案) as plain data: its rates, corrections, deductions, weights and grade bands;
validating a draft, the canonical JSON and its SHA-256 (pure).

A published version never changes; every period is computed under the version in force for it (the latest
published version whose `effective_from` month is not after the period's first month).
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from review.assessments import periods
from review.core.errors import DraftInvalid

# The hotline's base figures a rate may be built from (DESIGN §7), and their Chinese names.
FIGURES: dict[str, str] = {
    "handled": "受理量", "replied": "回复量", "resolved": "解决量", "rated": "评价量", "satisfied": "满意",
    "basic": "基本满意", "unsatisfied": "不满意", "overdue": "超期",
}
RATE_NAMES: dict[str, str] = {"reply": "响应率", "resolution": "解决率", "satisfaction": "满意率", "overdue": "超期率"}
WEIGHTED = ("reply", "resolution", "satisfaction")  # the rates a composite score may weigh (higher is better)
GRADES = ("proper", "basic", "improper")
GRADE_NAMES = {"proper": "办理到位", "basic": "基本到位", "improper": "办理不到位"}
_MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
_KEYS = {"name", "basic_counts_as_satisfied", "rates", "deductions", "redo_overdue_points", "redo_working_days",
         "weights", "bands", "corrections", "composite"}  # corrections and composite are derived, never set


class SchemeInvalid(DraftInvalid):
    """A draft that cannot be published as it stands: the message (Chinese) names what to fix."""


@dataclass(frozen=True)
class Rate:
    """One rate: the sum of the numerator's figures over the sum of the denominator's."""

    code: str
    numerator: tuple[str, ...]
    denominator: tuple[str, ...]

    @property
    def name(self) -> str:
        return RATE_NAMES[self.code]

    @property
    def words(self) -> str:
        def side(fields: tuple[str, ...]) -> str:
            names = " + ".join(FIGURES[f] for f in fields)
            return f"（{names}）" if len(fields) > 1 else names
        return f"{self.name} = {side(self.numerator)} ÷ {side(self.denominator)}"

    def value(self, counts: Mapping[str, int]) -> float | None:
        """The rate of these counts, or None when the denominator is zero."""
        below = sum(int(counts.get(f, 0)) for f in self.denominator)
        return sum(int(counts.get(f, 0)) for f in self.numerator) / below if below else None


@dataclass(frozen=True)
class Band:
    label: str
    min_score: float  # the band holds scores from min_score up to (not including) the next band's


@dataclass(frozen=True)
class Scheme:
    """What a published version fixes."""

    name: str
    basic_counts_as_satisfied: bool
    rates: tuple[Rate, ...]
    deductions: Mapping[str, int]  # points per ruling of each grade
    redo_overdue_points: int  # extra points for a redo order not done by its deadline
    redo_working_days: int  # a redo order's deadline, in working days on the platform's calendar
    weights: Mapping[str, float]  # composite weights of WEIGHTED rates, summing to 100
    bands: tuple[Band, ...]  # highest first; the last starts at 0

    def rate(self, code: str) -> Rate:
        return next(r for r in self.rates if r.code == code)

    def composite(self, rates: Mapping[str, float | None], points: float = 0) -> float | None:
        """综合得分 = Σ weight × rate − points deducted, never below 0; None when a weighted rate is unknown."""
        total = 0.0
        for code, weight in self.weights.items():
            value = rates.get(code)
            if weight and value is None:
                return None
            total += weight * (value or 0.0)
        return round(max(total - points, 0.0), 2)

    def grade(self, score: float | None) -> str | None:
        """The band a composite score falls in."""
        if score is None:
            return None
        return next((b.label for b in self.bands if score >= b.min_score), self.bands[-1].label)

    def corrections(self) -> list[dict[str, Any]]:
        """How each outcome of a review corrects the department's figures, as data and in words."""
        d = self.deductions
        basic_words = "计入满意率的分子" if self.basic_counts_as_satisfied else "不计入满意率的分子"
        return [
            {"outcome": "proper", "moves_from": "unsatisfied", "moves_to": "satisfied", "deducts": d["proper"],
             "words": f"评议为办理到位：该件移出不满意量，计为满意；扣 {d['proper']} 分"},
            {"outcome": "basic", "moves_from": "unsatisfied", "moves_to": "basic", "deducts": d["basic"],
             "words": f"评议为基本到位：该件移出不满意量，计为基本满意（{basic_words}）；扣 {d['basic']} 分"},
            {"outcome": "improper", "moves_from": None, "moves_to": None, "deducts": d["improper"],
             "words": f"评议为办理不到位：该件仍计为不满意，每件扣 {d['improper']} 分，并开具整改单，"
                      f"限 {self.redo_working_days} 个工作日内整改"},
            {"outcome": "redo_overdue", "moves_from": None, "moves_to": None, "deducts": self.redo_overdue_points,
             "words": f"整改逾期：整改单过期限未完成的，每件另扣 {self.redo_overdue_points} 分"},
            {"outcome": "settled", "moves_from": None, "moves_to": None, "deducts": 0,
             "words": "调解结案：不作评议结论，不改变原评价，不扣分，单列调解结案件数"},
            {"outcome": "superseded", "moves_from": None, "moves_to": None, "deducts": None,
             "words": "复议结论取代原结论：原结论在其计入的期间撤回（更正与扣分一并撤回），"
                      "按复议结论计入复议结论作出的期间"},
            {"outcome": "withdrawn", "moves_from": None, "moves_to": None, "deducts": None,
             "words": "评议意见书撤销或更正：评议结论本身不变，考核计数与扣分不变；"
                      "只有复议作出的新结论才改变考核"},
        ]


DEFAULT = Scheme(
    name="部门绩效考核方案",
    basic_counts_as_satisfied=True,
    rates=(Rate("reply", ("replied",), ("handled",)), Rate("resolution", ("resolved",), ("handled",)),
           Rate("satisfaction", ("satisfied", "basic"), ("rated",)), Rate("overdue", ("overdue",), ("handled",))),
    deductions={"proper": 0, "basic": 0, "improper": 2},
    redo_overdue_points=1,
    redo_working_days=15,
    weights={"reply": 30.0, "resolution": 35.0, "satisfaction": 35.0},
    bands=(Band("优秀", 90.0), Band("良好", 80.0), Band("合格", 60.0), Band("不合格", 0.0)),
)


# --- reading a draft --------------------------------------------------------------------------------------


def _number(value: Any, field: str, label: str) -> float:
    if isinstance(value, bool):
        raise SchemeInvalid(f"{label}应为数字", field)
    try:
        number = float(str(value).strip()) if isinstance(value, str) else float(value)
    except (TypeError, ValueError):
        raise SchemeInvalid(f"{label}应为数字", field) from None
    if not math.isfinite(number):
        raise SchemeInvalid(f"{label}应为数字", field)
    return number


def _whole(value: Any, field: str, label: str, low: int, high: int) -> int:
    number = _number(value, field, label)
    if not number.is_integer():
        raise SchemeInvalid(f"{label}应为整数", field)
    if not low <= number <= high:
        raise SchemeInvalid(f"{label}应在 {low}–{high} 之间", field)
    return int(number)


def _flag(value: Any, field: str, label: str) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("true", "1", "yes", "on", "是"):
        return True
    if text in ("false", "0", "no", "off", "否", ""):
        return False
    raise SchemeInvalid(f"{label}应为 true 或 false", field)


def _fields(value: Any, field: str, label: str) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [v.strip() for v in value.replace("＋", "+").replace("，", ",").replace("+", ",").split(",")]
        value = [v for v in value if v]
    if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
        raise SchemeInvalid(f"{label}应列出至少一项基础数据", field)
    unknown = [v for v in value if v not in FIGURES]
    if unknown:
        raise SchemeInvalid(f"{label}中的「{unknown[0]}」不是基础数据（可用：{'、'.join(FIGURES)}）", field)
    if len(set(value)) != len(value):
        raise SchemeInvalid(f"{label}中有重复的项", field)
    return tuple(value)


def _rates(raw: Any, basic_counts: bool) -> tuple[Rate, ...]:
    if raw is None:  # left out: the default formulas, satisfaction by the published choice on 基本满意
        satisfied = ("satisfied", "basic") if basic_counts else ("satisfied",)
        return tuple(Rate(r.code, satisfied if r.code == "satisfaction" else r.numerator, r.denominator)
                     for r in DEFAULT.rates)
    if not isinstance(raw, list):
        raise SchemeInvalid("rates 应为数组", "rates")
    rates: dict[str, Rate] = {}
    for i, item in enumerate(raw):
        where = f"rates.{i}"
        if not isinstance(item, dict):
            raise SchemeInvalid("每项比率应为对象", where)
        code = item.get("code")
        if code not in RATE_NAMES:
            raise SchemeInvalid(f"比率代码应为 {', '.join(RATE_NAMES)} 之一", f"{where}.code")
        if code in rates:
            raise SchemeInvalid(f"比率「{RATE_NAMES[code]}」重复", f"{where}.code")
        label = RATE_NAMES[code]
        rates[code] = Rate(code, _fields(item.get("numerator"), f"{where}.numerator", f"{label}的分子"),
                           _fields(item.get("denominator"), f"{where}.denominator", f"{label}的分母"))
    missing = [c for c in RATE_NAMES if c not in rates]
    if missing:
        raise SchemeInvalid(f"缺少比率「{RATE_NAMES[missing[0]]}」", "rates")
    satisfaction = rates["satisfaction"]
    if ("basic" in satisfaction.numerator) != basic_counts:
        raise SchemeInvalid("满意率的分子是否含基本满意，应与「基本满意计为满意」的选择一致",
                            f"rates.{list(rates).index('satisfaction')}.numerator")
    return tuple(rates[c] for c in RATE_NAMES)


def _bands(raw: Any) -> tuple[Band, ...]:
    if not isinstance(raw, list) or not 2 <= len(raw) <= 8:
        raise SchemeInvalid("等级应有 2–8 档", "bands")
    bands: list[Band] = []
    for i, item in enumerate(raw):
        where = f"bands.{i}"
        if not isinstance(item, dict):
            raise SchemeInvalid("每档等级应为对象（label, min）", where)
        label = str(item.get("label") or "").strip()
        if not label:
            raise SchemeInvalid(f"请填写第 {i + 1} 档等级的名称", f"{where}.label")
        if len(label) > 16:
            raise SchemeInvalid(f"第 {i + 1} 档等级的名称不能超过 16 个字", f"{where}.label")
        low = _number(item.get("min"), f"{where}.min", f"「{label}」的分数下限")
        if not 0 <= low <= 100:
            raise SchemeInvalid(f"「{label}」的分数下限应在 0–100 之间", f"{where}.min")
        if bands and low >= bands[-1].min_score:
            raise SchemeInvalid(f"「{label}」的分数下限应低于上一档「{bands[-1].label}」的 {bands[-1].min_score:g}",
                                f"{where}.min")
        bands.append(Band(label, low))
    if len({b.label for b in bands}) != len(bands):
        raise SchemeInvalid("等级名称不能重复", "bands")
    if bands[-1].min_score != 0:
        raise SchemeInvalid(f"最低一档「{bands[-1].label}」的分数下限应为 0，使每个得分都有等级",
                            f"bands.{len(bands) - 1}.min")
    return tuple(bands)


def parse_scheme(raw: Any) -> Scheme:
    """A draft from JSON-like input (the published JSON itself reads back), or SchemeInvalid naming the field."""
    if not isinstance(raw, dict):
        raise SchemeInvalid("考核方案应为对象", "name")
    unknown = sorted(set(raw) - _KEYS)
    if unknown:
        raise SchemeInvalid(f"考核方案没有「{unknown[0]}」这一项", unknown[0])
    name = str(raw.get("name") or "").strip()
    if not name:
        raise SchemeInvalid("请填写方案名称", "name")
    if len(name) > 100:
        raise SchemeInvalid("方案名称不能超过 100 个字", "name")
    basic_counts = _flag(raw.get("basic_counts_as_satisfied", True), "basic_counts_as_satisfied",
                         "「基本满意计为满意」")
    deductions_raw = raw.get("deductions")
    if not isinstance(deductions_raw, dict):
        raise SchemeInvalid("deductions 应为对象（proper, basic, improper）", "deductions")
    if set(deductions_raw) - set(GRADES):
        raise SchemeInvalid("扣分只按 proper、basic、improper 三种结论设定", "deductions")
    deductions = {g: _whole(deductions_raw.get(g, 0), f"deductions.{g}", f"{GRADE_NAMES[g]}的扣分", 0, 100)
                  for g in GRADES}
    weights_raw = raw.get("weights")
    if not isinstance(weights_raw, dict):
        raise SchemeInvalid("weights 应为对象（reply, resolution, satisfaction）", "weights")
    if set(weights_raw) - set(WEIGHTED):
        other = min(set(weights_raw) - set(WEIGHTED))
        raise SchemeInvalid(f"综合得分只能为 {', '.join(WEIGHTED)} 设权重，不能为「{other}」", f"weights.{other}")
    weights: dict[str, float] = {}
    for code in WEIGHTED:
        weight = _number(weights_raw.get(code, 0), f"weights.{code}", f"{RATE_NAMES[code]}的权重")
        if weight < 0:
            raise SchemeInvalid(f"{RATE_NAMES[code]}的权重不能为负", f"weights.{code}")
        weights[code] = weight
    if abs(sum(weights.values()) - 100) > 1e-9:
        raise SchemeInvalid(f"各项权重之和应为 100（现为 {sum(weights.values()):g}）", "weights")
    return Scheme(
        name=name, basic_counts_as_satisfied=basic_counts, rates=_rates(raw.get("rates"), basic_counts),
        deductions=deductions,
        redo_overdue_points=_whole(raw.get("redo_overdue_points", 0), "redo_overdue_points", "整改逾期的加扣分", 0, 100),
        redo_working_days=_whole(raw.get("redo_working_days"), "redo_working_days", "整改期限（工作日）", 1, 60),
        weights=weights, bands=_bands(raw.get("bands")),
    )


def parse_month(value: Any, field: str = "effective_from") -> str:
    """A month as YYYY-MM, or SchemeInvalid naming the field."""
    text = str(value or "").strip()
    if not _MONTH.fullmatch(text):
        raise SchemeInvalid("生效期间应为月份，形如 2027-01", field)
    return text


def first_month(period: str) -> str:
    """The first month of a period: a month (2026-10), a quarter (2026-Q4) or a year (2026)."""
    return periods.first_month(period)


def in_force(versions: list[tuple[int, str]], period: str) -> int | None:
    """Of published (version, effective_from) pairs, the version in force for the period: the latest published
    whose effective_from is not after the period's first month; None before the first."""
    month = first_month(period)
    eligible = [v for v, start in versions if start <= month]
    return max(eligible) if eligible else None


# --- the canonical form -----------------------------------------------------------------------------------


def scheme_json(scheme: Scheme) -> dict[str, Any]:
    """The scheme as plain JSON data: what the API returns, the page reads out and the hash covers."""
    return {
        "name": scheme.name,
        "basic_counts_as_satisfied": scheme.basic_counts_as_satisfied,
        "rates": [{"code": r.code, "name": r.name, "numerator": list(r.numerator), "denominator": list(r.denominator),
                   "words": r.words} for r in scheme.rates],
        "deductions": dict(scheme.deductions),
        "redo_overdue_points": scheme.redo_overdue_points,
        "redo_working_days": scheme.redo_working_days,
        "weights": {k: float(v) for k, v in scheme.weights.items()},
        "composite": {"words": "综合得分 = " + " + ".join(f"{RATE_NAMES[c]} × {w:g}" for c, w in scheme.weights.items())
                      + " − 扣分（比率按小数计，满分 100，最低 0 分）"},
        "bands": [{"label": b.label, "min": float(b.min_score)} for b in scheme.bands],
        "corrections": scheme.corrections(),
    }


def canonical(scheme: Scheme) -> str:
    """One byte-exact text per scheme: sorted keys, no whitespace, UTF-8 (the weights and band limits as floats)."""
    return json.dumps(scheme_json(scheme), ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def scheme_hash(scheme: Scheme) -> str:
    """SHA-256 of the canonical form: anyone holding the published JSON can recompute it."""
    return hashlib.sha256(canonical(scheme).encode()).hexdigest()


def band_words(scheme: Scheme) -> list[str]:
    """The grade bands in words, highest first: 优秀 ≥ 90, 良好 80–90（不含 90）, …"""
    out = []
    for i, band in enumerate(scheme.bands):
        if i == 0:
            out.append(f"{band.label}：综合得分 ≥ {band.min_score:g}")
        else:
            out.append(f"{band.label}：{band.min_score:g} ≤ 综合得分 < {scheme.bands[i - 1].min_score:g}")
    return out
