"""The default criteria set seeded at set-up (version 1)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TypedDict


class CriterionJson(TypedDict):
    code: str
    name: str
    weight: int
    description: str
    levels: list[str]


class RuleJson(TypedDict):
    method: str
    min_sheets: int
    required_roles: list[str]
    proper_at: float
    basic_at: float
    dispersion_limit: float
    reconsideration_days: int

DEFAULT_NAME = "网络理政诉求办理第三方评议标准"

_LEVELS_GENERIC = ["很差", "较差", "一般", "较好", "很好"]

DEFAULT_CRITERIA: list[CriterionJson] = [
    {"code": "C1", "name": "受理及时性", "weight": 15,
     "description": "是否在规定时限内签收、联系诉求人并开展办理。",
     "levels": ["严重超期且未联系", "超期办理", "基本按时", "按时办理", "当日响应并主动联系"]},
    {"code": "C2", "name": "办理规范性", "weight": 20,
     "description": "办理程序是否合法合规，调查核实是否充分，有无推诿扯皮。",
     "levels": ["程序违法或推诿", "程序明显缺失", "程序基本完整", "程序规范", "程序规范且调查充分"]},
    {"code": "C3", "name": "政策依据", "weight": 15,
     "description": "答复所援引的法律法规和政策是否准确、适用。",
     "levels": ["无依据或依据错误", "依据不充分", "依据基本准确", "依据准确", "依据准确且解释透彻"]},
    {"code": "C4", "name": "问题解决程度", "weight": 25,
     "description": "诉求中合理部分是否得到解决或有明确的解决计划。",
     "levels": ["未解决", "少部分解决", "部分解决", "基本解决", "彻底解决"]},
    {"code": "C5", "name": "答复质量", "weight": 15,
     "description": "答复是否针对诉求、内容完整、表述清楚。",
     "levels": ["答非所问", "内容残缺", "基本回应", "回应完整", "回应完整且有温度"]},
    {"code": "C6", "name": "沟通态度", "weight": 10,
     "description": "与诉求人沟通是否耐心、尊重，是否做好解释工作。",
     "levels": _LEVELS_GENERIC},
]

DEFAULT_RULE: RuleJson = {
    "method": "mean",
    "min_sheets": 3,
    "required_roles": ["lawyer"],
    "proper_at": 85.0,
    "basic_at": 60.0,
    "dispersion_limit": 1.5,
    "reconsideration_days": 10,
}


def content_hash(name: str, criteria: Sequence[Mapping[str, object]], rule: Mapping[str, object]) -> str:
    """SHA-256 of a criteria set's canonical content (see scoring.domain.criteria.canonical)."""
    # lazy: scoring.domain.criteria imports this module's defaults
    from scoring.domain.criteria import content_hash as canonical_hash
    from scoring.domain.criteria import parse_content

    return canonical_hash(parse_content({"name": name, "criteria": criteria, "rule": rule}))
