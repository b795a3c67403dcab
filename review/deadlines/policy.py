"""The clock policy (时限规则) as plain data: each stage's limit, when to remind before it, the escalation steps
after it and what pauses it; validating a draft, the canonical JSON and its SHA-256 (pure).

Like the criteria and the assessment scheme, a policy is published as a numbered version that never changes; the
public sees every version's limits (公开是常态). Limits count working days on the platform's calendar, or hours for
the stages that run by the hour.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from review.core.errors import DraftInvalid
from review.core.i18n import lazy_labels

WORKDAYS, HOURS = "workdays", "hours"
UNITS = {WORKDAYS: "个工作日", HOURS: "小时"}

# The stages a case passes through that run on a clock, in the order a case meets them, and their names.
STAGES: dict[str, str] = lazy_labels({
    "screening": "受理审查",
    "convening": "组成评议组",
    "invitation": "评议员答复邀请",
    "scoring": "评分",
    "reasoning": "组长撰写评议理由",
    "issuing": "签发评议意见书",
    "delivery": "送达评议意见书",
    "reconsideration_request": "申请复议",
    "reconsideration_decision": "复议决定",
    "mediation_start": "启动调解",
    "mediation_end": "调解结束",
    "redo": "整改",
})

# What stops a stage's clock while it lasts. Data: a policy names, per stage, which of these pause it.
PAUSE_KINDS: dict[str, str] = {
    "waiting_complainant": "等待诉求人补充材料",
    "mediation_open": "调解进行中",
    "challenge_pending": "回避申请待决定",
}

# Who a reminder or an escalation step goes to.
RECIPIENTS: dict[str, str] = {
    "assignee": "当前环节的责任人",
    "office": "评议办",
    "office_head": "评议办负责人",
    "chair": "评议组组长",
    "department": "承办部门联络员",
    "department_head": "承办部门负责人",
}

_MAX = {WORKDAYS: 365, HOURS: 24 * 90}
_KEYS = {"name", "stages"}
_STAGE_KEYS = {"limit", "unit", "remind_before", "remind", "escalations", "pauses"}


class PolicyInvalid(DraftInvalid):
    """A draft that cannot be published as it stands: the message (Chinese) names what to fix, `field` where."""


@dataclass(frozen=True)
class Escalation:
    """One step after the deadline: `after` units past the due time, a notice to `to`."""

    after: int
    to: str

    def words(self, unit: str) -> str:
        return f"逾期 {self.after} {UNITS[unit]}后通报{RECIPIENTS[self.to]}"


@dataclass(frozen=True)
class StageRule:
    """One stage's clock: its limit, the reminder `remind_before` units ahead of the due time (0: none) to
    `remind`, the escalation steps (in order of `after`) and the pause kinds that stop it."""

    stage: str
    limit: int
    unit: str = WORKDAYS
    remind_before: int = 0
    remind: str = "assignee"
    escalations: tuple[Escalation, ...] = ()
    pauses: tuple[str, ...] = ()

    @property
    def name(self) -> str:
        return STAGES[self.stage]

    @property
    def words(self) -> str:
        parts = [f"{self.name}：{self.limit} {UNITS[self.unit]}内完成"]
        if self.remind_before:
            parts.append(f"到期前 {self.remind_before} {UNITS[self.unit]}提醒{RECIPIENTS[self.remind]}")
        parts += [step.words(self.unit) for step in self.escalations]
        if self.pauses:
            parts.append("、".join(PAUSE_KINDS[p] for p in self.pauses) + "期间暂停计时")
        return "；".join(parts)


@dataclass(frozen=True)
class Policy:
    name: str
    stages: Mapping[str, StageRule]

    def rule(self, stage: str) -> StageRule | None:
        return self.stages.get(stage)


def _office(after_first: int = 1, after_head: int = 3) -> tuple[Escalation, ...]:
    return Escalation(after_first, "office"), Escalation(after_first + after_head, "office_head")


DEFAULT = Policy(
    name="评议各环节时限规则",
    stages={rule.stage: rule for rule in (
        StageRule("screening", 2, remind_before=1, remind="office", escalations=_office(),
                  pauses=("waiting_complainant",)),
        StageRule("convening", 3, remind_before=1, remind="office", escalations=_office()),
        StageRule("invitation", 48, unit=HOURS, remind_before=12, escalations=(Escalation(1, "office"),)),
        StageRule("scoring", 5, remind_before=1, escalations=_office(),
                  pauses=("mediation_open", "challenge_pending")),
        StageRule("reasoning", 3, remind_before=1, remind="chair", escalations=_office()),
        StageRule("issuing", 2, remind_before=1, remind="office", escalations=(Escalation(1, "office_head"),)),
        StageRule("delivery", 2, remind_before=1, remind="office", escalations=(Escalation(1, "office_head"),)),
        StageRule("reconsideration_request", 15),
        StageRule("reconsideration_decision", 10, remind_before=2, remind="office",
                  escalations=(Escalation(1, "office_head"),)),
        StageRule("mediation_start", 5, remind_before=1, remind="office", escalations=_office()),
        StageRule("mediation_end", 15, remind_before=3, remind="office", escalations=_office()),
        StageRule("redo", 15, remind_before=3, remind="department",
                  escalations=(Escalation(1, "department_head"), Escalation(4, "office"))),
    )},
)


# --- reading a draft --------------------------------------------------------------------------------------


def _whole(value: Any, field: str, label: str, low: int, high: int) -> int:
    if isinstance(value, bool):
        raise PolicyInvalid(f"{label}应为整数", field)
    try:
        number = float(str(value).strip()) if isinstance(value, str) else float(value)
    except (TypeError, ValueError):
        raise PolicyInvalid(f"{label}应为整数", field) from None
    if not math.isfinite(number) or not number.is_integer():
        raise PolicyInvalid(f"{label}应为整数", field)
    if number < low:
        raise PolicyInvalid(f"{label}不能小于 {low}", field)
    if number > high:
        raise PolicyInvalid(f"{label}不能大于 {high}", field)
    return int(number)


def _recipient(value: Any, field: str, label: str) -> str:
    if value is None or (isinstance(value, str) and not value.strip()):
        raise PolicyInvalid(f"{label}须指明通知对象", field)
    if value not in RECIPIENTS:
        raise PolicyInvalid(f"{label}的通知对象「{value}」不存在（可用：{'、'.join(RECIPIENTS)}）", field)
    return str(value)


def _escalations(raw: Any, field: str, label: str, unit: str) -> tuple[Escalation, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list):
        raise PolicyInvalid(f"{label}的升级步骤应为数组", field)
    steps: list[Escalation] = []
    for index, item in enumerate(raw):
        where, name = f"{field}[{index}]", f"{label}第 {index + 1} 个升级步骤"
        if not isinstance(item, Mapping):
            raise PolicyInvalid(f"{name}应为对象", where)
        after = _whole(item.get("after"), f"{where}.after", f"{name}的逾期时长", 0, _MAX[unit])
        if steps and after <= steps[-1].after:
            raise PolicyInvalid(f"{name}应晚于上一步", f"{where}.after")
        steps.append(Escalation(after, _recipient(item.get("to"), f"{where}.to", name)))
    return tuple(steps)


def _stage(code: str, raw: Any) -> StageRule:
    field, label = f"stages.{code}", f"「{STAGES[code]}」"
    if not isinstance(raw, Mapping):
        raise PolicyInvalid(f"{label}应为对象", field)
    unknown = sorted(set(raw) - _STAGE_KEYS)
    if unknown:
        raise PolicyInvalid(f"{label}中的「{unknown[0]}」无法识别", f"{field}.{unknown[0]}")
    unit = raw.get("unit", WORKDAYS)
    if unit not in UNITS:
        raise PolicyInvalid(f"{label}的计时单位应为 workdays 或 hours", f"{field}.unit")
    limit = _whole(raw.get("limit"), f"{field}.limit", f"{label}的时限", 1, _MAX[unit])
    remind_before = _whole(raw.get("remind_before", 0), f"{field}.remind_before", f"{label}的提前提醒", 0,
                           _MAX[unit])
    if remind_before >= limit:
        raise PolicyInvalid(f"{label}的提醒应在期限之内、到期之前（提前量须小于时限 {limit}）",
                            f"{field}.remind_before")
    remind = _recipient(raw.get("remind", "assignee"), f"{field}.remind", f"{label}的提醒")
    pauses = raw.get("pauses") or []
    if not isinstance(pauses, list) or not all(isinstance(p, str) for p in pauses):
        raise PolicyInvalid(f"{label}的暂停情形应为数组", f"{field}.pauses")
    bad = [p for p in pauses if p not in PAUSE_KINDS]
    if bad:
        raise PolicyInvalid(f"{label}的暂停情形「{bad[0]}」不存在（可用：{'、'.join(PAUSE_KINDS)}）",
                            f"{field}.pauses")
    return StageRule(code, limit, unit, remind_before, remind,
                     _escalations(raw.get("escalations"), f"{field}.escalations", label, unit),
                     tuple(dict.fromkeys(pauses)))


def parse_policy(raw: Mapping[str, Any]) -> Policy:
    """A draft's fields as a policy, or PolicyInvalid naming the first thing to fix. A stage left out has no
    clock; a stage not in STAGES is refused."""
    if not isinstance(raw, Mapping):
        raise PolicyInvalid("时限规则应为对象", "policy")
    unknown = sorted(set(raw) - _KEYS)
    if unknown:
        raise PolicyInvalid(f"「{unknown[0]}」无法识别", unknown[0])
    name = str(raw.get("name") or DEFAULT.name).strip()
    if len(name) > 100:
        raise PolicyInvalid("名称不能超过 100 个字", "name")
    stages = raw.get("stages")
    if not isinstance(stages, Mapping) or not stages:
        raise PolicyInvalid("须至少规定一个环节的时限", "stages")
    strange = [code for code in stages if code not in STAGES]
    if strange:
        raise PolicyInvalid(f"环节「{strange[0]}」不存在（可用：{'、'.join(STAGES)}）", f"stages.{strange[0]}")
    return Policy(name, {code: _stage(code, stages[code]) for code in STAGES if code in stages})


def as_data(policy: Policy) -> dict[str, Any]:
    """The published JSON: what parse_policy reads back to the same policy, plus each stage's words."""
    return {"name": policy.name, "stages": {code: {
        "limit": rule.limit, "unit": rule.unit, "remind_before": rule.remind_before, "remind": rule.remind,
        "escalations": [{"after": s.after, "to": s.to} for s in rule.escalations], "pauses": list(rule.pauses),
    } for code, rule in policy.stages.items()}}


def canonical(policy: Policy) -> str:
    """Keys sorted, no whitespace, UTF-8 text: what the hash is taken over."""
    return json.dumps(as_data(policy), ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def policy_hash(policy: Policy) -> str:
    return hashlib.sha256(canonical(policy).encode("utf-8")).hexdigest()
