"""Criteria sets as plain data: validating a draft, its canonical form and content hash (pure)."""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import asdict, dataclass
from typing import Any

from scoring.domain.aggregate import METHODS, RulingRule

ROLE_CODES = ("lawyer", "deputy", "resident", "expert", "township")


@dataclass(frozen=True)
class CriterionDraft:
    code: str
    name: str
    description: str
    weight: float
    levels: tuple[str, ...]  # one descriptor per level, lowest first; the scale is 1..len(levels)

    @property
    def scale_max(self) -> int:
        return len(self.levels)


@dataclass(frozen=True)
class CriteriaContent:
    """What a published version fixes: its name, criteria and ruling rule."""

    name: str
    criteria: tuple[CriterionDraft, ...]
    rule: RulingRule


class DraftInvalid(Exception):
    """A draft that cannot be published as it stands: the message names what to fix."""

    def __init__(self, message: str, field: str) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


def _text(value: Any, field: str, label: str, limit: int) -> str:
    text = str(value or "").strip()
    if not text:
        raise DraftInvalid(f"请填写{label}", field)
    if len(text) > limit:
        raise DraftInvalid(f"{label}不能超过 {limit} 个字", field)
    return text


def _number(value: Any, field: str, label: str) -> float:
    if isinstance(value, bool):
        raise DraftInvalid(f"{label}应为数字", field)
    try:
        number = float(str(value).strip()) if isinstance(value, str) else float(value)
    except (TypeError, ValueError):
        raise DraftInvalid(f"{label}应为数字", field) from None
    if not math.isfinite(number):
        raise DraftInvalid(f"{label}应为数字", field)
    return number


def _whole(value: Any, field: str, label: str) -> int:
    number = _number(value, field, label)
    if not number.is_integer():
        raise DraftInvalid(f"{label}应为整数", field)
    return int(number)


def parse_rule(raw: Any) -> RulingRule:
    """The ruling rule from JSON-like input, checked for sense."""
    if not isinstance(raw, dict):
        raise DraftInvalid("rule 应为对象", "rule")
    method = str(raw.get("method", "mean"))
    if method not in METHODS:
        raise DraftInvalid("汇总方法应为 mean、trimmed_mean 或 median", "rule.method")
    min_sheets = _whole(raw.get("min_sheets", 3), "rule.min_sheets", "最少评分表数")
    if not 1 <= min_sheets <= 15:
        raise DraftInvalid("最少评分表数应在 1–15 之间", "rule.min_sheets")
    # Left out, the roles that must be present are the default rule's (a lawyer), not none at all.
    roles = raw.get("required_roles", list(RulingRule.required_roles))
    if isinstance(roles, str):
        roles = [r.strip() for r in roles.replace("，", ",").split(",") if r.strip()]
    if not isinstance(roles, list) or any(r not in ROLE_CODES for r in roles):
        raise DraftInvalid(f"必须到场的角色只能是 {', '.join(ROLE_CODES)}", "rule.required_roles")
    proper_at = _number(raw.get("proper_at", 85), "rule.proper_at", "办理到位分数线")
    basic_at = _number(raw.get("basic_at", 60), "rule.basic_at", "基本到位分数线")
    if not 0 < basic_at < proper_at <= 100:
        raise DraftInvalid("分数线应满足 0 < 基本到位 < 办理到位 ≤ 100", "rule.proper_at")
    limit = _number(raw.get("dispersion_limit", 1.5), "rule.dispersion_limit", "分歧上限")
    if limit <= 0:
        raise DraftInvalid("分歧上限应大于 0", "rule.dispersion_limit")
    days = _whole(raw.get("reconsideration_days", 10), "rule.reconsideration_days", "复议申请期限")
    if not 1 <= days <= 60:
        raise DraftInvalid("复议申请期限应在 1–60 个工作日之间", "rule.reconsideration_days")
    return RulingRule(method=method, min_sheets=min_sheets, required_roles=tuple(sorted(set(roles))),
                      proper_at=proper_at, basic_at=basic_at, dispersion_limit=limit, reconsideration_days=days)


def parse_content(raw: Any) -> CriteriaContent:
    """A draft from JSON-like input ({name, criteria: [...], rule: {...}}), or DraftInvalid."""
    if not isinstance(raw, dict):
        raise DraftInvalid("请求体应为对象", "name")
    name = _text(raw.get("name"), "name", "标准名称", 100)
    items = raw.get("criteria")
    if not isinstance(items, list) or not items:
        raise DraftInvalid("至少需要一项评分指标", "criteria")
    if len(items) > 20:
        raise DraftInvalid("评分指标不能超过 20 项", "criteria")
    criteria: list[CriterionDraft] = []
    for i, item in enumerate(items):
        where = f"criteria.{i}"
        if not isinstance(item, dict):
            raise DraftInvalid("每项评分指标应为对象", where)
        code = _text(item.get("code"), f"{where}.code", f"第 {i + 1} 项的代码", 16)
        levels = item.get("levels")
        if isinstance(levels, str):
            levels = [line.strip() for line in levels.splitlines() if line.strip()]
        if not isinstance(levels, list) or not 2 <= len(levels) <= 10 or not all(isinstance(x, str) and x.strip() for x in levels):
            raise DraftInvalid(f"「{code}」应有 2–10 个等级，每级一句描述", f"{where}.levels")
        weight = _number(item.get("weight"), f"{where}.weight", f"「{code}」的权重")
        if weight <= 0:
            raise DraftInvalid(f"「{code}」的权重应大于 0", f"{where}.weight")
        criteria.append(CriterionDraft(
            code=code, name=_text(item.get("name"), f"{where}.name", f"「{code}」的名称", 64),
            description=str(item.get("description") or "").strip(), weight=weight,
            levels=tuple(str(x).strip() for x in levels),
        ))
    codes = [c.code for c in criteria]
    if len(set(codes)) != len(codes):
        raise DraftInvalid("评分指标的代码不能重复", "criteria")
    return CriteriaContent(name=name, criteria=tuple(criteria), rule=parse_rule(raw.get("rule", {})))


def content_json(content: CriteriaContent) -> dict[str, Any]:
    """The content as plain JSON data (what the API returns and the hash covers)."""
    return {
        "name": content.name,
        "criteria": [{"code": c.code, "name": c.name, "description": c.description, "weight": c.weight,
                      "scale_max": c.scale_max, "levels": list(c.levels)} for c in content.criteria],
        "rule": {**asdict(content.rule), "required_roles": list(content.rule.required_roles)},
    }


def canonical(content: CriteriaContent) -> str:
    """One byte-exact text per content: sorted keys, no whitespace, numbers as floats, UTF-8."""
    return json.dumps(content_json(content), ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def content_hash(content: CriteriaContent) -> str:
    """SHA-256 of the canonical form: anyone holding the published JSON can recompute it."""
    return hashlib.sha256(canonical(content).encode()).hexdigest()
