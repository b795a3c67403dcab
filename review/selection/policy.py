"""The selection policy (评议案件选取规则) as plain data: which unsatisfied cases go to third-party review; validating
a draft, the canonical JSON and its SHA-256 (pure).

Panel time is scarce (DESIGN §2), so bulk screening selects by a published rule, in this order:

1. every case whose complainant asked for review (申请评议, `review_requested` on intake or after 未入选);
2. repeated disputes (重复争议), the complainant recognised by a keyed hash of their phone number, never by the
   number: another case of the same complainant about the same department received within `repeat_days` days
   of this one; or a case re-opened after a reply (答复后重新提出): this one received within `reopen_days` days
   after the department replied to an earlier case of the same complainant (0 turns a rule off);
3. of the rest, a stratified random sample (分层随机抽样) per department and category at `sample_rate` (0–1),
   drawn as the panels are (review.selection.draw);

and the cases left are recorded as 未入选 with the reason, which their complainant sees and may still ask for
review. A published version never changes; a proposal records the version it was drawn under and its hash.
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass
from fractions import Fraction
from functools import cached_property
from typing import Any

from review.core.errors import DraftInvalid

MAX_DAYS = 365
RATE_PLACES = 4  # a rate is published with at most four decimal places: exact arithmetic on what is shown
_KEYS = {"name", "repeat_days", "reopen_days", "sample_rate", "strata", "rules"}  # strata and rules are derived

# Why a case is selected or not: the rule codes a proposal records for each case, in the order they apply.
RULE_LABELS: dict[str, str] = {
    "review_requested": "诉求人申请评议",
    "repeat": "重复争议：同一诉求人就同一部门再次投诉",
    "reopened": "重复争议：答复后重新提出",
    "sampled": "分层随机抽样抽中",
    "not_sampled": "分层随机抽样未抽中",
}
MANDATORY = ("review_requested", "reopened", "repeat")  # selected whatever the sample, first named first
STRATA = ("department", "category")


class PolicyInvalid(DraftInvalid):
    """A draft that cannot be published as it stands: the message (Chinese) names what to fix."""


@dataclass(frozen=True)
class Policy:
    """What a published version fixes."""

    name: str
    repeat_days: int  # same complainant, same department, within this many days of each other; 0: off
    reopen_days: int  # received within this many days after the department's reply to an earlier case; 0: off
    sample_rate: float  # the share of each stratum's other cases drawn for review, 0–1

    @cached_property
    def rate(self) -> Fraction:
        """The sample rate as an exact fraction (it has at most four decimal places)."""
        return Fraction(f"{self.sample_rate:.{RATE_PLACES}f}")

    @cached_property
    def percent(self) -> str:
        """The sample rate as people read it: 10%, 2.5%."""
        return f"{float(self.rate * 100):g}%"

    def rules(self) -> list[dict[str, Any]]:
        """What the policy selects, in the order it applies, as data and in words."""
        repeat = (f"同一诉求人（按手机号的加密摘要识别，不保存号码本身）就同一承办部门的诉求，相互间隔不超过 "
                  f"{self.repeat_days} 天的，一律入选" if self.repeat_days else "不按「同一诉求人再次投诉」选取")
        reopen = (f"承办部门答复同一诉求人的前一诉求后 {self.reopen_days} 天内，该诉求人就同一部门再次提出的，一律入选"
                  if self.reopen_days else "不按「答复后重新提出」选取")
        return [
            {"rule": "review_requested", "words": "诉求人申请第三方评议的（受理时申请，或未入选后申请），一律入选"},
            {"rule": "repeat", "days": self.repeat_days, "words": repeat},
            {"rule": "reopened", "days": self.reopen_days, "words": reopen},
            {"rule": "sampled", "rate": self.sample_rate,
             "words": f"其余案件按承办部门和诉求类别分层，每层按 {self.percent} 的比例随机抽取："
                      "每层抽取件数为「件数 × 比例」的整数部分，小数部分按该层的随机数决定是否多抽一件；"
                      "种子在抽取前登记于审计链，抽取后公开，任何人可按公开的记录复算"},
            {"rule": "not_sampled", "words": "其余案件记为「未入选」并说明理由；诉求人可在案件页面申请评议，"
                                             "案件回到评议办的审查队列，按第一条入选"},
        ]


DEFAULT = Policy(name="评议案件选取规则", repeat_days=30, reopen_days=30, sample_rate=0.1)


# --- reading a draft --------------------------------------------------------------------------------------


def _number(value: Any, field: str, label: str) -> float:
    if isinstance(value, bool) or value is None:
        raise PolicyInvalid(f"{label}应为数字", field)
    try:
        number = float(str(value).strip()) if isinstance(value, str) else float(value)
    except (TypeError, ValueError):
        raise PolicyInvalid(f"{label}应为数字", field) from None
    if not math.isfinite(number):
        raise PolicyInvalid(f"{label}应为数字", field)
    return number


def _days(value: Any, field: str, label: str) -> int:
    number = _number(value, field, label)
    if not number.is_integer():
        raise PolicyInvalid(f"{label}应为整数天数", field)
    if not 0 <= number <= MAX_DAYS:
        raise PolicyInvalid(f"{label}应在 0–{MAX_DAYS} 天之间（0 表示不按此条选取）", field)
    return int(number)


def _rate(value: Any) -> float:
    number = _number(value, "sample_rate", "抽样比例")
    if not 0 <= number <= 1:
        raise PolicyInvalid(f"抽样比例应在 0 至 1 之间（如 0.1 即 10%），现为 {number:g}", "sample_rate")
    if round(number, RATE_PLACES) != number:
        raise PolicyInvalid(f"抽样比例至多保留 {RATE_PLACES} 位小数", "sample_rate")
    return number


def parse_policy(raw: Any) -> Policy:
    """A draft from JSON-like input (the published JSON itself reads back), or PolicyInvalid naming the field."""
    if not isinstance(raw, dict):
        raise PolicyInvalid("选取规则应为对象", "name")
    unknown = sorted(set(raw) - _KEYS)
    if unknown:
        raise PolicyInvalid(f"选取规则没有「{unknown[0]}」这一项", unknown[0])
    name = str(raw.get("name") or "").strip()
    if not name:
        raise PolicyInvalid("请填写规则名称", "name")
    if len(name) > 100:
        raise PolicyInvalid("规则名称不能超过 100 个字", "name")
    for field in ("repeat_days", "reopen_days", "sample_rate"):
        if raw.get(field) is None or raw.get(field) == "":
            raise PolicyInvalid(f"缺少必填项 {field}", field)
    return Policy(
        name=name,
        repeat_days=_days(raw["repeat_days"], "repeat_days", "「同一诉求人再次投诉」的间隔"),
        reopen_days=_days(raw["reopen_days"], "reopen_days", "「答复后重新提出」的期限"),
        sample_rate=_rate(raw["sample_rate"]),
    )


# --- the canonical form -----------------------------------------------------------------------------------


def policy_json(policy: Policy) -> dict[str, Any]:
    """The policy as plain JSON data: what the API returns, the page reads out and the hash covers."""
    return {
        "name": policy.name,
        "repeat_days": policy.repeat_days,
        "reopen_days": policy.reopen_days,
        "sample_rate": float(policy.sample_rate),
        "strata": list(STRATA),
        "rules": policy.rules(),
    }


def canonical_text(value: Any) -> str:
    """The one text that is hashed: sorted keys, no whitespace, UTF-8 without escapes."""
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def canonical(policy: Policy) -> str:
    """One byte-exact text per policy (the rate as a float)."""
    return canonical_text(policy_json(policy))


def policy_hash(policy: Policy) -> str:
    """SHA-256 of the canonical form: anyone holding the published JSON can recompute it."""
    return hashlib.sha256(canonical(policy).encode()).hexdigest()


def content_hash(content: Any) -> str:
    """SHA-256 of a published policy's JSON as given (to check a record's copy without reading it as a policy)."""
    return hashlib.sha256(canonical_text(content).encode()).hexdigest()
